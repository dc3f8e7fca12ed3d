"""Canonical model <-> canonical XML and JSON bytes, and the hardened XML and JSON readers."""

from cjx.codec._canonical import (
    CANONICAL_NS,
    decode_json,
    decode_xml,
    decode_xml_element,
    encode_json,
    encode_xml,
    encode_xml_element,
    schema_hint_issues,
    xml_name,
)
from cjx.codec._json import (
    DEFAULT_MAX_JSON_SIZE,
    MAX_JSON_DEPTH,
    MAX_JSON_NUMBER_DIGITS,
    load_json,
    parse_json_text,
    read_json_text,
)
from cjx.codec._pydantic_errors import code_for, issues_from_pydantic, json_pointer
from cjx.codec._xmlparse import (
    DEFAULT_MAX_XML_SIZE,
    XINCLUDE_NS,
    XSI_NS,
    element_path,
    parse_xml,
    peek_root,
    resolve_libxml_path,
    schema_location_hints,
)

__all__ = [
    "CANONICAL_NS",
    "DEFAULT_MAX_JSON_SIZE",
    "DEFAULT_MAX_XML_SIZE",
    "MAX_JSON_DEPTH",
    "MAX_JSON_NUMBER_DIGITS",
    "XINCLUDE_NS",
    "XSI_NS",
    "code_for",
    "decode_json",
    "decode_xml",
    "decode_xml_element",
    "encode_json",
    "encode_xml",
    "element_path",
    "encode_xml_element",
    "issues_from_pydantic",
    "json_pointer",
    "load_json",
    "parse_json_text",
    "parse_xml",
    "peek_root",
    "read_json_text",
    "resolve_libxml_path",
    "schema_hint_issues",
    "schema_location_hints",
    "xml_name",
]
