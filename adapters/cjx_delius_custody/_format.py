"""community-api's Conviction (with the OffenderDetail identifiers, licence conditions and
SentenceStatus) and how it maps to ``probation.custody-record``.

These tables are the only place the mapping lives; decoding and encoding both walk them. Each
:class:`Shape` is one community-api object: its members in the order community-api writes them
(which is the order encoding writes them), each with the canonical field it fills and how its
value is read and written (:class:`Kind`).

The document is one of two forms (see ``docs/formats/delius-custody.md``):

* **a bare Conviction**, as ``GET /secure/offenders/crn/{crn}/convictions/{convictionId}``
  returns it (an object with ``convictionId``); it carries no CRN or NOMS number (they are in
  the URL), and the caller may supply the CRN (the adapter's ``crn`` option);
* **a custody record**, one object composing the responses of the calls a reader makes about
  one conviction: ``{"otherIds": {...}, "conviction": {...}, "licenceConditions": [...],
  "sentenceStatus": {...}}``. ``otherIds`` is the OffenderDetail's (``GET
  /secure/offenders/crn/{crn}/all``), ``licenceConditions`` the member of the same name of
  ``GET .../convictions/{id}/licenceConditions``, ``sentenceStatus`` the response of ``GET
  .../convictions/{id}/sentenceStatus``. Only ``conviction`` is required.

``otherIds`` fills the top-level identifier fields of the body; ``conviction`` fills
``body.conviction``; ``licenceConditions`` fills ``body.licence_conditions.conditions`` (an
empty list is kept: the sentence has none); ``sentenceStatus`` fills ``body.sentence_status``.
A custody's ``keyDates`` object holds one member per Delius key date (:data:`KEY_DATES`) and
fills ``custody.key_dates.dates``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Final

from cjx.model import (
    COMMUNITY_API_KEY_DATES,
    BookNumber,
    Crn,
    CroNumber,
    CustodialStatus,
    HomeOfficeOffenceCode,
    Identifier,
    KeyDateCode,
    LengthUnit,
    NomsNumber,
    PncId,
)

__all__ = [
    "ADDITIONAL_SENTENCE",
    "APPOINTMENTS",
    "COMPOSED_MEMBERS",
    "COMPOSED_SCHEMA",
    "CONVICTION",
    "CONVICTION_SCHEMA",
    "COURT",
    "COURT_APPEARANCE",
    "CUSTODIAL_STATUS",
    "CUSTODY",
    "FORMAT_NAME",
    "IDS",
    "INSTITUTION",
    "KEY_DATES",
    "KEY_DATES_BY_CODE",
    "KEY_VALUE",
    "LENGTH_UNIT_SPELLINGS",
    "LICENCE_CONDITION",
    "OFFENCE",
    "OFFENCE_DETAIL",
    "ORDER_MANAGER",
    "SENTENCE",
    "SENTENCE_STATUS",
    "SYSTEM",
    "UNPAID_WORK",
    "Kind",
    "Member",
    "Shape",
]

FORMAT_NAME: Final = "delius-custody"
#: The two source schemas: a bare Conviction, and the composed custody record (whose
#: ``conviction`` refers to the first).
CONVICTION_SCHEMA: Final = "formats/delius-custody/conviction.schema.json"
COMPOSED_SCHEMA: Final = "formats/delius-custody/custody-record.schema.json"
#: ``Source.system`` of the canonical envelope: the system whose record it is.
SYSTEM: Final = "delius"


class Kind(enum.Enum):
    """How a member's value is read and written."""

    TEXT = "text"
    INTEGER = "integer"  # a Java Long: a JSON integer (never 1.0)
    BOOLEAN = "boolean"
    DATE = "date"  # LocalDate, YYYY-MM-DD
    LOCAL_DATETIME = "local-datetime"  # LocalDateTime, Europe/London wall-clock time
    DECIMAL = "decimal"  # BigDecimal, a JSON number
    IDENTIFIER = "identifier"  # checked with the identifier's own codes
    CODE = "code"  # a code of an open list
    OBJECT = "object"
    LIST = "list"  # a list of objects
    KEY_DATES = "key-dates"  # CustodyRelatedKeyDates: one member per Delius key date


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a community-api object and the canonical field it fills."""

    key: str
    field: str
    kind: Kind = Kind.TEXT
    shape: Shape | None = None  # OBJECT and LIST
    identifier: type[Identifier] | None = None  # IDENTIFIER
    codes: type[enum.StrEnum] | None = None  # CODE
    required: bool = False  # an identifier whose absence is its ``<scheme>.missing`` error


@dataclass(frozen=True, slots=True)
class Shape:
    """A community-api object: its name (for messages) and members in community-api's order."""

    name: str
    members: tuple[Member, ...]
    by_field: dict[str, Member] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_field", {m.field: m for m in self.members})


def _text(key: str, name: str) -> Member:
    return Member(key, name)


def _int(key: str, name: str) -> Member:
    return Member(key, name, Kind.INTEGER)


def _bool(key: str, name: str) -> Member:
    return Member(key, name, Kind.BOOLEAN)


def _date(key: str, name: str) -> Member:
    return Member(key, name, Kind.DATE)


def _datetime(key: str, name: str) -> Member:
    return Member(key, name, Kind.LOCAL_DATETIME)


def _object(key: str, name: str, shape: Shape) -> Member:
    return Member(key, name, Kind.OBJECT, shape=shape)


def _list(key: str, name: str, shape: Shape) -> Member:
    return Member(key, name, Kind.LIST, shape=shape)


def _identifier(key: str, name: str, kind: type[Identifier], *, required: bool = False) -> Member:
    return Member(key, name, Kind.IDENTIFIER, identifier=kind, required=required)


def _code(key: str, name: str, codes: type[enum.StrEnum]) -> Member:
    return Member(key, name, Kind.CODE, codes=codes)


#: ``KeyValue``: a Delius reference value.
KEY_VALUE: Final = Shape("KeyValue", (_text("code", "code"), _text("description", "description")))
#: ``KeyValue`` of the custodial status list (an open list).
CUSTODIAL_STATUS: Final = Shape(
    "KeyValue",
    (_code("code", "code", CustodialStatus), _text("description", "description")),
)

#: ``IDs``: the OffenderDetail's ``otherIds``, filling the body's top-level identifiers.
IDS: Final = Shape(
    "IDs",
    (
        _identifier("crn", "crn", Crn, required=True),
        _identifier("pncNumber", "pnc_id", PncId),
        _identifier("croNumber", "cro_number", CroNumber),
        _text("niNumber", "ni_number"),
        _identifier("nomsNumber", "noms_number", NomsNumber),
        _text("immigrationNumber", "immigration_number"),
        _identifier("mostRecentPrisonerNumber", "most_recent_book_number", BookNumber),
    ),
)

OFFENCE_DETAIL: Final = Shape(
    "OffenceDetail",
    (
        _identifier("code", "code", HomeOfficeOffenceCode),
        _text("description", "description"),
        _text("abbreviation", "abbreviation"),
        _text("mainCategoryCode", "main_category_code"),
        _text("mainCategoryDescription", "main_category_description"),
        _text("mainCategoryAbbreviation", "main_category_abbreviation"),
        _text("ogrsOffenceCategory", "ogrs_offence_category"),
        _text("subCategoryCode", "sub_category_code"),
        _text("subCategoryDescription", "sub_category_description"),
        _text("form20Code", "form20_code"),
        _text("subCategoryAbbreviation", "sub_category_abbreviation"),
        _text("cjitCode", "cjit_code"),
    ),
)

OFFENCE: Final = Shape(
    "Offence",
    (
        _text("offenceId", "offence_id"),
        _bool("mainOffence", "main_offence"),
        _object("detail", "detail", OFFENCE_DETAIL),
        _datetime("offenceDate", "offence_date"),
        _int("offenceCount", "offence_count"),
        _int("tics", "tics"),
        _text("verdict", "verdict"),
        _int("offenderId", "offender_id"),
        _datetime("createdDatetime", "created_datetime"),
        _datetime("lastUpdatedDatetime", "last_updated_datetime"),
    ),
)

APPOINTMENTS: Final = Shape(
    "Appointments",
    (
        _int("total", "total"),
        _int("attended", "attended"),
        _int("acceptableAbsences", "acceptable_absences"),
        _int("unacceptableAbsences", "unacceptable_absences"),
        _int("noOutcomeRecorded", "no_outcome_recorded"),
    ),
)

UNPAID_WORK: Final = Shape(
    "UnpaidWork",
    (
        _int("minutesOrdered", "minutes_ordered"),
        _int("minutesCompleted", "minutes_completed"),
        _object("appointments", "appointments", APPOINTMENTS),
        _text("status", "status"),
    ),
)

ADDITIONAL_SENTENCE: Final = Shape(
    "AdditionalSentence",
    (
        _int("additionalSentenceId", "additional_sentence_id"),
        _object("type", "type", KEY_VALUE),
        Member("amount", "amount", Kind.DECIMAL),
        _int("length", "length"),
        _text("notes", "notes"),
    ),
)

SENTENCE: Final = Shape(
    "Sentence",
    (
        _int("sentenceId", "sentence_id"),
        _text("description", "description"),
        _int("originalLength", "original_length"),
        _code("originalLengthUnits", "original_length_units", LengthUnit),
        _int("secondLength", "second_length"),
        _code("secondLengthUnits", "second_length_units", LengthUnit),
        _int("defaultLength", "default_length"),
        _int("effectiveLength", "effective_length"),
        _int("lengthInDays", "length_in_days"),
        _date("expectedSentenceEndDate", "expected_sentence_end_date"),
        _object("unpaidWork", "unpaid_work", UNPAID_WORK),
        _date("startDate", "start_date"),
        _date("terminationDate", "termination_date"),
        _text("terminationReason", "termination_reason"),
        _object("sentenceType", "sentence_type", KEY_VALUE),
        _list("additionalSentences", "additional_sentences", ADDITIONAL_SENTENCE),
        _int("failureToComplyLimit", "failure_to_comply_limit"),
        _bool("cja2003Order", "cja2003_order"),
        _bool("legacyOrder", "legacy_order"),
    ),
)

INSTITUTION: Final = Shape(
    "Institution",
    (
        _int("institutionId", "institution_id"),
        _bool("isEstablishment", "is_establishment"),
        _text("code", "code"),
        _text("description", "description"),
        _text("institutionName", "institution_name"),
        _object("establishmentType", "establishment_type", KEY_VALUE),
        _bool("isPrivate", "is_private"),
        _text("nomsPrisonInstitutionCode", "noms_prison_institution_code"),
    ),
)

#: ``CustodyRelatedKeyDates`` member -> Delius key-date code, in community-api's order.
KEY_DATES: Final[dict[str, KeyDateCode]] = COMMUNITY_API_KEY_DATES
KEY_DATES_BY_CODE: Final[dict[str, str]] = {code.value: key for key, code in KEY_DATES.items()}

CUSTODY: Final = Shape(
    "Custody",
    (
        _identifier("bookingNumber", "book_number", BookNumber),
        _object("institution", "institution", INSTITUTION),
        Member("keyDates", "key_dates", Kind.KEY_DATES),
        _object("status", "status", CUSTODIAL_STATUS),
        _date("sentenceStartDate", "sentence_start_date"),
    ),
)

COURT: Final = Shape(
    "Court",
    (
        _int("courtId", "court_id"),
        _text("code", "code"),
        _bool("selectable", "selectable"),
        _text("courtName", "court_name"),
        _text("telephoneNumber", "telephone_number"),
        _text("fax", "fax"),
        _text("buildingName", "building_name"),
        _text("street", "street"),
        _text("locality", "locality"),
        _text("town", "town"),
        _text("county", "county"),
        _text("postcode", "postcode"),
        _text("country", "country"),
        _int("courtTypeId", "court_type_id"),
        _datetime("createdDatetime", "created_datetime"),
        _datetime("lastUpdatedDatetime", "last_updated_datetime"),
        _int("probationAreaId", "probation_area_id"),
        _text("secureEmailAddress", "secure_email_address"),
        _object("probationArea", "probation_area", KEY_VALUE),
        _object("courtType", "court_type", KEY_VALUE),
    ),
)

COURT_APPEARANCE: Final = Shape(
    "CourtAppearanceBasic",
    (
        _int("courtAppearanceId", "court_appearance_id"),
        _datetime("appearanceDate", "appearance_date"),
        _text("courtCode", "court_code"),
        _text("courtName", "court_name"),
        _object("appearanceType", "appearance_type", KEY_VALUE),
        _identifier("crn", "crn", Crn),
    ),
)

ORDER_MANAGER: Final = Shape(
    "OrderManager",
    (
        _int("probationAreaId", "probation_area_id"),
        _int("teamId", "team_id"),
        _int("officerId", "officer_id"),
        _text("name", "name"),
        _text("staffCode", "staff_code"),
        _datetime("dateStartOfAllocation", "date_start_of_allocation"),
        _datetime("dateEndOfAllocation", "date_end_of_allocation"),
        _text("gradeCode", "grade_code"),
        _text("teamCode", "team_code"),
        _text("probationAreaCode", "probation_area_code"),
    ),
)

CONVICTION: Final = Shape(
    "Conviction",
    (
        _int("convictionId", "conviction_id"),
        _text("index", "event_number"),
        _bool("active", "active"),
        _bool("inBreach", "in_breach"),
        _int("failureToComplyCount", "failure_to_comply_count"),
        _date("breachEnd", "breach_end"),
        _bool("awaitingPsr", "awaiting_psr"),
        _date("convictionDate", "conviction_date"),
        _date("referralDate", "referral_date"),
        _list("offences", "offences", OFFENCE),
        _object("sentence", "sentence", SENTENCE),
        _object("latestCourtAppearanceOutcome", "latest_court_appearance_outcome", KEY_VALUE),
        _object("custody", "custody", CUSTODY),
        _object("responsibleCourt", "responsible_court", COURT),
        _object("courtAppearance", "court_appearance", COURT_APPEARANCE),
        _list("orderManagers", "order_managers", ORDER_MANAGER),
    ),
)

LICENCE_CONDITION: Final = Shape(
    "LicenceCondition",
    (
        _text("licenceConditionNotes", "notes"),
        _date("startDate", "start_date"),
        _date("commencementDate", "commencement_date"),
        _text("commencementNotes", "commencement_notes"),
        _date("terminationDate", "termination_date"),
        _text("terminationNotes", "termination_notes"),
        _datetime("createdDateTime", "created_datetime"),
        _bool("active", "active"),
        _object("licenceConditionTypeMainCat", "main_category", KEY_VALUE),
        _object("licenceConditionTypeSubCat", "sub_category", KEY_VALUE),
    ),
)

#: SentenceStatus's length unit: community-api's model spells it ``lengthUnit``; the
#: court-case-service fixture spells it ``lengthUnits``. Both are read; ``lengthUnit`` is
#: written.
LENGTH_UNIT_SPELLINGS: Final = ("lengthUnit", "lengthUnits")

SENTENCE_STATUS: Final = Shape(
    "SentenceStatus",
    (
        _int("sentenceId", "sentence_id"),
        _object("custodialType", "custodial_type", CUSTODIAL_STATUS),
        _object("sentence", "sentence", KEY_VALUE),
        _object("mainOffence", "main_offence", KEY_VALUE),
        _date("sentenceDate", "sentence_date"),
        _date("actualReleaseDate", "actual_release_date"),
        _date("licenceExpiryDate", "licence_expiry_date"),
        _date("pssEndDate", "pss_end_date"),
        _int("length", "length"),
        _code("lengthUnit", "length_unit", LengthUnit),
    ),
)

#: The members of the composed form, in the order encoding writes them.
COMPOSED_MEMBERS: Final = ("otherIds", "conviction", "licenceConditions", "sentenceStatus")
