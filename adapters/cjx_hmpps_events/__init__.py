"""The ``hmpps-events`` adapter: HMPPS prison and probation domain events <-> six canonical types.

Registered in the ``cjx.adapters`` entry-point group as ``hmpps-events``; ``adapter`` is the
instance cjx loads. Decoding accepts a bare event or one wrapped in a queue notification (see
:mod:`cjx_hmpps_events._decode` for the rules, including how pointers into a wrapped event are
written); encoding always writes the bare event (:mod:`cjx_hmpps_events._encode`). The mapping of
event types to canonical bodies, and the defaults used when encoding, are in
:mod:`cjx_hmpps_events._events`.

Issue codes this adapter adds to the shared ones (``json.*``, ``schema.*``, ``noms.*``,
``crn.*``, ``prison-id.*``, ``timestamp.*``):

* ``hmpps-events.unknown-event-type``: the ``eventType`` is not one of the six;
* ``hmpps-events.event-type-mismatch``: a notification's ``eventType`` attribute disagrees with
  the event it carries;
* ``hmpps-events.merge-into-itself``: a merge whose removed number is the number kept;
* ``hmpps-events.legacy-date``: (encoding) a registration date that the non-ISO form cannot hold;
* ``hmpps-events.subject-mismatch``: (encoding) the subject's CRN (or a link's NOMS number)
  differs from the body's, and the event can carry only one.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final

from cjx.adapter import Adapter, Translation
from cjx.model import Clock, Envelope, system_clock

from ._decode import decode
from ._encode import encode, event_for
from ._events import (
    DEFAULT_DESCRIPTIONS,
    EVENTS,
    EVENTS_BY_MESSAGE_TYPE,
    FORMAT_NAME,
    EventSpec,
    InfoField,
)
from ._json import MAX_EVENT_SIZE
from ._legacy_date import LEGACY_DATE_ZONES, format_legacy_date, parse_legacy_date

__all__ = [
    "DEFAULT_DESCRIPTIONS",
    "EVENTS",
    "EVENTS_BY_MESSAGE_TYPE",
    "LEGACY_DATE_ZONES",
    "MAX_EVENT_SIZE",
    "EventSpec",
    "HmppsEventsAdapter",
    "InfoField",
    "adapter",
    "event_for",
    "format_legacy_date",
    "parse_legacy_date",
]

#: How far into the input ``sniff`` looks. A notification's ``Type`` may follow a long ``Message``.
SNIFF_WINDOW: Final = 64 * 1024
_EVENT_KEY: Final = re.compile(rb'"eventType"\s*:')
_NOTIFICATION: Final = re.compile(rb'"Type"\s*:\s*"Notification"')


class HmppsEventsAdapter(Adapter):
    """HMPPS domain events, bare or in a queue notification."""

    name: ClassVar[str] = FORMAT_NAME
    media_type: ClassVar[str] = "application/json"
    extension: ClassVar[str] = ".json"
    decodes: ClassVar[frozenset[str]] = frozenset(EVENTS_BY_MESSAGE_TYPE)
    encodes: ClassVar[frozenset[str]] = frozenset(EVENTS_BY_MESSAGE_TYPE)
    description: ClassVar[str] = (
        "HMPPS prison and probation domain events (bare or in a queue notification)"
    )

    def __init__(self, *, max_size: int = MAX_EVENT_SIZE) -> None:
        self.max_size = max_size

    def sniff(self, data: bytes) -> bool:
        head = data[:SNIFF_WINDOW].lstrip()
        if not head.startswith(b"{"):
            return False
        return bool(_EVENT_KEY.search(head)) or (
            bool(_NOTIFICATION.search(head)) and b'"Message"' in head
        )

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        """Decode one event; ``detailed`` changes nothing (JSON Schema issues are always exact)."""
        envelope, report = decode(data, source=source, clock=clock, max_size=self.max_size)
        return Translation((envelope,), report)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode(envelope)


adapter = HmppsEventsAdapter()
