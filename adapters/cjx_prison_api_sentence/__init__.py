"""The ``prison-api-sentence`` adapter: prison-api SentenceCalcDates <-> ``custody.release-dates``.

Registered in the ``cjx.adapters`` entry-point group as ``prison-api-sentence``; ``adapter`` is
the instance cjx loads. The input is one SentenceCalcDates document: the response of
``GET /api/bookings/{bookingId}/sentenceDetail``, or the ``sentenceDetail`` of an InmateDetail.
Both directions: :mod:`cjx_prison_api_sentence._decode` and :mod:`cjx_prison_api_sentence._encode`
hold the rules; :mod:`cjx_prison_api_sentence._format` the member table.

Issue codes this adapter adds to the shared ones (``json.*``, ``schema.*``, ``date.format``):

* ``prison-api-sentence.unknown-field`` (information): a member cjx does not know; not carried;
* ``prison-api-sentence.unknown-code`` (warning): a ``nonDtoReleaseDateType`` cjx does not
  know; kept as sent;
* ``prison-api-sentence.contradiction`` (warning): a derived date (``releaseDate``,
  ``topupSupervisionStartDate``, ``homeDetentionCurfewEndDate``), or a reported date against its
  override and calculation, contradicts its documented derivation; carried as sent;
* ``prison-api-sentence.not-carried`` (encoding): a part of a sentence date the format has no
  member for.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final

from cjx.adapter import Adapter, Translation
from cjx.codec import DEFAULT_MAX_JSON_SIZE
from cjx.model import Clock, Envelope, ReleaseDates, system_clock

from ._decode import decode
from ._encode import document_for, encode
from ._format import FORMAT_NAME, MEMBERS, SCHEMA, Member

__all__ = [
    "FORMAT_NAME",
    "MEMBERS",
    "SCHEMA",
    "Member",
    "PrisonApiSentenceAdapter",
    "adapter",
    "document_for",
]

#: How far into the input ``sniff`` looks.
SNIFF_WINDOW: Final = 64 * 1024
#: A ``bookingId`` that is a JSON number (hmpps-prisoner-search writes a string).
_NUMERIC_BOOKING_ID: Final = re.compile(rb'"bookingId"\s*:\s*-?[0-9]')
#: Members of the documents that embed or resemble SentenceCalcDates but are not it: InmateDetail
#: and OffenderSentenceDetail (``offenderNo``), the Prisoner document (``prisonerNumber``), a CVL
#: licence (``prisonNumber``, ``licenceType``), HMPPS events (``eventType``, ``Message``),
#: canonical JSON (``message_type``), community-api documents (``convictionId``, ``keyDates``,
#: ``nomsNumber``, ``custody``), prison-api's sentence terms and sentence lines
#: (``sentenceSequence``), a WireMock stub wrapping any of them (``jsonBody``).
_FOREIGN: Final = (
    b'"offenderNo"',
    b'"prisonerNumber"',
    b'"prisonNumber"',
    b'"licenceType"',
    b'"eventType"',
    b'"Message"',
    b'"message_type"',
    b'"convictionId"',
    b'"keyDates"',
    b'"nomsNumber"',
    b'"custody"',
    b'"sentenceSequence"',
    b'"jsonBody"',
)


class PrisonApiSentenceAdapter(Adapter):
    """prison-api SentenceCalcDates (sentenceDetail), both directions."""

    name: ClassVar[str] = FORMAT_NAME
    media_type: ClassVar[str] = "application/json"
    extension: ClassVar[str] = ".json"
    decodes: ClassVar[frozenset[str]] = frozenset({ReleaseDates.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({ReleaseDates.message_type})
    description: ClassVar[str] = (
        "prison-api SentenceCalcDates: one NOMIS booking's sentence calculation dates"
    )

    def __init__(self, *, max_size: int = DEFAULT_MAX_JSON_SIZE) -> None:
        self.max_size = max_size

    def sniff(self, data: bytes) -> bool:
        """A JSON object with a numeric ``bookingId`` and none of the other records' members."""
        head = data[:SNIFF_WINDOW].lstrip()
        if not head.startswith(b"{") or not _NUMERIC_BOOKING_ID.search(head):
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


adapter = PrisonApiSentenceAdapter()
