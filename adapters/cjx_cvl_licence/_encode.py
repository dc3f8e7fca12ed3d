"""A ``licence.licence-record`` envelope -> the CVL public licence.

Rules kept here:

* Members are written in CVL's order (see ``_format``); an absent value is left out (absent
  means null). ``conditions`` always holds ``AP`` (``standard``, ``additional``, ``bespoke``)
  and ``PSS`` (``standard``, ``additional``), each list written even when empty, as CVL does.
* Date-times are written as Europe/London wall-clock time with the timestamp's precision and no
  offset (:func:`cjx.model.format_local_datetime`): for a licence read from CVL, exactly the
  text it sent. ``approved_on`` (an approval before 2023-04-01, which has no time) is written as
  CVL writes it, the day at ``00:00:00``. A timestamp with no wall-clock time in London (before
  December 1847) is refused, ``local-datetime.format`` at its canonical pointer.
* An additional condition is written with the members its type has: ``restrictions`` for
  ``ELECTRONIC_MONITORING`` (even when empty), ``hasImageUpload`` for the upload types, neither
  for ``STANDARD``; a type cjx does not know with the ones it holds (an empty
  ``restrictions`` is left out: it cannot be told from none).
* Codes, a code cjx does not know included, are written as they are held; ids are JSON numbers.
* Only the body is written; the subject is not.
* The document is validated against the source schema before it is returned. Failures are
  :class:`~cjx.errors.ValidationFailed` whose paths are canonical JSON pointers. A message type
  other than ``licence.licence-record`` is :class:`~cjx.errors.UnknownMessageType`.

Output is compact UTF-8 JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cjx.adapter import body_of, checked_output, dump_json
from cjx.errors import Issue, error
from cjx.model import (
    AdditionalCondition,
    Envelope,
    LicenceRecord,
    LocalDateTimeError,
    Timestamp,
    format_local_datetime,
    parse_local_datetime,
)

from ._format import (
    CONDITION_MEMBERS,
    CONDITION_SETS,
    CONDITIONS,
    FORMAT_NAME,
    HEADER,
    SCHEMA,
    TYPE_MEMBERS,
)

__all__ = ["document_for", "encode"]


def encode(envelope: Envelope[Any]) -> bytes:
    """The document's JSON bytes; see the module rules."""
    return dump_json(document_for(envelope))


def document_for(envelope: Envelope[Any]) -> dict[str, Any]:
    """The licence as a JSON object (members in CVL's order), validated."""
    body = body_of(envelope, LicenceRecord, FORMAT_NAME)
    issues: list[Issue] = []
    document: dict[str, Any] = {}
    for member in HEADER:
        value: Any = getattr(body, member.field)
        if member.kind == "approval" and body.approved_on is not None:
            value = _day_only(body.approved_on, issues)
        if value is None:
            continue
        if isinstance(value, Timestamp):
            value = _wall_clock(value, f"/body/{member.field}", issues)
        document[member.key] = _plain(value)
    document[CONDITIONS] = {
        key: {
            name: [
                _condition(name, item) for item in getattr(getattr(body.conditions, field), name)
            ]
            for name in lists
        }
        for key, (field, lists) in CONDITION_SETS.items()
    }
    return checked_output(envelope, document, schema=SCHEMA, issues=issues)


def _wall_clock(stamp: Timestamp, pointer: str, issues: list[Issue]) -> str | None:
    try:
        return format_local_datetime(stamp)
    except LocalDateTimeError as exc:
        issues.append(error(exc.code, pointer, exc.message))
        return None


def _day_only(day: dt.date, issues: list[Issue]) -> str | None:
    """An approval without a time, as CVL writes it: the day at 00:00:00."""
    text = f"{day.isoformat()}T00:00:00"
    try:
        parse_local_datetime(text)
    except LocalDateTimeError as exc:  # before December 1847: no wall-clock time in London
        issues.append(error(exc.code, "/body/approved_on", exc.message))
        return None
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return str(value)


def _condition(kind: str, condition: Any) -> dict[str, Any]:
    own: frozenset[str] | None = None
    if isinstance(condition, AdditionalCondition):
        own = TYPE_MEMBERS.get(str(condition.type))
    written: dict[str, Any] = {}
    for key, field in CONDITION_MEMBERS[kind]:
        value = getattr(condition, field)
        if key in ("restrictions", "hasImageUpload"):
            if own is not None and key not in own:
                continue  # the model holds none: its type has no such member
            if own is None and (value is None or value == ()):
                continue  # a type cjx does not know: the members it holds
        written[key] = _plain(value)
    return written
