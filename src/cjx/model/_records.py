"""Prison and probation records (version 1.1): release dates and key-date replacements.

Version 1.1 is additive: these bodies carry ``schema_version = "1.1"``; their routing keys keep
the major (``custody.release-dates.v1``).

Key dates have one representation per owning system, shared by every record that holds them:

* **NOMIS sentence dates** (prison): :class:`SentenceDates`, one :class:`SentenceDate` per NOMIS
  date type (SED, ARD, CRD, ..., in the order of prison-api's SentenceCalcDates), each holding
  what the source says about it: ``reported`` (the value sent under the date's own name),
  ``calculated`` (NOMIS's calculation) and ``override`` (a value entered to replace it). Plus the
  sentence start date, the non-DTO release date and its type, the confirmed release date, the
  three dates prison-api derives (release date, top-up supervision start, HDC end; carried as
  sent) and the additional days awarded. ``custody.release-dates`` holds one; a prisoner record
  holds one too.
* **Delius key dates** (probation): a set of :class:`KeyDate` values keyed by the Delius key-date
  code (an open list, :class:`~cjx.model.KeyDateCode`). ``probation.key-dates-replaced`` holds
  one; a probation custody record holds one too.

Rules kept here (the model is the one place they are enforced; the schemas state what they can):

* A :class:`SentenceDate` holds at least one of its three values (both schemas state it too).
* A set of key dates holds each code at most once and is kept in the list's order (known codes in
  :class:`~cjx.model.KeyDateCode` order, then unknown codes by text), whatever order it was given
  in: it is a set, so equal sets are equal models.
* ``probation.key-dates-replaced`` is a **replacement, never a patch**: ``scope`` names the key
  date types it covers, and every one of them absent from ``key_dates`` is to be removed
  (community-api: "Any dates not supplied will be removed"). Each key date's code is in the
  scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Final

from pydantic import Field, field_validator, model_validator

from cjx.model._base import Body, CanonicalModel, XmlItem
from cjx.model._identifiers import BookNumber, NomsNumber
from cjx.model._open_codes import (
    KeyDateCode,
    OpenKeyDateCode,
    OpenNonDtoReleaseDateType,
    code_order,
)

__all__ = [
    "COMMUNITY_API_KEY_DATES",
    "CUSTODY_MANAGED_KEY_DATES",
    "SENTENCE_CALC_DATES_MEMBERS",
    "BookingId",
    "JavaLong",
    "KeyDate",
    "KeyDatesReplaced",
    "ReleaseDates",
    "SentenceDate",
    "SentenceDates",
    "key_date_set",
]

#: A NOMIS booking id, kept as the source sends it: an integer in the 64-bit range, negative
#: ones included (prison-api's own test data uses them).
BookingId = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
#: A count in the range of a Java ``Integer`` (the sources' type).
JavaInt = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
#: A number in the range of a Java ``Long`` (community-api's ids and counts).
JavaLong = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]

#: The key-date types community-api's ReplaceCustodyKeyDates replaces (its
#: ``custodyManagedKeyDates``): the scope of every replacement it makes.
CUSTODY_MANAGED_KEY_DATES: Final[tuple[KeyDateCode, ...]] = (
    KeyDateCode.AUTOMATIC_CONDITIONAL_RELEASE,
    KeyDateCode.LICENCE_EXPIRY,
    KeyDateCode.HOME_DETENTION_CURFEW_ELIGIBILITY,
    KeyDateCode.PAROLE_ELIGIBILITY,
    KeyDateCode.SENTENCE_EXPIRY,
    KeyDateCode.EXPECTED_RELEASE,
    KeyDateCode.POST_SENTENCE_SUPERVISION_END,
)

#: community-api's names of the Delius key dates of a custody (its ``CustodyRelatedKeyDates``
#: and ``ReplaceCustodyKeyDates`` members, its ``CustodyKeyDatesMapper``; POM1 and POM2 from
#: manage-pom-cases-and-delius), in community-api's order.
COMMUNITY_API_KEY_DATES: Final[dict[str, KeyDateCode]] = {
    "conditionalReleaseDate": KeyDateCode.AUTOMATIC_CONDITIONAL_RELEASE,
    "licenceExpiryDate": KeyDateCode.LICENCE_EXPIRY,
    "hdcEligibilityDate": KeyDateCode.HOME_DETENTION_CURFEW_ELIGIBILITY,
    "paroleEligibilityDate": KeyDateCode.PAROLE_ELIGIBILITY,
    "sentenceExpiryDate": KeyDateCode.SENTENCE_EXPIRY,
    "expectedReleaseDate": KeyDateCode.EXPECTED_RELEASE,
    "postSentenceSupervisionEndDate": KeyDateCode.POST_SENTENCE_SUPERVISION_END,
    "expectedPrisonOffenderManagerHandoverStartDate": KeyDateCode.POM_HANDOVER_START,
    "expectedPrisonOffenderManagerHandoverDate": KeyDateCode.POM_HANDOVER,
}


# --- NOMIS sentence dates -------------------------------------------------------------------


class SentenceDate(CanonicalModel):
    """One NOMIS sentence date: what the source reports, calculated and overrode.

    ``reported`` is the value sent under the date's own name (``conditionalReleaseDate``);
    prison-api describes it as the calculated date for ARD, CRD, NPD, PRRD and DPRRD and as the
    date in force for the others, so cjx keeps it apart rather than guess. ``calculated`` and
    ``override`` are the ``...CalculatedDate`` and ``...OverrideDate`` values, where the source
    sends them. At least one is present.
    """

    reported: dt.date | None = None
    """The value the source sends under the date's own name."""
    calculated: dt.date | None = None
    """The source's calculated value (``...CalculatedDate``), where it sends one."""
    override: dt.date | None = None
    """The value a person set over the calculation (``...OverrideDate``), if any."""

    @model_validator(mode="after")
    def _not_empty(self) -> SentenceDate:
        if self.reported is None and self.calculated is None and self.override is None:
            raise ValueError("a sentence date holds at least one of reported, calculated, override")
        return self

    @property
    def in_force(self) -> dt.date:
        """The date that applies: the override, else the reported date, else the calculated."""
        for value in (self.override, self.reported, self.calculated):
            if value is not None:
                return value
        raise AssertionError("unreachable: a SentenceDate is never empty")  # pragma: no cover


class SentenceDates(CanonicalModel):
    """The sentence calculation of one NOMIS booking (prison-api SentenceCalcDates)."""

    sentence_start_date: dt.date | None = None
    """The date the sentence started."""
    sentence_expiry: SentenceDate | None = None
    """The sentence expiry date (SED): reported, calculated and override values."""
    automatic_release: SentenceDate | None = None
    """The automatic release date (ARD): reported, calculated and override values."""
    conditional_release: SentenceDate | None = None
    """The conditional release date (CRD): reported, calculated and override values."""
    non_parole: SentenceDate | None = None
    """The non-parole date (NPD): reported, calculated and override values."""
    post_recall_release: SentenceDate | None = None
    """The post-recall release date (PRRD): reported, calculated and override values."""
    licence_expiry: SentenceDate | None = None
    """The licence expiry date (LED): reported, calculated and override values."""
    home_detention_curfew_eligibility: SentenceDate | None = None
    """The home detention curfew eligibility date (HDCED): reported, calculated and override
    values."""
    parole_eligibility: SentenceDate | None = None
    """The parole eligibility date (PED): reported, calculated and override values."""
    home_detention_curfew_actual: SentenceDate | None = None
    """The home detention curfew actual date (HDCAD): reported, calculated and override values."""
    actual_parole: SentenceDate | None = None
    """The actual parole date (APD): reported, calculated and override values."""
    release_on_temporary_licence: SentenceDate | None = None
    """The release on temporary licence date (ROTL): reported, calculated and override values."""
    early_removal_scheme_eligibility: SentenceDate | None = None
    """The early removal scheme eligibility date (ERSED): reported, calculated and override values.
    The early removal scheme eligibility date (ERSED): reported, calculated and override values."""
    early_term: SentenceDate | None = None
    """The early term date (ETD): reported, calculated and override values."""
    mid_term: SentenceDate | None = None
    """The mid-term date (MTD): reported, calculated and override values."""
    late_term: SentenceDate | None = None
    """The late term date (LTD): reported, calculated and override values."""
    topup_supervision_expiry: SentenceDate | None = None
    """The top-up supervision expiry date (TUSED): reported, calculated and override values."""
    tariff: SentenceDate | None = None
    """The tariff date: reported, calculated and override values."""
    dto_post_recall_release: SentenceDate | None = None
    """The DTO post-recall release date (DPRRD): reported, calculated and override values."""
    tariff_early_removal_scheme_eligibility: SentenceDate | None = None
    """The tariff early removal scheme eligibility date (TERSED): reported, calculated and override
    values."""
    effective_sentence_end: SentenceDate | None = None
    """The effective sentence end date: reported, calculated and override values."""
    non_dto_release_date: dt.date | None = None
    """The release date of a non-DTO sentence, and which date it is (ARD, CRD, NPD, PRRD)."""
    non_dto_release_date_type: OpenNonDtoReleaseDateType | None = None
    """Which date ``non_dto_release_date`` is (ARD, CRD, NPD, PRRD)."""
    confirmed_release_date: dt.date | None = None
    """The release date the prison has confirmed, if any."""
    release_date: dt.date | None = None
    """Derived by the source (prison-api), carried as sent: the confirmed release date, else APD or
    HDCAD, else the later of the non-DTO release date and MTD."""
    topup_supervision_start_date: dt.date | None = None
    """Derived by the source, carried as sent: LED + 1 day (else CRD) when TUSED is set."""
    home_detention_curfew_end_date: dt.date | None = None
    """Derived by the source, carried as sent: CRD - 1 day when HDCAD is set."""
    additional_days_awarded: JavaInt | None = None
    """ADA: days added to the sentence by adjudications."""

    def contradictions(self) -> list[tuple[tuple[str, ...], str]]:
        """Where these dates contradict the way the source documents deriving them.

        ``(location, rule)`` pairs, for adapters to report as warnings (never fixed): the three
        derived dates (release date, top-up supervision start, HDC end date) against their
        derivation, and a reported date against its override and calculation where the source
        sends a calculated value for it (the reported date is then the one in force).
        """
        found: list[tuple[tuple[str, ...], str]] = []
        for name in _REPORTED_IS_IN_FORCE:
            value: SentenceDate | None = getattr(self, name)
            if value is None or value.reported is None:
                continue
            source = value.override if value.override is not None else value.calculated
            if source is not None and source != value.reported:
                found.append(
                    (
                        (name, "reported"),
                        "the reported date is not the override, or else the calculated date",
                    )
                )
        expected = self._derived_release_dates()
        if self.release_date is not None and self.release_date not in expected:
            found.append(
                (
                    ("release_date",),
                    "the release date is not the confirmed release date, else the actual parole "
                    "or HDC actual date, else the later of the non-DTO release date and the "
                    "mid-term date",
                )
            )
        for name, derived, rule in (
            (
                "topup_supervision_start_date",
                self._derived_topup_supervision_start(),
                "the top-up supervision start date is not the licence expiry date + 1 day (else "
                "the conditional release date), or is set without a top-up supervision expiry",
            ),
            (
                "home_detention_curfew_end_date",
                self._derived_home_detention_curfew_end(),
                "the HDC end date is not the conditional release date - 1 day, or is set "
                "without an HDC actual date",
            ),
        ):
            sent = getattr(self, name)
            if sent is not None and sent != derived:
                found.append(((name,), rule))
        return found

    @staticmethod
    def _in_force(value: SentenceDate | None) -> dt.date | None:
        return value.in_force if value is not None else None

    def _derived_release_dates(self) -> set[dt.date]:
        if self.confirmed_release_date is not None:
            return {self.confirmed_release_date}
        actual = {
            d
            for d in (
                self._in_force(self.actual_parole),
                self._in_force(self.home_detention_curfew_actual),
            )
            if d is not None
        }
        if actual:
            return actual
        latest = [d for d in (self.non_dto_release_date, self._in_force(self.mid_term)) if d]
        return {max(latest)} if latest else set()

    def _derived_topup_supervision_start(self) -> dt.date | None:
        if self.topup_supervision_expiry is None:
            return None
        if self.licence_expiry is not None:
            return _shifted(self.licence_expiry.in_force, 1)
        return self._in_force(self.conditional_release)

    def _derived_home_detention_curfew_end(self) -> dt.date | None:
        if self.home_detention_curfew_actual is None or self.conditional_release is None:
            return None
        return _shifted(self.conditional_release.in_force, -1)


def _shifted(day: dt.date, days: int) -> dt.date | None:
    """``day`` moved by ``days``; ``None`` past the calendar's ends (year 1, year 9999)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


#: The dates whose ``reported`` value is the one in force: those the source also sends a
#: calculated value for (prison-api coalesces the override and the calculation into it).
_REPORTED_IS_IN_FORCE: Final = (
    "sentence_expiry",
    "licence_expiry",
    "home_detention_curfew_eligibility",
    "parole_eligibility",
    "early_term",
    "mid_term",
    "late_term",
    "topup_supervision_expiry",
)

#: prison-api's SentenceCalcDates members (but ``bookingId``), in the order prison-api writes
#: them, each with where it lives in :class:`SentenceDates`: ``(member, field, part)``, ``part``
#: being ``reported``, ``calculated`` or ``override`` of a :class:`SentenceDate` field, or
#: ``None`` for a plain field. Adapters of the formats that reuse these names (prison-api,
#: hmpps-prisoner-search) share it.
SENTENCE_CALC_DATES_MEMBERS: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("sentenceExpiryDate", "sentence_expiry", "reported"),
    ("automaticReleaseDate", "automatic_release", "reported"),
    ("conditionalReleaseDate", "conditional_release", "reported"),
    ("nonParoleDate", "non_parole", "reported"),
    ("postRecallReleaseDate", "post_recall_release", "reported"),
    ("licenceExpiryDate", "licence_expiry", "reported"),
    ("homeDetentionCurfewEligibilityDate", "home_detention_curfew_eligibility", "reported"),
    ("paroleEligibilityDate", "parole_eligibility", "reported"),
    ("homeDetentionCurfewActualDate", "home_detention_curfew_actual", "reported"),
    ("actualParoleDate", "actual_parole", "reported"),
    ("releaseOnTemporaryLicenceDate", "release_on_temporary_licence", "reported"),
    ("earlyRemovalSchemeEligibilityDate", "early_removal_scheme_eligibility", "reported"),
    ("earlyTermDate", "early_term", "reported"),
    ("midTermDate", "mid_term", "reported"),
    ("lateTermDate", "late_term", "reported"),
    ("topupSupervisionExpiryDate", "topup_supervision_expiry", "reported"),
    ("tariffDate", "tariff", "reported"),
    ("dtoPostRecallReleaseDate", "dto_post_recall_release", "reported"),
    (
        "tariffEarlyRemovalSchemeEligibilityDate",
        "tariff_early_removal_scheme_eligibility",
        "reported",
    ),
    ("effectiveSentenceEndDate", "effective_sentence_end", "reported"),
    ("sentenceStartDate", "sentence_start_date", None),
    ("additionalDaysAwarded", "additional_days_awarded", None),
    ("automaticReleaseOverrideDate", "automatic_release", "override"),
    ("conditionalReleaseOverrideDate", "conditional_release", "override"),
    ("nonParoleOverrideDate", "non_parole", "override"),
    ("postRecallReleaseOverrideDate", "post_recall_release", "override"),
    ("dtoPostRecallReleaseDateOverride", "dto_post_recall_release", "override"),
    ("nonDtoReleaseDate", "non_dto_release_date", None),
    ("sentenceExpiryCalculatedDate", "sentence_expiry", "calculated"),
    ("sentenceExpiryOverrideDate", "sentence_expiry", "override"),
    ("licenceExpiryCalculatedDate", "licence_expiry", "calculated"),
    ("licenceExpiryOverrideDate", "licence_expiry", "override"),
    ("paroleEligibilityCalculatedDate", "parole_eligibility", "calculated"),
    ("paroleEligibilityOverrideDate", "parole_eligibility", "override"),
    ("topupSupervisionExpiryCalculatedDate", "topup_supervision_expiry", "calculated"),
    ("topupSupervisionExpiryOverrideDate", "topup_supervision_expiry", "override"),
    (
        "homeDetentionCurfewEligibilityCalculatedDate",
        "home_detention_curfew_eligibility",
        "calculated",
    ),
    (
        "homeDetentionCurfewEligibilityOverrideDate",
        "home_detention_curfew_eligibility",
        "override",
    ),
    ("nonDtoReleaseDateType", "non_dto_release_date_type", None),
    ("confirmedReleaseDate", "confirmed_release_date", None),
    ("releaseDate", "release_date", None),
    ("etdOverrideDate", "early_term", "override"),
    ("etdCalculatedDate", "early_term", "calculated"),
    ("mtdOverrideDate", "mid_term", "override"),
    ("mtdCalculatedDate", "mid_term", "calculated"),
    ("ltdOverrideDate", "late_term", "override"),
    ("ltdCalculatedDate", "late_term", "calculated"),
    ("topupSupervisionStartDate", "topup_supervision_start_date", None),
    ("homeDetentionCurfewEndDate", "home_detention_curfew_end_date", None),
)


class ReleaseDates(Body):
    """``custody.release-dates``: one booking's sentence calculation, as the prison holds it."""

    message_type = "custody.release-dates"
    schema_version = "1.1"

    booking_id: BookingId
    """The NOMIS booking the sentence calculation belongs to."""
    dates: SentenceDates
    """The booking's sentence dates, as the prison holds them."""


# --- Delius key dates -----------------------------------------------------------------------

_KEY_DATE_ORDER = code_order(KeyDateCode)


class KeyDate(CanonicalModel):
    """One Delius key date of a custody: its key-date type code and the date."""

    code: OpenKeyDateCode
    """The Delius key-date type code (an unknown code is kept as sent)."""
    date: dt.date
    """The date."""


def _unique_sorted(codes: Sequence[Any], what: str) -> list[Any]:
    texts = [str(c) for c in codes]
    if len(set(texts)) != len(texts):
        raise ValueError(f"{what} holds a key-date code more than once")
    return sorted(codes, key=_KEY_DATE_ORDER)


def key_date_set(value: Sequence[KeyDate], what: str) -> tuple[KeyDate, ...]:
    """``value`` as a set of key dates: each code once (else ``ValueError`` naming ``what``),
    in :class:`~cjx.model.KeyDateCode` order, then unknown codes by text."""
    by_code = {str(k.code): k for k in value}
    codes = _unique_sorted([k.code for k in value], what)
    return tuple(by_code[str(c)] for c in codes)


class KeyDatesReplaced(Body):
    """``probation.key-dates-replaced``: the complete key dates of one custody, within a scope.

    The custody is the one Delius finds by (NOMS number, book number). Every key-date type in
    ``scope`` that ``key_dates`` does not hold is to be removed: a replacement, never a patch.
    """

    message_type = "probation.key-dates-replaced"
    schema_version = "1.1"

    noms_number: NomsNumber
    """The prisoner's NOMS number: with the book number, finds the Delius custody."""
    book_number: BookNumber
    """The prison book number of the custody."""
    scope: Annotated[tuple[OpenKeyDateCode, ...], XmlItem("Code"), Field(min_length=1)]
    """The key-date types replaced; one in scope but not in ``key_dates`` is removed."""
    key_dates: Annotated[tuple[KeyDate, ...], XmlItem("KeyDate")] = ()
    """The custody's key dates within the scope, each type at most once."""

    @field_validator("scope")
    @classmethod
    def _scope_is_a_set(cls, value: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(_unique_sorted(value, "scope"))

    @field_validator("key_dates")
    @classmethod
    def _key_dates_are_a_set(cls, value: tuple[KeyDate, ...]) -> tuple[KeyDate, ...]:
        return key_date_set(value, "key_dates")

    @model_validator(mode="after")
    def _key_dates_within_scope(self) -> KeyDatesReplaced:
        scope = {str(c) for c in self.scope}
        if any(str(k.code) not in scope for k in self.key_dates):
            raise ValueError("every key date's code must be in the scope of the replacement")
        return self

    def key_date(self, code: KeyDateCode | str) -> dt.date | None:
        """The date of ``code``, or ``None`` (which, within the scope, means: removed)."""
        return next((k.date for k in self.key_dates if str(k.code) == str(code)), None)
