"""Canonical messages that teach the person index, built the way the adapters build them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cjx.model import (
    Envelope,
    IdentifiersLinked,
    PersonMerged,
    SentenceDatesChanged,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)

DELIUS = Source(system="delius", format="hmpps-events")
NOMIS = Source(system="nomis", format="hmpps-events")
OCCURRED = Timestamp.parse("2025-05-20T09:12:44.081+01:00")


def _clock() -> dt.datetime:
    return dt.datetime(2025, 5, 20, 8, 13, tzinfo=dt.UTC)


def linked(crn: str, noms: str, book: str, n: int = 0) -> Envelope[Any]:
    """``identity.identifiers-linked``; ``n`` makes the message (and its id) unique."""
    return make_envelope(
        IdentifiersLinked(crn=crn, noms_number=noms, booking_number=book),
        occurred_at=OCCURRED,
        source=DELIUS,
        subject=[
            SubjectId(scheme=SubjectScheme.CRN, value=crn),
            SubjectId(scheme=SubjectScheme.NOMS, value=noms),
        ],
        correlation_id=f"linked-{n}",
        clock=_clock,
    )


def merged(removed: str, retained: str, booking_id: int, n: int = 0) -> Envelope[Any]:
    """``identity.person-merged``: ``removed`` merged into ``retained``."""
    return make_envelope(
        PersonMerged(
            retained_noms_number=retained,
            removed_noms_number=removed,
            booking_id=str(booking_id),
        ),
        occurred_at=OCCURRED,
        source=NOMIS,
        subject=[SubjectId(scheme=SubjectScheme.NOMS, value=retained)],
        correlation_id=f"merged-{n}",
        clock=_clock,
    )


def about(noms: str, *subject: tuple[SubjectScheme, str], n: int = 0) -> Envelope[Any]:
    """A message whose subject names ``noms`` and more (sentence dates changed)."""
    return make_envelope(
        SentenceDatesChanged(noms_number=noms, booking_id="1200835", sentence_calculation_id="1"),
        occurred_at=OCCURRED,
        source=NOMIS,
        subject=[
            SubjectId(scheme=SubjectScheme.NOMS, value=noms),
            *(SubjectId(scheme=s, value=v) for s, v in subject),
        ],
        correlation_id=f"about-{n}",
        clock=_clock,
    )
