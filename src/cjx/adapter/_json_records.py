"""What adapters of JSON record formats share (version 1.1): reading, identifiers, the null rule.

The prison and probation records (prison-api, hmpps-prisoner-search, community-api, CVL) are
JSON documents with the same conventions, so their adapters read and write them the same way:

* :func:`read_json_object` reads the bytes with cjx's one JSON reader (:mod:`cjx.codec`: size
  limit, UTF-8, depth, RFC 8259 syntax, duplicate keys) and returns issues instead of raising,
  so that they are reported with everything else; the top level must be an object
  (``json.type``).
* **Absent means null**: a missing member and an explicit ``null`` decode alike, and encoding
  leaves the member out. :func:`without_nulls` is that rule, for comparing a re-encoded
  document with its input.
* :func:`read_identifier` checks one identifier member with the identifier's own codes
  (``noms.format``, ``book-number.missing``...), at the member's pointer; a normalised value is
  information (``noms.normalised``).
* :func:`read_record` is the first two steps of every decoder: the document and the source
  schema's issues, each member the (closed) schema does not know being information,
  ``<format>.unknown-field``, at its pointer (:func:`cjx.validation.json_schema_issues`).
* :func:`body_of` and :func:`checked_output` are the first and last steps of every encoder: the
  body of the one message type the format writes (else
  :class:`~cjx.errors.UnknownMessageType`), and the document validated against the source
  schema (else :class:`~cjx.errors.ValidationFailed` at canonical pointers).
* :func:`dump_json` writes compact UTF-8 JSON, as the services do.
* :class:`JsonRecordAdapter` is the adapter class they share: one document in, one envelope
  out, recognised by patterns that must appear and members that must not.

Dates and local date-times are read with :func:`cjx.model.read_date` and
:func:`cjx.model.read_local_datetime`, open codes with :func:`cjx.model.check_code`.
"""

from __future__ import annotations

import abc
import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Final, TypeVar

from cjx.codec import DEFAULT_MAX_JSON_SIZE, parse_json_text, read_json_text
from cjx.errors import Issue, Report, UnknownMessageType, ValidationFailed, error
from cjx.model import Body, Clock, Envelope, Identifier, system_clock
from cjx.validation import json_schema_issues, json_validator

from ._protocol import Adapter, Translation

__all__ = [
    "JsonRecordAdapter",
    "body_of",
    "checked_output",
    "dump_json",
    "read_identifier",
    "read_json_object",
    "read_record",
    "without_nulls",
]

I = TypeVar("I", bound=Identifier)  # noqa: E741 - the identifier type
B = TypeVar("B", bound=Body)

#: How far into the input a JSON record adapter's ``sniff`` looks.
SNIFF_WINDOW: Final = 64 * 1024

_SOURCE = "<record>"  # issues are taken from the reader's report; the caller names the input


def read_json_object(
    data: bytes, *, max_size: int = DEFAULT_MAX_JSON_SIZE
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """The document as an object, or ``None``; with every reading issue."""
    try:
        text = read_json_text(data, source=_SOURCE, max_size=max_size)
        value, duplicates = parse_json_text(text, source=_SOURCE)
    except ValidationFailed as exc:
        return None, list(exc.report.issues)
    if not isinstance(value, dict):
        return None, [error("json.type", "", "expected a JSON object")]
    return value, list(duplicates)


def read_record(
    data: bytes, *, schema: str, format_name: str, max_size: int = DEFAULT_MAX_JSON_SIZE
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """The document and every issue of reading it and of the source ``schema``; unknown members
    are information, ``<format_name>.unknown-field``. ``None`` when it is not an object."""
    document, issues = read_json_object(data, max_size=max_size)
    if document is not None:
        issues.extend(
            json_schema_issues(
                json_validator(schema),
                document,
                unknown_field_code=f"{format_name}.unknown-field",
            )
        )
    return document, issues


def body_of(envelope: Envelope[Any], body_type: type[B], format_name: str) -> B:
    """The body of ``envelope`` if it is a ``body_type``; else :class:`UnknownMessageType`."""
    body = envelope.body
    if not isinstance(body, body_type):
        raise UnknownMessageType(
            f"{format_name} cannot encode {envelope.message_type!r}; it encodes "
            f"{body_type.message_type}"
        )
    return body


def checked_output(
    envelope: Envelope[Any], document: dict[str, Any], *, schema: str, issues: list[Issue]
) -> dict[str, Any]:
    """``document`` when ``issues`` is empty and the source schema accepts it; otherwise
    :class:`ValidationFailed` (the schema's issues at ``/body``, naming the document's path)."""
    if not issues:
        issues = [
            error(i.code, "/body", f"{i.message} (in the encoded document, at {i.path})")
            for i in json_schema_issues(json_validator(schema), document)
        ]
    if issues:
        raise ValidationFailed(Report(str(envelope.message_id), tuple(issues)))
    return document


def read_identifier(
    kind: type[I], document: Any, key: str, *, pointer: str, required: bool
) -> tuple[I | None, list[Issue]]:
    """``(identifier or None, issues)`` for ``document[key]`` (absent and null alike)."""
    raw = document.get(key) if isinstance(document, Mapping) else None
    if raw is None:
        if not required:
            return None, []
        return None, [error(f"{kind.scheme}.missing", pointer, f"{kind.label} is required")]
    if not isinstance(raw, str):
        return None, [error(f"{kind.scheme}.format", pointer, f"{kind.label} must be text")]
    value, issue = kind.check(raw, pointer)
    return value, [issue] if issue is not None else []


def without_nulls(value: Any) -> Any:
    """``value`` with every ``null`` object member left out, at any depth (the null rule)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON (no spaces, no ASCII escapes), as HMPPS services write it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class JsonRecordAdapter(Adapter):
    """Base of the JSON record adapters: one document in, one envelope out, both directions.

    A subclass sets the class attributes of :class:`~cjx.adapter.Adapter` (``media_type`` and
    ``extension`` are JSON's here), ``sniff_patterns`` (every one must match near the start of
    the input) and ``sniff_foreign`` (members of the other formats' look-alike documents, none of
    which may appear), and implements :meth:`decode_record` and ``encode``.
    """

    media_type: ClassVar[str] = "application/json"
    extension: ClassVar[str] = ".json"
    sniff_patterns: ClassVar[tuple[re.Pattern[bytes], ...]]
    sniff_foreign: ClassVar[tuple[bytes, ...]] = ()

    def __init__(self, *, max_size: int = DEFAULT_MAX_JSON_SIZE) -> None:
        self.max_size = max_size

    def sniff(self, data: bytes) -> bool:
        head = data[:SNIFF_WINDOW].lstrip()
        if not head.startswith(b"{"):
            return False
        if not all(pattern.search(head) for pattern in self.sniff_patterns):
            return False
        return not any(marker in head for marker in self.sniff_foreign)

    @abc.abstractmethod
    def decode_record(
        self, data: bytes, *, source: str, clock: Clock, max_size: int
    ) -> tuple[Envelope[Any], Report]:
        """The envelope and the report of one document; :class:`ValidationFailed` otherwise."""

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        """Decode one document; ``detailed`` changes nothing (JSON Schema issues are exact)."""
        envelope, report = self.decode_record(
            data, source=source, clock=clock, max_size=self.max_size
        )
        return Translation((envelope,), report)
