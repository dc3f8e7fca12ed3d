"""Golden files and the round-trip laws on every fixture of the ``delius-custody`` adapter.

See ``tests/golden.py`` for the layout; ``CJX_REGENERATE_GOLDEN=1`` rewrites the golden files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.golden import check_golden, check_round_trips, fixtures, name_of, outcome

from cjx.validation import json_validator
from cjx_delius_custody import COMPOSED_SCHEMA, CONVICTION_SCHEMA, adapter
from cjx_delius_custody._format import (
    CONVICTION,
    IDS,
    KEY_DATES,
    LENGTH_UNIT_SPELLINGS,
    LICENCE_CONDITION,
    SENTENCE_STATUS,
    Kind,
    Shape,
)

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FIXTURES = fixtures(GOLDEN)
ACCEPTED = [f for f in FIXTURES if (GOLDEN / f"{name_of(f)}.canonical.json").exists()]


def _fixture(name: str) -> Any:
    return json.loads((HERE / "fixtures" / name).read_bytes())


def _golden(name: str) -> Any:
    return json.loads((GOLDEN / f"{name}.input.json").read_bytes())


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_fixture_behaves_as_its_golden_files_say(fixture: Path) -> None:
    """Each fixture decodes to its golden canonical message and re-encoding, or is rejected
    with exactly its golden issues (codes and paths)."""
    check_golden(adapter, fixture)


def test_golden_outcomes_are_the_designed_ones() -> None:
    """The shared samples are accepted but the OffenderDetail's identifiers (which fail their
    checks); the designed valid documents are accepted; every other is rejected."""
    accepted = {name_of(f) for f in FIXTURES if outcome(adapter, f).accepted}
    assert accepted == {
        "shared.getConviction_X142620-0-custodial",
        "shared.getConviction_X142620-1-community-order",
        "shared.getConviction_X142620-2-adjourned",
        "shared.conviction_X320741_2500295343",
        "shared.X320741-with-licence-conditions-and-sentence-status",
        "composed.X142620-custodial-no-licence-conditions",
        "every-member",
        "explicit-nulls",
        "unknown-members-not-carried",
        "unknown-codes-kept",
        "contradictions-are-warnings",
        "lower-case-identifiers",
        "local-datetime-ambiguous",
        "court-appearance-names-the-person",
    }
    assert len(FIXTURES) - len(accepted) == 19


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_round_trip_laws(fixture: Path) -> None:
    """encode(decode(x)) is x as a JSON value (after the null rule, unknown members left out);
    decode(encode(m)) == m."""
    check_round_trips(adapter, fixture, "delius-custody.unknown-field")


def test_shared_inputs_are_the_samples_payloads() -> None:
    """The shared golden inputs are exactly the documents of the verbatim samples."""
    stub = _fixture("prison-to-probation-update__getConviction_X142620.wiremock.json")
    convictions = stub["response"]["jsonBody"]
    for index, name in enumerate(("0-custodial", "1-community-order", "2-adjourned")):
        assert _golden(f"shared.getConviction_X142620-{name}") == convictions[index]
    single = "court-case-service__GET_conviction_X320741_2500295343.json"
    assert (GOLDEN / "shared.conviction_X320741_2500295343.input.json").read_bytes() == (
        HERE / "fixtures" / single
    ).read_bytes()
    parts = {
        "conviction": _fixture(single),
        "licenceConditions": _fixture("court-case-service__GET_licence_conditions_X320741.json")[
            "licenceConditions"
        ],
        "sentenceStatus": _fixture("court-case-service__GET_sentenceStatus_OnLicence_X320741.json"),
    }
    assert _golden("shared.X320741-with-licence-conditions-and-sentence-status") == parts
    other_ids = _fixture("court-case-service__GET_offender_all_X320741.json")["otherIds"]
    assert _golden("shared.X320741-offender-detail-identifiers") == {
        "otherIds": other_ids,
        **parts,
    }


def test_the_offender_details_identifiers_fail_their_checks() -> None:
    """court-case-service's OffenderDetail carries PNC 2004/0712343H (its check character is
    W) and CRO 123456/04A (R): the record is rejected with those identifiers' codes only."""
    result = outcome(adapter, GOLDEN / "shared.X320741-offender-detail-identifiers.input.json")
    assert not result.accepted
    assert [(i.code, i.path) for i in result.report.errors] == [
        ("pnc.check-character", "/otherIds/pncNumber"),
        ("cro.check-character", "/otherIds/croNumber"),
    ]


def test_every_member_is_carried() -> None:
    """A document holding every member of every object decodes with no issue and re-encodes
    every one of them."""
    data = (GOLDEN / "every-member.input.json").read_bytes()
    translation = adapter.translate(data)
    assert translation.report.issues == ()
    assert json.loads(adapter.encode(translation.envelopes[0])) == json.loads(data)
    document = json.loads(data)
    assert _keys(document["conviction"], CONVICTION) == set()
    assert set(document["otherIds"]) == {m.key for m in IDS.members}
    assert set(document["licenceConditions"][0]) == {m.key for m in LICENCE_CONDITION.members}
    assert set(document["sentenceStatus"]) == {m.key for m in SENTENCE_STATUS.members}


def _keys(document: Any, shape: Shape) -> set[str]:
    """Members of ``shape`` (at any depth) that ``document`` lacks."""
    missing = {m.key for m in shape.members} - set(document)
    for member in shape.members:
        value = document.get(member.key)
        if member.shape is not None and member.kind is Kind.OBJECT and value is not None:
            missing |= {f"{member.key}.{k}" for k in _keys(value, member.shape)}
        if member.shape is not None and member.kind is Kind.LIST and value:
            missing |= {f"{member.key}.{k}" for k in _keys(value[0], member.shape)}
        if member.kind is Kind.KEY_DATES and value is not None:
            missing |= set(KEY_DATES) - set(value)
    return missing


def _schema_members(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/"):
        node = schema["$defs"][ref.removeprefix("#/$defs/")]
    return set(node.get("properties", {}))


@pytest.mark.parametrize(
    ("schema_name", "root", "shape"),
    [
        (CONVICTION_SCHEMA, None, CONVICTION),
        (COMPOSED_SCHEMA, "otherIds", IDS),
        (COMPOSED_SCHEMA, "sentenceStatus", SENTENCE_STATUS),
    ],
)
def test_the_source_schemas_list_exactly_the_members_cjx_carries(
    schema_name: str, root: str | None, shape: Shape
) -> None:
    """Every member of every object is in the hand-written schema, and the schema has no
    member the mapping does not carry (but the second spelling of the length unit)."""
    schema = json_validator(schema_name).schema
    assert isinstance(schema, dict)
    start = schema if root is None else schema["properties"][root]

    def check(node: dict[str, Any], shape: Shape) -> None:
        members = _schema_members(schema, node)
        expected = {m.key for m in shape.members}
        if shape is SENTENCE_STATUS:
            expected |= set(LENGTH_UNIT_SPELLINGS)
        assert members == expected, shape.name
        for member in shape.members:
            child = (node if "properties" in node else schema["$defs"][node["$ref"][8:]])[
                "properties"
            ][member.key]
            if member.kind is Kind.LIST:
                child = child["items"]
            if member.shape is not None:
                check(child, member.shape)
            if member.kind is Kind.KEY_DATES:
                assert _schema_members(schema, child) == set(KEY_DATES)

    check(start, shape)
    if root == "sentenceStatus":
        items = json_validator(COMPOSED_SCHEMA).schema["properties"]["licenceConditions"]
        check(items["items"], LICENCE_CONDITION)
