"""The cjx topology (DESIGN.md section 7), derived from a service's role.

=======================  ==============  ======================================================
name                     kind            purpose
=======================  ==============  ======================================================
``cjx.inbound``          topic exchange  raw messages from systems, routing key = format
``cjx.canonical``        topic exchange  canonical messages, key ``<message_type>.v<major>``
``cjx.outbound``         topic exchange  encoded messages, key ``<format>.<destination>``
``cjx.dead-letter``      topic exchange  rejected messages, routing key = service name
``<service>.in``         quorum queue    explicit ``x-delivery-limit`` and dead-letter target
``<service>.retry.<n>``  quorum queue    queue-level TTL per attempt level, dead-letters back
                                         to ``<service>.in`` through the default exchange
``<service>.dlq``        quorum queue    bound to ``cjx.dead-letter`` with the service name
``<svc>.dlq-overflow``   classic queue   where a dead letter goes if even the dlq's delivery
                                         limit runs out (key ``<service>.overflow``)
``<dest>.<format>``      quorum queue    declared by an outbound service, bound to its key
=======================  ==============  ======================================================

A partitioned service (``partitions = N``) has N input queues instead of ``<service>.in``
(docs/services.md, "Partitioned services"):

==========================  =================  ===================================================
``<service>.route``         headers exchange   bound to the source exchange with the service's
                                               keys; sends a message with ``cjx-ordering-key`` to
                                               ``.by-key``, any other to its alternate exchange
                                               ``.by-id``
``<service>.by-key``        x-consistent-hash  ``hash-header: cjx-ordering-key``
``<service>.by-id``         x-consistent-hash  ``hash-property: message_id``
``<service>.in.<p>``        quorum queue       ``p`` in 0..N-1, ``x-single-active-consumer``,
                                               bound with weight 1 to both hash exchanges
``<service>.replicas``      quorum queue       bound to nothing: every replica consumes it, so
                                               its consumer count is the live replicas
==========================  =================  ===================================================

The wait queues of a partitioned service dead-letter back to ``<service>.route`` (routing key
``<service>.in``), so a retry returns to the partition of its key.

The wait queues use a queue-level TTL (``x-message-ttl``), not a per-message expiration, because
RabbitMQ expires per-message TTLs only at the head of a queue: a long wait in front would hold
back a short one behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cjx.errors import ConfigurationError
from cjx.transport._base import Binding, Exchange, Queue, Topology

__all__ = [
    "CANONICAL",
    "DEAD_LETTER",
    "DEFAULT_DELIVERY_LIMIT",
    "DLQ_DELIVERY_LIMIT",
    "INBOUND",
    "MAX_PARTITIONS",
    "OUTBOUND",
    "RetryPolicy",
    "destination_queue",
    "dlq_name",
    "in_queue",
    "outbound_key",
    "partition_queue",
    "partition_route",
    "replicas_queue",
    "retry_queue",
    "service_topology",
]

INBOUND = "cjx.inbound"
CANONICAL = "cjx.canonical"
OUTBOUND = "cjx.outbound"
DEAD_LETTER = "cjx.dead-letter"

#: The broker-side delivery limit of a service queue: a safety net against crash loops only.
#: Every redelivery after a lost connection counts against it (up to prefetch messages are in
#: flight at each loss), so it sits far above what a few connection losses use up; cjx's own
#: retry count (``cjx-attempt``) is what ends a transient failure.
DEFAULT_DELIVERY_LIMIT = 50

#: The dead-letter queue's delivery limit: explicit, and high, because every look at a dead
#: letter (``cjx dlq list``) returns it to the queue and counts as a delivery.
DLQ_DELIVERY_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential backoff through wait queues.

    Retry ``n`` waits ``min(cap, base * factor ** (n - 1))`` seconds.

    The defaults (5 retries: 1 s, 2 s, 4 s, 8 s, 16 s) ride out a restart of a dependency without
    holding a message for more than half a minute in all.
    """

    attempts: int = 5
    base_seconds: float = 1.0
    factor: float = 2.0
    cap_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 0 or self.base_seconds <= 0 or self.factor < 1 or self.cap_seconds <= 0:
            raise ConfigurationError(
                "retry policy needs attempts >= 0, base > 0, factor >= 1 and cap > 0"
            )

    def delay_ms(self, attempt: int) -> int:
        """The wait before retry ``attempt`` (1-based), in milliseconds."""
        seconds = min(self.cap_seconds, self.base_seconds * self.factor ** (attempt - 1))
        return max(1, round(seconds * 1000))


def in_queue(service: str) -> str:
    return f"{service}.in"


def dlq_name(service: str) -> str:
    return f"{service}.dlq"


def overflow_name(service: str) -> str:
    return f"{service}.dlq-overflow"


def overflow_key(service: str) -> str:
    return f"{service}.overflow"


def retry_queue(service: str, attempt: int) -> str:
    return f"{service}.retry.{attempt}"


def outbound_key(fmt: str, destination: str) -> str:
    return f"{fmt}.{destination}"


def destination_queue(fmt: str, destination: str) -> str:
    return f"{destination}.{fmt}"


def partition_queue(service: str, partition: int) -> str:
    return f"{service}.in.{partition}"


def replicas_queue(service: str) -> str:
    """The queue whose consumers are a partitioned service's live replicas."""
    return f"{service}.replicas"


def partition_route(service: str) -> str:
    """The exchange a partitioned service's inputs (and its retries) enter by."""
    return f"{service}.route"


#: The most partitions a service may have (each is a quorum queue, a Raft group on the broker).
MAX_PARTITIONS = 256
#: The exchange kind of RabbitMQ's consistent-hash exchange plugin.
CONSISTENT_HASH = "x-consistent-hash"
_HEADER_ORDERING_KEY = "cjx-ordering-key"


def _quorum(name: str, **arguments: object) -> Queue:
    # At-least-once dead-lettering (RabbitMQ 3.10+, quorum queues): the broker republishes a
    # dead letter with publisher confirms and keeps it until its target has it, instead of the
    # default at-most-once, which drops a dead letter whose target is unavailable. It requires
    # the reject-publish overflow mode (no length limit is set, so nothing is ever refused).
    return Queue(
        name,
        {
            "x-queue-type": "quorum",
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            **arguments,
        },
    )


def exchanges() -> Topology:
    return Topology(tuple(Exchange(name) for name in (INBOUND, CANONICAL, OUTBOUND, DEAD_LETTER)))


def service_topology(
    service: str,
    *,
    source_exchange: str,
    binding_keys: tuple[str, ...],
    retry: RetryPolicy,
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
    destination: tuple[str, str] | None = None,
    partitions: int | None = None,
) -> Topology:
    """Everything one service needs: its queue, wait queues, dead letters, and destination.

    ``destination`` is ``(format, destination)`` for an outbound service. With ``partitions``
    the service has that many input queues (see the module docstring) instead of one.
    """
    if delivery_limit < 1:
        raise ConfigurationError("delivery_limit must be at least 1")
    if partitions is not None and not 1 <= partitions <= MAX_PARTITIONS:
        raise ConfigurationError(f"partitions must be between 1 and {MAX_PARTITIONS}")
    # every quorum queue gets an explicit delivery limit and dead-letter target; all of them
    # dead-letter into this service's dlq, and the dlq into a classic overflow queue (RabbitMQ
    # silently drops a message that dead-letters into its own queue for any reason but
    # "rejected", so the dlq must not be its own target)
    dead_letter = {
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER,
        "x-dead-letter-routing-key": service,
    }
    exchanges_: tuple[Exchange, ...] = ()
    bindings: list[Binding] = []
    if partitions is None:
        inputs: tuple[Queue, ...] = (_quorum(in_queue(service), **dead_letter),)
        bindings += [Binding(inputs[0].name, source_exchange, key) for key in binding_keys]
        back = ""  # wait queues dead-letter back through the default exchange
    else:
        back = partition_route(service)
        by_key, by_id = f"{service}.by-key", f"{service}.by-id"
        exchanges_ = (
            Exchange(back, "headers", {"alternate-exchange": by_id}),
            Exchange(by_key, CONSISTENT_HASH, {"hash-header": _HEADER_ORDERING_KEY}),
            Exchange(by_id, CONSISTENT_HASH, {"hash-property": "message_id"}),
        )
        presence = Queue(replicas_queue(service), {"x-queue-type": "quorum"})
        inputs = tuple(
            _quorum(
                partition_queue(service, p), **dead_letter, **{"x-single-active-consumer": True}
            )
            for p in range(partitions)
        )
        bindings += [Binding(back, source_exchange, key, to_exchange=True) for key in binding_keys]
        # a void value in a headers binding matches the header's presence, whatever its value
        present = {"x-match": "any", _HEADER_ORDERING_KEY: None}
        bindings.append(Binding(by_key, back, "", present, to_exchange=True))
        for queue in inputs:
            bindings.append(Binding(queue.name, by_key, "1"))  # weight 1 each
            bindings.append(Binding(queue.name, by_id, "1"))
    # wait queues are quorum queues too (replicated; queue TTL since RabbitMQ 3.10); nothing
    # consumes them, so their delivery limit never counts
    waits = tuple(
        _quorum(
            retry_queue(service, n),
            **{
                "x-message-ttl": retry.delay_ms(n),
                "x-delivery-limit": delivery_limit,
                "x-dead-letter-exchange": back,
                "x-dead-letter-routing-key": in_queue(service),
            },
        )
        for n in range(1, retry.attempts + 1)
    )
    dlq = _quorum(
        dlq_name(service),
        **{
            **dead_letter,
            "x-delivery-limit": DLQ_DELIVERY_LIMIT,
            "x-dead-letter-routing-key": overflow_key(service),
        },
    )
    overflow = Queue(overflow_name(service))  # classic: no delivery limit to run out of
    queues = (*inputs, *waits, dlq, overflow)
    if partitions is not None:
        queues = (*queues, presence)
    bindings.append(Binding(dlq.name, DEAD_LETTER, service))
    bindings.append(Binding(overflow.name, DEAD_LETTER, overflow_key(service)))
    if destination is not None:
        fmt, dest = destination
        target = _quorum(destination_queue(fmt, dest), **dead_letter)
        queues = (*queues, target)
        bindings.append(Binding(target.name, OUTBOUND, outbound_key(fmt, dest)))
    return exchanges() + Topology(exchanges_, queues, tuple(bindings))
