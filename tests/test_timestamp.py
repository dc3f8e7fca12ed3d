"""Timestamps keep the source's precision and offset and reject naive values (DESIGN.md 2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from tests.strategies import timestamp_texts, timestamps

from cjx.model import TIMESTAMP_PATTERN, Timestamp, TimestampError

ADAPTER: TypeAdapter[Timestamp] = TypeAdapter(Timestamp)


def _error(text: str) -> TimestampError:
    with pytest.raises(TimestampError) as caught:
        Timestamp.parse(text)
    return caught.value


def test_nanoseconds_are_kept() -> None:
    """All nine fraction digits survive parsing and writing."""
    ts = Timestamp.parse("2024-06-11T17:36:56.123456789+01:00")
    assert ts.nanosecond == 123_456_789
    assert ts.fraction_digits == 9
    assert ts.isoformat() == "2024-06-11T17:36:56.123456789+01:00"


def test_written_precision_is_kept_including_trailing_zeros() -> None:
    """``.500`` stays three digits: the text written back is the text read."""
    ts = Timestamp.parse("2024-06-11T17:36:56.500Z")
    assert ts.isoformat() == "2024-06-11T17:36:56.500Z"
    assert ts != Timestamp.parse("2024-06-11T17:36:56.5Z")
    assert ts.same_instant(Timestamp.parse("2024-06-11T17:36:56.5Z"))


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2024-06-11T17:36:56+01:00", 60),
        ("2024-06-11T17:36:56-05:30", -330),
        ("2024-06-11T17:36:56+23:59", 1439),
        ("2024-06-11T17:36:56Z", 0),
    ],
)
def test_offset_is_kept(text: str, minutes: int) -> None:
    """The offset the source wrote is kept, not converted to UTC."""
    ts = Timestamp.parse(text)
    assert ts.offset_minutes == minutes
    assert ts.utcoffset() == dt.timedelta(minutes=minutes)
    assert ts.isoformat() == text


def test_z_and_plus_zero_are_kept_apart() -> None:
    """``Z`` and ``+00:00`` are the same instant but written, and compared, as written."""
    zulu = Timestamp.parse("2024-06-11T17:36:56Z")
    plus = Timestamp.parse("2024-06-11T17:36:56+00:00")
    assert zulu.isoformat().endswith("Z")
    assert plus.isoformat().endswith("+00:00")
    assert zulu != plus
    assert zulu.same_instant(plus)
    assert not zulu < plus
    assert not plus < zulu


def test_lower_case_t_and_z_are_read_and_written_upper_case() -> None:
    """``t`` and ``z`` are accepted and written back as ``T`` and ``Z``."""
    assert Timestamp.parse("2024-06-11t17:36:56z").isoformat() == "2024-06-11T17:36:56Z"


@pytest.mark.parametrize("text", ["2024-06-11T17:36:56", "2024-06-11T17:36:56.123456789"])
def test_naive_text_is_rejected(text: str) -> None:
    """A timestamp without an offset is rejected as ``timestamp.naive``."""
    assert _error(text).code == "timestamp.naive"


def test_naive_datetime_is_rejected() -> None:
    """A naive ``datetime`` is rejected as ``timestamp.naive`` too."""
    with pytest.raises(TimestampError) as caught:
        Timestamp.from_datetime(dt.datetime(2024, 6, 11, 17, 36, 56))
    assert caught.value.code == "timestamp.naive"


def test_naive_value_in_a_model_is_a_pydantic_error_with_the_same_code() -> None:
    """Inside a model, the naive value fails with error type ``timestamp.naive``."""
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python("2024-06-11T17:36:56")
    assert caught.value.errors()[0]["type"] == "timestamp.naive"
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python(dt.datetime(2024, 6, 11))
    assert caught.value.errors()[0]["type"] == "timestamp.naive"


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2023-01-05",
        "2024-06-11 17:36:56Z",
        "2024-02-30T00:00:00Z",
        "2024-06-11T24:00:00Z",
        "2024-06-11T17:36:56.1234567890Z",
        "2024-06-11T17:36:56+24:00",
        "2024-06-11T17:36:56+01:60",
        "2024-06-11T17:36:56+0100",
    ],
)
def test_malformed_text_is_a_format_error(text: str) -> None:
    """Anything but an RFC 3339 date-time with 0 to 9 fraction digits is ``timestamp.format``."""
    error = _error(text)
    assert error.code == "timestamp.format"
    assert text not in error.message


def test_non_text_in_a_model_is_a_format_error() -> None:
    """A number is not a timestamp."""
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python(1718127416)
    assert caught.value.errors()[0]["type"] == "timestamp.format"


def test_from_datetime_writes_microseconds_as_six_digits() -> None:
    """A ``datetime`` has microseconds: six fraction digits, none when zero."""
    aware = dt.datetime(2024, 6, 11, 17, 36, 56, 120000, tzinfo=dt.UTC)
    assert Timestamp.from_datetime(aware).isoformat() == "2024-06-11T17:36:56.120000+00:00"
    assert Timestamp.from_datetime(aware, zulu=True).isoformat() == "2024-06-11T17:36:56.120000Z"
    whole = aware.replace(microsecond=0)
    assert Timestamp.from_datetime(whole).isoformat() == "2024-06-11T17:36:56+00:00"


def test_to_datetime_truncates_to_microseconds_at_the_same_offset() -> None:
    """Converting to ``datetime`` keeps the offset and drops digits beyond microseconds."""
    ts = Timestamp.parse("2024-06-11T17:36:56.123456789+01:00")
    assert ts.to_datetime() == dt.datetime(
        2024, 6, 11, 17, 36, 56, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    assert ts.to_datetime().utcoffset() == dt.timedelta(hours=1)


def test_ordering_compares_instants_only() -> None:
    """An earlier instant sorts first whatever the offsets and precision."""
    early = Timestamp.parse("2024-06-11T17:00:00.999999999+01:00")  # 16:00:00.999999999Z
    late = Timestamp.parse("2024-06-11T16:00:01Z")
    assert early < late
    assert sorted([late, early]) == [early, late]


def test_years_before_1000_are_written_with_four_digits() -> None:
    """Small years are zero-padded, so the written text matches the pattern and parses back."""
    ts = Timestamp.parse("0099-01-02T03:04:05.6-01:00")
    assert ts.isoformat() == "0099-01-02T03:04:05.6-01:00"


def test_pydantic_serialises_and_describes_the_text_form() -> None:
    """In JSON a timestamp is its text; its JSON Schema pattern is :data:`TIMESTAMP_PATTERN`."""
    ts = Timestamp.parse("2024-06-11T17:36:56.123456789+01:00")
    assert ADAPTER.dump_json(ts) == b'"2024-06-11T17:36:56.123456789+01:00"'
    assert ADAPTER.json_schema()["pattern"] == f"^{TIMESTAMP_PATTERN}$"


# --- properties -----------------------------------------------------------------------------


@given(timestamp_texts())
def test_isoformat_round_trips_the_text(text: str) -> None:
    """Parsing then writing gives back exactly the text read, which matches the pattern."""
    assert Timestamp.parse(text).isoformat() == text
    assert re.fullmatch(TIMESTAMP_PATTERN, text)


@given(timestamps)
def test_parse_of_isoformat_is_equal_and_hashes_equal(ts: Timestamp) -> None:
    """A timestamp equals (and hashes like) the parse of its own text."""
    again = Timestamp.parse(ts.isoformat())
    assert again == ts
    assert hash(again) == hash(ts)
    assert ADAPTER.validate_json(ADAPTER.dump_json(ts)) == ts


@given(st.datetimes(timezones=st.timezones()))
def test_instants_agree_with_datetime(moment: dt.datetime) -> None:
    """For microsecond values the instant is the one ``datetime`` computes."""
    offset = moment.utcoffset()
    if offset is None or offset % dt.timedelta(minutes=1):
        return  # sub-minute offsets (historic LMT) cannot be written in RFC 3339
    ts = Timestamp.from_datetime(moment)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    delta = moment - epoch
    expected = (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    assert ts.epoch_nanoseconds() == expected
    # wall clock and offset, not ==: PEP 495 makes times in a DST gap unequal across zones
    assert ts.to_datetime().replace(tzinfo=None) == moment.replace(tzinfo=None)
    assert ts.utcoffset() == moment.utcoffset()
