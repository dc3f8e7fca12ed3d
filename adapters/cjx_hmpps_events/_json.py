"""Reading an event's JSON: a thin layer over cjx's one JSON reader (:mod:`cjx.codec`).

The rules are :func:`cjx.codec.load_json`'s (size limit, ``json.empty``, UTF-8, depth, RFC 8259
syntax, no ``NaN`` or overflowing numbers, duplicate keys at their pointer). This layer adds two
things the adapter needs:

* it returns issues instead of raising, so that a duplicate key is reported together with
  everything else found in the event;
* the top level of an event must be an object (``json.type``).

``base`` prefixes every pointer: ``/Message`` for the event inside a notification.
"""

from __future__ import annotations

from typing import Any, Final

from cjx.codec import DEFAULT_MAX_JSON_SIZE, parse_json_text, read_json_text
from cjx.errors import Issue, ValidationFailed, error

__all__ = ["MAX_EVENT_SIZE", "load_json", "read_text"]

#: 1 MiB: :data:`cjx.codec.DEFAULT_MAX_JSON_SIZE` (a notification is at most 256 KiB).
MAX_EVENT_SIZE: Final = DEFAULT_MAX_JSON_SIZE

_SOURCE: Final = "<event>"  # issues are taken from the reader's report; the caller names the input


def read_text(data: bytes, *, max_size: int) -> tuple[str | None, list[Issue]]:
    """The input as text, or the issues that stop it from being read at all."""
    try:
        return read_json_text(data, source=_SOURCE, max_size=max_size), []
    except ValidationFailed as exc:
        return None, list(exc.report.issues)


def load_json(text: str, *, base: str = "") -> tuple[dict[str, Any] | None, list[Issue]]:
    """Parse ``text`` as one JSON object (``None`` when it is not); pointers under ``base``."""
    try:
        value, duplicates = parse_json_text(text, source=_SOURCE, base=base)
    except ValidationFailed as exc:
        return None, list(exc.report.issues)
    if not isinstance(value, dict):
        return None, [error("json.type", base, "expected a JSON object")]
    return value, list(duplicates)
