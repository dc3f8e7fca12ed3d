"""``enrich-subject``: what is added, with what provenance, and when nothing is made."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden import fixed_clock
from tests.identity.envelopes import about, linked, merged
from tests.strategies import crn_texts, noms_texts

from cjx.errors import IdentityUnresolved
from cjx.identity import Ident, PersonIndex, open_index
from cjx.model import SubjectEnriched, SubjectId, SubjectScheme
from cjx.rules import EnrichSubject, get_rule, is_derived, rule_message_id
from cjx.validation import canonical_gate

RULE = get_rule("enrich-subject")


def subject(*pairs: tuple[str, str]) -> tuple[SubjectId, ...]:
    return tuple(SubjectId(scheme=SubjectScheme(s), value=v) for s, v in pairs)


def test_a_release_named_by_noms_number_gains_the_crn(index: PersonIndex) -> None:
    teacher = linked("X320741", "A1234BC", "38339A")
    index.learn(teacher)
    release = about("A1234BC")
    derivation = RULE.derive(release, index, clock=fixed_clock)
    copy, record = derivation.envelopes
    assert derivation.report.issues == ()
    # the copy: the same message type and body, the subject extended at its end
    assert (copy.message_type, copy.body) == (release.message_type, release.body)
    assert copy.subject == (*release.subject, *subject(("CRN", "X320741")))
    # the record: which identifier, found from which, taught by which message
    assert isinstance(record.body, SubjectEnriched)
    assert record.body.enriched_message_id == copy.message_id
    (added,) = record.body.added
    assert added.identifier == SubjectId(scheme=SubjectScheme.CRN, value="X320741")
    assert added.resolved_from == release.subject[0]
    assert added.taught_by == (teacher.message_id,)
    assert added.manual is False
    for n, out in enumerate((copy, record)):
        assert out.causation_id == release.message_id
        assert out.message_id == rule_message_id("enrich-subject", release.message_id, n)
        assert is_derived(out)
        assert canonical_gate(out)[1] == []


def test_a_link_made_by_hand_is_marked_manual(index: PersonIndex) -> None:
    index.link(Ident.parse("noms:A1234BC"), Ident.parse("crn:X320741"), actor="ops")
    _, record = RULE.derive(about("A1234BC"), index).envelopes
    (added,) = record.body.added
    assert (added.taught_by, added.manual) == ((), True)


def test_several_links_on_the_way_each_name_their_teacher(index: PersonIndex) -> None:
    """booking -> NOMS (a merge message) -> CRN (a link message): both teachers, nearest first."""
    merge = merged("A1111AA", "A1234BC", 1200835)
    teacher = linked("X320741", "A1234BC", "38339A")
    index.learn(merge)
    index.learn(teacher)
    release = about("A1234BC").model_copy(update={"subject": subject(("BOOKING", "1200835"))})
    _, record = RULE.derive(release, index).envelopes
    by_scheme = {a.identifier.scheme: a for a in record.body.added}
    assert set(by_scheme) == {SubjectScheme.NOMS, SubjectScheme.CRN}
    assert by_scheme[SubjectScheme.NOMS].identifier.value == "A1234BC"  # the current one
    assert by_scheme[SubjectScheme.CRN].taught_by == (merge.message_id, teacher.message_id)


def test_nothing_known_makes_nothing(index: PersonIndex) -> None:
    derivation = RULE.derive(about("A1234BC"), index)
    assert derivation.envelopes == ()
    assert [i.code for i in derivation.report.issues] == ["enrich-subject.nothing-known"]


def test_a_scheme_the_subject_names_is_left_alone(index: PersonIndex) -> None:
    """A message naming a former NOMS number keeps it: the current one is not added beside it."""
    index.learn(linked("X320741", "A1234BC", "38339A"))
    index.link(Ident.parse("noms:A1111AA"), Ident.parse("noms:A1234BC"), actor="t", merge=True)
    copy, _ = RULE.derive(about("A1111AA"), index).envelopes
    nomses = [s.value for s in copy.subject if s.scheme is SubjectScheme.NOMS]
    assert nomses == ["A1111AA"]
    assert SubjectId(scheme=SubjectScheme.CRN, value="X320741") in copy.subject


def test_asns_and_booking_ids_are_never_added(index: PersonIndex) -> None:
    index.link(Ident.parse("noms:A1234BC"), Ident.parse("booking:1200835"), actor="t")
    index.link(Ident.parse("noms:A1234BC"), Ident.parse("asn:1101ZD0100000448754K"), actor="t")
    assert RULE.derive(about("A1234BC"), index).envelopes == ()


def test_own_outputs_are_never_enriched_again(index: PersonIndex) -> None:
    """Fed back its outputs (a service subscribed to everything), the rule makes nothing."""
    index.learn(linked("X320741", "A1234BC", "38339A"))
    index.link(Ident.parse("noms:A1234BC"), Ident.parse("pnc:1979/0163001B"), actor="t")
    for out in RULE.derive(about("A1234BC"), index).envelopes:
        if out.message_type in RULE.consumes:
            again = RULE.derive(out, index)
            assert again.envelopes == ()
            assert [i.code for i in again.report.issues] == ["rule.derived-input"]
    assert SubjectEnriched.message_type not in RULE.consumes


def test_required_scheme_unknown_waits_with_the_identifier_masked(index: PersonIndex) -> None:
    rule = EnrichSubject(requires=[SubjectScheme.CRN])
    with pytest.raises(IdentityUnresolved) as caught:
        rule.derive(about("A1234BC"), index)
    ((code, path),) = [(i.code, i.path) for i in caught.value.report.issues]
    assert (code, path) == ("identity.unresolved", "/subject")
    assert "noms:A1***BC" in str(caught.value)
    assert "A1234BC" not in str(caught.value)
    index.learn(linked("X320741", "A1234BC", "38339A"))
    assert len(rule.derive(about("A1234BC"), index).envelopes) == 2


@settings(max_examples=40, deadline=None)
@given(noms=noms_texts, crn=crn_texts, known=st.booleans())
def test_added_is_exactly_what_the_index_knows(noms: str, crn: str, known: bool) -> None:
    """Nothing is invented: the CRN is added iff the index links it, and then it alone."""
    with open_index("sqlite:///:memory:") as index:
        if known:
            index.learn(linked(crn, noms, "38339A"))
        derivation = RULE.derive(about(noms), index, clock=fixed_clock)
    if not known:
        assert derivation.envelopes == ()
        return
    copy, record = derivation.envelopes
    added: list[Any] = [a.identifier for a in record.body.added]
    assert added == [SubjectId(scheme=SubjectScheme.CRN, value=crn)]
    assert copy.subject[-1] == added[0]
