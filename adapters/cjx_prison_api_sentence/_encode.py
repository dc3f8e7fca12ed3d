"""A ``custody.release-dates`` envelope -> the SentenceCalcDates document.

Rules kept here:

* Members are written in prison-api's order (see ``_format``); an absent value is left out
  (absent means null), as prison-api leaves it out.
* Dates are ``YYYY-MM-DD``; ``nonDtoReleaseDateType`` is written as it is held, a code cjx does
  not know included; ``bookingId`` is a JSON number.
* Only the body is written: SentenceCalcDates has no header and no person identifier.
* A part of a sentence date that prison-api has no member for (``conditional_release
  .calculated``...) is refused, ``prison-api-sentence.not-carried`` at its canonical pointer
  (``/body/dates/conditional_release/calculated``): dropping it would lose a date.
* The document is validated against the source schema before it is returned: encoding never
  emits what the format's readers would reject. Failures are
  :class:`~cjx.errors.ValidationFailed` whose paths are canonical JSON pointers. A message type
  other than ``custody.release-dates`` is :class:`~cjx.errors.UnknownMessageType`.

Output is compact UTF-8 JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from cjx.adapter import body_of, checked_output, dump_json
from cjx.errors import Issue, error
from cjx.model import Envelope, ReleaseDates, SentenceDate, SentenceDates

from ._format import BOOKING_ID, BOOKING_ID_POSITION, FORMAT_NAME, MEMBERS, SCHEMA

__all__ = ["document_for", "encode"]

_PARTS: Final = ("reported", "calculated", "override")


def encode(envelope: Envelope[Any]) -> bytes:
    """The document's JSON bytes; see the module rules."""
    return dump_json(document_for(envelope))


def document_for(envelope: Envelope[Any]) -> dict[str, Any]:
    """The document as a JSON object (members in prison-api's order), validated."""
    body = body_of(envelope, ReleaseDates, FORMAT_NAME)
    issues = _not_carried(body.dates)
    document: dict[str, Any] = {}
    for index, member in enumerate(MEMBERS):
        if index == BOOKING_ID_POSITION:
            document[BOOKING_ID] = body.booking_id
        value: Any = body.dates
        for name in member.loc:
            value = getattr(value, name) if value is not None else None
        if value is None:
            continue
        document[member.key] = value.isoformat() if isinstance(value, dt.date) else _plain(value)
    return checked_output(envelope, document, schema=SCHEMA, issues=issues)


def _plain(value: Any) -> Any:
    return value if isinstance(value, int) else str(value)


def _not_carried(dates: SentenceDates) -> list[Issue]:
    carried = {m.loc for m in MEMBERS}
    issues: list[Issue] = []
    for name in SentenceDates.model_fields:
        value = getattr(dates, name)
        if not isinstance(value, SentenceDate):
            continue
        issues.extend(
            error(
                f"{FORMAT_NAME}.not-carried",
                f"/body/dates/{name}/{part}",
                f"SentenceCalcDates has no member for this part of {name}; "
                "it cannot be written without losing it",
            )
            for part in _PARTS
            if getattr(value, part) is not None and (name, part) not in carried
        )
    return issues
