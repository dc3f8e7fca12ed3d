"""``custody.prisoner-record`` (version 1.1): a prison's whole record of a person, now.

The body is shaped for every source that holds such a record: the hmpps-prisoner-search
Prisoner document (``prisoner-search``) fills most of it; a NOMIS CDE extract row (issue 9)
fills the parts it shares with that document. Only the NOMS number is required.

The record's fields are grouped along hmpps-prisoner-search's change categories
(``categoriesChanged``): :data:`CHANGE_GROUPS` names each group, in lower case with hyphens, and
the body field that holds it (``personal-details`` -> ``personal_details``), so that
:meth:`PrisonerRecord.differing_groups` tells which groups differ between two records.

Version 1.2 adds ``changed_groups`` at the record's extension point (docs/versioning.md): the
groups (:class:`ChangeGroup`) the source says changed since its previous record of the person,
each once, kept in :data:`CHANGE_GROUPS` order; absent, the record says nothing about what
changed (as every 1.1 record). Its ``schema_version`` is therefore 1.2.

Rules kept here (the model is the one place they are enforced; both schemas name them):

* **A group is absent or holds something.** Each group (and a sentence's ``dates``) holds at
  least one value: a record says nothing about a group by leaving it out, never by an empty
  one, so equal records are equal models.
* **Absent is not empty.** A list the source sent empty (``"aliases": []``) is an empty tuple;
  one it did not send is ``None``. Canonical XML writes the first as an empty wrapper
  (``<Aliases/>``) and leaves the second out.
* **A PNC ID is kept as written.** :class:`WrittenPnc` holds the canonical PNC ID and, when the
  source wrote it otherwise (``12/394773H``, ``2012/394773H``), that text, which must read as
  the same PNC ID. Nothing is normalised away, so encoding writes the source's text back.
* **Identifiers as recorded.** :class:`RecordedIdentifier` keeps a NOMIS offender identifier's
  value exactly as recorded; a value of type ``PNC`` or ``CRO`` must be a valid PNC ID or CRO
  number (their own codes: ``pnc.check-character``...).
* **Gender is cjx's reading plus the source's text.** Sources describe gender in words (NOMIS
  descriptions, "Male", "Not Specified (Indeterminate)") or codes (``M``). ``gender`` is the
  version 1.0 :class:`~cjx.model.Gender` the text reads as (:func:`read_gender`, case-blind,
  NOMIS descriptions and codes); ``gender_text`` is the text itself, left out when it is the
  NOMIS description of ``gender`` (:data:`GENDER_DESCRIPTIONS`). A text cjx cannot read keeps
  ``gender`` absent. :func:`split_gender` and :func:`gender_text_of` are the two directions.
* Other categorical values that sources send as descriptions (ethnicity, religion, nationality,
  marital status, CSRA, physical description...) are text, kept exactly: their lists are long,
  NOMIS reference data that change locally, and no code comes with them. Those sent as codes
  (race code, category, imprisonment status, movement codes, alert codes...) are code tokens;
  those the formats define (legal status, in/out status, convicted status, smoker, the booking
  status's parts, identifier types, non-DTO release date type) are open code lists.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any, Final

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cjx.model._base import Body, CanonicalModel, Extension, SafeText, XmlItem
from cjx.model._codes import Gender
from cjx.model._identifiers import (
    BookNumber,
    CroNumber,
    IdentifierError,
    NomsNumber,
    PncId,
)
from cjx.model._open_codes import (
    CODE_PATTERN,
    NomisIdentifierType,
    OpenBookingActivity,
    OpenConvictedStatus,
    OpenInOutStatus,
    OpenLegalStatus,
    OpenNomisIdentifierType,
    OpenSmokerStatus,
)
from cjx.model._records import BookingId, JavaInt, SentenceDates
from cjx.model._timestamp import WallClockTimestamp

__all__ = [
    "CHANGE_GROUPS",
    "GENDER_DESCRIPTIONS",
    "BodyPartDetail",
    "BookingStatus",
    "ChangeGroup",
    "ContactDetails",
    "ConvictedOffence",
    "CurrentIncentive",
    "IncentiveLevel",
    "PersonalCareNeed",
    "PersonalDetails",
    "PhysicalDetails",
    "PrisonerAddress",
    "PrisonerAlert",
    "PrisonerAlias",
    "PrisonerEmailAddress",
    "PrisonerIdentifiers",
    "PrisonerLanguage",
    "PrisonerLocation",
    "PrisonerPhoneNumber",
    "PrisonerRecord",
    "PrisonerSentence",
    "PrisonerStatus",
    "RecordedIdentifier",
    "RestrictedPatient",
    "WrittenPnc",
    "gender_text_of",
    "read_gender",
    "split_gender",
]

#: Text as the source wrote it, possibly empty (names, descriptions, free text).
Text = Annotated[SafeText, Field(max_length=4000)]
#: A code of a list cjx does not enumerate (NOMIS reference data): a token, kept as sent.
Code = Annotated[str, Field(pattern=f"^{CODE_PATTERN}$")]
#: A Java ``Long`` (the sources' type of ids such as a facial image id).
JavaLong = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
#: A Spring Data type hint, a Java class name (``uk.gov...model.PrisonerB``).
JavaClassName = Annotated[
    str,
    Field(
        max_length=255,
        pattern=r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$",
    ),
]
#: A PNC ID as a source wrote it: digits, letters, ``/`` and spaces (the model checks that it
#: reads as the PNC ID it is kept with).
PncText = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z/ ]+$")]
#: A recorded identifier's value (PNC, CRO, National Insurance number, driving licence...).
IdentifierText = Annotated[SafeText, Field(min_length=1, max_length=255)]


# --- gender ---------------------------------------------------------------------------------

#: The NOMIS description of each gender: the text a record leaves out (``gender_text``).
GENDER_DESCRIPTIONS: Final[dict[Gender, str]] = {
    Gender.MALE: "Male",
    Gender.FEMALE: "Female",
    Gender.NOT_KNOWN: "Not Known / Not Recorded",
    Gender.NOT_SPECIFIED: "Not Specified (Indeterminate)",
}
_GENDER_READINGS: Final[dict[str, Gender]] = {
    **{text.casefold(): gender for gender, text in GENDER_DESCRIPTIONS.items()},
    "m": Gender.MALE,
    "f": Gender.FEMALE,
    "nk": Gender.NOT_KNOWN,
    "ns": Gender.NOT_SPECIFIED,
}


def read_gender(text: str) -> Gender | None:
    """The gender ``text`` names (a NOMIS description or code, any case), else ``None``."""
    return _GENDER_READINGS.get(text.strip().casefold())


def split_gender(text: str) -> tuple[Gender | None, str | None]:
    """``(gender, gender_text)`` of a record for a source's ``text`` (see the module rules)."""
    gender = read_gender(text)
    if gender is not None and GENDER_DESCRIPTIONS[gender] == text:
        return gender, None
    return gender, text


def gender_text_of(gender: Gender | None, gender_text: str | None) -> str | None:
    """The source's text of a record's gender: ``gender_text``, else the NOMIS description."""
    if gender_text is not None:
        return gender_text
    return GENDER_DESCRIPTIONS[gender] if gender is not None else None


def _check_gender(gender: Gender | None, gender_text: str | None) -> None:
    if gender_text is None:
        return
    if read_gender(gender_text) != gender:
        raise ValueError("gender must be cjx's reading of gender_text (absent when it has none)")
    if gender is not None and gender_text == GENDER_DESCRIPTIONS[gender]:
        raise ValueError("gender_text is left out when it is the NOMIS description of gender")


# --- groups ---------------------------------------------------------------------------------


class _Group(CanonicalModel):
    """A group of a prisoner record: absent, or holding at least one value."""

    @model_validator(mode="after")
    def _not_empty(self) -> Any:
        if all(value is None for value in self.__dict__.values()):  # the fields' values
            raise ValueError(
                f"a {type(self).__name__} holds at least one value; leave it out otherwise"
            )
        return self


class WrittenPnc(CanonicalModel):
    """A PNC ID and, when the source wrote it in another form, the text it wrote.

    ``written`` (``12/394773H``) must read as ``pnc`` (``2012/0394773H``) and differ from it.
    """

    pnc: PncId
    written: PncText | None = None
    """The PNC ID as the source wrote it, when that is not the canonical form in ``pnc``."""

    @model_validator(mode="after")
    def _written_reads_as_pnc(self) -> WrittenPnc:
        if self.written is None:
            return self
        try:
            read = PncId.parse(self.written)
        except IdentifierError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
        if read != self.pnc:
            raise ValueError("written must read as the same PNC ID as pnc")
        if self.written == self.pnc:
            raise ValueError("written is left out when it is the canonical form")
        return self

    @classmethod
    def of(cls, text: str) -> WrittenPnc:
        """The PNC ID ``text`` names, kept with ``text``; :class:`IdentifierError` otherwise."""
        pnc = PncId.parse(text)
        return cls(pnc=pnc, written=None if text == pnc else text)

    @property
    def text(self) -> str:
        """What the source wrote."""
        return self.written if self.written is not None else str(self.pnc)


_CHECKED_IDENTIFIERS: Final[dict[str, type[PncId] | type[CroNumber]]] = {
    NomisIdentifierType.PNC.value: PncId,
    NomisIdentifierType.CRO.value: CroNumber,
}


class RecordedIdentifier(CanonicalModel):
    """One NOMIS offender identifier (of the person or an alias), its value as recorded.

    A value of type ``PNC`` must be a valid PNC ID, one of type ``CRO`` a valid CRO number
    (in any form they accept); the value is kept as recorded either way.
    """

    type: OpenNomisIdentifierType
    value: IdentifierText
    """The identifier's value, exactly as recorded (``value``)."""
    issued_date: dt.date | None = None
    """The date the identifier was issued, as recorded (``issuedDate``)."""
    issued_authority_text: Text | None = None
    """The authority that issued the identifier, as recorded (``issuedAuthorityText``)."""
    created_date_time: WallClockTimestamp | None = None

    @model_validator(mode="after")
    def _checked_value(self) -> RecordedIdentifier:
        try:
            self.check_value(self.type, self.value)
        except IdentifierError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
        return self

    @staticmethod
    def check_value(kind: str, value: str) -> None:
        """:class:`IdentifierError` when ``value`` of type ``kind`` is a PNC ID or CRO number
        that is not valid (in any form they accept)."""
        checked = _CHECKED_IDENTIFIERS.get(str(kind))
        if checked is not None:
            checked.parse(value)


class PrisonerIdentifiers(_Group):
    """Group ``identifiers``: the PNC ID (in the three forms the source sends), the CRO
    number, the current booking (id and book number) and every identifier recorded."""

    pnc_number: WrittenPnc | None = None
    """The PNC ID as the source sends it in ``pncNumber``."""
    pnc_number_canonical_short: WrittenPnc | None = None
    """The PNC ID of ``pncNumberCanonicalShort``."""
    pnc_number_canonical_long: WrittenPnc | None = None
    """The PNC ID of ``pncNumberCanonicalLong``."""
    cro_number: CroNumber | None = None
    """The CRO number."""
    booking_id: BookingId | None = None
    """The NOMIS booking id of the current booking."""
    book_number: BookNumber | None = None
    """The NOMIS book number of the current booking."""
    recorded_identifiers: Annotated[
        tuple[RecordedIdentifier, ...] | None, XmlItem("RecordedIdentifier")
    ] = None
    """Every identifier recorded for the person."""

    @property
    def pnc(self) -> PncId | None:
        """The person's PNC ID: ``pnc_number``, else the long form, else the short form."""
        for written in (
            self.pnc_number,
            self.pnc_number_canonical_long,
            self.pnc_number_canonical_short,
        ):
            if written is not None:
                return written.pnc
        return None


class _Identity(CanonicalModel):
    """Who a name belongs to, as NOMIS records it for a person and for each alias."""

    title: Text | None = None
    """The title, as recorded (prisoner-search ``title``)."""
    first_name: Text | None = None
    """The first name (``firstName``): personal data."""
    middle_names: Text | None = None
    """The middle names (``middleNames``): personal data."""
    last_name: Text | None = None
    """The last name (``lastName``): personal data."""
    date_of_birth: dt.date | None = None
    """The date of birth (``dateOfBirth``): personal data."""
    gender: Gender | None = None
    """cjx's reading of the source's gender text (absent when it reads as none)."""
    gender_text: Text | None = None
    """The source's gender text (``gender``), left out when it is the NOMIS description of
    ``gender``."""
    ethnicity: Text | None = None
    """The ethnicity, as NOMIS describes it (``ethnicity``)."""
    race_code: Code | None = None
    """NOMIS's race code (``raceCode``)."""

    @model_validator(mode="after")
    def _gender(self) -> Any:
        _check_gender(self.gender, self.gender_text)
        return self


class PrisonerAlias(_Identity):
    """Another name (and date of birth...) the person is recorded under."""


class PersonalCareNeed(CanonicalModel):
    """A NOMIS health problem recorded as a personal care need."""

    problem_type: Code | None = None
    """NOMIS's code of the type of health problem (``problemType``)."""
    problem_code: Code | None = None
    """NOMIS's code of the health problem (``problemCode``)."""
    problem_status: Code | None = None
    """NOMIS's code of the problem's status (``problemStatus``)."""
    problem_description: Text | None = None
    """The health problem, in words (``problemDescription``)."""
    comment_text: Text | None = None
    """The comment recorded with the need (``commentText``): free text."""
    start_date: dt.date | None = None
    """The need's start date (``startDate``)."""
    end_date: dt.date | None = None
    """The need's end date (``endDate``)."""


class PrisonerLanguage(CanonicalModel):
    """A language the person uses, with NOMIS's skill codes."""

    type: Code | None = None
    """NOMIS's language type code (``type``)."""
    code: Code | None = None
    """NOMIS's code of the language (``code``)."""
    read_skill: Code | None = None
    """NOMIS's code of the person's reading skill in it (``readSkill``)."""
    write_skill: Code | None = None
    """NOMIS's code of the person's writing skill in it (``writeSkill``)."""
    speak_skill: Code | None = None
    """NOMIS's code of the person's speaking skill in it (``speakSkill``)."""
    interpreter_requested: bool | None = None
    """Whether an interpreter is requested (``interpreterRequested``)."""


class PersonalDetails(_Group, _Identity):
    """Group ``personal-details``: names, date of birth, gender and the person's profile.

    A group holds at least one value (the model's rule)."""

    youth_offender: bool | None = None
    """Whether NOMIS flags the person as a youth offender."""
    marital_status: Text | None = None
    """The marital status, as NOMIS describes it."""
    religion: Text | None = None
    """The religion, as NOMIS describes it."""
    nationality: Text | None = None
    """The nationality, as NOMIS describes it."""
    smoker: OpenSmokerStatus | None = None
    """NOMIS's smoker code."""
    personal_care_needs: Annotated[
        tuple[PersonalCareNeed, ...] | None, XmlItem("PersonalCareNeed")
    ] = None
    """The person's recorded personal care needs."""
    languages: Annotated[tuple[PrisonerLanguage, ...] | None, XmlItem("Language")] = None
    """The languages the person speaks, reads or writes, as recorded."""
    current_facial_image_id: JavaLong | None = None
    """NOMIS's id of the current facial image (the id, not the image)."""
    aliases: Annotated[tuple[PrisonerAlias, ...] | None, XmlItem("Alias")] = None
    """Other names and details the person is recorded under."""


class PrisonerAlert(CanonicalModel):
    """One alert on the person: its type and code, and whether it is active or expired."""

    alert_type: Code
    """NOMIS's code of the alert's type (``alertType``)."""
    alert_code: Code
    """NOMIS's code of the alert (``alertCode``)."""
    active: bool | None = None
    """Whether the alert is active (``active``)."""
    expired: bool | None = None
    """Whether the alert has expired (``expired``)."""


class BookingStatus(CanonicalModel):
    """The booking's status: active or not, and in, out or in transit (``ACTIVE IN``)."""

    activity: OpenBookingActivity
    in_out: OpenInOutStatus


class PrisonerStatus(_Group):
    """Group ``status``: the booking's status, legal and convicted status, category and risk."""

    booking_status: BookingStatus | None = None
    """The booking's status: active or not, and in, out or in transit."""
    in_out_status: OpenInOutStatus | None = None
    """Whether the person is in or out of prison, or in transit."""
    csra: Text | None = None
    """The cell sharing risk assessment (CSRA) rating."""
    category: Code | None = None
    """The security category code."""
    complexity_of_need_level: Text | None = None
    """The complexity of need level."""
    legal_status: OpenLegalStatus | None = None
    """The legal status (sentenced, recall, convicted unsentenced...)."""
    imprisonment_status: Code | None = None
    """NOMIS's imprisonment status code."""
    imprisonment_status_description: Text | None = None
    """The imprisonment status, in words."""
    convicted_status: OpenConvictedStatus | None = None
    """Whether the person is convicted or on remand."""
    recall: bool | None = None
    """Whether the person is in prison on recall."""


class PrisonerLocation(_Group):
    """Group ``location``: the prison (or ``OUT``), the cell, and the last movement."""

    last_movement_type_code: Code | None = None
    """NOMIS's code of the type of the last movement."""
    last_movement_reason_code: Code | None = None
    """NOMIS's code of the reason for the last movement."""
    last_movement_date: dt.date | None = None
    """The date of the last movement, when the source sends it."""
    prison_id: Code | None = None
    """The prison the person is in, or ``OUT``."""
    prison_name: Text | None = None
    """The name of that prison."""
    last_prison_id: Code | None = None
    """The last prison the person was in."""
    previous_prison_id: Code | None = None
    """The prison before the current one."""
    previous_prison_leaving_date: dt.date | None = None
    """The date the person left the previous prison."""
    cell_location: Text | None = None
    """The cell, as NOMIS describes it."""
    last_admission_date: dt.date | None = None
    """The date of the last admission into prison."""
    location_description: Text | None = None
    """Where the person is, in words."""


class ConvictedOffence(CanonicalModel):
    """One offence the person was convicted of (any booking), with its sentence's start."""

    statute_code: Code | None = None
    """NOMIS's code of the statute the offence is under (``statuteCode``)."""
    offence_code: Code | None = None
    """NOMIS's code of the offence (``offenceCode``)."""
    offence_description: Text | None = None
    """The offence, in words (``offenceDescription``)."""
    offence_date: dt.date | None = None
    """The date of the offence (``offenceDate``)."""
    latest_booking: bool | None = None
    """Whether the offence belongs to the latest booking (``latestBooking``)."""
    sentence_start_date: dt.date | None = None
    """The start date of the offence's sentence (``sentenceStartDate``)."""
    primary_sentence: bool | None = None
    """Whether the offence's sentence is the primary one (``primarySentence``)."""


class PrisonerSentence(_Group):
    """Group ``sentence``: the most serious offence, the key dates (NOMIS sentence dates, as
    the source reports them) and every convicted offence. ``dates``, when present, holds at
    least one date."""

    most_serious_offence: Text | None = None
    """The description of the most serious offence."""
    indeterminate_sentence: bool | None = None
    """Whether the sentence is indeterminate."""
    reception_date: dt.date | None = None
    """The date the person was received for this sentence."""
    dates: SentenceDates | None = None
    """The booking's sentence dates."""
    convicted_offences: Annotated[
        tuple[ConvictedOffence, ...] | None, XmlItem("ConvictedOffence")
    ] = None
    """The offences the person is convicted of."""

    @model_validator(mode="after")
    def _dates_not_empty(self) -> PrisonerSentence:
        if self.dates is not None and all(
            getattr(self.dates, name) is None for name in SentenceDates.model_fields
        ):
            raise ValueError("dates holds at least one date; leave it out otherwise")
        return self


class RestrictedPatient(_Group):
    """Group ``restricted-patient``: whether the person is a restricted patient, and where
    they were discharged to."""

    is_restricted_patient: bool | None = None
    """Whether the person is a restricted patient (``restrictedPatient``)."""
    supporting_prison_id: Code | None = None
    """The prison supporting the restricted patient (``supportingPrisonId``)."""
    discharged_hospital_id: Code | None = None
    """NOMIS's code of the hospital the person was discharged to (``dischargedHospitalId``)."""
    discharged_hospital_description: Text | None = None
    """The name of that hospital (``dischargedHospitalDescription``)."""
    discharge_date: dt.date | None = None
    """The date of the discharge to hospital (``dischargeDate``)."""
    discharge_details: Text | None = None
    """Details of the discharge, as recorded (``dischargeDetails``): free text."""


class IncentiveLevel(CanonicalModel):
    """An incentive level: its code (``STD``) and description (``Standard``)."""

    code: Code | None = None
    """The incentive level's code (``STD``)."""
    description: Text | None = None
    """The incentive level, in words (``Standard``)."""


class CurrentIncentive(_Group):
    """Group ``incentive-level``: the current incentive level, since when, and its next
    review."""

    level: IncentiveLevel | None = None
    """The current incentive level (``currentIncentive.level``)."""
    date_time: WallClockTimestamp | None = None
    next_review_date: dt.date | None = None
    """The date of the level's next review (``nextReviewDate``)."""


class BodyPartDetail(CanonicalModel):
    """A tattoo, scar or mark: the part of the body and a comment."""

    body_part: Text | None = None
    """The part of the body, as recorded (``bodyPart``)."""
    comment: Text | None = None
    """The comment recorded with it (``comment``): free text."""


class PhysicalDetails(_Group):
    """Group ``physical-details``: height, weight, the profile's descriptions, and marks."""

    height_centimetres: JavaInt | None = None
    """The height in centimetres (``heightCentimetres``)."""
    weight_kilograms: JavaInt | None = None
    """The weight in kilograms (``weightKilograms``)."""
    hair_colour: Text | None = None
    """The hair colour, as NOMIS describes it (``hairColour``)."""
    right_eye_colour: Text | None = None
    """The right eye's colour, as NOMIS describes it (``rightEyeColour``)."""
    left_eye_colour: Text | None = None
    """The left eye's colour, as NOMIS describes it (``leftEyeColour``)."""
    facial_hair: Text | None = None
    """The facial hair, as NOMIS describes it (``facialHair``)."""
    shape_of_face: Text | None = None
    """The shape of the face, as NOMIS describes it (``shapeOfFace``)."""
    build: Text | None = None
    """The build, as NOMIS describes it (``build``)."""
    shoe_size: JavaInt | None = None
    """The shoe size (``shoeSize``)."""
    tattoos: Annotated[tuple[BodyPartDetail, ...] | None, XmlItem("Tattoo")] = None
    """The person's recorded tattoos (``tattoos``)."""
    scars: Annotated[tuple[BodyPartDetail, ...] | None, XmlItem("Scar")] = None
    """The person's recorded scars (``scars``)."""
    marks: Annotated[tuple[BodyPartDetail, ...] | None, XmlItem("Mark")] = None
    """The person's recorded marks (``marks``)."""


class PrisonerPhoneNumber(CanonicalModel):
    """A telephone number and its type (``HOME``, ``MOB``)."""

    type: Code | None = None
    """NOMIS's code of the number's type (``HOME``, ``MOB``)."""
    number: Text
    """The telephone number, as recorded (``number``): personal data."""


class PrisonerAddress(CanonicalModel):
    """An address of the person, as one line, with its postcode and phone numbers."""

    full_address: Text | None = None
    """The whole address as one text (``fullAddress``): personal data."""
    postal_code: Text | None = None
    """The postcode (``postalCode``)."""
    start_date: dt.date | None = None
    """The address's start date, as recorded (``startDate``)."""
    primary_address: bool | None = None
    """Whether this is the person's primary address (``primaryAddress``)."""
    no_fixed_address: bool | None = None
    """Whether the address records no fixed address (``noFixedAddress``)."""
    phone_numbers: Annotated[tuple[PrisonerPhoneNumber, ...] | None, XmlItem("PhoneNumber")] = None
    """The telephone numbers of the address (``phoneNumbers``)."""


class PrisonerEmailAddress(CanonicalModel):
    """An email address of the person."""

    email: Text
    """The email address (``email``): personal data."""


class ContactDetails(_Group):
    """Group ``contact-details``: addresses, email addresses and telephone numbers."""

    addresses: Annotated[tuple[PrisonerAddress, ...] | None, XmlItem("Address")] = None
    """The person's addresses (``addresses``)."""
    email_addresses: Annotated[tuple[PrisonerEmailAddress, ...] | None, XmlItem("EmailAddress")] = (
        None
    )
    """The person's email addresses (``emailAddresses``)."""
    phone_numbers: Annotated[tuple[PrisonerPhoneNumber, ...] | None, XmlItem("PhoneNumber")] = None
    """The person's telephone numbers (``phoneNumbers``)."""


#: The change groups of a prisoner record (hmpps-prisoner-search's ``categoriesChanged``, in
#: lower case with hyphens) and the body field holding each.
CHANGE_GROUPS: Final[dict[str, str]] = {
    "identifiers": "identifiers",
    "personal-details": "personal_details",
    "alerts": "alerts",
    "status": "status",
    "location": "location",
    "sentence": "sentence",
    "restricted-patient": "restricted_patient",
    "incentive-level": "incentive_level",
    "physical-details": "physical_details",
    "contact-details": "contact_details",
}


class ChangeGroup(enum.StrEnum):
    """A change group of a prisoner record (version 1.2): hmpps-prisoner-search's
    categoriesChanged, in lower case with hyphens (the names of CHANGE_GROUPS, in its order)."""

    IDENTIFIERS = "identifiers"
    PERSONAL_DETAILS = "personal-details"
    ALERTS = "alerts"
    STATUS = "status"
    LOCATION = "location"
    SENTENCE = "sentence"
    RESTRICTED_PATIENT = "restricted-patient"
    INCENTIVE_LEVEL = "incentive-level"
    PHYSICAL_DETAILS = "physical-details"
    CONTACT_DETAILS = "contact-details"


_GROUP_ORDER: Final[dict[str, int]] = {name: n for n, name in enumerate(CHANGE_GROUPS)}


class PrisonerRecord(Body):
    """``custody.prisoner-record``: a prison's whole record of one person, now.

    Only the NOMS number is required; each group is absent when the source says nothing of
    it. ``index_document_class`` is the Spring Data type hint (``_class``) of a record read
    from hmpps-prisoner-search's index rather than its API, kept so that the same document
    can be written back; it belongs to no change group. ``changed_groups`` (version 1.2, at
    the record's extension point) names the groups the source says changed since its previous
    record of the person; it is about the message, and belongs to no group either.
    """

    message_type = "custody.prisoner-record"
    introduced_in = "1.1"
    #: 1.2 added ``changed_groups`` at the record's extension point.
    schema_version = "1.2"

    noms_number: NomsNumber
    """The prisoner's NOMS number (``prisonerNumber``): the only required field."""
    identifiers: PrisonerIdentifiers | None = None
    """Group ``identifiers``: PNC ID, CRO number, booking, recorded identifiers."""
    personal_details: PersonalDetails | None = None
    """Group ``personal-details``: names, birth date, gender, the profile."""
    alerts: Annotated[tuple[PrisonerAlert, ...] | None, XmlItem("Alert")] = None
    """Group ``alerts``: the person's alerts."""
    status: PrisonerStatus | None = None
    """Group ``status``: the booking's status, legal and convicted status, category."""
    location: PrisonerLocation | None = None
    """Group ``location``: the prison, the cell, the last movement."""
    sentence: PrisonerSentence | None = None
    """Group ``sentence``: the most serious offence, key dates, offences."""
    restricted_patient: RestrictedPatient | None = None
    """Group ``restricted-patient``: held in hospital as a restricted patient."""
    incentive_level: CurrentIncentive | None = None
    """Group ``incentive-level``: the current incentive level."""
    physical_details: PhysicalDetails | None = None
    """Group ``physical-details``: height, weight, marks."""
    contact_details: ContactDetails | None = None
    """Group ``contact-details``: addresses, e-mail addresses, phone numbers."""
    index_document_class: JavaClassName | None = None
    """The search index's ``_class`` type hint, kept to write it back."""
    changed_groups: Annotated[
        tuple[ChangeGroup, ...] | None,
        Field(max_length=len(CHANGE_GROUPS), json_schema_extra={"uniqueItems": True}),
        XmlItem("Group"),
        Extension("1.2"),
    ] = None
    """(version 1.2) The groups the source says changed since its previous record of the
    person, each once, in the order of the groups; a new person has every group named; empty:
    none changed; absent: the record does not say."""

    @field_validator("changed_groups")
    @classmethod
    def _groups_once_in_order(
        cls, value: tuple[ChangeGroup, ...] | None
    ) -> tuple[ChangeGroup, ...] | None:
        if value is None:
            return None
        if len(set(value)) != len(value):
            raise ValueError("changed_groups names each group at most once")
        return tuple(sorted(value, key=lambda group: _GROUP_ORDER[group]))

    def differing_groups(self, other: PrisonerRecord) -> tuple[str, ...]:
        """The change groups (:data:`CHANGE_GROUPS` names) in which ``other`` differs."""
        return tuple(
            name
            for name, field in CHANGE_GROUPS.items()
            if getattr(self, field) != getattr(other, field)
        )
