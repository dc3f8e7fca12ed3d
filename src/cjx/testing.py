"""pytest fixtures for testing your own adapters and services on the embedded memory broker.

Installed as a pytest plugin (entry point ``pytest11``), so with cjx installed these fixtures
are available in any test suite::

    async def test_my_adapter(memory_broker, cjx_service):
        service = await cjx_service(ServiceConfig("court-in", "inbound", "libra-spi"))
        await memory_broker.publish("cjx.inbound", "libra-spi", Message(body=data))
        ...

``memory_broker`` is a connected :class:`~cjx.transport.MemoryBroker`, closed after the test.
``cjx_service`` starts a :class:`~cjx.service.Service` on it and stops it after the test. With
pytest-asyncio installed they are its fixtures (strict or auto mode; in strict mode mark your
tests ``@pytest.mark.asyncio``). ``services_on(broker)`` does the same on any broker.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

try:  # pytest-asyncio's own decorator works in its strict mode as well as in auto mode
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - another asyncio runner (anyio) takes plain fixtures
    _async_fixture = pytest.fixture  # type: ignore[assignment]

from cjx.service import Service, ServiceConfig
from cjx.transport import Broker, MemoryBroker

__all__ = ["cjx_service", "memory_broker", "services_on"]


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
