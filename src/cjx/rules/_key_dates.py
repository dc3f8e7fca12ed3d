"""``release-dates-to-key-dates``: NOMIS sentence dates -> the Delius custody's key dates.

``custody.release-dates`` (one booking's SentenceCalcDates) becomes one
``probation.key-dates-replaced``, as prison-to-probation-update did it
(``SentenceDetail.asProbationKeyDates()``, RULES.md "NOMIS SentenceCalcDates -> Delius KEY_DATE",
verified twice there and read again in the Kotlin for this rule). Rules kept here:

* **The mapping** (:data:`MAPPING`). Each Delius date is read from exactly the prison-api member
  RULES.md names, which is one part of a :class:`~cjx.model.SentenceDate`:

  =========  ======================================  =========================================
  Delius     prison-api member                       canonical part (``SentenceDates``)
  =========  ======================================  =========================================
  ``ACR``    ``conditionalReleaseOverrideDate``,     ``conditional_release.override``, else
             else ``conditionalReleaseDate``         ``conditional_release.reported``
  ``LED``    ``licenceExpiryDate``                   ``licence_expiry.reported``
  ``HDE``    ``homeDetentionCurfewEligibilityDate``  ``home_detention_curfew_eligibility``
                                                     ``.reported``
  ``PED``    ``paroleEligibilityDate``               ``parole_eligibility.reported``
  ``SED``    ``sentenceExpiryDate``                  ``sentence_expiry.reported``
  ``EXP``    ``confirmedReleaseDate``                ``confirmed_release_date``
  ``PSSED``  ``topupSupervisionExpiryDate`` (TUSED)  ``topup_supervision_expiry.reported``
  =========  ======================================  =========================================

  ``EXP`` is **never** the release date (``release_date``, which prison-api derives and which is
  often set when nothing is confirmed). A ``calculated`` part is never read: prison-api sends the
  date in force under the date's own name (``reported``), and RULES.md maps that; a message that
  holds only the calculated or override part of LED, HDE, PED, SED or PSSED (no known source
  sends one) leaves that key date out, with a warning ``release-dates-to-key-dates.not-mapped``.
* **A replacement, never a patch.** The output holds the complete key-date set within the scope
  of the seven custody-managed dates (``CUSTODY_MANAGED_KEY_DATES``, the scope of community-api's
  ReplaceCustodyKeyDates): a date the source does not give is absent, and so removed from
  Delius; nothing is invented or kept from before.
* **The custody** is the one Delius finds by NOMS number and book number. ``custody.release-dates``
  names only the booking id, so both come from the person index (``index.booking``): the book
  number paired with the booking id and the person's current NOMS number. A booking the index
  links to only one of the two (or neither, or to a NOMS number contested by a conflict) is
  unresolved: :class:`~cjx.errors.IdentityUnresolved` with ``identity.unresolved`` at
  ``/body/booking_id``, the booking id masked.
* The output's subject is the NOMS number, as the ``delius-key-dates`` adapter writes it (the
  book number has no subject scheme in version 1.0; it is in the body).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from cjx.errors import IdentityUnresolved, Issue, Report, error, warning
from cjx.identity import Ident
from cjx.model import (
    CUSTODY_MANAGED_KEY_DATES,
    Clock,
    Envelope,
    KeyDate,
    KeyDateCode,
    KeyDatesReplaced,
    ReleaseDates,
    SentenceDate,
    SentenceDates,
    SubjectId,
    SubjectScheme,
)

from ._protocol import Derivation, Rule, RuleIndex

__all__ = ["MAPPING", "KeyDateSource", "ReleaseDatesToKeyDates", "key_dates"]

NAME: Final = "release-dates-to-key-dates"
NOT_MAPPED: Final = f"{NAME}.not-mapped"


@dataclass(frozen=True, slots=True)
class KeyDateSource:
    """Where one Delius key date is read from.

    ``field`` is a :class:`~cjx.model.SentenceDates` field; ``parts`` the parts of that
    :class:`~cjx.model.SentenceDate` read in turn, the first present winning (empty for a plain
    date field); ``member`` the prison-api member(s) RULES.md names, for people.
    """

    code: KeyDateCode
    field: str
    parts: tuple[str, ...]
    member: str


#: RULES.md's mapping, in community-api's order of the seven custody-managed key dates.
MAPPING: Final[tuple[KeyDateSource, ...]] = (
    KeyDateSource(
        KeyDateCode.AUTOMATIC_CONDITIONAL_RELEASE,
        "conditional_release",
        ("override", "reported"),
        "conditionalReleaseOverrideDate, else conditionalReleaseDate",
    ),
    KeyDateSource(KeyDateCode.LICENCE_EXPIRY, "licence_expiry", ("reported",), "licenceExpiryDate"),
    KeyDateSource(
        KeyDateCode.HOME_DETENTION_CURFEW_ELIGIBILITY,
        "home_detention_curfew_eligibility",
        ("reported",),
        "homeDetentionCurfewEligibilityDate",
    ),
    KeyDateSource(
        KeyDateCode.PAROLE_ELIGIBILITY, "parole_eligibility", ("reported",), "paroleEligibilityDate"
    ),
    KeyDateSource(
        KeyDateCode.SENTENCE_EXPIRY, "sentence_expiry", ("reported",), "sentenceExpiryDate"
    ),
    KeyDateSource(
        KeyDateCode.EXPECTED_RELEASE, "confirmed_release_date", (), "confirmedReleaseDate"
    ),
    KeyDateSource(
        KeyDateCode.POST_SENTENCE_SUPERVISION_END,
        "topup_supervision_expiry",
        ("reported",),
        "topupSupervisionExpiryDate",
    ),
)


def key_dates(dates: SentenceDates) -> tuple[tuple[KeyDate, ...], tuple[Issue, ...]]:
    """The Delius key dates :data:`MAPPING` reads from ``dates``, and the warnings on the way."""
    found: list[KeyDate] = []
    issues: list[Issue] = []
    for source in MAPPING:
        value: Any = getattr(dates, source.field)
        if isinstance(value, SentenceDate):
            date = next((getattr(value, p) for p in source.parts if getattr(value, p)), None)
            if date is None:
                issues.append(
                    warning(
                        NOT_MAPPED,
                        f"/body/dates/{source.field}",
                        f"{source.code.value} is read from {source.member} "
                        f"({' else '.join(source.parts)}), which this date does not hold: it is "
                        "left out of the replacement, which removes it from Delius",
                    )
                )
                continue
        else:
            date = value
        if isinstance(date, dt.date):
            found.append(KeyDate(code=source.code, date=date))
    return tuple(found), tuple(issues)


class ReleaseDatesToKeyDates(Rule):
    """``custody.release-dates`` -> ``probation.key-dates-replaced`` (see the module rules)."""

    name: ClassVar[str] = NAME
    consumes: ClassVar[frozenset[str]] = frozenset({ReleaseDates.message_type})
    produces: ClassVar[frozenset[str]] = frozenset({KeyDatesReplaced.message_type})
    description: ClassVar[str] = (
        "NOMIS sentence dates of a booking -> the complete key dates of its Delius custody "
        "(NOMS number and book number from the person index)"
    )

    def apply(self, envelope: Envelope[Any], index: RuleIndex, clock: Clock) -> Derivation:
        body: ReleaseDates = envelope.body
        booking = index.booking(body.booking_id)
        if booking.book_number is None or booking.noms_number is None:
            missing = " or ".join(
                what
                for what, value in (
                    ("book number", booking.book_number),
                    ("current NOMS number", booking.noms_number),
                )
                if value is None
            )
            raise IdentityUnresolved(
                Report(
                    self.input_name(envelope),
                    (
                        error(
                            "identity.unresolved",
                            "/body/booking_id",
                            f"the person index links {booking.booking_id.masked()} to "
                            f"no {missing}; the Delius custody is found by NOMS number and "
                            "book number",
                        ),
                    ),
                )
            )
        dates, issues = key_dates(body.dates)
        replacement = KeyDatesReplaced(
            noms_number=booking.noms_number.value,
            book_number=booking.book_number.value,
            scope=CUSTODY_MANAGED_KEY_DATES,
            key_dates=dates,
        )
        output = self.output(
            envelope,
            replacement,
            0,
            subject=[_noms_subject(booking.noms_number)],
            clock=clock,
        )
        return Derivation((output,), Report(self.input_name(envelope), issues))


def _noms_subject(noms: Ident) -> SubjectId:
    return SubjectId.model_construct(scheme=SubjectScheme.NOMS, value=noms.value)
