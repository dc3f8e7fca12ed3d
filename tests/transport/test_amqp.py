"""AmqpBroker against the real RabbitMQ: what only a real broker can show.

Reconnection after ``rabbitmqctl close_all_connections -p VHOST``, deliveries from before the loss,
publishing through an outage, oversized headers, quorum queue deletion, handler order, the confirm
window and header conversion. The contract suite (``test_contract.py``) covers the rest on both
brokers. Every test is bounded in time.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from tests import rabbit

from cjx.errors import TransportError
from cjx.transport import (
    Binding,
    Delivery,
    Exchange,
    Message,
    PublishRejected,
    Queue,
    Topology,
    Unroutable,
    open_broker,
)
from cjx.transport.amqp import AmqpBroker

pytestmark = [pytest.mark.amqp, pytest.mark.timeout(180)]

SECRET = "n0t-the-Passw0rd"
STEP = 30.0  # the bound of any single wait in these tests


async def wait_until(condition: Callable[[], bool], timeout: float = STEP) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        await asyncio.sleep(0.02)


def topology(unique: str, **arguments: object) -> Topology:
    return Topology(
        (Exchange(f"{unique}.ex"),),
        (Queue(f"{unique}.q", dict(arguments)),),
        (Binding(f"{unique}.q", f"{unique}.ex", "#"),),
    )


class ReadyWatch:
    """Samples ``ready`` on every turn of the event loop (a reconnect on loopback takes a few
    milliseconds, too short for polling with a sleep) and keeps the distinct values in order."""

    def __init__(self, broker: AmqpBroker) -> None:
        self.broker = broker
        self.seen: list[bool] = [broker.ready]
        self._task = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            if self.broker.ready != self.seen[-1]:
                self.seen.append(self.broker.ready)
            await asyncio.sleep(0)

    async def wait_for(self, *sequence: bool, timeout: float = STEP) -> None:
        await wait_until(lambda: self.seen[: len(sequence)] == list(sequence), timeout)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class Collector:
    """A handler that keeps every delivery (settling is up to the test unless ``ack``)."""

    def __init__(self, *, ack: bool = True) -> None:
        self.deliveries: list[Delivery] = []
        self.ack = ack
        self._tasks: set[asyncio.Task[bool]] = set()

    def __call__(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if self.ack:
            task = asyncio.ensure_future(delivery.ack())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @property
    def bodies(self) -> list[bytes]:
        return [d.message.body for d in self.deliveries]

    async def wait_for(self, count: int, timeout: float = STEP) -> None:
        await wait_until(lambda: len(self.deliveries) >= count, timeout)


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[AmqpBroker]:
    b = AmqpBroker(amqp_url, publish_timeout=STEP, reconnect_max_wait=2.0)
    await asyncio.wait_for(b.connect(), STEP)
    try:
        yield b
    finally:
        await asyncio.wait_for(b.close(), STEP)


@pytest.fixture
def own_vhost() -> Iterator[str]:
    """A vhost for tests that take permissions away (an outage only this test sees)."""
    with rabbit.own_vhost("cjx-amqp") as vhost:
        yield vhost


def chain(exc: BaseException) -> Iterator[BaseException]:
    current: BaseException | None = exc
    while current is not None:
        yield current
        current = current.__cause__ or current.__context__


# --- names, credentials and errors ---------------------------------------------------------------


async def test_the_password_is_never_in_the_name_or_repr() -> None:
    b = AmqpBroker(f"amqp://guest:{SECRET}@127.0.0.1:5672/somewhere")
    assert b.name == "amqp://guest:***@127.0.0.1:5672/somewhere"
    assert SECRET not in repr(b)
    assert not b.ready
    assert isinstance(open_broker(f"amqps://guest:{SECRET}@127.0.0.1/x"), AmqpBroker)


async def test_a_wrong_password_raises_transport_error_without_the_password(
    amqp_vhost: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    b = AmqpBroker(f"amqp://guest:{SECRET}@127.0.0.1:5672/{amqp_vhost}", connect_timeout=STEP)
    started = asyncio.get_running_loop().time()
    with pytest.raises(TransportError) as caught:
        await asyncio.wait_for(b.connect(), STEP)
    # refused credentials are not retried until the deadline
    assert asyncio.get_running_loop().time() - started < STEP / 2
    assert "***" in str(caught.value)
    for exc in chain(caught.value):
        assert SECRET not in str(exc)
        assert SECRET not in repr(exc)
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    await b.close()


async def test_amqps_speaks_tls_and_fails_cleanly_against_a_plain_port(amqp_vhost: str) -> None:
    b = AmqpBroker(f"amqps://guest:{SECRET}@127.0.0.1:5672/{amqp_vhost}", connect_timeout=2)
    with pytest.raises(TransportError) as caught:
        await asyncio.wait_for(b.connect(), STEP)
    assert SECRET not in str(caught.value)
    assert str(caught.value).startswith("could not connect to amqps://guest:***@127.0.0.1:5672/")


async def test_calls_before_connect_and_after_close_raise_transport_error(amqp_url: str) -> None:
    b = AmqpBroker(amqp_url)
    with pytest.raises(TransportError, match="connect"):
        await b.publish("", "x", Message(b"x"))
    await b.connect()
    assert b.ready
    await b.close()
    await b.close()  # idempotent
    assert not b.ready
    with pytest.raises(TransportError, match="closed"):
        await b.publish("", "x", Message(b"x"))


# --- publishing ----------------------------------------------------------------------------------


async def test_an_unroutable_mandatory_publish_raises_unroutable(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(Topology((Exchange(f"{unique}.ex"),)))
    with pytest.raises(Unroutable) as caught:
        await broker.publish(f"{unique}.ex", "nowhere", Message(b"x", message_id="m1"))
    assert (caught.value.exchange, caught.value.routing_key) == (f"{unique}.ex", "nowhere")
    # not mandatory: the broker drops it and confirms
    await broker.publish(f"{unique}.ex", "nowhere", Message(b"x"), mandatory=False)
    # the default exchange returns too
    with pytest.raises(Unroutable):
        await broker.publish("", f"{unique}.no-such-queue", Message(b"x"))
    assert broker.ready


async def test_returns_are_matched_to_their_publish_when_message_ids_repeat(
    broker: AmqpBroker, unique: str
) -> None:
    """aiormq matches a return by message_id: publishes sharing one must not overlap."""
    await broker.declare(topology(unique))
    results = await asyncio.gather(
        *(
            broker.publish(
                f"{unique}.ex" if i % 2 else "", f"k{i}", Message(b"x", message_id="same")
            )
            for i in range(20)
        ),
        return_exceptions=True,
    )
    for i, result in enumerate(results):
        if i % 2:
            assert result is None
        else:
            assert isinstance(result, Unroutable)
    assert await broker.queue_length(f"{unique}.q") == 10


async def test_a_nack_raises_publish_rejected(broker: AmqpBroker, unique: str) -> None:
    queue = f"{unique}.full"
    await broker.declare(
        Topology((), (Queue(queue, {"x-max-length": 1, "x-overflow": "reject-publish"}),))
    )
    await broker.publish("", queue, Message(b"first"))
    with pytest.raises(PublishRejected):
        await broker.publish("", queue, Message(b"second"))
    assert await broker.queue_length(queue) == 1


async def test_a_nack_moves_later_publishes_to_a_new_channel_without_failing_others(
    broker: AmqpBroker, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RabbitMQ 3.10 can keep nacking one channel's publishes to a quorum queue after a node
    loss (tests/transport/test_cluster.py reproduces it), so a nacked publish retires its
    channel: publishes in flight on it are still confirmed, and later ones go on a new one.
    A channel nacked again within the interval is replaced by the first publish after it."""
    from cjx.transport import amqp

    monkeypatch.setattr(amqp, "_NACK_REPLACE_SECONDS", 3600.0)  # no replacement by the clock
    full, open_ = f"{unique}.full", f"{unique}.open"
    await broker.declare(
        Topology(
            (),
            (Queue(full, {"x-max-length": 0, "x-overflow": "reject-publish"}), Queue(open_)),
        )
    )
    await broker.publish("", open_, Message(b"warm"))
    first = broker._channels["publish"]
    # many publishes in flight on the channel when the nack comes: none of them may fail
    others = [
        asyncio.ensure_future(broker.publish("", open_, Message(b"%d" % i))) for i in range(50)
    ]
    with pytest.raises(PublishRejected):
        await broker.publish("", full, Message(b"refused"))
    await asyncio.gather(*others)
    await broker.publish("", open_, Message(b"after"))
    assert broker._channels["publish"] is not first
    await wait_until(lambda: first.is_closed, STEP)  # closed once its publishes were done
    assert await broker.queue_length(open_) == 52
    # a second nack within the interval keeps the new channel (no churn on a full queue) ...
    second = broker._channels["publish"]
    with pytest.raises(PublishRejected):
        await broker.publish("", full, Message(b"refused again"))
    await broker.publish("", open_, Message(b"still on the second channel"))
    assert broker._channels["publish"] is second
    # ... and the first publish after the interval replaces it
    monkeypatch.setattr(amqp, "_NACK_REPLACE_SECONDS", 0.0)
    await broker.publish("", open_, Message(b"on a third channel"))
    assert broker._channels["publish"] is not second
    await wait_until(lambda: second.is_closed, STEP)
    assert await broker.queue_length(open_) == 54


async def test_a_refused_publish_with_an_ordering_key_is_sent_again_ahead_of_its_key(
    broker: AmqpBroker, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nacked publish that names an ordering key is sent again on new channels for a while,
    and the key's later publishes wait for it: they reach the queue in the order they began.
    A queue of one message with reject-publish refuses them until a reader makes room."""
    from cjx.transport import amqp

    monkeypatch.setattr(amqp, "_NACK_REPLACE_SECONDS", 0.1)
    queue = f"{unique}.one"
    await broker.declare(
        Topology((), (Queue(queue, {"x-max-length": 1, "x-overflow": "reject-publish"}),))
    )
    await broker.publish("", queue, Message(b"x"))  # the queue is full
    key = {"cjx-ordering-key": "0123456789abcdef0123456789abcdef"}
    first = asyncio.ensure_future(broker.publish("", queue, Message(b"a", headers=key)))
    await asyncio.sleep(0)  # begun first
    second = asyncio.ensure_future(broker.publish("", queue, Message(b"b", headers=key)))
    read: list[bytes] = []
    deadline = asyncio.get_running_loop().time() + STEP
    while len(read) < 3:  # make room, one message at a time, while both are refused
        assert asyncio.get_running_loop().time() < deadline, f"read only {read}"
        await asyncio.sleep(0.3)
        got = await broker.get(queue)
        if got is not None:
            read.append(got.message.body)
            assert await got.ack()
    await asyncio.gather(first, second)
    assert read == [b"x", b"a", b"b"]


async def test_a_refused_publish_without_an_ordering_key_is_not_sent_again(
    broker: AmqpBroker, unique: str
) -> None:
    queue = f"{unique}.one"
    await broker.declare(
        Topology((), (Queue(queue, {"x-max-length": 0, "x-overflow": "reject-publish"}),))
    )
    started = asyncio.get_running_loop().time()
    with pytest.raises(PublishRejected):
        await broker.publish("", queue, Message(b"no key"))
    assert asyncio.get_running_loop().time() - started < 1.0  # at once, not after replays


async def test_publishing_to_a_missing_exchange_raises_and_leaves_the_broker_usable(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique))
    sink = Collector()
    await broker.consume(f"{unique}.q", sink, prefetch=10)
    with pytest.raises(TransportError, match="NOT_FOUND"):
        await broker.publish(f"{unique}.missing", "k", Message(b"x"))
    await broker.publish(f"{unique}.ex", "k", Message(b"after"))
    await sink.wait_for(1)
    assert sink.bodies == [b"after"]
    assert broker.ready


async def test_a_publish_channel_closed_by_the_broker_is_reopened(
    broker: AmqpBroker, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exchange deleted after the broker checked it: RabbitMQ closes the publish channel."""
    await broker.declare(topology(unique))
    monkeypatch.setattr(broker, "_known_exchanges", {f"{unique}.gone"})  # skip the passive check
    with pytest.raises(TransportError, match="NOT_FOUND"):
        await broker.publish(f"{unique}.gone", "k", Message(b"x"))
    await broker.publish(f"{unique}.ex", "k", Message(b"after"))
    assert await broker.queue_length(f"{unique}.q") == 1


async def test_a_consumer_channel_closed_by_a_channel_error_is_registered_again(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique))
    sink = Collector()
    tag = await broker.consume(f"{unique}.q", sink, prefetch=10)
    watch = ReadyWatch(broker)
    try:
        # an ack of a delivery tag the channel never gave out: 406 PRECONDITION_FAILED
        slot = broker._consumers[tag].slot
        assert slot is not None
        await slot.underlay.basic_ack(424242)
        await watch.wait_for(True, False, True)
    finally:
        await watch.stop()
    await broker.publish(f"{unique}.ex", "k", Message(b"after"))
    await sink.wait_for(1)
    assert sink.bodies == [b"after"]


async def test_a_conflicting_declaration_raises_and_consumers_carry_on(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique, **{"x-queue-type": "quorum", "x-delivery-limit": 5}))
    sink = Collector()
    await broker.consume(f"{unique}.q", sink, prefetch=10)
    with pytest.raises(TransportError, match="PRECONDITION_FAILED"):
        await broker.declare(topology(unique, **{"x-queue-type": "quorum", "x-delivery-limit": 9}))
    # the failed declaration is not replayed after a reconnect, the consumer never noticed
    await broker.publish(f"{unique}.ex", "k", Message(b"x"))
    await sink.wait_for(1)
    assert broker.ready
    assert await broker.queue_length(f"{unique}.q") == 0


async def test_a_200_kib_header_raises_transport_error_and_the_broker_carries_on(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique))
    sink = Collector()
    await broker.consume(f"{unique}.q", sink, prefetch=10)
    huge = Message(b"x", headers={"cjx-error-report": "e" * 200 * 1024})
    with pytest.raises(TransportError, match="frame"):
        await asyncio.wait_for(broker.publish(f"{unique}.ex", "k", huge), STEP)
    await broker.publish(f"{unique}.ex", "k", Message(b"after"))
    await sink.wait_for(1)
    assert sink.bodies == [b"after"]


async def test_when_rabbitmq_closes_the_connection_for_a_huge_header_the_broker_reconnects(
    broker: AmqpBroker, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the size check, RabbitMQ answers with FRAME_ERROR and closes the connection."""
    await broker.declare(topology(unique))
    sink = Collector()
    await broker.consume(f"{unique}.q", sink, prefetch=10)
    monkeypatch.setattr(broker, "_check_frame_size", lambda *_: None)
    huge = Message(b"x", headers={"big": "e" * 200 * 1024})
    with pytest.raises(TransportError, match="FRAME_ERROR"):
        await asyncio.wait_for(broker.publish(f"{unique}.ex", "k", huge), STEP)
    await broker.publish(f"{unique}.ex", "k", Message(b"after"))  # waits for the reconnect
    await sink.wait_for(1)
    await wait_until(lambda: broker.ready)
    assert sink.bodies == [b"after"]


async def test_the_confirm_window_bounds_publishes_in_flight(
    amqp_url: str, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = AmqpBroker(amqp_url, confirm_window=4)
    await b.connect()
    try:
        await b.declare(topology(unique))
        inside = peak = 0
        original = b._publish

        async def counting(*args: object, **kwargs: object) -> None:
            nonlocal inside, peak
            inside += 1
            peak = max(peak, inside, b.unconfirmed)
            try:
                await original(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                inside -= 1

        monkeypatch.setattr(b, "_publish", counting)
        await asyncio.wait_for(
            asyncio.gather(
                *(b.publish(f"{unique}.ex", "k", Message(b"%d" % i)) for i in range(200))
            ),
            STEP,
        )
        assert peak == 4  # never more than the window, and the window is used
        assert b.unconfirmed == 0
        assert await b.queue_length(f"{unique}.q") == 200
    finally:
        await b.close()


# --- consuming -----------------------------------------------------------------------------------


async def test_two_thousand_messages_reach_the_handler_in_order(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique))
    expected = [b"%04d" % i for i in range(2000)]
    for body in expected:
        await broker.publish(f"{unique}.ex", "k", Message(body))
    sink = Collector()
    await broker.consume(f"{unique}.q", sink, prefetch=200)
    await sink.wait_for(2000, timeout=60)
    assert sink.bodies == expected


async def test_prefetch_limits_unsettled_deliveries_per_consumer(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique))
    for i in range(10):
        await broker.publish(f"{unique}.ex", "k", Message(b"%d" % i))
    sink = Collector(ack=False)
    await broker.consume(f"{unique}.q", sink, prefetch=3)
    await sink.wait_for(3)
    await asyncio.sleep(0.3)
    assert len(sink.deliveries) == 3
    assert await sink.deliveries[0].ack()
    await sink.wait_for(4)


async def test_cancel_stops_deliveries_and_leaves_handed_out_ones_to_settle(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique))
    sink = Collector(ack=False)
    tag = await broker.consume(f"{unique}.q", sink, prefetch=10)
    await broker.publish(f"{unique}.ex", "k", Message(b"one"))
    await sink.wait_for(1)
    await broker.cancel(tag)
    await broker.cancel(tag)  # a second cancel is harmless
    await broker.publish(f"{unique}.ex", "k", Message(b"two"))
    assert await sink.deliveries[0].ack() is True
    with pytest.raises(TransportError, match="settled already"):
        await sink.deliveries[0].ack()
    await asyncio.sleep(0.3)
    assert sink.bodies == [b"one"]
    assert await broker.queue_length(f"{unique}.q") == 1


async def test_get_purge_and_queue_length(broker: AmqpBroker, unique: str) -> None:
    await broker.declare(topology(unique))
    assert await broker.get(f"{unique}.q") is None
    for i in range(3):
        await broker.publish(f"{unique}.ex", "k", Message(b"%d" % i, message_id=f"m{i}"))
    got = await broker.get(f"{unique}.q")
    assert got is not None
    assert (got.message.body, got.exchange, got.routing_key, got.queue) == (
        b"0",
        f"{unique}.ex",
        "k",
        f"{unique}.q",
    )
    assert await broker.queue_length(f"{unique}.q") == 2
    assert await got.nack(requeue=True)
    assert await broker.purge(f"{unique}.q") == 3
    assert await broker.queue_length(f"{unique}.q") == 0
    with pytest.raises(TransportError, match="NOT_FOUND"):
        await broker.queue_length(f"{unique}.nothing")
    with pytest.raises(TransportError, match="NOT_FOUND"):
        await broker.get(f"{unique}.nothing")
    assert await broker.get(f"{unique}.q") is None  # the get channel was reopened


async def test_deleting_a_quorum_queue_with_a_consumer_works(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique, **{"x-queue-type": "quorum"}))
    sink = Collector(ack=False)
    await broker.consume(f"{unique}.q", sink, prefetch=10)
    await broker.publish(f"{unique}.ex", "k", Message(b"x"))
    await sink.wait_for(1)
    await asyncio.wait_for(broker.delete_queue(f"{unique}.q"), STEP)
    assert await sink.deliveries[0].ack() is False  # its queue is gone
    await asyncio.sleep(0.3)
    assert broker.ready  # the connection survived and no consumer is missing
    with pytest.raises(TransportError, match="NOT_FOUND"):
        await broker.queue_length(f"{unique}.q")


# --- properties and headers ----------------------------------------------------------------------


async def test_every_message_field_and_header_type_survives_the_round_trip(
    broker: AmqpBroker, unique: str
) -> None:
    await broker.declare(topology(unique))
    when = datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    headers = {
        "str": "Blackfriars Crown Court",
        "bytes": b"\x00\xff raw",
        "int": 7,
        "big": 2**40,
        "negative": -3,
        "bool": True,
        "none": None,
        "float": 0.1,
        "list": [1, "two", b"3"],
        "table": {"nested": {"deeper": "yes"}},
        "when": when,
    }
    sent = Message(
        b"<body/>",
        message_id="id-1",
        correlation_id="corr-1",
        content_type="application/xml",
        type="court.case-resulted.v1",
        headers=headers,
        persistent=False,
    )
    await broker.publish(f"{unique}.ex", "a.b", sent)
    got = await broker.get(f"{unique}.q")
    assert got is not None
    assert got.message == sent
    assert got.message.headers == headers
    assert type(got.message.headers["bytes"]) is bytes
    await broker.publish(f"{unique}.ex", "a.b", Message(b"p"))
    persistent = await broker.get(f"{unique}.q")
    assert persistent is not None
    assert persistent.message.persistent


async def test_a_header_amqp_cannot_carry_raises_transport_error(
    broker: AmqpBroker, unique: str
) -> None:
    with pytest.raises(TransportError, match="set"):
        await broker.publish("", unique, Message(b"x", headers={"bad": {1, 2}}))
    with pytest.raises(TransportError, match="64 bits"):
        await broker.publish("", unique, Message(b"x", headers={"bad": 2**64}))


async def test_x_death_reads_as_a_list_of_dicts_with_str_keys(
    broker: AmqpBroker, unique: str
) -> None:
    dlx, dlq = f"{unique}.dlx", f"{unique}.dlq"
    await broker.declare(
        Topology(
            (Exchange(dlx),),
            (Queue(dlq), Queue(f"{unique}.q", {"x-dead-letter-exchange": dlx})),
            (Binding(dlq, dlx, "#"),),
        )
    )
    await broker.publish("", f"{unique}.q", Message(b"x", message_id="m"))
    got = await broker.get(f"{unique}.q")
    assert got is not None
    assert await got.nack(requeue=False)
    await wait_until_length(broker, dlq, 1)
    dead = await broker.get(dlq)
    assert dead is not None
    (death,) = dead.message.headers["x-death"]
    assert isinstance(death, dict)
    assert all(isinstance(k, str) for k in death)
    assert (death["queue"], death["reason"], death["count"]) == (f"{unique}.q", "rejected", 1)
    assert isinstance(death["time"], datetime.datetime)
    assert death["routing-keys"] == [f"{unique}.q"]


async def wait_until_length(broker: AmqpBroker, queue: str, length: int) -> None:
    deadline = asyncio.get_running_loop().time() + STEP
    while await broker.queue_length(queue) != length:
        assert asyncio.get_running_loop().time() < deadline, f"{queue} never held {length}"
        await asyncio.sleep(0.05)


# --- reconnection --------------------------------------------------------------------------------


async def _close_connections(vhost: str) -> None:
    await asyncio.to_thread(rabbit.close_connections, vhost)


async def test_after_the_connections_are_closed_the_broker_reconnects_and_consumes_again(
    broker: AmqpBroker, unique: str, amqp_vhost: str
) -> None:
    await broker.declare(topology(unique, **{"x-queue-type": "quorum"}))
    sink = Collector()
    await broker.consume(f"{unique}.q", sink, prefetch=10)
    await broker.publish(f"{unique}.ex", "k", Message(b"before"))
    await sink.wait_for(1)
    watch = ReadyWatch(broker)
    try:
        await _close_connections(amqp_vhost)
        await watch.wait_for(True, False, True)
    finally:
        await watch.stop()

    await broker.publish(f"{unique}.ex", "k", Message(b"after"))
    await sink.wait_for(2)
    assert sink.bodies == [b"before", b"after"]
    # exactly one consumer, re-registered (quorum queues report their consumers with a delay)
    deadline = asyncio.get_running_loop().time() + STEP
    while (
        consumers := (await asyncio.to_thread(rabbit.unacked, amqp_vhost))[f"{unique}.q"][2]
    ) != 1:
        assert consumers == 0
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.5)


async def test_a_delivery_from_before_the_loss_cannot_be_settled_and_comes_again(
    broker: AmqpBroker, unique: str, amqp_vhost: str
) -> None:
    await broker.declare(topology(unique))
    sink = Collector(ack=False)
    await broker.consume(f"{unique}.q", sink, prefetch=10)
    await broker.publish(f"{unique}.ex", "k", Message(b"once", message_id="m-1"))
    await sink.wait_for(1)
    first = sink.deliveries[0]
    assert not first.redelivered

    await _close_connections(amqp_vhost)
    await wait_until(lambda: broker.ready and len(sink.deliveries) == 2)

    assert await first.ack() is False  # never raises; the broker delivers it again
    again = sink.deliveries[1]
    assert (again.message.body, again.message.message_id, again.redelivered) == (
        b"once",
        "m-1",
        True,
    )
    assert await again.ack() is True


async def test_a_publish_during_an_outage_waits_for_the_reconnect(
    own_vhost: str, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cjx.transport.amqp")
    b = AmqpBroker(rabbit.url_for(own_vhost), publish_timeout=STEP, reconnect_max_wait=1.0)
    await b.connect()
    try:
        await b.declare(topology(unique))
        sink = Collector()
        await b.consume(f"{unique}.q", sink, prefetch=10)

        # an outage: the vhost refuses connections until its permissions come back
        await asyncio.to_thread(rabbit.ctl, "clear_permissions", "-p", own_vhost, rabbit.USER)
        await _close_connections(own_vhost)
        await wait_until(lambda: not b.ready)
        publishing = asyncio.ensure_future(b.publish(f"{unique}.ex", "k", Message(b"patient")))
        await asyncio.sleep(1.5)
        assert not publishing.done()
        assert not b.ready

        await asyncio.to_thread(
            rabbit.ctl, "set_permissions", "-p", own_vhost, rabbit.USER, ".*", ".*", ".*"
        )
        await asyncio.wait_for(publishing, STEP)
        await sink.wait_for(1)
        await wait_until(lambda: b.ready)
        assert sink.bodies == [b"patient"]
    finally:
        await b.close()
    messages = [r.getMessage() for r in caplog.records]
    assert any("lost the connection" in m for m in messages)
    assert any("reconnected" in m for m in messages)
    assert all(f":{rabbit.PASSWORD}@" not in m for m in messages)
    assert any(":***@" in m for m in messages)


async def test_a_publish_that_outlasts_the_timeout_raises_transport_error(
    own_vhost: str, unique: str
) -> None:
    b = AmqpBroker(rabbit.url_for(own_vhost), publish_timeout=1.0, reconnect_max_wait=1.0)
    await b.connect()
    try:
        await b.declare(topology(unique))
        await asyncio.to_thread(rabbit.ctl, "clear_permissions", "-p", own_vhost, rabbit.USER)
        await _close_connections(own_vhost)
        await wait_until(lambda: not b.ready)
        with pytest.raises(TransportError, match="within 1 s"):
            await asyncio.wait_for(b.publish(f"{unique}.ex", "k", Message(b"x")), STEP)
    finally:
        await b.close()
