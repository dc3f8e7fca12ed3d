"""A SentenceCalcDates document -> one ``custody.release-dates`` envelope.

Rules kept here, in the order they run; every issue found is reported together:

1. The bytes: size limit, UTF-8, JSON syntax, duplicate keys, an object at the top
   (:func:`cjx.adapter.read_json_object`).
2. The source schema (``sentence-calc-dates.schema.json``): ``schema.*`` errors. A member the
   schema does not know is information, ``prison-api-sentence.unknown-field`` at its pointer,
   and is not carried: prison-api grows, and a new member must not stop the traffic.
3. Values the schema accepted but cjx must still judge: ``bookingId`` and
   ``additionalDaysAwarded`` must be integers written without a fraction (JSON Schema's
   ``integer`` also admits ``1.0``; ``schema.type``); every date must be a calendar date
   (``date.format``). A ``nonDtoReleaseDateType`` cjx does not know is kept and reported as a
   warning (``prison-api-sentence.unknown-code``). A member that is ``null`` is absent.
4. The canonical body is built only from a document with no error. The dates prison-api
   derives, and reported dates against their override and calculation, are compared with their
   documented derivation (:meth:`cjx.model.SentenceDates.contradictions`): a contradiction is a
   warning, ``prison-api-sentence.contradiction``, at the member's pointer, never a fix.
5. The envelope: ``subject`` is the booking (``BOOKING``; SentenceCalcDates carries no person
   identifier), ``source`` ``{nomis, prison-api-sentence}``, no correlation id (a REST
   response has no message id), and ``occurred_at`` is the clock's time: the document says
   nothing of when its dates were calculated, so the message states when cjx read it. The
   deterministic message id digests the body only, so reading the same dates twice gives the
   same id.

Messages never echo values from the input.
"""

from __future__ import annotations

from typing import Any, Final

import pydantic

from cjx.adapter import read_record
from cjx.codec import issues_from_pydantic
from cjx.errors import Issue, Report, Severity, ValidationFailed, error, warning
from cjx.model import (
    Clock,
    Envelope,
    NonDtoReleaseDateType,
    ReleaseDates,
    SentenceDates,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    check_code,
    make_envelope,
    read_date,
)

from ._format import BOOKING_ID, FORMAT_NAME, MEMBERS, MEMBERS_BY_LOCATION, SCHEMA, SYSTEM

__all__ = ["decode"]

CONTRADICTION: Final = f"{FORMAT_NAME}.contradiction"


def decode(
    data: bytes, *, source: str, clock: Clock, max_size: int
) -> tuple[Envelope[Any], Report]:
    """The envelope and the report (information and warnings); ``ValidationFailed`` otherwise."""
    document, issues = read_record(data, schema=SCHEMA, format_name=FORMAT_NAME, max_size=max_size)
    if document is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    reported = {i.path for i in issues if i.severity is Severity.ERROR}
    dates = _read_members(document, reported, issues)
    booking_id = document.get(BOOKING_ID)
    if f"/{BOOKING_ID}" not in reported and booking_id is not None:
        issue = _integer(booking_id, f"/{BOOKING_ID}")
        if issue is not None:
            issues.append(issue)
    if any(i.severity is Severity.ERROR for i in issues):
        raise ValidationFailed(Report(source, tuple(issues)))

    try:
        body = ReleaseDates(booking_id=booking_id, dates=SentenceDates.model_validate(dates))
    except pydantic.ValidationError as exc:
        issues.extend(issues_from_pydantic(exc, path_for=_pointer))
        raise ValidationFailed(Report(source, tuple(issues))) from exc
    issues.extend(
        warning(CONTRADICTION, _pointer(("dates", *loc)), rule)
        for loc, rule in body.dates.contradictions()
    )
    envelope = make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(clock()),
        source=Source(system=SYSTEM, format=FORMAT_NAME),
        subject=[SubjectId(scheme=SubjectScheme.BOOKING, value=str(body.booking_id))],
        clock=clock,
    )
    return envelope, Report(source, tuple(issues))


def _read_members(
    document: dict[str, Any], reported: set[str], issues: list[Issue]
) -> dict[str, Any]:
    """The ``SentenceDates`` fields of every present member the schema accepted."""
    fields: dict[str, Any] = {}
    for member in MEMBERS:
        raw = document.get(member.key)
        if raw is None or member.pointer in reported:
            continue
        value: Any
        if member.kind == "date":
            value, issue = read_date(raw, member.pointer)
        elif member.kind == "integer":
            value, issue = raw, _integer(raw, member.pointer)
        else:
            value, issue = check_code(
                NonDtoReleaseDateType, raw, member.pointer, format_name=FORMAT_NAME
            )
        if issue is not None:
            issues.append(issue)
        if value is None:
            continue
        if len(member.loc) == 1:
            fields[member.loc[0]] = value
        else:
            fields.setdefault(member.loc[0], {})[member.loc[1]] = value
    return fields


def _integer(raw: Any, pointer: str) -> Issue | None:
    """An integer the schema accepted must also be written as one (``1.0`` is not)."""
    if type(raw) is int:
        return None
    return error("schema.type", pointer, "expected an integer without a fraction")


def _pointer(loc: tuple[int | str, ...]) -> str:
    """The document's pointer for a location in the canonical body."""
    if not loc or loc[0] != "dates":
        return f"/{BOOKING_ID}" if loc and loc[0] == "booking_id" else ""
    rest = tuple(str(p) for p in loc[1:3])
    member = MEMBERS_BY_LOCATION.get(rest) or MEMBERS_BY_LOCATION.get(rest[:1])
    return member.pointer if member is not None else ""
