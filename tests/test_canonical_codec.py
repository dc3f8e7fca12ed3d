"""Canonical XML and JSON: layout, round trips and how errors are reported (DESIGN.md 2, 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cjx.codec import CANONICAL_NS, decode_json, decode_xml, encode_json, encode_xml, xml_name
from cjx.errors import Issue, ValidationFailed
from cjx.model import Address, Envelope, Result

FIXTURES = Path(__file__).parent / "fixtures" / "canonical"
NS = {"c": CANONICAL_NS}


def xml_of(name: str) -> bytes:
    return (FIXTURES / f"{name}.xml").read_bytes()


def json_of(name: str) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_bytes())
    return obj


def example(name: str = "case-resulted-person") -> Envelope[Any]:
    return decode_json((FIXTURES / f"{name}.json").read_bytes())


def xml_issues(data: bytes) -> list[Issue]:
    with pytest.raises(ValidationFailed) as caught:
        decode_xml(data, source="test.xml")
    assert caught.value.report.source == "test.xml"
    return list(caught.value.report.issues)


def json_issues(obj: Any) -> list[Issue]:
    with pytest.raises(ValidationFailed) as caught:
        decode_json(json.dumps(obj), source="test.json")
    return list(caught.value.report.issues)


def pairs(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(i.code, i.path) for i in issues]


# --- layout ---------------------------------------------------------------------------------


def test_field_names_become_upper_camel_case_elements() -> None:
    """XML element names are the UpperCamelCase of the snake_case field names."""
    assert xml_name("pti_urn") == "PtiUrn"
    assert xml_name("reason_for_bail_conditions_or_custody") == "ReasonForBailConditionsOrCustody"


def test_xml_layout() -> None:
    """The root is Envelope in the canonical namespace; the body is named after its class."""
    root = etree.fromstring(encode_xml(example()))
    assert root.tag == f"{{{CANONICAL_NS}}}Envelope"
    assert root.nsmap == {None: CANONICAL_NS}
    body = root.find("c:Body", NS)
    assert body is not None
    assert [etree.QName(c).localname for c in body] == ["CaseResulted"]
    offences = root.findall("c:Body/c:CaseResulted/c:Offences/c:Offence", NS)
    assert len(offences) == 2
    assert (
        root.findtext("c:Body/c:CaseResulted/c:Offences/c:Offence/c:FinalDisposal", None, NS)
        == "true"
    )
    amounts = root.findall(".//c:Results/c:Result/c:Amount", NS)
    assert [a.text for a in amounts] == ["120.00", "25.50"]


def test_absent_and_empty_values_in_xml() -> None:
    """None is left out, an empty list leaves out its wrapper, empty text is an empty element."""
    root = etree.fromstring(encode_xml(example("case-resulted-organisation")))
    assert root.find("c:CausationId", NS) is None
    offence = root.find("c:Body/c:CaseResulted/c:Offences/c:Offence", NS)
    assert offence is not None
    assert offence.find("c:Title", NS) is None
    wording = offence.find("c:Wording", NS)
    assert wording is not None
    assert wording.text is None  # wording "" is written as <Wording/>
    result = offence.find("c:Results/c:Result", NS)
    assert result is not None
    assert result.find("c:Qualifiers", NS) is None


def test_json_layout() -> None:
    """JSON keys are field names; None values are left out; empty lists are written as []."""
    obj = json.loads(encode_json(example("case-resulted-organisation")))
    assert "causation_id" not in obj
    offence = obj["body"]["offences"][0]
    assert "title" not in offence
    assert offence["wording"] == ""
    assert offence["results"][0]["qualifiers"] == []
    assert obj["occurred_at"] == "2024-06-12T14:15:30Z"


def test_xml_and_json_decode_to_equal_models() -> None:
    """The two forms of a message carry the same model."""
    assert decode_xml(xml_of("prisoner-received")) == decode_json(
        (FIXTURES / "prisoner-received.json").read_bytes()
    )


def test_text_survives_both_forms_verbatim() -> None:
    """Whitespace, carriage returns, markup characters and astral characters are kept."""
    text = " line one\r\nline two\t<&>\"' \U0001f600 "
    env = example()
    offences = list(env.body.offences)
    offences[0] = offences[0].model_copy(update={"wording": text})
    body = env.body.model_copy(update={"offences": tuple(offences)})
    env = env.model_copy(update={"body": body})
    assert decode_xml(encode_xml(env)).body.offences[0].wording == text
    assert decode_json(encode_json(env)).body.offences[0].wording == text


def test_compact_forms_decode_too() -> None:
    """Pretty printing is cosmetic: compact XML and JSON decode to the same model."""
    env = example()
    assert decode_xml(encode_xml(env, pretty=False)) == env
    assert decode_json(encode_json(env, indent=None)) == env


def test_model_defaults_apply_when_optional_elements_are_absent() -> None:
    """A producer may leave out fields with defaults; the model fills them in."""
    xml = xml_of("person-merged").replace(b"<EventVersion>2</EventVersion>", b"")
    xml = xml.replace(b"<Classification>OFFICIAL-SENSITIVE</Classification>", b"")
    env = decode_xml(xml)
    assert env.body.event_version == 1
    assert env.classification == "OFFICIAL-SENSITIVE"
    assert Result().text == ""
    assert Address().lines == ()


# --- error paths and codes ------------------------------------------------------------------

DEF_X = "/Envelope/Body/CaseResulted/Defendant"


def test_xml_identifier_error_has_the_identifier_code_and_xpath() -> None:
    """A bad ASN is ``asn.check-character`` at the Asn element's XPath."""
    xml = xml_of("case-resulted-person").replace(
        b"<Asn>1101ZD0100000448754K", b"<Asn>1101ZD0100000448754L"
    )
    assert pairs(xml_issues(xml)) == [("asn.check-character", f"{DEF_X}/Asn")]


def test_json_identifier_error_has_the_identifier_code_and_pointer() -> None:
    """A bad ASN is ``asn.check-character`` at the JSON pointer of the asn field."""
    obj = json_of("case-resulted-person")
    obj["body"]["defendant"]["asn"] = "1101ZD0100000448754L"
    assert pairs(json_issues(obj)) == [("asn.check-character", "/body/defendant/asn")]


def test_repeated_elements_are_indexed_from_one_in_xpath_and_zero_in_pointers() -> None:
    """The second offence is ``Offence[2]`` in XML and ``/offences/1`` in JSON."""
    xml = xml_of("case-resulted-person").replace(b"<Code>RT88191<", b"<Code>RT-88191<")
    assert pairs(xml_issues(xml)) == [
        ("offence-code.format", "/Envelope/Body/CaseResulted/Offences/Offence[2]/Code")
    ]
    obj = json_of("case-resulted-person")
    obj["body"]["offences"][1]["code"] = "RT-88191"
    assert pairs(json_issues(obj)) == [("offence-code.format", "/body/offences/1/code")]


def test_nested_repeated_elements_have_full_paths() -> None:
    """Errors deep in results name every step: offence, result, field."""
    xml = xml_of("case-resulted-person").replace(b"<Amount>25.50<", b"<Amount>lots<")
    assert pairs(xml_issues(xml)) == [
        (
            "schema.decimal-parsing",
            "/Envelope/Body/CaseResulted/Offences/Offence[1]/Results/Result[2]/Amount",
        )
    ]
    obj = json_of("case-resulted-person")
    obj["body"]["offences"][0]["results"][1]["amount"] = "lots"
    assert pairs(json_issues(obj)) == [
        ("schema.decimal-parsing", "/body/offences/0/results/1/amount")
    ]


def test_every_issue_is_reported_not_only_the_first() -> None:
    """All errors of one message are reported together."""
    xml = (
        xml_of("case-resulted-person")
        .replace(b"<Code>RT88191<", b"<Code>RT-88191<")
        .replace(b"<Gender>MALE", b"<Gender>ROBOT")
        .replace(b"<FamilyName>TESTPERSON</FamilyName>", b"")
    )
    assert pairs(xml_issues(xml)) == [
        ("schema.missing", f"{DEF_X}/Person/FamilyName"),
        ("schema.enum", f"{DEF_X}/Person/Gender"),
        ("offence-code.format", "/Envelope/Body/CaseResulted/Offences/Offence[2]/Code"),
    ]


def test_missing_and_unknown_fields() -> None:
    """A missing field is ``schema.missing``; an unknown one ``schema.extra-forbidden``, its
    name (the sender's, not the schema's) masked like an identifier."""
    xml = xml_of("prisoner-received").replace(
        b"<PrisonId>SWI</PrisonId>", b"<WristbandCode>B-2-014</WristbandCode>"
    )
    assert pairs(xml_issues(xml)) == [
        ("schema.missing", "/Envelope/Body/PrisonerReceived/PrisonId"),
        ("schema.extra-forbidden", "/Envelope/Body/PrisonerReceived/Wr*********de"),
    ]
    obj = json_of("prisoner-received")
    obj["body"]["wristband_code"] = obj["body"].pop("prison_id")
    assert pairs(json_issues(obj)) == [
        ("schema.missing", "/body/prison_id"),
        ("schema.extra-forbidden", "/body/wr**********de"),
    ]


def test_naive_timestamp_is_reported_where_it_is() -> None:
    """A timestamp without offset is ``timestamp.naive`` at its own path."""
    xml = xml_of("prisoner-received").replace(b"+01:00</OccurredAt>", b"</OccurredAt>")
    assert pairs(xml_issues(xml)) == [("timestamp.naive", "/Envelope/OccurredAt")]
    obj = json_of("registration-added")
    obj["body"]["created_at"] = "2024-06-24T15:45:09.123"
    assert pairs(json_issues(obj)) == [("timestamp.naive", "/body/created_at")]


def test_model_invariants_are_canonical_invariant_issues() -> None:
    """Person and organisation together break an invariant: ``canonical.invariant``."""
    obj = json_of("case-resulted-person")
    obj["body"]["defendant"]["organisation"] = {"name": "TESTCORP LIMITED"}
    assert pairs(json_issues(obj)) == [("canonical.invariant", "/body/defendant")]


def test_unknown_message_type() -> None:
    """An unknown message type is ``canonical.unknown-message-type`` at MessageType."""
    xml = xml_of("person-merged").replace(b">identity.person-merged<", b">identity.person-split<")
    assert pairs(xml_issues(xml)) == [("canonical.unknown-message-type", "/Envelope/MessageType")]
    obj = json_of("person-merged")
    del obj["message_type"]
    assert pairs(json_issues(obj)) == [("canonical.unknown-message-type", "/message_type")]


def test_message_type_naming_another_body_is_rejected() -> None:
    """A body element other than the one message_type names is one issue, at the body."""
    xml = xml_of("person-merged").replace(
        b">identity.person-merged<", b">identity.identifiers-linked<"
    )
    issues = xml_issues(xml)
    assert [(i.code, i.path) for i in issues] == [
        ("canonical.body-mismatch", "/Envelope/Body/PersonMerged")
    ]


def test_subject_identifier_errors_use_the_identifier_code() -> None:
    """A subject PNC with a wrong check character is ``pnc.check-character`` in the subject."""
    xml = xml_of("case-resulted-person").replace(b"<Value>1979/0163001B", b"<Value>2004/0012345U")
    (issue,) = xml_issues(xml)
    assert issue.code == "pnc.check-character"
    assert issue.path.startswith("/Envelope/Subject/Identifier[2]")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "xml.empty"),
        (b"<Envelope", "xml.truncated"),
        (b"not xml at all", "xml.not-xml"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "xml.doctype"),
        (b'<Envelope xmlns="urn:other"/>', "canonical.root"),
    ],
)
def test_broken_xml_is_reported_with_xml_codes(data: bytes, code: str) -> None:
    """Unreadable XML fails with an ``xml.*`` code (or ``canonical.root``), never an lxml error."""
    assert [i.code for i in xml_issues(data)] == [code]


def test_schema_location_hints_are_refused() -> None:
    """Canonical XML must not carry xsi:schemaLocation; it is never followed."""
    xml = xml_of("person-merged").replace(
        b'<Envelope xmlns="urn:cjx:canonical:1">',
        b'<Envelope xmlns="urn:cjx:canonical:1" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="urn:cjx:canonical:1 http://example.invalid/x.xsd">',
    )
    assert [i.code for i in xml_issues(xml)] == ["xml.schema-location"]


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"{not json", "json.syntax"), (b"[1, 2]", "json.type"), (b"\xff\xfe{}", "json.encoding")],
)
def test_broken_json_is_reported_with_json_codes(data: bytes, code: str) -> None:
    """Unreadable JSON fails with a ``json.*`` code."""
    with pytest.raises(ValidationFailed) as caught:
        decode_json(data)
    assert caught.value.report.codes == (code,)


# --- no personal data in messages -----------------------------------------------------------

SECRET = "SECRETVALUE9"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("body", "defendant", "asn"), SECRET),
        (("body", "defendant", "pnc_id"), SECRET),
        (("body", "defendant", "person", "family_name"), SECRET * 30),
        (("body", "defendant", "person", "birth_date"), SECRET),
        (("body", "defendant", "person", "gender"), SECRET),
        (("body", "defendant", "address", "postcode"), SECRET * 30),
        (("body", "hearing", "time"), SECRET),
        (("body", "offences", 0, "results", 0, "amount"), SECRET),
        (("body", "offences", 0, "final_disposal"), SECRET),
        (("occurred_at"), SECRET),
        (("subject", 0, "value"), SECRET),
        (("message_id",), SECRET),
    ],
    ids=lambda v: "/".join(map(str, v)) if isinstance(v, tuple) else "value",
)
def test_messages_never_contain_the_offending_value(path: Any, value: str) -> None:
    """Whatever is wrong, the issue messages describe it without quoting the value."""
    obj = json_of("case-resulted-person")
    steps = path if isinstance(path, tuple) else (path,)
    target: Any = obj
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value
    issues = json_issues(obj)
    assert issues
    for issue in issues:
        assert SECRET not in issue.message
        assert SECRET not in issue.path

    root = etree.fromstring(xml_of("case-resulted-person"))
    element = _find_xml(root, steps)
    element.text = value
    issues = xml_issues(etree.tostring(root))
    assert issues
    for issue in issues:
        assert SECRET not in issue.message
        assert SECRET not in issue.path


def _find_xml(root: etree._Element, steps: tuple[Any, ...]) -> etree._Element:
    """The element at a model location, walking wrappers for list indexes."""
    element = root
    for step in steps:
        if isinstance(step, int):
            items = [c for c in element if isinstance(c.tag, str)]
            element = items[step]
        else:
            found = element.find(f"c:{xml_name(step)}", NS)
            assert found is not None, step
            element = found[0] if step == "body" else found  # Body holds the body element
    return element
