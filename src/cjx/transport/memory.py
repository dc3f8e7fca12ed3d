"""The embedded broker: RabbitMQ's semantics, as far as cjx uses them, inside one process.

Rules it keeps, each checked against RabbitMQ 3.10 by ``tests/transport/test_contract.py``:

* Topic, direct and fanout exchanges, and the default exchange ``""`` (routing key = queue name).
  A queue bound several ways receives a message once. Publishing to an undeclared exchange raises
  :class:`TransportError` (RabbitMQ: 404 NOT_FOUND); a ``mandatory`` publish that reaches no queue
  raises :class:`Unroutable`. The confirm follows the enqueue, on a later turn of the event loop,
  with at most ``confirm_window`` publishes in flight.
* Declaring is idempotent; a queue or exchange declared again with other arguments or another kind
  raises :class:`TransportError` (RabbitMQ: 406 PRECONDITION_FAILED) and changes nothing.
* Consumers: the handler is called from the event loop (never from inside ``publish``), one call
  at a time, in queue order; at most ``prefetch`` unsettled deliveries per consumer (0: no limit);
  consumers of one queue take turns, except on a queue with ``x-single-active-consumer``, where
  the earliest registered consumer gets everything and the others wait their turn.
* Exchange kinds: topic, direct, fanout, headers (``x-match`` all/any; a void binding value
  matches presence), and ``x-consistent-hash`` (``hash-header``, ``hash-property`` message_id or
  correlation_id, else the routing key; binding key = weight); ``alternate-exchange``;
  exchange-to-exchange bindings.
* Requeue (``nack(requeue=True)``, a lost connection, ``close``) sets ``redelivered``. A classic
  queue puts the message back at its original position. A quorum queue puts a nacked message at
  the **back** and one returned by a lost connection at the **head** (RabbitMQ 3.10's
  ``rabbit_fifo``), counts every return, delivers with an ``x-delivery-count`` header (once the
  message has come back; ``get`` also says 0 the first time), and dead-letters with reason
  ``delivery_limit`` once a message has been returned more than ``x-delivery-limit`` times.
* ``x-message-ttl``: a message ready longer than the TTL dead-letters with reason ``expired``, with
  or without consumers. A requeued message keeps its original expiry (an overdue one expires at
  once).
* Dead lettering (reasons ``rejected``, ``expired``, ``delivery_limit``) republishes to
  ``x-dead-letter-exchange`` with ``x-dead-letter-routing-key`` (else the key the message arrived
  with); body and properties unchanged; ``x-delivery-count`` removed; ``x-death`` updated as
  RabbitMQ does (newest first; a second death in the same queue for the same reason increments
  that entry's ``count`` and moves it to the front, keeping its other fields); ``x-first-death-*``
  set once. Without a target exchange, or when it routes nowhere, the message is dropped. A
  message that would dead-letter in a cycle with no ``rejected`` in it is dropped, as RabbitMQ
  does.
* A content header frame larger than RabbitMQ's ``frame_max`` (131072 octets) is refused with
  :class:`TransportError` before anything is enqueued, as :class:`~cjx.transport.amqp.AmqpBroker`
  refuses it before sending (RabbitMQ itself would close the whole connection).

Where it deliberately differs from RabbitMQ:

* Nothing persists beyond this object: no durability, no other processes, ``persistent`` is only
  carried. ``close`` is final (as for AmqpBroker): queues and messages go with the object.
* One implicit connection. A lost connection happens only through the test hook
  :meth:`MemoryBroker.simulate_connection_loss`.
* Settling a delivery twice raises :class:`TransportError` at once (RabbitMQ closes the channel
  with PRECONDITION_FAILED, asynchronously). Settling after the delivery's queue was deleted, or
  after its connection was lost or closed, returns ``False``.
* Queue arguments are compared in full when redeclaring (RabbitMQ compares a known set); queue
  types are ``classic`` and ``quorum`` only; header exchanges and per-message TTL are absent;
  arguments it does not implement (``x-expires``, ``x-max-length``...) are accepted and ignored.
* Header values are checked against what AMQP tables can carry and come back as AmqpBroker gives
  them (``bytearray`` as ``bytes``, tuples as lists, mappings as ``dict``), except that a ``float``
  keeps all 64 bits (pamqp sends 32). The default exchange in a topology is skipped, as
  AmqpBroker skips it (RabbitMQ refuses to declare it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import decimal
import hashlib
import itertools
import logging
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from cjx.errors import ConfigurationError
from cjx.transport._base import (
    DEFAULT_CONFIRM_WINDOW,
    Delivery,
    Exchange,
    Handler,
    Message,
    Queue,
    Topology,
    TransportError,
    Unroutable,
)
from cjx.transport._topic import topic_matches

__all__ = ["FRAME_MAX", "MemoryBroker"]

_log = logging.getLogger(__name__)

#: RabbitMQ's default ``frame_max``; a frame's payload may use all but 8 octets of it.
FRAME_MAX: Final = 131072
_FRAME_PAYLOAD_MAX: Final = FRAME_MAX - 8
_SHORTSTR_MAX: Final = 255
_PREFETCH_MAX: Final = 65535
#: RabbitMQ's consistent-hash exchange plugin (``rabbitmq_consistent_hash_exchange``).
CONSISTENT_HASH: Final = "x-consistent-hash"
_EXCHANGE_KINDS: Final = frozenset({"topic", "direct", "fanout", "headers", CONSISTENT_HASH})
_QUEUE_TYPES: Final = frozenset({"classic", "quorum"})
#: Deliveries handed out per turn of the event loop before the dispatcher yields.
_DISPATCH_BATCH: Final = 256

_Reason = Literal["rejected", "expired", "delivery_limit"]
_State = Literal["unsettled", "settled", "lost"]

#: Ready-queue tiers: messages a lost connection returned to a quorum queue come before the rest.
_RETURNED: Final = 0
_NORMAL: Final = 1


@dataclasses.dataclass(eq=False, slots=True)
class _Entry:
    """One message in one queue (each queue gets its own entry and its own copy)."""

    message: Message
    exchange: str
    routing_key: str
    position: tuple[int, int]
    redelivered: bool = False
    returns: int = 0  # quorum queues: how many times the message came back
    expires_at: float | None = None  # loop time; kept across requeues
    timer: asyncio.TimerHandle | None = None
    ready: bool = False


class _Queue:
    __slots__ = (
        "arguments",
        "consumers",
        "dead_letter_exchange",
        "dead_letter_routing_key",
        "delivery_limit",
        "name",
        "pump",
        "quorum",
        "ready",
        "single_active",
        "ttl_seconds",
        "turn",
    )

    def __init__(self, name: str, arguments: dict[str, Any]) -> None:
        self.name = name
        self.arguments = arguments
        self.quorum = arguments.get("x-queue-type") == "quorum"
        self.single_active = arguments.get("x-single-active-consumer") is True
        ttl = arguments.get("x-message-ttl")
        self.ttl_seconds: float | None = None if ttl is None else ttl / 1000
        self.delivery_limit: int | None = arguments.get("x-delivery-limit") if self.quorum else None
        self.dead_letter_exchange: str | None = arguments.get("x-dead-letter-exchange")
        self.dead_letter_routing_key: str | None = arguments.get("x-dead-letter-routing-key")
        self.ready: deque[_Entry] = deque()
        self.consumers: list[_Consumer] = []
        self.turn = 0
        self.pump: asyncio.Handle | None = None

    def put(self, entry: _Entry) -> None:
        """Insert in position order; appending (the usual case) is O(1)."""
        entry.ready = True
        ready = self.ready
        if not ready or ready[-1].position <= entry.position:
            ready.append(entry)
        elif entry.position <= ready[0].position:
            ready.appendleft(entry)
        else:
            index = next(i for i, e in enumerate(ready) if e.position > entry.position)
            ready.insert(index, entry)

    def take(self) -> _Entry | None:
        if not self.ready:
            return None
        entry = self.ready.popleft()
        _take_out(entry)
        return entry

    def remove(self, entry: _Entry) -> None:
        if self.ready and self.ready[0] is entry:
            self.ready.popleft()
        else:
            self.ready.remove(entry)
        _take_out(entry)

    def next_consumer(self) -> _Consumer | None:
        """The next consumer, in turn, with room under its prefetch; with
        ``x-single-active-consumer``, only the earliest registered (the others wait)."""
        if self.single_active:
            first = self.consumers[0] if self.consumers else None
            return first if first is not None and first.has_room() else None
        count = len(self.consumers)
        for step in range(count):
            index = (self.turn + step) % count
            consumer = self.consumers[index]
            if consumer.has_room():
                self.turn = (index + 1) % count
                return consumer
        return None


def _take_out(entry: _Entry) -> None:
    entry.ready = False
    if entry.timer is not None:
        entry.timer.cancel()
        entry.timer = None


@dataclasses.dataclass(eq=False, slots=True)
class _Consumer:
    tag: str
    queue: _Queue
    handler: Handler
    prefetch: int
    unsettled: int = 0
    active: bool = True

    def has_room(self) -> bool:
        return self.prefetch == 0 or self.unsettled < self.prefetch


class _MemoryDelivery(Delivery):
    __slots__ = ("_broker", "_consumer", "_entry", "_queue", "_state")

    def __init__(
        self,
        broker: MemoryBroker,
        queue: _Queue,
        entry: _Entry,
        consumer: _Consumer | None,
        message: Message,
    ) -> None:
        super().__init__(
            message,
            exchange=entry.exchange,
            routing_key=entry.routing_key,
            queue=queue.name,
            redelivered=entry.redelivered,
        )
        self._broker = broker
        self._queue = queue
        self._entry = entry
        self._consumer = consumer
        self._state: _State = "unsettled"

    async def ack(self) -> bool:
        return self._broker._settle(self, ack=True, requeue=False)

    async def nack(self, *, requeue: bool) -> bool:
        return self._broker._settle(self, ack=False, requeue=requeue)


class MemoryBroker:
    """The embedded broker (``memory://``). See the module docstring for its rules."""

    def __init__(self, *, confirm_window: int = DEFAULT_CONFIRM_WINDOW) -> None:
        if confirm_window < 1:
            raise ConfigurationError("confirm_window must be at least 1")
        self._confirm_window = confirm_window
        self._window: asyncio.Semaphore | None = None
        self._connected = False
        self._closed = False
        self._exchanges: dict[str, str] = {}
        self._queues: dict[str, _Queue] = {}
        # exchange -> (destination, binding key, to an exchange) -> binding arguments, in
        # declaration order
        self._bindings: dict[str, dict[tuple[str, str, bool], dict[str, Any]]] = {}
        self._exchange_arguments: dict[str, dict[str, Any]] = {}
        self._consumers: dict[str, _Consumer] = {}
        self._unsettled: dict[_MemoryDelivery, None] = {}
        self._topology = Topology()
        self._sequence = itertools.count()
        self._tags = itertools.count(1)

    # -- the Broker protocol ----------------------------------------------------------------

    @property
    def name(self) -> str:
        return "memory://"

    @property
    def ready(self) -> bool:
        return self._connected

    def __repr__(self) -> str:
        state = "connected" if self._connected else "disconnected"
        return f"<MemoryBroker {state} queues={len(self._queues)} consumers={len(self._consumers)}>"

    async def connect(self) -> None:
        if self._closed:
            raise TransportError("the memory broker is closed")
        if not self._connected:
            self._window = asyncio.Semaphore(self._confirm_window)
            self._connected = True

    async def close(self) -> None:
        """Cancel consumers, hand unsettled deliveries back to their queues, and stop for good."""
        if self._closed:
            return
        self._closed = True
        for consumer in list(self._consumers.values()):
            self._remove_consumer(consumer)
        self._return_unsettled()
        self._connected = False
        for queue in self._queues.values():
            if queue.pump is not None:
                queue.pump.cancel()
                queue.pump = None
            for entry in queue.ready:
                if entry.timer is not None:
                    entry.timer.cancel()
                    entry.timer = None

    async def declare(self, topology: Topology) -> None:
        self._require_connected()
        self._declare(topology)
        self._topology = self._topology + topology

    async def publish(
        self, exchange: str, routing_key: str, message: Message, *, mandatory: bool = True
    ) -> None:
        self._require_connected()
        if len(routing_key.encode()) > _SHORTSTR_MAX:
            raise TransportError("routing key longer than 255 octets")
        size = _header_frame_size(message)
        if size > _FRAME_PAYLOAD_MAX:
            # refused before it is sent, as AmqpBroker does: RabbitMQ would close the connection
            raise TransportError(
                f"the message properties take {size + 8} bytes, more than the {FRAME_MAX}-byte "
                "frame RabbitMQ accepts (it would close the connection); keep headers small"
            )
        assert self._window is not None
        async with self._window:
            self._require_connected()
            queues = self._route(exchange, routing_key, message)
            if queues:
                for queue in queues:
                    self._enqueue(queue, message, exchange, routing_key)
            elif mandatory:
                raise Unroutable(exchange, routing_key)
            # the confirm comes back on a later turn of the loop, as from a real broker
            await asyncio.sleep(0)

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> str:
        self._require_connected()
        if not 0 <= prefetch <= _PREFETCH_MAX:
            raise ConfigurationError(f"prefetch must be between 0 and {_PREFETCH_MAX}")
        target = self._queue(queue)
        tag = f"memory.ctag-{next(self._tags)}"
        consumer = _Consumer(tag, target, handler, prefetch)
        self._consumers[tag] = consumer
        target.consumers.append(consumer)
        self._schedule(target)
        return tag

    async def cancel(self, consumer_tag: str) -> None:
        """Stop a consumer (an unknown tag is ignored, as RabbitMQ does)."""
        consumer = self._consumers.get(consumer_tag)
        if consumer is not None:
            self._remove_consumer(consumer)
            self._schedule(consumer.queue)  # a single active consumer's successor takes over

    async def release(self, consumer_tag: str) -> None:
        """Stop a consumer and return its unsettled deliveries to the head of their queue, in
        order, as RabbitMQ does when the consumer's channel closes; settling them afterwards
        returns ``False``. With ``x-single-active-consumer`` the next consumer takes over."""
        consumer = self._consumers.get(consumer_tag)
        if consumer is None:
            return
        self._remove_consumer(consumer)
        mine = [d for d in self._unsettled if d._consumer is consumer]
        for delivery in mine:
            del self._unsettled[delivery]
            delivery._state = "lost"
            consumer.unsettled -= 1
        for delivery in mine:
            self._return(delivery._queue, delivery._entry, nacked=False)
        self._schedule(consumer.queue)

    async def consumer_count(self, queue: str) -> int:
        """Consumers of the queue; of a single-active-consumer quorum queue, only the active one
        (as RabbitMQ 3.10 counts them)."""
        self._require_connected()
        target = self._queue(queue)
        if target.quorum and target.single_active:
            return min(1, len(target.consumers))
        return len(target.consumers)

    async def get(self, queue: str) -> Delivery | None:
        self._require_connected()
        target = self._queue(queue)
        if target.quorum and target.single_active:
            raise TransportError(
                f"queue {queue!r}: basic.get operations are not supported by quorum queues with "
                "single active consumer (405 RESOURCE_LOCKED)"
            )
        entry = target.take()
        if entry is None:
            return None
        return self._deliver(target, entry, None)

    async def exchange_exists(self, exchange: str) -> bool:
        self._require_connected()
        return exchange == "" or exchange in self._exchanges

    async def delete_exchange(self, exchange: str) -> None:
        self._require_connected()
        if exchange == "" or exchange.startswith("amq."):
            raise TransportError(f"exchange name {exchange!r} is reserved (403 ACCESS_REFUSED)")
        self._exchanges.pop(exchange, None)
        self._bindings.pop(exchange, None)
        self._topology = Topology(
            tuple(e for e in self._topology.exchanges if e.name != exchange),
            self._topology.queues,
            tuple(b for b in self._topology.bindings if b.exchange != exchange),
        )

    async def queue_length(self, queue: str) -> int:
        self._require_connected()
        return len(self._queue(queue).ready)

    async def purge(self, queue: str) -> int:
        self._require_connected()
        target = self._queue(queue)
        count = len(target.ready)
        while target.take() is not None:
            pass
        return count

    async def delete_queue(self, queue: str) -> None:
        """Delete the queue, its messages and consumers; a missing queue is fine (as RabbitMQ)."""
        self._require_connected()
        target = self._queues.pop(queue, None)
        if target is None:
            return
        for consumer in list(target.consumers):
            self._remove_consumer(consumer)
        for delivery in [d for d in self._unsettled if d._queue is target]:
            delivery._state = "lost"
            del self._unsettled[delivery]
        while target.take() is not None:
            pass
        if target.pump is not None:
            target.pump.cancel()
            target.pump = None
        for bindings in self._bindings.values():
            for pair in [p for p in bindings if p[0] == queue and not p[2]]:
                del bindings[pair]
        # not declared again after a lost connection (AmqpBroker forgets it too)
        self._topology = Topology(
            self._topology.exchanges,
            tuple(q for q in self._topology.queues if q.name != queue),
            tuple(b for b in self._topology.bindings if b.queue != queue),
        )

    # -- test hooks ---------------------------------------------------------------------------

    def in_motion(self) -> int:
        """Messages the broker still moves by itself or has handed out: ready in a queue that
        has a consumer or a message TTL (a wait queue), or delivered and not yet settled.

        Zero means that, until someone publishes, consumes or gets, nothing changes: what
        :class:`cjx.testing.Harness` waits for. A queue nobody consumes (a destination queue,
        a dlq) holds its messages still and does not count, unless they expire.
        """
        count = len(self._unsettled)
        for queue in self._queues.values():
            if not queue.ready:
                continue
            if queue.consumers or queue.ttl_seconds is not None:
                count += len(queue.ready)
            else:  # messages with an expiration of their own move when it runs out
                count += sum(1 for entry in queue.ready if entry.expires_at is not None)
        return count

    async def simulate_connection_loss(self) -> None:
        """Test hook: behave as RabbitMQ does when the client's connection dies, then reconnect.

        Every unsettled delivery goes back to its queue (``redelivered``; a quorum queue counts
        the return against its delivery limit), settling an old delivery becomes a no-op that
        returns ``False``, the topology is declared again and every consumer carries on.
        """
        self._require_connected()
        self._lose_connection()
        await asyncio.sleep(0)

    # -- internals ----------------------------------------------------------------------------

    def _require_connected(self) -> None:
        if not self._connected:
            state = "closed" if self._closed else "not connected"
            raise TransportError(f"the memory broker is {state}")

    def _queue(self, name: str) -> _Queue:
        queue = self._queues.get(name)
        if queue is None:
            raise TransportError(f"no queue {name!r} (RabbitMQ: 404 NOT_FOUND)")
        return queue

    def _declare(self, topology: Topology) -> None:
        for exchange in topology.exchanges:
            self._declare_exchange(exchange)
        for queue in topology.queues:
            self._declare_queue(queue)
        for binding in topology.bindings:
            if binding.exchange == "":
                raise TransportError("cannot bind to the default exchange (403 ACCESS_REFUSED)")
            if binding.exchange not in self._exchanges:
                raise TransportError(f"no exchange {binding.exchange!r} (404 NOT_FOUND)")
            if binding.to_exchange:
                if binding.queue not in self._exchanges:
                    raise TransportError(f"no exchange {binding.queue!r} (404 NOT_FOUND)")
            else:
                self._queue(binding.queue)
            if len(binding.routing_key.encode()) > _SHORTSTR_MAX:
                raise TransportError("binding key longer than 255 octets")
            if self._exchanges[binding.exchange] == CONSISTENT_HASH and not (
                binding.routing_key.isdigit() and int(binding.routing_key) > 0
            ):
                raise TransportError(
                    "a consistent-hash binding key is a positive weight (RabbitMQ ignores "
                    "the binding otherwise)"
                )
            key = (binding.queue, binding.routing_key, binding.to_exchange)
            self._bindings[binding.exchange][key] = _copy_table(binding.arguments)

    def _declare_exchange(self, exchange: Exchange) -> None:
        name, kind = exchange.name, exchange.kind
        if name == "":
            return  # the default exchange exists and is not declared (AmqpBroker skips it too)
        if name.startswith("amq."):
            raise TransportError(f"exchange name {name!r} is reserved (403 ACCESS_REFUSED)")
        if kind not in _EXCHANGE_KINDS:
            raise TransportError(f"unsupported exchange type {kind!r}")
        current = self._exchanges.get(name)
        if current is not None and current != kind:
            raise TransportError(
                f"exchange {name!r} is {current}, not {kind} (406 PRECONDITION_FAILED)"
            )
        arguments = _copy_table(exchange.arguments)
        if current is not None and self._exchange_arguments.get(name, {}) != arguments:
            raise TransportError(
                f"exchange {name!r} exists with other arguments (406 PRECONDITION_FAILED)"
            )
        if kind == CONSISTENT_HASH and not (
            set(arguments) <= {"hash-header", "hash-property"} and len(arguments) <= 1
        ):
            raise TransportError(
                f"exchange {name!r}: a consistent-hash exchange takes hash-header or "
                "hash-property, not both"
            )
        self._exchanges[name] = kind
        self._exchange_arguments[name] = arguments
        self._bindings.setdefault(name, {})

    def _declare_queue(self, queue: Queue) -> None:
        name = queue.name
        if name == "" or name.startswith("amq.") or len(name.encode()) > _SHORTSTR_MAX:
            raise TransportError(f"queue name {name!r} is not allowed")
        arguments = _copy_table(queue.arguments)
        current = self._queues.get(name)
        if current is not None:
            if current.arguments != arguments:
                raise TransportError(
                    f"queue {name!r} exists with other arguments (406 PRECONDITION_FAILED)"
                )
            return
        _check_queue_arguments(name, arguments)
        self._queues[name] = _Queue(name, arguments)

    def _route(
        self, exchange: str, routing_key: str, message: Message, seen: set[str] | None = None
    ) -> list[_Queue]:
        """The queues a message reaches; TransportError when the exchange does not exist."""
        if exchange == "":
            queue = self._queues.get(routing_key)
            return [] if queue is None else [queue]
        kind = self._exchanges.get(exchange)
        if kind is None:
            raise TransportError(f"no exchange {exchange!r} (RabbitMQ: 404 NOT_FOUND)")
        seen = set() if seen is None else seen
        seen.add(exchange)
        bindings = self._bindings[exchange]
        chosen: list[tuple[str, bool]]
        if kind == CONSISTENT_HASH:
            chosen = _hash_choice(
                bindings, self._exchange_arguments[exchange], routing_key, message
            )
        else:
            chosen = [
                (destination, to_exchange)
                for (destination, key, to_exchange), arguments in bindings.items()
                if kind == "fanout"
                or (kind == "direct" and key == routing_key)
                or (kind == "topic" and topic_matches(key, routing_key))
                or (kind == "headers" and _headers_match(arguments, message.headers))
            ]
        names: dict[str, None] = {}
        for destination, to_exchange in chosen:
            if not to_exchange:
                names[destination] = None
            elif destination not in seen:
                for queue in self._route(destination, routing_key, message, seen):
                    names[queue.name] = None
        alternate = self._exchange_arguments[exchange].get("alternate-exchange")
        if (
            not chosen
            and isinstance(alternate, str)
            and alternate in self._exchanges
            and alternate not in seen
        ):
            for queue in self._route(alternate, routing_key, message, seen):
                names[queue.name] = None
        return [self._queues[n] for n in names]

    def _enqueue(self, queue: _Queue, message: Message, exchange: str, routing_key: str) -> None:
        entry = _Entry(
            _copy_message(message), exchange, routing_key, (_NORMAL, next(self._sequence))
        )
        if queue.ttl_seconds is not None:
            entry.expires_at = asyncio.get_running_loop().time() + queue.ttl_seconds
        queue.put(entry)
        self._arm(queue, entry)
        self._schedule(queue)

    def _arm(self, queue: _Queue, entry: _Entry) -> None:
        """Start the TTL timer of a ready entry (or expire it now when it is overdue)."""
        if entry.expires_at is None:
            return
        loop = asyncio.get_running_loop()
        delay = entry.expires_at - loop.time()
        if delay <= 0:
            queue.remove(entry)
            self._dead_letter(queue, entry, "expired")
        else:
            entry.timer = loop.call_later(delay, self._expire, queue, entry)

    def _expire(self, queue: _Queue, entry: _Entry) -> None:
        entry.timer = None
        if entry.ready:
            queue.remove(entry)
            self._dead_letter(queue, entry, "expired")

    def _schedule(self, queue: _Queue) -> None:
        if (
            queue.pump is None
            and queue.consumers
            and queue.ready
            and self._connected
            and self._queues.get(queue.name) is queue
        ):
            queue.pump = asyncio.get_running_loop().call_soon(self._pump, queue)

    def _pump(self, queue: _Queue) -> None:
        """Hand ready messages to consumers with room, in order, a batch per loop turn."""
        queue.pump = None
        for _ in range(_DISPATCH_BATCH):
            if not queue.ready:
                return
            consumer = queue.next_consumer()
            if consumer is None:
                return
            entry = queue.take()
            assert entry is not None
            delivery = self._deliver(queue, entry, consumer)
            try:
                consumer.handler(delivery)
            except Exception:
                _log.exception(
                    "consumer %s on queue %r raised; its delivery stays unsettled",
                    consumer.tag,
                    queue.name,
                )
        self._schedule(queue)

    def _deliver(self, queue: _Queue, entry: _Entry, consumer: _Consumer | None) -> Delivery:
        message = _copy_message(entry.message)
        # RabbitMQ 3.10 quorum queues: basic.get always says x-delivery-count (0 the first time),
        # basic.consume only once the message has come back
        if queue.quorum and (consumer is None or entry.returns > 0):
            headers = dict(message.headers)
            headers["x-delivery-count"] = entry.returns
            message = dataclasses.replace(message, headers=headers)
        delivery = _MemoryDelivery(self, queue, entry, consumer, message)
        self._unsettled[delivery] = None
        if consumer is not None:
            consumer.unsettled += 1
        return delivery

    def _settle(self, delivery: _MemoryDelivery, *, ack: bool, requeue: bool) -> bool:
        if delivery._state == "lost":
            return False
        if delivery._state == "settled":
            raise TransportError(
                "delivery already settled (RabbitMQ: 406 PRECONDITION_FAILED unknown delivery tag)"
            )
        delivery._state = "settled"
        del self._unsettled[delivery]
        queue, entry, consumer = delivery._queue, delivery._entry, delivery._consumer
        if consumer is not None:
            consumer.unsettled -= 1
        if not ack:
            if requeue:
                self._return(queue, entry, nacked=True)
            else:
                self._dead_letter(queue, entry, "rejected")
        if consumer is not None and consumer.active:
            self._schedule(queue)
        return True

    def _return(self, queue: _Queue, entry: _Entry, *, nacked: bool) -> None:
        """Put an unsettled message back (nack with requeue, lost connection, close)."""
        entry.redelivered = True
        if queue.quorum:
            entry.returns += 1
            if queue.delivery_limit is not None and entry.returns > queue.delivery_limit:
                self._dead_letter(queue, entry, "delivery_limit")
                return
            # rabbit_fifo (3.10): a nacked message goes to the back, a returned one to the head
            sequence = next(self._sequence) if nacked else entry.position[1]
            entry.position = (_NORMAL, sequence) if nacked else (_RETURNED, sequence)
        queue.put(entry)
        if self._connected:
            self._arm(queue, entry)
            self._schedule(queue)

    def _dead_letter(self, queue: _Queue, entry: _Entry, reason: _Reason) -> None:
        exchange = queue.dead_letter_exchange
        if exchange is None:
            return
        routing_key = queue.dead_letter_routing_key
        if routing_key is None:
            routing_key = entry.routing_key
        headers = dict(entry.message.headers)
        headers.pop("x-delivery-count", None)
        deaths = _record_death(headers, queue.name, reason, entry.exchange, entry.routing_key)
        message = dataclasses.replace(entry.message, headers=headers)
        try:
            targets = self._route(exchange, routing_key, message)
        except TransportError:
            targets = []  # RabbitMQ drops a dead letter whose exchange does not exist
        if reason != "rejected":
            targets = [t for t in targets if not _is_cycle(t.name, deaths)]
        if not targets:
            _log.debug("dead letter from queue %r (%s) reached no queue", queue.name, reason)
        for target in targets:
            self._enqueue(target, message, exchange, routing_key)

    def _remove_consumer(self, consumer: _Consumer) -> None:
        consumer.active = False
        self._consumers.pop(consumer.tag, None)
        queue = consumer.queue
        index = queue.consumers.index(consumer)
        del queue.consumers[index]
        if index < queue.turn:
            queue.turn -= 1
        if queue.turn >= len(queue.consumers):
            queue.turn = 0

    def _return_unsettled(self) -> None:
        """What RabbitMQ does with a dead connection's deliveries: back to their queues."""
        deliveries = list(self._unsettled)
        self._unsettled.clear()
        for delivery in deliveries:
            delivery._state = "lost"
            if delivery._consumer is not None:
                delivery._consumer.unsettled -= 1
        for delivery in deliveries:
            self._return(delivery._queue, delivery._entry, nacked=False)

    def _lose_connection(self) -> None:
        self._return_unsettled()
        # the reconnect: declare the topology again (recreating whatever was deleted meanwhile),
        # then every consumer is registered again and dispatch carries on
        try:
            self._declare(self._topology)
        except TransportError as exc:
            _log.warning("declaring the topology again after a lost connection failed: %s", exc)
        for queue in self._queues.values():
            self._schedule(queue)


# -- headers and consistent-hash exchanges -------------------------------------------------------


def _headers_match(arguments: Mapping[str, Any], headers: Mapping[str, Any]) -> bool:
    """A headers-exchange binding: ``x-match`` ``all`` (the default) or ``any``; a binding value
    of ``None`` (AMQP void) matches the header's presence, any other value equality."""
    wanted = {k: v for k, v in arguments.items() if not k.startswith("x-")}
    if not wanted:
        return True
    hits = [k in headers and (v is None or headers[k] == v) for k, v in wanted.items()]
    return any(hits) if arguments.get("x-match") == "any" else all(hits)


def _hash_choice(
    bindings: Mapping[tuple[str, str, bool], Any],
    arguments: Mapping[str, Any],
    routing_key: str,
    message: Message,
) -> list[tuple[str, bool]]:
    """A consistent-hash exchange: one destination, chosen by the hash of the header, property
    or routing key the exchange names, each binding weighing as much as its key says. The same
    value always reaches the same destination while the bindings stay the same (the buckets are
    not RabbitMQ's: which partition a key reaches differs between the two brokers)."""
    buckets = [(d, e) for (d, key, e) in bindings for _ in range(int(key))]
    if not buckets:
        return []
    header = arguments.get("hash-header")
    prop = arguments.get("hash-property")
    if isinstance(header, str):
        value: Any = message.headers.get(header)
    elif prop == "message_id":
        value = message.message_id
    elif prop == "correlation_id":
        value = message.correlation_id
    else:
        value = routing_key
    digest = hashlib.sha256(repr(value).encode()).digest()
    return [buckets[int.from_bytes(digest[:8], "big") % len(buckets)]]


# -- x-death ----------------------------------------------------------------------------------


def _record_death(
    headers: dict[str, Any], queue: str, reason: _Reason, exchange: str, routing_key: str
) -> list[Any]:
    """Update ``x-death`` and ``x-first-death-*`` in ``headers`` as RabbitMQ 3.10 does."""
    previous = headers.get("x-death")
    deaths: list[Any] = list(previous) if isinstance(previous, list) else []
    for index, death in enumerate(deaths):
        if (
            isinstance(death, dict)
            and death.get("queue") == queue
            and death.get("reason") == reason
        ):
            updated = {**death, "count": _int(death.get("count")) + 1}
            deaths = [updated, *deaths[:index], *deaths[index + 1 :]]
            break
    else:
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        death = {
            "count": 1,
            "reason": reason,
            "queue": queue,
            "time": now,
            "exchange": exchange,
            "routing-keys": [routing_key],
        }
        deaths = [death, *deaths]
    headers["x-death"] = deaths
    headers.setdefault("x-first-death-reason", reason)
    headers.setdefault("x-first-death-queue", queue)
    headers.setdefault("x-first-death-exchange", exchange)
    return deaths


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _is_cycle(queue: str, deaths: list[Any]) -> bool:
    """RabbitMQ's cycle check: the message died in ``queue`` before, with no rejection since."""
    for death in deaths:
        if not isinstance(death, dict):
            return False  # something a client put there: not a fully automatic cycle
        if death.get("reason") == "rejected":
            return False
        if death.get("queue") == queue:
            return True
    return False


# -- AMQP values --------------------------------------------------------------------------------


def _check_queue_arguments(name: str, arguments: Mapping[str, Any]) -> None:
    queue_type = arguments.get("x-queue-type", "classic")
    if queue_type not in _QUEUE_TYPES:
        raise TransportError(f"queue {name!r}: unsupported x-queue-type {queue_type!r}")
    for key in ("x-message-ttl", "x-delivery-limit"):
        value = arguments.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise TransportError(f"queue {name!r}: {key} must be a non-negative integer")
    for key in ("x-dead-letter-exchange", "x-dead-letter-routing-key"):
        value = arguments.get(key)
        if value is not None and not isinstance(value, str):
            raise TransportError(f"queue {name!r}: {key} must be a string")
    if "x-dead-letter-routing-key" in arguments and "x-dead-letter-exchange" not in arguments:
        raise TransportError(
            f"queue {name!r}: x-dead-letter-routing-key needs x-dead-letter-exchange "
            "(406 PRECONDITION_FAILED)"
        )


def _copy_message(message: Message) -> Message:
    body = message.body if type(message.body) is bytes else bytes(message.body)
    return dataclasses.replace(message, body=body, headers=_copy_table(message.headers))


def _copy_table(table: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _copy_value(value) for key, value in table.items()}


def _copy_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _copy_table(value)
    if isinstance(value, list | tuple):
        return [_copy_value(item) for item in value]
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _header_frame_size(message: Message) -> int:
    """The payload of the AMQP content header frame a client would send for ``message``.

    Raises TransportError for a property or header value AMQP cannot carry.
    """
    size = 14  # class id, weight, body size, property flags
    for text in (message.content_type, message.correlation_id, message.message_id, message.type):
        if text is not None:
            size += _shortstr_size(text)
    if message.headers:
        size += 4 + _table_size(message.headers)
    return size + 1  # delivery mode


def _shortstr_size(text: str) -> int:
    length = len(text.encode())
    if length > _SHORTSTR_MAX:
        raise TransportError("a short string property is longer than 255 octets")
    return 1 + length


def _table_size(table: Mapping[Any, Any]) -> int:
    size = 0
    for key, value in table.items():
        if not isinstance(key, str):
            raise TransportError("AMQP table keys must be strings")
        size += _shortstr_size(key) + 1 + _value_size(value)
    return size


def _value_size(value: Any) -> int:  # sizes as pamqp encodes them, without the type octet
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return _int_size(value)
    if isinstance(value, float):
        return 4
    if isinstance(value, decimal.Decimal):
        return 5
    if isinstance(value, str):
        return 4 + len(value.encode())
    if isinstance(value, bytes | bytearray | memoryview):
        return 4 + len(bytes(value))
    if isinstance(value, _dt.datetime):
        return 8
    if isinstance(value, Mapping):
        return 4 + _table_size(value)
    if isinstance(value, list | tuple):
        return 4 + _array_size(value)
    raise TransportError(f"AMQP tables cannot carry a {type(value).__name__}")


def _array_size(items: Iterable[Any]) -> int:
    return sum(1 + _value_size(item) for item in items)


def _int_size(value: int) -> int:
    if -(2**7) <= value < 2**7:
        return 1
    if -(2**15) <= value < 2**15:
        return 2
    if -(2**31) <= value < 2**32:
        return 4
    if -(2**63) <= value < 2**63:
        return 8
    raise TransportError("AMQP integers are at most 64 bits")
