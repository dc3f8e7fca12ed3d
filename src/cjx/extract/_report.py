"""``--report-html``: a self-contained data-quality page for the staff who run an import.

One HTML file, no scripts, no network assets (the style is inline). It holds counts, issue
codes, field names and row numbers only: **no personal data** (no identifier, name, date or
line of the file), so it can be shared with whoever fixes the source system. The rejects file,
which holds the lines, is the operator's own data and stays with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from pathlib import Path

from ._import import CHECK_CODES, DUPLICATE_CODE, ImportSummary

__all__ = ["render_report", "write_report"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .6em;"
    "text-align:left}th{background:#eee}.ok{color:#060}.bad{color:#a00}"
)

_EXPLAINED = {
    "pnc.check-character": "a PNC ID whose check letter is wrong (mistyped at entry)",
    "cro.check-character": "a CRO number whose check letter is wrong",
    "nomis-cde.field-count": "a row without 153 fields (cut short, or a stray '|')",
    "nomis-cde.custody-status": "a custody status (field 24) the layout does not have",
    "date.format": "a date that is not a calendar date, or not DD/MM/YYYY",
    DUPLICATE_CODE: "a NOMS number on a second row (the first row was kept)",
    "noms.format": "a NOMS number that is not a letter, four digits and two letters",
    "noms.missing": "a row without a NOMS number",
}


def _table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>" if rows else "<p>None.</p>"


def render_report(summary: ImportSummary, *, source_name: str, when: dt.datetime) -> str:
    """The page for ``summary``; ``source_name`` is the file's name (not its content)."""
    state = "ok" if not summary.rejected else "bad"
    codes = [
        (
            code,
            str(count),
            _EXPLAINED.get(code, ""),
            ", ".join(str(r) for r in summary.examples.get(code, [])),
        )
        for code, count in summary.codes.most_common()
    ]
    duplicates = [(str(a), str(b)) for a, b in summary.duplicates[:200]]
    checks = [(c, str(summary.check_failures.get(c, 0))) for c in sorted(CHECK_CODES)]
    future = [(where, str(n)) for where, n in sorted(summary.far_future.items())]
    none = [(where, str(n)) for where, n in sorted(summary.no_date.items())]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Extract import report</title><style>{_STYLE}</style></head><body>"
        f"<h1>Extract import report</h1><p>File <code>{escape(source_name)}</code>, "
        f"imported {escape(when.strftime('%Y-%m-%d %H:%M UTC'))}.</p>"
        f"<p class='{state}'>{summary.rows} rows: {summary.accepted} accepted, "
        f"{summary.rejected} rejected.</p>"
        "<p>This page holds no personal data: counts, issue codes, field names and row "
        "numbers only. The rejected rows themselves are in the rejects file.</p>"
        "<h2>Issues by frequency</h2>"
        + _table(("code", "rows", "what it means", "example rows"), codes)
        + "<h2>Duplicates (one NOMS number on two rows)</h2>"
        + _table(("first row (kept)", "second row (rejected)"), duplicates)
        + "<h2>Identifiers that failed their check character</h2>"
        + _table(("code", "rows"), checks)
        + "<h2>Dates in the far future (year 2100 or later)</h2>"
        + "<p>31/12/2999 is the layout's 'no date' and is read as no date; other dates this "
        "far ahead are carried as they are and worth checking.</p>"
        + _table(("field", "rows with a far-future date"), future)
        + "<h3>Of which 31/12/2999 ('no date')</h3>"
        + _table(("field", "rows"), none)
        + "</body></html>\n"
    )


def write_report(path: Path, summary: ImportSummary, *, source_name: str) -> None:
    page = render_report(summary, source_name=source_name, when=dt.datetime.now(dt.UTC))
    path.write_text(page, encoding="utf-8")
