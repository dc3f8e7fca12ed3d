"""``court.case-resulted``: the result of one hearing for one defendant (DESIGN.md section 3).

Rules kept here:

* a defendant is a person or an organisation, never both or neither;
* optional text that is empty in the source is absent (``None``); required text may be empty;
* SPI has two plea codes for guilty (``1`` and ``6``); ``plea_source_code`` keeps the source's
  code only when it is not the default one, so encoding gives it back;
* text in numbered places (``Address.lines``, ``Person.given_names``, ``Person.email_addresses``:
  SPI ``AddressLine1`` to ``5``, ``PersonGivenName1`` to ``3``, ``EmailAddress1`` and ``2``) keeps
  its places: item ``i`` is place ``i + 1``, and a **blank** item (white space only, written
  ``" "`` by cjx) holds the place of an absent one, so lines 1, 2 and 5 are
  ``("l1", "l2", " ", " ", "l5")``. A blank line, name or address means nothing is there, so
  this needs no new schema: every 1.0 reader accepts it (issue 10; docs/validation.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from cjx.model._base import Amount, Body, CanonicalModel, LocalTime, SafeText, XmlItem
from cjx.model._codes import (
    BailStatus,
    DurationUnit,
    Finding,
    Gender,
    OffenceDateCode,
    Plea,
    Presence,
)
from cjx.model._identifiers import Asn, OffenceCode, OuCode, PncId, PtiUrn

__all__ = [
    "BLANK_PLACE",
    "Address",
    "AlcoholLevel",
    "CaseResulted",
    "CourtCase",
    "Defendant",
    "Duration",
    "Hearing",
    "NextHearing",
    "Offence",
    "Organisation",
    "Person",
    "Result",
]

Text = Annotated[SafeText, Field(max_length=4000)]
ShortText = Annotated[SafeText, Field(min_length=1, max_length=255)]
Code = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,2}$")]
#: The text cjx writes in a numbered place that the source left empty (see the module notes).
BLANK_PLACE = " "


class Hearing(CanonicalModel):
    court: OuCode
    psa_code: Annotated[int, Field(ge=0, le=99999)]
    date: dt.date
    time: LocalTime


class CourtCase(CanonicalModel):
    pti_urn: PtiUrn


class Person(CanonicalModel):
    title: ShortText | None = None
    given_names: Annotated[tuple[ShortText, ...], XmlItem("GivenName"), Field(max_length=3)] = ()
    family_name: ShortText
    birth_date: dt.date | None = None
    gender: Gender
    nationality: ShortText | None = None
    email_addresses: Annotated[
        tuple[ShortText, ...], XmlItem("EmailAddress"), Field(max_length=2)
    ] = ()
    telephone_home: ShortText | None = None
    telephone_business: ShortText | None = None
    telephone_mobile: ShortText | None = None


class Organisation(CanonicalModel):
    name: ShortText


class Address(CanonicalModel):
    """Either free address ``lines`` (SPI SimpleAddress) or structured fields (ComplexAddress)."""

    lines: Annotated[tuple[ShortText, ...], XmlItem("Line"), Field(max_length=5)] = ()
    paon: ShortText | None = None
    street: ShortText | None = None
    locality: ShortText | None = None
    town: ShortText | None = None
    usrn: ShortText | None = None
    administrative_area: ShortText | None = None
    postcode: ShortText | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Address:
        structured = (
            self.paon,
            self.street,
            self.locality,
            self.town,
            self.usrn,
            self.administrative_area,
            self.postcode,
        )
        if self.lines and any(v is not None for v in structured):
            raise ValueError("an address has either lines or structured fields, not both")
        return self


class Defendant(CanonicalModel):
    asn: Asn
    pnc_id: PncId | None = None
    person: Person | None = None
    organisation: Organisation | None = None
    address: Address
    presence: Presence
    bail_status: BailStatus
    bail_conditions: Text | None = None
    reason_for_bail_conditions_or_custody: Text | None = None

    @model_validator(mode="after")
    def _person_xor_organisation(self) -> Defendant:
        if (self.person is None) == (self.organisation is None):
            raise ValueError("a defendant is exactly one of a person or an organisation")
        return self


class AlcoholLevel(CanonicalModel):
    amount: Annotated[int, Field(ge=0)]
    method: Annotated[str, Field(pattern=r"^[A-Z]$")]


class Duration(CanonicalModel):
    value: Annotated[int, Field(ge=0)] | None = None
    unit: DurationUnit | None = None
    secondary_value: Annotated[int, Field(ge=0)] | None = None
    secondary_unit: DurationUnit | None = None
    start_dates: Annotated[tuple[dt.date, ...], XmlItem("StartDate")] = ()
    end_dates: Annotated[tuple[dt.date, ...], XmlItem("EndDate")] = ()


class NextHearing(CanonicalModel):
    court: OuCode | None = None
    date: dt.date
    time: LocalTime
    reason: Text | None = None
    bail_status: BailStatus | None = None


class Result(CanonicalModel):
    code: Annotated[int, Field(ge=1000, le=9999)] | None = None
    text: Text = ""
    qualifiers: Annotated[tuple[Code, ...], XmlItem("Qualifier")] = ()
    amount: Amount | None = None
    penalty_points: Annotated[int, Field(ge=0, le=99)] | None = None
    duration: Duration | None = None
    next_hearing: NextHearing | None = None


class Offence(CanonicalModel):
    sequence: Annotated[int, Field(ge=0, le=999)]
    code: OffenceCode
    wording: Text = ""
    title: Text | None = None
    date_code: OffenceDateCode
    start_date: dt.date
    start_time: LocalTime | None = None
    end_date: dt.date | None = None
    end_time: LocalTime | None = None
    location: Text | None = None
    arrest_date: dt.date | None = None
    charge_date: dt.date | None = None
    alcohol_level: AlcoholLevel | None = None
    #: ``ConvictionDate`` written inside SPI ``BaseOffenceDetails`` (rare); see ``conviction_date``.
    recorded_conviction_date: dt.date | None = None
    initiated_date: dt.date
    plea: Plea
    plea_source_code: Annotated[str, Field(pattern=r"^[0-9]$")] | None = None
    mode_of_trial: Annotated[str, Field(pattern=r"^0[1-9]$")] | None = None
    final_disposal: bool
    conviction_date: dt.date | None = None
    convicting_court: Annotated[int, Field(ge=0, le=99999)] | None = None
    finding: Finding | None = None
    results: Annotated[tuple[Result, ...], XmlItem("Result")] = ()


class CaseResulted(Body):
    """One hearing's results for one defendant, from a Libra SPI ResultedCaseMessage."""

    message_type = "court.case-resulted"

    hearing: Hearing
    case: CourtCase
    defendant: Defendant
    offences: Annotated[tuple[Offence, ...], XmlItem("Offence")] = ()
