"""Fixtures for the transport tests: both brokers, and the real RabbitMQ in a vhost of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from tests import rabbit

from cjx.transport import Broker, MemoryBroker


@pytest.fixture(scope="session")
def amqp_vhost() -> Iterator[str]:
    """A vhost for this test session, deleted at the end (skips without a broker, fails in CI)."""
    with rabbit.own_vhost() as vhost:
        yield vhost


@pytest.fixture
def amqp_url(request: pytest.FixtureRequest, amqp_vhost: str) -> Iterator[str]:
    """The session's vhost; a test marked ``own_vhost`` gets a vhost of its own instead (for a
    test whose point needs what no other test declares, such as an unroutable message type)."""
    if request.node.get_closest_marker("own_vhost") is None:
        yield rabbit.url_for(amqp_vhost)
        return
    with rabbit.own_vhost("cjx-own") as vhost:
        yield rabbit.url_for(vhost)


@pytest.fixture
def unique() -> str:
    """A prefix that keeps one test's queues and exchanges apart from every other's."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["memory", pytest.param("amqp", marks=pytest.mark.amqp)])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    """Each contract test runs once on the memory broker and once on the real RabbitMQ."""
    if request.param == "memory":
        b: Broker = MemoryBroker()
    else:
        from cjx.transport.amqp import AmqpBroker

        b = AmqpBroker(request.getfixturevalue("amqp_url"))
    await b.connect()
    try:
        yield b
    finally:
        await b.close()
