"""The pytest plugin ``cjx.testing`` gives users a memory broker and services on it."""

from __future__ import annotations

from typing import Any

from tests.messages import court_result
from tests.transport.helpers import Sink

from cjx.service import ServiceConfig
from cjx.transport import CANONICAL, INBOUND, MemoryBroker, Message


async def test_plugin_fixtures_run_a_service(memory_broker: MemoryBroker, cjx_service: Any) -> None:
    """The fixtures come from the installed plugin: a service translates on the memory broker."""
    service = await cjx_service(ServiceConfig("plugin-court", "inbound", "libra-spi"))
    tap = await Sink.on(memory_broker, "plugin.tap", bind=(CANONICAL, "#"))
    await memory_broker.publish(INBOUND, "libra-spi", Message(body=court_result(42)))
    (arrived,) = await tap.wait_for(1)
    assert arrived.message.type == "court.case-resulted"
    assert service.ready
    await tap.close()
