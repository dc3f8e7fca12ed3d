"""``index``: the person index learns from the traffic, but not from what rules derived."""

from __future__ import annotations

from tests.identity.envelopes import about, linked

from cjx.identity import Ident, PersonIndex, Scheme
from cjx.rules import get_rule

RULE = get_rule("index")
ENRICH = get_rule("enrich-subject")


def test_a_link_message_teaches_the_index(index: PersonIndex) -> None:
    message = linked("X320741", "A1234BC", "38339A")
    derivation = RULE.derive(message, index)
    assert derivation.envelopes == ()
    assert derivation.report.issues == ()
    person = index.resolve(Ident.parse("noms:A1234BC"))
    assert str(person.current(Scheme.CRN)) == "crn:X320741"
    assert person.taught_by(Ident.parse("crn:X320741")) == (message.message_id,)
    assert RULE.derive(message, index).report.issues == ()  # a redelivery changes nothing


def test_a_refused_link_is_a_warning_with_identifiers_masked(index: PersonIndex) -> None:
    RULE.derive(linked("X320741", "A1234BC", "38339A"), index)
    derivation = RULE.derive(linked("Y318842", "A1234BC", "38339A", n=1), index)
    ((code, message),) = [(i.code, i.message) for i in derivation.report.issues]
    assert code == "identity.conflict.single-valued"
    assert "Y318842" not in message
    assert "A1234BC" not in message
    assert len(index.conflicts()) == 1


def test_what_a_rule_derived_is_not_learnt_back(index: PersonIndex) -> None:
    """An enriched copy names NOMS and CRN together because the index said so: learning it
    back would make the index its own teacher, and re-make a retracted link."""
    teacher = linked("X320741", "A1234BC", "38339A")
    RULE.derive(teacher, index)
    copy, record = ENRICH.derive(about("A1234BC"), index).envelopes
    index.retract(
        Ident.parse("noms:A1234BC"), Ident.parse("crn:X320741"), actor="ops", reason="wrong"
    )
    for derived in (copy, record):
        assert [i.code for i in RULE.derive(derived, index).report.issues] == ["rule.derived-input"]
    assert index.resolve(Ident.parse("noms:A1234BC")).current(Scheme.CRN) is None
    assert index.conflicts() == ()
