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

from cjx.adapter import JsonRecordAdapter
from cjx.errors import Report
from cjx.model import Clock, Envelope, ReleaseDates

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


class PrisonApiSentenceAdapter(JsonRecordAdapter):
    """prison-api SentenceCalcDates (sentenceDetail), both directions.

    Recognised by a ``bookingId`` that is a JSON number (hmpps-prisoner-search writes a string)
    and none of the members of the documents that embed SentenceCalcDates or resemble it:
    InmateDetail and OffenderSentenceDetail (``offenderNo``), the Prisoner document
    (``prisonerNumber``), a CVL licence (``prisonNumber``, ``licenceType``), HMPPS events
    (``eventType``, ``Message``), canonical JSON (``message_type``), community-api documents
    (``convictionId``, ``keyDates``, ``nomsNumber``, ``custody``), prison-api's sentence terms
    and sentence lines (``sentenceSequence``), a WireMock stub wrapping any of them (``jsonBody``).
    """

    name: ClassVar[str] = FORMAT_NAME
    decodes: ClassVar[frozenset[str]] = frozenset({ReleaseDates.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({ReleaseDates.message_type})
    description: ClassVar[str] = (
        "prison-api SentenceCalcDates: one NOMIS booking's sentence calculation dates"
    )
    sniff_patterns: ClassVar[tuple[re.Pattern[bytes], ...]] = (
        re.compile(rb'"bookingId"\s*:\s*-?[0-9]'),
    )
    sniff_foreign: ClassVar[tuple[bytes, ...]] = (
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

    def decode_record(
        self, data: bytes, *, source: str, clock: Clock, max_size: int
    ) -> tuple[Envelope[Any], Report]:
        return decode(data, source=source, clock=clock, max_size=max_size)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)


adapter: Final = PrisonApiSentenceAdapter()
