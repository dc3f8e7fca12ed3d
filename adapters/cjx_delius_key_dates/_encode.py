"""A ``probation.key-dates-replaced`` envelope -> the ReplaceCustodyKeyDates document.

Rules kept here:

* ``nomsNumber`` and ``bookingNumber`` are the body's; ``keyDates`` holds one member per key
  date, by community-api's name, in community-api's order; a key date the replacement does not
  hold is left out (and so removed by community-api).
* The call always replaces the seven custody-managed key dates. A replacement with another
  scope cannot be made by it: encoding refuses it, ``delius-key-dates.scope`` at ``/body/scope``,
  rather than remove dates the message did not mean to remove, or leave dates it meant to
  remove. (Within that scope every key date has a member.)
* Only the body is written; the subject is not.
* The document is validated against the source schema before it is returned. Failures are
  :class:`~cjx.errors.ValidationFailed` whose paths are canonical JSON pointers. A message type
  other than ``probation.key-dates-replaced`` is :class:`~cjx.errors.UnknownMessageType`.

Output is compact UTF-8 JSON.
"""

from __future__ import annotations

from typing import Any

from cjx.adapter import dump_json
from cjx.errors import Report, UnknownMessageType, ValidationFailed, error
from cjx.model import Envelope, KeyDatesReplaced
from cjx.validation import json_schema_issues, json_validator

from ._format import FORMAT_NAME, KEY_DATES, KEY_DATES_BY_CODE, SCHEMA, SCOPE

__all__ = ["document_for", "encode"]


def encode(envelope: Envelope[Any]) -> bytes:
    """The document's JSON bytes; see the module rules."""
    return dump_json(document_for(envelope))


def document_for(envelope: Envelope[Any]) -> dict[str, Any]:
    """The document as a JSON object, validated against the source schema."""
    body = envelope.body
    if not isinstance(body, KeyDatesReplaced):
        raise UnknownMessageType(
            f"{FORMAT_NAME} cannot encode {envelope.message_type!r}; it encodes "
            f"{KeyDatesReplaced.message_type}"
        )
    if {str(c) for c in body.scope} != {c.value for c in SCOPE}:
        raise ValidationFailed(
            Report(
                str(envelope.message_id),
                (
                    error(
                        f"{FORMAT_NAME}.scope",
                        "/body/scope",
                        "ReplaceCustodyKeyDates always replaces exactly "
                        + ", ".join(c.value for c in SCOPE)
                        + "; a replacement with another scope cannot be made with it",
                    ),
                ),
            )
        )
    dates = {KEY_DATES_BY_CODE[str(k.code)]: k.date.isoformat() for k in body.key_dates}
    document: dict[str, Any] = {
        "nomsNumber": str(body.noms_number),
        "bookingNumber": str(body.book_number),
        "keyDates": {key: dates[key] for key in KEY_DATES if key in dates},
    }
    issues = [
        error(i.code, "/body", f"{i.message} (in the encoded document, at {i.path})")
        for i in json_schema_issues(json_validator(SCHEMA), document)
    ]
    if issues:
        raise ValidationFailed(Report(str(envelope.message_id), tuple(issues)))
    return document
