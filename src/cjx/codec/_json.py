"""Reading untrusted JSON: the one place cjx turns JSON input into Python values.

Every JSON input (canonical JSON, HMPPS events and the text their ``Message`` holds, JSON-looking
input that matches no format) goes through :func:`load_json`, or through its two steps
:func:`read_json_text` and :func:`parse_json_text`. The rules, each checked before the next:

* Input larger than the limit (:data:`DEFAULT_MAX_JSON_SIZE`, 1 MiB) is rejected before it is
  decoded (``json.too-large``); empty or blank input is ``json.empty``.
* Bytes must be UTF-8 (``json.encoding``). Python's ``json.loads`` would guess UTF-16 or UTF-32
  from bytes; cjx decodes strictly instead. One UTF-8 byte order mark at the start is ignored,
  as in XML (RFC 8259 forbids sending one but lets a parser ignore it; Windows tools write it).
* Nesting deeper than :data:`MAX_JSON_DEPTH` is ``json.too-deep``. It is found by counting
  brackets outside strings before parsing, so hostile nesting never reaches the recursive parser
  and never raises ``RecursionError``.
* Only RFC 8259 JSON is accepted (``json.syntax``, with the line and column): no ``NaN`` or
  ``Infinity``, no number that overflows to infinity or has more than
  :data:`MAX_JSON_NUMBER_DIGITS` digits.
* A key that appears twice in one object is ``json.duplicate-key`` at the pointer of that key: the
  value is ambiguous, and a schema would only ever see the last one. :func:`load_json` rejects
  the input; :func:`parse_json_text` returns the issues with the (last-wins) value, for callers
  that report every issue of an input together.

Failures raise :class:`~cjx.errors.ValidationFailed`, never a ``json`` exception. Messages name
positions and rules, never text from the input. ``base`` prefixes every pointer (``/Message`` for
an event inside a notification).
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any, Final, NoReturn

from cjx.errors import Issue, Report, ValidationFailed, error

from ._pydantic_errors import json_pointer

__all__ = [
    "DEFAULT_MAX_JSON_SIZE",
    "MAX_JSON_DEPTH",
    "MAX_JSON_NUMBER_DIGITS",
    "load_json",
    "parse_json_text",
    "read_json_text",
]

#: Largest JSON input accepted, in bytes: 1 MiB. A queue notification is at most 256 KiB (the
#: queue's own message limit) and canonical messages are a few KiB; four times the largest
#: leaves room for a generous producer while bounding the memory one input can take.
DEFAULT_MAX_JSON_SIZE: Final = 1024 * 1024

#: Deepest nesting of arrays and objects accepted. Real messages nest at most 8 levels (a
#: canonical court result); 64 is far above that and far below the depth at which ``json``,
#: ``jsonschema`` and ``pydantic`` recurse into a ``RecursionError``.
MAX_JSON_DEPTH: Final = 64

#: Most digits a JSON integer may have: Python's own default for ``int`` conversion, fixed here
#: so that it holds even where the interpreter's limit is lifted (converting is quadratic).
MAX_JSON_NUMBER_DIGITS: Final = 4300

# The depth scan works on UTF-8 bytes, where a bracket, quote or backslash byte is always that
# character (never part of a multi-byte sequence).
_SKELETON: Final = bytes(b for b in range(256) if b not in b'[]{}"')  # deleted: all but these
_OPEN_CLOSE: Final = bytes.maketrans(b"{}", b"[]")
_STRING: Final = re.compile(rb'"[^"]*"?')  # unterminated: to the end (invalid anyway)
_STEP: Final = {ord("["): 1, ord("]"): -1}
_TOO_DEEP_RUN: Final = b"[" * (MAX_JSON_DEPTH + 1)


_BOM: Final = "\ufeff"


class _NumberError(ValueError):
    """A number JSON cannot represent; the message names the rule, never the value."""


def read_json_text(data: bytes | str, *, source: str, max_size: int = DEFAULT_MAX_JSON_SIZE) -> str:
    """The input as text: the size limit, empty input and UTF-8, in that order."""
    size = len(data) if isinstance(data, bytes) else _utf8_size(data, max_size)
    if size > max_size:
        _fail(source, "json.too-large", "", f"input is larger than the limit of {max_size} bytes")
    if not data.strip():
        _fail(source, "json.empty", "", "input is empty")
    if isinstance(data, str):
        return data.removeprefix(_BOM)
    try:
        return data.decode("utf-8").removeprefix(_BOM)
    except UnicodeDecodeError as exc:
        _fail(source, "json.encoding", "", f"input is not UTF-8 (at byte {exc.start})")


def parse_json_text(text: str, *, source: str, base: str = "") -> tuple[Any, tuple[Issue, ...]]:
    """The value of ``text`` and its ``json.duplicate-key`` issues; ``ValidationFailed`` when
    it is too deep or not JSON. A duplicated key keeps its last value."""
    if _too_deep(text):
        _fail(source, "json.too-deep", base, f"nested deeper than {MAX_JSON_DEPTH} levels")
    duplicates: list[tuple[dict[str, Any], list[str]]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            duplicates.append((obj, _repeated_keys(items)))
        return obj

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        _fail(source, "json.syntax", base, f"not valid JSON: {where}")
    except _NumberError as exc:
        _fail(source, "json.syntax", base, f"not valid JSON: {exc}")
    except RecursionError:  # pragma: no cover - the depth scan stops this first
        _fail(source, "json.too-deep", base, f"nested deeper than {MAX_JSON_DEPTH} levels")
    issues = tuple(
        error("json.duplicate-key", base + pointer, "key appears more than once in its object")
        for pointer in _duplicate_pointers(value, duplicates)
    )
    return value, issues


def load_json(data: bytes | str, *, source: str, max_size: int = DEFAULT_MAX_JSON_SIZE) -> Any:
    """Read one JSON document by every rule of this module; ``ValidationFailed`` otherwise."""
    value, duplicates = parse_json_text(
        read_json_text(data, source=source, max_size=max_size), source=source
    )
    if duplicates:
        raise ValidationFailed(Report(source, duplicates))
    return value


def _fail(source: str, code: str, path: str, message: str) -> NoReturn:
    raise ValidationFailed(Report(source, (error(code, path, message),)))


def _utf8_size(text: str, max_size: int) -> int:
    if len(text) > max_size or len(text) * 4 <= max_size:
        return len(text)  # certainly over, or certainly within, the limit
    return len(text.encode("utf-8", "surrogatepass"))


def _too_deep(text: str) -> bool:
    """True when arrays and objects nest deeper than the limit (brackets in strings ignored).

    Linear and without recursion, in C-speed byte operations for ordinary input: the brackets
    outside strings are kept, then innermost pairs peeled off once for each allowed level.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    data = text.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        # Only escaped backslashes and quotes can change where strings end; removing the
        # pairs from the left pairs them as a JSON reader does.
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Keep brackets (as [ and ]) and quotes. Removing an adjacent pair of quotes keeps every
    # bracket on its side of every string; quotes still left enclose brackets (rare).
    skeleton = data.translate(_OPEN_CLOSE, _SKELETON).replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = _STRING.sub(b"", skeleton)
    if _TOO_DEEP_RUN in skeleton:
        return True
    peeled = skeleton
    for _ in range(MAX_JSON_DEPTH):
        if b"[]" not in peeled:
            break
        peeled = peeled.replace(b"[]", b"")  # each pass removes one level of a balanced nest
    if not peeled:
        return False
    # Unbalanced (invalid) or deeper than the limit: the deepest prefix, counted exactly.
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0) > MAX_JSON_DEPTH


def _repeated_keys(items: list[tuple[str, Any]]) -> list[str]:
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for key, _ in items:
        if key in seen:
            repeated[key] = None
        seen.add(key)
    return list(repeated)


def _reject_constant(name: str) -> Any:
    raise _NumberError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberError("a number is too large to represent")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_NUMBER_DIGITS:
        raise _NumberError(f"a number has more than {MAX_JSON_NUMBER_DIGITS} digits")
    try:
        return int(text)
    except ValueError:  # the interpreter's own digit limit, when set lower
        raise _NumberError("a number has too many digits") from None


def _duplicate_pointers(root: Any, duplicates: list[tuple[dict[str, Any], list[str]]]) -> list[str]:
    """JSON pointers of the duplicated keys, found by walking the tree (without recursion)."""
    if not duplicates:
        return []
    wanted = {id(obj): keys for obj, keys in duplicates}
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
