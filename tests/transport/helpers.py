"""Shared helpers for the service tests: collecting what arrives on a queue, within a deadline."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from cjx.transport import Binding, Broker, Delivery, Exchange, Message, Queue, Topology


@dataclass(frozen=True)
class Arrived:
    message: Message
    exchange: str
    routing_key: str
    redelivered: bool


class Sink:
    """Consumes a queue, acknowledges everything, and keeps what arrived in order."""

    def __init__(self, broker: Broker, queue: str) -> None:
        self.broker = broker
        self.queue = queue
        self.arrived: list[Arrived] = []
        self._changed = asyncio.Event()
        self._tag: str | None = None
        self._acks: set[asyncio.Task[bool]] = set()

    @classmethod
    async def on(cls, broker: Broker, queue: str, *, bind: tuple[str, str] | None = None) -> Sink:
        """A sink on ``queue`` (with ``bind``: a new classic queue, bound so)."""
        if bind is not None:
            await broker.declare(
                Topology((Exchange(bind[0]),), (Queue(queue),), (Binding(queue, *bind),))
            )
        sink = cls(broker, queue)
        sink._tag = await broker.consume(queue, sink._handle, prefetch=256)
        return sink

    async def attach(self) -> None:
        self._tag = await self.broker.consume(self.queue, self._handle, prefetch=256)

    def _handle(self, delivery: Delivery) -> None:
        self.arrived.append(
            Arrived(delivery.message, delivery.exchange, delivery.routing_key, delivery.redelivered)
        )
        task = asyncio.ensure_future(delivery.ack())
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 30.0) -> list[Arrived]:
        """Wait until at least ``count`` messages arrived; AssertionError on timeout."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.arrived) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.queue}: {len(self.arrived)} of {count} messages within {timeout} s"
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue
        return list(self.arrived)

    async def quiet(self, seconds: float = 0.5) -> list[Arrived]:
        """Wait until nothing more arrives for ``seconds``."""
        while True:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), seconds)
            except TimeoutError:
                return list(self.arrived)

    async def close(self) -> None:
        if self._tag is not None:
            await self.broker.cancel(self._tag)
            self._tag = None
        if self._acks:
            await asyncio.wait(self._acks, timeout=10)


async def reject_one(broker: Broker, queue: str) -> None:
    """Take one message from ``queue`` and reject it without requeue: the queue's own
    dead-letter target takes it, as the broker's dead letter."""
    taken: list[Delivery] = []
    got = asyncio.Event()

    def take(delivery: Delivery) -> None:
        taken.append(delivery)
        got.set()

    tag = await broker.consume(queue, take, prefetch=1)
    await asyncio.wait_for(got.wait(), 10)
    await broker.cancel(tag)
    await taken[0].nack(requeue=False)
