"""The ``libra-spi`` adapter: Libra SPI court results <-> ``court.case-resulted``.

Registered in the ``cjx.adapters`` entry-point group as ``libra-spi``; ``adapter`` is the
instance cjx loads. Decoding accepts a DeliverRequest or a RouteData envelope; encoding always
writes a DeliverRequest (see :mod:`cjx_libra_spi._encode` for the envelope defaults).
"""

from __future__ import annotations

from typing import Any, ClassVar

from cjx.adapter import Adapter, Translation
from cjx.codec import DEFAULT_MAX_XML_SIZE, peek_root
from cjx.model import CaseResulted, Clock, Envelope, system_clock

from ._decode import DELIVER_NS, LIBRA_NS, ROUTE_NS, decode, envelope_for
from ._encode import ENVELOPE_DEFAULTS, encode, resulted_case_message

__all__ = [
    "DELIVER_NS",
    "ENVELOPE_DEFAULTS",
    "LIBRA_NS",
    "ROUTE_NS",
    "LibraSpiAdapter",
    "adapter",
    "envelope_for",
    "resulted_case_message",
]

#: The envelopes' root elements, by which ``cjx validate`` recognises the format.
_ROOTS = frozenset({(DELIVER_NS, "DeliverRequest"), (ROUTE_NS, "RouteData")})


class LibraSpiAdapter(Adapter):
    """Libra SPI ResultedCaseMessage in a DeliverRequest or RouteData envelope."""

    name: ClassVar[str] = "libra-spi"
    media_type: ClassVar[str] = "application/xml"
    extension: ClassVar[str] = ".xml"
    decodes: ClassVar[frozenset[str]] = frozenset({CaseResulted.message_type})
    encodes: ClassVar[frozenset[str]] = frozenset({CaseResulted.message_type})
    description: ClassVar[str] = (
        "Libra SPI court results (ResultedCaseMessage in a DeliverRequest or RouteData)"
    )

    def __init__(self, *, max_size: int = DEFAULT_MAX_XML_SIZE) -> None:
        self.max_size = max_size

    def sniff(self, data: bytes) -> bool:
        return peek_root(data) in _ROOTS

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        envelope, report = decode(
            data, source=source, clock=clock, detailed=detailed, max_size=self.max_size
        )
        return Translation((envelope,), report)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)


adapter = LibraSpiAdapter()
