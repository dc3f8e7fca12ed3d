"""A ReplaceCustodyKeyDates document -> one ``probation.key-dates-replaced`` envelope.

Rules kept here, in the order they run; every issue found is reported together:

1. The bytes: size limit, UTF-8, JSON syntax, duplicate keys, an object at the top
   (:func:`cjx.adapter.read_json_object`).
2. The source schema (``replace-custody-key-dates.schema.json``): ``schema.*`` errors. A member
   the schema does not know, at the top or inside ``keyDates``, is information,
   ``delius-key-dates.unknown-field`` at its pointer, and is not carried (community-api grows;
   a key date it adds is outside this call's scope, so nothing is removed by leaving it out).
3. Identifiers, always, even where the schema reported an issue too: ``nomsNumber`` (``noms.*``)
   and ``bookingNumber`` (``book-number.*``) at their pointers; missing or null is
   ``noms.missing`` / ``book-number.missing``; a value written differently from its canonical
   form (lower case) is accepted and reported as information (``book-number.normalised``).
4. Every key date is a calendar date (``date.format``); ``null`` is absent.
5. The body: the seven custody-managed codes as its ``scope`` and one key date per member
   present. An empty ``keyDates`` is valid: it removes all seven.
6. The envelope: ``subject`` the NOMS number (the book number is in the body: version 1.0's
   subject schemes have none for it), ``source`` ``{delius, delius-key-dates}``, no correlation
   id, and ``occurred_at`` the clock's time (the call carries no time of its own). The message
   id digests the body, so the same replacement read twice has the same id.

Messages never echo values from the input; identifiers appear only masked.
"""

from __future__ import annotations

from typing import Any

import pydantic

from cjx.adapter import read_identifier, read_record
from cjx.codec import issues_from_pydantic
from cjx.errors import Issue, Report, Severity, ValidationFailed
from cjx.model import (
    BookNumber,
    Clock,
    Envelope,
    KeyDate,
    KeyDatesReplaced,
    NomsNumber,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
    read_date,
)

from ._format import FORMAT_NAME, KEY_DATES, SCHEMA, SCOPE, SYSTEM

__all__ = ["decode"]


def decode(
    data: bytes, *, source: str, clock: Clock, max_size: int
) -> tuple[Envelope[Any], Report]:
    """The envelope and the report (information); ``ValidationFailed`` otherwise."""
    document, issues = read_record(data, schema=SCHEMA, format_name=FORMAT_NAME, max_size=max_size)
    if document is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    noms, noms_issues = read_identifier(
        NomsNumber, document, "nomsNumber", pointer="/nomsNumber", required=True
    )
    book, book_issues = read_identifier(
        BookNumber, document, "bookingNumber", pointer="/bookingNumber", required=True
    )
    issues.extend(noms_issues + book_issues)
    reported = {i.path for i in issues if i.severity is Severity.ERROR}
    key_dates = _key_dates(document.get("keyDates"), reported, issues)
    if any(i.severity is Severity.ERROR for i in issues):
        raise ValidationFailed(Report(source, tuple(issues)))

    try:
        body = KeyDatesReplaced(
            noms_number=noms, book_number=book, scope=SCOPE, key_dates=tuple(key_dates)
        )
    except pydantic.ValidationError as exc:
        issues.extend(issues_from_pydantic(exc, path_for=lambda loc: _pointer(body_loc=loc)))
        raise ValidationFailed(Report(source, tuple(issues))) from exc
    envelope = make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(clock()),
        source=Source(system=SYSTEM, format=FORMAT_NAME),
        subject=[SubjectId(scheme=SubjectScheme.NOMS, value=body.noms_number)],
        clock=clock,
    )
    return envelope, Report(source, tuple(issues))


def _key_dates(raw: Any, reported: set[str], issues: list[Issue]) -> list[KeyDate]:
    if not isinstance(raw, dict):
        return []
    found: list[KeyDate] = []
    for key, code in KEY_DATES.items():
        pointer = f"/keyDates/{key}"
        value = raw.get(key)
        if value is None or pointer in reported:
            continue
        date, issue = read_date(value, pointer)
        if issue is not None:
            issues.append(issue)
        if date is not None:
            found.append(KeyDate(code=code, date=date))
    return found


def _pointer(*, body_loc: tuple[int | str, ...]) -> str:
    """The document's pointer for a location in the canonical body (a model limit)."""
    head = body_loc[0] if body_loc else ""
    if head == "noms_number":
        return "/nomsNumber"
    if head == "book_number":
        return "/bookingNumber"
    return "/keyDates"
