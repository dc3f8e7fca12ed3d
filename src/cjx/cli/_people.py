"""Made-up people for the handover journey: their identifiers and the source documents about them.

Used by ``cjx demo --journey``'s load mode, the journey fault test and the rule-service bench.
Every value is synthetic and deterministic from ``(seed, n)``: NOMS numbers ``A0000AA`` onwards,
CRNs ``Z000000`` onwards, book numbers ``00000Z`` onwards, booking ids from 7,000,000. No name,
date of birth or address is ever made: the documents carry only identifiers and dates.

Each person gets, in the source formats the inbound services read:

* ``prisoner_record``: a prisoner-search document (NOMS number, booking id and book number);
  it teaches the index the booking, which ``release-dates-to-key-dates`` needs;
* ``identifier_added``: a probation ``prison-identifier.added`` event (CRN, NOMS number, book
  number): the probation side's link;
* ``custody_record``: a Delius custody record (CRN, NOMS number, the custody's book number);
* ``release_dates``: a prison-api SentenceCalcDates of the booking (named by booking id only);
* ``released``: a ``prisoner.released`` event named by NOMS number only.

:func:`expected_key_dates` is the key-date set RULES.md's mapping gives for ``release_dates``,
worked out here independently of the rule, for tests to compare with what Delius receives.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import string
from dataclasses import dataclass
from typing import Final

__all__ = ["Person", "expected_key_dates", "make_people"]

_LETTERS: Final = string.ascii_uppercase
_FIRST_BOOKING_ID: Final = 7_000_000


def _base26(n: int, width: int) -> str:
    letters = []
    for _ in range(width):
        n, r = divmod(n, 26)
        letters.append(_LETTERS[r])
    return "".join(reversed(letters))


@dataclass(frozen=True, slots=True)
class Person:
    """One made-up person with a custodial sentence ending in a release."""

    n: int
    noms: str
    crn: str
    booking_id: int
    book_number: str
    crd: dt.date  # conditional release date
    led: dt.date  # licence expiry date
    sed: dt.date  # sentence expiry date
    confirmed_release: dt.date | None
    hdced: dt.date | None
    tused: dt.date | None

    @property
    def prisoner_record(self) -> bytes:
        return _json(
            {
                "prisonerNumber": self.noms,
                "bookingId": str(self.booking_id),
                "bookNumber": self.book_number,
            }
        )

    @property
    def identifier_added(self) -> bytes:
        return _json(
            {
                "eventType": "probation-case.prison-identifier.added",
                "version": 1,
                "occurredAt": "2026-11-02T09:00:00Z",
                "additionalInformation": {"bookingNumber": self.book_number},
                "personReference": {
                    "identifiers": [
                        {"type": "CRN", "value": self.crn},
                        {"type": "NOMS", "value": self.noms},
                    ]
                },
            }
        )

    @property
    def custody_record(self) -> bytes:
        return _json(
            {
                "otherIds": {
                    "crn": self.crn,
                    "nomsNumber": self.noms,
                    "mostRecentPrisonerNumber": self.book_number,
                },
                "conviction": {
                    "convictionId": 2_500_000_000 + self.n,
                    "index": "1",
                    "active": True,
                    "custody": {
                        "bookingNumber": self.book_number,
                        "status": {"code": "A", "description": "Sentenced - In Custody"},
                    },
                },
            }
        )

    @property
    def release_dates(self) -> bytes:
        document: dict[str, object] = {
            "bookingId": self.booking_id,
            "conditionalReleaseDate": self.crd.isoformat(),
            "licenceExpiryDate": self.led.isoformat(),
            "sentenceExpiryDate": self.sed.isoformat(),
            # prison-api's derived release date: never a key date (EXP is the confirmed one)
            "releaseDate": self.crd.isoformat(),
        }
        if self.confirmed_release is not None:
            document["confirmedReleaseDate"] = self.confirmed_release.isoformat()
        if self.hdced is not None:
            document["homeDetentionCurfewEligibilityDate"] = self.hdced.isoformat()
        if self.tused is not None:
            document["topupSupervisionExpiryDate"] = self.tused.isoformat()
        return _json(document)

    @property
    def released(self) -> bytes:
        return _json(
            {
                "eventType": "prison-offender-events.prisoner.released",
                "version": 1,
                "description": "A prisoner has been released from prison",
                "occurredAt": "2026-12-01T09:30:00Z",
                "publishedAt": "2026-12-01T09:30:04Z",
                "additionalInformation": {
                    "nomsNumber": self.noms,
                    "prisonId": "MDI",
                    "reason": "RELEASED",
                    "currentLocation": "OUTSIDE_PRISON",
                    "currentPrisonStatus": "NOT_UNDER_PRISON_CARE",
                    "nomisMovementReasonCode": "CR",
                    "details": "INACTIVE OUT:REL-CR",
                },
                "personReference": {"identifiers": [{"type": "NOMS", "value": self.noms}]},
            }
        )


def _json(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def make_people(count: int, *, seed: int = 8, start: int = 0) -> list[Person]:
    """``count`` people numbered from ``start``; the same arguments give the same people."""
    people = []
    for n in range(start, start + count):
        rng = random.Random(f"{seed}:{n}")  # noqa: S311 - made-up test data, not secrets
        crd = dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
        led = crd + dt.timedelta(days=rng.randrange(90, 900))
        people.append(
            Person(
                n=n,
                noms=f"A{n % 10_000:04d}{_base26(n // 10_000, 2)}",
                crn=f"Z{n:06d}",
                booking_id=_FIRST_BOOKING_ID + n,
                book_number=f"{n % 100_000:05d}{_LETTERS[25 - (n // 100_000) % 26]}",
                crd=crd,
                led=led,
                sed=led + dt.timedelta(days=rng.randrange(0, 30)),
                confirmed_release=crd if rng.random() < 0.5 else None,
                hdced=crd - dt.timedelta(days=135) if rng.random() < 0.3 else None,
                tused=led + dt.timedelta(days=365) if rng.random() < 0.2 else None,
            )
        )
    return people


def expected_key_dates(person: Person) -> dict[str, str]:
    """Delius key-date code -> ISO date, by RULES.md's mapping (written out on its own here)."""
    dates = {"ACR": person.crd, "LED": person.led, "SED": person.sed}
    if person.confirmed_release is not None:
        dates["EXP"] = person.confirmed_release
    if person.hdced is not None:
        dates["HDE"] = person.hdced
    if person.tused is not None:
        dates["PSSED"] = person.tused
    return {code: date.isoformat() for code, date in dates.items()}
