"""The ``Broker`` protocol: what cjx needs from a message broker, and nothing more.

Two brokers implement it, with the same semantics, proven by one contract test suite
(``tests/transport/test_contract.py``): :mod:`cjx.transport.amqp` (RabbitMQ through aio-pika, the
only module that imports aio-pika) and :mod:`cjx.transport.memory` (embedded, one process).

Rules every implementation keeps (DESIGN.md section 7):

* ``publish`` returns only once the broker has **confirmed** the message. A ``mandatory`` publish
  that no queue receives raises :class:`Unroutable`; a broker nack raises :class:`PublishRejected`.
  At most ``confirm_window`` publishes are unconfirmed at once per broker; further publishes wait
  for room (they are never awaited one by one by the broker itself).
* Publishes leave in the order ``publish`` was called (one publishing channel; the window and
  any lock are first come, first served), and the broker keeps that order in each queue. So a
  caller that needs order only has to *call* in order; it need not wait for each confirm.
* Messages are persistent unless the caller says otherwise.
* A consumer's handler is a plain (non-async) callable, called **in delivery order**, one call at
  a time; it must not block. It takes ownership of the :class:`Delivery` and settles it exactly
  once, later, with ``ack`` or ``nack``.
* Settling a delivery whose connection has gone is a no-op that returns ``False``: the broker
  redelivers the message (``redelivered=True``) and the consumer's de-duplication absorbs it.
* After a lost connection or a broker restart the broker reconnects by itself, declares the
  topology it was given again and **re-registers every consumer**; ``ready`` is false while any
  consumer is missing.
* Topology is declared idempotently. Quorum queues are declared with the arguments cjx gives
  them (explicit delivery limit and dead-letter target), never the broker's defaults.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from cjx.errors import TransportError

__all__ = [
    "DEFAULT_CONFIRM_WINDOW",
    "Binding",
    "Broker",
    "Delivery",
    "Exchange",
    "Handler",
    "Message",
    "PublishRejected",
    "Queue",
    "Topology",
    "TransportError",
    "Undecodable",
    "Unroutable",
]


#: Unconfirmed publishes allowed at once per broker. RabbitMQ confirms in batches; 256 in flight
#: keeps the pipe full on loopback and a LAN while bounding what a lost connection leaves in doubt.
DEFAULT_CONFIRM_WINDOW = 256


class Unroutable(TransportError):
    """A mandatory publish reached no queue (the broker returned it)."""

    def __init__(self, exchange: str, routing_key: str) -> None:
        super().__init__(f"no queue is bound to {exchange!r} for routing key {routing_key!r}")
        self.exchange = exchange
        self.routing_key = routing_key


class PublishRejected(TransportError):
    """The broker nacked a publish (it did not take responsibility for the message)."""


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A header value the AMQP client could not decode, in place of that value.

    A sender can write a header table nested thousands of levels deep or a timestamp no
    calendar holds; the client would fail on the whole message (and, in aiormq, on the whole
    connection). The broker gives the rest of the message as usual and this stands for the
    value: it is shown as undecodable, never carried onto a retry, dead letter or replay.
    """

    reason: str

    def __str__(self) -> str:
        return f"<undecodable: {self.reason}>"


@dataclass(frozen=True, slots=True)
class Message:
    """The bytes and AMQP properties of one message. Frozen; do not subclass.

    ``headers`` values are what AMQP tables carry: str, bytes, int, float, bool, None, lists and
    nested mappings of those; on a delivered message, also :class:`Undecodable`.
    """

    body: bytes
    message_id: str | None = None
    correlation_id: str | None = None
    content_type: str | None = None
    type: str | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    persistent: bool = True


class Delivery(abc.ABC):
    """One message handed to a consumer. Settle it exactly once with :meth:`ack` or :meth:`nack`."""

    __slots__ = ("exchange", "message", "queue", "redelivered", "routing_key")

    def __init__(
        self,
        message: Message,
        *,
        exchange: str,
        routing_key: str,
        queue: str,
        redelivered: bool,
    ) -> None:
        self.message = message
        self.exchange = exchange
        self.routing_key = routing_key
        self.queue = queue
        self.redelivered = redelivered

    @abc.abstractmethod
    async def ack(self) -> bool:
        """Acknowledge; ``False`` when the delivery's connection has gone (it will come again)."""

    @abc.abstractmethod
    async def nack(self, *, requeue: bool) -> bool:
        """Negative-acknowledge; without requeue the queue dead-letters it (if it has a target)."""

    def __repr__(self) -> str:  # never the body: it holds personal data
        return (
            f"<{type(self).__name__} queue={self.queue!r} routing_key={self.routing_key!r} "
            f"message_id={self.message.message_id!r} redelivered={self.redelivered}>"
        )


#: A consumer callback: called in delivery order, must not block, owns the delivery.
Handler = Callable[[Delivery], None]


@dataclass(frozen=True, slots=True)
class Exchange:
    """A durable exchange. ``arguments`` are its AMQP arguments (``alternate-exchange``; a
    consistent-hash exchange's ``hash-header`` or ``hash-property``)."""

    name: str
    kind: str = "topic"
    arguments: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Queue:
    """A durable queue. ``arguments`` are the AMQP ``x-`` arguments, given in full."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)

    @property
    def quorum(self) -> bool:
        return self.arguments.get("x-queue-type") == "quorum"


@dataclass(frozen=True, slots=True)
class Binding:
    """``queue`` bound to ``exchange``; with ``to_exchange``, ``queue`` names an exchange
    (an exchange-to-exchange binding). ``arguments`` are the binding's (a headers exchange's
    match)."""

    queue: str
    exchange: str
    routing_key: str
    arguments: Mapping[str, Any] = field(default_factory=dict, hash=False)
    to_exchange: bool = False


@dataclass(frozen=True, slots=True)
class Topology:
    """Exchanges, queues and bindings, declared in that order. Merging keeps the first of equals."""

    exchanges: tuple[Exchange, ...] = ()
    queues: tuple[Queue, ...] = ()
    bindings: tuple[Binding, ...] = ()

    def __add__(self, other: Topology) -> Topology:
        def merged(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
            out: list[Any] = []
            for item in a + b:  # by equality: queue arguments are a mapping, not hashable
                if item not in out:
                    out.append(item)
            return tuple(out)

        return Topology(
            merged(self.exchanges, other.exchanges),
            merged(self.queues, other.queues),
            merged(self.bindings, other.bindings),
        )


@runtime_checkable
class Broker(Protocol):
    """What a service needs from a broker. See the module docstring for the rules."""

    @property
    def name(self) -> str:
        """Where it is, for logs: the URL with any password removed."""

    @property
    def ready(self) -> bool:
        """Connected, with every consumer registered."""

    async def connect(self) -> None:
        """Connect (retrying with backoff); raises TransportError when it gives up."""

    async def close(self) -> None:
        """Cancel consumers and disconnect. Unsettled deliveries go back to their queues."""

    async def declare(self, topology: Topology) -> None:
        """Declare it now and again after every reconnect."""

    async def publish(
        self, exchange: str, routing_key: str, message: Message, *, mandatory: bool = True
    ) -> None:
        """Publish and wait for the broker's confirm; Unroutable or PublishRejected otherwise."""

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> str:
        """Register a consumer (kept across reconnects); returns its tag."""

    async def cancel(self, consumer_tag: str) -> None:
        """Stop a consumer; deliveries already handed out stay the handler's to settle."""

    async def release(self, consumer_tag: str) -> None:
        """Stop a consumer and hand its unsettled deliveries back to the head of the queue, in
        order, as a closed channel does (settling them afterwards returns ``False``)."""

    async def consumer_count(self, queue: str) -> int:
        """Consumers of the queue (of a single-active-consumer quorum queue, the active one)."""

    async def get(self, queue: str) -> Delivery | None:
        """Take one message (unacknowledged) or ``None`` when the queue is empty."""

    async def exchange_exists(self, exchange: str) -> bool:
        """Whether ``exchange`` is declared on the broker now (by anyone)."""

    async def delete_exchange(self, exchange: str) -> None:
        """Delete the exchange and its bindings; a missing exchange is fine. It is not declared
        again after a reconnect."""

    async def queue_length(self, queue: str) -> int:
        """Messages ready in the queue (not counting those handed out and unsettled)."""

    async def purge(self, queue: str) -> int:
        """Drop every ready message; returns how many."""

    async def delete_queue(self, queue: str) -> None:
        """Delete the queue even when it has consumers or messages (quorum queues refuse
        ``if_unused``)."""
