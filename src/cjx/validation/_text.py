"""Free text that holds bidirectional controls is flagged (``text.bidi-control``, a warning).

A bidirectional override (U+202E) or isolate makes text display in another order than it is
stored in: a name or an address could read differently on a screen than in the record (the
trick of CVE-2021-42574). The model accepts such text, since a genuine name may need a mark,
and passes it on unchanged; a report says where it is, so a person can look. Identifiers never
hold one (their formats refuse it).

The check costs one scan of the input's bytes (UTF-8, an XML character reference or a JSON
escape of any bidirectional control; for ASCII input without ``&#`` or a backslash, three
single-byte searches) and walks the envelopes only when that finds one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Final

from pydantic import BaseModel

from cjx._text import bidi_controls
from cjx.codec._xmlpath import canonical_xpath
from cjx.errors import Issue, warning
from cjx.model import Envelope

__all__ = ["BIDI_CODE", "free_text_issues"]

BIDI_CODE: Final = "text.bidi-control"

_HEX = r"0*(?:61c|200[ef]|202[a-e]|206[6-9])"
_DECIMAL = r"0*(?:1564|8206|8207|823[4-8]|829[4-7])"
_MENTIONS = re.compile(
    # U+061C, U+200E-F, U+202A-E, U+2066-9 in UTF-8; as XML character references; JSON escapes
    rb"\xd8\x9c|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
    + rb"|&#[xX]"
    + _HEX.encode()
    + rb";|&#"
    + _DECIMAL.encode()
    + rb";|\\[uU]"
    + _HEX.encode(),
    re.IGNORECASE,
)


def _may_mention(data: bytes) -> bool:
    """Whether ``data`` may hold a bidirectional control. ASCII bytes with no ``&#`` and no
    backslash cannot (each alternative of :data:`_MENTIONS` needs a byte above 0x7F, ``&#`` or
    a backslash), and those three are found at ``memchr`` speed; anything else is scanned by
    :data:`_MENTIONS`, which tries its alternatives at every byte (about 5 ns a byte)."""
    if data.isascii() and b"\\" not in data and (b"&" not in data or b"&#" not in data):
        return False
    return _MENTIONS.search(data) is not None


def _strings(value: Any, loc: tuple[int | str, ...]) -> Iterator[tuple[tuple[int | str, ...], str]]:
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(value, loc)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, BaseModel):
            stack.extend((getattr(item, name), (*where, name)) for name in type(item).model_fields)
        elif isinstance(item, tuple | list):
            stack.extend((v, (*where, n)) for n, v in enumerate(item))


def free_text_issues(data: bytes, envelopes: Iterable[Envelope[Any]]) -> list[Issue]:
    """A ``text.bidi-control`` warning at each text of ``envelopes`` holding a bidirectional
    control; ``data`` (the input they came from) is scanned first, so most inputs cost a scan."""
    if not _may_mention(data):
        return []
    issues: list[Issue] = []
    for envelope in envelopes:
        found = [loc for loc, text in _strings(envelope, ()) if bidi_controls(text)]
        for loc in sorted(found, key=str):
            issues.append(
                warning(
                    BIDI_CODE,
                    canonical_xpath(loc, type(envelope.body)),
                    "the text holds a bidirectional control character (such as U+202E), "
                    "which can make it display in another order than it is stored in",
                )
            )
    return issues
