"""Canonical model <-> canonical XML and JSON bytes, and the hardened XML parser."""

from cjx.codec._canonical import (
    CANONICAL_NS,
    decode_json,
    decode_xml,
    decode_xml_element,
    encode_json,
    encode_xml,
    encode_xml_element,
    xml_name,
)
from cjx.codec._pydantic_errors import code_for, issues_from_pydantic, json_pointer
from cjx.codec._xmlparse import (
    DEFAULT_MAX_XML_SIZE,
    XINCLUDE_NS,
    XSI_NS,
    parse_xml,
    schema_location_hints,
)

__all__ = [
    "CANONICAL_NS",
    "DEFAULT_MAX_XML_SIZE",
    "XINCLUDE_NS",
    "XSI_NS",
    "code_for",
    "decode_json",
    "decode_xml",
    "decode_xml_element",
    "encode_json",
    "encode_xml",
    "encode_xml_element",
    "issues_from_pydantic",
    "json_pointer",
    "parse_xml",
    "schema_location_hints",
    "xml_name",
]
