"""``--report-html``: self-contained, and no personal data on the page (parsed, then checked)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from cjx.extract import generate_rows


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_page_holds_no_personal_data(tmp_path: Path) -> None:
    rows = list(generate_rows(400, seed=13, defects=0.1))
    source = tmp_path / "C_NOMIS_OFFENDER_05012026_01.dat"
    source.write_text("".join(r.line + "\n" for r in rows))
    page_path = tmp_path / "report.html"
    done = subprocess.run(  # noqa: PLW1510 - the exit code is checked
        [sys.executable, "-m", "cjx", "extract", "import", str(source), "--out",
         str(tmp_path / "o.ndjson"), "--report-html", str(page_path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    page = _Page()
    page.feed(page_path.read_text())
    text = " ".join(page.text)
    # self-contained: no script, no link, no image, nothing fetched
    assert not [t for t, a in page.tags if t in ("script", "link", "img", "iframe", "object")]
    assert not [a for _, a in page.tags if any(k in a for k in ("src", "href"))]
    assert "pnc.check-character" in text
    assert "extract.duplicate-key" in text
    # no value of any field of any row appears on the page: names, identifiers, dates...
    values = {
        value.strip('"')
        for r in rows
        for value in r.line.split("|")
        if len(value.strip('"')) >= 4 and not value.strip('"').isdigit()
    } - {"31/12/2999"}  # the layout's "no date", which the page explains
    assert values
    leaked = sorted(v for v in values if v in text)
    assert leaked == [], leaked
    # nothing that looks like an identifier or a date either
    pattern = r"[A-Z][0-9]{4}[A-Z]{2}|\d{2}/\d{2}/\d{4}|\d{2,4}/\d+[A-Z]"
    assert not re.search(pattern, text.replace("31/12/2999", ""))
