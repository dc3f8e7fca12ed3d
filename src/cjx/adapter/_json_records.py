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
* :func:`dump_json` writes compact UTF-8 JSON, as the services do.

Unknown members (``<format>.unknown-field``, information) come from the format's JSON Schema:
see :func:`cjx.validation.json_schema_issues`. Dates and local date-times are read with
:func:`cjx.model.read_date` and :func:`cjx.model.read_local_datetime`, open codes with
:func:`cjx.model.check_code`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from cjx.codec import DEFAULT_MAX_JSON_SIZE, parse_json_text, read_json_text
from cjx.errors import Issue, ValidationFailed, error
from cjx.model import Identifier

__all__ = ["dump_json", "read_identifier", "read_json_object", "without_nulls"]

I = TypeVar("I", bound=Identifier)  # noqa: E741 - the identifier type

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
