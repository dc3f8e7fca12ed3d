"""Encoding writes the licence as CVL does, and refuses what CVL cannot carry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from tests.golden import fixed_clock

from cjx.codec import decode_json
from cjx.errors import UnknownMessageType, ValidationFailed
from cjx.model import AdditionalCondition, Envelope, Timestamp
from cjx_cvl_licence import adapter

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "tests/fixtures/canonical/licence-record.json"


def _example() -> Envelope[Any]:
    return decode_json(EXAMPLE.read_bytes())


def _with(**update: Any) -> Envelope[Any]:
    envelope = _example()
    body = envelope.body.model_validate({**envelope.body.model_dump(), **update})
    return envelope.model_copy(update={"body": body})


def _with_condition(condition: AdditionalCondition) -> Envelope[Any]:
    envelope = _example()
    ap = envelope.body.conditions.ap
    ap = ap.model_copy(update={"additional": (*ap.additional, condition)})
    conditions = envelope.body.conditions.model_copy(update={"ap": ap})
    return envelope.model_copy(
        update={"body": envelope.body.model_copy(update={"conditions": conditions})}
    )


def test_the_canonical_example_encodes_and_comes_back() -> None:
    """The committed example of licence.licence-record is encodable; decoding the licence
    gives its body and subject back (the header is the reader's: clock and source)."""
    envelope = _example()
    document = json.loads(adapter.encode(envelope))
    assert list(document) == [
        "id",
        "kind",
        "licenceType",
        "policyVersion",
        "version",
        "statusCode",
        "prisonNumber",
        "bookingId",
        "crn",
        "approvedByUsername",
        "approvedDateTime",
        "createdByUsername",
        "createdDateTime",
        "updatedByUsername",
        "updatedDateTime",
        "licenceStartDate",
        "isInPssPeriod",
        "conditions",
    ]
    assert document["approvedDateTime"] == "2023-11-20T10:15:00"
    assert document["conditions"]["AP"]["additional"][1]["restrictions"] == ["CURFEW"]
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    assert (again.body, again.subject) == (envelope.body, envelope.subject)


def test_a_timestamp_at_another_offset_is_written_as_london_wall_clock_time() -> None:
    envelope = _with(
        approved_at=Timestamp.parse("2023-07-01T10:00:00Z"),
        updated_at=Timestamp.parse("2023-12-01T10:00:00.5-05:00"),
    )
    document = json.loads(adapter.encode(envelope))
    assert document["approvedDateTime"] == "2023-07-01T11:00:00"
    assert document["updatedDateTime"] == "2023-12-01T15:00:00.5"


def test_an_approval_day_is_written_at_midnight_as_cvl_writes_it() -> None:
    envelope = _with(approved_at=None, approved_on=dt.date(2022, 11, 30))
    assert json.loads(adapter.encode(envelope))["approvedDateTime"] == "2022-11-30T00:00:00"


@pytest.mark.parametrize(
    ("update", "path"),
    [
        ({"created_at": Timestamp.parse("1800-01-01T12:00:00+00:00")}, "/body/created_at"),
        ({"approved_at": None, "approved_on": dt.date(1800, 1, 1)}, "/body/approved_on"),
    ],
)
def test_a_time_london_cannot_write_is_refused_at_its_canonical_pointer(
    update: dict[str, Any], path: str
) -> None:
    """Before December 1847 London kept local mean time: no whole-minute wall-clock time."""
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(_with(**update))
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("local-datetime.format", path)
    ]


@pytest.mark.parametrize(
    ("condition", "members"),
    [
        (
            AdditionalCondition(
                id=1, category="", type="ELECTRONIC_MONITORING", code="c", text="t"
            ),
            {"restrictions": []},
        ),
        (
            AdditionalCondition(
                id=1, category="", type="SINGLE_UPLOAD", code="c", text="t", has_image_upload=False
            ),
            {"hasImageUpload": False},
        ),
        (AdditionalCondition(id=1, category="", type="STANDARD", code="c", text="t"), {}),
        (AdditionalCondition(id=1, category="", type="NEW_TYPE", code="c", text="t"), {}),
        (
            AdditionalCondition(
                id=1,
                category="",
                type="NEW_TYPE",
                code="c",
                text="t",
                restrictions=("CURFEW",),
                has_image_upload=True,
            ),
            {"restrictions": ["CURFEW"], "hasImageUpload": True},
        ),
    ],
    ids=["em-empty", "upload", "standard", "unknown-bare", "unknown-with-both"],
)
def test_a_condition_is_written_with_the_members_of_its_type(
    condition: AdditionalCondition, members: dict[str, Any]
) -> None:
    document = json.loads(adapter.encode(_with_condition(condition)))
    written = document["conditions"]["AP"]["additional"][-1]
    base = {"category": "", "type": str(condition.type), "id": 1, "code": "c", "text": "t"}
    assert written == {**base, **members}


def test_other_message_types_are_not_encoded() -> None:
    other = decode_json((ROOT / "tests/fixtures/canonical/key-dates-replaced.json").read_bytes())
    with pytest.raises(UnknownMessageType):
        adapter.encode(other)
