"""Golden files and the round-trip laws on every fixture of the ``cvl-licence`` adapter.

See ``tests/golden.py`` for the layout; ``CJX_REGENERATE_GOLDEN=1`` rewrites the golden files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.golden import check_golden, check_round_trips, fixtures, name_of, outcome

from cjx.adapter import without_nulls
from cjx.model import AdditionalConditionType, LicenceRecord, Timestamp
from cjx_cvl_licence import adapter

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FIXTURES = fixtures(GOLDEN)
ACCEPTED = [f for f in FIXTURES if (GOLDEN / f"{name_of(f)}.canonical.json").exists()]
SAMPLE = HERE / "fixtures/create-and-vary-a-licence-api__licence-by-id.json"
POLICY = HERE / "fixtures/create-and-vary-a-licence-api__policyV2_1.json"


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_fixture_behaves_as_its_golden_files_say(fixture: Path) -> None:
    """Each fixture decodes to its golden canonical message and re-encoding, or is rejected
    with exactly its golden issues (codes and paths)."""
    check_golden(adapter, fixture)


def test_golden_outcomes_are_the_designed_ones() -> None:
    """The designed valid licences are accepted; CVL's own test licence (a six-character CRN)
    and every other designed input are rejected."""
    accepted = {name_of(f) for f in FIXTURES if outcome(adapter, f).accepted}
    assert accepted == {
        "licence-by-id-with-a-valid-crn",
        "every-member",
        "policy-v2_1-every-condition",
        "explicit-nulls",
        "optional-members-absent",
        "approved-before-april-2023-day-only",
        "approved-before-april-2023-with-a-time",
        "approved-at-midnight-from-april-2023",
        "datetimes-minute-and-fraction-precision",
        "datetime-in-the-autumn-fold",
        "unknown-codes",
        "negative-and-large-ids",
        "unknown-condition-types-kept",
        "unknown-members-not-carried",
        "lower-case-identifiers",
        "contradiction-ap-licence-with-pss-conditions",
        "contradiction-pss-licence-with-ap-conditions",
        "contradiction-pss-period-approval-and-update",
    }
    assert len(FIXTURES) - len(accepted) == 31


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_round_trip_laws(fixture: Path) -> None:
    """encode(decode(x)) is x as a JSON value (after the null rule, unknown members left out);
    decode(encode(m)) == m."""
    check_round_trips(adapter, fixture, "cvl-licence.unknown-field")


def test_the_shared_licence_is_rejected_for_its_crn_alone() -> None:
    """CVL's test licence is the golden input byte for byte; its only issue is the CRN, and
    with a seven-character CRN it is accepted unchanged in every other member."""
    data = SAMPLE.read_bytes()
    assert (GOLDEN / "shared.licence-by-id.input.json").read_bytes() == data
    assert [(i.code, i.path) for i in adapter.validate(data).issues] == [("crn.format", "/crn")]
    fixed = json.loads((GOLDEN / "licence-by-id-with-a-valid-crn.input.json").read_bytes())
    assert {**json.loads(data), "crn": "X123456"} == fixed


def test_the_catalogue_licence_carries_every_condition_of_policy_v2_1() -> None:
    """Every code and text of the V2_1 catalogue, mixed-case UUIDs and placeholders included,
    is in the canonical licence exactly as CVL's policy writes it."""
    policy = json.loads(POLICY.read_bytes())
    (envelope,) = adapter.decode((GOLDEN / "policy-v2_1-every-condition.input.json").read_bytes())
    conditions = envelope.body.conditions
    for key, held in (("AP", conditions.ap), ("PSS", conditions.pss)):
        for name in ("standard", "additional"):
            expected = [(c["code"], c["text"]) for c in policy["conditions"][key][name]]
            assert [(c.code, c.text) for c in getattr(held, name)] == expected
    assert (len(conditions.ap.standard), len(conditions.ap.additional)) == (9, 51)
    assert (len(conditions.pss.standard), len(conditions.pss.additional)) == (8, 2)
    assert "78A5F860-4791-48F2-B707-D6D4413850EE" in {c.code for c in conditions.ap.standard}


def test_every_member_is_carried() -> None:
    """A licence with every member, every condition type and every restriction decodes with
    no issue and re-encodes as it came."""
    data = (GOLDEN / "every-member.input.json").read_bytes()
    translation = adapter.translate(data)
    assert translation.report.issues == ()
    assert json.loads(adapter.encode(translation.envelopes[0])) == json.loads(data)
    body = translation.envelopes[0].body
    assert {str(c.type) for c in body.conditions.ap.additional} == set(AdditionalConditionType)
    assert len(body.conditions.ap.additional[1].restrictions) == 7


def test_an_approval_without_a_time_is_a_day() -> None:
    """Before 2023-04-01 CVL writes an approval as the day at 00:00:00: it is the day of
    approval, not midnight; written back exactly as CVL wrote it."""
    data = (GOLDEN / "approved-before-april-2023-day-only.input.json").read_bytes()
    translation = adapter.translate(data)
    body = translation.envelopes[0].body
    assert isinstance(body, LicenceRecord)
    assert (body.approved_on, body.approved_at) == (dt.date(2023, 3, 31), None)
    assert translation.report.codes == ("cvl-licence.approval-day-only",)
    assert json.loads(adapter.encode(translation.envelopes[0]))["approvedDateTime"] == (
        "2023-03-31T00:00:00"
    )
    for name, text in (
        ("approved-before-april-2023-with-a-time", "2022-09-30T14:03:00+01:00"),
        ("approved-at-midnight-from-april-2023", "2023-04-01T00:00:00+01:00"),
    ):
        (envelope,) = adapter.decode((GOLDEN / f"{name}.input.json").read_bytes())
        assert envelope.body.approved_on is None
        assert envelope.body.approved_at == Timestamp.parse(text)


def test_precision_and_offset_of_local_datetimes() -> None:
    """Local date-times become Europe/London timestamps at the offset of the day, with the
    source's precision, and are written back as the same text."""
    data = (GOLDEN / "datetimes-minute-and-fraction-precision.input.json").read_bytes()
    (envelope,) = adapter.decode(data)
    assert envelope.body.created_at.isoformat() == "2022-07-27T15:00+01:00"
    assert envelope.body.updated_at.isoformat() == "2022-07-28T09:05:07.123456+01:00"
    written = json.loads(adapter.encode(envelope))
    assert (written["createdDateTime"], written["updatedDateTime"]) == (
        "2022-07-27T15:00",
        "2022-07-28T09:05:07.123456",
    )


def test_a_condition_of_an_unknown_type_is_kept_whole() -> None:
    """A new condition type is a warning naming the field, and the condition keeps its code,
    text, restrictions (an unknown one too) and image upload flag."""
    data = (GOLDEN / "unknown-condition-types-kept.input.json").read_bytes()
    translation = adapter.translate(data)
    assert sorted((i.severity.value, i.code, i.path) for i in translation.report.issues) == [
        ("warning", "cvl-licence.unknown-code", "/conditions/AP/additional/6/restrictions/1"),
        ("warning", "cvl-licence.unknown-code", "/conditions/AP/additional/6/type"),
        ("warning", "cvl-licence.unknown-code", "/conditions/AP/additional/7/type"),
    ]
    source = json.loads(data)["conditions"]["AP"]["additional"]
    written = json.loads(adapter.encode(translation.envelopes[0]))["conditions"]["AP"]
    assert written["additional"] == source


def test_nulls_and_absent_members_decode_alike() -> None:
    (with_nulls,) = adapter.decode((GOLDEN / "explicit-nulls.input.json").read_bytes())
    (absent,) = adapter.decode((GOLDEN / "optional-members-absent.input.json").read_bytes())
    assert with_nulls.body == absent.body
    assert without_nulls(json.loads(adapter.encode(with_nulls))) == json.loads(
        (GOLDEN / "optional-members-absent.input.json").read_bytes()
    )
