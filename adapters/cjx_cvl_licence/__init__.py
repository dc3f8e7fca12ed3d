"""The ``cvl-licence`` adapter: the CVL public licence <-> ``licence.licence-record``.

Registered in the ``cjx.adapters`` entry-point group as ``cvl-licence``; ``adapter`` is the
instance cjx loads. The input is one licence as Create and Vary a Licence serves it:
``GET /public/licences/id/{licenceId}``. Both directions: :mod:`cjx_cvl_licence._decode` and
:mod:`cjx_cvl_licence._encode` hold the rules, :mod:`cjx_cvl_licence._format` the member table.

Issue codes this adapter adds to the shared ones (``json.*``, ``schema.*``, ``noms.*``,
``crn.*``, ``date.format``, ``local-datetime.*``, ``text.characters``):

* ``cvl-licence.unknown-field`` (information): a member cjx does not know; not carried;
* ``cvl-licence.unknown-code`` (warning): a licence kind, type, policy version or status, a
  condition type or an electronic monitoring restriction cjx does not know; kept as sent (a
  condition of an unknown type is kept whole);
* ``cvl-licence.approval-day-only`` (information): an approval before 2023-04-01, which CVL
  recorded without a time: carried as the day (``approved_on``);
* ``cvl-licence.contradiction`` (warning): fields of the licence that contradict each other
  (the licence type and the condition sets present, for one); carried as sent.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final

from cjx.adapter import JsonRecordAdapter
from cjx.errors import Report
from cjx.model import Clock, Envelope, LicenceRecord

from ._decode import decode
from ._encode import document_for, encode
from ._format import CONDITION_MEMBERS, CONDITION_SETS, FORMAT_NAME, HEADER, SCHEMA, Member

__all__ = [
    "CONDITION_MEMBERS",
    "CONDITION_SETS",
    "FORMAT_NAME",
    "HEADER",
    "SCHEMA",
    "CvlLicenceAdapter",
    "Member",
    "adapter",
    "document_for",
]


class CvlLicenceAdapter(JsonRecordAdapter):
    """The CVL public licence (``GET /public/licences/id/{licenceId}``), both directions.

    Recognised by ``licenceType`` and ``prisonNumber``, and none of the members of the documents
    that resemble it: CVL's policy catalogue (``requiresUserInput``, ``categoryShort``; it has
    the same ``conditions`` but is not a licence, and cjx does not read it), the Prisoner
    document (``prisonerNumber``), community-api documents (``convictionId``, ``keyDates``),
    prison-api's (``offenderNo``), HMPPS events (``eventType``, ``Message``), canonical JSON
    (``message_type``) and WireMock stubs (``jsonBody``).
    """

    name: ClassVar[str] = FORMAT_NAME
    decodes: ClassVar[frozenset[str]] = frozenset({LicenceRecord.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({LicenceRecord.message_type})
    description: ClassVar[str] = (
        "CVL public licence: a licence's kind, type, status, approvals and AP/PSS conditions"
    )
    sniff_patterns: ClassVar[tuple[re.Pattern[bytes], ...]] = (
        re.compile(rb'"licenceType"\s*:'),
        re.compile(rb'"prisonNumber"\s*:'),
    )
    sniff_foreign: ClassVar[tuple[bytes, ...]] = (
        b'"requiresUserInput"',
        b'"categoryShort"',
        b'"prisonerNumber"',
        b'"convictionId"',
        b'"keyDates"',
        b'"offenderNo"',
        b'"eventType"',
        b'"Message"',
        b'"message_type"',
        b'"jsonBody"',
    )

    def decode_record(
        self, data: bytes, *, source: str, clock: Clock, max_size: int
    ) -> tuple[Envelope[Any], Report]:
        return decode(data, source=source, clock=clock, max_size=max_size)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)


adapter: Final = CvlLicenceAdapter()
