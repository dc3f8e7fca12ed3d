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

from cjx.adapter import body_of, checked_output, dump_json
from cjx.errors import Issue, error
from cjx.model import Envelope, KeyDatesReplaced

from ._format import FORMAT_NAME, KEY_DATES, KEY_DATES_BY_CODE, SCHEMA, SCOPE

__all__ = ["document_for", "encode"]


def encode(envelope: Envelope[Any]) -> bytes:
    """The document's JSON bytes; see the module rules."""
    return dump_json(document_for(envelope))


def document_for(envelope: Envelope[Any]) -> dict[str, Any]:
    """The document as a JSON object, validated against the source schema."""
    body = body_of(envelope, KeyDatesReplaced, FORMAT_NAME)
    issues: list[Issue] = []
    if {str(c) for c in body.scope} != {c.value for c in SCOPE}:
        issues.append(
            error(
                f"{FORMAT_NAME}.scope",
                "/body/scope",
                "ReplaceCustodyKeyDates always replaces exactly "
                + ", ".join(c.value for c in SCOPE)
                + "; a replacement with another scope cannot be made with it",
            )
        )
    # within the scope every code has a member; outside it the scope issue refuses the message
    dates = {
        KEY_DATES_BY_CODE[str(k.code)]: k.date.isoformat()
        for k in body.key_dates
        if str(k.code) in KEY_DATES_BY_CODE
    }
    document: dict[str, Any] = {
        "nomsNumber": str(body.noms_number),
        "bookingNumber": str(body.book_number),
        "keyDates": {key: dates[key] for key in KEY_DATES if key in dates},
    }
    return checked_output(envelope, document, schema=SCHEMA, issues=issues)
