"""``--publish``: an import's (or a diff's) messages to ``cjx.canonical``, with confirms.

The import is the inbound adapter here, so each message is published as an inbound service
publishes its output (:mod:`cjx.service._runtime`): canonical JSON (the ``canonical-json``
writer), ``message_id`` the envelope's (deterministic), ``type`` the message type, the
``cjx-source-format`` header (``nomis-cde``) and the ordering key's digest
(``cjx-ordering-key``, never the identifier), persistent, mandatory (an unroutable message
fails the run rather than vanish), routing key ``<message_type>.v1``. Messages go out in
batches of the confirm window and :meth:`PublishSink.flush` returns only when the broker
confirmed every one, so a checkpoint never counts an unconfirmed message. Resuming publishes
the rows after the checkpoint again; their ids are the same, so a consumer's de-duplication
drops the repeats.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from cjx.adapter import get_adapter
from cjx.codec import decode_json
from cjx.service import load_config
from cjx.transport import CANONICAL, Message, open_broker
from cjx.transport._topology import exchanges

__all__ = ["PublishSink"]

HEADER_SOURCE_FORMAT = "cjx-source-format"
HEADER_ORDERING_KEY = "cjx-ordering-key"
BATCH = 256


class PublishSink:
    """Publishes to the broker of a ``services.toml``, synchronously for the import's loop."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.broker = open_broker(url)
        self.writer = get_adapter("canonical-json")
        self.pending: list[Message] = []
        self.keys: list[str] = []
        self.published = 0
        self.loop.run_until_complete(self._start())

    @classmethod
    def from_config(cls, path: Path) -> PublishSink:
        return cls(load_config(path).broker_url)

    async def _start(self) -> None:
        await self.broker.connect()
        await self.broker.declare(exchanges())

    def resume(self, position: int) -> None:
        self.published = position

    def write(self, noms: str, message: bytes) -> None:
        envelope = decode_json(message)
        headers = {HEADER_SOURCE_FORMAT: envelope.source.format}
        if envelope.ordering_key is not None:
            digest = hashlib.sha256(envelope.ordering_key.encode()).hexdigest()[:24]
            headers[HEADER_ORDERING_KEY] = digest
        self.pending.append(
            Message(
                body=self.writer.encode(envelope),
                message_id=str(envelope.message_id),
                correlation_id=str(envelope.message_id),
                content_type=self.writer.media_type,
                type=envelope.message_type,
                headers=headers,
            )
        )
        self.keys.append(envelope.routing_key)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> int:
        if self.pending:
            pending, keys = self.pending, self.keys
            self.pending, self.keys = [], []
            self.loop.run_until_complete(self._publish(pending, keys))
            self.published += len(pending)
        return self.published

    def sync(self) -> None:
        """Nothing: :meth:`flush` returns once the broker has confirmed every message."""

    async def _publish(self, messages: list[Message], keys: list[str]) -> None:
        await asyncio.gather(
            *(
                self.broker.publish(CANONICAL, key, message)
                for message, key in zip(messages, keys, strict=True)
            )
        )

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.loop.run_until_complete(self.broker.close())
            self.loop.close()
