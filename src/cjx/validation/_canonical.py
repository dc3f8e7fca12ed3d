"""Validation of canonical messages against the committed schemas and the model.

Both gates run and every issue is reported: the schema (XSD or JSON Schema) first, then the
model, whose rules neither schema language can state (check characters, offsets on timestamps,
a defendant being a person or an organisation). When the schema already failed, only the model's
own rule codes are added (identifier codes always), so one fault is not reported twice. When the
schema's issues already fill a report (:data:`~cjx.errors.MAX_ISSUES`), the model is not built:
it would only find the same faults again, at a cost that grows with them.

JSON input is read only by :func:`cjx.codec.load_json` (its ``json.*`` rules); an input it
rejects is reported with that one issue and goes through neither gate.
"""

from __future__ import annotations

from typing import Any, Final

from lxml import etree

from cjx.codec import (
    DEFAULT_MAX_JSON_SIZE,
    DEFAULT_MAX_XML_SIZE,
    decode_xml_element,
    encode_xml,
    load_json,
    parse_xml,
    schema_hint_issues,
)
from cjx.codec._canonical import _validate as _model_validate
from cjx.errors import TRUNCATED, Issue, Report, ValidationFailed
from cjx.model import Envelope

from ._schemas import (
    json_schema_issues,
    json_validator,
    lxml_schema,
    xmlschema_issues,
    xmlschema_schema,
    xsd_issues,
)

__all__ = [
    "CANONICAL_JSON_SCHEMA",
    "CANONICAL_XSD",
    "canonical_gate",
    "check_canonical_json",
    "check_canonical_xml_element",
    "validate_canonical_json",
    "validate_canonical_xml",
]

CANONICAL_XSD: Final = "canonical/v1/cjx-canonical.xsd"
CANONICAL_JSON_SCHEMA: Final = "canonical/v1/cjx-canonical.schema.json"


def canonical_gate(envelope: Envelope[Any]) -> tuple[bytes, list[Issue]]:
    """The second gate (DESIGN.md section 5): ``envelope``'s canonical XML and its XSD issues.

    The bytes are what ``encode_xml`` writes; when the issues are empty they are a valid
    canonical document, ready to send.
    """
    text = encode_xml(envelope)
    # cjx's own output: the input size limit does not apply (canonical XML may be larger
    # than the source it came from)
    root = parse_xml(text, source=str(envelope.message_id), max_size=max(len(text), 1))
    return text, xsd_issues(lxml_schema(CANONICAL_XSD), root)


def _full(issues: list[Issue]) -> bool:
    return any(i.code == TRUNCATED for i in issues)


def _merge(schema_issues: list[Issue], model_issues: list[Issue]) -> list[Issue]:
    if not schema_issues:
        return model_issues
    return schema_issues + [i for i in model_issues if not i.code.startswith("schema.")]


def check_canonical_xml_element(
    root: etree._Element, *, source: str = "<input>", detailed: bool = False
) -> tuple[Envelope[Any] | None, list[Issue]]:
    """Both gates on a parsed canonical document: (the envelope when valid, issues).

    Schema location hints are refused first (``xml.schema-location``)."""
    hint_issues = schema_hint_issues(root)
    if detailed:
        schema_issues = xmlschema_issues(xmlschema_schema(CANONICAL_XSD), root)
    else:
        schema_issues = xsd_issues(lxml_schema(CANONICAL_XSD), root)
    envelope: Envelope[Any] | None = None
    model_issues: list[Issue] = []
    if not _full(schema_issues):
        try:
            envelope = decode_xml_element(root, source=source)
        except ValidationFailed as exc:
            model_issues = list(exc.report.issues)
    issues = hint_issues + _merge(schema_issues, model_issues)
    return (envelope if not issues else None), issues


def validate_canonical_xml(
    data: bytes,
    *,
    source: str = "<input>",
    detailed: bool = False,
    max_size: int = DEFAULT_MAX_XML_SIZE,
) -> Report:
    """Every issue of a canonical XML document: well-formedness, XSD, model rules."""
    try:
        root = parse_xml(data, source=source, max_size=max_size)
    except ValidationFailed as exc:
        return exc.report
    _, issues = check_canonical_xml_element(root, source=source, detailed=detailed)
    return Report(source, tuple(issues))


def check_canonical_json(
    obj: Any, *, source: str = "<input>"
) -> tuple[Envelope[Any] | None, list[Issue]]:
    """Both gates on a parsed canonical JSON value: (the envelope when valid, issues)."""
    schema_issues = json_schema_issues(json_validator(CANONICAL_JSON_SCHEMA), obj)
    envelope: Envelope[Any] | None = None
    model_issues: list[Issue] = []
    if isinstance(obj, dict) and not _full(schema_issues):
        try:
            envelope = _model_validate(obj, source, pointer_style=True)
        except ValidationFailed as exc:
            model_issues = list(exc.report.issues)
    issues = _merge(schema_issues, model_issues)
    return (envelope if not issues else None), issues


def validate_canonical_json(
    data: bytes | str, *, source: str = "<input>", max_size: int = DEFAULT_MAX_JSON_SIZE
) -> Report:
    """Every issue of a canonical JSON document: reading (:func:`~cjx.codec.load_json`: size,
    UTF-8, depth, syntax, duplicate keys), JSON Schema, model rules."""
    try:
        obj = load_json(data, source=source, max_size=max_size)
    except ValidationFailed as exc:
        return exc.report
    _, issues = check_canonical_json(obj, source=source)
    return Report(source, tuple(issues))
