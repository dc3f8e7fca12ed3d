"""Dead-letter tools: list, show, replay and purge a service's ``<service>.dlq``.

A dead letter is either cjx's own (``cjx-error-code``, ``cjx-error-report``,
``cjx-original-exchange``, ``cjx-original-routing-key``, ``cjx-failed-at`` headers) or the
broker's (the delivery limit was reached, or the input was rejected when even its dead letter
could not be published): those carry ``x-death`` and no ``cjx-*`` headers, and are described
from ``x-death``.

Looking is not taking: ``list`` and ``show`` take every message unacknowledged and return them
all at the end, in their order (a quorum queue puts a returned message at the back, so all are
taken and all given back). Each look counts as a delivery against the dlq's delivery limit,
which is set high for that reason. ``replay`` republishes the original bytes, unchanged, to the
original exchange and routing key with ``cjx-replayed-at`` and ``cjx-replayed-from`` added for
the audit trail (the ``cjx-*`` report headers and ``x-death`` are removed), and removes the dead
letter only once the broker has confirmed the replay. ``purge`` removes dead letters for good.
Filters (error code, message type) and ``dry_run`` apply to every operation.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cjx.service._runtime import (
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    HEADER_ORIGINAL_EXCHANGE,
    HEADER_ORIGINAL_ROUTING_KEY,
    HEADER_REPLAYED_AT,
    HEADER_REPLAYED_FROM,
    HEADER_RETRY_REASON,
    HEADER_SERVICE,
)
from cjx.transport import Broker, Delivery, Message, dlq_name, in_queue, overflow_name

__all__ = ["DeadLetter", "describe", "list_dead_letters", "purge", "replay"]

_REPORT_HEADERS = {
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    HEADER_RETRY_REASON,
}


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


def describe(delivery: Delivery, service: str, position: int = 0) -> DeadLetter:
    """Describe a dead letter from its headers (cjx's own or the broker's ``x-death``)."""
    message = delivery.message
    headers = message.headers
    attempt = headers.get(HEADER_ATTEMPT)
    attempt = attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else None
    if HEADER_ERROR_CODE in headers:
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
    deaths = _deaths(headers)
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
        attempt,
        len(message.body),
        None,
    )


def original_destination(message: Message, service: str) -> tuple[str, str]:
    """Where the message was first published: cjx's headers, else ``x-death``."""
    headers = message.headers
    exchange = headers.get(HEADER_ORIGINAL_EXCHANGE)
    routing_key = headers.get(HEADER_ORIGINAL_ROUTING_KEY)
    if exchange is not None and routing_key is not None:
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


def replay_message(
    message: Message, service: str, now: datetime | None = None, *, overflow: bool = False
) -> Message:
    """The message as replayed: the original bytes and properties, with an audit trail."""
    headers = {
        k: v
        for k, v in message.headers.items()
        if k not in _REPORT_HEADERS and k != HEADER_SERVICE and not k.startswith("x-")
    }
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
) -> list[DeadLetter]:
    """Republish the matching dead letters; each is removed once its replay is confirmed."""

    async def republish(delivery: Delivery) -> None:
        exchange, routing_key = original_destination(delivery.message, service)
        message = replay_message(delivery.message, service, overflow=overflow)
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
