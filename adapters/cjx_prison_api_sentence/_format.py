"""The SentenceCalcDates members and where each lives in ``custody.release-dates``.

This table is the only place the mapping lives; decoding and encoding both read it. Members are
listed in the order prison-api writes them (its base class's dates, then ``bookingId`` and the
rest), which is the order encoding writes them.

* ``bookingId`` -> ``booking_id`` (an integer; the subject's ``BOOKING`` identifier too);
* every other member -> a field of :class:`cjx.model.SentenceDates`, as
  :data:`cjx.model.SENTENCE_CALC_DATES_MEMBERS` says: ``conditionalReleaseDate`` is
  ``dates.conditional_release.reported``, ``conditionalReleaseOverrideDate`` is
  ``dates.conditional_release.override``, ``licenceExpiryCalculatedDate`` is
  ``dates.licence_expiry.calculated``, ``releaseDate`` is ``dates.release_date``...

A part of a sentence date that prison-api has no member for (``conditional_release.calculated``,
any part but ``reported`` of ``tariff``...) cannot be written: encoding refuses it
(``prison-api-sentence.not-carried``) rather than drop it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cjx.model import SENTENCE_CALC_DATES_MEMBERS

__all__ = [
    "BOOKING_ID",
    "BOOKING_ID_POSITION",
    "FORMAT_NAME",
    "MEMBERS",
    "MEMBERS_BY_LOCATION",
    "SCHEMA",
    "SYSTEM",
    "Member",
]

FORMAT_NAME: Final = "prison-api-sentence"
SCHEMA: Final = "formats/prison-api-sentence/sentence-calc-dates.schema.json"
#: ``Source.system`` of the canonical envelope: the case system the dates come from.
SYSTEM: Final = "nomis"
BOOKING_ID: Final = "bookingId"


@dataclass(frozen=True, slots=True)
class Member:
    """One SentenceCalcDates member and its place under ``body.dates``."""

    key: str
    #: ``(field,)`` or ``(field, part)`` under :class:`cjx.model.SentenceDates`.
    loc: tuple[str, ...]
    #: ``date``, ``integer`` or ``code``: how the member's value is read and written.
    kind: str
    pointer: str

    @classmethod
    def of(cls, key: str, field: str, part: str | None) -> Member:
        kind = {"additionalDaysAwarded": "integer", "nonDtoReleaseDateType": "code"}.get(
            key, "date"
        )
        return cls(key, (field,) if part is None else (field, part), kind, f"/{key}")


#: Every member but ``bookingId``, in prison-api's order.
MEMBERS: Final[tuple[Member, ...]] = tuple(
    Member.of(key, field, part) for key, field, part in SENTENCE_CALC_DATES_MEMBERS
)
MEMBERS_BY_LOCATION: Final[dict[tuple[str, ...], Member]] = {m.loc: m for m in MEMBERS}
#: Where ``bookingId`` is written: after the base class's dates, as prison-api writes it.
BOOKING_ID_POSITION: Final = next(
    i for i, m in enumerate(MEMBERS) if m.key == "effectiveSentenceEndDate"
)
