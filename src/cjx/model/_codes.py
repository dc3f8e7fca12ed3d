"""Code lists of the canonical model: readable members, values equal to their names.

Each adapter owns the mapping between these and its own codes (SPI ``1`` is ``Plea.GUILTY``).
"""

from __future__ import annotations

import enum

__all__ = [
    "BailStatus",
    "CurrentLocation",
    "CurrentPrisonStatus",
    "DurationUnit",
    "Finding",
    "Gender",
    "OffenceDateCode",
    "Plea",
    "Presence",
    "ReceiveReason",
    "ReleaseReason",
    "SubjectScheme",
]


class Gender(enum.StrEnum):
    NOT_KNOWN = "NOT_KNOWN"
    MALE = "MALE"
    FEMALE = "FEMALE"
    NOT_SPECIFIED = "NOT_SPECIFIED"


class Presence(enum.StrEnum):
    """Whether the defendant was at the hearing."""

    PRESENT = "PRESENT"
    NOT_PRESENT = "NOT_PRESENT"
    REPRESENTED = "REPRESENTED"


class BailStatus(enum.StrEnum):
    UNCONDITIONAL_BAIL = "UNCONDITIONAL_BAIL"
    CONDITIONAL_BAIL = "CONDITIONAL_BAIL"
    CUSTODY = "CUSTODY"
    POLICE_CUSTODY = "POLICE_CUSTODY"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    LOCAL_AUTHORITY_ACCOMMODATION = "LOCAL_AUTHORITY_ACCOMMODATION"
    SECURE_ACCOMMODATION = "SECURE_ACCOMMODATION"


class Plea(enum.StrEnum):
    GUILTY = "GUILTY"
    NOT_GUILTY = "NOT_GUILTY"
    NO_PLEA = "NO_PLEA"
    CONSENTS = "CONSENTS"
    OPPOSES = "OPPOSES"
    ADMITS = "ADMITS"
    DENIES = "DENIES"


class Finding(enum.StrEnum):
    GUILTY = "GUILTY"
    NOT_GUILTY = "NOT_GUILTY"
    GUILTY_OF_ALTERNATIVE = "GUILTY_OF_ALTERNATIVE"
    NO_CONVICTION = "NO_CONVICTION"
    CAUTION = "CAUTION"


class OffenceDateCode(enum.StrEnum):
    ON = "ON"
    BEFORE = "BEFORE"
    AFTER = "AFTER"
    BETWEEN = "BETWEEN"
    ON_OR_ABOUT = "ON_OR_ABOUT"
    ON_OR_BEFORE = "ON_OR_BEFORE"


class DurationUnit(enum.StrEnum):
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"
    HOURS = "HOURS"
    SESSIONS = "SESSIONS"
    LIFE = "LIFE"


class ReceiveReason(enum.StrEnum):
    ADMISSION = "ADMISSION"
    TEMPORARY_ABSENCE_RETURN = "TEMPORARY_ABSENCE_RETURN"
    RETURN_FROM_COURT = "RETURN_FROM_COURT"
    TRANSFERRED = "TRANSFERRED"


class ReleaseReason(enum.StrEnum):
    TEMPORARY_ABSENCE_RELEASE = "TEMPORARY_ABSENCE_RELEASE"
    RELEASED_TO_HOSPITAL = "RELEASED_TO_HOSPITAL"
    RELEASED = "RELEASED"
    SENT_TO_COURT = "SENT_TO_COURT"
    TRANSFERRED = "TRANSFERRED"
    UNKNOWN = "UNKNOWN"


class CurrentLocation(enum.StrEnum):
    IN_PRISON = "IN_PRISON"
    OUTSIDE_PRISON = "OUTSIDE_PRISON"
    BEING_TRANSFERRED = "BEING_TRANSFERRED"


class CurrentPrisonStatus(enum.StrEnum):
    UNDER_PRISON_CARE = "UNDER_PRISON_CARE"
    NOT_UNDER_PRISON_CARE = "NOT_UNDER_PRISON_CARE"


class SubjectScheme(enum.StrEnum):
    """Schemes of person identifiers in an envelope's ``subject``."""

    ASN = "ASN"
    PNC = "PNC"
    CRO = "CRO"
    NOMS = "NOMS"
    CRN = "CRN"
    BOOKING = "BOOKING"
    PERSON = "PERSON"
