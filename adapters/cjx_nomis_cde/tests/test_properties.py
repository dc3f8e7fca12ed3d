"""Properties of the ``nomis-cde`` adapter over generated rows and arbitrary text values."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import prisoner_record_bodies

from cjx.codec import encode_json
from cjx.extract import generate_rows
from cjx.model import PrisonerRecord
from cjx_nomis_cde import decode_row, encode_row, envelope_for, message_line

#: Text fields (0-based index) a row carries as they are.
TEXT_FIELDS = (1, 6, 7, 8, 13, 14, 15, 16, 18, 24, 55, 56, 57, 58, 59, 60)
SAFE_TEXT = st.text(
    alphabet=st.characters(
        min_codepoint=0x20,
        max_codepoint=0x2FFF,
        exclude_characters='|"~',
        exclude_categories=["Cs"],
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s == s.strip() and s.isprintable())


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), index=st.integers(0, 40))
def test_generated_rows_round_trip(seed: int, index: int) -> None:
    """Every valid generated row decodes, and decode(encode(record)) == record."""
    row = list(generate_rows(index + 1, seed=seed))[index]
    decoded = decode_row(row.line)
    assert decoded.record is not None, decoded.issues
    assert decoded.extract_date == dt.date(2026, 1, 5)
    again = decode_row(encode_row(decoded.record, decoded.extract_date))
    assert again.record == decoded.record


@settings(max_examples=80, deadline=None)
@given(field=st.sampled_from(TEXT_FIELDS), text=SAFE_TEXT)
def test_any_text_value_is_kept_exactly(field: int, text: str) -> None:
    """A text field holding any printable text without the layout's separators is kept
    exactly, and written back exactly."""
    values = next(iter(generate_rows(1, seed=3))).line.split("|")
    values[field] = text
    decoded = decode_row("|".join(values))
    assert decoded.record is not None, decoded.issues
    assert decoded.extract_date is not None
    written = encode_row(decoded.record, decoded.extract_date).split("|")
    assert written[field] == text


def _clock_at(instant: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: instant


@settings(max_examples=150, deadline=None)
@given(
    body=prisoner_record_bodies,
    day=st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)),
    instant=st.datetimes(
        min_value=dt.datetime(1970, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from([dt.UTC, ZoneInfo("Europe/London")]),
    ),
)
def test_message_line_is_the_envelopes_canonical_json(
    body: PrisonerRecord, day: dt.date, instant: dt.datetime
) -> None:
    """The bulk writer's line is byte for byte the envelope's canonical JSON, for any record
    (not only those a row can hold), any extract date and any clock."""
    clock = _clock_at(instant)
    expected = encode_json(envelope_for(body, day, clock=clock), indent=None)
    assert message_line(body, day, clock=clock) == expected


def test_message_line_of_every_generated_row() -> None:
    """Over a generated extract, defects included: the same bytes for every decoded row."""
    clock = _clock_at(dt.datetime(2026, 1, 5, 6, 30, 1, 250000, tzinfo=dt.UTC))
    checked = 0
    for row in generate_rows(400, seed=11, defects=0.05):
        decoded = decode_row(row.line)
        if decoded.record is None or decoded.extract_date is None:
            continue
        expected = encode_json(envelope_for(decoded.record, decoded.extract_date, clock=clock))
        line = message_line(decoded.record, decoded.extract_date, clock=clock)
        assert line == encode_json(
            envelope_for(decoded.record, decoded.extract_date, clock=clock), indent=None
        )
        assert json.loads(line) == json.loads(expected)
        checked += 1
    assert checked > 300
