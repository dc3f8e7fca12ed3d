"""Properties of the ``nomis-cde`` adapter over generated rows and arbitrary text values."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from cjx.extract import generate_rows
from cjx_nomis_cde import decode_row, encode_row

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
