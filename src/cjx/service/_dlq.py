"""Dead-letter tools: list, show, replay and purge a service's ``<service>.dlq``.

A dead letter is either cjx's own (``cjx-error-code``, ``cjx-error-report``,
``cjx-original-exchange``, ``cjx-original-routing-key``, ``cjx-failed-at`` headers) or the
broker's (the delivery limit was reached, or the input was rejected when even its dead letter
could not be published). The broker's carry ``x-death`` naming the service queue they died in,
and the sender's headers as they were, ``cjx-*`` ones included: those are the sender's words,
so a broker's dead letter is described from ``x-death`` alone (:func:`made_by`).

Looking is not taking: ``list`` and ``show`` take every message unacknowledged and return them
all at the end, in their order (a quorum queue puts a returned message at the back, so all are
taken and all given back). Each look counts as a delivery against the dlq's delivery limit,
which is set high for that reason.

``replay`` republishes the original bytes, unchanged, **to the service's own input queue and
nowhere else** (the default exchange, routing key ``<service>.in``): whatever a dead letter's
headers say, a replay cannot address another exchange or queue. Its headers are the original
ones without any ``cjx-*`` or ``x-*`` header, plus where it was first published (as
:func:`describe` found it) and ``cjx-replayed-at`` and ``cjx-replayed-from`` for the audit
trail. The dead letter is removed only once the broker has confirmed the replay. ``purge``
removes dead letters for good. Filters (error code, message type) and ``dry_run`` apply to
every operation.

A header the AMQP client could not decode (:class:`~cjx.transport.Undecodable`: a table nested
too deep, a timestamp out of range) does not stop the tools: it is shown as undecodable and left
out of a replay.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cjx.service._ordering import HEADER_ORDERING_KEY, KEY_FORM
from cjx.service._runtime import (
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    HEADER_ORIGINAL_EXCHANGE,
    HEADER_ORIGINAL_ROUTING_KEY,
    HEADER_REPLAYED_AT,
    HEADER_REPLAYED_FROM,
)
from cjx.transport import (
    Broker,
    Delivery,
    Message,
    Undecodable,
    dlq_name,
    in_queue,
    overflow_name,
    partition_route,
)

__all__ = [
    "DeadLetter",
    "describe",
    "list_dead_letters",
    "made_by",
    "purge",
    "replay",
    "replay_target",
]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """What is known about one dead letter, without its body (which holds personal data)."""

    position: int
    message_id: str | None
    message_type: str | None
    code: str
    made_by: str  # "cjx" or "broker"
    original_exchange: str
    original_routing_key: str
    failed_at: str
    attempt: int | None
    size: int
    report: Mapping[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "message_id": self.message_id,
            "message_type": self.message_type,
            "code": self.code,
            "made_by": self.made_by,
            "original_exchange": self.original_exchange,
            "original_routing_key": self.original_routing_key,
            "failed_at": self.failed_at,
            "attempt": self.attempt,
            "size": self.size,
            "report": self.report,
        }


def _deaths(headers: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = headers.get("x-death")
    if isinstance(value, list):
        return [d for d in value if isinstance(d, Mapping)]
    return []


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def made_by(message: Message, service: str) -> str:
    """``"cjx"`` for a dead letter cjx published, ``"broker"`` for one the broker made.

    The broker records in ``x-death`` every queue a message died in; cjx publishes its dead
    letters without ``x-death``, and only the dlq itself can add one later (to the overflow
    queue). So a death in any other queue means the broker made it from the input as the sender
    wrote it, and any ``cjx-*`` header on it is the sender's.
    """
    own = {dlq_name(service)}
    if any(_text(d.get("queue")) not in own for d in _deaths(message.headers)):
        return "broker"
    return "cjx" if HEADER_ERROR_CODE in message.headers else "broker"


def describe(delivery: Delivery, service: str, position: int = 0) -> DeadLetter:
    """Describe a dead letter from its headers (cjx's own or the broker's ``x-death``)."""
    message = delivery.message
    headers = message.headers
    attempt = headers.get(HEADER_ATTEMPT)
    attempt = attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else None
    if made_by(message, service) == "cjx":
        report: Mapping[str, Any] | None
        try:
            report = json.loads(_text(headers.get(HEADER_ERROR_REPORT)))
        except ValueError:
            report = None
        return DeadLetter(
            position,
            message.message_id,
            message.type,
            _text(headers[HEADER_ERROR_CODE]),
            "cjx",
            _text(headers.get(HEADER_ORIGINAL_EXCHANGE)),
            _text(headers.get(HEADER_ORIGINAL_ROUTING_KEY)),
            _text(headers.get(HEADER_FAILED_AT)),
            attempt,
            len(message.body),
            report,
        )
    exchange, routing_key = original_destination(message, service)
    deaths = [d for d in _deaths(headers) if _text(d.get("queue")) != dlq_name(service)]
    deaths = deaths or _deaths(headers)
    reason = _text(deaths[0].get("reason")) if deaths else "unknown"
    when = _text(deaths[0].get("time")) if deaths else ""
    return DeadLetter(
        position,
        message.message_id,
        message.type,
        f"broker.{reason.replace('_', '-')}",
        "broker",
        exchange,
        routing_key,
        when,
        None,  # a broker's dead letter holds the sender's cjx-attempt, if any: not cjx's count
        len(message.body),
        None,
    )


def original_destination(message: Message, service: str) -> tuple[str, str]:
    """Where the message was first published, for the record (a replay goes to
    :func:`replay_target`, whatever this says): cjx's headers on cjx's dead letters, else
    ``x-death``."""
    headers = message.headers
    exchange = headers.get(HEADER_ORIGINAL_EXCHANGE)
    routing_key = headers.get(HEADER_ORIGINAL_ROUTING_KEY)
    if exchange is not None and routing_key is not None and made_by(message, service) == "cjx":
        return _text(exchange), _text(routing_key)
    deaths = _deaths(headers)
    # the death in the service's own queue names the exchange and key it was published to
    chosen = next((d for d in deaths if _text(d.get("queue")) == in_queue(service)), None)
    if chosen is None and deaths:
        chosen = deaths[-1]
    if chosen is None:
        return "", ""
    keys = chosen.get("routing-keys")
    key = _text(keys[0]) if isinstance(keys, list) and keys else ""
    return _text(chosen.get("exchange")), key


def _matches(letter: DeadLetter, codes: tuple[str, ...], types: tuple[str, ...]) -> bool:
    if codes and letter.code not in codes:
        return False
    return not (types and (letter.message_type or "") not in types)


def source_queue(service: str, *, overflow: bool = False) -> str:
    """The queue the tools read: ``<service>.dlq``, or with ``overflow`` its last resort
    ``<service>.dlq-overflow`` (dead letters the dlq refused or ran out of deliveries for)."""
    return overflow_name(service) if overflow else dlq_name(service)


async def _take_all(
    broker: Broker, service: str, limit: int | None, *, overflow: bool = False
) -> list[Delivery]:
    queue = source_queue(service, overflow=overflow)
    taken: list[Delivery] = []
    while limit is None or len(taken) < limit:
        delivery = await broker.get(queue)
        if delivery is None:
            break
        taken.append(delivery)
    return taken


async def _give_back(deliveries: list[Delivery]) -> None:
    # in order: a quorum queue puts a nacked message at the back, so taking every message and
    # giving them back in order keeps the queue's order
    for delivery in deliveries:
        await delivery.nack(requeue=True)


async def list_dead_letters(
    broker: Broker,
    service: str,
    *,
    codes: tuple[str, ...] = (),
    types: tuple[str, ...] = (),
    limit: int | None = None,
    overflow: bool = False,
) -> list[DeadLetter]:
    """Describe the dead letters (all of them returned to the queue afterwards)."""
    taken = await _take_all(broker, service, limit, overflow=overflow)
    try:
        letters = [describe(d, service, n) for n, d in enumerate(taken, start=1)]
        return [letter for letter in letters if _matches(letter, codes, types)]
    finally:
        await _give_back(taken)


async def show(
    broker: Broker, service: str, position: int, *, overflow: bool = False
) -> tuple[DeadLetter, Message] | None:
    """One dead letter with its message (body included, for an operator who may see it)."""
    # all of them, so that giving them back keeps the order
    taken = await _take_all(broker, service, None, overflow=overflow)
    try:
        if len(taken) < position or position < 1:
            return None
        delivery = taken[position - 1]
        return describe(delivery, service, position), delivery.message
    finally:
        await _give_back(taken)


def replay_target(service: str, *, partitioned: bool = False) -> tuple[str, str]:
    """Where every replay of ``service``'s dead letters goes: its own input queue, through the
    default exchange; for a partitioned service, its partition route (``<service>.route``,
    key ``<service>.in``), which picks the partition. Never an exchange or key a dead letter
    names."""
    if partitioned:
        return partition_route(service), in_queue(service)
    return "", in_queue(service)


def replay_message(
    message: Message, service: str, now: datetime | None = None, *, overflow: bool = False
) -> Message:
    """The message as replayed: the original bytes and properties, with an audit trail.

    Every ``cjx-*`` and ``x-*`` header goes (a broker's dead letter carries the sender's), and so
    does any header the client could not decode; where it was first published comes from
    :func:`original_destination`.
    """
    exchange, routing_key = original_destination(message, service)
    headers = {
        k: v
        for k, v in message.headers.items()
        if not k.lower().startswith(("cjx-", "x-")) and not isinstance(v, Undecodable)
    }
    headers[HEADER_ORIGINAL_EXCHANGE] = exchange
    headers[HEADER_ORIGINAL_ROUTING_KEY] = routing_key
    headers[HEADER_REPLAYED_AT] = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
    headers[HEADER_REPLAYED_FROM] = source_queue(service, overflow=overflow)
    return replace(message, headers=headers, persistent=True)


Action = Callable[[Delivery], Awaitable[None]]


async def _for_each_matching(
    broker: Broker,
    service: str,
    action: Action,
    *,
    codes: tuple[str, ...],
    types: tuple[str, ...],
    dry_run: bool,
    overflow: bool,
) -> list[DeadLetter]:
    """Run ``action`` on each matching dead letter, then acknowledge it (removing it).

    Everything else, and everything after a failure, goes back to the queue in order.
    """
    taken = await _take_all(broker, service, None, overflow=overflow)
    matched: list[DeadLetter] = []
    settled: set[int] = set()
    try:
        for n, delivery in enumerate(taken, start=1):
            letter = describe(delivery, service, n)
            if not _matches(letter, codes, types):
                continue
            matched.append(letter)
            if dry_run:
                continue
            await action(delivery)
            await delivery.ack()
            settled.add(n)
    finally:
        await _give_back([d for n, d in enumerate(taken, start=1) if n not in settled])
    return matched


async def replay(
    broker: Broker,
    service: str,
    *,
    codes: tuple[str, ...] = (),
    types: tuple[str, ...] = (),
    dry_run: bool = False,
    overflow: bool = False,
    partitioned: bool = False,
) -> list[DeadLetter]:
    """Republish the matching dead letters to the service's own input queue
    (:func:`replay_target`); each is removed once its replay is confirmed. A partitioned
    service's replay keeps the dead letter's ``cjx-ordering-key`` (when well formed), so it
    goes back to its person's partition."""

    exchange, routing_key = replay_target(service, partitioned=partitioned)

    async def republish(delivery: Delivery) -> None:
        message = replay_message(delivery.message, service, overflow=overflow)
        key = delivery.message.headers.get(HEADER_ORDERING_KEY)
        if partitioned and isinstance(key, str) and KEY_FORM.fullmatch(key):
            message = replace(message, headers={**message.headers, HEADER_ORDERING_KEY: key})
        await broker.publish(exchange, routing_key, message)

    return await _for_each_matching(
        broker, service, republish, codes=codes, types=types, dry_run=dry_run, overflow=overflow
    )


async def purge(
    broker: Broker,
    service: str,
    *,
    codes: tuple[str, ...] = (),
    types: tuple[str, ...] = (),
    dry_run: bool = False,
    overflow: bool = False,
) -> list[DeadLetter]:
    """Remove the matching dead letters for good (all of them without filters)."""

    async def nothing(_: Delivery) -> None:
        return None

    return await _for_each_matching(
        broker, service, nothing, codes=codes, types=types, dry_run=dry_run, overflow=overflow
    )
