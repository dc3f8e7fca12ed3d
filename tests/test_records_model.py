"""The version 1.1 foundation: local date-times, dates, open code lists and the record bodies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from tests.strategies import FIXED_CLOCK, wall_clock_timestamps

from cjx.errors import Severity
from cjx.model import (
    CUSTODY_MANAGED_KEY_DATES,
    LONDON,
    CanonicalModel,
    CustodialStatus,
    KeyDate,
    KeyDateCode,
    KeyDatesReplaced,
    LocalDateTimeError,
    NonDtoReleaseDateType,
    OpenCode,
    OpenCustodialStatus,
    ReleaseDates,
    SentenceDate,
    SentenceDates,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    WallClockTimestamp,
    check_code,
    code_order,
    format_local_datetime,
    make_envelope,
    parse_local_datetime,
    read_date,
    read_local_datetime,
)

# --- local date-times (Europe/London) -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2013-12-02T20:00", "2013-12-02T20:00+00:00"),  # seconds dropped (GMT)
        ("2018-01-21T15:00:00", "2018-01-21T15:00:00+00:00"),
        ("2018-07-21T15:00:00", "2018-07-21T15:00:00+01:00"),  # British Summer Time
        ("2020-01-13T11:33:23.666789", "2020-01-13T11:33:23.666789+00:00"),
        ("2020-06-13T11:33:23.100", "2020-06-13T11:33:23.100+01:00"),  # trailing zero kept
        ("2024-03-31T00:59:59.999999999", "2024-03-31T00:59:59.999999999+00:00"),
        ("2024-03-31T02:00", "2024-03-31T02:00+01:00"),  # just after the gap
    ],
)
def test_local_datetimes_get_the_london_offset_and_keep_their_precision(
    text: str, canonical: str
) -> None:
    """A local date-time reads as a timestamp at London's offset, written back as it came."""
    stamp, ambiguous = parse_local_datetime(text)
    assert stamp.isoformat() == canonical
    assert not ambiguous
    assert format_local_datetime(stamp) == text


@pytest.mark.parametrize("text", ["2024-03-31T01:00", "2024-03-31T01:30:15", "2023-03-26T01:59"])
def test_a_wall_clock_time_in_the_spring_gap_does_not_exist(text: str) -> None:
    """The clocks go from 01:00 to 02:00 GMT: 01:xx that day is ``local-datetime.nonexistent``."""
    with pytest.raises(LocalDateTimeError) as caught:
        parse_local_datetime(text)
    assert caught.value.code == "local-datetime.nonexistent"
    value, issue = read_local_datetime(text, "/createdDateTime")
    assert value is None
    assert issue is not None
    assert (issue.severity, issue.code, issue.path) == (
        Severity.ERROR,
        "local-datetime.nonexistent",
        "/createdDateTime",
    )
    assert text not in issue.message


def test_a_wall_clock_time_in_the_autumn_fold_is_ambiguous_and_the_earlier_instant_is_taken() -> (
    None
):
    """01:30 on the last Sunday of October happens twice: a warning, British Summer Time, and
    the same text written back (lossless)."""
    stamp, ambiguous = parse_local_datetime("2024-10-27T01:30")
    assert ambiguous
    assert stamp.isoformat() == "2024-10-27T01:30+01:00"
    later = Timestamp.parse("2024-10-27T01:30:00+00:00")
    assert stamp < later
    value, issue = read_local_datetime("2024-10-27T01:30", lambda: "/approvedDateTime")
    assert value == stamp
    assert issue is not None
    assert (issue.severity, issue.code, issue.path) == (
        Severity.WARNING,
        "local-datetime.ambiguous",
        "/approvedDateTime",
    )
    assert format_local_datetime(stamp) == "2024-10-27T01:30"


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30T10:00",  # not a calendar date
        "2024-01-01T24:00",
        "2024-01-01 10:00",  # space, not T
        "2024-01-01T10:00Z",  # an offset: not a local date-time
        "2024-01-01T10:00:00+01:00",
        "2024-01-01T10",
        "2024-01-01",
        "1800-06-01T12:00",  # local mean time: no whole-minute offset
    ],
)
def test_malformed_local_datetimes_are_a_format_error(text: str) -> None:
    """Anything but a local date-time that London can place is ``local-datetime.format``."""
    value, issue = read_local_datetime(text, "/x")
    assert value is None
    assert issue is not None
    assert issue.code == "local-datetime.format"


def test_non_text_is_a_local_datetime_format_error() -> None:
    value, issue = read_local_datetime(20240101, "/x")
    assert value is None
    assert issue is not None
    assert issue.code == "local-datetime.format"


def test_a_timestamp_at_another_offset_is_written_as_london_wall_clock_time() -> None:
    """Encoding converts an instant to London's wall clock first, keeping the precision."""
    assert format_local_datetime(Timestamp.parse("2024-07-01T08:00:00.5Z")) == (
        "2024-07-01T09:00:00.5"
    )
    minutes = Timestamp.parse("2024-01-01T10:00-05:00", seconds_optional=True)
    assert format_local_datetime(minutes) == "2024-01-01T15:00"


def test_an_instant_london_cannot_write_is_a_format_error() -> None:
    with pytest.raises(LocalDateTimeError) as caught:
        format_local_datetime(Timestamp.parse("1800-01-01T00:00:00Z"))
    assert caught.value.code == "local-datetime.format"


@given(wall_clock_timestamps())
def test_local_datetime_text_round_trips(stamp: Timestamp) -> None:
    """Writing a wall-clock timestamp and reading it back gives the same timestamp."""
    text = format_local_datetime(stamp)
    again, _ = parse_local_datetime(text)
    assert again == stamp
    assert again.utcoffset() == stamp.to_datetime().astimezone(LONDON).utcoffset()


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_offsets_agree_with_zoneinfo(naive: dt.datetime) -> None:
    """Every local date-time that exists gets zoneinfo's offset (fold 0)."""
    text = naive.replace(microsecond=0).isoformat(timespec="seconds")
    stamp, issue = read_local_datetime(text, "/x")
    if stamp is None:
        assert issue is not None
        assert issue.code == "local-datetime.nonexistent"
        return
    assert stamp.utcoffset() == naive.replace(tzinfo=LONDON).utcoffset()


# --- wall-clock timestamp fields ------------------------------------------------------------


class _WithWallClock(CanonicalModel):
    at: WallClockTimestamp
    exact: Timestamp | None = None


def test_wall_clock_fields_accept_minutes_and_timestamp_fields_do_not() -> None:
    """Only a WallClockTimestamp field takes a value written to the minute (version 1.1); a
    Timestamp field (every version 1.0 field) still requires the seconds."""
    value = _WithWallClock(at="2013-12-02T20:00+00:00")
    assert value.at.isoformat() == "2013-12-02T20:00+00:00"
    assert value.model_dump_json() == '{"at":"2013-12-02T20:00+00:00","exact":null}'
    with pytest.raises(ValidationError) as caught:
        _WithWallClock(at="2013-12-02T20:00:00Z", exact="2013-12-02T20:00+00:00")
    assert caught.value.errors()[0]["type"] == "timestamp.format"
    with pytest.raises(ValidationError) as caught:
        _WithWallClock(at=value.at, exact=value.at)
    assert caught.value.errors()[0]["type"] == "timestamp.format"
    with pytest.raises(ValidationError) as caught:
        _WithWallClock(at="2013-12-02T20:00")  # naive
    assert caught.value.errors()[0]["type"] == "timestamp.naive"


def test_minute_and_second_precision_are_different_texts_and_unequal() -> None:
    """``20:00`` and ``20:00:00`` name the same instant but are written differently."""
    minutes = Timestamp.parse("2013-12-02T20:00+00:00", seconds_optional=True)
    seconds = Timestamp.parse("2013-12-02T20:00:00+00:00")
    assert minutes.same_instant(seconds)
    assert minutes != seconds
    assert not minutes.seconds_written
    with pytest.raises(ValueError, match="whole minute"):
        Timestamp(dt.datetime(2024, 1, 1, 10, 0, 5, tzinfo=dt.UTC), seconds=False)


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("2023-02-29", None),
        ("20240101", None),
        ("2024-W01-1", None),
        ("2019-03-18T00:00:00", None),  # a date-time is not a date
        (None, None),
        (20240101, None),
    ],
)
def test_dates_are_calendar_dates_in_iso_form(raw: Any, expected: dt.date | None) -> None:
    value, issue = read_date(raw, "/d")
    assert value == expected
    assert (issue is None) == (expected is not None)
    if issue is not None:
        assert (issue.code, issue.path) == ("date.format", "/d")


# --- open code lists ------------------------------------------------------------------------


class _WithCode(BaseModel):
    status: OpenCustodialStatus


def test_a_known_code_is_its_readable_member_and_its_wire_value_is_the_source_code() -> None:
    value = _WithCode(status="B")
    assert value.status is CustodialStatus.RELEASED_ON_LICENCE
    assert value.model_dump_json() == '{"status":"B"}'


def test_an_unknown_code_is_kept_exactly_as_sent() -> None:
    """A code the list does not know yet is a plain string, written back unchanged."""
    value = _WithCode(status="ZZ9")
    assert value.status == "ZZ9"
    assert type(value.status) is str
    assert value.model_dump_json() == '{"status":"ZZ9"}'
    assert _WithCode(status="b").status == "b"  # another code, not B


@pytest.mark.parametrize("raw", ["", " B", "B C", "-B", "x" * 65, 2, None])
def test_a_value_that_is_not_a_code_is_rejected(raw: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _WithCode(status=raw)
    assert caught.value.errors()[0]["type"] == "code.format"


def test_check_code_warns_about_an_unknown_code_naming_the_field() -> None:
    """Adapters report an unknown code as a warning ``<format>.unknown-code`` with its path."""
    member, issue = check_code(NonDtoReleaseDateType, "CRD", "/x", format_name="f")
    assert member is NonDtoReleaseDateType.CONDITIONAL_RELEASE
    assert issue is None
    code, issue = check_code(
        NonDtoReleaseDateType, "HDCAD", "/nonDtoReleaseDateType", format_name="prison-api-sentence"
    )
    assert code == "HDCAD"
    assert issue is not None
    assert (issue.severity, issue.code, issue.path) == (
        Severity.WARNING,
        "prison-api-sentence.unknown-code",
        "/nonDtoReleaseDateType",
    )
    assert "HDCAD" in issue.message  # a code is reference data, shown to help extend the list


def test_open_codes_are_described_as_any_of_the_list_or_a_code() -> None:
    schema = TypeAdapter(Annotated[CustodialStatus | str, OpenCode(CustodialStatus)]).json_schema()
    known, unknown = schema["anyOf"]
    assert known["enum"] == ["A", "B", "C", "D", "I", "P", "R", "T", "AT"]
    assert unknown["type"] == "string"


def test_code_order_puts_known_codes_in_list_order_then_unknown_by_text() -> None:
    key = code_order(KeyDateCode)
    codes = ["ZZ", "SED", "AA", "ACR", KeyDateCode.LICENCE_EXPIRY]
    assert [str(c) for c in sorted(codes, key=key)] == ["ACR", "LED", "SED", "AA", "ZZ"]


# --- custody.release-dates ------------------------------------------------------------------


def test_a_sentence_date_holds_at_least_one_value() -> None:
    with pytest.raises(ValidationError) as caught:
        SentenceDate()
    assert caught.value.errors()[0]["type"] == "value_error"


@pytest.mark.parametrize(
    ("parts", "in_force"),
    [
        ({"reported": dt.date(2022, 11, 26)}, dt.date(2022, 11, 26)),
        (
            {"reported": dt.date(2022, 11, 26), "override": dt.date(2022, 12, 1)},
            dt.date(2022, 12, 1),
        ),
        ({"calculated": dt.date(2022, 11, 26)}, dt.date(2022, 11, 26)),
        (
            {"reported": dt.date(2022, 11, 27), "calculated": dt.date(2022, 11, 26)},
            dt.date(2022, 11, 27),
        ),
    ],
)
def test_the_date_in_force_is_the_override_else_the_reported_else_the_calculated(
    parts: dict[str, dt.date], in_force: dt.date
) -> None:
    assert SentenceDate(**parts).in_force == in_force


def test_release_dates_carry_negative_booking_ids_and_unknown_release_date_types() -> None:
    body = ReleaseDates(
        booking_id=-3,
        dates=SentenceDates(non_dto_release_date_type="HDCAD", additional_days_awarded=0),
    )
    assert body.booking_id == -3
    assert body.dates.non_dto_release_date_type == "HDCAD"
    assert ReleaseDates.routing_key() == "custody.release-dates.v1"
    with pytest.raises(ValidationError):
        ReleaseDates(booking_id=2**63, dates=SentenceDates())


def test_release_dates_are_ordered_by_booking_when_no_person_identifier_is_known() -> None:
    envelope = make_envelope(
        ReleaseDates(booking_id=1200835, dates=SentenceDates()),
        occurred_at=Timestamp.parse("2024-06-25T09:00:00Z"),
        source=Source(system="nomis", format="prison-api-sentence"),
        subject=[SubjectId(scheme=SubjectScheme.BOOKING, value="1200835")],
        clock=FIXED_CLOCK,
    )
    assert envelope.schema_version == "1.1"
    assert envelope.ordering_key == "BOOKING:1200835"


# --- probation.key-dates-replaced -----------------------------------------------------------


def _replacement(**overrides: Any) -> KeyDatesReplaced:
    data: dict[str, Any] = {
        "noms_number": "A5089DY",
        "book_number": "38339A",
        "scope": CUSTODY_MANAGED_KEY_DATES,
        "key_dates": [{"code": "SED", "date": "2025-09-10"}, {"code": "ACR", "date": "2022-11-26"}],
    }
    data.update(overrides)
    return KeyDatesReplaced.model_validate(data)


def test_a_replacement_is_a_set_in_the_lists_order() -> None:
    body = _replacement()
    assert [str(k.code) for k in body.key_dates] == ["ACR", "SED"]
    assert body.scope == CUSTODY_MANAGED_KEY_DATES
    assert body.key_date(KeyDateCode.SENTENCE_EXPIRY) == dt.date(2025, 9, 10)
    assert body.key_date("LED") is None  # in scope, absent: to be removed
    assert _replacement(scope=tuple(reversed(CUSTODY_MANAGED_KEY_DATES))) == body


def test_a_replacement_keeps_unknown_key_date_codes() -> None:
    body = _replacement(scope=["ACR", "EMED"], key_dates=[{"code": "EMED", "date": "2026-01-01"}])
    assert body.scope == (KeyDateCode.AUTOMATIC_CONDITIONAL_RELEASE, "EMED")
    assert body.key_dates == (KeyDate(code="EMED", date=dt.date(2026, 1, 1)),)


@pytest.mark.parametrize(
    "overrides",
    [
        {"scope": []},
        {"scope": ["ACR", "ACR"]},
        {
            "key_dates": [
                {"code": "ACR", "date": "2022-11-26"},
                {"code": "ACR", "date": "2022-11-27"},
            ]
        },
        {"key_dates": [{"code": "POM1", "date": "2022-11-26"}]},  # outside the scope
        {"book_number": "3833"},
    ],
)
def test_a_replacement_that_is_not_a_set_within_its_scope_is_rejected(
    overrides: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        _replacement(**overrides)


def test_the_custody_managed_key_dates_are_community_apis_seven() -> None:
    assert [c.value for c in CUSTODY_MANAGED_KEY_DATES] == [
        "ACR",
        "LED",
        "HDE",
        "PED",
        "SED",
        "EXP",
        "PSSED",
    ]


def test_derivations_at_the_calendars_ends_do_not_fail() -> None:
    """A conditional release date of 0001-01-01 has no day before it: the HDC end date sent
    with it is reported as contradicting (nothing to derive it from), never an exception."""
    dates = SentenceDates(
        conditional_release=SentenceDate(reported=dt.date(1, 1, 1)),
        home_detention_curfew_actual=SentenceDate(reported=dt.date(2000, 1, 1)),
        home_detention_curfew_end_date=dt.date(2000, 1, 1),
        licence_expiry=SentenceDate(reported=dt.date(9999, 12, 31)),
        topup_supervision_expiry=SentenceDate(reported=dt.date(9999, 12, 31)),
    )
    assert [loc for loc, _ in dates.contradictions()] == [("home_detention_curfew_end_date",)]
