"""Validation of canonical messages against the committed schemas and the model.

Both gates run and every issue is reported: the schema (XSD or JSON Schema) first, then the
model, whose rules neither schema language can state (check characters, offsets on timestamps,
a defendant being a person or an organisation). When the schema already failed, only the model's
own rule codes are added (identifier codes always), so one fault is not reported twice. When the
schema's issues already fill a report (:data:`~cjx.errors.MAX_ISSUES`), the model is not built:
it would only find the same faults again, at a cost that grows with them.

JSON input is read only by :func:`cjx.codec.load_json` (its ``json.*`` rules); an input it
rejects is reported with that one issue and goes through neither gate.

**Each message is checked against the version it claims** (``schema_version``,
docs/versioning.md), through :func:`schemas_for`:

* a released version (``1.0``, ``1.1``: :data:`cjx.schema_versions.RELEASED`) is checked with
  that release's frozen schemas, so a v1.0 message is held to exactly what v1.0 readers accept;
* a later minor of the major cjx reads (``1.7``) is a version cjx does not have: a
  ``schema.version-unknown`` *warning* (with the path and the versions cjx has), and the message
  is checked as this reader reads it, with its newest schemas (the working ones), tolerant
  only at extension points: that is the promise a newer producer of the same major keeps;
* any other version (another major, or text that is no ``MAJOR.MINOR``) is a
  ``schema.version-unknown`` *error*: neither gate runs, there is nothing to check it against;
* no ``schema_version`` at all (or not a string) is left to the working schema, which says so.

A reader *pinned* to a release (``version="1.0"``: a consumer built on v1.0) checks every
message with that release's schemas, or an earlier one's when the message claims it: a message
type the release does not have fails its schema, as it would at that consumer. It reads a
message of a later minor as that release's reader does: the fields later minors added at
extension points (a 1.2 record's ``changed_groups``, for a reader pinned to 1.1) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from lxml import etree

from cjx.codec import (
    CANONICAL_NS,
    DEFAULT_MAX_JSON_SIZE,
    DEFAULT_MAX_XML_SIZE,
    decode_xml_element,
    encode_xml,
    load_json,
    parse_xml,
    schema_hint_issues,
)
from cjx.codec._canonical import _validate as _model_validate
from cjx.errors import TRUNCATED, Issue, Report, Severity, ValidationFailed, error, warning
from cjx.model import Envelope
from cjx.schema_versions import RELEASED, is_version, major_of, released

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
    "VersionChoice",
    "canonical_gate",
    "check_canonical_json",
    "check_canonical_xml_element",
    "validate_canonical_json",
    "validate_canonical_xml",
    "schemas_for",
]

CANONICAL_XSD: Final = "canonical/v1/cjx-canonical.xsd"
CANONICAL_JSON_SCHEMA: Final = "canonical/v1/cjx-canonical.schema.json"
#: The major the working schemas (and the model) describe.
WORKING_MAJOR: Final = 1
_XML_VERSION_PATH: Final = "/Envelope/SchemaVersion"
#: The longest claim read as a version (``MAJOR.MINOR`` of up to 7 digits each).
_MAX_VERSION_LENGTH: Final = 15
_JSON_VERSION_PATH: Final = "/schema_version"
_XML_VERSION_TAG: Final = "{" + CANONICAL_NS + "}SchemaVersion"


@dataclass(frozen=True, slots=True)
class VersionChoice:
    """What a message's claimed version is checked with: the schema pair (relative to
    ``schemas/``; None when it cannot be checked at all), the issues the claim itself raised,
    and whether the message is of a later minor than the reader has (read tolerantly at
    extension points)."""

    xsd: str | None
    json_schema: str | None
    issues: tuple[Issue, ...] = ()
    later: bool = False


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def schemas_for(
    claimed: str | None, pinned: str | None = None, *, json: bool = False
) -> VersionChoice:
    """The schemas that check a message claiming ``claimed`` (module docstring).

    ``pinned`` is the newest release the reader was built on (None: every release cjx has,
    and the working schemas beyond them). Raises UnknownVersion for an unreleased ``pinned``.
    """
    if claimed is not None and len(claimed) > _MAX_VERSION_LENGTH:
        claimed = _TOO_LONG  # never a cache key of an input's size
    return _schemas_for(claimed, pinned, json)


_TOO_LONG: Final = "?"  # a claim longer than any version: not MAJOR.MINOR, not shown


@lru_cache(maxsize=256)  # claims come from input: bounded in number and (above) in length
def _schemas_for(claimed: str | None, pinned: str | None, json: bool) -> VersionChoice:
    newest = released(pinned) if pinned is not None else None
    path = _JSON_VERSION_PATH if json else _XML_VERSION_PATH
    known = [v for v in RELEASED if newest is None or _minor(v) <= _minor(newest.version)]
    if not isinstance(claimed, str):  # absent or not text: the working schema says so
        pair = (
            (newest.xsd, newest.json_schema) if newest else (CANONICAL_XSD, CANONICAL_JSON_SCHEMA)
        )
        return VersionChoice(*pair)
    # a version is short: a longer claim is neither shown nor read as a number
    readable = is_version(claimed)
    if not readable or major_of(claimed) != WORKING_MAJOR:
        shown = f"version {claimed}" if readable else "a version that is not MAJOR.MINOR"
        return VersionChoice(
            None,
            None,
            (
                error(
                    "schema.version-unknown",
                    path,
                    f"cjx has no schemas for {shown}: expected one of {', '.join(known)} "
                    f"(or a later {WORKING_MAJOR}.x, read as the newest of these reads it)",
                ),
            ),
        )
    if claimed in known:
        release = RELEASED[claimed]
        return VersionChoice(release.xsd, release.json_schema)
    newest_known = known[-1]
    if _minor(claimed) > _minor(newest_known):
        # a later minor of this major: read as this reader reads it (docs/versioning.md)
        pair = (
            (newest.xsd, newest.json_schema) if newest else (CANONICAL_XSD, CANONICAL_JSON_SCHEMA)
        )
        issues: tuple[Issue, ...] = ()
        if claimed not in RELEASED:
            issues = (
                warning(
                    "schema.version-unknown",
                    path,
                    f"cjx does not have version {claimed}: expected one of {', '.join(known)}; "
                    f"checked as a {newest_known} reader reads a later minor (content at "
                    "extension points ignored)",
                ),
            )
        return VersionChoice(*pair, issues=issues, later=True)
    return VersionChoice(
        None,
        None,
        (
            error(
                "schema.version-unknown",
                path,
                f"cjx has no schemas for version {claimed}: expected one of {', '.join(known)}",
            ),
        ),
    )


def _claimed_xml(root: etree._Element) -> str | None:
    node = root.find(_XML_VERSION_TAG)
    return node.text if node is not None and node.text is not None else None


def _errors(issues: list[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


def canonical_gate(envelope: Envelope[Any]) -> tuple[bytes, list[Issue]]:
    """The second gate (DESIGN.md section 5): ``envelope``'s canonical XML and its XSD issues.

    The bytes are what ``encode_xml`` writes; when the issues are empty they are a valid
    canonical document, ready to send. The XSD is that of the version the message says
    (a v1.0 message type is held to the v1.0 schema, as its readers are).
    """
    text = encode_xml(envelope)
    # cjx's own output: the input size limit does not apply (canonical XML may be larger
    # than the source it came from)
    root = parse_xml(text, source=str(envelope.message_id), max_size=max(len(text), 1))
    choice = schemas_for(envelope.schema_version)
    return text, list(choice.issues) + xsd_issues(lxml_schema(choice.xsd or CANONICAL_XSD), root)


def _full(issues: list[Issue]) -> bool:
    return any(i.code == TRUNCATED for i in issues)


def _merge(schema_issues: list[Issue], model_issues: list[Issue]) -> list[Issue]:
    if not schema_issues:
        return model_issues
    return schema_issues + [i for i in model_issues if not i.code.startswith("schema.")]


def check_canonical_xml_element(
    root: etree._Element,
    *,
    source: str = "<input>",
    detailed: bool = False,
    version: str | None = None,
) -> tuple[Envelope[Any] | None, list[Issue]]:
    """Both gates on a parsed canonical document: (the envelope when valid, issues).

    Schema location hints are refused first (``xml.schema-location``). The schemas are those
    of the version the document claims (module docstring); ``version`` pins the reader to a
    release. The envelope is returned when no issue is an error (a later minor's warning)."""
    hint_issues = schema_hint_issues(root)
    choice = schemas_for(_claimed_xml(root), version)
    if choice.xsd is None:
        return None, hint_issues + list(choice.issues)
    if detailed:
        schema_issues = xmlschema_issues(xmlschema_schema(choice.xsd), root)
    else:
        schema_issues = xsd_issues(lxml_schema(choice.xsd), root)
    envelope: Envelope[Any] | None = None
    model_issues: list[Issue] = []
    if not _full(schema_issues):
        try:
            envelope = decode_xml_element(
                root, source=source, tolerant=choice.later, reader=version
            )
        except ValidationFailed as exc:
            model_issues = list(exc.report.issues)
    issues = hint_issues + list(choice.issues) + _merge(schema_issues, model_issues)
    return (envelope if not _errors(issues) else None), issues


def validate_canonical_xml(
    data: bytes,
    *,
    source: str = "<input>",
    detailed: bool = False,
    max_size: int = DEFAULT_MAX_XML_SIZE,
    version: str | None = None,
) -> Report:
    """Every issue of a canonical XML document: well-formedness, XSD (of the version it
    claims, or of the release ``version`` pins), model rules."""
    try:
        root = parse_xml(data, source=source, max_size=max_size)
    except ValidationFailed as exc:
        return exc.report
    _, issues = check_canonical_xml_element(root, source=source, detailed=detailed, version=version)
    return Report(source, tuple(issues))


def check_canonical_json(
    obj: Any, *, source: str = "<input>", version: str | None = None
) -> tuple[Envelope[Any] | None, list[Issue]]:
    """Both gates on a parsed canonical JSON value: (the envelope when valid, issues).

    The schemas are those of the version the message claims (module docstring); ``version``
    pins the reader to a release. The envelope is returned when no issue is an error."""
    claimed = obj.get("schema_version") if isinstance(obj, dict) else None
    claimed = claimed if isinstance(claimed, str) else None
    choice = schemas_for(claimed, version, json=True)
    if choice.json_schema is None:
        return None, list(choice.issues)
    schema_issues = json_schema_issues(json_validator(choice.json_schema), obj)
    envelope: Envelope[Any] | None = None
    model_issues: list[Issue] = []
    if isinstance(obj, dict) and not _full(schema_issues):
        try:
            envelope = _model_validate(
                obj, source, pointer_style=True, tolerant=choice.later, reader=version
            )
        except ValidationFailed as exc:
            model_issues = list(exc.report.issues)
    issues = list(choice.issues) + _merge(schema_issues, model_issues)
    return (envelope if not _errors(issues) else None), issues


def validate_canonical_json(
    data: bytes | str,
    *,
    source: str = "<input>",
    max_size: int = DEFAULT_MAX_JSON_SIZE,
    version: str | None = None,
) -> Report:
    """Every issue of a canonical JSON document: reading (:func:`~cjx.codec.load_json`: size,
    UTF-8, depth, syntax, duplicate keys), JSON Schema (of the version it claims, or of the
    release ``version`` pins), model rules."""
    try:
        obj = load_json(data, source=source, max_size=max_size)
    except ValidationFailed as exc:
        return exc.report
    _, issues = check_canonical_json(obj, source=source, version=version)
    return Report(source, tuple(issues))
