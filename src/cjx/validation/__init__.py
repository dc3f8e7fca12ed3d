"""Schema validation (XSD, JSON Schema) and reports of every issue found."""

from cjx.validation._canonical import (
    CANONICAL_JSON_SCHEMA,
    CANONICAL_XSD,
    VersionChoice,
    canonical_gate,
    check_canonical_json,
    check_canonical_xml_element,
    schemas_for,
    validate_canonical_json,
    validate_canonical_xml,
)
from cjx.validation._schemas import (
    element_path,
    json_schema_issues,
    json_validator,
    lxml_schema,
    xmlschema_issues,
    xmlschema_schema,
    xsd_issues,
)
from cjx.validation._text import BIDI_CODE, free_text_issues

__all__ = [
    "BIDI_CODE",
    "CANONICAL_JSON_SCHEMA",
    "CANONICAL_XSD",
    "VersionChoice",
    "canonical_gate",
    "check_canonical_json",
    "check_canonical_xml_element",
    "element_path",
    "free_text_issues",
    "json_schema_issues",
    "json_validator",
    "lxml_schema",
    "schemas_for",
    "validate_canonical_json",
    "validate_canonical_xml",
    "xmlschema_issues",
    "xmlschema_schema",
    "xsd_issues",
]
