"""The synthetic extract generator: valid rows, date relationships, defects, the next day."""

from __future__ import annotations

import datetime as dt

from cjx.extract import DEFECT_KINDS, generate_rows, next_day
from cjx_nomis_cde import decode_row


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def test_valid_rows_decode_and_their_dates_are_related() -> None:
    """Every row without a defect decodes; the sentence starts before CRD, LED is not before
    CRD, SED is after CRD, HDCED before CRD; prisons come grouped, not sorted by NOMS."""
    rows = [r for r in generate_rows(500, seed=17) if r.defect is None]
    assert len(rows) == 500
    prisons: list[str] = []
    for row in rows:
        assert decode_row(row.line).record is not None
        v = row.line.split("|")
        start, crd, led, sed = _date(v[73]), _date(v[70]), _date(v[72]), _date(v[66])
        assert start < crd <= led
        assert crd < sed
        if v[67]:
            assert _date(v[67]) < crd
        if not prisons or prisons[-1] != v[2]:
            prisons.append(v[2])
    assert len(prisons) == len(set(prisons))
    nomis = [r.noms for r in rows]
    assert nomis != sorted(nomis)
    assert len(set(nomis)) == len(nomis)


def test_defects_are_the_share_asked_and_every_kind_appears() -> None:
    rows = list(generate_rows(2000, seed=3, defects=0.05))
    defects = [r.defect for r in rows if r.defect]
    assert 60 <= len(defects) <= 140
    assert set(defects) == set(DEFECT_KINDS)
    only = list(generate_rows(300, seed=3, defects=0.2, kinds=["short-row"]))
    assert {r.defect for r in only} == {None, "short-row"}


def test_next_day_moves_the_date_and_changes_a_share() -> None:
    lines = [r.line for r in generate_rows(2000, seed=5)]
    first = list(next_day(lines, seed=6, changes=0.05))
    assert first == list(next_day(lines, seed=6, changes=0.05))
    assert {line.split("|")[0] for line in first} == {"06/01/2026"}
    old = {line.split("|")[3]: line.split("|") for line in lines}
    new = {line.split("|")[3]: line.split("|") for line in first}
    gone, arrived = set(old) - set(new), set(new) - set(old)
    assert gone
    assert arrived
    assert all(noms.startswith("Z") for noms in arrived)
    changed = [
        n for n in set(old) & set(new) if old[n][1:11] + old[n][12:] != new[n][1:11] + new[n][12:]
    ]
    assert 0.02 * len(lines) < len(changed) < 0.08 * len(lines)
