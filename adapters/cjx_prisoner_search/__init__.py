"""The ``prisoner-search`` adapter: the hmpps-prisoner-search Prisoner document <->
``custody.prisoner-record``.

Registered in the ``cjx.adapters`` entry-point group as ``prisoner-search``; ``adapter`` is the
instance cjx loads. The input is one Prisoner document: the response of ``GET
/prisoner/{prisonerNumber}``, or the same document as stored in the search index, which also
carries Spring Data's ``_class`` (kept, and written back). Both directions:
:mod:`cjx_prisoner_search._decode` and :mod:`cjx_prisoner_search._encode` hold the rules;
:mod:`cjx_prisoner_search._format` the member table.

Issue codes this adapter adds to the shared ones (``json.*``, ``schema.*``, ``noms.*``,
``pnc.*``, ``cro.*``, ``book-number.*``, ``date.format``, ``local-datetime.*``):

* ``prisoner-search.unknown-field`` (information): a member cjx does not know; not carried;
* ``prisoner-search.unknown-code`` (warning): a code of an open list (legal status, in/out
  status, the parts of ``status``, convicted status, smoker, identifier type, non-DTO release
  date type), or a gender text, that cjx does not know; kept as sent;
* ``prisoner-search.contradiction`` (warning): ``status`` against ``inOutStatus``, the PNC
  members against each other, the sentence dates against their derivation; carried as sent;
* ``prisoner-search.not-carried`` (encoding): a part of a sentence date the document has no
  member for.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final

from cjx.adapter import JsonRecordAdapter
from cjx.errors import Report
from cjx.model import Clock, Envelope, PrisonerRecord

from ._decode import decode
from ._encode import document_for, encode
from ._format import FORMAT_NAME, MEMBERS, SCHEMA, Member, pointer_for

__all__ = [
    "FORMAT_NAME",
    "MEMBERS",
    "SCHEMA",
    "Member",
    "PrisonerSearchAdapter",
    "adapter",
    "document_for",
    "pointer_for",
]


class PrisonerSearchAdapter(JsonRecordAdapter):
    """The hmpps-prisoner-search Prisoner document (REST or index document), both directions.

    Recognised by ``prisonerNumber`` and none of the members of the documents that wrap or
    resemble it: HMPPS events and queue notifications (``eventType``, ``additionalInformation``,
    ``Message``), canonical JSON (``message_type``), a WireMock stub (``jsonBody``), prison-api
    documents (``offenderNo``), community-api documents (``convictionId``, ``otherIds``,
    ``keyDates``) and CVL licences (``licenceType``).
    """

    name: ClassVar[str] = FORMAT_NAME
    decodes: ClassVar[frozenset[str]] = frozenset({PrisonerRecord.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({PrisonerRecord.message_type})
    description: ClassVar[str] = (
        "hmpps-prisoner-search Prisoner document: a prison's whole record of a person "
        "(REST response or stored index document)"
    )
    sniff_patterns: ClassVar[tuple[re.Pattern[bytes], ...]] = (
        re.compile(rb'"prisonerNumber"\s*:'),
    )
    sniff_foreign: ClassVar[tuple[bytes, ...]] = (
        b'"eventType"',
        b'"additionalInformation"',
        b'"Message"',
        b'"message_type"',
        b'"jsonBody"',
        b'"offenderNo"',
        b'"convictionId"',
        b'"otherIds"',
        b'"keyDates"',
        b'"licenceType"',
    )

    def decode_record(
        self, data: bytes, *, source: str, clock: Clock, max_size: int
    ) -> tuple[Envelope[Any], Report]:
        return decode(data, source=source, clock=clock, max_size=max_size)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)


adapter: Final = PrisonerSearchAdapter()
