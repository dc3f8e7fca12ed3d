"""A ``custody.prisoner-record`` envelope -> the Prisoner document.

Rules kept here:

* Members are written in hmpps-prisoner-search's order (see ``_format``); an absent value is
  left out (absent means null), as hmpps-prisoner-search leaves it out (``non_null``); a list
  the record holds empty is written ``[]``.
* ``_class`` is written first, when the record came from a stored index document (it holds
  ``index_document_class``); a record without it is written as a REST response.
* Dates are ``YYYY-MM-DD``, local date-times Europe/London wall-clock text with the precision
  they were read with; ``bookingId`` is a string of digits; each PNC member is the text it was
  read from (:attr:`cjx.model.WrittenPnc.text`); ``gender`` is the recorded text, else the NOMIS
  description of the gender; ``status`` is its two codes joined by a space; codes of open
  lists are written as held, unknown ones included.
* A part of a sentence date the document has no member for (anything but ``reported``; the
  dates it does not send at all, such as ``mid_term``) is refused,
  ``prisoner-search.not-carried`` at its canonical pointer, rather than dropped. So is an
  instant with no Europe/London wall-clock time (``local-datetime.format``).
* ``changed_groups`` (version 1.2: the groups the source says changed) describes the message,
  not the person: the document, the prisoner's state, has no member for it, and it is not
  written (hmpps-prisoner-search sends it in its events' ``categoriesChanged``, not in the
  document). Nothing about the person is lost, so it is not refused either.
* The document is validated against the source schema before it is returned. Failures are
  :class:`~cjx.errors.ValidationFailed` whose paths are canonical JSON pointers. A message type
  other than ``custody.prisoner-record`` is :class:`~cjx.errors.UnknownMessageType`.

Output is compact UTF-8 JSON.
"""

from __future__ import annotations

from typing import Any, Final

from cjx.adapter import body_of, checked_output, dump_json
from cjx.errors import Issue, error
from cjx.model import (
    Envelope,
    LocalDateTimeError,
    PrisonerRecord,
    SentenceDate,
    SentenceDates,
    format_local_datetime,
    gender_text_of,
)

from ._format import (
    FORMAT_NAME,
    MEMBERS,
    SCHEMA,
    SENTENCE_DATE_FIELDS,
    SENTENCE_DATE_PARTS,
    Member,
)

__all__ = ["document_for", "encode"]

_PARTS: Final = ("reported", "calculated", "override")


def encode(envelope: Envelope[Any]) -> bytes:
    """The document's JSON bytes; see the module rules."""
    return dump_json(document_for(envelope))


def document_for(envelope: Envelope[Any]) -> dict[str, Any]:
    """The document as a JSON object (members in hmpps-prisoner-search's order), validated."""
    body = body_of(envelope, PrisonerRecord, FORMAT_NAME)
    issues = _not_carried(body)
    document = _write(MEMBERS, body, "/body", issues)
    return checked_output(envelope, document, schema=SCHEMA, issues=issues)


def _get(obj: Any, loc: tuple[str, ...]) -> Any:
    for name in loc:
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def _write(members: tuple[Member, ...], obj: Any, base: str, issues: list[Issue]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for member in members:
        pointer = base + "".join(f"/{name}" for name in member.loc)
        if member.kind == "gender":
            parent = _get(obj, member.loc[:-1])
            value = gender_text_of(parent.gender, parent.gender_text) if parent else None
        else:
            value = _get(obj, member.loc)
        if value is None:
            continue
        written = _value(member, value, pointer, issues)
        if written is not None:
            document[member.key] = written
    return document


def _value(member: Member, value: Any, pointer: str, issues: list[Issue]) -> Any:
    kind = member.kind
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        try:
            return format_local_datetime(value)
        except LocalDateTimeError as exc:
            issues.append(error(exc.code, pointer, exc.message))
            return None
    if kind == "pnc":
        return value.text
    if kind == "booking-id":
        return str(value)
    if kind == "status":
        return f"{value.activity} {value.in_out}"
    if kind == "object":
        assert member.item is not None
        return _write(member.item.members, value, pointer, issues)
    if kind == "list":
        assert member.item is not None
        item = member.item
        return [_write(item.members, v, f"{pointer}/{i}", issues) for i, v in enumerate(value)]
    if isinstance(value, (bool, int)):
        return value
    return str(value)  # text, codes (open ones too), identifiers, gender text


def _not_carried(body: PrisonerRecord) -> list[Issue]:
    dates: SentenceDates | None = body.sentence.dates if body.sentence is not None else None
    if dates is None:
        return []
    issues: list[Issue] = []
    for name in SentenceDates.model_fields:
        value = getattr(dates, name)
        if value is None:
            continue
        if not isinstance(value, SentenceDate):
            if name not in SENTENCE_DATE_FIELDS:  # pragma: no cover - every plain one is carried
                issues.append(_refused(f"/body/sentence/dates/{name}", name))
            continue
        carried = SENTENCE_DATE_PARTS.get(name, frozenset())
        issues.extend(
            _refused(f"/body/sentence/dates/{name}/{part}", name)
            for part in _PARTS
            if getattr(value, part) is not None and part not in carried
        )
    return issues


def _refused(pointer: str, name: str) -> Issue:
    return error(
        f"{FORMAT_NAME}.not-carried",
        pointer,
        f"the Prisoner document has no member for this part of {name}; it cannot be written "
        "without losing it",
    )
