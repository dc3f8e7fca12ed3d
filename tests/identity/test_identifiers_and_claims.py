"""The index's identifiers and what messages teach it: pure, no database."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests import strategies as cjx_st
from tests.identity.envelopes import about, linked, merged

from cjx.errors import Issue
from cjx.identity import EXTRACTORS, Claim, Ident, Scheme, claims_of, read, star
from cjx.model import (
    Asn,
    BookNumber,
    Crn,
    CroNumber,
    Envelope,
    IdentifierError,
    NomsNumber,
    PncId,
)
from cjx.model import SubjectScheme as S

I = Ident.parse  # noqa: E741


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("noms:a1234bc", "noms:A1234BC"),
        (" NOMS : A1234BC ", "noms:A1234BC"),
        ("crn:x320741", "crn:X320741"),
        ("pnc:12/394773H", "pnc:2012/0394773H"),
        ("pnc:19790163001B", "pnc:1979/0163001B"),
        ("cro:SF05/482703J", "cro:SF05/482703J"),
        ("asn:1101ZD01410791W", "asn:1101ZD0100000410791W"),
        ("book:38339a", "book:38339A"),
        ("booking:1200835", "booking:1200835"),
        ("booking:-7", "booking:-7"),
        ("booking:007", "booking:7"),
        ("booking:-0", "booking:0"),
        ("booking:9223372036854775807", "booking:9223372036854775807"),
        ("booking:-9223372036854775808", "booking:-9223372036854775808"),
    ],
)
def test_identifiers_are_read_and_normalised(text: str, canonical: str) -> None:
    assert str(I(text)) == canonical
    assert I(canonical) == I(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A1234BC", "identity.identifier-form"),
        ("prison:A1234BC", "identity.scheme"),
        ("noms:A1234B", "noms.format"),
        ("pnc:2004/0012345U", "pnc.check-character"),
        ("cro:065656/91A", "cro.check-character"),
        ("crn:X32074", "crn.format"),
        ("asn:1101ZD0100000448754A", "asn.check-character"),
        ("book:38339", "book-number.format"),
        ("book:3833-A", "book-number.format"),
        ("book:", "book-number.missing"),
        ("book:38339Ä", "book-number.format"),
        ("booking:12a", "booking-id.format"),
        ("booking:1.5", "booking-id.format"),
        ("booking:", "booking-id.missing"),
        ("booking:9223372036854775808", "booking-id.range"),
        ("booking:99999999999999999999", "booking-id.format"),
    ],
)
def test_bad_identifiers_name_the_rule_without_echoing_the_value(text: str, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        I(text)
    assert caught.value.code == code
    value = text.partition(":")[2]
    if len(value) > 2:
        assert value not in caught.value.message


def test_a_booking_id_may_be_given_as_an_integer_but_not_as_a_boolean() -> None:
    assert Ident.booking(-42) == I("booking:-42")
    assert Ident.of(Scheme.BOOKING, 7).value == "7"
    with pytest.raises(IdentifierError):
        Ident.of(Scheme.BOOKING, True)
    with pytest.raises(IdentifierError):
        Ident.of(Scheme.NOMS, 1234)  # type: ignore[arg-type]


def test_identifiers_sort_by_their_text_and_mask_their_values() -> None:
    values = [I("pnc:1979/0163001B"), I("book:38339A"), I("booking:5"), I("crn:X320741")]
    assert [str(v) for v in sorted(values)] == [
        "book:38339A",
        "booking:5",
        "crn:X320741",
        "pnc:1979/0163001B",
    ]
    assert I("noms:A1234BC").masked() == "noms:A1***BC"
    assert I("noms:A1234BC").single_valued
    assert not I("book:38339A").single_valued


_MODEL = {
    Scheme.PNC: (PncId, cjx_st.pnc_texts()),
    Scheme.CRO: (CroNumber, cjx_st.cro_texts()),
    Scheme.NOMS: (NomsNumber, cjx_st.noms_texts),
    Scheme.CRN: (Crn, cjx_st.crn_texts),
    Scheme.ASN: (Asn, cjx_st.asn_texts()),
    Scheme.BOOK: (BookNumber, cjx_st.book_number_texts),
}


@given(st.sampled_from(sorted(_MODEL)).flatmap(lambda s: st.tuples(st.just(s), _MODEL[s][1])))
def test_the_index_reads_identifiers_exactly_as_the_model_does(case: tuple[Scheme, str]) -> None:
    scheme, text = case
    model_type, _ = _MODEL[scheme]
    assert Ident.of(scheme, text).value == str(model_type.parse(text))
    assert I(f"{scheme.value}:{text}") == Ident.of(scheme, text)


@given(cjx_st.booking_ids)
def test_every_64_bit_booking_id_round_trips(number: int) -> None:
    ident = Ident.booking(number)
    assert ident.value == str(number)
    assert I(str(ident)) == ident


# --- claims -------------------------------------------------------------------------------------


def pairs(envelope: Envelope[Any]) -> list[tuple[str, str, bool]]:
    claims, _ = claims_of(envelope)
    return [(str(c.a), str(c.b), c.merge) for c in claims]


def test_identifiers_linked_claims_crn_and_book_number_for_the_noms_number() -> None:
    assert pairs(linked("X320741", "A1234BC", "38339A")) == [
        ("noms:A1234BC", "crn:X320741", False),
        ("noms:A1234BC", "book:38339A", False),
    ]


def test_person_merged_claims_the_merge_first_and_the_booking_for_the_retained() -> None:
    assert pairs(merged("B2345CD", "A1234BC", 5)) == [
        ("noms:B2345CD", "noms:A1234BC", True),
        ("noms:A1234BC", "booking:5", False),
    ]


def test_a_merge_into_itself_claims_no_merge() -> None:
    assert pairs(merged("A1234BC", "A1234BC", 5)) == [("noms:A1234BC", "booking:5", False)]


def test_the_subject_is_linked_to_its_first_identifier() -> None:
    envelope = about("A1234BC", (S.PNC, "12/394773H"), (S.PERSON, "p-1"), (S.BOOKING, "12"))
    assert pairs(envelope) == [
        ("noms:A1234BC", "pnc:2012/0394773H", False),
        ("noms:A1234BC", "booking:12", False),
    ]


def test_unreadable_identifiers_become_warnings_with_their_path() -> None:
    claims, issues = claims_of(about("A1234BC", (S.BOOKING, "38339A"), (S.BOOKING, "x")))
    assert claims == ()
    assert [(i.severity.value, i.code, i.path) for i in issues] == [
        ("warning", "booking-id.format", "/subject/1/value"),
        ("warning", "booking-id.format", "/subject/2/value"),
    ]


def _from_source(fmt: str, data: bytes) -> Envelope[Any]:
    from cjx.pipeline import translate

    outcome = translate(data, from_format=fmt, to_format="canonical-xml")
    assert outcome.ok, outcome.report
    return outcome.envelopes[0]


def test_a_prisoner_record_pairs_its_book_number_with_its_booking_id() -> None:
    document = (
        b'{"prisonerNumber": "A1234BC", "bookingId": "1200835", "bookNumber": "38339A",'
        b' "pncNumber": "12/394773H", "croNumber": "29906/12J"}'
    )
    found = set(pairs(_from_source("prisoner-search", document)))
    assert {
        ("noms:A1234BC", "book:38339A", False),
        ("noms:A1234BC", "booking:1200835", False),
        ("noms:A1234BC", "pnc:2012/0394773H", False),
        ("noms:A1234BC", "cro:29906/12J", False),
        ("book:38339A", "booking:1200835", False),  # the pair release-dates-to-key-dates needs
    } <= found


def test_a_custody_record_links_the_crn_and_the_custody_s_book_number() -> None:
    document = (
        b'{"otherIds": {"crn": "X320741", "nomsNumber": "A1234BC"},'
        b' "conviction": {"convictionId": 1, "index": "1", "custody": {"bookingNumber": "38339A"}}}'
    )
    found = set(pairs(_from_source("delius-custody", document)))
    assert {
        ("noms:A1234BC", "crn:X320741", False),
        ("noms:A1234BC", "book:38339A", False),
    } <= found
    assert not any("booking:" in a or "booking:" in b for a, b, _ in found)


def test_a_new_message_type_is_learnt_by_adding_an_extractor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    envelope = about("A1234BC")

    def extractor(e: Envelope[Any]) -> Iterator[Claim | Issue]:
        noms = Ident(Scheme.NOMS, str(e.body.noms_number))
        yield from star(
            noms,
            [read(Scheme.BOOKING, e.body.booking_id, "/body/booking_id"), None],
        )
        yield from star(read(Scheme.BOOK, "bad", "/body/book"), [noms])

    monkeypatch.setitem(EXTRACTORS, envelope.message_type, extractor)
    claims, issues = claims_of(envelope)
    assert [(str(c.a), str(c.b)) for c in claims] == [("noms:A1234BC", "booking:1200835")]
    assert [(i.code, i.path) for i in issues] == [("book-number.format", "/body/book")]


# --- the layer rule -----------------------------------------------------------------------------


def test_the_index_imports_only_the_model_and_the_errors() -> None:
    """DESIGN.md section 1: ``cjx.identity`` may import ``cjx.model`` and ``cjx.errors`` only."""
    package = Path(__file__).parents[2] / "src" / "cjx" / "identity"
    allowed = {"cjx.model", "cjx.errors", "psycopg", "psycopg.errors"}
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                assert name in allowed, f"{path.name} imports {name}"
