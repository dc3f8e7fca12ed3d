"""Testing your own adapters, services and configurations on the embedded memory broker.

Install with ``pip install "cjx[testing]"`` (pytest and pytest-asyncio). The module is a pytest
plugin (entry point ``pytest11``), so with cjx installed its fixtures are available in any test
suite. The harness runs services on a :class:`~cjx.transport.MemoryBroker`, publishes an input,
waits until nothing moves any more, and returns what each destination received and what was
dead-lettered, so a test needs no tap queue and no polling::

    import pytest
    from cjx.service import ServiceConfig


    @pytest.mark.asyncio  # not needed with asyncio_mode = "auto"
    async def test_court_results_reach_the_police(cjx_harness):
        await cjx_harness.start(
            ServiceConfig("court-in", "inbound", "libra-spi"),
            ServiceConfig("police-out", "outbound", "libra-spi",
                          subscribe=("court.case-resulted.v1",), destination="police"),
        )
        outcome = await cjx_harness.publish("libra-spi", data, message_id="m-1")
        assert [e.message_type for e in outcome.envelopes] == ["court.case-resulted"]
        (delivered,) = outcome.to("police")
        assert not outcome.dead_letters

Fixtures:

* ``cjx_harness``: a started :class:`Harness`, closed after the test;
* ``memory_broker``: a connected :class:`~cjx.transport.MemoryBroker`, closed after the test;
* ``cjx_service``: starts a :class:`~cjx.service.Service` on ``memory_broker`` and stops it
  after the test. ``services_on(broker)`` does the same on any broker.

With pytest-asyncio they are its fixtures (strict or auto mode; in strict mode, its default,
mark your tests ``@pytest.mark.asyncio``). Without pytest, use ``async with Harness() as h``.

What "settled" means: every message a service consumes has been acknowledged, no service has
work in flight, and no wait queue holds a retry. A retry waits for its backoff, so give services
under test a quick :class:`~cjx.transport.RetryPolicy` (``Options(retry=RetryPolicy(1, 0.01))``);
``publish`` raises :class:`HarnessTimeout` when something is still moving after ``timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

try:  # pytest-asyncio's own decorator works in its strict mode as well as in auto mode
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - another asyncio runner (anyio) takes plain fixtures
    _async_fixture = pytest.fixture  # type: ignore[assignment]

from cjx.adapter import get_adapter
from cjx.errors import CjxError, Issue, Report, Severity
from cjx.model import Envelope
from cjx.service import (
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    Config,
    Service,
    ServiceConfig,
)
from cjx.transport import (
    CANONICAL,
    INBOUND,
    Binding,
    Broker,
    Delivery,
    MemoryBroker,
    Message,
    Queue,
    Topology,
    destination_queue,
    dlq_name,
)
from cjx.transport._topology import exchanges

__all__ = [
    "DeadLettered",
    "Delivered",
    "Harness",
    "HarnessTimeout",
    "Outcome",
    "cjx_harness",
    "cjx_service",
    "memory_broker",
    "services_on",
]

#: The harness's own queue on ``cjx.canonical``: every canonical message, for ``envelopes``.
CANONICAL_TAP = "cjx-harness.canonical"
DEFAULT_TIMEOUT = 60.0


class HarnessTimeout(CjxError, AssertionError):
    """Messages were still moving when the harness stopped waiting."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """One message an outbound service put on its destination queue."""

    destination: str
    format: str
    queue: str
    message: Message

    @property
    def body(self) -> bytes:
        return self.message.body


@dataclass(frozen=True, slots=True)
class DeadLettered:
    """One dead letter: the service's dlq it is in, its codes and report, and the input as it
    was received (``message.body`` holds the original bytes)."""

    service: str
    code: str
    report: Report
    message: Message

    @property
    def codes(self) -> tuple[str, ...]:
        """Every issue's code (``code`` is the first error's)."""
        return self.report.codes


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one ``publish`` caused, once nothing moved any more.

    ``canonical``: the messages published to ``cjx.canonical`` (``envelopes`` decodes them);
    ``delivered``: what each destination queue received, keyed by its name
    (``<destination>.<format>``; ``to(destination)`` selects by destination);
    ``dead_letters``: what any service dead-lettered.
    """

    canonical: tuple[Message, ...] = ()
    delivered: Mapping[str, tuple[Delivered, ...]] = field(default_factory=dict)
    dead_letters: tuple[DeadLettered, ...] = ()

    @property
    def ok(self) -> bool:
        """Nothing was dead-lettered."""
        return not self.dead_letters

    @property
    def envelopes(self) -> tuple[Envelope[Any], ...]:
        """The canonical messages, decoded (canonical XML or JSON, by content type)."""
        found: list[Envelope[Any]] = []
        for message in self.canonical:
            json_form = (message.content_type or "").endswith("json")
            adapter = get_adapter("canonical-json" if json_form else "canonical-xml")
            found.extend(adapter.decode(message.body))
        return tuple(found)

    def to(self, destination: str, format: str | None = None) -> tuple[Delivered, ...]:
        """What reached ``destination`` (in any format, or only ``format``), in order."""
        return tuple(
            d
            for ds in self.delivered.values()
            for d in ds
            if d.destination == destination and (format is None or d.format == format)
        )

    def dead_lettered_by(self, service: str) -> tuple[DeadLettered, ...]:
        return tuple(d for d in self.dead_letters if d.service == service)


def _report(service: str, message: Message) -> tuple[str, Report]:
    """The dead letter's first code and report, from its ``cjx-*`` headers (a dead letter the
    broker made has none: it is ``broker.dead-lettered``, with the reason from ``x-death``)."""
    headers = message.headers
    code = headers.get(HEADER_ERROR_CODE)
    text = headers.get(HEADER_ERROR_REPORT)
    source = f"{service}:{message.message_id or 'no-message-id'}"
    if isinstance(code, str) and isinstance(text, str):
        document = json.loads(text)
        issues = tuple(
            Issue(Severity(i["severity"]), i["code"], i["path"], i["message"])
            for i in document.get("issues", ())
        )
        return code, Report(document.get("source") or source, issues)
    deaths = headers.get("x-death")
    reason = "unknown"
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
        reason = str(deaths[0].get("reason", "unknown"))
    issue = Issue(
        Severity.ERROR, "broker.dead-lettered", "", f"the broker dead-lettered it ({reason})"
    )
    return issue.code, Report(source, (issue,))


class Harness:
    """Services on a memory broker, and what each input they are given becomes.

    ``start`` services (or a whole :class:`~cjx.service.Config`), then ``publish`` inputs: each
    call returns the :class:`Outcome` of that input alone, once everything has settled.
    ``received`` accumulates every outcome since the harness started. ``close`` (or the end of
    ``async with``) stops the services and the broker.
    """

    def __init__(self, broker: MemoryBroker | None = None, *, timeout: float = DEFAULT_TIMEOUT):
        self.broker = broker if broker is not None else MemoryBroker()
        self.timeout = timeout
        self.services: list[Service] = []
        self.received = Outcome()
        self._started = False

    async def __aenter__(self) -> Harness:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect the broker and declare the exchanges and the harness's canonical tap."""
        if self._started:
            return
        await self.broker.connect()
        await self.broker.declare(
            exchanges()
            + Topology((), (Queue(CANONICAL_TAP),), (Binding(CANONICAL_TAP, CANONICAL, "#"),))
        )
        self._started = True

    async def close(self) -> None:
        for service in reversed(self.services):
            await service.stop(grace=10)
        self.services.clear()
        await self.broker.close()

    async def start(self, *configs: ServiceConfig | Config, **kwargs: Any) -> list[Service]:
        """Start each service (every service of a ``Config``; its broker URL is not used).
        ``kwargs`` go to every :class:`~cjx.service.Service` (``clock``, ``adapter``...)."""
        await self.open()
        started: list[Service] = []
        for config in configs:
            for one in config.services if isinstance(config, Config) else (config,):
                service = Service(one, self.broker, **kwargs)
                await service.start()
                self.services.append(service)
                started.append(service)
        return started

    async def publish(
        self,
        routing_key: str,
        body: bytes | str,
        *,
        message_id: str | None = None,
        exchange: str = INBOUND,
        content_type: str | None = None,
        headers: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Outcome:
        """Publish ``body`` as a source system would (to ``cjx.inbound``, with the format as the
        routing key) and return what it caused. ``str`` bodies are encoded as UTF-8."""
        await self.open()
        data = body.encode() if isinstance(body, str) else body
        message = Message(
            body=data,
            message_id=message_id,
            content_type=content_type,
            headers=dict(headers or {}),
        )
        await self.broker.publish(exchange, routing_key, message)
        return await self.settle(timeout)

    async def publish_envelope(
        self, envelope: Envelope[Any], *, timeout: float | None = None
    ) -> Outcome:
        """Publish a canonical message to ``cjx.canonical`` as an inbound service would (canonical
        XML, its routing key and message id): to test outbound services alone."""
        writer = get_adapter("canonical-xml")
        message = Message(
            body=writer.encode(envelope),
            message_id=str(envelope.message_id),
            content_type=writer.media_type,
            type=envelope.message_type,
        )
        await self.open()
        await self.broker.publish(CANONICAL, envelope.routing_key, message)
        return await self.settle(timeout)

    async def settle(self, timeout: float | None = None) -> Outcome:
        """Wait until nothing moves, then take and return what arrived since the last call."""
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        quiet = 0
        busy_turns = 0
        while quiet < 3:  # idle for three turns of the loop: confirms come back a turn later
            moving = self.broker.in_motion()
            working = sum(s.in_flight for s in self.services)
            if moving or working:
                if loop.time() > deadline:
                    raise HarnessTimeout(
                        f"still moving after {limit} s: {moving} message(s) in queues or "
                        f"unacknowledged, {working} input(s) in flight (a retry waits for its "
                        "backoff: give the services a quick RetryPolicy)"
                    )
                quiet = 0
                busy_turns += 1
                # a retry waits on a timer: stop spinning once the loop has nothing else to do
                await asyncio.sleep(0 if busy_turns < 200 else 0.002)
            else:
                quiet += 1
                await asyncio.sleep(0)
        outcome = await self._take()
        self.received = Outcome(
            self.received.canonical + outcome.canonical,
            {
                name: self.received.delivered.get(name, ()) + outcome.delivered.get(name, ())
                for name in {*self.received.delivered, *outcome.delivered}
            },
            self.received.dead_letters + outcome.dead_letters,
        )
        return outcome

    async def _drain(self, queue: str) -> list[Message]:
        taken: list[Message] = []
        while True:
            delivery: Delivery | None = await self.broker.get(queue)
            if delivery is None:
                return taken
            taken.append(delivery.message)
            await delivery.ack()

    async def _take(self) -> Outcome:
        canonical = tuple(await self._drain(CANONICAL_TAP))
        delivered: dict[str, tuple[Delivered, ...]] = {}
        dead: list[DeadLettered] = []
        seen: set[str] = set()
        for service in self.services:
            config = service.config
            if config.role == "outbound" and config.destination is not None:
                queue = destination_queue(config.format, config.destination)
                if queue not in seen:
                    seen.add(queue)
                    messages = await self._drain(queue)
                    if messages:
                        delivered[queue] = tuple(
                            Delivered(config.destination, config.format, queue, m) for m in messages
                        )
            for message in await self._drain(dlq_name(config.name)):
                code, report = _report(config.name, message)
                dead.append(DeadLettered(config.name, code, report, message))
        return Outcome(canonical, delivered, tuple(dead))


@_async_fixture
async def cjx_harness() -> AsyncIterator[Harness]:
    """A :class:`Harness` on its own memory broker, closed (services stopped) after the test."""
    async with Harness() as harness:
        yield harness


@_async_fixture
async def memory_broker() -> AsyncIterator[MemoryBroker]:
    """A connected embedded broker with the same semantics as RabbitMQ for cjx's purposes."""
    broker = MemoryBroker()
    await broker.connect()
    try:
        yield broker
    finally:
        await broker.close()


@contextlib.asynccontextmanager
async def services_on(broker: Broker) -> AsyncIterator[Callable[..., Awaitable[Service]]]:
    """Start services on any broker; all of them are stopped when the block ends."""
    started: list[Service] = []

    async def start(config: ServiceConfig, **kwargs: Any) -> Service:
        service = Service(config, broker, **kwargs)
        await service.start()
        started.append(service)
        return service

    try:
        yield start
    finally:
        for service in started:
            await service.stop(grace=10)


@_async_fixture
async def cjx_service(
    memory_broker: MemoryBroker,
) -> AsyncIterator[Callable[..., Awaitable[Service]]]:
    """Start services on ``memory_broker``; each is stopped when the test ends."""
    async with services_on(memory_broker) as start:
        yield start
