"""The pytest plugin ``cjx.testing`` gives users a memory broker and services on it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.messages import court_result, invalid_court_result
from tests.transport.helpers import Sink

import cjx
from cjx import TransientError, get_adapter
from cjx.service import Options, ServiceConfig, load_config
from cjx.testing import Harness, HarnessTimeout, Outcome
from cjx.transport import (
    CANONICAL,
    INBOUND,
    Binding,
    Exchange,
    MemoryBroker,
    Message,
    Queue,
    RetryPolicy,
    Topology,
)


async def test_plugin_fixtures_run_a_service(memory_broker: MemoryBroker, cjx_service: Any) -> None:
    """The fixtures come from the installed plugin: a service translates on the memory broker."""
    service = await cjx_service(ServiceConfig("plugin-court", "inbound", "libra-spi"))
    tap = await Sink.on(memory_broker, "plugin.tap", bind=(CANONICAL, "#"))
    await memory_broker.publish(INBOUND, "libra-spi", Message(body=court_result(42)))
    (arrived,) = await tap.wait_for(1)
    assert arrived.message.type == "court.case-resulted"
    assert service.ready
    await tap.close()


# -- the harness: what each destination received and what was dead-lettered, without polling ----

POLICE = ServiceConfig(
    "h-police-out",
    "outbound",
    "libra-spi",
    subscribe=("court.case-resulted.v1",),
    destination="police",
)
CPS = ServiceConfig(
    "h-cps-out", "outbound", "canonical-json", subscribe=("court.#",), destination="cps"
)
COURT_IN = ServiceConfig("h-court-in", "inbound", "libra-spi")


async def test_harness_publish_returns_each_destination_and_dead_letters(
    cjx_harness: Harness,
) -> None:
    """One call: the canonical message, what each destination got, and nothing dead."""
    await cjx_harness.start(COURT_IN, POLICE, CPS)
    outcome = await cjx_harness.publish("libra-spi", court_result(7), message_id="m-7")
    assert outcome.ok
    (envelope,) = outcome.envelopes
    assert envelope.message_type == "court.case-resulted"
    (police,) = outcome.to("police")
    assert (police.queue, police.format) == ("police.libra-spi", "libra-spi")
    assert police.message.message_id == str(envelope.message_id)
    (cps,) = outcome.to("cps")
    assert cjx.decode_json(cps.body) == envelope
    assert set(outcome.delivered) == {"police.libra-spi", "cps.canonical-json"}


async def test_harness_reports_dead_letters_with_every_code(cjx_harness: Harness) -> None:
    await cjx_harness.start(COURT_IN, POLICE)
    outcome = await cjx_harness.publish("libra-spi", invalid_court_result(8), message_id="bad-8")
    assert not outcome.ok
    assert outcome.to("police") == ()
    assert outcome.envelopes == ()
    (dead,) = outcome.dead_lettered_by("h-court-in")
    assert dead.code == "asn.check-character"
    assert "asn.check-character" in dead.codes
    assert dead.message.body == invalid_court_result(8)  # the original bytes
    assert dead.message.message_id == "bad-8"


async def test_each_outcome_is_that_publish_alone_and_received_adds_up(
    cjx_harness: Harness,
) -> None:
    await cjx_harness.start(COURT_IN, POLICE)
    first = await cjx_harness.publish("libra-spi", court_result(1), message_id="a")
    second = await cjx_harness.publish("libra-spi", invalid_court_result(2), message_id="b")
    third = await cjx_harness.publish("libra-spi", court_result(1), message_id="a")  # duplicate
    assert len(first.to("police")) == 1
    assert first.ok
    assert second.to("police") == ()
    assert len(second.dead_letters) == 1
    assert third == Outcome()  # de-duplicated: nothing new anywhere
    assert len(cjx_harness.received.to("police")) == 1
    assert len(cjx_harness.received.dead_letters) == 1
    assert len(cjx_harness.received.canonical) == 1


async def test_publish_envelope_tests_an_outbound_service_alone(cjx_harness: Harness) -> None:
    (envelope,) = get_adapter("libra-spi").decode(court_result(3))
    await cjx_harness.start(POLICE)
    outcome = await cjx_harness.publish_envelope(envelope)
    (delivered,) = outcome.to("police", "libra-spi")
    assert delivered.message.type == "court.case-resulted"
    assert outcome.to("police", "canonical-json") == ()


class _Flaky:
    """libra-spi, whose first ``failures`` translations fail transiently."""

    def __init__(self, failures: int) -> None:
        self._inner = get_adapter("libra-spi")
        self.failures = failures
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def translate(self, data: bytes, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise TransientError("the lookup service is down")
        return self._inner.translate(data, **kwargs)


QUICK = Options(retry=RetryPolicy(attempts=2, base_seconds=0.01, cap_seconds=0.02))


@pytest.mark.parametrize(
    ("failures", "delivered", "code"), [(2, 1, None), (9, 0, "service.retries-exhausted")]
)
async def test_harness_waits_through_retries(
    cjx_harness: Harness, failures: int, delivered: int, code: str | None
) -> None:
    """Retries go through the wait queues (a timer): publish returns after them, not before."""
    flaky = _Flaky(failures)
    await cjx_harness.start(replace(COURT_IN, options=QUICK), adapter=flaky)
    outcome = await cjx_harness.publish("libra-spi", court_result(4), message_id="r-4")
    assert flaky.calls == min(failures, 2) + 1
    assert len(outcome.canonical) == delivered
    assert [d.code for d in outcome.dead_letters] == ([code] if code else [])


async def test_harness_says_what_is_still_moving_on_timeout(cjx_harness: Harness) -> None:
    slow = Options(retry=RetryPolicy(attempts=1, base_seconds=30))
    await cjx_harness.start(replace(COURT_IN, options=slow), adapter=_Flaky(1))
    with pytest.raises(HarnessTimeout, match="1 message"):
        await cjx_harness.publish("libra-spi", court_result(5), timeout=0.2)


async def test_harness_starts_a_whole_configuration(tmp_path: Path) -> None:
    path = tmp_path / "services.toml"
    path.write_text(
        '[broker]\nurl = "memory://"\n'
        '[[services]]\nname = "c-in"\nrole = "inbound"\nformat = "libra-spi"\n'
        '[[services]]\nname = "p-out"\nrole = "outbound"\nformat = "libra-spi"\n'
        'subscribe = ["court.case-resulted.v1"]\ndestination = "police"\n'
    )
    async with Harness() as harness:
        started = await harness.start(load_config(path))
        assert [s.config.name for s in started] == ["c-in", "p-out"]
        outcome = await harness.publish("libra-spi", court_result(6))
        assert len(outcome.to("police")) == 1
    assert not harness.broker.ready  # closed with the block


async def test_in_motion_counts_what_the_broker_still_moves(memory_broker: MemoryBroker) -> None:
    """Ready in a consumed or TTL queue, or unsettled: moving; in a still queue: not."""
    await memory_broker.declare(
        Topology(
            (Exchange("x"),),
            (Queue("still"), Queue("wait", {"x-message-ttl": 60_000})),
            (Binding("still", "x", "s"), Binding("wait", "x", "w")),
        )
    )
    await memory_broker.publish("x", "s", Message(body=b"1"))
    assert memory_broker.in_motion() == 0
    await memory_broker.publish("x", "w", Message(body=b"2"))
    assert memory_broker.in_motion() == 1
    delivery = await memory_broker.get("still")
    assert delivery is not None
    assert memory_broker.in_motion() == 2
    await delivery.ack()
    assert memory_broker.in_motion() == 1
