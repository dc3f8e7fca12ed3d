"""``licence.licence-record`` (version 1.1): a licence as Create and Vary a Licence (CVL) holds it.

A prisoner released on licence gets one; since 2022 it is made in CVL, whose public model this
body follows field by field: its ids (licence, NOMS number, NOMIS booking, Delius CRN), kind,
type, policy version, status and version, who approved, created and last updated it and when,
its start date, whether the person is in the post-sentence supervision period, and its
conditions: all-purpose licence (AP) standard, additional and bespoke conditions, and
post-sentence supervision (PSS) standard and additional ones.

Rules kept here (the model is the one place they are enforced; the schemas state what they can):

* **An additional condition's ``type`` chooses its members** (CVL's discriminator):
  ``STANDARD`` has neither ``restrictions`` nor ``has_image_upload``; ``ELECTRONIC_MONITORING``
  has ``restrictions`` (what it monitors; possibly none) and no ``has_image_upload``;
  ``MULTIPLE_EXCLUSION_ZONE``, ``MULTIPLE_UPLOADS`` and ``SINGLE_UPLOAD`` have
  ``has_image_upload`` and no ``restrictions``. A type cjx does not know yet (the list grows) is
  kept with whichever of the two it was sent with.
* **An approval before 1 April 2023 is a day, not a time.** CVL recorded no approval time before
  then and writes such an approval as midnight (``2023-03-01T00:00:00``). That midnight is not a
  time of approval, so the value's precision is the day: ``approved_on`` (a date) holds it, and
  ``approved_at`` (a wall-clock timestamp) holds approvals with a time. At most one is set;
  ``approved_on`` is before :data:`APPROVAL_TIME_RECORDED_FROM`; and ``approved_at`` is never
  the day-only form (:func:`approval_day`), which would be written back as exactly that text
  and read again as ``approved_on``.
* Condition texts are free text that holds personal data (names, addresses and places filled
  into the policy's ``[PLACEHOLDER]`` tokens): they are modelled exactly, and like every value
  never appear in a report, a log or a metric.

Contradictions between the licence's fields (:meth:`LicenceRecord.contradictions`) are for
adapters to report as warnings; they are never fixed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final

from pydantic import Field, model_validator

from cjx.model._base import Body, CanonicalModel, SafeText, XmlItem
from cjx.model._identifiers import Crn, NomsNumber
from cjx.model._open_codes import (
    AdditionalConditionType,
    LicenceType,
    OpenAdditionalConditionType,
    OpenElectronicMonitoringType,
    OpenLicenceKind,
    OpenLicenceStatus,
    OpenLicenceType,
    OpenPolicyVersion,
)
from cjx.model._records import BookingId
from cjx.model._timestamp import Timestamp, WallClockTimestamp
from cjx.model._wall_clock import LONDON, LocalDateTimeError, format_local_datetime

__all__ = [
    "APPROVAL_TIME_RECORDED_FROM",
    "AdditionalCondition",
    "ApConditions",
    "BespokeCondition",
    "LicenceConditions",
    "LicenceRecord",
    "PssConditions",
    "StandardCondition",
    "approval_day",
]

#: CVL records the time of an approval from this day on; before it, only the day.
APPROVAL_TIME_RECORDED_FROM: Final = dt.date(2023, 4, 1)

#: A CVL id (a Java ``Long``).
LongId = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
#: Free text, possibly empty: condition texts and categories.
Text = Annotated[SafeText, Field(max_length=4000)]
#: A short non-empty text: condition codes, usernames, the licence version.
ShortText = Annotated[SafeText, Field(min_length=1, max_length=255)]

_UPLOAD_TYPES: Final = frozenset(
    {
        AdditionalConditionType.MULTIPLE_EXCLUSION_ZONE,
        AdditionalConditionType.MULTIPLE_UPLOADS,
        AdditionalConditionType.SINGLE_UPLOAD,
    }
)


def approval_day(stamp: Timestamp) -> dt.date | None:
    """The day of an approval CVL recorded without a time, else ``None``.

    That is a timestamp whose Europe/London wall-clock text is exactly ``YYYY-MM-DDT00:00:00``
    (seconds written, no fraction) on a day before :data:`APPROVAL_TIME_RECORDED_FROM`.
    """
    if not stamp.seconds_written or stamp.fraction_digits:
        return None
    try:
        text = format_local_datetime(stamp)
    except LocalDateTimeError:
        return None
    day, _, clock = text.partition("T")
    if clock != "00:00:00":
        return None
    parsed = dt.date.fromisoformat(day)
    return parsed if parsed < APPROVAL_TIME_RECORDED_FROM else None


class StandardCondition(CanonicalModel):
    """A standard condition of a licence: the policy's code and its text."""

    code: ShortText
    """shared by every instance of the condition: a UUID-like text in either case, or an older
    camel-case code (``goodBehaviour``); kept exactly"""
    text: Text
    """The condition's text, as the policy words it."""


class AdditionalCondition(CanonicalModel):
    """An additional condition: the policy's code, the text as filled in, and its type's
    members (see the module rules)."""

    id: LongId
    """the id of this condition instance in CVL"""
    category: Text
    """The policy's category of the condition."""
    type: OpenAdditionalConditionType
    """The condition's type, which says which other members it has."""
    code: ShortText
    """The policy's code of the condition, shared by every instance of it."""
    text: Text
    """the policy text with its placeholders filled in: may hold personal data"""
    restrictions: Annotated[tuple[OpenElectronicMonitoringType, ...], XmlItem("Restriction")] = ()
    """``ELECTRONIC_MONITORING``: what the monitoring is for, in CVL's order"""
    has_image_upload: bool | None = None
    """``MULTIPLE_EXCLUSION_ZONE``, ``MULTIPLE_UPLOADS``, ``SINGLE_UPLOAD``: a map or file was
    uploaded"""

    @model_validator(mode="after")
    def _members_of_its_type(self) -> AdditionalCondition:
        kind = self.type
        if kind == AdditionalConditionType.STANDARD and (
            self.restrictions or self.has_image_upload is not None
        ):
            raise ValueError("a STANDARD condition has no restrictions and no has_image_upload")
        if kind == AdditionalConditionType.ELECTRONIC_MONITORING and (
            self.has_image_upload is not None
        ):
            raise ValueError("an ELECTRONIC_MONITORING condition has no has_image_upload")
        if kind in _UPLOAD_TYPES and (self.restrictions or self.has_image_upload is None):
            raise ValueError(
                f"a {kind} condition has has_image_upload and no restrictions",
            )
        return self


class BespokeCondition(CanonicalModel):
    """A condition written for this licence alone: free text, may hold personal data."""

    text: Text
    """The condition's text, written for this licence."""


class ApConditions(CanonicalModel):
    """The all-purpose licence (AP) conditions."""

    standard: Annotated[tuple[StandardCondition, ...], XmlItem("StandardCondition")] = ()
    """The standard AP conditions, in CVL's order."""
    additional: Annotated[tuple[AdditionalCondition, ...], XmlItem("AdditionalCondition")] = ()
    """The additional AP conditions, in CVL's order."""
    bespoke: Annotated[tuple[BespokeCondition, ...], XmlItem("BespokeCondition")] = ()
    """The bespoke AP conditions, in CVL's order."""

    @property
    def empty(self) -> bool:
        return not (self.standard or self.additional or self.bespoke)


class PssConditions(CanonicalModel):
    """The post-sentence supervision (PSS) conditions; CVL has no bespoke PSS conditions."""

    standard: Annotated[tuple[StandardCondition, ...], XmlItem("StandardCondition")] = ()
    """The standard PSS conditions, in CVL's order."""
    additional: Annotated[tuple[AdditionalCondition, ...], XmlItem("AdditionalCondition")] = ()
    """The additional PSS conditions, in CVL's order."""

    @property
    def empty(self) -> bool:
        return not (self.standard or self.additional)


class LicenceConditions(CanonicalModel):
    """A licence's two sets of conditions (CVL's ``conditions``: ``AP`` and ``PSS``)."""

    ap: ApConditions
    """The all-purpose licence conditions."""
    pss: PssConditions
    """The post-sentence supervision conditions."""


class LicenceRecord(Body):
    """``licence.licence-record``: one CVL licence, as CVL's public licence model holds it."""

    message_type = "licence.licence-record"
    schema_version = "1.1"

    licence_id: LongId
    """CVL's id of the licence."""
    kind: OpenLicenceKind
    """CVL's kind of licence (CRD, variation, hard stop...)."""
    licence_type: OpenLicenceType
    """AP, PSS or AP_PSS: which periods the licence covers."""
    policy_version: OpenPolicyVersion
    """The version of the licence conditions policy it follows."""
    version: ShortText
    """the licence's version within its booking (``1.4``)"""
    status: OpenLicenceStatus
    """The licence's status in CVL (in progress, approved, active...)."""
    noms_number: NomsNumber
    """The person's NOMS number."""
    booking_id: BookingId
    """The NOMIS booking the licence belongs to."""
    crn: Crn
    """The person's probation case reference number (Delius)."""
    approved_by_username: ShortText | None = None
    """The user name of whoever approved the licence, once approved."""
    approved_at: WallClockTimestamp | None = None
    """when the licence was approved (from 1 April 2023, when CVL records the time)"""
    approved_on: dt.date | None = None
    """the day the licence was approved, for approvals before 1 April 2023 (no time recorded)"""
    created_by_username: ShortText
    """The user name of whoever created this version of the licence."""
    created_at: WallClockTimestamp | None = None
    """when this version (or variation) of the licence was created"""
    updated_by_username: ShortText | None = None
    """The user name of whoever last updated it, if anyone."""
    updated_at: WallClockTimestamp | None = None
    """When it was last updated, if it was."""
    licence_start_date: dt.date | None = None
    """CVL: "may be incorrect for IS-91 cases and people on remand"."""
    in_pss_period: bool
    """the licence expiry date has passed and the top-up supervision end date has not"""
    conditions: LicenceConditions
    """The licence's conditions: AP and PSS."""

    @model_validator(mode="after")
    def _approval_precision(self) -> LicenceRecord:
        if self.approved_at is not None and self.approved_on is not None:
            raise ValueError("a licence is approved at a time or on a day, not both")
        if self.approved_on is not None and self.approved_on >= APPROVAL_TIME_RECORDED_FROM:
            raise ValueError(
                "approved_on is for approvals before 2023-04-01 (CVL recorded no time then); "
                "later approvals have a time, approved_at"
            )
        if self.approved_at is not None and approval_day(self.approved_at) is not None:
            raise ValueError(
                "an approval before 2023-04-01 at exactly 00:00:00 is a day without a time: "
                "approved_on"
            )
        return self

    def contradictions(self) -> list[tuple[tuple[str, ...], str]]:
        """Where the licence contradicts itself: ``(location, rule)`` pairs, for adapters to
        report as warnings (never fixed)."""
        found: list[tuple[tuple[str, ...], str]] = []
        kind = self.licence_type
        if kind == LicenceType.ALL_PURPOSE and not self.conditions.pss.empty:
            found.append(
                (
                    ("conditions", "pss"),
                    "an AP licence (no post-sentence supervision) holds PSS conditions",
                )
            )
        if kind == LicenceType.POST_SENTENCE_SUPERVISION and not self.conditions.ap.empty:
            found.append(
                (
                    ("conditions", "ap"),
                    "a PSS licence (post-sentence supervision only) holds AP conditions",
                )
            )
        if kind == LicenceType.ALL_PURPOSE and self.in_pss_period:
            found.append(
                (
                    ("in_pss_period",),
                    "an AP licence has no post-sentence supervision period to be in",
                )
            )
        approved = self.approved_at is not None or self.approved_on is not None
        if (self.approved_by_username is not None) != approved:
            found.append(
                (
                    ("approved_by_username",),
                    "a licence has an approver and an approval time, or neither",
                )
            )
        created = self.created_at
        for name in ("updated_at", "approved_at", "approved_on"):
            value: Any = getattr(self, name)
            if value is None or created is None:
                continue
            if isinstance(value, Timestamp):
                earlier = value < created
            else:
                earlier = value < created.to_datetime().astimezone(LONDON).date()
            if earlier:
                found.append(((name,), "this is earlier than the licence's creation"))
        return found
