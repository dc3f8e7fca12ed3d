"""``licence.licence-record``: the rules the model keeps that neither schema states.

An additional condition's ``type`` chooses its members; an approval before 2023-04-01 is a day
(``approved_on``), later ones a time (``approved_at``); and the contradictions a licence can
hold, which adapters report as warnings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cjx.codec import CANONICAL_NS, decode_json, decode_xml, encode_xml
from cjx.errors import ValidationFailed
from cjx.model import (
    APPROVAL_TIME_RECORDED_FROM,
    AdditionalCondition,
    LicenceRecord,
    Timestamp,
    approval_day,
)
from cjx.validation import (
    CANONICAL_JSON_SCHEMA,
    CANONICAL_XSD,
    json_schema_issues,
    json_validator,
    lxml_schema,
    xsd_issues,
)

EXAMPLE = Path(__file__).parent / "fixtures/canonical/licence-record.json"


def _example() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_bytes())
    return document


def _condition(**members: Any) -> dict[str, Any]:
    return {"id": 9, "category": "", "code": "c0de", "text": "", **members}


def _with_condition(condition: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(obj: dict[str, Any]) -> None:
        obj["body"]["conditions"]["ap"]["additional"].append(condition)

    return mutate


def _setting(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(obj: dict[str, Any]) -> None:
        for name, value in fields.items():
            if value is None:
                obj["body"].pop(name, None)
            else:
                obj["body"][name] = value

    return mutate


INVARIANTS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    (
        "standard-with-restrictions",
        _with_condition(_condition(type="STANDARD", restrictions=["CURFEW"])),
    ),
    (
        "standard-with-image-upload",
        _with_condition(_condition(type="STANDARD", has_image_upload=False)),
    ),
    (
        "electronic-monitoring-with-image-upload",
        _with_condition(_condition(type="ELECTRONIC_MONITORING", has_image_upload=True)),
    ),
    ("upload-without-image-upload", _with_condition(_condition(type="SINGLE_UPLOAD"))),
    (
        "upload-with-restrictions",
        _with_condition(
            _condition(type="MULTIPLE_UPLOADS", has_image_upload=True, restrictions=["CURFEW"])
        ),
    ),
    (
        "approved-at-a-time-and-on-a-day",
        _setting(approved_on="2023-03-01"),
    ),
    (
        "approved-on-a-day-after-times-were-recorded",
        _setting(approved_at=None, approved_on="2023-04-01"),
    ),
    (
        "approved-at-midnight-before-times-were-recorded",
        _setting(approved_at="2023-03-31T00:00:00+01:00"),
    ),
    (
        "approved-at-midnight-in-london-written-at-another-offset",
        _setting(approved_at="2022-06-30T23:00:00Z"),
    ),
]


def _xml_of(obj: dict[str, Any]) -> bytes:
    """The canonical XML of a JSON message the model may reject: the valid example's XML with
    the licence rebuilt from ``obj``'s body (conditions and approval elements)."""
    root = etree.fromstring(encode_xml(decode_json(EXAMPLE.read_bytes())))
    ns = {"c": CANONICAL_NS}
    licence = root.find("c:Body/c:LicenceRecord", ns)
    assert licence is not None
    body = obj["body"]

    def element(tag: str, text: str) -> etree._Element:
        found = etree.Element(f"{{{CANONICAL_NS}}}{tag}")
        found.text = text
        return found

    for tag in ("ApprovedAt", "ApprovedOn"):
        old = licence.find(f"c:{tag}", ns)
        if old is not None:
            licence.remove(old)
    anchor = licence.find("c:CreatedByUsername", ns)
    assert anchor is not None
    for name, tag in (("approved_at", "ApprovedAt"), ("approved_on", "ApprovedOn")):
        if name in body:
            anchor.addprevious(element(tag, body[name]))
    additional = licence.find("c:Conditions/c:Ap/c:Additional", ns)
    assert additional is not None
    extra = body["conditions"]["ap"]["additional"][3:]
    for condition in extra:
        item = etree.SubElement(additional, f"{{{CANONICAL_NS}}}AdditionalCondition")
        for key in ("id", "category", "type", "code", "text"):
            item.append(element(key.capitalize(), str(condition[key])))
        if condition.get("restrictions"):
            wrapper = etree.SubElement(item, f"{{{CANONICAL_NS}}}Restrictions")
            for code in condition["restrictions"]:
                wrapper.append(element("Restriction", code))
        if "has_image_upload" in condition:
            item.append(element("HasImageUpload", str(condition["has_image_upload"]).lower()))
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("name", "mutate"), INVARIANTS, ids=[f"{i}-{n}" for i, (n, _) in enumerate(INVARIANTS)]
)
def test_rules_neither_schema_states_are_left_to_the_model(
    name: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    """Both schemas accept the message (the rule is documented in both); the model rejects it
    as ``canonical.invariant``, in both forms."""
    obj = _example()
    mutate(obj)
    js = json.dumps(obj).encode()
    assert json_schema_issues(json_validator(CANONICAL_JSON_SCHEMA), obj) == []
    with pytest.raises(ValidationFailed) as caught:
        decode_json(js)
    assert caught.value.report.codes == ("canonical.invariant",)
    xml = _xml_of(obj)
    assert xsd_issues(lxml_schema(CANONICAL_XSD), etree.fromstring(xml)) == []
    with pytest.raises(ValidationFailed) as caught:
        decode_xml(xml)
    assert caught.value.report.codes == ("canonical.invariant",)


@pytest.mark.parametrize(
    "condition",
    [
        _condition(type="STANDARD"),
        _condition(type="ELECTRONIC_MONITORING"),
        _condition(type="ELECTRONIC_MONITORING", restrictions=["CURFEW", "NEW_KIND"]),
        _condition(type="MULTIPLE_EXCLUSION_ZONE", has_image_upload=False),
        _condition(type="NEW_CONDITION_TYPE"),
        _condition(type="NEW_CONDITION_TYPE", restrictions=["CURFEW"], has_image_upload=True),
    ],
    ids=lambda c: "-".join(k for k in ("type", "restrictions", "has_image_upload") if k in c),
)
def test_each_type_has_its_members(condition: dict[str, Any]) -> None:
    """A condition with its type's members is valid; a type cjx does not know keeps both."""
    parsed = AdditionalCondition.model_validate(condition)
    assert parsed.model_dump(exclude_none=True, mode="json") == {"restrictions": [], **condition}


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2023-03-31T00:00:00+01:00", dt.date(2023, 3, 31)),
        ("2022-12-25T00:00:00+00:00", dt.date(2022, 12, 25)),
        ("2022-06-30T23:00:00Z", dt.date(2022, 7, 1)),  # London midnight, BST
        ("2023-04-01T00:00:00+01:00", None),  # times are recorded from this day on
        ("2023-03-31T00:00+01:00", None),  # to the minute: not CVL's day-only form
        ("2023-03-31T00:00:00.000+01:00", None),  # a fraction: not the day-only form
        ("2023-03-31T00:00:01+01:00", None),
        ("2023-03-31T00:00:00+00:00", None),  # 01:00 in London
    ],
)
def test_approval_day_is_london_midnight_to_the_second_before_april_2023(
    text: str, day: dt.date | None
) -> None:
    assert approval_day(Timestamp.parse(text, seconds_optional=True)) == day
    assert dt.date(2023, 4, 1) == APPROVAL_TIME_RECORDED_FROM


def _licence(**changes: Any) -> LicenceRecord:
    body = decode_json(EXAMPLE.read_bytes()).body
    assert isinstance(body, LicenceRecord)
    return body.model_copy(update=changes)


def test_the_example_contradicts_nothing() -> None:
    assert _licence().contradictions() == []


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"licence_type": "AP"}, ("conditions", "pss")),
        ({"licence_type": "PSS"}, ("conditions", "ap")),
        ({"licence_type": "AP", "in_pss_period": True}, ("in_pss_period",)),
        ({"approved_by_username": None}, ("approved_by_username",)),
        ({"approved_at": None}, ("approved_by_username",)),
        ({"updated_at": Timestamp.parse("2023-11-13T09:29:59+00:00")}, ("updated_at",)),
        (
            {"approved_at": Timestamp.parse("2023-11-13T09:29+00:00", seconds_optional=True)},
            ("approved_at",),
        ),
        ({"approved_at": None, "approved_on": dt.date(2022, 1, 1)}, ("approved_on",)),
    ],
)
def test_contradictions_are_found_where_they_are(
    changes: dict[str, Any], where: tuple[str, ...]
) -> None:
    """Each contradiction is found at its location (the type rules run on the example's
    non-empty AP and PSS sets)."""
    found = [loc for loc, _ in _licence(**changes).contradictions()]
    assert where in found


def test_an_approval_on_the_day_of_creation_is_not_earlier() -> None:
    """A day-only approval is compared by day with the (London) day of creation."""
    licence = _licence(
        approved_at=None,
        approved_on=dt.date(2022, 7, 1),
        created_at=Timestamp.parse("2022-06-30T23:30:00Z"),  # 00:30 on 1 July in London
        updated_at=None,
    )
    assert licence.contradictions() == []
