"""Reports on a terminal: ``--errors-only``, ``--quiet`` and colour.

Colour is used when standard output (or the stream written to) is a terminal and ``NO_COLOR``
is not set, or always with ``--color always``; never with ``--color never``. Only cjx's own
words are coloured (valid, INVALID, the severity); text from an input is escaped by
:meth:`cjx.errors.Report.to_text` as always.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TextIO

from cjx._text import printable
from cjx.errors import Report, Severity

__all__ = ["Style", "render", "skipped_line", "style_for"]

_RESET = "\033[0m"
_COLOURS = {
    "valid": "\033[32m",  # green
    "INVALID": "\033[1;31m",  # bold red
    Severity.ERROR.value: "\033[31m",
    Severity.WARNING.value: "\033[33m",
    Severity.INFORMATION.value: "\033[2m",  # dim
    "skipped": "\033[2m",
}


@dataclass(frozen=True, slots=True)
class Style:
    """How reports are shown: ``quiet`` (not at all), ``errors_only``, ``colour``."""

    quiet: bool = False
    errors_only: bool = False
    colour: bool = False

    def paint(self, word: str, width: int = 0) -> str:
        padded = f"{word:<{width}}" if width else word
        if not self.colour or word not in _COLOURS:
            return padded
        return f"{_COLOURS[word]}{padded}{_RESET}"


def style_for(
    stream: TextIO, *, color: str = "auto", quiet: bool = False, errors_only: bool = False
) -> Style:
    if color == "always":
        colour = True
    elif color == "never":
        colour = False
    else:
        colour = stream.isatty() and not os.environ.get("NO_COLOR")
    return Style(quiet=quiet, errors_only=errors_only, colour=colour)


def render(report: Report, style: Style) -> str | None:
    """The report as :meth:`Report.to_text` writes it, styled; ``None`` when nothing is to be
    shown (``quiet``, or ``errors_only`` and the input was accepted)."""
    if style.quiet or (style.errors_only and report.ok):
        return None
    issues = report.errors if style.errors_only else report.issues
    head = f"{printable(report.source)}: {style.paint('valid' if report.ok else 'INVALID')}"
    lines = [head]
    lines.extend(
        f"  {style.paint(i.severity.value, 11)} {i.code:<32} {printable(i.path or '/')}  "
        f"{printable(i.message)}"
        for i in issues
    )
    return "\n".join(lines)


def skipped_line(name: str, style: Style) -> str | None:
    """The line for a file found in a directory that no installed format recognises."""
    if style.quiet or style.errors_only:
        return None
    return f"{printable(name)}: {style.paint('skipped')} (no installed format recognises it)"
