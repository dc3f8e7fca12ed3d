"""The ``nomis-cde`` adapter object (the ``cjx.adapters`` entry point ``cjx_nomis_cde:adapter``,
loaded on first use by the package)."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from cjx.adapter import Adapter, Translation
from cjx.errors import Report, ValidationFailed, error
from cjx.model import Clock, Envelope, PrisonerRecord, system_clock

from . import LONDON, decode_row, encode_row, envelope_for
from ._format import FIELD_COUNT, FORMAT_NAME

__all__ = ["NomisCdeAdapter", "adapter"]


class NomisCdeAdapter(Adapter):
    """One row of a NOMIS CDE offender extract, both directions."""

    name: ClassVar[str] = FORMAT_NAME
    media_type: ClassVar[str] = "text/plain"
    extension: ClassVar[str] = ".dat"
    decodes: ClassVar[frozenset[str]] = frozenset({PrisonerRecord.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({PrisonerRecord.message_type})
    description: ClassVar[str] = (
        "NOMIS CDE offender extract: one row (153 '|'-separated fields) of the whole-estate "
        "prisoner file; a whole file with `cjx extract import`"
    )

    def sniff(self, data: bytes) -> bool:
        line = data.split(b"\n", 1)[0]
        return line.count(b"|") == FIELD_COUNT - 1

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        """Decode one row (a trailing line end is allowed; a second row is not)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(
                Report(source, (error(f"{FORMAT_NAME}.encoding", "row", "the row is not UTF-8"),))
            ) from None
        text = text.removesuffix("\n").removesuffix("\r")
        if "\n" in text or "\r" in text:
            raise ValidationFailed(
                Report(
                    source,
                    (error(f"{FORMAT_NAME}.rows", "row", "expected one row; use cjx extract"),),
                )
            )
        decoded = decode_row(text)
        if decoded.record is None or decoded.extract_date is None:
            raise ValidationFailed(Report(source, tuple(decoded.issues)))
        envelope = envelope_for(decoded.record, decoded.extract_date, clock=clock)
        return Translation((envelope,), Report(source, tuple(decoded.issues)))

    def encode(self, envelope: Envelope[Any]) -> bytes:
        body = envelope.body
        if not isinstance(body, PrisonerRecord):
            from cjx.errors import UnknownMessageType  # noqa: PLC0415

            raise UnknownMessageType(
                f"{FORMAT_NAME} cannot encode {envelope.message_type!r}; it encodes "
                f"{PrisonerRecord.message_type}"
            )
        extract_date = envelope.occurred_at.to_datetime().astimezone(LONDON).date()
        return (encode_row(body, extract_date) + "\n").encode("utf-8")


adapter: Final = NomisCdeAdapter()
