"""Text that came from outside, made safe to show: terminals, reports and headers.

Rules this module owns:

* **Nothing a sender wrote drives a terminal.** :func:`printable` escapes every C0 and C1 control
  character (escape sequences, newlines, carriage returns, tabs), the Unicode line and paragraph
  separators, bidirectional controls and the invisible format characters, as ``\\x1b`` or
  ``\\u202e``. Text output of ``cjx`` (reports, ``cjx dlq list``, the demo) passes every
  input-controlled string (file names, message ids and types, names from a document) through it.
* **A name from the input is shown short.** :func:`shown_name` caps a name copied from an input
  (an XML element or attribute name, a JSON key) at :data:`MAX_SHOWN_NAME` characters and escapes
  it; such names are never values, but a sender chooses them.
* **Bidirectional controls are found, not silently passed on.** :func:`bidi_controls` says
  whether text holds one (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C): they
  make text display in an order other than the one it is stored in (CVE-2021-42574), so a
  report flags free text that holds them (``text.bidi-control``).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["BIDI_CONTROLS", "MAX_SHOWN_NAME", "bidi_controls", "printable", "shown_name"]

#: The longest input-controlled name a report shows; longer ones are cut and marked ``...``.
#: Element, attribute and property names of every format cjx reads are under 40 characters.
MAX_SHOWN_NAME: Final = 64

#: Bidirectional formatting characters (embeddings, overrides, isolates, marks).
BIDI_CONTROLS: Final = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# C0 and C1 controls, DEL, soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width
# and directional marks, line and paragraph separators, embeddings and overrides, invisible
# operators and isolates, byte order mark, interlinear annotation, and the tag characters.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every control, separator and invisible format character escaped."""
    return _UNSAFE.sub(_escape, text)


def shown_name(name: object) -> str:
    """An input-controlled name, capped at :data:`MAX_SHOWN_NAME` characters and escaped."""
    text = str(name)
    if len(text) > MAX_SHOWN_NAME:
        text = text[: MAX_SHOWN_NAME - 3] + "..."
    return printable(text)


def bidi_controls(text: str) -> bool:
    """Whether ``text`` holds a bidirectional control character."""
    return _BIDI.search(text) is not None
