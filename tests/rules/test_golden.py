"""Every rule case in ``tests/rules/golden`` gives its golden outputs and issues."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.rules.golden import cases, check_golden, index_for

from cjx.codec import decode_json
from cjx.errors import Severity
from cjx.rules import get_rule, rule_message_id
from cjx.validation import canonical_gate

RULES = ("release-dates-to-key-dates", "enrich-subject", "index")


def _cases() -> list[object]:
    return [
        pytest.param(rule, case, id=f"{rule}/{case.name}") for rule in RULES for case in cases(rule)
    ]


def test_every_rule_has_golden_cases() -> None:
    assert all(cases(rule) for rule in RULES)


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_golden(rule: str, case: Path) -> None:
    envelopes, report = check_golden(get_rule(rule), case)
    source = decode_json(case.read_bytes())
    for position, envelope in enumerate(envelopes):
        # every output passes the canonical XSD, and carries the rule's header
        assert canonical_gate(envelope)[1] == []
        assert envelope.causation_id == source.message_id
        assert envelope.message_id == rule_message_id(rule, source.message_id, position)
        assert (envelope.source.system, envelope.source.format) == ("cjx", f"rule.{rule}")
        assert envelope.occurred_at == source.occurred_at
    # a report names no whole identifier of the input's subject
    for issue in report.issues:
        for subject in source.subject:
            if len(subject.value) > 5:
                assert subject.value not in issue.message
    if report.errors:
        assert [i.code for i in report.errors] == ["identity.unresolved"]
        assert not envelopes


def test_redelivery_gives_the_same_outputs() -> None:
    """The same input and index give the same messages, ids included (de-duplicated downstream)."""
    rule = get_rule("enrich-subject")
    (case,) = [c for c in cases("enrich-subject") if c.name.startswith("release-gains-crn.")]
    envelope = decode_json(case.read_bytes())
    with index_for(case) as index:
        first = rule.derive(envelope, index)
        again = rule.derive(envelope, index)
    assert [e.message_id for e in first.envelopes] == [e.message_id for e in again.envelopes]
    assert [e.body for e in first.envelopes] == [e.body for e in again.envelopes]
    assert all(i.severity is not Severity.ERROR for i in first.report.issues)
