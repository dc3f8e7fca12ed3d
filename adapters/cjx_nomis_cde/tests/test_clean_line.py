"""The writer for clean rows (:func:`cjx_nomis_cde.clean_line`) against the full path.

The rule held here: for any row, ``clean_line`` returns ``None`` or exactly the line the full
path writes (the decoder, the model, :func:`message_line`); it never writes a row the full path
rejects; and it takes every row the generator makes without a defect (else it would be a
writer nobody uses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from cjx.extract import DEFECT_KINDS, generate_rows
from cjx.model import (
    BookNumber,
    CroNumber,
    IdentifierError,
    NomsNumber,
    PncId,
    PrisonerRecord,
    Timestamp,
)
from cjx.model._prisoner import (
    PersonalDetails,
    PhysicalDetails,
    PrisonerIdentifiers,
    PrisonerLocation,
    PrisonerSentence,
    PrisonerStatus,
)
from cjx.model._records import SentenceDates
from cjx_nomis_cde import (
    FIELD_COUNT,
    clean_body,
    clean_line,
    decode_fields,
    message_line,
    split_row,
)
from cjx_nomis_cde._fast import ORDER, _identifier

INSTANT = dt.datetime(2026, 1, 5, 6, 30, 1, 250000, tzinfo=dt.UTC)


def _clock() -> dt.datetime:
    return INSTANT


def _full_path(line: str, clock: Callable[[], dt.datetime] = _clock) -> bytes | None:
    decoded = decode_fields(split_row(line))
    if decoded.record is None or decoded.extract_date is None:
        return None
    return message_line(decoded.record, decoded.extract_date, clock=clock)


def _same_or_declined(line: str) -> bytes | None:
    """Assert the rule for ``line``; returns what the writer wrote."""
    written = clean_line(split_row(line), line, clock=_clock)
    expected = _full_path(line)
    if written is not None:
        assert expected is not None, "the writer wrote a row the full path rejects"
        assert written == expected
        decoded = decode_fields(split_row(line))
        assert decoded.record is not None
        assert decoded.extract_date is not None
        assert clean_body(split_row(line), line) == (
            str(decoded.record.noms_number),
            decoded.extract_date.isoformat(),
            decoded.record.model_dump_json(exclude_none=True),
            expected.split(b'"occurred_at":"', 1)[1].split(b'"', 1)[0].decode(),
            expected.split(b'"subject":[', 1)[1].split(b"]", 1)[0].decode(),
        )
    else:
        assert clean_body(split_row(line), line) is None
    return written


GROUPS: dict[str, type[BaseModel]] = {
    "": PrisonerRecord,
    "identifiers": PrisonerIdentifiers,
    "personal_details": PersonalDetails,
    "status": PrisonerStatus,
    "location": PrisonerLocation,
    "sentence": PrisonerSentence,
    "sentence.dates": SentenceDates,
    "physical_details": PhysicalDetails,
}


@pytest.mark.parametrize("group", list(ORDER))
def test_the_writer_s_order_is_the_model_s(group: str) -> None:
    """What the writer writes of each group comes in the order of the model's fields (the
    order ``model_dump_json`` writes them in)."""
    fields = list(GROUPS[group].model_fields)
    written = ORDER[group]
    assert set(written) <= set(fields)
    assert sorted(written, key=fields.index) == list(written)


def test_every_generated_row_is_written_as_the_full_path_writes_it() -> None:
    """Over a generated extract with every defect kind: each clean row takes the writer and
    gives the full path's bytes; each row the full path rejects is declined."""
    taken = accepted = 0
    kinds: set[str] = set()
    for number, row in enumerate(generate_rows(3000, seed=17, defects=0.1), start=1):
        written = _same_or_declined(row.line)
        expected = _full_path(row.line)
        if row.defect is not None:
            kinds.add(row.defect)
        if expected is not None:
            accepted += 1
            if row.defect is None:
                assert written is not None, f"row {number}: a clean row was declined"
        taken += written is not None
    assert kinds == set(DEFECT_KINDS)
    assert taken == accepted > 2500


def test_the_system_clock_s_text_is_the_timestamp_s() -> None:
    """With the system clock the writer formats ``datetime.now(UTC)`` itself: the text is the
    one :class:`Timestamp` writes (microseconds when there are some, ``+00:00``)."""
    row = next(iter(generate_rows(1, seed=2)))
    line = clean_line(split_row(row.line), row.line)
    assert line is not None
    produced = line.split(b'"produced_at":"', 1)[1].split(b'"', 1)[0].decode()
    assert Timestamp.from_datetime(dt.datetime.fromisoformat(produced)).isoformat() == produced


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_datetime_text_in_utc_is_the_timestamp_text(instant: dt.datetime) -> None:
    assert instant.isoformat() == Timestamp.from_datetime(instant).isoformat()


BASES = [row.line for row in generate_rows(12, seed=5)]

#: Values that come near what each kind of field accepts, and some that do not.
VALUES = st.one_of(
    st.text(max_size=12),
    st.text(alphabet='0123456789/ ~-AZaz.\\\t"', max_size=14),
    st.from_regex(r"[0-3][0-9]/[01][0-9]/(19|20|29|00)[0-9]{2}", fullmatch=True),
    st.sampled_from(
        [
            "",
            "31/12/2999",
            "29/02/2023",
            "29/02/2024",
            "12/761112C",
            "12/761112D",
            "2012/0761112C",
            " 12/761112C",
            "12/761112c",
            "779859/92X",
            "A0011SP",
            "a0011sp",
            "IG1537",
            "YP",
            "N",
            "Y",
            "1.64",
            "1.6",
            "1.645",
            "0.99",
            "Active-In",
            "Active-Out",
            "Active-Nowhere",
            "H-HA",
            "H-HA~X-",
            "-HA",
            "PU86001~TH68001",
            "PU86001~",
            "~",
            "M",
            "Male",
            "male",
            "Female",
            "Not Known / Not Recorded",
            "Unknown",
            "ALI",
            "A LI",
            "é",
            "\u202e",
            "\x7f",
            "x" * 300,
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from(BASES),
    changes=st.lists(st.tuples(st.integers(0, FIELD_COUNT - 1), VALUES), min_size=1, max_size=5),
)
@example(base=BASES[0], changes=[(3, "a0011sp")])
@example(base=BASES[0], changes=[(47, "12/761112c")])
@example(base=BASES[0], changes=[(0, "31/12/2999")])
@example(base=BASES[0], changes=[(7, "a\\b")])
@example(base=BASES[0], changes=[(2, "A LI")])
@example(base=BASES[0], changes=[(12, "31/12/2999")])
def test_any_changed_row_is_written_as_the_full_path_writes_it_or_declined(
    base: str, changes: list[tuple[int, str]]
) -> None:
    values = base.split("|")
    for position, value in changes:
        values[position] = value
    _same_or_declined("|".join(values))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kind=st.sampled_from([NomsNumber, BookNumber, CroNumber, PncId]))
def test_an_identifier_in_its_canonical_form_is_read_as_parse_reads_it(
    data: st.DataObject, kind: type[NomsNumber | BookNumber | CroNumber | PncId]
) -> None:
    """The writer checks a text already in an identifier's canonical form by the form and the
    check character alone: the same text, or the same refusal, as ``parse``."""
    text = data.draw(st.from_regex(kind.pattern, fullmatch=True))
    try:
        expected: str | IdentifierError = str(kind.parse(text))
    except IdentifierError as exc:
        expected = exc
    try:
        read: str | IdentifierError = _identifier(kind, text)
    except IdentifierError as exc:
        read = exc
    if isinstance(expected, IdentifierError):
        assert isinstance(read, IdentifierError)
        assert read.code == expected.code
    else:
        assert read == expected
