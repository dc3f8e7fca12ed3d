"""``release-dates-to-key-dates``: RULES.md's mapping, line by line, and its properties.

The oracle of the property tests is RULES.md's mapping written over prison-api's member names,
as prison-to-probation-update wrote it (``SentenceDetail.asProbationKeyDates()``); the canonical
sentence dates are turned back into those members with the model's own member table
(``SENTENCE_CALC_DATES_MEMBERS``), so the test checks which *part* of each date the rule reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from tests.golden import fixed_clock
from tests.strategies import book_numbers, booking_ids, noms_numbers, sentence_date_sets

from cjx.errors import IdentityUnresolved, Severity
from cjx.identity import Ident, PersonIndex, open_index
from cjx.model import (
    CUSTODY_MANAGED_KEY_DATES,
    SENTENCE_CALC_DATES_MEMBERS,
    Envelope,
    KeyDateCode,
    ReleaseDates,
    SentenceDate,
    SentenceDates,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx.rules import MAPPING, get_rule, rule_message_id
from cjx.validation import canonical_gate

RULE = get_rule("release-dates-to-key-dates")
D = dt.date


def release(dates: SentenceDates, booking_id: int = 1200835) -> Envelope[Any]:
    return make_envelope(
        ReleaseDates(booking_id=booking_id, dates=dates),
        occurred_at=Timestamp.parse("2025-05-20T09:12:44.081+01:00"),
        source=Source(system="nomis", format="prison-api-sentence"),
        subject=[SubjectId(scheme=SubjectScheme.BOOKING, value=str(booking_id))],
        correlation_id="sentence-1",
        clock=fixed_clock,
    )


def custody(index: PersonIndex, booking_id: int, book: str, noms: str) -> None:
    """The booking's custody, as a prisoner record would teach it (made by hand here)."""
    index.link(Ident.booking(booking_id), Ident.parse(f"book:{book}"), actor="test")
    index.link(Ident.parse(f"book:{book}"), Ident.parse(f"noms:{noms}"), actor="test")


def sentence_detail(dates: SentenceDates) -> dict[str, dt.date]:
    """The prison-api SentenceCalcDates members ``dates`` holds (dates only)."""
    members: dict[str, dt.date] = {}
    for member, field, part in SENTENCE_CALC_DATES_MEMBERS:
        value: Any = getattr(dates, field)
        if part is not None and value is not None:
            value = getattr(value, part)
        if isinstance(value, dt.date):
            members[member] = value
    return members


def as_probation_key_dates(d: dict[str, dt.date]) -> dict[str, dt.date]:
    """RULES.md (prison-to-probation-update at 6f1efae), over prison-api's member names."""
    mapped = {
        "ACR": d.get("conditionalReleaseOverrideDate") or d.get("conditionalReleaseDate"),
        "SED": d.get("sentenceExpiryDate"),
        "PED": d.get("paroleEligibilityDate"),
        "LED": d.get("licenceExpiryDate"),
        "EXP": d.get("confirmedReleaseDate"),
        "HDE": d.get("homeDetentionCurfewEligibilityDate"),
        "PSSED": d.get("topupSupervisionExpiryDate"),
    }
    return {code: date for code, date in mapped.items() if date is not None}


@pytest.fixture
def memory_index() -> Any:
    with open_index("sqlite:///:memory:") as opened:
        custody(opened, 1200835, "38339A", "A5089DY")
        yield opened


def key_dates_of(index: PersonIndex, dates: SentenceDates) -> dict[str, dt.date]:
    (out,) = RULE.derive(release(dates), index, clock=fixed_clock).envelopes
    return {str(k.code): k.date for k in out.body.key_dates}


# --- the mapping, one line of RULES.md at a time ---------------------------------------------

LINES = [
    # ACR: conditionalReleaseOverrideDate if present, else conditionalReleaseDate
    (
        "ACR-from-the-override",
        {"conditional_release": SentenceDate(reported=D(2022, 11, 26), override=D(2022, 11, 28))},
        {"ACR": D(2022, 11, 28)},
    ),
    (
        "ACR-else-the-CRD",
        {"conditional_release": SentenceDate(reported=D(2022, 11, 26))},
        {"ACR": D(2022, 11, 26)},
    ),
    (
        "ACR-never-a-calculated-part",
        {"conditional_release": SentenceDate(calculated=D(2022, 11, 26))},
        {},
    ),
    # LED, PED, SED, HDE, PSSED: the date prison-api sends under the date's own name
    (
        "LED-the-reported-date",
        {
            "licence_expiry": SentenceDate(
                reported=D(2025, 9, 10), calculated=D(2025, 9, 1), override=D(2025, 9, 12)
            )
        },
        {"LED": D(2025, 9, 10)},
    ),
    (
        "PED-the-reported-date",
        {"parole_eligibility": SentenceDate(reported=D(2024, 3, 1), calculated=D(2024, 2, 1))},
        {"PED": D(2024, 3, 1)},
    ),
    (
        "SED-the-reported-date",
        {"sentence_expiry": SentenceDate(reported=D(2030, 1, 10), override=D(2030, 1, 9))},
        {"SED": D(2030, 1, 10)},
    ),
    (
        "HDE-from-the-HDCED",
        {"home_detention_curfew_eligibility": SentenceDate(reported=D(2026, 2, 3))},
        {"HDE": D(2026, 2, 3)},
    ),
    (
        "HDE-never-from-the-HDC-actual-date",
        {"home_detention_curfew_actual": SentenceDate(reported=D(2026, 3, 1))},
        {},
    ),
    (
        "PSSED-from-the-TUSED",
        {"topup_supervision_expiry": SentenceDate(reported=D(2026, 9, 10))},
        {"PSSED": D(2026, 9, 10)},
    ),
    ("PSSED-absent-without-a-TUSED", {"topup_supervision_start_date": D(2025, 9, 11)}, {}),
    # EXP: confirmedReleaseDate, never releaseDate
    (
        "EXP-from-the-confirmed-release-date",
        {"confirmed_release_date": D(2022, 12, 1)},
        {"EXP": D(2022, 12, 1)},
    ),
    (
        "EXP-never-the-release-date",
        {"release_date": D(2022, 11, 26), "non_dto_release_date": D(2022, 11, 26)},
        {},
    ),
    (
        "EXP-the-confirmed-date-when-both",
        {"release_date": D(2022, 11, 26), "confirmed_release_date": D(2022, 12, 1)},
        {"EXP": D(2022, 12, 1)},
    ),
    # no other NOMIS date becomes a key date
    (
        "nothing-from-the-other-dates",
        {
            "automatic_release": SentenceDate(reported=D(2026, 5, 1)),
            "non_parole": SentenceDate(reported=D(2026, 7, 1)),
            "post_recall_release": SentenceDate(reported=D(2026, 8, 1)),
            "actual_parole": SentenceDate(reported=D(2026, 4, 1)),
            "mid_term": SentenceDate(reported=D(2026, 1, 1)),
            "tariff": SentenceDate(reported=D(2040, 1, 1)),
            "sentence_start_date": D(2024, 1, 10),
        },
        {},
    ),
]


@pytest.mark.parametrize(
    ("given_dates", "expected"), [pytest.param(*c[1:], id=c[0]) for c in LINES]
)
def test_each_line_of_the_mapping(
    memory_index: PersonIndex, given_dates: dict[str, Any], expected: dict[str, dt.date]
) -> None:
    assert key_dates_of(memory_index, SentenceDates(**given_dates)) == expected


def test_the_mapping_table_is_rules_md() -> None:
    """The table the rule reads is RULES.md's, in community-api's order of the seven dates."""
    assert [(str(m.code), m.field, m.parts) for m in MAPPING] == [
        ("ACR", "conditional_release", ("override", "reported")),
        ("LED", "licence_expiry", ("reported",)),
        ("HDE", "home_detention_curfew_eligibility", ("reported",)),
        ("PED", "parole_eligibility", ("reported",)),
        ("SED", "sentence_expiry", ("reported",)),
        ("EXP", "confirmed_release_date", ()),
        ("PSSED", "topup_supervision_expiry", ("reported",)),
    ]
    assert tuple(m.code for m in MAPPING) == CUSTODY_MANAGED_KEY_DATES


def test_booking_1200835_becomes_the_custody_a5089dy_38339a(memory_index: PersonIndex) -> None:
    """prison-to-probation-update's stub: booking 1200835's dates, the custody A5089DY/38339A."""
    dates = SentenceDates(
        sentence_start_date=D(2020, 2, 11),
        sentence_expiry=SentenceDate(reported=D(2025, 9, 10)),
        conditional_release=SentenceDate(reported=D(2022, 11, 26)),
        licence_expiry=SentenceDate(reported=D(2025, 9, 10)),
        non_dto_release_date=D(2022, 11, 26),
        non_dto_release_date_type="CRD",
        release_date=D(2022, 11, 26),
    )
    envelope = release(dates)
    derivation = RULE.derive(envelope, memory_index, clock=fixed_clock)
    (out,) = derivation.envelopes
    assert derivation.report.issues == ()
    assert (str(out.body.noms_number), str(out.body.book_number)) == ("A5089DY", "38339A")
    assert out.body.scope == CUSTODY_MANAGED_KEY_DATES
    assert {str(k.code): k.date for k in out.body.key_dates} == {
        "ACR": D(2022, 11, 26),
        "LED": D(2025, 9, 10),
        "SED": D(2025, 9, 10),
    }
    assert out.subject == (SubjectId(scheme=SubjectScheme.NOMS, value="A5089DY"),)
    assert out.causation_id == envelope.message_id
    assert out.correlation_id == envelope.correlation_id
    assert out.occurred_at == envelope.occurred_at
    assert out.produced_at == Timestamp.from_datetime(fixed_clock())
    assert out.message_id == rule_message_id(RULE.name, envelope.message_id, 0)
    assert out.ordering_key == "NOMS:A5089DY"


def test_a_part_without_its_member_is_left_out_and_warned_of(memory_index: PersonIndex) -> None:
    dates = SentenceDates(licence_expiry=SentenceDate(calculated=D(2029, 1, 10)))
    derivation = RULE.derive(release(dates), memory_index, clock=fixed_clock)
    (out,) = derivation.envelopes
    assert out.body.key_dates == ()
    ((severity, code, path),) = [(i.severity, i.code, i.path) for i in derivation.report.issues]
    assert (severity, code, path) == (
        Severity.WARNING,
        "release-dates-to-key-dates.not-mapped",
        "/body/dates/licence_expiry",
    )


# --- the custody comes from the index, or the input waits -----------------------------------


@pytest.mark.parametrize(
    ("links", "missing"),
    [
        ([], "book number or current NOMS number"),
        ([("booking:1200835", "book:38339A")], "current NOMS number"),
        ([("booking:1200835", "noms:A5089DY")], "book number"),
        # a book number of the same person not paired with this booking is not its book number
        (
            [("booking:1200835", "noms:A5089DY"), ("book:38353A", "noms:A5089DY")],
            "book number",
        ),
    ],
)
def test_a_booking_linked_to_only_one_of_the_two_is_unresolved(
    index: PersonIndex, links: list[tuple[str, str]], missing: str
) -> None:
    for a, b in links:
        index.link(Ident.parse(a), Ident.parse(b), actor="test")
    envelope = release(SentenceDates(confirmed_release_date=D(2022, 12, 1)))
    with pytest.raises(IdentityUnresolved) as caught:
        RULE.derive(envelope, index, clock=fixed_clock)
    ((code, path, message),) = [(i.code, i.path, i.message) for i in caught.value.report.issues]
    assert (code, path) == ("identity.unresolved", "/body/booking_id")
    assert f"no {missing};" in message
    assert "booking:12***35" in message  # masked, never whole
    for whole in ("1200835", "38339A", "A5089DY", "38353A"):
        assert whole not in str(caught.value)
    assert caught.value.report.source == f"message {envelope.message_id}"


def test_the_custody_on_both_backends(index: PersonIndex) -> None:
    """The look-ups run on SQLite and PostgreSQL alike (the index's contract suite's backends)."""
    custody(index, 1200835, "38339A", "A5089DY")
    (out,) = RULE.derive(release(SentenceDates()), index, clock=fixed_clock).envelopes
    assert (str(out.body.noms_number), str(out.body.book_number)) == ("A5089DY", "38339A")
    assert out.body.key_dates == ()  # nothing given: everything in the scope is removed


def test_a_merged_noms_number_gives_the_current_one(memory_index: PersonIndex) -> None:
    """After a merge the custody is addressed by the person's current NOMS number."""
    memory_index.link(
        Ident.parse("noms:A5089DY"), Ident.parse("noms:G9542VP"), actor="test", merge=True
    )
    (out,) = RULE.derive(release(SentenceDates()), memory_index).envelopes
    assert str(out.body.noms_number) == "G9542VP"


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    dates=sentence_date_sets,
    booking_id=booking_ids,
    book=book_numbers,
    noms=noms_numbers,
)
def test_the_key_dates_are_exactly_the_mapped_subset(
    dates: SentenceDates, booking_id: int, book: Any, noms: Any
) -> None:
    """For any sentence dates and a resolved booking: the key dates are exactly RULES.md's
    mapping of the prison-api members those dates hold, the scope the seven, the custody the
    index's; the output is valid canonical XML; deriving again gives the same message."""
    with open_index("sqlite:///:memory:") as index:
        custody(index, booking_id, str(book), str(noms))
        envelope = release(dates, booking_id)
        derivation = RULE.derive(envelope, index, clock=fixed_clock)
        again = RULE.derive(envelope, index, clock=fixed_clock)
    (out,) = derivation.envelopes
    assert {str(k.code): k.date for k in out.body.key_dates} == as_probation_key_dates(
        sentence_detail(dates)
    )
    assert out.body.scope == CUSTODY_MANAGED_KEY_DATES
    assert (out.body.noms_number, out.body.book_number) == (noms, book)
    assert out.causation_id == envelope.message_id
    assert out.message_id == rule_message_id(RULE.name, envelope.message_id, 0)
    assert again.envelopes == derivation.envelopes
    assert canonical_gate(out)[1] == []
    assert all(i.severity is Severity.WARNING for i in derivation.report.issues)


def test_release_date_never_becomes_a_key_date_code() -> None:
    """No mapping line reads the derived release date (RULES.md: EXP is not releaseDate)."""
    assert all(m.field != "release_date" for m in MAPPING)
    assert KeyDateCode.EXPECTED_RELEASE in {m.code for m in MAPPING}
