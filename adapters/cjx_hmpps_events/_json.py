"""Reading untrusted JSON text: the one place JSON parser errors become issues.

Rules kept here:

* Input larger than the adapter's limit (:data:`MAX_EVENT_SIZE` by default) is rejected before
  it is decoded (``json.too-large``); empty or blank input is ``json.empty``.
* The bytes must be UTF-8 (``json.encoding``). Python's ``json.loads`` would guess UTF-16 or
  UTF-32 from bytes; cjx decodes strictly instead.
* Only RFC 8259 JSON is accepted (``json.syntax``): no ``NaN`` or ``Infinity``, no number that
  overflows to infinity or is too long to convert, no nesting deeper than the interpreter allows.
* A duplicate key in an object is an error (``json.duplicate-key``, at the duplicate's pointer):
  the value is ambiguous, and the schema would only ever see the last one.
* The top level of an event must be an object (``json.type``).

``base`` prefixes every pointer: ``/Message`` for the event inside a notification.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from cjx.codec import json_pointer
from cjx.errors import Issue, error

__all__ = ["MAX_EVENT_SIZE", "load_json", "read_text"]

#: 1 MiB. A notification is at most 256 KiB (the queue's own message limit); four times that
#: leaves room for a generous producer while bounding the memory one input can take.
MAX_EVENT_SIZE: Final = 1024 * 1024


def read_text(data: bytes, *, max_size: int) -> tuple[str | None, list[Issue]]:
    """The input as text, or the issues that stop it from being read at all."""
    if len(data) > max_size:
        return None, [
            error("json.too-large", "", f"input is larger than the limit of {max_size} bytes")
        ]
    if not data.strip():
        return None, [error("json.empty", "", "input is empty")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [error("json.encoding", "", f"input is not UTF-8 (at byte {exc.start})")]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number is too large to represent")
    return value


def load_json(text: str, *, base: str = "") -> tuple[dict[str, Any] | None, list[Issue]]:
    """Parse ``text`` as one JSON object (``None`` when it is not); pointers under ``base``."""
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                duplicates.append((obj, key))
            obj[key] = value
        return obj

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        return None, [error("json.syntax", base, f"not valid JSON: {reason}")]
    except RecursionError:
        return None, [error("json.syntax", base, "not valid JSON: nested too deeply")]
    except ValueError as exc:  # NaN, Infinity, overflowing or overlong numbers
        return None, [error("json.syntax", base, f"not valid JSON: {exc}")]
    if not isinstance(value, dict):
        return None, [error("json.type", base, "expected a JSON object")]
    issues = [
        error("json.duplicate-key", base + pointer, "key appears more than once in its object")
        for pointer in _duplicate_pointers(value, duplicates)
    ]
    return value, issues


def _duplicate_pointers(
    root: dict[str, Any], duplicates: list[tuple[dict[str, Any], str]]
) -> list[str]:
    """JSON pointers of the duplicated keys, found by walking the tree (without recursion)."""
    if not duplicates:
        return []
    wanted: dict[int, list[str]] = {}
    for obj, key in duplicates:
        wanted.setdefault(id(obj), []).append(key)
    found: list[str] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, dict):
            found.extend(json_pointer((*loc, key)) for key in wanted.get(id(node), ()))
            stack.extend((child, (*loc, key)) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, (*loc, i)) for i, child in enumerate(node))
    return sorted(found)
