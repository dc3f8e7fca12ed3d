"""The Prisoner document's members and where each lives in ``custody.prisoner-record``.

This table is the only place the mapping lives; decoding, encoding and the tests read it.
Members are listed in the order hmpps-prisoner-search declares them (``Prisoner.kt``), which is
the order it writes them and the order encoding writes them; ``_class``, which only a stored
index document carries, comes first, where Spring Data writes it.

Each :class:`Member` names its JSON key, its location in the body (``("personal_details",
"first_name")``; for a nested object or a list item, relative to the item's model) and its kind:

* ``text`` (kept exactly), ``code`` (a token), ``bool``, ``int`` (a Java ``Integer``), ``long``
  (a Java ``Long``), ``date`` (``YYYY-MM-DD``), ``datetime`` (a local date-time, Europe/London
  wall-clock time), ``open`` (a code of an open list, :attr:`Member.codes`);
* ``noms``, ``cro``, ``book-number``: identifiers checked with their own codes;
* ``pnc``: a PNC ID kept as written (:class:`cjx.model.WrittenPnc`);
* ``booking-id``: a string of digits holding a Java ``Long`` (``"1900836"``), an integer in the
  body;
* ``gender``: the text, as ``gender`` (cjx's reading) and ``gender_text`` (the text, unless it
  is the NOMIS description) of the same object;
* ``status``: ``ACTIVE IN`` as a :class:`cjx.model.BookingStatus` (two codes);
* ``recorded-value``: a recorded identifier's value, checked as a PNC ID or CRO number when its
  ``type`` says so, kept as recorded;
* ``object`` and ``list``: a nested object, or a list of them, described by :attr:`Member.item`.

The sentence key dates use prison-api's member names and live where
:data:`cjx.model.SENTENCE_CALC_DATES_MEMBERS` puts them under ``sentence.dates`` (the value
under a date's own name is its ``reported`` part). A part of a sentence date this document has
no member for cannot be written: encoding refuses it (``prisoner-search.not-carried``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from cjx.model import (
    SENTENCE_CALC_DATES_MEMBERS,
    BodyPartDetail,
    ConvictedOffence,
    ConvictedStatus,
    CurrentIncentive,
    IncentiveLevel,
    InOutStatus,
    LegalStatus,
    NomisIdentifierType,
    NonDtoReleaseDateType,
    PersonalCareNeed,
    PrisonerAddress,
    PrisonerAlert,
    PrisonerAlias,
    PrisonerEmailAddress,
    PrisonerLanguage,
    PrisonerPhoneNumber,
    RecordedIdentifier,
    SmokerStatus,
)
from cjx.model._base import CanonicalModel

__all__ = [
    "CLASS_KEY",
    "FORMAT_NAME",
    "MEMBERS",
    "SCHEMA",
    "SENTENCE_DATE_FIELDS",
    "SENTENCE_DATE_PARTS",
    "SYSTEM",
    "Item",
    "Member",
    "pointer_for",
]

FORMAT_NAME: Final = "prisoner-search"
SCHEMA: Final = "formats/prisoner-search/prisoner.schema.json"
#: ``Source.system`` of the canonical envelope: the case system the record comes from.
SYSTEM: Final = "nomis"
#: The Spring Data type hint of a stored index document.
CLASS_KEY: Final = "_class"


@dataclass(frozen=True, slots=True)
class Item:
    """A nested object of the document: the model it becomes and its members."""

    model: type[CanonicalModel]
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class Member:
    """One member of the document (or of a nested object) and its place in the body."""

    key: str
    loc: tuple[str, ...]
    kind: str
    codes: type[enum.StrEnum] | None = None
    item: Item | None = None


def _m(key: str, *loc: str, kind: str = "text") -> Member:
    return Member(key, loc, kind)


def _open(key: str, codes: type[enum.StrEnum], *loc: str) -> Member:
    return Member(key, loc, "open", codes=codes)


def _nested(
    key: str, kind: str, model: type[CanonicalModel], members: tuple[Member, ...], *loc: str
) -> Member:
    return Member(key, loc, kind, item=Item(model, members))


_PHONE_NUMBER: Final = (
    _m("type", "type", kind="code"),
    _m("number", "number"),
)
_BODY_PART: Final = (
    _m("bodyPart", "body_part"),
    _m("comment", "comment"),
)
_PERSONAL_CARE_NEED: Final = (
    _m("problemType", "problem_type", kind="code"),
    _m("problemCode", "problem_code", kind="code"),
    _m("problemStatus", "problem_status", kind="code"),
    _m("problemDescription", "problem_description"),
    _m("commentText", "comment_text"),
    _m("startDate", "start_date", kind="date"),
    _m("endDate", "end_date", kind="date"),
)
_LANGUAGE: Final = (
    _m("type", "type", kind="code"),
    _m("code", "code", kind="code"),
    _m("readSkill", "read_skill", kind="code"),
    _m("writeSkill", "write_skill", kind="code"),
    _m("speakSkill", "speak_skill", kind="code"),
    _m("interpreterRequested", "interpreter_requested", kind="bool"),
)
_ALIAS: Final = (
    _m("title", "title"),
    _m("firstName", "first_name"),
    _m("middleNames", "middle_names"),
    _m("lastName", "last_name"),
    _m("dateOfBirth", "date_of_birth", kind="date"),
    _m("gender", "gender", kind="gender"),
    _m("ethnicity", "ethnicity"),
    _m("raceCode", "race_code", kind="code"),
)
_ALERT: Final = (
    _m("alertType", "alert_type", kind="code"),
    _m("alertCode", "alert_code", kind="code"),
    _m("active", "active", kind="bool"),
    _m("expired", "expired", kind="bool"),
)
_INCENTIVE_LEVEL: Final = (
    _m("code", "code", kind="code"),
    _m("description", "description"),
)
_CURRENT_INCENTIVE: Final = (
    _nested("level", "object", IncentiveLevel, _INCENTIVE_LEVEL, "level"),
    _m("dateTime", "date_time", kind="datetime"),
    _m("nextReviewDate", "next_review_date", kind="date"),
)
_ADDRESS: Final = (
    _m("fullAddress", "full_address"),
    _m("postalCode", "postal_code"),
    _m("startDate", "start_date", kind="date"),
    _m("primaryAddress", "primary_address", kind="bool"),
    _m("noFixedAddress", "no_fixed_address", kind="bool"),
    _nested("phoneNumbers", "list", PrisonerPhoneNumber, _PHONE_NUMBER, "phone_numbers"),
)
_EMAIL_ADDRESS: Final = (_m("email", "email"),)
_IDENTIFIER: Final = (
    _open("type", NomisIdentifierType, "type"),
    _m("value", "value", kind="recorded-value"),
    _m("issuedDate", "issued_date", kind="date"),
    _m("issuedAuthorityText", "issued_authority_text"),
    _m("createdDateTime", "created_date_time", kind="datetime"),
)
_OFFENCE: Final = (
    _m("statuteCode", "statute_code", kind="code"),
    _m("offenceCode", "offence_code", kind="code"),
    _m("offenceDescription", "offence_description"),
    _m("offenceDate", "offence_date", kind="date"),
    _m("latestBooking", "latest_booking", kind="bool"),
    _m("sentenceStartDate", "sentence_start_date", kind="date"),
    _m("primarySentence", "primary_sentence", kind="bool"),
)

_SENTENCE_DATES: Final = {key: (field, part) for key, field, part in SENTENCE_CALC_DATES_MEMBERS}


def _date(key: str) -> Member:
    """A sentence key date (prison-api's member names), under ``sentence.dates``."""
    field, part = _SENTENCE_DATES[key]
    loc = ("sentence", "dates", field) + ((part,) if part is not None else ())
    kind = {"additionalDaysAwarded": "int", "nonDtoReleaseDateType": "open"}.get(key, "date")
    codes = NonDtoReleaseDateType if kind == "open" else None
    return Member(key, loc, kind, codes=codes)


def _pd(key: str, field: str, kind: str = "text") -> Member:
    return _m(key, "personal_details", field, kind=kind)


def _st(key: str, field: str, kind: str = "text") -> Member:
    return _m(key, "status", field, kind=kind)


def _lo(key: str, field: str, kind: str = "text") -> Member:
    return _m(key, "location", field, kind=kind)


def _rp(key: str, field: str, kind: str = "text") -> Member:
    return _m(key, "restricted_patient", field, kind=kind)


def _ph(key: str, field: str, kind: str = "text") -> Member:
    return _m(key, "physical_details", field, kind=kind)


#: Every member of the Prisoner document, in hmpps-prisoner-search's order.
MEMBERS: Final[tuple[Member, ...]] = (
    _m(CLASS_KEY, "index_document_class"),
    _m("prisonerNumber", "noms_number", kind="noms"),
    _m("pncNumber", "identifiers", "pnc_number", kind="pnc"),
    _m("pncNumberCanonicalShort", "identifiers", "pnc_number_canonical_short", kind="pnc"),
    _m("pncNumberCanonicalLong", "identifiers", "pnc_number_canonical_long", kind="pnc"),
    _m("croNumber", "identifiers", "cro_number", kind="cro"),
    _m("bookingId", "identifiers", "booking_id", kind="booking-id"),
    _m("bookNumber", "identifiers", "book_number", kind="book-number"),
    # the person's names... are an alias's members, under personal_details
    *(Member(m.key, ("personal_details", *m.loc), m.kind) for m in _ALIAS),
    _pd("youthOffender", "youth_offender", "bool"),
    _pd("maritalStatus", "marital_status"),
    _pd("religion", "religion"),
    _pd("nationality", "nationality"),
    _open("smoker", SmokerStatus, "personal_details", "smoker"),
    _nested(
        "personalCareNeeds",
        "list",
        PersonalCareNeed,
        _PERSONAL_CARE_NEED,
        "personal_details",
        "personal_care_needs",
    ),
    _nested("languages", "list", PrisonerLanguage, _LANGUAGE, "personal_details", "languages"),
    _pd("currentFacialImageId", "current_facial_image_id", "long"),
    _st("status", "booking_status", "status"),
    _lo("lastMovementTypeCode", "last_movement_type_code", "code"),
    _lo("lastMovementReasonCode", "last_movement_reason_code", "code"),
    _lo("lastMovementDate", "last_movement_date", "date"),
    _open("inOutStatus", InOutStatus, "status", "in_out_status"),
    _lo("prisonId", "prison_id", "code"),
    _lo("prisonName", "prison_name"),
    _lo("lastPrisonId", "last_prison_id", "code"),
    _lo("previousPrisonId", "previous_prison_id", "code"),
    _lo("previousPrisonLeavingDate", "previous_prison_leaving_date", "date"),
    _lo("cellLocation", "cell_location"),
    _nested("aliases", "list", PrisonerAlias, _ALIAS, "personal_details", "aliases"),
    _nested("alerts", "list", PrisonerAlert, _ALERT, "alerts"),
    _st("csra", "csra"),
    _st("category", "category", "code"),
    _st("complexityOfNeedLevel", "complexity_of_need_level"),
    _open("legalStatus", LegalStatus, "status", "legal_status"),
    _st("imprisonmentStatus", "imprisonment_status", "code"),
    _st("imprisonmentStatusDescription", "imprisonment_status_description"),
    _open("convictedStatus", ConvictedStatus, "status", "convicted_status"),
    _m("mostSeriousOffence", "sentence", "most_serious_offence"),
    _st("recall", "recall", "bool"),
    _m("indeterminateSentence", "sentence", "indeterminate_sentence", kind="bool"),
    _date("sentenceStartDate"),
    _date("releaseDate"),
    _date("confirmedReleaseDate"),
    _date("sentenceExpiryDate"),
    _date("licenceExpiryDate"),
    _date("homeDetentionCurfewEligibilityDate"),
    _date("homeDetentionCurfewActualDate"),
    _date("homeDetentionCurfewEndDate"),
    _date("topupSupervisionStartDate"),
    _date("topupSupervisionExpiryDate"),
    _date("additionalDaysAwarded"),
    _date("nonDtoReleaseDate"),
    _date("nonDtoReleaseDateType"),
    _m("receptionDate", "sentence", "reception_date", kind="date"),
    _lo("lastAdmissionDate", "last_admission_date", "date"),
    _date("paroleEligibilityDate"),
    _date("automaticReleaseDate"),
    _date("postRecallReleaseDate"),
    _date("conditionalReleaseDate"),
    _date("nonParoleDate"),
    _date("actualParoleDate"),
    _date("tariffDate"),
    _date("releaseOnTemporaryLicenceDate"),
    _lo("locationDescription", "location_description"),
    _rp("restrictedPatient", "is_restricted_patient", "bool"),
    _rp("supportingPrisonId", "supporting_prison_id", "code"),
    _rp("dischargedHospitalId", "discharged_hospital_id", "code"),
    _rp("dischargedHospitalDescription", "discharged_hospital_description"),
    _rp("dischargeDate", "discharge_date", "date"),
    _rp("dischargeDetails", "discharge_details"),
    _nested("currentIncentive", "object", CurrentIncentive, _CURRENT_INCENTIVE, "incentive_level"),
    _ph("heightCentimetres", "height_centimetres", "int"),
    _ph("weightKilograms", "weight_kilograms", "int"),
    _ph("hairColour", "hair_colour"),
    _ph("rightEyeColour", "right_eye_colour"),
    _ph("leftEyeColour", "left_eye_colour"),
    _ph("facialHair", "facial_hair"),
    _ph("shapeOfFace", "shape_of_face"),
    _ph("build", "build"),
    _ph("shoeSize", "shoe_size", "int"),
    _nested("tattoos", "list", BodyPartDetail, _BODY_PART, "physical_details", "tattoos"),
    _nested("scars", "list", BodyPartDetail, _BODY_PART, "physical_details", "scars"),
    _nested("marks", "list", BodyPartDetail, _BODY_PART, "physical_details", "marks"),
    _nested("addresses", "list", PrisonerAddress, _ADDRESS, "contact_details", "addresses"),
    _nested(
        "emailAddresses",
        "list",
        PrisonerEmailAddress,
        _EMAIL_ADDRESS,
        "contact_details",
        "email_addresses",
    ),
    _nested(
        "phoneNumbers",
        "list",
        PrisonerPhoneNumber,
        _PHONE_NUMBER,
        "contact_details",
        "phone_numbers",
    ),
    _nested(
        "identifiers",
        "list",
        RecordedIdentifier,
        _IDENTIFIER,
        "identifiers",
        "recorded_identifiers",
    ),
    _nested(
        "allConvictedOffences",
        "list",
        ConvictedOffence,
        _OFFENCE,
        "sentence",
        "convicted_offences",
    ),
)

#: The parts of each sentence date this document carries: ``{field: {part, ...}}``.
SENTENCE_DATE_PARTS: Final[dict[str, frozenset[str]]] = {}
for _member in MEMBERS:
    if _member.loc[:2] == ("sentence", "dates") and len(_member.loc) == 4:
        SENTENCE_DATE_PARTS[_member.loc[2]] = frozenset({_member.loc[3]})
#: The plain (not part-of-a-date) fields of ``sentence.dates`` this document carries.
SENTENCE_DATE_FIELDS: Final = frozenset(
    m.loc[2] for m in MEMBERS if m.loc[:2] == ("sentence", "dates") and len(m.loc) == 3
)


def _pointer_in(members: tuple[Member, ...], loc: tuple[int | str, ...], base: str) -> str:
    """The pointer of the member (or item member) holding ``loc``; the nearest one found."""
    best: Member | None = None
    for member in members:
        size = len(member.loc)
        if tuple(loc[:size]) == member.loc and (best is None or size > len(best.loc)):
            best = member
    if best is None:
        return base
    pointer = f"{base}/{best.key}"
    rest = loc[len(best.loc) :]
    if best.item is None or not rest:
        return pointer
    if best.kind == "list":
        if not isinstance(rest[0], int):
            return pointer
        return _pointer_in(best.item.members, rest[1:], f"{pointer}/{rest[0]}")
    return _pointer_in(best.item.members, rest, pointer)


def pointer_for(loc: tuple[int | str, ...]) -> str:
    """The document's pointer for a location in the canonical body (a model limit); a
    gender's ``gender_text`` is its ``gender`` member's."""
    loc = tuple("gender" if part == "gender_text" else part for part in loc)
    return _pointer_in(MEMBERS, loc, "")
