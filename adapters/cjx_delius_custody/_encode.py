"""A ``probation.custody-record`` envelope -> the community-api document.

Rules kept here:

* The form: a record with nothing outside its conviction (no identifier, no licence conditions,
  no SentenceStatus) is written as a bare Conviction; any other as the composed custody record,
  ``{"otherIds", "conviction", "licenceConditions", "sentenceStatus"}``, each member only when
  the record has it. ``otherIds`` holds the CRN and the other identifiers; a record with
  identifiers but no CRN cannot be written (community-api's IDs require the CRN):
  ``delius-custody.not-carried`` at ``/body/crn``.
* Members are written in community-api's order (``_format``); an absent value is left out, and
  so is an empty list inside the conviction (absent and empty are the same there); an empty
  ``licenceConditions`` list is written (the sentence has none).
* Dates are ``YYYY-MM-DD``; local date-times are written as Europe/London wall-clock text with
  their precision (:func:`cjx.model.format_local_datetime`); codes as held, unknown ones
  included; identifiers in canonical form; the SentenceStatus length unit as ``lengthUnit``.
* What the format cannot carry is refused, never dropped: a key date whose code community-api's
  CustodyRelatedKeyDates has no member for, an amount a JSON number read as a binary float
  cannot give back exactly, an instant London has no whole-minute wall-clock time for
  (``delius-custody.not-carried`` / ``local-datetime.format``, at canonical pointers).
* Only the body is written; the subject is not (the CRN is in ``otherIds``).
* The document is validated against the source schema before it is returned. Failures are
  :class:`~cjx.errors.ValidationFailed` whose paths are canonical JSON pointers. A message type
  other than ``probation.custody-record`` is :class:`~cjx.errors.UnknownMessageType`.

Output is compact UTF-8 JSON.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Final

from pydantic import BaseModel

from cjx.adapter import body_of, checked_output, dump_json
from cjx.errors import Issue, error
from cjx.model import CustodyRecord, Envelope, LocalDateTimeError, Timestamp, format_local_datetime

from ._format import (
    COMPOSED_SCHEMA,
    CONVICTION,
    CONVICTION_SCHEMA,
    FORMAT_NAME,
    IDS,
    KEY_DATES,
    KEY_DATES_BY_CODE,
    LICENCE_CONDITION,
    SENTENCE_STATUS,
    Kind,
    Shape,
)

__all__ = ["document_for", "encode"]

NOT_CARRIED: Final = f"{FORMAT_NAME}.not-carried"


def encode(envelope: Envelope[Any]) -> bytes:
    """The document's JSON bytes; see the module rules."""
    return dump_json(document_for(envelope))


def document_for(envelope: Envelope[Any]) -> dict[str, Any]:
    """The document as a JSON object, validated against its source schema."""
    body = body_of(envelope, CustodyRecord, FORMAT_NAME)
    writer = _Writer()
    conviction = writer.object(CONVICTION, body.conviction, "/body/conviction")
    identified = any(getattr(body, m.field) is not None for m in IDS.members)
    if not identified and body.licence_conditions is None and body.sentence_status is None:
        return checked_output(envelope, conviction, schema=CONVICTION_SCHEMA, issues=writer.issues)
    document: dict[str, Any] = {}
    if identified:
        if body.crn is None:
            writer.issues.append(
                error(
                    NOT_CARRIED,
                    "/body/crn",
                    "community-api's otherIds require the CRN: a record with identifiers but "
                    "no CRN cannot be written",
                )
            )
        document["otherIds"] = writer.object(IDS, body, "/body")
    document["conviction"] = conviction
    if body.licence_conditions is not None:
        document["licenceConditions"] = [
            writer.object(LICENCE_CONDITION, item, f"/body/licence_conditions/conditions/{i}")
            for i, item in enumerate(body.licence_conditions.conditions)
        ]
    if body.sentence_status is not None:
        document["sentenceStatus"] = writer.object(
            SENTENCE_STATUS, body.sentence_status, "/body/sentence_status"
        )
    return checked_output(envelope, document, schema=COMPOSED_SCHEMA, issues=writer.issues)


class _Writer:
    """Writes canonical models as community-api objects, recording what cannot be written."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def object(self, shape: Shape, model: BaseModel, pointer: str) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for member in shape.members:
            value = getattr(model, member.field)
            at = f"{pointer}/{member.field}"
            if value is None:
                continue
            if member.kind is Kind.OBJECT:
                assert member.shape is not None
                document[member.key] = self.object(member.shape, value, at)
            elif member.kind is Kind.LIST:
                assert member.shape is not None
                if value:
                    document[member.key] = [
                        self.object(member.shape, item, f"{at}/{i}") for i, item in enumerate(value)
                    ]
            elif member.kind is Kind.KEY_DATES:
                document[member.key] = self.key_dates(value.dates, f"{at}/dates")
            else:
                document[member.key] = self.scalar(value, at)
        return document

    def scalar(self, value: Any, pointer: str) -> Any:
        if isinstance(value, bool | int):
            return value
        if isinstance(value, Timestamp):
            try:
                return format_local_datetime(value)
            except LocalDateTimeError as exc:
                self.issues.append(error(exc.code, pointer, exc.message))
                return None
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return self.number(value, pointer)
        return str(value)

    def number(self, value: Decimal, pointer: str) -> int | float | None:
        if value == value.to_integral_value() and value.as_tuple().exponent == 0:
            return int(value)
        number = float(value)
        if Decimal(repr(number)) != value:
            self.issues.append(
                error(
                    NOT_CARRIED,
                    pointer,
                    "this amount has more digits than a JSON number read as a binary float "
                    "gives back exactly",
                )
            )
            return None
        return number

    def key_dates(self, dates: Any, pointer: str) -> dict[str, str]:
        written: dict[str, str] = {}
        for i, key_date in enumerate(dates):
            key = KEY_DATES_BY_CODE.get(str(key_date.code))
            if key is None:
                self.issues.append(
                    error(
                        NOT_CARRIED,
                        f"{pointer}/{i}/code",
                        "community-api's CustodyRelatedKeyDates has no member for this key "
                        "date (it carries " + ", ".join(c.value for c in KEY_DATES.values()) + ")",
                    )
                )
                continue
            written[key] = key_date.date.isoformat()
        return {key: written[key] for key in KEY_DATES if key in written}
