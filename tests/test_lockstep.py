"""The model, the hand-written XSD and the generated JSON Schema agree (DESIGN.md section 5).

Lockstep means: both schemas accept every message the model produces, both reject every
structural violation they can express, XML and JSON forms of one message decode to equal
models, and the committed JSON Schema is exactly what the generator writes today.
"""

from __future__ import annotations

import importlib.util
import json
import types
import typing
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from lxml import etree
from pydantic import BaseModel
from tests.strategies import envelopes

from cjx import schema_export
from cjx._resources import schema_file
from cjx.codec import CANONICAL_NS, decode_json, decode_xml, encode_json, encode_xml, xml_name
from cjx.errors import ValidationFailed
from cjx.model import (
    BODY_TYPES,
    CODE_PATTERN,
    EXTENSION_NS,
    OPEN_CODE_LISTS,
    TIMESTAMP_PATTERN,
    WALL_CLOCK_TIMESTAMP_PATTERN,
    AddedIdentifier,
    AdditionalCondition,
    AdditionalSentence,
    Address,
    AlcoholLevel,
    ApConditions,
    BespokeCondition,
    BodyPartDetail,
    BookingStatus,
    CaseResulted,
    CodedValue,
    ContactDetails,
    ConvictedOffence,
    Conviction,
    CourtCase,
    CurrentIncentive,
    CustodialStatusValue,
    CustodyKeyDates,
    CustodyRecord,
    Defendant,
    DeliusCode,
    DeliusCourt,
    DeliusCourtAppearance,
    DeliusCustody,
    DeliusInstitution,
    DeliusLicenceCondition,
    DeliusLicenceConditions,
    DeliusOffence,
    DeliusOffenceDetail,
    DeliusOrderManager,
    DeliusSentence,
    DeliusSentenceStatus,
    Duration,
    Envelope,
    Hearing,
    Identifier,
    IdentifiersLinked,
    IncentiveLevel,
    KeyDate,
    KeyDatesReplaced,
    LicenceConditions,
    LicenceRecord,
    NextHearing,
    Offence,
    Organisation,
    Person,
    PersonalCareNeed,
    PersonalDetails,
    PersonMerged,
    PhysicalDetails,
    PrisonerAddress,
    PrisonerAlert,
    PrisonerAlias,
    PrisonerEmailAddress,
    PrisonerIdentifiers,
    PrisonerLanguage,
    PrisonerLocation,
    PrisonerPhoneNumber,
    PrisonerReceived,
    PrisonerRecord,
    PrisonerReleased,
    PrisonerSentence,
    PrisonerStatus,
    PssConditions,
    RecordedIdentifier,
    RegistrationAdded,
    ReleaseDates,
    RestrictedPatient,
    Result,
    SentenceDate,
    SentenceDates,
    SentenceDatesChanged,
    Source,
    StandardCondition,
    SubjectEnriched,
    SubjectId,
    UnpaidWork,
    UnpaidWorkAppointments,
    WrittenPnc,
    XmlItem,
    _codes,
    extension_fields,
    extension_types,
)
from cjx.validation import (
    CANONICAL_JSON_SCHEMA,
    CANONICAL_XSD,
    json_schema_issues,
    json_validator,
    lxml_schema,
    xmlschema_issues,
    xmlschema_schema,
    xsd_issues,
)

FIXTURES = Path(__file__).parent / "fixtures" / "canonical"
XS = "http://www.w3.org/2001/XMLSchema"
NS = {"xs": XS, "c": CANONICAL_NS}

#: Every model class written as an XSD complex type ``<ClassName>Type``.
MODEL_CLASSES: tuple[type[BaseModel], ...] = (
    Envelope,
    Source,
    SubjectId,
    CaseResulted,
    Hearing,
    CourtCase,
    Defendant,
    Person,
    Organisation,
    Address,
    Offence,
    AlcoholLevel,
    Result,
    Duration,
    NextHearing,
    PrisonerReceived,
    PrisonerReleased,
    SentenceDatesChanged,
    PersonMerged,
    IdentifiersLinked,
    RegistrationAdded,
    CodedValue,
    # 1.1
    ReleaseDates,
    SentenceDates,
    SentenceDate,
    KeyDatesReplaced,
    KeyDate,
    LicenceRecord,
    LicenceConditions,
    ApConditions,
    PssConditions,
    StandardCondition,
    AdditionalCondition,
    BespokeCondition,
    PrisonerRecord,
    PrisonerIdentifiers,
    WrittenPnc,
    RecordedIdentifier,
    PersonalDetails,
    PrisonerAlias,
    PersonalCareNeed,
    PrisonerLanguage,
    PrisonerAlert,
    PrisonerStatus,
    BookingStatus,
    PrisonerLocation,
    PrisonerSentence,
    ConvictedOffence,
    RestrictedPatient,
    CurrentIncentive,
    IncentiveLevel,
    PhysicalDetails,
    BodyPartDetail,
    ContactDetails,
    PrisonerAddress,
    PrisonerPhoneNumber,
    PrisonerEmailAddress,
    CustodyRecord,
    Conviction,
    DeliusCode,
    CustodialStatusValue,
    DeliusOffence,
    DeliusOffenceDetail,
    DeliusSentence,
    UnpaidWork,
    UnpaidWorkAppointments,
    AdditionalSentence,
    DeliusCustody,
    DeliusInstitution,
    CustodyKeyDates,
    DeliusCourt,
    DeliusCourtAppearance,
    DeliusOrderManager,
    DeliusLicenceConditions,
    DeliusLicenceCondition,
    DeliusSentenceStatus,
    SubjectEnriched,
    AddedIdentifier,
)

#: Models whose XSD type is a choice of sequences that repeat element names (at least one of
#: several optional fields): their particles are compared by first occurrence.
CHOICE_MODELS: tuple[type[BaseModel], ...] = (SentenceDate,)


def _load_make_examples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_examples", FIXTURES / "make_examples.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xml_ok(data: bytes) -> list[Any]:
    root = etree.fromstring(data)
    return xsd_issues(lxml_schema(CANONICAL_XSD), root)


def _xmlschema_ok(data: bytes) -> list[Any]:
    return xmlschema_issues(xmlschema_schema(CANONICAL_XSD), etree.fromstring(data))


def _json_ok(data: bytes) -> list[Any]:
    return json_schema_issues(json_validator(CANONICAL_JSON_SCHEMA), json.loads(data))


# --- (a) property-based round trips ---------------------------------------------------------


@given(envelopes())
def test_xml_round_trip_is_identity_and_valid_under_the_xsd(envelope: Envelope[Any]) -> None:
    """Every model message encodes to XML the XSD accepts and decodes back to an equal model."""
    data = encode_xml(envelope)
    assert _xml_ok(data) == []
    assert decode_xml(data) == envelope


@given(envelopes())
def test_json_round_trip_is_identity_and_valid_under_the_json_schema(
    envelope: Envelope[Any],
) -> None:
    """Every model message encodes to JSON the JSON Schema accepts and decodes back equal."""
    data = encode_json(envelope)
    assert _json_ok(data) == []
    assert decode_json(data) == envelope


@settings(max_examples=20)
@given(envelopes())
def test_xml_and_json_forms_agree_and_xmlschema_cross_checks(envelope: Envelope[Any]) -> None:
    """Both forms of one message decode to the same model; xmlschema agrees with lxml."""
    xml, js = encode_xml(envelope), encode_json(envelope)
    assert _xmlschema_ok(xml) == []
    assert decode_xml(xml) == decode_json(js)


# --- (b) committed examples -----------------------------------------------------------------


def _example_names() -> list[str]:
    return sorted({p.stem for p in FIXTURES.iterdir() if p.suffix in (".xml", ".json")})


def test_examples_cover_every_message_type() -> None:
    """There is at least one committed example of every message type, in both forms."""
    types = {
        decode_json((FIXTURES / f"{n}.json").read_bytes()).message_type for n in _example_names()
    }
    assert types == set(BODY_TYPES)


def test_examples_are_what_the_generator_writes() -> None:
    """The committed examples are exactly what ``make_examples.py`` writes (no hand edits)."""
    assert _load_make_examples().drift(FIXTURES) == []


@pytest.mark.parametrize("name", _example_names())
def test_example_is_valid_in_both_forms_and_both_decode_equal(name: str) -> None:
    """Each example exists as XML and JSON, validates with lxml, xmlschema and jsonschema."""
    xml_path, json_path = FIXTURES / f"{name}.xml", FIXTURES / f"{name}.json"
    assert xml_path.is_file(), f"{name}.xml is missing"
    assert json_path.is_file(), f"{name}.json is missing"
    xml, js = xml_path.read_bytes(), json_path.read_bytes()
    assert _xml_ok(xml) == []
    assert _xmlschema_ok(xml) == []
    assert _json_ok(js) == []
    assert decode_xml(xml, source=name) == decode_json(js, source=name)


# --- (c) structural violations are rejected by both schemas --------------------------------

XmlMutation = Callable[[etree._Element], None]
JsonMutation = Callable[[dict[str, Any]], None]


def _find(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def _remove(path: str) -> XmlMutation:
    def mutate(root: etree._Element) -> None:
        element = _find(root, path)
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)

    return mutate


def _set_text(path: str, text: str) -> XmlMutation:
    def mutate(root: etree._Element) -> None:
        _find(root, path).text = text

    return mutate


def _append(path: str, tag: str, text: str) -> XmlMutation:
    def mutate(root: etree._Element) -> None:
        etree.SubElement(_find(root, path), f"{{{CANONICAL_NS}}}{tag}").text = text

    return mutate


def _json_at(root: dict[str, Any], path: str) -> tuple[Any, str]:
    *parents, last = path.split("/")
    obj: Any = root
    for part in parents:
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj, last


def _json_del(path: str) -> JsonMutation:
    def mutate(obj: dict[str, Any]) -> None:
        parent, key = _json_at(obj, path)
        del parent[key]

    return mutate


def _json_set(path: str, value: Any) -> JsonMutation:
    def mutate(obj: dict[str, Any]) -> None:
        parent, key = _json_at(obj, path)
        if isinstance(parent, list):
            parent[int(key)] = value
        else:
            parent[key] = value

    return mutate


def _both(*mutations: Callable[[Any], None]) -> Callable[[Any], None]:
    def mutate(target: Any) -> None:
        for m in mutations:
            m(target)

    return mutate


CR = "c:Body/c:CaseResulted"
RD = "c:Body/c:ReleaseDates/c:Dates"
KDR = "c:Body/c:KeyDatesReplaced"
LR = "c:Body/c:LicenceRecord"
LR_AP = f"{LR}/c:Conditions/c:Ap"
PR = "c:Body/c:PrisonerRecord"
CRB = "c:Body/c:CustodyRecord"
OFFD = f"{CRB}/c:Conviction/c:Offences/c:Offence/c:Detail"
SE = "c:Body/c:SubjectEnriched"
DEF = f"{CR}/c:Defendant"
OFF1 = f"{CR}/c:Offences/c:Offence"

#: (name, example, XML mutation, JSON mutation, a value that must not appear in any message)
VIOLATIONS: list[tuple[str, str, XmlMutation, JsonMutation, str | None]] = [
    (
        "missing-required-asn",
        "case-resulted-person",
        _remove(f"{DEF}/c:Asn"),
        _json_del("body/defendant/asn"),
        None,
    ),
    (
        "missing-required-header",
        "prisoner-received",
        _remove("c:OccurredAt"),
        _json_del("occurred_at"),
        None,
    ),
    (
        "missing-body",
        "person-merged",
        _remove("c:Body"),
        _json_del("body"),
        None,
    ),
    (
        "unknown-element",
        "case-resulted-person",
        _append(f"{DEF}/c:Person", "Nickname", "SECRETNICK"),
        _json_set("body/defendant/person/nickname", "SECRETNICK"),
        "SECRETNICK",
    ),
    (
        "unknown-header-element",
        "identifiers-linked",
        _append(".", "Priority", "HIGH"),
        _json_set("priority", "HIGH"),
        None,
    ),
    (
        "wrong-enum",
        "case-resulted-person",
        _set_text(f"{DEF}/c:Person/c:Gender", "SECRETGENDER"),
        _json_set("body/defendant/person/gender", "SECRETGENDER"),
        "SECRETGENDER",
    ),
    (
        "wrong-enum-in-event",
        "prisoner-released",
        _set_text("c:Body/c:PrisonerReleased/c:Reason", "ESCAPED"),
        _json_set("body/reason", "ESCAPED"),
        "ESCAPED",
    ),
    (
        "bad-asn-pattern",
        "case-resulted-person",
        _set_text(f"{DEF}/c:Asn", "BROKEN_ASN"),
        _json_set("body/defendant/asn", "BROKEN_ASN"),
        "BROKEN_ASN",
    ),
    (
        "bad-noms-pattern",
        "sentence-dates-changed",
        _set_text("c:Body/c:SentenceDatesChanged/c:NomsNumber", "Q12Z"),
        _json_set("body/noms_number", "Q12Z"),
        "Q12Z",
    ),
    (
        "lower-case-crn",
        "registration-added",
        _set_text("c:Body/c:RegistrationAdded/c:Crn", "x757129"),
        _json_set("body/crn", "x757129"),
        "x757129",
    ),
    (
        "non-canonical-pnc",
        "case-resulted-person",
        _set_text(f"{DEF}/c:PncId", "79/163001B"),
        _json_set("body/defendant/pnc_id", "79/163001B"),
        None,
    ),
    (
        "naive-timestamp",
        "prisoner-received",
        _set_text("c:OccurredAt", "2024-06-11T17:36:56"),
        _json_set("occurred_at", "2024-06-11T17:36:56"),
        None,
    ),
    (
        "unknown-message-type",
        "person-merged",
        _set_text("c:MessageType", "identity.person-split"),
        _json_set("message_type", "identity.person-split"),
        None,
    ),
    (
        "unsupported-major-version",
        "person-merged",
        _set_text("c:SchemaVersion", "2.0"),
        _json_set("schema_version", "2.0"),
        None,
    ),
    (
        "bad-uuid",
        "person-merged",
        _set_text("c:MessageId", "not-a-uuid"),
        _json_set("message_id", "not-a-uuid"),
        None,
    ),
    (
        "both-person-and-organisation",
        "case-resulted-person",
        lambda root: _find(root, f"{DEF}/c:Person").addnext(
            etree.fromstring(
                f'<Organisation xmlns="{CANONICAL_NS}"><Name>TESTCORP LIMITED</Name></Organisation>'
            )
        ),
        _json_set("body/defendant/organisation", {"name": "TESTCORP LIMITED"}),
        None,
    ),
    (
        "neither-person-nor-organisation",
        "case-resulted-organisation",
        _remove(f"{DEF}/c:Organisation"),
        _json_del("body/defendant/organisation"),
        None,
    ),
    (
        "address-lines-and-structured-fields",
        "case-resulted-organisation",
        _append(f"{DEF}/c:Address", "Postcode", "ZZ99 9ZZ"),
        _json_set("body/defendant/address/postcode", "ZZ99 9ZZ"),
        None,
    ),
    (
        "out-of-range-integer",
        "case-resulted-person",
        _set_text(f"{OFF1}/c:Results/c:Result/c:Code", "999"),
        _json_set("body/offences/0/results/0/code", 999),
        None,
    ),
    (
        "too-many-fraction-digits",
        "case-resulted-person",
        _set_text(f"{OFF1}/c:Results/c:Result/c:Amount", "120.001"),
        _json_set("body/offences/0/results/0/amount", "120.001"),
        None,
    ),
    (
        "too-many-given-names",
        "case-resulted-person",
        _both(
            _append(f"{DEF}/c:Person/c:GivenNames", "GivenName", "CHARLIE"),
            _append(f"{DEF}/c:Person/c:GivenNames", "GivenName", "DELTA"),
        ),
        _json_set("body/defendant/person/given_names", ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]),
        None,
    ),
    (
        "empty-required-short-text",
        "case-resulted-person",
        _set_text(f"{DEF}/c:Person/c:FamilyName", ""),
        _json_set("body/defendant/person/family_name", ""),
        None,
    ),
    (
        "invalid-date",
        "case-resulted-person",
        _set_text(f"{OFF1}/c:StartDate", "01/05/2024"),
        _json_set("body/offences/0/start_date", "01/05/2024"),
        None,
    ),
    (
        "time-offset-over-14h",
        "case-resulted-organisation",
        _set_text(f"{CR}/c:Hearing/c:Time", "14:15:30+15:00"),
        _json_set("body/hearing/time", "14:15:30+15:00"),
        None,
    ),
    (
        "invalid-month",
        "case-resulted-organisation",
        _set_text(f"{CR}/c:Hearing/c:Date", "2024-13-01"),
        _json_set("body/hearing/date", "2024-13-01"),
        None,
    ),
    (
        "boolean-as-digit",
        "case-resulted-person",
        _set_text(f"{OFF1}/c:FinalDisposal", "1"),
        _json_set("body/offences/0/final_disposal", 1),
        None,
    ),
    (
        "event-version-zero",
        "identifiers-linked",
        _set_text("c:Body/c:IdentifiersLinked/c:EventVersion", "0"),
        _json_set("body/event_version", 0),
        None,
    ),
    # version 1.1
    (
        "empty-sentence-date",
        "release-dates",
        _both(
            _remove(f"{RD}/c:ConditionalRelease/c:Reported"),
            _remove(f"{RD}/c:ConditionalRelease/c:Override"),
        ),
        _json_set("body/dates/conditional_release", {}),
        None,
    ),
    (
        "unknown-element-in-sentence-dates",
        "release-dates",
        _append(RD, "Secret", "SECRETDATE"),
        _json_set("body/dates/secret", "SECRETDATE"),
        "SECRETDATE",
    ),
    (
        "booking-id-not-an-integer",
        "release-dates",
        _set_text("c:Body/c:ReleaseDates/c:BookingId", "12X"),
        _json_set("body/booking_id", "12X"),
        None,
    ),
    (
        "booking-id-out-of-range",
        "release-dates",
        _set_text("c:Body/c:ReleaseDates/c:BookingId", str(2**63)),
        _json_set("body/booking_id", 2**63),
        None,
    ),
    (
        "open-code-not-a-code",
        "release-dates",
        _set_text(f"{RD}/c:NonDtoReleaseDateType", "C R D"),
        _json_set("body/dates/non_dto_release_date_type", "C R D"),
        None,
    ),
    (
        "bad-book-number-pattern",
        "key-dates-replaced",
        _set_text(f"{KDR}/c:BookNumber", "38339"),
        _json_set("body/book_number", "38339"),
        "38339",
    ),
    (
        "key-date-code-not-a-code",
        "key-dates-replaced",
        _set_text(f"{KDR}/c:KeyDates/c:KeyDate/c:Code", "SECRET CODE"),
        _json_set("body/key_dates/0/code", "SECRET CODE"),
        "SECRET CODE",
    ),
    (
        "key-date-without-date",
        "key-dates-replaced",
        _remove(f"{KDR}/c:KeyDates/c:KeyDate/c:Date"),
        _json_del("body/key_dates/0/date"),
        None,
    ),
    (
        "replacement-without-scope",
        "key-dates-replaced",
        _remove(f"{KDR}/c:Scope"),
        _json_del("body/scope"),
        None,
    ),
    (
        "licence-without-conditions",
        "licence-record",
        _remove(f"{LR}/c:Conditions"),
        _json_del("body/conditions"),
        None,
    ),
    (
        "licence-conditions-without-pss",
        "licence-record",
        _remove(f"{LR}/c:Conditions/c:Pss"),
        _json_del("body/conditions/pss"),
        None,
    ),
    (
        "licence-in-pss-period-not-a-boolean",
        "licence-record",
        _set_text(f"{LR}/c:InPssPeriod", "SECRETYES"),
        _json_set("body/in_pss_period", "SECRETYES"),
        "SECRETYES",
    ),
    (
        "licence-additional-condition-without-id",
        "licence-record",
        _remove(f"{LR_AP}/c:Additional/c:AdditionalCondition/c:Id"),
        _json_del("body/conditions/ap/additional/0/id"),
        None,
    ),
    (
        "licence-unknown-element-in-a-condition",
        "licence-record",
        _append(f"{LR_AP}/c:Bespoke/c:BespokeCondition", "Address", "SECRET ROAD"),
        _json_set("body/conditions/ap/bespoke/0/address", "SECRET ROAD"),
        "SECRET ROAD",
    ),
    (
        "licence-restriction-not-a-code",
        "licence-record",
        _set_text(
            f"{LR_AP}/c:Additional/c:AdditionalCondition[2]/c:Restrictions/c:Restriction",
            "SECRET ZONE",
        ),
        _json_set("body/conditions/ap/additional/1/restrictions/0", "SECRET ZONE"),
        "SECRET ZONE",
    ),
    (
        "licence-empty-condition-code",
        "licence-record",
        _set_text(f"{LR_AP}/c:Standard/c:StandardCondition/c:Code", ""),
        _json_set("body/conditions/ap/standard/0/code", ""),
        None,
    ),
    (
        "replacement-with-empty-scope",
        "key-dates-replaced",
        lambda root: [
            e.getparent().remove(e)  # type: ignore[union-attr]
            for e in root.findall(f"{KDR}/c:Scope/c:Code", NS)
        ],
        _json_set("body/scope", []),
        None,
    ),
    (
        "prisoner-record-unknown-element-in-a-group",
        "prisoner-record",
        _append(f"{PR}/c:PersonalDetails", "Nickname", "SECRETNICK"),
        _json_set("body/personal_details/nickname", "SECRETNICK"),
        "SECRETNICK",
    ),
    (
        "prisoner-record-written-pnc-not-pnc-text",
        "prisoner-record",
        _set_text(f"{PR}/c:Identifiers/c:PncNumber/c:Written", "12-394773H"),
        _json_set("body/identifiers/pnc_number/written", "12-394773H"),
        None,
    ),
    (
        "prisoner-record-recorded-identifier-without-value",
        "prisoner-record",
        _remove(f"{PR}/c:Identifiers/c:RecordedIdentifiers/c:RecordedIdentifier/c:Value"),
        _json_del("body/identifiers/recorded_identifiers/0/value"),
        None,
    ),
    (
        "prisoner-record-booking-status-without-in-out",
        "prisoner-record",
        _remove(f"{PR}/c:Status/c:BookingStatus/c:InOut"),
        _json_del("body/status/booking_status/in_out"),
        None,
    ),
    (
        "prisoner-record-legal-status-not-a-code",
        "prisoner-record",
        _set_text(f"{PR}/c:Status/c:LegalStatus", "SECRET STATUS"),
        _json_set("body/status/legal_status", "SECRET STATUS"),
        "SECRET STATUS",
    ),
    (
        "prisoner-record-gender-not-a-gender",
        "prisoner-record",
        _set_text(f"{PR}/c:PersonalDetails/c:Gender", "Male"),
        _json_set("body/personal_details/gender", "Male"),
        None,
    ),
    (
        "prisoner-record-alert-without-code",
        "prisoner-record",
        _remove(f"{PR}/c:Alerts/c:Alert/c:AlertCode"),
        _json_del("body/alerts/0/alert_code"),
        None,
    ),
    (
        "prisoner-record-class-not-a-java-name",
        "prisoner-record",
        _append(PR, "IndexDocumentClass", "uk..PrisonerB"),
        _json_set("body/index_document_class", "uk..PrisonerB"),
        None,
    ),
    (
        "custody-record-without-conviction",
        "custody-record",
        _remove(f"{CRB}/c:Conviction"),
        _json_del("body/conviction"),
        None,
    ),
    (
        "conviction-without-event-number",
        "custody-record",
        _remove(f"{CRB}/c:Conviction/c:EventNumber"),
        _json_del("body/conviction/event_number"),
        None,
    ),
    (
        "event-number-not-digits",
        "custody-record",
        _set_text(f"{CRB}/c:Conviction/c:EventNumber", "3A"),
        _json_set("body/conviction/event_number", "3A"),
        None,
    ),
    (
        "home-office-code-is-a-cjs-code",
        "custody-record",
        _set_text(f"{OFFD}/c:Code", "TH68010"),
        _json_set("body/conviction/offences/0/detail/code", "TH68010"),
        "TH68010",
    ),
    (
        "offence-id-without-m-or-a",
        "custody-record",
        _set_text(f"{CRB}/c:Conviction/c:Offences/c:Offence/c:OffenceId", "X2500283547"),
        _json_set("body/conviction/offences/0/offence_id", "X2500283547"),
        None,
    ),
    (
        "custodial-status-not-a-code",
        "custody-record",
        _set_text(f"{CRB}/c:Conviction/c:Custody/c:Status/c:Code", "SECRET STATUS"),
        _json_set("body/conviction/custody/status/code", "SECRET STATUS"),
        "SECRET STATUS",
    ),
    (
        "offence-date-without-offset",
        "custody-record",
        _set_text(f"{CRB}/c:Conviction/c:Offences/c:Offence/c:OffenceDate", "2019-03-18T00:00:00"),
        _json_set("body/conviction/offences/0/offence_date", "2019-03-18T00:00:00"),
        None,
    ),
    (
        "conviction-id-out-of-range",
        "custody-record",
        _set_text(f"{CRB}/c:Conviction/c:ConvictionId", str(2**63)),
        _json_set("body/conviction/conviction_id", 2**63),
        None,
    ),
    (
        "unknown-element-in-custody",
        "custody-record",
        _append(f"{CRB}/c:Conviction/c:Custody", "Secret", "SECRETCUSTODY"),
        _json_set("body/conviction/custody/secret", "SECRETCUSTODY"),
        "SECRETCUSTODY",
    ),
    (
        "enriched-without-added-identifiers",
        "subject-enriched",
        _remove(f"{SE}/c:Added"),
        _json_del("body/added"),
        None,
    ),
    (
        "enriched-with-empty-added",
        "subject-enriched",
        _remove(f"{SE}/c:Added/c:AddedIdentifier"),
        _json_set("body/added", []),
        None,
    ),
    (
        "taught-by-not-a-message-id",
        "subject-enriched",
        _set_text(f"{SE}/c:Added/c:AddedIdentifier/c:TaughtBy/c:MessageId", "X757129"),
        _json_set("body/added/0/taught_by/0", "X757129"),
        "X757129",
    ),
    (
        "added-identifier-without-resolved-from",
        "subject-enriched",
        _remove(f"{SE}/c:Added/c:AddedIdentifier/c:ResolvedFrom"),
        _json_del("body/added/0/resolved_from"),
        None,
    ),
]


#: Violations of the canonical form that the lenient model accepts (and mostly normalises): the
#: schemas describe what cjx writes, the model also reads what sources send.
MODEL_LENIENT = {"lower-case-crn", "non-canonical-pnc", "boolean-as-digit"}
#: An unknown JSON member in a type first released in 1.1 is at an extension point: the JSON
#: Schema admits it (an open object, docs/versioning.md), the model refuses it (reserved for
#: later minors). In XML the unknown element is in the canonical namespace, which the
#: extension wildcard does not admit, so the XSD still refuses it.
AT_EXTENSION_POINT = {
    "unknown-element-in-sentence-dates",
    "licence-unknown-element-in-a-condition",
    "prisoner-record-unknown-element-in-a-group",
    "unknown-element-in-custody",
}


def example_id(mutation: XmlMutation) -> str:
    return next(v[0] for v in VIOLATIONS if v[2] is mutation)


@pytest.mark.parametrize(
    ("example", "xml_mutation", "json_mutation", "secret"),
    [pytest.param(*v[1:], id=v[0]) for v in VIOLATIONS],
)
def test_structural_violation_is_rejected_by_both_schemas_and_the_model(
    example: str,
    xml_mutation: XmlMutation,
    json_mutation: JsonMutation,
    secret: str | None,
) -> None:
    """A violation either schema can express is rejected by both (and by the model, unless the
    model merely normalises a non-canonical form)."""
    root = etree.fromstring((FIXTURES / f"{example}.xml").read_bytes())
    xml_mutation(root)
    xml = etree.tostring(root)
    obj = json.loads((FIXTURES / f"{example}.json").read_bytes())
    json_mutation(obj)
    js = json.dumps(obj).encode()

    lxml_issues, xs_issues, json_issues = _xml_ok(xml), _xmlschema_ok(xml), _json_ok(js)
    assert lxml_issues, "the XSD (lxml) accepts it"
    assert xs_issues, "the XSD (xmlschema) accepts it"
    if example_id(xml_mutation) in AT_EXTENSION_POINT:
        assert not json_issues, "the JSON Schema refuses content at an extension point"
    else:
        assert json_issues, "the JSON Schema accepts it"
    if example_id(xml_mutation) in MODEL_LENIENT:
        # Canonical messages carry canonical forms; the model is lenient and normalises.
        assert decode_xml(xml) == decode_json(js)
    else:
        with pytest.raises(ValidationFailed):
            decode_xml(xml)
        with pytest.raises(ValidationFailed):
            decode_json(js)
    if secret is not None:
        for issue in [*lxml_issues, *xs_issues, *json_issues]:
            assert secret not in issue.message


def test_rules_neither_schema_states_are_left_to_the_model() -> None:
    """A wrong check character passes both schemas (they cannot compute it); the model does not."""
    xml = (FIXTURES / "case-resulted-person.xml").read_bytes().replace(b"448754K<", b"448754L<")
    obj = json.loads((FIXTURES / "case-resulted-person.json").read_bytes())
    obj["body"]["defendant"]["asn"] = obj["subject"][0]["value"] = "1101ZD0100000448754L"
    js = json.dumps(obj).encode()
    assert _xml_ok(xml) == []
    assert _json_ok(js) == []
    for decode, data in ((decode_xml, xml), (decode_json, js)):
        with pytest.raises(ValidationFailed) as caught:
            decode(data)
        assert caught.value.report.codes == ("asn.check-character", "asn.check-character")


@pytest.mark.parametrize(
    ("name", "mutate"),
    [
        (
            "duplicate-key-date-code",
            lambda obj: obj["body"]["key_dates"].append({"code": "ACR", "date": "2030-01-01"}),
        ),
        ("duplicate-scope-code", lambda obj: obj["body"]["scope"].append("LED")),
        (
            "key-date-outside-scope",
            lambda obj: obj["body"]["key_dates"].append({"code": "POM1", "date": "2030-01-01"}),
        ),
    ],
)
def test_key_date_set_rules_are_left_to_the_model(
    name: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    """A key-date set holds each code once and lies within its scope: neither schema states it
    (it is documented in both), the model enforces it (canonical.invariant), in both forms."""
    obj = json.loads((FIXTURES / "key-dates-replaced.json").read_bytes())
    mutate(obj)
    js = json.dumps(obj).encode()
    assert _json_ok(js) == []
    with pytest.raises(ValidationFailed) as caught:
        decode_json(js)
    assert caught.value.report.codes == ("canonical.invariant",)
    envelope_xml = (FIXTURES / "key-dates-replaced.xml").read_bytes()
    root = etree.fromstring(envelope_xml)
    body = _find(root, KDR)
    body.remove(_find(root, f"{KDR}/c:Scope"))
    scope = etree.SubElement(body, f"{{{CANONICAL_NS}}}Scope")
    for code in obj["body"]["scope"]:
        etree.SubElement(scope, f"{{{CANONICAL_NS}}}Code").text = code
    kept = body.find("c:KeyDates", NS)
    if kept is not None:
        body.remove(kept)
    key_dates = etree.SubElement(body, f"{{{CANONICAL_NS}}}KeyDates")
    for item in obj["body"]["key_dates"]:
        key_date = etree.SubElement(key_dates, f"{{{CANONICAL_NS}}}KeyDate")
        etree.SubElement(key_date, f"{{{CANONICAL_NS}}}Code").text = item["code"]
        etree.SubElement(key_date, f"{{{CANONICAL_NS}}}Date").text = item["date"]
    xml = etree.tostring(root)
    assert _xml_ok(xml) == []
    with pytest.raises(ValidationFailed) as caught:
        decode_xml(xml)
    assert caught.value.report.codes == ("canonical.invariant",)


def _empty(path: str) -> XmlMutation:
    def mutate(root: etree._Element) -> None:
        element = _find(root, path)
        for child in list(element):
            element.remove(child)

    return mutate


def _gender_text(text: str) -> XmlMutation:
    def mutate(root: etree._Element) -> None:
        added = etree.Element(f"{{{CANONICAL_NS}}}GenderText")
        added.text = text
        _find(root, f"{PR}/c:PersonalDetails/c:Gender").addnext(added)

    return mutate


PNC_WRITTEN = f"{PR}/c:Identifiers/c:PncNumber/c:Written"
RECORDED_VALUE = f"{PR}/c:Identifiers/c:RecordedIdentifiers/c:RecordedIdentifier/c:Value"


@pytest.mark.parametrize(
    ("xml_mutation", "json_mutation", "code"),
    [
        pytest.param(
            _empty(f"{PR}/c:Location"),
            _json_set("body/location", {}),
            "canonical.invariant",
            id="empty-group",
        ),
        pytest.param(
            _empty(f"{PR}/c:Sentence/c:Dates"),
            _json_set("body/sentence/dates", {}),
            "canonical.invariant",
            id="empty-sentence-dates",
        ),
        pytest.param(
            _set_text(PNC_WRITTEN, "79/163001B"),
            _json_set("body/identifiers/pnc_number/written", "79/163001B"),
            "canonical.invariant",
            id="written-pnc-reads-as-another",
        ),
        pytest.param(
            _set_text(PNC_WRITTEN, "2012/0394773H"),
            _json_set("body/identifiers/pnc_number/written", "2012/0394773H"),
            "canonical.invariant",
            id="written-pnc-is-the-canonical-form",
        ),
        pytest.param(
            _set_text(PNC_WRITTEN, "12/394773J"),
            _json_set("body/identifiers/pnc_number/written", "12/394773J"),
            "pnc.check-character",
            id="written-pnc-with-a-wrong-check-character",
        ),
        pytest.param(
            _set_text(RECORDED_VALUE, "12/394773J"),
            _json_set("body/identifiers/recorded_identifiers/0/value", "12/394773J"),
            "pnc.check-character",
            id="recorded-pnc-with-a-wrong-check-character",
        ),
        pytest.param(
            _gender_text("F"),
            _json_set("body/personal_details/gender_text", "F"),
            "canonical.invariant",
            id="gender-text-read-otherwise",
        ),
        pytest.param(
            _gender_text("Male"),
            _json_set("body/personal_details/gender_text", "Male"),
            "canonical.invariant",
            id="gender-text-that-is-the-description",
        ),
    ],
)
def test_prisoner_record_rules_are_left_to_the_model(
    xml_mutation: XmlMutation, json_mutation: JsonMutation, code: str
) -> None:
    """Groups are absent or hold a value; a written PNC reads as its PNC ID; recorded PNC and
    CRO identifiers are valid; gender is the reading of its text: both schemas accept the
    message (the rules are named in their documentation), the model rejects it, in both forms."""
    obj = json.loads((FIXTURES / "prisoner-record.json").read_bytes())
    json_mutation(obj)
    js = json.dumps(obj).encode()
    root = etree.fromstring((FIXTURES / "prisoner-record.xml").read_bytes())
    xml_mutation(root)
    xml = etree.tostring(root)
    assert _json_ok(js) == []
    assert _xml_ok(xml) == []
    for decode, data in ((decode_json, js), (decode_xml, xml)):
        with pytest.raises(ValidationFailed) as caught:
            decode(data)
        assert caught.value.report.codes == (code,)


def test_an_empty_list_and_an_absent_one_stay_apart_in_both_forms() -> None:
    """``[]`` is an empty wrapper in XML; an absent list is no element; both come back."""
    xml = (FIXTURES / "prisoner-record.xml").read_bytes()
    assert b"<PhoneNumbers/>" in xml
    envelope = decode_xml(xml)
    assert envelope == decode_json((FIXTURES / "prisoner-record.json").read_bytes())
    address = envelope.body.contact_details.addresses[0]
    assert address.phone_numbers == ()
    assert envelope.body.contact_details.email_addresses is None


@pytest.mark.parametrize(
    ("name", "identifier"),
    [
        ("a-scheme-added-twice", {"scheme": "CRN", "value": "X757129"}),
        ("an-asn-added", {"scheme": "ASN", "value": "1101ZD0100000448754K"}),
        ("a-booking-id-added", {"scheme": "BOOKING", "value": "1200835"}),
    ],
)
def test_added_identifier_rules_are_left_to_the_model(
    name: str, identifier: dict[str, str]
) -> None:
    """An enrichment adds PNC, CRO, NOMS and CRN identifiers only, each scheme once: neither
    schema states it (both document it), the model enforces it, in both forms."""
    obj = json.loads((FIXTURES / "subject-enriched.json").read_bytes())
    added = dict(obj["body"]["added"][0], identifier=identifier)
    obj["body"]["added"].append(added)
    js = json.dumps(obj).encode()
    assert _json_ok(js) == []
    with pytest.raises(ValidationFailed) as caught:
        decode_json(js)
    assert caught.value.report.codes == ("canonical.invariant",)
    root = etree.fromstring((FIXTURES / "subject-enriched.xml").read_bytes())
    wrapper = _find(root, f"{SE}/c:Added")
    second = etree.fromstring(etree.tostring(_find(wrapper, "c:AddedIdentifier")))
    _find(second, "c:Identifier/c:Scheme").text = identifier["scheme"]
    _find(second, "c:Identifier/c:Value").text = identifier["value"]
    wrapper.append(second)
    xml = etree.tostring(root)
    assert _xml_ok(xml) == []
    with pytest.raises(ValidationFailed) as caught:
        decode_xml(xml)
    assert caught.value.report.codes == ("canonical.invariant",)


def test_key_date_sets_are_kept_in_the_code_lists_order() -> None:
    """A set given in another order decodes to the same model (sets compare as sets)."""
    obj = json.loads((FIXTURES / "key-dates-replaced.json").read_bytes())
    expected = decode_json(json.dumps(obj).encode())
    obj["body"]["scope"].reverse()
    obj["body"]["key_dates"].reverse()
    assert decode_json(json.dumps(obj).encode()) == expected


def test_message_type_must_name_the_body() -> None:
    """JSON Schema ties message_type to the body shape; in XML the model enforces the pairing."""
    obj = json.loads((FIXTURES / "person-merged.json").read_bytes())
    obj["message_type"] = "custody.sentence-dates-changed"
    assert _json_ok(json.dumps(obj).encode())
    xml = (FIXTURES / "person-merged.xml").read_bytes()
    xml = xml.replace(b">identity.person-merged<", b">custody.sentence-dates-changed<")
    assert _xml_ok(xml) == []  # documented in the XSD: the model checks this pairing
    with pytest.raises(ValidationFailed):
        decode_xml(xml)


# --- (d) the generated schema does not drift ------------------------------------------------


def test_committed_json_schema_matches_the_generator() -> None:
    """``schema_export.check()`` finds no difference: the committed schema is current."""
    assert schema_export.check() == []


def test_json_schema_header_and_dispatch() -> None:
    """The schema is draft 2020-12 with a versioned $id and one branch per message type."""
    schema = json.loads(schema_file(CANONICAL_JSON_SCHEMA).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:cjx:schemas:canonical:1"
    assert schema["title"]
    assert schema["description"]
    consts = {
        b["if"]["properties"]["message_type"]["const"]: b["then"]["$ref"] for b in schema["allOf"]
    }
    assert set(consts) == set(BODY_TYPES)
    for message_type, ref in consts.items():
        envelope = schema["$defs"][ref.rsplit("/", 1)[1]]
        assert envelope["properties"]["message_type"] == {
            "const": message_type,
            "description": f"the body is a {BODY_TYPES[message_type].__name__}",
        }
        body_ref = envelope["properties"]["body"]["$ref"]
        assert body_ref == f"#/$defs/{BODY_TYPES[message_type].__name__}"


def test_json_schema_never_requires_or_accepts_null() -> None:
    """Optional fields are absent in canonical JSON; no property is nullable."""
    text = schema_file(CANONICAL_JSON_SCHEMA).read_text(encoding="utf-8")
    assert '"null"' not in text
    assert '"default": null' not in text


def test_export_writes_every_schema_with_its_layout(tmp_path: Path) -> None:
    """``export`` writes the JSON Schema and copies the XSD and the source-format schemas."""
    written = schema_export.export(tmp_path)
    relative = {p.relative_to(tmp_path).as_posix() for p in written}
    assert schema_export.JSON_SCHEMA_PATH in relative
    assert schema_export.XSD_PATH in relative
    root = schema_file(CANONICAL_XSD).parents[2]
    formats = {p.relative_to(root).as_posix() for p in (root / "formats").rglob("*") if p.is_file()}
    assert formats <= relative
    assert (tmp_path / schema_export.JSON_SCHEMA_PATH).read_text(encoding="utf-8") == (
        schema_export.render_json_schema()
    )


def test_check_names_the_drift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``check`` reports a changed committed file as JSON pointers into the schema."""
    schema_export.export(tmp_path)
    path = tmp_path / schema_export.JSON_SCHEMA_PATH
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["$defs"]["Person"]["properties"]["family_name"]["maxLength"] = 99
    path.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(schema_export, "schemas_root", lambda: tmp_path)
    problems = schema_export.check()
    assert problems == [
        f"{schema_export.JSON_SCHEMA_PATH}/$defs/Person/properties/family_name/maxLength: "
        "committed 99, generated 255"
    ]
    path.unlink()
    assert "missing" in schema_export.check()[0]


# --- the XSD mirrors the model --------------------------------------------------------------


def _xsd() -> etree._Element:
    return etree.parse(str(schema_file(CANONICAL_XSD))).getroot()


def _type(name: str, kind: str = "complexType") -> etree._Element:
    found = _xsd().find(f"xs:{kind}[@name='{name}']", NS)
    assert found is not None, f"the XSD has no {kind} {name}"
    return found


def _particles(node: etree._Element, *, optional: bool = False) -> list[tuple[str, bool, Any]]:
    """(element name, optional, element node) in document order, choices made optional."""
    out: list[tuple[str, bool, Any]] = []
    for child in node:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local == "element":
            out.append((child.get("name", ""), optional or child.get("minOccurs") == "0", child))
        elif local in ("sequence", "choice"):
            inner_optional = optional or child.get("minOccurs") == "0"
            inner_optional = inner_optional or (local == "choice" and len(child) > 1)
            out.extend(_particles(child, optional=inner_optional))
        elif local in ("complexContent", "extension"):
            base = child.get("base")
            if base is not None:
                out.extend(_particles(_type(base.split(":")[1])))
            out.extend(_particles(child, optional=optional))
    return out


def _nullable(annotation: Any) -> bool:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_xsd_elements_follow_model_field_order_and_optionality(cls: type[BaseModel]) -> None:
    """Each model's complex type lists its fields' elements in field order; optional ones 0..1."""
    particles = _particles(_type(f"{cls.__name__}Type"))
    if cls in CHOICE_MODELS:
        seen: set[str] = set()
        particles = [p for p in particles if not (p[0] in seen or seen.add(p[0]))]  # type: ignore[func-returns-value]
    added = extension_fields(cls)  # in the extension namespace's document (test below)
    fields = {n: f for n, f in cls.model_fields.items() if n not in added}
    expected = [(xml_name(n), not f.is_required()) for n, f in fields.items()]
    actual = [(name, opt) for name, opt, _ in particles]
    if cls is Defendant:  # person XOR organisation is an xs:choice: each optional alone
        assert ("Person", True) in actual
        assert ("Organisation", True) in actual
    assert actual == expected
    for (name, _, field_element), (field_name, info) in zip(particles, fields.items(), strict=True):
        element = field_element
        inner = _unwrap(info.annotation)
        item = next((m for m in info.metadata if isinstance(m, XmlItem)), None)
        if typing.get_origin(inner) is tuple:
            assert item is not None, field_name
            wrapper = _type(element.get("type").split(":")[1])
            (item_name, item_optional, item_element), *rest = _particles(wrapper)
            assert rest == []
            # a list that may be absent is written as an empty wrapper when empty (1.1)
            assert (item_name, item_optional) == (item.name, _nullable(info.annotation))
            limit = next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)
            assert item_element.get("maxOccurs") == (str(limit) if limit else "unbounded")
            inner = _unwrap(typing.get_args(inner)[0])
            element = item_element
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            assert element.get("type") == f"cjx:{inner.__name__}Type", name


@pytest.mark.parametrize("cls", Identifier.__subclasses__(), ids=lambda c: c.__name__)
def test_xsd_identifier_patterns_are_the_model_patterns(cls: type[Identifier]) -> None:
    """Each identifier's XSD pattern is its ``pattern`` (XSD has no ``(?:``, only groups)."""
    pattern = _type(f"{cls.__name__}Type", "simpleType").find(".//xs:pattern", NS)
    assert pattern is not None
    assert pattern.get("value") == cls.pattern.replace("(?:", "(")


@pytest.mark.parametrize(
    ("xsd_type", "json_pattern"),
    [
        ("DateType", schema_export.DATE_PATTERN),
        ("TimeType", schema_export.TIME_PATTERN),
        ("UuidType", schema_export.UUID_PATTERN),
    ],
)
def test_xsd_and_json_schema_share_lexical_patterns(xsd_type: str, json_pattern: str) -> None:
    """Dates, times and UUIDs have one lexical form in both schemas."""
    pattern = _type(xsd_type, "simpleType").find(".//xs:pattern", NS)
    assert pattern is not None
    assert f"^{pattern.get('value')}$" == json_pattern


def test_xsd_timestamp_pattern_is_the_model_pattern() -> None:
    """Timestamps are text with exactly :data:`cjx.model.TIMESTAMP_PATTERN`."""
    pattern = _type("TimestampType", "simpleType").find(".//xs:pattern", NS)
    assert pattern is not None
    assert pattern.get("value") == TIMESTAMP_PATTERN


@pytest.mark.parametrize(
    "enum", [*(getattr(_codes, n) for n in _codes.__all__), *OPEN_CODE_LISTS], ids=str
)
def test_xsd_enumerations_are_the_model_code_lists(enum: Any) -> None:
    """Every code list of the model is an XSD enumeration with the same values, in order."""
    values = [
        e.get("value")
        for e in _type(f"{enum.__name__}Type", "simpleType").iter(f"{{{XS}}}enumeration")
    ]
    assert values == [member.value for member in enum]


@pytest.mark.parametrize("enum", OPEN_CODE_LISTS, ids=str)
def test_xsd_open_code_lists_are_the_union_of_the_list_and_any_code(enum: Any) -> None:
    """Each open list's field type is ``Open<List>Type``: the enumeration or a code token."""
    union = _type(f"Open{enum.__name__}Type", "simpleType").find("xs:union", NS)
    assert union is not None
    assert union.get("memberTypes") == f"cjx:{enum.__name__}Type cjx:CodeTokenType"


def test_xsd_code_token_is_the_model_code_pattern() -> None:
    """Unknown codes have one form in the model, the XSD and the JSON Schema."""
    pattern = _type("CodeTokenType", "simpleType").find(".//xs:pattern", NS)
    assert pattern is not None
    assert pattern.get("value", "").replace("\\-", "-") == CODE_PATTERN
    text = schema_file(CANONICAL_JSON_SCHEMA).read_text(encoding="utf-8")
    assert json.dumps(f"^{CODE_PATTERN}$") in text


def test_xsd_wall_clock_timestamp_pattern_is_the_model_pattern() -> None:
    """Wall-clock timestamps (version 1.1) are text with exactly their model pattern."""
    pattern = _type("WallClockTimestampType", "simpleType").find(".//xs:pattern", NS)
    assert pattern is not None
    assert pattern.get("value") == WALL_CLOCK_TIMESTAMP_PATTERN


def test_xsd_message_types_and_body_elements_are_the_catalogue() -> None:
    """MessageType lists the message types; Body holds one element per body class."""
    values = {
        e.get("value") for e in _type("MessageTypeType", "simpleType").iter(f"{{{XS}}}enumeration")
    }
    assert values == set(BODY_TYPES)
    bodies = {name for name, _, _ in _particles(_type("BodyType"))}
    assert bodies == {cls.__name__ for cls in BODY_TYPES.values()}


def test_xsd_imports_only_the_extension_namespace_document() -> None:
    """The XSD imports the extension namespace's document from its own folder, and includes
    nothing else (both are loaded offline); that document imports nothing."""
    xsd = _xsd()
    (imported,) = xsd.findall("xs:import", NS)
    assert imported.attrib == {
        "namespace": EXTENSION_NS,
        "schemaLocation": Path(schema_export.EXTENSION_XSD_PATH).name,
    }
    assert Path(schema_export.EXTENSION_XSD_PATH).parent == Path(CANONICAL_XSD).parent
    for tag in ("include", "redefine"):
        assert xsd.find(f"xs:{tag}", NS) is None
    for tag in ("import", "include", "redefine"):
        assert _ext_xsd().find(f"xs:{tag}", NS) is None


def _ext_xsd() -> etree._Element:
    return etree.parse(str(schema_file(schema_export.EXTENSION_XSD_PATH))).getroot()


def test_extension_elements_are_the_model_extension_fields() -> None:
    """Each field a later minor added at an extension point (``Extension``) is a global
    element of the extension namespace's document, named as the field, with its items'
    element, optionality and limit; the document declares nothing else."""
    ext = _ext_xsd()
    assert ext.get("targetNamespace") == EXTENSION_NS
    assert ext.get("elementFormDefault") == "qualified"
    declared = {e.get("name"): e for e in ext.findall("xs:element", NS)}
    expected: dict[str, Any] = {}
    for cls in MODEL_CLASSES:
        for name in extension_fields(cls):
            assert cls in extension_types(), cls  # only where there is an extension point
            expected[xml_name(name)] = (cls, name)
            assert list(cls.model_fields)[-len(extension_fields(cls)) :] == list(
                extension_fields(cls)
            )  # after the type's own fields: where the wildcard is
    assert set(declared) == set(expected)
    for element_name, (cls, name) in expected.items():
        info = cls.model_fields[name]
        assert not info.is_required()
        element = declared[element_name]
        wrapper = ext.find(f"xs:complexType[@name='{element.get('type').split(':')[1]}']", NS)
        assert wrapper is not None
        (item,) = wrapper.iter(f"{{{XS}}}element")
        xml_item = next(m for m in info.metadata if isinstance(m, XmlItem))
        limit = next(m.max_length for m in info.metadata if hasattr(m, "max_length"))
        assert (item.get("name"), item.get("minOccurs"), item.get("maxOccurs")) == (
            xml_item.name,
            "0",  # may be absent, and empty when given
            str(limit),
        )
        enum = typing.get_args(_unwrap(info.annotation))[0]
        simple = ext.find(f"xs:simpleType[@name='{item.get('type').split(':')[1]}']", NS)
        assert simple is not None
        values = [e.get("value") for e in simple.iter(f"{{{XS}}}enumeration")]
        assert values == [member.value for member in enum]
