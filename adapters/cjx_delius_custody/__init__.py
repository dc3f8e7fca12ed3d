"""The ``delius-custody`` adapter: community-api Conviction (+ identifiers, licence conditions,
SentenceStatus) <-> ``probation.custody-record``.

Registered in the ``cjx.adapters`` entry-point group as ``delius-custody``; ``adapter`` is the
instance cjx loads. The input is a bare community-api Conviction, or a custody record composing
it with the OffenderDetail's ``otherIds``, the licence conditions and the SentenceStatus (see
:mod:`cjx_delius_custody._format`). Both directions: :mod:`cjx_delius_custody._decode` and
:mod:`cjx_delius_custody._encode` hold the rules.

A bare Conviction carries no CRN: community-api puts it in the URL. A caller that knows it
supplies it as the adapter's ``crn`` option: ``adapter.with_options({"crn": "X320741"})`` (or
``cjx translate --from delius-custody --option crn=X320741``).

Issue codes this adapter adds to the shared ones (``json.*``, ``schema.*``, ``crn.*``,
``pnc.*``, ``cro.*``, ``noms.*``, ``book-number.*``, ``ho-offence-code.*``, ``date.format``,
``local-datetime.*``):

* ``delius-custody.unknown-field`` (information): a member cjx does not know; not carried;
* ``delius-custody.unknown-code`` (warning): a custodial status or length unit cjx does not
  know; kept as sent;
* ``delius-custody.normalised`` (information): SentenceStatus's length unit spelt
  ``lengthUnits``; read as ``lengthUnit``;
* ``delius-custody.conflicting-members``: both ``lengthUnit`` and ``lengthUnits``;
* ``delius-custody.crn-mismatch``: the document's CRNs, or the caller's, disagree;
* ``delius-custody.contradiction`` (warning): the record says two things at once;
* ``delius-custody.not-carried`` (encoding): what community-api's documents cannot hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from cjx.adapter import JsonRecordAdapter
from cjx.codec import DEFAULT_MAX_JSON_SIZE
from cjx.errors import ConfigurationError, Report
from cjx.model import Clock, Crn, CustodyRecord, Envelope, IdentifierError

from ._decode import decode, subject_of
from ._encode import document_for, encode
from ._format import COMPOSED_SCHEMA, CONVICTION_SCHEMA, FORMAT_NAME, KEY_DATES

__all__ = [
    "COMPOSED_SCHEMA",
    "CONVICTION_SCHEMA",
    "FORMAT_NAME",
    "KEY_DATES",
    "DeliusCustodyAdapter",
    "adapter",
    "document_for",
    "subject_of",
]


class DeliusCustodyAdapter(JsonRecordAdapter):
    """community-api Conviction, bare or composed into a custody record, both directions.

    Recognised by ``convictionId`` and none of the members of the other formats' documents:
    the key-date replacement and the WireMock stubs around these documents (``jsonBody``),
    prison-api and hmpps-prisoner-search documents (``bookingId``, ``offenderNo``,
    ``prisonerNumber``), CVL licences (``prisonNumber``, ``licenceType``), HMPPS events
    (``eventType``, ``Message``) and canonical JSON (``message_type``).
    """

    name: ClassVar[str] = FORMAT_NAME
    decodes: ClassVar[frozenset[str]] = frozenset({CustodyRecord.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({CustodyRecord.message_type})
    description: ClassVar[str] = (
        "community-api Conviction: a Delius event with its custody, key dates and licence "
        "conditions"
    )
    sniff_patterns: ClassVar[tuple[re.Pattern[bytes], ...]] = (re.compile(rb'"convictionId"\s*:'),)
    sniff_foreign: ClassVar[tuple[bytes, ...]] = (
        b'"jsonBody"',
        b'"bookingId"',
        b'"offenderNo"',
        b'"prisonerNumber"',
        b'"prisonNumber"',
        b'"licenceType"',
        b'"eventType"',
        b'"Message"',
        b'"message_type"',
    )

    def __init__(self, *, max_size: int = DEFAULT_MAX_JSON_SIZE, crn: Crn | None = None) -> None:
        super().__init__(max_size=max_size)
        self.crn = crn

    def with_options(self, options: Mapping[str, str]) -> DeliusCustodyAdapter:
        """This adapter with the caller's options: ``crn``, the CRN the records were fetched
        for (a bare Conviction carries none). :class:`~cjx.errors.ConfigurationError` for an
        unknown option or an invalid CRN (``crn.*``)."""
        unknown = sorted(set(options) - {"crn"})
        if unknown:
            raise ConfigurationError(
                f"format {self.name} has no option {', '.join(unknown)}; its option is crn"
            )
        if "crn" not in options:
            return self
        try:
            crn = Crn.parse(options["crn"])
        except IdentifierError as exc:
            raise ConfigurationError(f"option crn: {exc.code}: {exc.message}") from None
        return DeliusCustodyAdapter(max_size=self.max_size, crn=crn)

    def decode_record(
        self, data: bytes, *, source: str, clock: Clock, max_size: int
    ) -> tuple[Envelope[Any], Report]:
        return decode(data, source=source, clock=clock, max_size=max_size, crn=self.crn)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)

    def __repr__(self) -> str:
        option = f" crn={self.crn.masked()}" if self.crn is not None else ""
        return f"<{type(self).__name__} {self.name!r}{option}>"


adapter: Final = DeliusCustodyAdapter()
