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

from cjx.adapter import Adapter, Translation
from cjx.codec import DEFAULT_MAX_JSON_SIZE
from cjx.model import Clock, Envelope, KeyDatesReplaced, system_clock

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

#: How far into the input ``sniff`` looks.
SNIFF_WINDOW: Final = 64 * 1024
_KEY_DATES: Final = re.compile(rb'"keyDates"\s*:')
_PATH_PARAMETERS: Final = (b'"nomsNumber"', b'"bookingNumber"')
#: Members of the community-api documents that also hold ``keyDates`` (a Conviction's
#: ``custody``, an OffenderDetail's ``otherIds``), and of the other formats.
_FOREIGN: Final = (
    b'"convictionId"',
    b'"custody"',
    b'"otherIds"',
    b'"offences"',
    b'"eventType"',
    b'"message_type"',
    b'"prisonerNumber"',
)


class DeliusKeyDatesAdapter(Adapter):
    """community-api ReplaceCustodyKeyDates (path parameters and body), both directions."""

    name: ClassVar[str] = FORMAT_NAME
    media_type: ClassVar[str] = "application/json"
    extension: ClassVar[str] = ".json"
    decodes: ClassVar[frozenset[str]] = frozenset({KeyDatesReplaced.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({KeyDatesReplaced.message_type})
    description: ClassVar[str] = (
        "community-api ReplaceCustodyKeyDates: a Delius custody's key dates, replaced whole"
    )

    def __init__(self, *, max_size: int = DEFAULT_MAX_JSON_SIZE) -> None:
        self.max_size = max_size

    def sniff(self, data: bytes) -> bool:
        """A JSON object with ``keyDates`` and a path parameter, and no other record's members."""
        head = data[:SNIFF_WINDOW].lstrip()
        if not head.startswith(b"{") or not _KEY_DATES.search(head):
            return False
        if not any(p in head for p in _PATH_PARAMETERS):
            return False
        return not any(marker in head for marker in _FOREIGN)

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        """Decode one document; ``detailed`` changes nothing (JSON Schema issues are exact)."""
        envelope, report = decode(data, source=source, clock=clock, max_size=self.max_size)
        return Translation((envelope,), report)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)


adapter = DeliusKeyDatesAdapter()
