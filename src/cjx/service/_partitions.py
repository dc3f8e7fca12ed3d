"""The consumers of a partitioned service: every replica on every partition, one active each.

A partitioned service (``partitions = N``) has N input queues, each with
``x-single-active-consumer``: the broker gives a queue's messages to one consumer at a time, the
earliest registered, and the others wait. Every replica registers on every partition, so when a
replica dies (its connection closes) the broker returns its unsettled messages to the head of
each queue it held and the next waiting replica takes over, in order.

Sharing out: a replica counts the live replicas (the consumers of ``<service>.replicas``) and
holds at most ``ceil(N / replicas)`` busy partitions (those that delivered to it lately). Above
that it **yields** the excess, one drain each:

1. deliveries that arrive from the partition are held, not processed;
2. it waits until every delivery it did process from the partition is settled (its outputs
   confirmed, acknowledged);
3. it closes that consumer's channel (:meth:`~cjx.transport.Broker.release`): the held ones go
   back to the head of the queue, and the broker activates the next waiting replica, which gets
   them first;
4. it registers on the partition again, at the back of the waiting line.

So a partition is never processed by two replicas at once, and per-person order holds through
a hand-over. A partition that carries nothing is not counted, whoever is active on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cjx.errors import TransportError
from cjx.transport import Broker, Delivery, partition_queue, replicas_queue

__all__ = ["BALANCE_INTERVAL", "Partitions"]

log = logging.getLogger("cjx.service")

#: Seconds between two looks at the replica count.
BALANCE_INTERVAL = 2.0
#: A partition that delivered within this many seconds counts as one this replica is busy with.
BUSY_WINDOW = 3 * BALANCE_INTERVAL
#: How long a yield waits for the partition's in-flight inputs to settle before it gives up
#: (and keeps the partition).
DRAIN_TIMEOUT = 30.0


class _Counted(Delivery):
    """A delivery that tells its partition when it is settled."""

    __slots__ = ("_inner", "_partition")

    def __init__(self, inner: Delivery, partition: _Partition) -> None:
        super().__init__(
            inner.message,
            exchange=inner.exchange,
            routing_key=inner.routing_key,
            queue=inner.queue,
            redelivered=inner.redelivered,
        )
        self._inner = inner
        self._partition = partition
        partition.unsettled += 1

    async def ack(self) -> bool:
        try:
            return await self._inner.ack()
        finally:
            self._partition.settled()

    async def nack(self, *, requeue: bool) -> bool:
        try:
            return await self._inner.nack(requeue=requeue)
        finally:
            self._partition.settled()


@dataclass(eq=False)
class _Partition:
    number: int
    queue: str
    tag: str | None = None
    holding: bool = False
    unsettled: int = 0
    last_delivery: float = -math.inf
    idle: asyncio.Event = field(default_factory=asyncio.Event)
    held: list[Delivery] = field(default_factory=list)

    def settled(self) -> None:
        self.unsettled -= 1
        if self.unsettled <= 0:
            self.idle.set()


class Partitions:
    """Registers ``handler`` on every partition of ``service`` and shares them out."""

    def __init__(
        self,
        broker: Broker,
        service: str,
        count: int,
        handler: Callable[[Delivery], None],
        *,
        prefetch: int,
        interval: float = BALANCE_INTERVAL,
    ) -> None:
        self.broker = broker
        self.service = service
        self.handler = handler
        self.prefetch = prefetch
        self.interval = interval
        self.partitions = [_Partition(p, partition_queue(service, p)) for p in range(count)]
        self.yields = 0
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._presence: str | None = None

    @property
    def registered(self) -> bool:
        return self._presence is not None and all(
            p.tag is not None or p.holding for p in self.partitions
        )

    def busy(self, now: float | None = None) -> list[int]:
        """The partitions that delivered to this replica lately."""
        now = time.monotonic() if now is None else now
        return [p.number for p in self.partitions if now - p.last_delivery < self.interval * 3]

    async def start(self) -> None:
        # counted among the replicas first, so the others start yielding at once
        self._presence = await self.broker.consume(
            replicas_queue(self.service), self._stray, prefetch=1
        )
        for partition in self.partitions:
            await self._register(partition)
        self._task = asyncio.create_task(self._balance(), name=f"cjx-partitions {self.service}")

    async def hold(self) -> None:
        """Stop taking inputs (those that arrive now stay unsettled) and stop sharing out."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TransportError):
                await self._task
        for partition in self.partitions:
            partition.holding = True

    def _stray(self, delivery: Delivery) -> None:
        # nothing is published to the replicas queue; a message someone put there is held
        # (returned when this replica stops), never taken for an input
        log.warning(
            "a message arrived on the replicas queue; it is left there",
            extra={"cjx": {"service": self.service, "message_id": delivery.message.message_id}},
        )

    async def release(self) -> None:
        """Close every partition's consumer; what it holds goes back to the head of its queue."""
        presence, self._presence = self._presence, None
        if presence is not None:
            with contextlib.suppress(TransportError):
                await self.broker.release(presence)
        for partition in self.partitions:
            tag, partition.tag = partition.tag, None
            partition.held.clear()  # the broker has them back (settling would return False)
            if tag is not None:
                with contextlib.suppress(TransportError):
                    await self.broker.release(tag)

    async def _register(self, partition: _Partition) -> None:
        def deliver(delivery: Delivery) -> None:
            if partition.holding:
                partition.held.append(delivery)  # unsettled until released, or taken on
                return
            self._process(partition, delivery)

        partition.tag = await self.broker.consume(partition.queue, deliver, prefetch=self.prefetch)

    def _process(self, partition: _Partition, delivery: Delivery) -> None:
        partition.last_delivery = time.monotonic()
        partition.idle.clear()
        self.handler(_Counted(delivery, partition))

    async def replicas(self) -> int:
        """The live replicas: the consumers of the replicas queue (RabbitMQ counts only the
        active consumer of a single-active-consumer quorum queue, so not the partitions')."""
        return max(1, await self.broker.consumer_count(replicas_queue(self.service)))

    async def _balance(self) -> None:
        while not self._stopped:
            await asyncio.sleep(self.interval)
            try:
                await self.balance_once()
            except TransportError as exc:  # the broker is away: the next round tries again
                log.info(
                    "sharing out partitions failed; trying again",
                    extra={"cjx": {"service": self.service, "error": type(exc).__name__}},
                )

    async def balance_once(self) -> list[int]:
        """Yield the busy partitions above this replica's share; returns the ones yielded."""
        replicas = await self.replicas()
        share = math.ceil(len(self.partitions) / replicas)
        busy = self.busy()
        excess = busy[share:] if len(busy) > share else []
        if not excess:
            return []
        log.info(
            "yielding partitions to other replicas",
            extra={
                "cjx": {
                    "service": self.service,
                    "event": "yield",
                    "replicas": replicas,
                    "busy": len(busy),
                    "yielded": excess,
                }
            },
        )
        results = await asyncio.gather(*(self._yield(self.partitions[p]) for p in excess))
        return [p for p, done in zip(excess, results, strict=True) if done]

    async def _yield(self, partition: _Partition) -> bool:
        partition.holding = True
        released = False
        try:
            if partition.unsettled > 0:
                await asyncio.wait_for(partition.idle.wait(), DRAIN_TIMEOUT)
            tag, partition.tag = partition.tag, None
            partition.held.clear()  # going back to the head of the queue with the channel
            if tag is not None:
                await self.broker.release(tag)
            released = True
        except TimeoutError:
            pass  # still busy: keep it
        finally:
            if not self._stopped:
                partition.holding = False
                held, partition.held = partition.held, []
                for delivery in held:  # kept: take them on, in order
                    self._process(partition, delivery)
        if not released:
            return False
        partition.last_delivery = -math.inf
        self.yields += 1
        if not self._stopped:
            await self._register(partition)
        return True
