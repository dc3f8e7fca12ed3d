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
    """The hearing: which court sat, when."""

    court: OuCode
    """The OU code of the court that sat (SPI ``CourtHearingLocation``)."""
    psa_code: Annotated[int, Field(ge=0, le=99999)]
    """The petty sessional area code of the court."""
    date: dt.date
    """The date of the hearing."""
    time: LocalTime
    """The local time the hearing started, ``HH:MM:SS``."""


class CourtCase(CanonicalModel):
    """The case the results belong to, by its police reference."""

    pti_urn: PtiUrn
    """The police case reference (PTI-URN) the results belong to."""


class Person(CanonicalModel):
    """A defendant who is a person: names, birth date, gender and contact details."""

    title: ShortText | None = None
    """The person's title (Mr, Ms...), when given."""
    given_names: Annotated[tuple[ShortText, ...], XmlItem("GivenName"), Field(max_length=3)] = ()
    """Up to three given names, in order; a blank item holds an empty place."""
    family_name: ShortText
    """The family name."""
    birth_date: dt.date | None = None
    """The date of birth, when given."""
    gender: Gender
    """The gender code as SPI gives it."""
    nationality: ShortText | None = None
    """The nationality, as text, when given."""
    email_addresses: Annotated[
        tuple[ShortText, ...], XmlItem("EmailAddress"), Field(max_length=2)
    ] = ()
    """Up to two e-mail addresses; a blank item holds an empty place."""
    telephone_home: ShortText | None = None
    """The home telephone number, when given."""
    telephone_business: ShortText | None = None
    """The business telephone number, when given."""
    telephone_mobile: ShortText | None = None
    """The mobile telephone number, when given."""


class Organisation(CanonicalModel):
    """A defendant that is an organisation (a company, say)."""

    name: ShortText
    """The organisation's name."""


class Address(CanonicalModel):
    """Either free address ``lines`` (SPI SimpleAddress) or structured fields (ComplexAddress)."""

    lines: Annotated[tuple[ShortText, ...], XmlItem("Line"), Field(max_length=5)] = ()
    """Free address lines (up to five, numbered places kept), or empty when structured."""
    paon: ShortText | None = None
    """Primary addressable object name: the house name or number."""
    street: ShortText | None = None
    """The street."""
    locality: ShortText | None = None
    """The locality within the town."""
    town: ShortText | None = None
    """The post town."""
    usrn: ShortText | None = None
    """The unique street reference number."""
    administrative_area: ShortText | None = None
    """The administrative area (county or unitary authority)."""
    postcode: ShortText | None = None
    """The postcode."""

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
    """Who the results are about: exactly one of a person or an organisation, with the
    case's ASN, the PNC ID when known, the address, and bail."""

    asn: Asn
    """The arrest/summons number of the case against this defendant."""
    pnc_id: PncId | None = None
    """The defendant's PNC ID, when known."""
    person: Person | None = None
    """The defendant, when a person (exactly one of person and organisation)."""
    organisation: Organisation | None = None
    """The defendant, when an organisation (exactly one of person and organisation)."""
    address: Address
    """The defendant's address."""
    presence: Presence
    """Whether and how the defendant attended the hearing."""
    bail_status: BailStatus
    """The defendant's bail status after the hearing."""
    bail_conditions: Text | None = None
    """The bail conditions imposed, as text, when any."""
    reason_for_bail_conditions_or_custody: Text | None = None
    """Why bail conditions or custody were ordered."""

    @model_validator(mode="after")
    def _person_xor_organisation(self) -> Defendant:
        if (self.person is None) == (self.organisation is None):
            raise ValueError("a defendant is exactly one of a person or an organisation")
        return self


class AlcoholLevel(CanonicalModel):
    """The alcohol level measured for a drink-driving offence, and how."""

    amount: Annotated[int, Field(ge=0)]
    """The measured alcohol level."""
    method: Annotated[str, Field(pattern=r"^[A-Z]$")]
    """The one-letter code of how it was measured (breath, blood, urine...)."""


class Duration(CanonicalModel):
    """How long a result lasts: one or two lengths with units, or start and end dates."""

    value: Annotated[int, Field(ge=0)] | None = None
    """The length of the result, in ``unit``s, when it has one."""
    unit: DurationUnit | None = None
    """The unit of ``value`` (days, weeks, months, years...)."""
    secondary_value: Annotated[int, Field(ge=0)] | None = None
    """A second length, in ``secondary_unit``s (such as a suspension period)."""
    secondary_unit: DurationUnit | None = None
    """The unit of ``secondary_value``."""
    start_dates: Annotated[tuple[dt.date, ...], XmlItem("StartDate")] = ()
    """The dates the result runs from, when given."""
    end_dates: Annotated[tuple[dt.date, ...], XmlItem("EndDate")] = ()
    """The dates the result runs to, when given."""


class NextHearing(CanonicalModel):
    """Where and when an adjourned case is heard next."""

    court: OuCode | None = None
    """The OU code of the court of the next hearing, when not the same court."""
    date: dt.date
    """The date of the next hearing."""
    time: LocalTime
    """The local time of the next hearing, ``HH:MM:SS``."""
    reason: Text | None = None
    """Why the case was adjourned to the next hearing."""
    bail_status: BailStatus | None = None
    """The bail status until the next hearing."""


class Result(CanonicalModel):
    """One thing the court decided on an offence: a code, its words, and its parameters."""

    code: Annotated[int, Field(ge=1000, le=9999)] | None = None
    """The CJS result code (1000 to 9999), when given."""
    text: Text = ""
    """The result as the court recorded it, in words."""
    qualifiers: Annotated[tuple[Code, ...], XmlItem("Qualifier")] = ()
    """Result qualifier codes, one or two characters each."""
    amount: Amount | None = None
    """A sum of money the result orders (a fine, costs, compensation), in pounds."""
    penalty_points: Annotated[int, Field(ge=0, le=99)] | None = None
    """Driving licence penalty points given."""
    duration: Duration | None = None
    """How long the result lasts, when it has a length."""
    next_hearing: NextHearing | None = None
    """The next hearing, when the result adjourns the case."""


class Offence(CanonicalModel):
    """One offence dealt with at the hearing: what, when, the plea, the finding and the
    results."""

    sequence: Annotated[int, Field(ge=0, le=999)]
    """The offence's number within the case."""
    code: OffenceCode
    """The offence code (CJS code) of the offence."""
    wording: Text = ""
    """The charge as worded to the court."""
    title: Text | None = None
    """The offence's title, when given."""
    date_code: OffenceDateCode
    """How the offence dates are to be read (on, before, between...)."""
    start_date: dt.date
    """The date the offence was committed, or its first date."""
    start_time: LocalTime | None = None
    """The local time it was committed, when given."""
    end_date: dt.date | None = None
    """The last date of the offence, when it spans several."""
    end_time: LocalTime | None = None
    """The local time it ended, when given."""
    location: Text | None = None
    """Where the offence was committed, as text."""
    arrest_date: dt.date | None = None
    """The date of arrest for this offence."""
    charge_date: dt.date | None = None
    """The date the defendant was charged with this offence."""
    alcohol_level: AlcoholLevel | None = None
    """The measured alcohol level, for a drink-driving offence."""
    recorded_conviction_date: dt.date | None = None
    """``ConvictionDate`` written inside SPI ``BaseOffenceDetails`` (rare); see
    ``conviction_date``."""
    initiated_date: dt.date
    """The date proceedings for the offence started."""
    plea: Plea
    """The defendant's plea."""
    plea_source_code: Annotated[str, Field(pattern=r"^[0-9]$")] | None = None
    """SPI's own plea code, kept only when it is not the default for ``plea``."""
    mode_of_trial: Annotated[str, Field(pattern=r"^0[1-9]$")] | None = None
    """The two-digit mode of trial code."""
    final_disposal: bool
    """Whether the results dispose of the offence finally."""
    conviction_date: dt.date | None = None
    """The date of conviction for the offence, when convicted."""
    convicting_court: Annotated[int, Field(ge=0, le=99999)] | None = None
    """The number of the court that convicted, when given."""
    finding: Finding | None = None
    """The court's finding on the offence (guilty, not guilty...)."""
    results: Annotated[tuple[Result, ...], XmlItem("Result")] = ()
    """What the court decided on the offence, in order."""


class CaseResulted(Body):
    """One hearing's results for one defendant, from a Libra SPI ResultedCaseMessage."""

    message_type = "court.case-resulted"

    hearing: Hearing
    """The hearing the results come from."""
    case: CourtCase
    """The case the results belong to."""
    defendant: Defendant
    """The defendant the results are about."""
    offences: Annotated[tuple[Offence, ...], XmlItem("Offence")] = ()
    """The offences dealt with, each with its results."""
