"""The probation custody record (version 1.1): a Delius conviction with its custody.

``probation.custody-record`` holds what community-api says about one Delius *event* (its
Conviction): the event's ids, offences, sentence, custody (book number, institution, custodial
status, key dates), court, order managers; and, when the caller fetched them too, the person's
Delius identifiers (OffenderDetail ``otherIds``), the licence conditions of the sentence and its
SentenceStatus. Names follow community-api's, in snake case; Delius-specific parts carry a
``Delius`` prefix.

Rules kept here (the model is the one place they are enforced):

* Every identifier is checked with its own rules (``crn.*``, ``noms.*``, ``pnc.*``, ``cro.*``,
  ``book-number.*``; ``ho-offence-code.*`` for the Home Office offence classification code,
  which is not a CJS offence code).
* Dates are dates; Delius's local date-times are :data:`~cjx.model.WallClockTimestamp` values
  (Europe/London), with the source's precision, ``offence_date`` included although Delius
  always writes it at midnight (``2019-03-18T00:00:00``): it is kept exactly.
* Codes of an open list (custodial status, length units) hold a member or the code as sent.
* Key dates are a set (:func:`~cjx.model.key_date_set`): each Delius key-date code once, in the
  list's order. ``DeliusCustody.key_dates`` is ``None`` when the source sent no key dates and
  an empty :class:`CustodyKeyDates` when it sent an empty set; the two differ.
* ``licence_conditions`` is ``None`` when the licence conditions were not fetched, and an empty
  :class:`DeliusLicenceConditions` when the sentence has none.
* Absent lists inside the conviction (offences, additional sentences, order managers) and empty
  ones are the same: ``()``.
* A record names its person by its subject identifiers; when it carries none (a bare
  Conviction: community-api puts the CRN in the URL, not the document), its ordering key is the
  custody's book number (``BOOK-NUMBER:38353A``), else the conviction id
  (``DELIUS-EVENT:2500283547``).

Personal data (names, notes) is modelled exactly and never appears in reports or logs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Final

from pydantic import AfterValidator, Field, PlainSerializer, WithJsonSchema, field_validator

from cjx.model._base import Body, CanonicalModel, SafeText, XmlItem
from cjx.model._identifiers import (
    BookNumber,
    Crn,
    CroNumber,
    HomeOfficeOffenceCode,
    NomsNumber,
    PncId,
)
from cjx.model._open_codes import OpenCustodialStatus, OpenLengthUnit
from cjx.model._records import JavaLong, KeyDate, key_date_set
from cjx.model._timestamp import WallClockTimestamp

__all__ = [
    "AMOUNT_PATTERN",
    "AdditionalSentence",
    "Conviction",
    "CustodialStatusValue",
    "CustodyKeyDates",
    "CustodyRecord",
    "DeliusCode",
    "DeliusCourt",
    "DeliusCourtAppearance",
    "DeliusCustody",
    "DeliusInstitution",
    "DeliusLicenceCondition",
    "DeliusLicenceConditions",
    "DeliusOffence",
    "DeliusOffenceDetail",
    "DeliusOrderManager",
    "DeliusSentence",
    "DeliusSentenceStatus",
    "UnpaidWork",
    "UnpaidWorkAppointments",
]

#: Text of Delius: reference data descriptions, names, codes (at most 4000 characters).
Text = Annotated[SafeText, Field(max_length=4000)]
#: Free text notes of Delius (CLOB columns), up to the size of the largest input cjx reads.
Notes = Annotated[SafeText, Field(max_length=1024 * 1024)]
#: A code of a Delius reference list (``R_STANDARD_REFERENCE_LIST.CODE_VALUE``, 100 characters).
DeliusCodeText = Annotated[SafeText, Field(min_length=1, max_length=100)]
#: The id community-api gives an offence: ``M`` + the main offence id, ``A`` + an additional
#: offence id (its ``OffenceIdTransformer``).
OffenceId = Annotated[str, Field(pattern=r"^[MA][0-9]{1,19}$")]
#: A Delius event number (``EVENT.EVENT_NUMBER``, ``"1"``, ``"3"``): digits, kept as text.
EventNumber = Annotated[str, Field(pattern=r"^[0-9]{1,10}$")]

_AMOUNT_DIGITS: Final = 38  # Oracle NUMBER's precision
_AMOUNT_PLACES: Final = 10
#: The text form of an amount, in both schemas.
AMOUNT_PATTERN: Final = (
    rf"-?[0-9]{{1,{_AMOUNT_DIGITS - _AMOUNT_PLACES}}}(\.[0-9]{{1,{_AMOUNT_PLACES}}})?"
)


def _plain_decimal(value: Decimal) -> Decimal:
    """A finite decimal in its shortest plain form: no exponent (``1E+2`` is ``100``), no
    trailing fraction zeros (``100.50`` is ``100.5``), no negative zero."""
    if not value.is_finite():
        raise ValueError("expected a finite number")
    plain = Decimal(format(value.normalize(), "f"))
    return abs(plain) if plain.is_zero() else plain


#: An amount of an additional sentence (Java ``BigDecimal``): any sign, at most 28 integer
#: and 10 fraction digits, held in its shortest plain form and written as such (never with an
#: exponent or trailing fraction zeros): ``100.50`` and ``100.5`` are one amount.
DeliusAmount = Annotated[
    Decimal,
    Field(max_digits=_AMOUNT_DIGITS, decimal_places=_AMOUNT_PLACES),
    AfterValidator(_plain_decimal),
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{AMOUNT_PATTERN}$",
            "description": "a decimal written as text, at most 10 fraction digits",
        }
    ),
]


class DeliusCode(CanonicalModel):
    """A Delius reference value (community-api ``KeyValue``): a code and its description, either
    of which may be absent (community-api sends only a description for some)."""

    code: DeliusCodeText | None = None
    """The reference value's code (``code``; Delius's ``CODE_VALUE``)."""
    description: Text | None = None
    """The reference value's description (``description``)."""


class CustodialStatusValue(CanonicalModel):
    """A custodial status (``KeyValue`` of the Delius custodial status list, an open list)."""

    code: OpenCustodialStatus | None = None
    description: Text | None = None
    """The custodial status, in words (``description``)."""


class DeliusOffenceDetail(CanonicalModel):
    """The classification of an offence: its Home Office offence code (main category and sub
    category written together) and Delius's descriptions of it."""

    code: HomeOfficeOffenceCode | None = None
    description: Text | None = None
    """Delius's description of the offence (``description``)."""
    abbreviation: Text | None = None
    """Delius's abbreviation of the offence (``abbreviation``)."""
    main_category_code: Annotated[str, Field(pattern=r"^[0-9]{3}$")] | None = None
    """The Home Office main category: the code's first 3 digits (``mainCategoryCode``)."""
    main_category_description: Text | None = None
    """The main category, in words (``mainCategoryDescription``)."""
    main_category_abbreviation: Text | None = None
    """The main category's abbreviation (``mainCategoryAbbreviation``)."""
    ogrs_offence_category: Text | None = None
    """The offence's OGRS offence category (``ogrsOffenceCategory``)."""
    sub_category_code: Annotated[str, Field(pattern=r"^[0-9]{2}$")] | None = None
    """The Home Office sub category: the code's last 2 digits (``subCategoryCode``)."""
    sub_category_description: Text | None = None
    """The sub category, in words (``subCategoryDescription``)."""
    sub_category_abbreviation: Text | None = None
    """The sub category's abbreviation (``subCategoryAbbreviation``)."""
    form20_code: Text | None = None
    """The offence's Form 20 code, as Delius records it (``form20Code``)."""
    cjit_code: Text | None = None
    """The offence's CJIT code, as Delius records it (``cjitCode``)."""


class DeliusOffence(CanonicalModel):
    """One offence of a conviction: the main one (``M`` id) or an additional one (``A`` id)."""

    offence_id: OffenceId | None = None
    """community-api's offence id (``offenceId``): ``M`` or ``A`` and the Delius id."""
    main_offence: bool | None = None
    """Whether this is the conviction's main offence (``mainOffence``)."""
    detail: DeliusOffenceDetail | None = None
    """The offence's classification and descriptions (``detail``)."""
    offence_date: WallClockTimestamp | None = None
    """A local date-time in Delius although it is a date (written at midnight): kept exactly."""
    offence_count: JavaLong | None = None
    """The number of counts of the offence (``offenceCount``)."""
    tics: JavaLong | None = None
    """The number of offences taken into consideration (``tics``)."""
    verdict: Text | None = None
    """The verdict, as Delius records it (``verdict``)."""
    offender_id: JavaLong | None = None
    """Delius's internal id of the person (``OFFENDER.OFFENDER_ID``)."""
    created_datetime: WallClockTimestamp | None = None
    last_updated_datetime: WallClockTimestamp | None = None


class UnpaidWorkAppointments(CanonicalModel):
    """Counts of the unpaid work appointments to date."""

    total: JavaLong | None = None
    """All unpaid work appointments (``total``)."""
    attended: JavaLong | None = None
    """Appointments attended (``attended``)."""
    acceptable_absences: JavaLong | None = None
    """Absences recorded as acceptable (``acceptableAbsences``)."""
    unacceptable_absences: JavaLong | None = None
    """Absences recorded as unacceptable (``unacceptableAbsences``)."""
    no_outcome_recorded: JavaLong | None = None
    """Appointments with no outcome recorded yet (``noOutcomeRecorded``)."""


class UnpaidWork(CanonicalModel):
    """Unpaid work of a sentence to date."""

    minutes_ordered: JavaLong | None = None
    """The minutes of unpaid work ordered (``minutesOrdered``)."""
    minutes_completed: JavaLong | None = None
    """The minutes of unpaid work completed (``minutesCompleted``)."""
    appointments: UnpaidWorkAppointments | None = None
    """Counts of the unpaid work appointments (``appointments``)."""
    status: Text | None = None
    """The unpaid work's status, in words (``status``)."""


class AdditionalSentence(CanonicalModel):
    """An additional sentence (a fine, a disqualification...) given with the main one."""

    additional_sentence_id: JavaLong | None = None
    """Delius's id of the additional sentence (``additionalSentenceId``)."""
    type: DeliusCode | None = None
    """The kind of additional sentence (``type``)."""
    amount: DeliusAmount | None = None
    length: JavaLong | None = None
    """The additional sentence's length, where it has one (``length``)."""
    notes: Notes | None = None
    """Notes recorded with it (``notes``): free text, may hold personal data."""


class DeliusSentence(CanonicalModel):
    """The sentence (Delius disposal) of a conviction: its lengths with their units, dates,
    unpaid work and additional sentences."""

    sentence_id: JavaLong | None = None
    """Delius's id of the sentence (disposal) (``sentenceId``)."""
    description: Text | None = None
    """The sentence, in words (``description``)."""
    original_length: JavaLong | None = None
    """The sentence's length, in ``original_length_units`` (``originalLength``)."""
    original_length_units: OpenLengthUnit | None = None
    second_length: JavaLong | None = None
    """The sentence's second length, in ``second_length_units`` (``secondLength``)."""
    second_length_units: OpenLengthUnit | None = None
    default_length: JavaLong | None = None
    """community-api's ``defaultLength`` of the sentence, as sent."""
    effective_length: JavaLong | None = None
    """community-api's ``effectiveLength`` of the sentence, as sent."""
    length_in_days: JavaLong | None = None
    """The sentence's length in days (``lengthInDays``)."""
    expected_sentence_end_date: dt.date | None = None
    """The date the sentence is expected to end (``expectedSentenceEndDate``)."""
    unpaid_work: UnpaidWork | None = None
    """The sentence's unpaid work to date (``unpaidWork``)."""
    start_date: dt.date | None = None
    """The date the sentence started (``startDate``)."""
    termination_date: dt.date | None = None
    """The date the sentence was terminated (``terminationDate``)."""
    termination_reason: Text | None = None
    """Why the sentence was terminated, in words (``terminationReason``)."""
    sentence_type: DeliusCode | None = None
    """The type of sentence (``sentenceType``)."""
    additional_sentences: Annotated[
        tuple[AdditionalSentence, ...], XmlItem("AdditionalSentence")
    ] = ()
    """The additional sentences given with it (``additionalSentences``)."""
    failure_to_comply_limit: JavaLong | None = None
    """The limit on failures to comply (``failureToComplyLimit``)."""
    cja2003_order: bool | None = None
    """Whether the order is a CJA 2003 order (``cja2003Order``)."""
    legacy_order: bool | None = None
    """Whether Delius marks the order as a legacy order (``legacyOrder``)."""


class DeliusInstitution(CanonicalModel):
    """A Delius institution (``R_INSTITUTION``): a prison, or a place such as "In the Community"
    (``COMMUN``) or "Unknown" (``UNKNOW``)."""

    institution_id: JavaLong | None = None
    """Delius's id of the institution (``institutionId``)."""
    is_establishment: bool | None = None
    """Whether the institution is an establishment (``isEstablishment``)."""
    code: Annotated[SafeText, Field(min_length=1, max_length=6)] | None = None
    """Delius's code of the institution, at most 6 characters (``code``)."""
    description: Text | None = None
    """The institution, in words (``description``)."""
    institution_name: Text | None = None
    """The institution's name (``institutionName``)."""
    establishment_type: DeliusCode | None = None
    """The type of establishment (``establishmentType``)."""
    is_private: bool | None = None
    """Whether the institution is privately run (``isPrivate``)."""
    noms_prison_institution_code: Annotated[SafeText, Field(min_length=1, max_length=50)] | None = (
        None
    )
    """The NOMIS agency id of the prison (``R_INSTITUTION.NOMIS_CDE_CODE``, e.g. ``MDI``)."""


class CustodyKeyDates(CanonicalModel):
    """The key dates of a custody, a set by Delius key-date code (possibly empty)."""

    dates: Annotated[tuple[KeyDate, ...], XmlItem("KeyDate")] = ()
    """The key dates, each Delius key-date code at most once, in the list's order."""

    @field_validator("dates")
    @classmethod
    def _a_set(cls, value: tuple[KeyDate, ...]) -> tuple[KeyDate, ...]:
        return key_date_set(value, "the key dates of a custody")


class DeliusCustody(CanonicalModel):
    """The custody of a custodial sentence: the NOMIS book number (Delius's prisoner number),
    the institution, the custodial status, the sentence start date and the key dates."""

    book_number: BookNumber | None = None
    """The NOMIS book number (Delius's prisoner number) of the custody."""
    institution: DeliusInstitution | None = None
    """The institution the person is held in."""
    key_dates: CustodyKeyDates | None = None
    """The custody's key dates."""
    status: CustodialStatusValue | None = None
    """The custodial status."""
    sentence_start_date: dt.date | None = None
    """The date the custodial sentence started."""


class DeliusCourt(CanonicalModel):
    """A court (the court responsible for the conviction). Its address and contact details
    are the court's, not a person's."""

    court_id: JavaLong | None = None
    """Delius's id of the court (``courtId``)."""
    code: Text | None = None
    """The court's code (``code``)."""
    selectable: bool | None = None
    """Delius's ``selectable`` flag of the court."""
    court_name: Text | None = None
    """The court's name (``courtName``)."""
    telephone_number: Text | None = None
    """The court's telephone number (``telephoneNumber``)."""
    fax: Text | None = None
    """The court's fax number (``fax``)."""
    building_name: Text | None = None
    """The court's building name (``buildingName``)."""
    street: Text | None = None
    """The street of the court's address (``street``)."""
    locality: Text | None = None
    """The locality of the court's address (``locality``)."""
    town: Text | None = None
    """The town of the court's address (``town``)."""
    county: Text | None = None
    """The county of the court's address (``county``)."""
    postcode: Text | None = None
    """The postcode of the court's address (``postcode``)."""
    country: Text | None = None
    """The country of the court's address (``country``)."""
    court_type_id: JavaLong | None = None
    """Delius's id of the court's type (``courtTypeId``)."""
    created_datetime: WallClockTimestamp | None = None
    last_updated_datetime: WallClockTimestamp | None = None
    probation_area_id: JavaLong | None = None
    """Delius's id of the court's probation area (``probationAreaId``)."""
    secure_email_address: Text | None = None
    """The court's secure email address (``secureEmailAddress``)."""
    probation_area: DeliusCode | None = None
    """The court's probation area (``probationArea``)."""
    court_type: DeliusCode | None = None
    """The court's type (``courtType``)."""


class DeliusCourtAppearance(CanonicalModel):
    """The sentencing court appearance of the conviction, else its latest one."""

    court_appearance_id: JavaLong | None = None
    """Delius's id of the court appearance (``courtAppearanceId``)."""
    appearance_date: WallClockTimestamp | None = None
    court_code: Text | None = None
    """The code of the court appeared at (``courtCode``)."""
    court_name: Text | None = None
    """The name of that court (``courtName``)."""
    appearance_type: DeliusCode | None = None
    """The type of appearance (``appearanceType``)."""
    crn: Crn | None = None


class DeliusOrderManager(CanonicalModel):
    """The offender manager supervising the order (a member of staff)."""

    probation_area_id: JavaLong | None = None
    """Delius's id of the manager's probation area (``probationAreaId``)."""
    team_id: JavaLong | None = None
    """Delius's id of the manager's team (``teamId``)."""
    officer_id: JavaLong | None = None
    """Delius's id of the manager (``officerId``)."""
    name: Text | None = None
    """The manager's name: personal data."""
    staff_code: Text | None = None
    """The manager's Delius staff code (``staffCode``)."""
    date_start_of_allocation: WallClockTimestamp | None = None
    date_end_of_allocation: WallClockTimestamp | None = None
    grade_code: Text | None = None
    """The code of the manager's grade (``gradeCode``)."""
    team_code: Text | None = None
    """The code of the manager's team (``teamCode``)."""
    probation_area_code: Text | None = None
    """The code of the manager's probation area (``probationAreaCode``)."""


class Conviction(CanonicalModel):
    """A Delius event (community-api Conviction): its ids, state, offences, sentence, custody,
    court and order managers."""

    conviction_id: JavaLong
    """``EVENT.EVENT_ID`` (community-api ``convictionId``)."""
    event_number: EventNumber
    """``EVENT.EVENT_NUMBER`` (community-api ``index``): the person's event number."""
    active: bool | None = None
    """Whether the event is active in Delius."""
    in_breach: bool | None = None
    """Whether the person is in breach of the order."""
    failure_to_comply_count: JavaLong | None = None
    """Failures to comply with the order (``failureToComplyCount``)."""
    breach_end: dt.date | None = None
    """The end of the breach (community-api ``breachEnd``)."""
    awaiting_psr: bool | None = None
    """Whether a pre-sentence report (PSR) is awaited."""
    conviction_date: dt.date | None = None
    """The date of conviction."""
    referral_date: dt.date | None = None
    """The event's referral date (community-api ``referralDate``)."""
    offences: Annotated[tuple[DeliusOffence, ...], XmlItem("Offence")] = ()
    """The event's offences."""
    sentence: DeliusSentence | None = None
    """The sentence passed, if any."""
    latest_court_appearance_outcome: DeliusCode | None = None
    """The outcome of the latest court appearance, as a code."""
    custody: DeliusCustody | None = None
    """The custody of a custodial sentence."""
    responsible_court: DeliusCourt | None = None
    """The court responsible for the event."""
    court_appearance: DeliusCourtAppearance | None = None
    """The court appearance community-api gives with the conviction (``courtAppearance``)."""
    order_managers: Annotated[tuple[DeliusOrderManager, ...], XmlItem("OrderManager")] = ()
    """The event's order managers, in the order Delius gives them."""


class DeliusLicenceCondition(CanonicalModel):
    """One licence condition of a sentence (Delius ``LIC_CONDITION``)."""

    notes: Notes | None = None
    """Notes recorded with the condition (``licenceConditionNotes``): free text."""
    start_date: dt.date | None = None
    """The condition's start date (``startDate``)."""
    commencement_date: dt.date | None = None
    """The date the condition commenced (``commencementDate``)."""
    commencement_notes: Notes | None = None
    """Notes on its commencement (``commencementNotes``): free text."""
    termination_date: dt.date | None = None
    """The date the condition was terminated (``terminationDate``)."""
    termination_notes: Notes | None = None
    """Notes on its termination (``terminationNotes``): free text."""
    created_datetime: WallClockTimestamp | None = None
    active: bool | None = None
    """Whether the condition is active (``active``)."""
    main_category: DeliusCode | None = None
    """The condition's main category (``licenceConditionTypeMainCat``)."""
    sub_category: DeliusCode | None = None
    """The condition's sub category (``licenceConditionTypeSubCat``)."""


class DeliusLicenceConditions(CanonicalModel):
    """The licence conditions of the sentence, as fetched (possibly none)."""

    conditions: Annotated[tuple[DeliusLicenceCondition, ...], XmlItem("LicenceCondition")] = ()
    """The sentence's licence conditions, in the order fetched."""


class DeliusSentenceStatus(CanonicalModel):
    """community-api's SentenceStatus of the conviction: its custodial type and release dates."""

    sentence_id: JavaLong | None = None
    """Delius's id of the sentence (``sentenceId``)."""
    custodial_type: CustodialStatusValue | None = None
    """The custodial status of the sentence (``custodialType``)."""
    sentence: DeliusCode | None = None
    """The sentence, as a Delius reference value (``sentence``)."""
    main_offence: DeliusCode | None = None
    """The sentence's main offence (``mainOffence``)."""
    sentence_date: dt.date | None = None
    """The date of the sentence (``sentenceDate``)."""
    actual_release_date: dt.date | None = None
    """The actual release date (``actualReleaseDate``)."""
    licence_expiry_date: dt.date | None = None
    """The licence expiry date (``licenceExpiryDate``)."""
    pss_end_date: dt.date | None = None
    """The end date of post-sentence supervision (``pssEndDate``)."""
    length: JavaLong | None = None
    """The sentence's length, in ``length_unit`` (``length``)."""
    length_unit: OpenLengthUnit | None = None


class CustodyRecord(Body):
    """``probation.custody-record``: a Delius conviction with its custody, and the person's
    Delius identifiers, licence conditions and sentence status where they were fetched.

    ``crn`` is the person's CRN: the OffenderDetail's, or the one the record was fetched for.
    The other identifiers are the OffenderDetail's ``otherIds``.
    """

    message_type = "probation.custody-record"
    schema_version = "1.1"

    crn: Crn | None = None
    """The person's CRN: the OffenderDetail's, or the one the record was fetched for."""
    pnc_id: PncId | None = None
    """The person's PNC ID, from the OffenderDetail's ``otherIds``."""
    cro_number: CroNumber | None = None
    """The person's CRO number, from ``otherIds``."""
    ni_number: Annotated[SafeText, Field(min_length=1, max_length=9)] | None = None
    """National Insurance number: personal data, kept as sent (cjx knows no check for it)."""
    noms_number: NomsNumber | None = None
    """The person's NOMS number, from ``otherIds``."""
    immigration_number: Annotated[SafeText, Field(min_length=1, max_length=20)] | None = None
    """Immigration number: personal data, kept as sent."""
    most_recent_book_number: BookNumber | None = None
    """The NOMIS book number of the person's latest booking."""
    conviction: Conviction
    """The Delius event (conviction) with its sentence and custody."""
    licence_conditions: DeliusLicenceConditions | None = None
    """The licence conditions of the event, where they were fetched."""
    sentence_status: DeliusSentenceStatus | None = None
    """The sentence status of the event, where it was fetched."""

    @property
    def book_number(self) -> BookNumber | None:
        """The book number of the conviction's custody, if it has one."""
        custody = self.conviction.custody
        return custody.book_number if custody is not None else None

    def fallback_ordering_key(self) -> str | None:
        if self.book_number is not None:
            return f"BOOK-NUMBER:{self.book_number}"
        return f"DELIUS-EVENT:{self.conviction.conviction_id}"
