"""The ``delius-key-dates`` adapter: community-api ReplaceCustodyKeyDates <-> key-dates-replaced.

Registered in the ``cjx.adapters`` entry-point group as ``delius-key-dates``; ``adapter`` is the
instance cjx loads. The input is the community-api call that replaces a Delius custody's key
dates, as one JSON object: its two path parameters and its body,
``{"nomsNumber": "A5089DY", "bookingNumber": "38339A", "keyDates": {...}}``. Both directions:
:mod:`cjx_delius_key_dates._decode` and :mod:`cjx_delius_key_dates._encode` hold the rules,
:mod:`cjx_delius_key_dates._format` the member table.

Issue codes this adapter adds to the shared ones (``json.*``, ``schema.*``, ``noms.*``,
``book-number.*``, ``date.format``):

* ``delius-key-dates.unknown-field`` (information): a member cjx does not know; not carried;
* ``delius-key-dates.scope`` (encoding): a replacement whose scope is not the seven key dates
  the call replaces.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final

from cjx.adapter import JsonRecordAdapter
from cjx.errors import Report
from cjx.model import Clock, Envelope, KeyDatesReplaced

from ._decode import decode
from ._encode import document_for, encode
from ._format import FORMAT_NAME, KEY_DATES, SCHEMA, SCOPE

__all__ = [
    "FORMAT_NAME",
    "KEY_DATES",
    "SCHEMA",
    "SCOPE",
    "DeliusKeyDatesAdapter",
    "adapter",
    "document_for",
]


class DeliusKeyDatesAdapter(JsonRecordAdapter):
    """community-api ReplaceCustodyKeyDates (path parameters and body), both directions.

    Recognised by ``keyDates`` and a path parameter (``nomsNumber`` or ``bookingNumber``), and
    none of the members of the community-api documents that also hold ``keyDates`` (a
    Conviction's ``custody``, an OffenderDetail's ``otherIds``) or of the other formats.
    """

    name: ClassVar[str] = FORMAT_NAME
    decodes: ClassVar[frozenset[str]] = frozenset({KeyDatesReplaced.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({KeyDatesReplaced.message_type})
    description: ClassVar[str] = (
        "community-api ReplaceCustodyKeyDates: a Delius custody's key dates, replaced whole"
    )
    sniff_patterns: ClassVar[tuple[re.Pattern[bytes], ...]] = (
        re.compile(rb'"keyDates"\s*:'),
        re.compile(rb'"(?:nomsNumber|bookingNumber)"\s*:'),
    )
    sniff_foreign: ClassVar[tuple[bytes, ...]] = (
        b'"convictionId"',
        b'"custody"',
        b'"otherIds"',
        b'"offences"',
        b'"eventType"',
        b'"message_type"',
        b'"prisonerNumber"',
    )

    def decode_record(
        self, data: bytes, *, source: str, clock: Clock, max_size: int
    ) -> tuple[Envelope[Any], Report]:
        return decode(data, source=source, clock=clock, max_size=max_size)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)


adapter: Final = DeliusKeyDatesAdapter()
