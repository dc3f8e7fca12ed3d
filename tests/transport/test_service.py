"""The delivery rules of DESIGN.md section 7, each on the memory broker and the real RabbitMQ."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

import pytest
from tests.messages import ROOT, court_result, invalid_court_result, noms, prisoner_received
from tests.transport.helpers import Sink

from cjx import TransientError
from cjx.adapter import Adapter, Translation, get_adapter, register
from cjx.errors import Report
from cjx.model import Clock, Envelope, system_clock
from cjx.service import (
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    HEADER_ORIGINAL_EXCHANGE,
    HEADER_ORIGINAL_ROUTING_KEY,
    Options,
    Service,
    ServiceConfig,
    ordering_key_of,
)
from cjx.testing import services_on
from cjx.transport import (
    CANONICAL,
    INBOUND,
    OUTBOUND,
    Broker,
    Delivery,
    MemoryBroker,
    Message,
    RetryPolicy,
    destination_queue,
    dlq_name,
    overflow_name,
)

FAST_RETRY = RetryPolicy(attempts=3, base_seconds=0.05, factor=2.0, cap_seconds=0.2)


def inbound(name: str, fmt: str = "libra-spi", **options: Any) -> ServiceConfig:
    opts = Options(retry=FAST_RETRY, **options)
    return ServiceConfig(name=name, role="inbound", format=fmt, options=opts)


def outbound(name: str, fmt: str, subscribe: tuple[str, ...], destination: str) -> ServiceConfig:
    return ServiceConfig(
        name=name,
        role="outbound",
        format=fmt,
        subscribe=subscribe,
        destination=destination,
        options=Options(retry=FAST_RETRY),
    )


@pytest.fixture
async def running(broker: Broker) -> AsyncIterator[Callable[..., Any]]:
    """Start services on the broker; every one is stopped at the end of the test."""
    async with services_on(broker) as start:
        yield start


async def publish(broker: Broker, fmt: str, body: bytes, message_id: str, **kw: Any) -> None:
    await broker.publish(INBOUND, fmt, Message(body=body, message_id=message_id, **kw))


async def test_inbound_publishes_canonical_with_its_properties(
    broker: Broker, running: Any, unique: str
) -> None:
    """A court result becomes canonical XML on cjx.canonical with the AMQP properties set."""
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    service = await running(inbound(f"{unique}-court"), ordering_secret="s3cret")
    # the inbound queue is bound by format; this test's queue name keeps it apart
    await publish(broker, "libra-spi", court_result(1), f"{unique}-in-1", correlation_id="c-1")
    (arrived,) = await tap.wait_for(1)
    expected = get_adapter("libra-spi").decode(court_result(1))[0]
    m = arrived.message
    assert m.message_id == str(expected.message_id)
    assert m.type == "court.case-resulted"
    assert m.content_type == "application/vnd.cjx.canonical.v1+xml"
    assert m.correlation_id == "CJX-TEST-00000001"
    assert m.persistent
    assert arrived.routing_key == "court.case-resulted.v1"
    assert get_adapter("canonical-xml").decode(m.body)[0] == expected.model_copy(
        update={"produced_at": get_adapter("canonical-xml").decode(m.body)[0].produced_at}
    )
    # the ordering key travels as a keyed digest, never as the identifier itself
    assert expected.ordering_key is not None
    assert m.headers["cjx-ordering-key"] == ordering_key_of(expected.ordering_key, "s3cret")
    assert expected.ordering_key not in json.dumps(dict(m.headers), default=str)
    assert service.ready
    await tap.close()


async def test_invalid_input_is_dead_lettered_with_original_bytes_and_report(
    broker: Broker, running: Any, unique: str
) -> None:
    """A permanent failure goes to <service>.dlq at once: same bytes, cjx-* headers, no retry."""
    name = f"{unique}-court"
    await running(inbound(name))
    dead = await Sink.on(broker, dlq_name(name))
    body = invalid_court_result(2)
    await publish(broker, "libra-spi", body, f"{unique}-bad", content_type="application/xml")
    (arrived,) = await dead.wait_for(1)
    m = arrived.message
    assert m.body == body
    assert m.message_id == f"{unique}-bad"
    assert m.content_type == "application/xml"
    assert m.headers[HEADER_ERROR_CODE] == "asn.check-character"
    assert m.headers[HEADER_ORIGINAL_EXCHANGE] == INBOUND
    assert m.headers[HEADER_ORIGINAL_ROUTING_KEY] == "libra-spi"
    assert HEADER_FAILED_AT in m.headers
    assert HEADER_ATTEMPT not in m.headers
    report = json.loads(m.headers[HEADER_ERROR_REPORT])
    assert "asn.check-character" in {i["code"] for i in report["issues"]}
    assert "1101ZD0100000448754" not in m.headers[HEADER_ERROR_REPORT]  # no personal data
    await dead.close()


@pytest.mark.own_vhost
async def test_unroutable_output_is_retried_then_dead_lettered(
    broker: Broker, running: Any, unique: str
) -> None:
    """Nothing bound for the output: an error, retried through wait queues, then dead-lettered."""
    name = f"{unique}-events"
    # a vhost of its own (or a fresh memory broker) has nothing bound to cjx.canonical: other
    # tests of the session bind every type, some with `#`
    body = (ROOT / "examples" / "hmpps-events" / "sentence-dates-changed.json").read_bytes()
    assert get_adapter("hmpps-events").validate(body).ok
    await running(inbound(name, "hmpps-events"))
    dead = await Sink.on(broker, dlq_name(name))
    await publish(broker, "hmpps-events", body, f"{unique}-u")
    (arrived,) = await dead.wait_for(1, timeout=30)
    m = arrived.message
    assert m.body == body
    assert m.headers[HEADER_ERROR_CODE] == "service.retries-exhausted"
    assert m.headers[HEADER_ATTEMPT] == FAST_RETRY.attempts
    assert m.headers[HEADER_ORIGINAL_EXCHANGE] == INBOUND
    await dead.close()


class Flaky(Adapter):
    """libra-spi that fails transiently the first ``failures`` times it sees each message."""

    name: ClassVar[str] = "flaky-test"
    media_type: ClassVar[str] = "application/xml"
    extension: ClassVar[str] = ".xml"
    decodes: ClassVar[frozenset[str]] = frozenset({"court.case-resulted"})
    encodes: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = "test adapter"
    failures: ClassVar[int] = 2
    seen: ClassVar[dict[bytes, int]] = {}

    def sniff(self, data: bytes) -> bool:
        return False

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        count = self.seen.get(data, 0) + 1
        self.seen[data] = count
        if count <= self.failures:
            raise TransientError("the lookup service is down")
        return get_adapter("libra-spi").translate(data, source=source, clock=clock)

    def encode(self, envelope: Envelope[Any]) -> bytes:
        raise NotImplementedError


@pytest.mark.parametrize("failures", [2, 99])
async def test_transient_failure_retries_through_wait_queues(
    broker: Broker, running: Any, unique: str, failures: int
) -> None:
    """Clears after 2 attempts: delivered. Never clears: dead-lettered after the attempts."""
    flaky = Flaky()
    Flaky.failures = failures
    Flaky.seen.clear()  # the same bodies run on both brokers
    register(flaky)
    name = f"{unique}-flaky"
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    config = ServiceConfig(
        name=name, role="inbound", format="flaky-test", options=Options(retry=FAST_RETRY)
    )
    await running(config)
    dead = await Sink.on(broker, dlq_name(name))
    body = court_result(10_000 + failures)
    await publish(broker, "flaky-test", body, f"{unique}-f")
    if failures == 2:
        (arrived,) = await tap.wait_for(1, timeout=30)
        assert arrived.message.type == "court.case-resulted"
        assert Flaky.seen[body] == 3
        assert not await dead.quiet(0.3)
    else:
        (arrived,) = await dead.wait_for(1, timeout=30)
        assert arrived.message.body == body
        assert arrived.message.headers[HEADER_ATTEMPT] == FAST_RETRY.attempts
        assert arrived.message.headers[HEADER_ERROR_CODE] == "service.retries-exhausted"
        assert Flaky.seen[body] == FAST_RETRY.attempts + 1
        report = json.loads(arrived.message.headers[HEADER_ERROR_REPORT])
        assert "lookup service is down" in report["issues"][0]["message"]
    await tap.close()
    await dead.close()


async def test_redelivered_message_id_gives_no_second_output(
    broker: Broker, running: Any, unique: str
) -> None:
    """De-duplication on message_id: the same input twice yields one output."""
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "custody.prisoner-received.v1"))
    service = await running(inbound(f"{unique}-events", "hmpps-events"))
    body = prisoner_received(7, 1)
    await publish(broker, "hmpps-events", body, f"{unique}-same")
    await tap.wait_for(1)
    await publish(broker, "hmpps-events", body, f"{unique}-same")
    assert len(await tap.quiet(0.5)) == 1
    assert f"{unique}-same" in service.dedup
    await tap.close()


async def test_outbound_encodes_and_delivers_to_its_destination_queue(
    broker: Broker, running: Any, unique: str
) -> None:
    """inbound -> cjx.canonical -> outbound -> cjx.outbound -> <destination>.<format>."""
    await running(inbound(f"{unique}-court"))
    destination = f"{unique}-police"
    await running(
        outbound(f"{unique}-police-out", "libra-spi", ("court.case-resulted.v1",), destination)
    )
    sink = await Sink.on(broker, destination_queue("libra-spi", destination))
    await publish(broker, "libra-spi", court_result(3), f"{unique}-3")
    (arrived,) = await sink.wait_for(1)
    envelope = get_adapter("libra-spi").decode(court_result(3))[0]
    assert arrived.exchange == OUTBOUND
    assert arrived.routing_key == f"libra-spi.{destination}"
    assert arrived.message.message_id == str(envelope.message_id)
    assert arrived.message.content_type == "application/xml"
    again = get_adapter("libra-spi").decode(arrived.message.body)[0]
    assert again.body == envelope.body
    await sink.close()


async def test_per_key_order_with_concurrency(broker: Broker, running: Any, unique: str) -> None:
    """2,000 messages over 50 ordering keys at concurrency 16 come out in per-key order."""
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "custody.prisoner-received.v1"))
    await running(inbound(f"{unique}-events", "hmpps-events", concurrency=16, prefetch=64))
    sent: dict[str, list[str]] = {}
    for seq in range(2000):
        key = seq % 50
        message_id = f"{unique}-{seq}"
        sent.setdefault(noms(key), []).append(message_id)
        await publish(
            broker,
            "hmpps-events",
            prisoner_received(key, seq),
            message_id,
            correlation_id=message_id,
        )
    arrived = await tap.wait_for(2000, timeout=120)
    got: dict[str, list[str]] = {}
    for a in arrived:
        body = get_adapter("canonical-xml").decode(a.message.body)[0]
        got.setdefault(str(body.body.noms_number), []).append(a.message.correlation_id or "")
    assert got == sent
    await tap.close()


def test_report_header_is_capped() -> None:
    """A report of thousands of issues fits the header cap and says how many it left out."""
    from cjx.errors import error
    from cjx.service import REPORT_HEADER_LIMIT, report_header

    report = Report("x", tuple(error("schema.content", f"/a[{n}]", "m" * 50) for n in range(5000)))
    text = report_header(report)
    assert len(text.encode()) <= REPORT_HEADER_LIMIT
    document = json.loads(text)
    assert document["omitted"] == 5000 - len(document["issues"])
    assert document["issues"][0]["path"] == "/a[0]"


async def test_stop_finishes_in_flight_and_returns_the_rest(
    broker: Broker, running: Any, unique: str
) -> None:
    """Graceful stop: in-flight inputs are published and acked; nothing is left unsettled."""
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "custody.prisoner-received.v1"))
    config = inbound(f"{unique}-events", "hmpps-events")
    service = Service(config, broker)
    await service.start()
    for seq in range(300):
        await publish(broker, "hmpps-events", prisoner_received(seq % 7, seq), f"{unique}-{seq}")
    await tap.wait_for(20)
    assert await service.stop(grace=20)
    assert service.in_flight == 0
    first = len(await tap.quiet(0.3))
    # a second service instance takes the rest: nothing lost, nothing twice
    again = Service(config, broker)
    await again.start()
    arrived = await tap.wait_for(300, timeout=60)
    await tap.quiet(0.3)
    ids = [a.message.message_id for a in tap.arrived]
    assert len(ids) == len(set(ids)) == 300, (first, len(arrived))
    await again.stop(grace=10)
    await tap.close()


async def test_dead_letter_falls_back_to_the_overflow_queue(
    broker: Broker, running: Any, unique: str
) -> None:
    """With the dlq gone, a dead letter lands in <service>.dlq-overflow: never dropped."""
    name = f"{unique}-court"
    await running(inbound(name))
    await broker.delete_queue(dlq_name(name))
    overflow = await Sink.on(broker, overflow_name(name))
    body = invalid_court_result(9)
    await publish(broker, "libra-spi", body, f"{unique}-o")
    (arrived,) = await overflow.wait_for(1)
    assert arrived.message.body == body
    assert arrived.message.headers[HEADER_ERROR_CODE] == "asn.check-character"
    await overflow.close()


def test_carried_headers_are_capped_and_the_broker_s_left_out() -> None:
    """A retry or dead-letter copy never carries an oversized header frame."""
    from cjx.service._runtime import CARRIED_HEADERS_LIMIT, _carried

    headers = {"big": "x" * 200_000, "small": "ok", "x-death": [{}], "x-custom": 1}
    carried = _carried(headers)
    assert "big" not in carried
    assert carried["small"] == "ok"
    assert carried["x-custom"] == 1
    assert "x-death" not in carried
    assert carried["cjx-headers-dropped"] == ["big"]
    assert len(repr(carried)) < CARRIED_HEADERS_LIMIT


def test_a_replay_is_new_only_to_the_service_it_came_from() -> None:
    """Another service that sees a replay on a shared exchange still de-duplicates it."""
    from cjx.service import HEADER_REPLAYED_AT, HEADER_REPLAYED_FROM

    broker = MemoryBroker()
    mine = Service(inbound("court"), broker)
    other = Service(inbound("court-copy"), broker)

    class D(Delivery):
        async def ack(self) -> bool:
            return True

        async def nack(self, *, requeue: bool) -> bool:
            return True

    replay = {HEADER_REPLAYED_AT: "2026-11-26T17:00:00", HEADER_REPLAYED_FROM: "court.dlq"}
    delivery = D(
        Message(body=b"x", message_id="m", headers=replay),
        exchange=INBOUND,
        routing_key="libra-spi",
        queue="q",
        redelivered=False,
    )
    assert mine._dedup_key(delivery) == "m@replay:2026-11-26T17:00:00"
    assert other._dedup_key(delivery) == "m"
