"""``court.case-resulted`` -> a Libra SPI DeliverRequest (FORMAT.md, "Rules").

Encoding always writes a DeliverRequest. Its ``MessageIdentifier`` is the canonical
``correlation_id`` (the canonical ``message_id`` when there is none). The other envelope fields
take the defaults in :data:`ENVELOPE_DEFAULTS` or values from the canonical envelope:

============================  =================================================================
element                       value
============================  =================================================================
RequestingSystem              ``CJSE`` / ``Z000000`` / ``Production``
AckRequested                  ``1``
OriginatingSystem             ``LIBRA`` / the source organisation (the court) / ``Production``
DataController                the source organisation / ``urn:cjx:canonical:1``
CreationDateTime              ``produced_at``
ExpiryDateTime                ``produced_at`` plus 30 days
SenderRequestedDestination    ``POLICE``
MessageFormat                 ``SPIResults`` ``1.200``; schema namespace of libra, version ``TBC``
============================  =================================================================

Elements are written in the order real Libra messages use (which is not always the order of the
format description: ``OffenceTiming`` follows the wording). Numbered elements keep their numbers:
address lines ``("l1", "l2", " ", " ", "l5")`` are written as ``AddressLine1``, ``AddressLine2``
and ``AddressLine5``; a blank place is an absent element (an absent line 1, which the format
requires, an empty ``AddressLine1``). Times are written ``HH:MM:SS``, sequence numbers with three
digits, amounts with two decimal places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from lxml import etree

from cjx.errors import UnknownMessageType
from cjx.model import (
    Address,
    CaseResulted,
    Defendant,
    Duration,
    Envelope,
    NextHearing,
    Offence,
    Result,
    Timestamp,
)

from . import _codes as codes
from ._decode import DELIVER_NS, LIBRA_NS, MESSAGING_NS

__all__ = ["ENVELOPE_DEFAULTS", "EnvelopeDefaults", "encode"]

METADATA_NS: Final = "http://schemas.cjse.gov.uk/messages/metadata/2006-05"
FORMAT_NS: Final = "http://schemas.cjse.gov.uk/messages/format/2006-05"


@dataclass(frozen=True, slots=True)
class EnvelopeDefaults:
    """The DeliverRequest fields that the canonical message does not carry."""

    requesting_system: tuple[str, str, str] = ("CJSE", "Z000000", "Production")
    ack_requested: str = "1"
    originating_system_name: str = "LIBRA"
    environment: str = "Production"
    #: Used when the canonical source names no organisation.
    organisation: str = "Z000000"
    referenced_element_uri: str = "urn:cjx:canonical:1"
    expiry: dt.timedelta = dt.timedelta(days=30)
    destination: str = "POLICE"
    message_type_version: str = "1.200"
    message_schema_version: str = "TBC"


ENVELOPE_DEFAULTS: Final = EnvelopeDefaults()

_DC = "{" + LIBRA_NS + "}"
_MSG = "{" + MESSAGING_NS + "}"
_MM = "{" + METADATA_NS + "}"
_MF = "{" + FORMAT_NS + "}"
_DR = "{" + DELIVER_NS + "}"
_NSMAP: Final = {
    None: DELIVER_NS,
    "msg": MESSAGING_NS,
    "mm": METADATA_NS,
    "mf": FORMAT_NS,
}


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el: etree._Element = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _opt(parent: etree._Element, name: str, value: Any) -> None:
    if value is not None:
        _sub(parent, _DC + name, _value(value))


def _place(parent: etree._Element, name: str, value: str) -> None:
    """A numbered element (``PersonGivenName2``...): a blank place is an absent element."""
    if not value.isspace():
        _sub(parent, _DC + name, value)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    return str(value)


def _system(parent: etree._Element, tag: str, name: str, org: str, env: str) -> None:
    system = _sub(parent, tag)
    _sub(system, _MSG + "Name", name)
    _sub(system, _MSG + "OrgUnitCode", org)
    _sub(system, _MSG + "Environment", env)


def encode(envelope: Envelope[Any]) -> bytes:
    body = envelope.body
    if not isinstance(body, CaseResulted):
        raise UnknownMessageType(
            f"libra-spi encodes court.case-resulted only, not {envelope.message_type!r}"
        )
    d = ENVELOPE_DEFAULTS
    organisation = str(envelope.source.organisation or d.organisation)
    root = etree.Element(_DR + "DeliverRequest", nsmap=_NSMAP)
    _sub(root, _MSG + "MessageIdentifier", envelope.correlation_id or str(envelope.message_id))
    _system(root, _MSG + "RequestingSystem", *d.requesting_system)
    _sub(root, _MSG + "AckRequested", d.ack_requested)
    metadata = _sub(root, _MM + "MessageMetadata")
    metadata.set("SchemaVersion", "1.0")
    _system(
        metadata,
        _MM + "OriginatingSystem",
        d.originating_system_name,
        organisation,
        d.environment,
    )
    controller = _sub(metadata, _MM + "DataController")
    _sub(controller, _MSG + "Organisation", organisation)
    _sub(controller, _MSG + "ReferencedElementURI", d.referenced_element_uri)
    produced: Timestamp = envelope.produced_at
    _sub(metadata, _MM + "CreationDateTime", produced.isoformat())
    try:
        expiry = produced.to_datetime().replace(microsecond=0) + d.expiry
    except OverflowError:  # produced_at within d.expiry of 9999-12-31: no date can hold expiry
        raise ValueError(
            f"produced_at is too late for an ExpiryDateTime {d.expiry.days} days later"
        ) from None
    _sub(metadata, _MM + "ExpiryDateTime", expiry.isoformat())
    _sub(metadata, _MM + "SenderRequestedDestination", d.destination)
    message_format = _sub(root, _MF + "MessageFormat")
    message_format.set("SchemaVersion", "1.0")
    message_type = _sub(message_format, _MF + "MessageType")
    _sub(message_type, _MSG + "Type", "SPIResults")
    _sub(message_type, _MSG + "Version", d.message_type_version)
    schema = _sub(message_format, _MF + "MessageSchema")
    _sub(schema, _MSG + "Namespace", LIBRA_NS)
    _sub(schema, _MSG + "Version", d.message_schema_version)
    message = _sub(root, _DR + "Message")
    message.append(resulted_case_message(body))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def resulted_case_message(body: CaseResulted) -> etree._Element:
    """The ``DC:ResultedCaseMessage`` element for ``body``."""
    rcm = etree.Element(_DC + "ResultedCaseMessage", nsmap={"DC": LIBRA_NS})
    rcm.set("Flow", "ResultedCasesForThePolice")
    rcm.set("Interface", "LibraStandardProsecutorPolice")
    rcm.set("SchemaVersion", "0.6g")
    session = _sub(rcm, _DC + "Session")
    court_hearing = _sub(session, _DC + "CourtHearing")
    hearing = _sub(court_hearing, _DC + "Hearing")
    _opt(hearing, "CourtHearingLocation", body.hearing.court)
    _opt(hearing, "DateOfHearing", body.hearing.date)
    _opt(hearing, "TimeOfHearing", body.hearing.time)
    _opt(court_hearing, "PSAcode", body.hearing.psa_code)
    case = _sub(session, _DC + "Case")
    _opt(case, "PTIURN", body.case.pti_urn)
    defendant = _sub(case, _DC + "Defendant")
    _defendant(defendant, body.defendant)
    for offence in body.offences:
        _offence(_sub(defendant, _DC + "Offence"), offence)
    return rcm


def _defendant(parent: etree._Element, d: Defendant) -> None:
    _opt(parent, "ProsecutorReference", d.asn)
    if d.person is not None:
        individual = _sub(parent, _DC + "CourtIndividualDefendant")
        person_el = _sub(individual, _DC + "PersonDefendant")
        p = d.person
        base = _sub(person_el, _DC + "BasePersonDetails")
        name = _sub(base, _DC + "PersonName")
        _opt(name, "PersonTitle", p.title)
        for i, given in enumerate(p.given_names, start=1):
            _place(name, f"PersonGivenName{i}", given)
        _sub(name, _DC + "PersonFamilyName", p.family_name)
        _opt(base, "Birthdate", p.birth_date)
        _opt(base, "Gender", codes.GENDER_CODE[p.gender])
        if any(not address.isspace() for address in p.email_addresses):
            email = _sub(base, _DC + "EmailDetails")
            for i, address in enumerate(p.email_addresses, start=1):
                _place(email, f"EmailAddress{i}", address)
        phones = (p.telephone_home, p.telephone_business, p.telephone_mobile)
        if any(v is not None for v in phones):
            phone = _sub(base, _DC + "TelephoneDetails")
            _opt(phone, "TelephoneNumberHome", p.telephone_home)
            _opt(phone, "TelephoneNumberBusiness", p.telephone_business)
            _opt(phone, "TelephoneNumberMobile", p.telephone_mobile)
        _opt(person_el, "PNCidentifier", d.pnc_id)
        _opt(person_el, "BailConditions", d.bail_conditions)
        _opt(person_el, "PersonStatedNationality", p.nationality)
        _opt(individual, "BailStatus", codes.BAIL_STATUS_CODE[d.bail_status])
        _opt(
            individual, "ReasonForBailConditionsOrCustody", d.reason_for_bail_conditions_or_custody
        )
        _address(individual, d.address)
        _opt(individual, "PresentAtHearing", codes.PRESENCE_CODE[d.presence])
    elif d.organisation is not None:
        corporate = _sub(parent, _DC + "CourtCorporateDefendant")
        _opt(corporate, "PNCidentifier", d.pnc_id)
        _opt(corporate, "PresentAtHearing", codes.PRESENCE_CODE[d.presence])
        _opt(corporate, "BailStatus", codes.BAIL_STATUS_CODE[d.bail_status])
        name = _sub(corporate, _DC + "OrganisationName")
        _sub(name, _DC + "OrganisationName", d.organisation.name)
        _address(corporate, d.address)


def _address(parent: etree._Element, a: Address) -> None:
    address = _sub(parent, _DC + "Address")
    if a.lines:
        simple = _sub(address, _DC + "SimpleAddress")
        for i, line in enumerate(a.lines, start=1):
            if not line.isspace():
                _sub(simple, _DC + f"AddressLine{i}", line)
            elif i == 1:  # the format requires line 1; empty means absent
                _sub(simple, _DC + "AddressLine1", "")
        return
    complex_el = _sub(address, _DC + "ComplexAddress")
    _opt(complex_el, "PAON", a.paon)
    _opt(complex_el, "StreetDescription", a.street)
    _opt(complex_el, "Locality", a.locality)
    _opt(complex_el, "Town", a.town)
    _opt(complex_el, "UniqueStreetReferenceNumber", a.usrn)
    _opt(complex_el, "AdministrativeArea", a.administrative_area)
    _opt(complex_el, "PostCode", a.postcode)


def _offence(parent: etree._Element, o: Offence) -> None:
    details = _sub(parent, _DC + "BaseOffenceDetails")
    _sub(details, _DC + "OffenceSequenceNumber", f"{o.sequence:03d}")
    _sub(details, _DC + "OffenceCode", o.code)
    _sub(details, _DC + "OffenceWording", o.wording)
    _opt(details, "OffenceTitle", o.title)
    timing = _sub(details, _DC + "OffenceTiming")
    _sub(timing, _DC + "OffenceDateCode", codes.OFFENCE_DATE_CODE_CODE[o.date_code])
    start = _sub(timing, _DC + "OffenceStart")
    _opt(start, "OffenceDateStartDate", o.start_date)
    _opt(start, "OffenceStartTime", o.start_time)
    if o.end_date is not None or o.end_time is not None:
        end = _sub(timing, _DC + "OffenceEnd")
        _opt(end, "OffenceEndDate", o.end_date)
        _opt(end, "OffenceEndTime", o.end_time)
    _opt(details, "ChargeDate", o.charge_date)
    _opt(details, "ArrestDate", o.arrest_date)
    _opt(details, "LocationOfOffence", o.location)
    _opt(details, "ConvictionDate", o.recorded_conviction_date)
    if o.alcohol_level is not None:
        alcohol = _sub(details, _DC + "AlcoholRelatedOffence")
        _opt(alcohol, "AlcoholLevelAmount", o.alcohol_level.amount)
        _opt(alcohol, "AlcoholLevelMethod", o.alcohol_level.method)
    _opt(parent, "InitiatedDate", o.initiated_date)
    _opt(parent, "Plea", o.plea_source_code or codes.PLEA_DEFAULT_CODE[o.plea])
    _opt(parent, "ModeOfTrial", o.mode_of_trial)
    _opt(parent, "FinalDisposalIndicator", o.final_disposal)
    _opt(parent, "ConvictionDate", o.conviction_date)
    _opt(parent, "ConvictingCourt", o.convicting_court)
    if o.finding is not None:
        _opt(parent, "Finding", codes.FINDING_CODE[o.finding])
    for result in o.results:
        _result(_sub(parent, _DC + "Result"), result)


def _result(parent: etree._Element, r: Result) -> None:
    _opt(parent, "ResultCode", r.code)
    _sub(parent, _DC + "ResultText", r.text)
    for qualifier in r.qualifiers:
        _sub(parent, _DC + "ResultCodeQualifier", qualifier)
    if r.amount is not None or r.penalty_points is not None or r.duration is not None:
        outcome = _sub(parent, _DC + "Outcome")
        _opt(outcome, "ResultAmountSterling", r.amount)
        _opt(outcome, "PenaltyPoints", r.penalty_points)
        if r.duration is not None:
            _duration(_sub(outcome, _DC + "Duration"), r.duration)
    if r.next_hearing is not None:
        _next_hearing(_sub(parent, _DC + "NextHearing"), r.next_hearing)


def _duration(parent: etree._Element, d: Duration) -> None:
    _opt(parent, "DurationValue", d.value)
    if d.unit is not None:
        _opt(parent, "DurationUnit", codes.DURATION_UNIT_CODE[d.unit])
    _opt(parent, "SecondaryDurationValue", d.secondary_value)
    if d.secondary_unit is not None:
        _opt(parent, "SecondaryDurationUnit", codes.DURATION_UNIT_CODE[d.secondary_unit])
    for start in d.start_dates:
        _opt(parent, "DurationStartDate", start)
    for end in d.end_dates:
        _opt(parent, "DurationEndDate", end)


def _next_hearing(parent: etree._Element, n: NextHearing) -> None:
    if n.bail_status is not None:
        _opt(parent, "BailStatusOffence", codes.BAIL_STATUS_CODE[n.bail_status])
    details = _sub(parent, _DC + "NextHearingDetails")
    _opt(details, "CourtHearingLocation", n.court)
    _opt(details, "DateOfHearing", n.date)
    _opt(details, "TimeOfHearing", n.time)
    _opt(parent, "NextHearingReason", n.reason)
