"""The person index contract: every test runs on SQLite and on PostgreSQL (``backend``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.identity.envelopes import about, linked, merged

from cjx.errors import ConfigurationError, ValidationFailed
from cjx.identity import (
    SCHEMA_VERSION,
    Claim,
    ConflictCode,
    Ident,
    LinkKind,
    PersonIndex,
    Scheme,
    open_index,
)
from cjx.model import SubjectScheme

I = Ident.parse  # noqa: E741 - reads like the command line: I("noms:A1234BC")

NOMS_A, NOMS_B, NOMS_C = I("noms:A1234BC"), I("noms:B2345CD"), I("noms:C3456DE")
CRN_X, CRN_Y = I("crn:X320741"), I("crn:Y318842")
PNC = I("pnc:1979/0163001B")
PNC_2 = I("pnc:2003/0011985X")
BOOK, BOOK_2 = I("book:38339A"), I("book:48810C")
BOOKING, BOOKING_2 = I("booking:1200835"), I("booking:-7")


def ids(index: PersonIndex, ident: Ident) -> list[str]:
    return [str(i) for i in index.resolve(ident).identifiers]


# --- resolving ----------------------------------------------------------------------------------


def test_an_unknown_identifier_is_a_person_of_one(index: PersonIndex) -> None:
    person = index.resolve(NOMS_A)
    assert person.identifiers == (NOMS_A,)
    assert person.others == ()
    assert person.links == ()
    assert person.conflicts == ()
    assert person.current(Scheme.CRN) is None


def test_resolve_gives_the_other_identifiers_both_ways(index: PersonIndex) -> None:
    applied = index.link(NOMS_A, CRN_X, actor="tester", reason="matched by hand")
    assert applied.new
    assert applied.link is not None
    assert applied.link.kind is LinkKind.MANUAL
    assert (applied.link.actor, applied.link.reason) == ("tester", "matched by hand")
    assert index.resolve(NOMS_A).others == (CRN_X,)
    assert index.resolve(CRN_X).others == (NOMS_A,)
    assert index.resolve(CRN_X).current(Scheme.NOMS) == NOMS_A


def test_values_are_normalised_so_two_spellings_are_one_identifier(index: PersonIndex) -> None:
    index.link(I("noms:a1234bc"), I("pnc:79/163001B"), actor="tester")
    assert ids(index, I("pnc:19790163001b")) == ["noms:A1234BC", "pnc:1979/0163001B"]


def test_resolve_is_transitive_and_names_the_path(index: PersonIndex) -> None:
    first = index.learn(linked("X320741", "A1234BC", "38339A", n=1))
    index.link(NOMS_A, PNC, actor="tester")
    person = index.resolve(PNC)
    assert person.identifiers == (BOOK, CRN_X, NOMS_A, PNC)
    path = person.path(CRN_X)
    assert [(str(x.a), str(x.b)) for x in path] == [
        ("noms:A1234BC", "pnc:1979/0163001B"),
        ("crn:X320741", "noms:A1234BC"),
    ]
    assert person.taught_by(CRN_X) == (first.message_id,)  # the manual link has no message
    assert person.path(PNC) == ()
    with pytest.raises(KeyError):
        person.path(CRN_Y)


# --- learning -----------------------------------------------------------------------------------


def test_identifiers_linked_teaches_crn_and_book_number_to_the_noms_number(
    index: PersonIndex,
) -> None:
    message = linked("X320741", "A1234BC", "38339a", n=1)
    learnt = index.learn(message)
    assert learnt.message_id == message.message_id
    assert learnt.issues == ()
    assert learnt.conflicts == ()
    assert sorted((str(x.a), str(x.b)) for x in learnt.new_links) == [
        ("book:38339A", "noms:A1234BC"),
        ("crn:X320741", "noms:A1234BC"),
    ]
    for link in learnt.new_links:
        assert link.message_id == message.message_id
        assert link.kind is LinkKind.LEARNT
        assert link.actor is None
    assert ids(index, CRN_X) == ["book:38339A", "crn:X320741", "noms:A1234BC"]


def test_learning_a_message_twice_learns_nothing_new(index: PersonIndex) -> None:
    message = linked("X320741", "A1234BC", "38339A", n=1)
    first = index.learn(message)
    again = index.learn(message)
    assert again.new_links == ()
    assert [a.link for a in again.applied] == [a.link for a in first.applied]
    another = index.learn(linked("X320741", "A1234BC", "38339A", n=2))
    assert another.new_links == ()
    for applied in another.applied:  # the first teacher keeps the provenance
        assert applied.link is not None
        assert applied.link.message_id == message.message_id


def test_an_unreadable_book_number_is_left_out_with_a_warning(index: PersonIndex) -> None:
    learnt = index.learn(linked("X320741", "A1234BC", "NOT-A-BOOK", n=1))
    assert [(i.code, i.path) for i in learnt.issues] == [
        ("book-number.format", "/body/booking_number")
    ]
    assert "NOT-A-BOOK" not in str(learnt.issues)
    assert ids(index, NOMS_A) == ["crn:X320741", "noms:A1234BC"]


def test_a_subject_naming_several_identifiers_teaches_their_links(index: PersonIndex) -> None:
    learnt = index.learn(
        about(
            "A1234BC",
            (SubjectScheme.CRN, "X320741"),
            (SubjectScheme.BOOKING, "1200835"),
            (SubjectScheme.PERSON, "anything"),
            (SubjectScheme.BOOKING, "38339A"),
        )
    )
    assert [(i.code, i.path) for i in learnt.issues] == [("booking-id.format", "/subject/4/value")]
    assert ids(index, BOOKING) == ["booking:1200835", "crn:X320741", "noms:A1234BC"]


def test_a_subject_of_one_identifier_teaches_nothing(index: PersonIndex) -> None:
    learnt = index.learn(about("A1234BC"))
    assert learnt.applied == ()
    assert index.resolve(NOMS_A).identifiers == (NOMS_A,)


def test_the_adapters_message_teaches_the_index(index: PersonIndex) -> None:
    from cjx.adapter import get_adapter

    golden = Path(__file__).parents[2] / "adapters" / "cjx_hmpps_events" / "tests" / "golden"
    data = (golden / "demo.prison-identifier-added.input.json").read_bytes()
    (envelope,) = get_adapter("hmpps-events").decode(data)
    index.learn(envelope)
    person = index.resolve(I("noms:A4417DZ"))
    assert person.identifiers == (I("book:48810C"), I("crn:X318842"), I("noms:A4417DZ"))
    assert person.taught_by(I("crn:X318842")) == (envelope.message_id,)


# --- contradictions -----------------------------------------------------------------------------


def test_one_noms_number_with_two_crns_is_a_recorded_conflict(index: PersonIndex) -> None:
    first = index.learn(linked("X320741", "A1234BC", "38339A", n=1))
    second = index.learn(linked("Y318842", "A1234BC", "38339A", n=2))
    (conflict,) = second.conflicts
    assert conflict.code is ConflictCode.SINGLE_VALUED
    assert conflict.message_id == second.message_id
    assert {conflict.a, conflict.b} == {CRN_Y, NOMS_A}
    (clash,) = conflict.clashes
    assert clash.scheme is Scheme.CRN
    held = {clash.a_value: clash.a_messages, clash.b_value: clash.b_messages}
    assert held == {CRN_X: (first.message_id,), CRN_Y: ()}
    # nothing was joined: the NOMS number still has one CRN, the other CRN is on its own
    assert ids(index, NOMS_A) == ["book:38339A", "crn:X320741", "noms:A1234BC"]
    assert ids(index, CRN_Y) == ["crn:Y318842"]
    assert index.conflicts() == (conflict,)
    assert index.resolve(NOMS_A).conflicts == (conflict,)
    assert index.resolve(CRN_Y).conflicts == (conflict,)
    assert "X320741" not in conflict.describe()  # masked for logs
    # a redelivery of the refused message records no second conflict
    assert index.learn(linked("Y318842", "A1234BC", "38339A", n=2)).conflicts == (conflict,)
    assert len(index.conflicts()) == 1


def test_a_crn_already_linked_to_another_noms_number_is_a_conflict(index: PersonIndex) -> None:
    index.link(CRN_X, NOMS_A, actor="tester")
    applied = index.link(CRN_X, NOMS_B, actor="tester")
    assert applied.link is None
    assert applied.conflict is not None
    assert applied.conflict.code is ConflictCode.SINGLE_VALUED
    assert applied.conflict.clashes[0].scheme is Scheme.NOMS
    assert applied.conflict.actor == "tester"
    assert ids(index, NOMS_B) == ["noms:B2345CD"]


def test_a_contradiction_through_other_identifiers_is_found(index: PersonIndex) -> None:
    index.link(NOMS_A, CRN_X, actor="tester")
    index.link(PNC, CRN_Y, actor="tester")
    applied = index.link(PNC, NOMS_A, actor="tester")  # would put X and Y in one person
    assert applied.conflict is not None
    assert [c.scheme for c in applied.conflict.clashes] == [Scheme.CRN]


def test_every_single_valued_scheme_clashes_and_many_valued_ones_do_not(
    index: PersonIndex,
) -> None:
    for n, (scheme, one, two) in enumerate(
        (
            (Scheme.PNC, PNC, PNC_2),
            (Scheme.CRO, I("cro:065656/91H"), I("cro:SF05/482703J")),
            (Scheme.NOMS, NOMS_B, NOMS_C),
            (Scheme.CRN, CRN_X, CRN_Y),
        )
    ):
        anchor = I(f"booking:{n + 100}")
        assert index.link(anchor, one, actor="t").link is not None
        assert index.link(anchor, two, actor="t").conflict is not None, scheme
    assert index.link(NOMS_A, BOOKING, actor="t").new
    assert index.link(NOMS_A, BOOKING_2, actor="t").new
    assert index.link(NOMS_A, BOOK, actor="t").new
    assert index.link(NOMS_A, BOOK_2, actor="t").new
    assert index.link(NOMS_A, I("asn:1101ZD0100000448754K"), actor="t").new
    assert index.link(NOMS_A, I("asn:1101ZD0100000410791W"), actor="t").new
    assert len(index.resolve(NOMS_A).identifiers) == 7


# --- bookings -----------------------------------------------------------------------------------


def test_a_booking_is_a_book_number_and_a_booking_id_linked_to_the_person(
    index: PersonIndex,
) -> None:
    index.apply([Claim(BOOK, BOOKING), Claim(NOMS_A, BOOK)], message_id=uuid.uuid4())
    booking = index.booking(1200835)
    assert booking.resolved
    assert (booking.book_number, booking.noms_number) == (BOOK, NOMS_A)
    assert index.booking(BOOKING) == booking


def test_a_booking_linked_to_one_of_the_two_is_unresolved(index: PersonIndex) -> None:
    index.learn(merged("B2345CD", "A1234BC", 1200835, n=1))  # booking id -> NOMS, no book number
    only_noms = index.booking(1200835)
    assert (only_noms.book_number, only_noms.noms_number) == (None, NOMS_A)
    assert not only_noms.resolved
    index.link(BOOK_2, BOOKING_2, actor="t")  # book number, no NOMS number
    only_book = index.booking(-7)
    assert (only_book.book_number, only_book.noms_number) == (BOOK_2, None)
    assert not only_book.resolved
    assert not index.booking(999).resolved


def test_a_person_has_many_bookings_each_paired_one_to_one(index: PersonIndex) -> None:
    assert index.link(BOOK, BOOKING, actor="t").new
    assert index.link(BOOK_2, BOOKING_2, actor="t").new
    assert index.link(NOMS_A, BOOK, actor="t").new
    assert index.link(NOMS_A, BOOK_2, actor="t").new
    assert index.booking(1200835).book_number == BOOK
    assert index.booking(-7).book_number == BOOK_2
    second_book = index.link(I("book:11111Z"), BOOKING, actor="t")
    assert second_book.conflict is not None
    assert second_book.conflict.code is ConflictCode.BOOKING_PAIR
    (clash,) = second_book.conflict.clashes
    assert (clash.scheme, {clash.a_value, clash.b_value}) == (Scheme.BOOK, {BOOK, I("book:11111Z")})
    second_booking = index.link(BOOK, I("booking:5"), actor="t")
    assert second_booking.conflict is not None
    assert second_booking.conflict.clashes[0].scheme is Scheme.BOOKING
    assert index.booking(1200835).book_number == BOOK


# --- merges -------------------------------------------------------------------------------------


def test_a_merge_joins_two_people_and_the_removed_number_is_former(index: PersonIndex) -> None:
    index.learn(linked("X320741", "B2345CD", "38339A", n=1))  # the record that will be removed
    message = merged("B2345CD", "A1234BC", 1200835, n=2)
    learnt = index.learn(message)
    assert learnt.conflicts == ()
    person = index.resolve(CRN_X)
    assert person.identifiers == (BOOK, BOOKING, CRN_X, NOMS_A, NOMS_B)
    assert person.former == {NOMS_B}
    assert person.current(Scheme.NOMS) == NOMS_A
    (merge,) = [x for x in person.links if x.kind is LinkKind.MERGE]
    assert (merge.a, merge.b, merge.former, merge.message_id) == (
        NOMS_B,
        NOMS_A,
        NOMS_B,
        message.message_id,
    )
    # the former number is no contradiction; a third number is
    assert index.link(NOMS_B, CRN_X, actor="t").conflict is None
    third = index.link(NOMS_C, CRN_X, actor="t").conflict
    assert third is not None
    assert {third.clashes[0].a_value, third.clashes[0].b_value} == {NOMS_A, NOMS_C}


def test_a_merge_that_would_join_two_crns_is_refused_whole(index: PersonIndex) -> None:
    index.link(NOMS_A, CRN_X, actor="t")
    index.link(NOMS_B, CRN_Y, actor="t")
    learnt = index.learn(merged("B2345CD", "A1234BC", 1200835, n=1))
    (conflict,) = learnt.conflicts
    assert conflict.kind is LinkKind.MERGE
    assert [c.scheme for c in conflict.clashes] == [Scheme.CRN]
    assert index.resolve(NOMS_B).former == frozenset()
    assert index.resolve(NOMS_B).identifiers == (CRN_Y, NOMS_B)


def test_merges_in_a_cycle_are_refused(index: PersonIndex) -> None:
    assert index.learn(merged("B2345CD", "A1234BC", 1, n=1)).conflicts == ()
    (conflict,) = index.learn(merged("A1234BC", "B2345CD", 1, n=2)).conflicts
    assert conflict.code is ConflictCode.MERGE_CYCLE
    assert index.resolve(NOMS_A).current(Scheme.NOMS) == NOMS_A


def test_a_chain_of_merges_keeps_the_last_number_current(index: PersonIndex) -> None:
    index.learn(merged("C3456DE", "B2345CD", 1, n=1))
    index.learn(merged("B2345CD", "A1234BC", 1, n=2))
    person = index.resolve(NOMS_C)
    assert person.former == {NOMS_B, NOMS_C}
    assert person.current(Scheme.NOMS) == NOMS_A


# --- retractions --------------------------------------------------------------------------------


def test_a_retraction_splits_the_person_and_keeps_the_history(index: PersonIndex) -> None:
    taught = index.learn(linked("X320741", "A1234BC", "38339A", n=1))
    done = index.retract(NOMS_A, CRN_X, actor="operator", reason="wrong match, ticket 12")
    (link,) = done
    assert link.retraction is not None
    assert (link.retraction.by, link.retraction.reason) == ("operator", "wrong match, ticket 12")
    assert link.message_id == taught.message_id
    assert ids(index, CRN_X) == ["crn:X320741"]
    assert ids(index, NOMS_A) == ["book:38339A", "noms:A1234BC"]
    records = [r for r in index.export() if r["type"] == "link"]
    assert len(records) == 2
    (kept,) = [r for r in records if r["retracted_by"]]
    assert (kept["a"], kept["retraction_reason"]) == ("crn:X320741", "wrong match, ticket 12")
    assert index.retract(NOMS_A, CRN_X, actor="operator", reason="again") == ()
    assert index.retract(NOMS_C, CRN_Y, actor="operator", reason="never linked") == ()


def test_a_retraction_needs_who_and_why(index: PersonIndex) -> None:
    index.link(NOMS_A, CRN_X, actor="t")
    with pytest.raises(ConfigurationError):
        index.retract(NOMS_A, CRN_X, actor="t", reason=" ")
    with pytest.raises(ConfigurationError):
        index.retract(NOMS_A, CRN_X, actor="", reason="why")
    with pytest.raises(ConfigurationError):
        index.link(NOMS_A, PNC, actor="")
    with pytest.raises(ConfigurationError):
        index.link(NOMS_A, PNC, actor="t", merge=True)
    assert ids(index, NOMS_A) == ["crn:X320741", "noms:A1234BC"]


def test_a_retracted_link_is_not_learnt_again_but_can_be_made_by_hand(
    index: PersonIndex,
) -> None:
    index.learn(linked("X320741", "A1234BC", "38339A", n=1))
    (retracted,) = index.retract(NOMS_A, CRN_X, actor="operator", reason="wrong")
    learnt = index.learn(linked("X320741", "A1234BC", "38339A", n=2))
    (conflict,) = learnt.conflicts
    assert (conflict.code, conflict.link) == (ConflictCode.RETRACTED, retracted.id)
    assert ids(index, CRN_X) == ["crn:X320741"]
    remade = index.link(CRN_X, NOMS_A, actor="operator", reason="confirmed after all")
    assert remade.new
    assert ids(index, CRN_X) == ["book:38339A", "crn:X320741", "noms:A1234BC"]


def test_retracting_a_merge_restores_the_number_and_records_what_it_leaves(
    index: PersonIndex,
) -> None:
    index.learn(merged("B2345CD", "A1234BC", 1200835, n=1))
    index.link(NOMS_B, CRN_X, actor="t")
    index.link(NOMS_A, PNC, actor="t")
    index.link(CRN_X, PNC, actor="t")  # a second path between the two numbers
    (link,) = index.retract(NOMS_B, NOMS_A, actor="operator", reason="merge undone in NOMIS")
    assert link.kind is LinkKind.MERGE
    person = index.resolve(NOMS_B)
    assert person.former == frozenset()
    assert {NOMS_A, NOMS_B} <= set(person.identifiers)
    assert person.current(Scheme.NOMS) is None  # two current numbers: never pick one
    (conflict,) = [c for c in index.conflicts() if c.code is ConflictCode.AFTER_RETRACTION]
    assert conflict.link == link.id
    assert conflict.actor == "operator"
    assert {conflict.clashes[0].a_value, conflict.clashes[0].b_value} == {NOMS_A, NOMS_B}


# --- export and import --------------------------------------------------------------------------


def _busy_index(index: PersonIndex) -> None:
    index.learn(linked("X320741", "A1234BC", "38339A", n=1))
    index.learn(linked("Y318842", "A1234BC", "38339A", n=2))  # a conflict
    index.learn(merged("B2345CD", "A1234BC", 1200835, n=3))
    index.link(BOOK, BOOKING, actor="t", reason="from the NOMIS screen")
    index.link(PNC, CRN_Y, actor="t")
    index.retract(PNC, CRN_Y, actor="operator", reason="typo")


def test_export_and_import_round_trip_everything(
    index: PersonIndex, new_url: Callable[[], str]
) -> None:
    _busy_index(index)
    exported = list(index.export())
    kinds = [r["type"] for r in exported]
    assert kinds == ["header"] + ["link"] * 6 + ["conflict"]
    with open_index(new_url()) as copy:
        imported = copy.import_records(exported)
        assert (imported.links, imported.conflicts) == (6, 1)
        assert list(copy.export()) == exported
        for ident in (NOMS_A, NOMS_B, CRN_Y, PNC, BOOKING):
            assert copy.resolve(ident) == index.resolve(ident)
        # the copy goes on working: new links get new ids
        assert copy.link(NOMS_C, I("crn:Z111111"), actor="t").link.id == 7  # type: ignore[union-attr]


def test_an_import_needs_an_empty_index(index: PersonIndex) -> None:
    _busy_index(index)
    with pytest.raises(ConfigurationError):
        index.import_records(list(index.export()))


def test_a_bad_import_names_every_problem_and_writes_nothing(index: PersonIndex) -> None:
    good = {
        "type": "link",
        "id": 1,
        "a": "crn:X320741",
        "b": "noms:A1234BC",
        "kind": "manual",
        "message_id": None,
        "learnt_at": "2025-01-01T00:00:00+00:00",
        "actor": "t",
        "reason": None,
        "retracted_at": None,
        "retracted_by": None,
        "retraction_reason": None,
    }
    records = [
        {"type": "header", "format": "cjx-identity", "version": 1},
        good,
        {**good, "a": "pnc:1979/0163001B"},
        {**good, "id": 3, "a": "noms:A1234B"},
        {**good, "id": 4, "kind": "guess", "actor": None, "colour": "red"},
        {"type": "person"},
    ]
    with pytest.raises(ValidationFailed) as caught:
        index.import_records(records, source="bad.jsonl")
    assert caught.value.report.source == "bad.jsonl"
    assert {(i.code, i.path) for i in caught.value.report.issues} == {
        ("identity.export.duplicate", "/2/id"),
        ("noms.format", "/3/a"),
        ("identity.export.field", "/4/kind"),
        ("identity.export.provenance", "/4/actor"),
        ("identity.export.unknown-field", "/4/colour"),
        ("identity.export.record", "/5/type"),
    }
    assert "A1234B" not in str(caught.value.report.to_text())
    assert index.resolve(CRN_X).identifiers == (CRN_X,)
    assert list(index.export()) == [{"type": "header", "format": "cjx-identity", "version": 1}]


# --- opening ------------------------------------------------------------------------------------


def test_an_index_keeps_what_it_learnt_across_reopening(index_url: str) -> None:
    with open_index(index_url) as index:
        index.link(NOMS_A, CRN_X, actor="t")
    with open_index(index_url, migrate=False) as index:
        assert index.schema_version == SCHEMA_VERSION
        assert ids(index, CRN_X) == ["crn:X320741", "noms:A1234BC"]


def test_an_index_without_a_schema_is_refused_unless_migrating(index_url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"cjx identity migrate|no person index"):
        open_index(index_url, migrate=False)
    with open_index(index_url) as index:
        assert index.schema_version == SCHEMA_VERSION
        assert index.migrate() == SCHEMA_VERSION  # idempotent


def test_an_index_from_a_newer_cjx_is_refused(index: PersonIndex, index_url: str) -> None:
    from cjx.identity._engine import SqlIndex

    assert isinstance(index, SqlIndex)
    index._db.write(
        [],
        lambda tx: tx.run("INSERT INTO identity_schema (version, name) VALUES (?, ?)", (99, "x")),
    )
    with pytest.raises(ConfigurationError, match="schema version 99"):
        open_index(index_url)
