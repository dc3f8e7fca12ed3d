"""The broker contract: every test runs on the memory broker and on the real RabbitMQ (3.10).

Same assertions on both. Where they disagree, RabbitMQ is right and the memory broker changes.
Every exchange and queue name starts with the test's ``unique`` prefix. Timeouts everywhere: a
broken broker fails a test, it never hangs it.

The last section holds the memory broker's own rules (its test hook, its stricter settling), which
have no RabbitMQ counterpart to compare with.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from tests import rabbit

from cjx.errors import ConfigurationError
from cjx.transport import (
    Binding,
    Broker,
    Delivery,
    Exchange,
    MemoryBroker,
    Message,
    Queue,
    Topology,
    TransportError,
    Unroutable,
    open_broker,
)

TIMEOUT = 5.0


# -- helpers ------------------------------------------------------------------------------------


async def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def length_becomes(broker: Broker, queue: str, count: int, timeout: float = TIMEOUT) -> None:
    """Poll the queue's length until it is ``count``: a settle on one channel and a passive
    declare on another are not ordered, so the broker may answer with the old length first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (length := await broker.queue_length(queue)) != count:
        if loop.time() > deadline:
            raise AssertionError(f"{queue} holds {length} messages, not {count}, after {timeout} s")
        await asyncio.sleep(0.02)


async def next_message(broker: Broker, queue: str, timeout: float = TIMEOUT) -> Delivery:
    """``get`` until a message is there (dead letters and expiries arrive asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        delivery = await broker.get(queue)
        if delivery is not None:
            return delivery
        if loop.time() > deadline:
            raise AssertionError(f"nothing arrived in {queue} within {timeout} s")
        await asyncio.sleep(0.02)


async def drain(broker: Broker, queue: str) -> list[Delivery]:
    """Every ready message, acknowledged."""
    taken = []
    while (delivery := await broker.get(queue)) is not None:
        taken.append(delivery)
        assert await delivery.ack()
    return taken


class Collector:
    """A handler that keeps its deliveries; acks them at once when ``auto_ack``."""

    def __init__(self, *, auto_ack: bool = False) -> None:
        self.deliveries: list[Delivery] = []
        self.auto_ack = auto_ack
        self._tasks: set[asyncio.Task[bool]] = set()

    def __call__(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if self.auto_ack:
            task = asyncio.get_running_loop().create_task(delivery.ack())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @property
    def bodies(self) -> list[bytes]:
        return [d.message.body for d in self.deliveries]

    async def wait_for(self, count: int, timeout: float = TIMEOUT) -> None:
        await wait_until(lambda: len(self.deliveries) >= count, timeout)


def user_headers(delivery: Delivery) -> dict[str, Any]:
    return {k: v for k, v in delivery.message.headers.items() if not k.startswith("x-")}


async def declare_queue(broker: Broker, name: str, **arguments: Any) -> str:
    await broker.declare(Topology(queues=(Queue(name, arguments),)))
    return name


async def declare_routed(
    broker: Broker, exchange: str, bindings: dict[str, list[str]], **arguments: Any
) -> None:
    """A topic exchange and queues bound to it: ``{queue: [binding key, ...]}``."""
    await broker.declare(
        Topology(
            exchanges=(Exchange(exchange),),
            queues=tuple(Queue(q, arguments) for q in bindings),
            bindings=tuple(
                Binding(q, exchange, key) for q, keys in bindings.items() for key in keys
            ),
        )
    )


async def lose_connection(broker: Broker, request: pytest.FixtureRequest) -> None:
    """Kill the broker's connection: the memory test hook, or RabbitMQ closing it."""
    if isinstance(broker, MemoryBroker):
        await broker.simulate_connection_loss()
    else:
        vhost = request.getfixturevalue("amqp_vhost")
        await asyncio.to_thread(rabbit.close_connections, vhost)


def quorum(**arguments: Any) -> dict[str, Any]:
    return {"x-queue-type": "quorum", **arguments}


# -- routing ------------------------------------------------------------------------------------


async def test_topic_routing_with_star_and_hash(broker: Broker, unique: str) -> None:
    exchange = f"{unique}.topic"
    patterns = {
        f"{unique}.star": ["a.*"],
        f"{unique}.a-hash": ["a.#"],
        f"{unique}.hash": ["#"],
        f"{unique}.mid": ["*.b.*"],
        f"{unique}.exact": ["a.b.c"],
        f"{unique}.tail": ["#.c"],
        f"{unique}.two": ["x.*", "*.y"],  # two bindings that both match x.y: one copy
    }
    await declare_routed(broker, exchange, patterns)
    for key in ["a", "a.b", "a.b.c", "x.b.y", "c", "x.y", "b"]:
        await broker.publish(exchange, key, Message(key.encode()), mandatory=False)

    got = {q: sorted(d.message.body.decode() for d in await drain(broker, q)) for q in patterns}
    assert got == {
        f"{unique}.star": ["a.b"],
        f"{unique}.a-hash": ["a", "a.b", "a.b.c"],
        f"{unique}.hash": ["a", "a.b", "a.b.c", "b", "c", "x.b.y", "x.y"],
        f"{unique}.mid": ["a.b.c", "x.b.y"],
        f"{unique}.exact": ["a.b.c"],
        f"{unique}.tail": ["a.b.c", "c"],
        f"{unique}.two": ["x.y"],
    }


async def test_topic_empty_routing_key_has_no_words(broker: Broker, unique: str) -> None:
    """RabbitMQ splits ``""`` into zero words: ``*`` does not match it, ``#`` does."""
    exchange = f"{unique}.topic"
    await declare_routed(broker, exchange, {f"{unique}.star": ["*"], f"{unique}.hash": ["#"]})
    await broker.publish(exchange, "", Message(b"empty"))
    assert await broker.queue_length(f"{unique}.star") == 0
    assert await broker.queue_length(f"{unique}.hash") == 1


async def test_default_exchange_routes_by_queue_name(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    await broker.publish("", queue, Message(b"direct"))
    delivery = await next_message(broker, queue)
    assert delivery.message.body == b"direct"
    assert delivery.exchange == ""
    assert delivery.routing_key == queue
    assert delivery.queue == queue
    assert await delivery.ack()


async def test_mandatory_unroutable_raises(broker: Broker, unique: str) -> None:
    exchange = f"{unique}.topic"
    await declare_routed(broker, exchange, {f"{unique}.q": ["only.this"]})
    with pytest.raises(Unroutable) as caught:
        await broker.publish(exchange, "something.else", Message(b"x"))
    assert (caught.value.exchange, caught.value.routing_key) == (exchange, "something.else")
    with pytest.raises(Unroutable):
        await broker.publish("", f"{unique}.no-such-queue", Message(b"x"))
    # not mandatory: dropped quietly
    await broker.publish(exchange, "something.else", Message(b"x"), mandatory=False)
    # and the broker carries on
    await broker.publish(exchange, "only.this", Message(b"y"))
    assert await broker.queue_length(f"{unique}.q") == 1


async def test_publish_to_missing_exchange_raises(broker: Broker, unique: str) -> None:
    with pytest.raises(TransportError):
        await asyncio.wait_for(
            broker.publish(f"{unique}.no-such-exchange", "k", Message(b"x")), TIMEOUT
        )
    # RabbitMQ closed the channel (404); the broker must carry on
    queue = await declare_queue(broker, f"{unique}.q")
    await asyncio.wait_for(broker.publish("", queue, Message(b"after")), TIMEOUT)
    assert (await next_message(broker, queue)).message.body == b"after"


# -- messages -----------------------------------------------------------------------------------

HEADERS: dict[str, Any] = {
    "int": 7,
    "negative": -3,
    "large": 2**40,
    "str": "text ü",
    "bytes": b"\x00\xffraw",
    "true": True,
    "false": False,
    "list": [1, "two", b"3", [True, 4]],
    "table": {"k": "v", "n": 1},
}


@pytest.mark.parametrize("kind", ["classic", "quorum"])
async def test_properties_round_trip(broker: Broker, unique: str, kind: str) -> None:
    arguments = quorum() if kind == "quorum" else {}
    queue = await declare_queue(broker, f"{unique}.q", **arguments)
    sent = Message(
        b"\x00body\xff",
        message_id="m-1",
        correlation_id="c-1",
        content_type="application/xml",
        type="cjx.test",
        headers=HEADERS,
    )
    await broker.publish("", queue, sent)
    delivery = await next_message(broker, queue)
    got = delivery.message
    assert got.body == sent.body
    assert (got.message_id, got.correlation_id, got.content_type, got.type) == (
        "m-1",
        "c-1",
        "application/xml",
        "cjx.test",
    )
    assert got.persistent is True
    assert user_headers(delivery) == HEADERS
    headers = got.headers
    assert type(headers["bytes"]) is bytes
    assert type(headers["list"][2]) is bytes
    assert type(headers["true"]) is bool
    assert type(headers["false"]) is bool
    assert type(headers["list"][3][0]) is bool
    assert type(headers["int"]) is int
    assert delivery.redelivered is False


async def test_absent_properties_stay_absent(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    await broker.publish("", queue, Message(b"bare"))
    got = (await next_message(broker, queue)).message
    assert (got.message_id, got.correlation_id, got.content_type, got.type) == (None,) * 4
    assert dict(got.headers) == {}


async def test_persistent_flag(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    await broker.publish("", queue, Message(b"default"))
    await broker.publish("", queue, Message(b"transient", persistent=False))
    await broker.publish("", queue, Message(b"durable", persistent=True))
    got = {d.message.body: d.message.persistent for d in await drain(broker, queue)}
    assert got == {b"default": True, b"transient": False, b"durable": True}


async def test_publishes_beyond_the_confirm_window_all_confirm(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    count = 600  # more than DEFAULT_CONFIRM_WINDOW in flight at once
    await asyncio.wait_for(
        asyncio.gather(*(broker.publish("", queue, Message(b"%d" % i)) for i in range(count))),
        20,
    )
    assert await broker.queue_length(queue) == count


# -- consuming ----------------------------------------------------------------------------------


async def test_prefetch_bounds_unsettled_deliveries(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    held: list[Delivery] = []
    unsettled = 0
    most = 0

    def handler(delivery: Delivery) -> None:
        nonlocal unsettled, most
        unsettled += 1
        most = max(most, unsettled)
        held.append(delivery)

    await broker.consume(queue, handler, prefetch=3)
    for i in range(10):
        await broker.publish("", queue, Message(b"%d" % i))
    await wait_until(lambda: len(held) >= 3)
    await asyncio.sleep(0.3)
    assert len(held) == 3
    assert await broker.queue_length(queue) == 7

    for done in range(10):
        await wait_until(lambda done=done: len(held) > done)  # type: ignore[misc]
        unsettled -= 1  # before the ack: the next delivery may follow it at once
        assert await held[done].ack()
    assert most == 3
    assert [d.message.body for d in held] == [b"%d" % i for i in range(10)]


async def test_one_consumer_sees_delivery_order(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q", **quorum())
    collector = Collector(auto_ack=True)
    await broker.consume(queue, collector, prefetch=5)
    expected = [b"%03d" % i for i in range(50)]
    for body in expected:
        await broker.publish("", queue, Message(body))
    await collector.wait_for(50)
    assert collector.bodies == expected


async def test_ack_removes(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    await broker.publish("", queue, Message(b"once"))
    delivery = await next_message(broker, queue)
    assert await broker.queue_length(queue) == 0
    assert await delivery.ack() is True
    await asyncio.sleep(0.1)
    assert await broker.get(queue) is None
    assert await broker.queue_length(queue) == 0


@pytest.mark.parametrize("kind", ["classic", "quorum"])
async def test_nack_requeue_redelivers(broker: Broker, unique: str, kind: str) -> None:
    arguments = quorum() if kind == "quorum" else {}
    queue = await declare_queue(broker, f"{unique}.q", **arguments)
    collector = Collector()
    await broker.consume(queue, collector, prefetch=1)
    await broker.publish("", queue, Message(b"again", message_id="m-1"))
    await collector.wait_for(1)
    first = collector.deliveries[0]
    assert first.redelivered is False
    assert await first.nack(requeue=True) is True
    await collector.wait_for(2)
    second = collector.deliveries[1]
    assert second.redelivered is True
    assert (second.message.body, second.message.message_id) == (b"again", "m-1")
    # RabbitMQ 3.10: a quorum queue's consumer sees x-delivery-count once the message came back
    assert "x-delivery-count" not in first.message.headers
    if kind == "quorum":
        assert second.message.headers["x-delivery-count"] == 1
    else:
        assert "x-delivery-count" not in second.message.headers
    assert await second.ack()


@pytest.mark.parametrize("kind", ["classic", "quorum"])
async def test_requeue_position(broker: Broker, unique: str, kind: str) -> None:
    """Classic queues put a nacked message back where it was; quorum queues (3.10) at the back."""
    arguments = quorum() if kind == "quorum" else {}
    queue = await declare_queue(broker, f"{unique}.q", **arguments)
    for body in [b"A", b"B", b"C"]:
        await broker.publish("", queue, Message(body))
    a = await next_message(broker, queue)
    b = await next_message(broker, queue)
    assert await b.nack(requeue=True)
    assert await a.nack(requeue=True)
    order = [(d.message.body, d.redelivered) for d in await drain(broker, queue)]
    if kind == "quorum":
        assert order == [(b"C", False), (b"B", True), (b"A", True)]
    else:
        assert order == [(b"A", True), (b"B", True), (b"C", False)]


async def test_consumers_take_turns(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    first, second = Collector(auto_ack=True), Collector(auto_ack=True)
    await broker.consume(queue, first, prefetch=1)
    await broker.consume(queue, second, prefetch=1)
    for i in range(20):
        await broker.publish("", queue, Message(b"%d" % i))
    await wait_until(lambda: len(first.deliveries) + len(second.deliveries) == 20)
    assert first.deliveries
    assert second.deliveries


async def test_cancel_stops_dispatch(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    collector = Collector()
    tag = await broker.consume(queue, collector, prefetch=10)
    await broker.publish("", queue, Message(b"before"))
    await collector.wait_for(1)
    await broker.cancel(tag)
    await broker.publish("", queue, Message(b"after"))
    await asyncio.sleep(0.3)
    assert collector.bodies == [b"before"]
    assert await broker.queue_length(queue) == 1
    # what was handed out before the cancel is still the handler's to settle
    assert await collector.deliveries[0].ack() is True
    assert (await next_message(broker, queue)).message.body == b"after"


# -- dead lettering -----------------------------------------------------------------------------


async def test_nack_without_requeue_dead_letters(broker: Broker, unique: str) -> None:
    source, dlx = f"{unique}.src", f"{unique}.dlx"
    work, dlq = f"{unique}.work", f"{unique}.dlq"
    await broker.declare(
        Topology(
            exchanges=(Exchange(source), Exchange(dlx)),
            queues=(Queue(work, {"x-dead-letter-exchange": dlx}), Queue(dlq)),
            bindings=(Binding(work, source, "k.#"), Binding(dlq, dlx, "#")),
        )
    )
    body = bytes(range(256)) * 4
    sent = Message(
        body,
        message_id="m-1",
        correlation_id="c-1",
        content_type="application/octet-stream",
        type="t",
        headers={"keep": "me", "n": 1},
        persistent=True,
    )
    await broker.publish(source, "k.1", sent)
    delivery = await next_message(broker, work)
    assert await delivery.nack(requeue=False) is True

    dead = await next_message(broker, dlq)
    got = dead.message
    assert got.body == body
    assert (got.message_id, got.correlation_id, got.content_type, got.type, got.persistent) == (
        "m-1",
        "c-1",
        "application/octet-stream",
        "t",
        True,
    )
    assert user_headers(dead) == {"keep": "me", "n": 1}
    assert (dead.exchange, dead.routing_key, dead.redelivered) == (dlx, "k.1", False)
    [death] = got.headers["x-death"]
    assert isinstance(death.pop("time"), dt.datetime)
    assert death == {
        "count": 1,
        "reason": "rejected",
        "queue": work,
        "exchange": source,
        "routing-keys": ["k.1"],
    }
    assert got.headers["x-first-death-reason"] == "rejected"
    assert got.headers["x-first-death-queue"] == work
    assert got.headers["x-first-death-exchange"] == source
    assert await broker.queue_length(work) == 0


async def test_second_death_in_the_same_queue_counts(broker: Broker, unique: str) -> None:
    """RabbitMQ increments the matching x-death entry, keeping its first exchange and key."""
    first_source, second_source = f"{unique}.one", f"{unique}.two"
    work, sink = f"{unique}.work", f"{unique}.sink"
    dead_letter = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": sink}
    await broker.declare(
        Topology(
            exchanges=(Exchange(first_source), Exchange(second_source)),
            queues=(Queue(work, dead_letter), Queue(sink)),
            bindings=(Binding(work, first_source, "#"), Binding(work, second_source, "#")),
        )
    )
    await broker.publish(first_source, "k1", Message(b"x"))
    assert await (await next_message(broker, work)).nack(requeue=False)
    once = await next_message(broker, sink)
    assert await once.ack()
    # a client sends it round again, x-death and all
    await broker.publish(second_source, "k2", once.message)
    assert await (await next_message(broker, work)).nack(requeue=False)
    twice = (await next_message(broker, sink)).message
    [death] = twice.headers["x-death"]
    assert (death["count"], death["reason"], death["queue"]) == (2, "rejected", work)
    assert (death["exchange"], death["routing-keys"]) == (first_source, ["k1"])
    assert twice.headers["x-first-death-exchange"] == first_source


async def test_queue_ttl_wait_queue_dead_letters_back(broker: Broker, unique: str) -> None:
    target, wait = f"{unique}.in", f"{unique}.retry.1"
    await broker.declare(
        Topology(
            queues=(
                Queue(target, quorum()),
                Queue(
                    wait,
                    {
                        "x-message-ttl": 200,
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": target,
                    },
                ),
            )
        )
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    await broker.publish("", wait, Message(b"later", message_id="m-1", headers={"cjx-attempt": 1}))
    assert await broker.queue_length(wait) == 1
    delivery = await next_message(broker, target)
    assert loop.time() - started >= 0.15
    assert await broker.queue_length(wait) == 0
    got = delivery.message
    assert (got.body, got.message_id, user_headers(delivery)) == (
        b"later",
        "m-1",
        {"cjx-attempt": 1},
    )
    assert (delivery.exchange, delivery.routing_key) == ("", target)
    [death] = got.headers["x-death"]
    assert (death["reason"], death["queue"], death["count"]) == ("expired", wait, 1)
    assert (death["exchange"], death["routing-keys"]) == ("", [wait])
    assert got.headers["x-first-death-reason"] == "expired"


async def test_automatic_dead_letter_cycle_is_dropped(broker: Broker, unique: str) -> None:
    """Two wait queues expiring into each other: RabbitMQ drops the message on the second lap."""
    one, two = f"{unique}.c1", f"{unique}.c2"

    def waits_into(other: str) -> dict[str, Any]:
        return {
            "x-message-ttl": 100,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": other,
        }

    await broker.declare(
        Topology(queues=(Queue(one, waits_into(two)), Queue(two, waits_into(one))))
    )
    await broker.publish("", one, Message(b"round"))
    await asyncio.sleep(0.8)
    assert await broker.queue_length(one) == 0
    assert await broker.queue_length(two) == 0


async def test_quorum_delivery_limit_dead_letters(broker: Broker, unique: str) -> None:
    work, dlx, dlq = f"{unique}.in", f"{unique}.dlx", f"{unique}.dlq"
    await broker.declare(
        Topology(
            exchanges=(Exchange(dlx),),
            queues=(
                Queue(
                    work,
                    quorum(
                        **{
                            "x-delivery-limit": 2,
                            "x-dead-letter-exchange": dlx,
                            "x-dead-letter-routing-key": "svc",
                        }
                    ),
                ),
                Queue(dlq),
            ),
            bindings=(Binding(dlq, dlx, "svc"),),
        )
    )
    await broker.publish("", work, Message(b"poison", message_id="m-1", headers={"h": 1}))
    seen: list[tuple[bool, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        delivery = await broker.get(work)
        if delivery is not None:
            seen.append((delivery.redelivered, delivery.message.headers.get("x-delivery-count")))
            assert await delivery.nack(requeue=True)
            continue
        dead = await broker.get(dlq)
        if dead is not None:
            break
        assert loop.time() < deadline, f"not dead-lettered after {seen}"
        await asyncio.sleep(0.02)
    # returned more than 2 times: the third return dead-letters it (basic.get says 0 at first)
    assert seen == [(False, 0), (True, 1), (True, 2)]
    got = dead.message
    assert (got.body, got.message_id) == (b"poison", "m-1")
    assert "x-delivery-count" not in got.headers
    assert user_headers(dead) == {"h": 1}
    assert (dead.exchange, dead.routing_key) == (dlx, "svc")
    [death] = got.headers["x-death"]
    assert (death["reason"], death["queue"], death["count"]) == ("delivery_limit", work, 1)
    assert (death["exchange"], death["routing-keys"]) == ("", [work])
    assert got.headers["x-first-death-reason"] == "delivery_limit"
    assert await broker.queue_length(work) == 0


# -- queue operations ---------------------------------------------------------------------------


async def test_get_queue_length_and_purge(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q")
    assert await broker.get(queue) is None
    for i in range(5):
        await broker.publish("", queue, Message(b"%d" % i))
    assert await broker.queue_length(queue) == 5
    taken = await next_message(broker, queue)
    assert taken.message.body == b"0"
    assert await broker.queue_length(queue) == 4  # handed out, not counted
    assert await broker.purge(queue) == 4
    assert await broker.queue_length(queue) == 0
    assert await taken.nack(requeue=True)  # purge leaves unsettled messages alone
    await length_becomes(broker, queue, 1)
    assert await broker.purge(queue) == 1


async def test_delete_quorum_queue_with_consumer(broker: Broker, unique: str) -> None:
    queue = await declare_queue(broker, f"{unique}.q", **quorum())
    collector = Collector()
    await broker.consume(queue, collector, prefetch=5)
    await broker.publish("", queue, Message(b"held"))
    await collector.wait_for(1)
    await broker.publish("", queue, Message(b"ready"))

    await asyncio.wait_for(broker.delete_queue(queue), TIMEOUT)
    # settling a delivery of the deleted queue does not fail
    assert isinstance(await collector.deliveries[0].ack(), bool)
    # the connection stays: the next operations work
    other = await declare_queue(broker, f"{unique}.other")
    await broker.publish("", other, Message(b"still here"))
    assert (await next_message(broker, other)).message.body == b"still here"
    with pytest.raises(Unroutable):
        await broker.publish("", queue, Message(b"gone"))
    # deleting what is not there is fine (RabbitMQ 3.10's queue.delete is idempotent)
    await broker.delete_queue(queue)


async def test_operations_on_a_missing_queue_raise(broker: Broker, unique: str) -> None:
    missing = f"{unique}.missing"
    for operation in (broker.get, broker.queue_length, broker.purge):
        with pytest.raises(TransportError):
            await asyncio.wait_for(operation(missing), TIMEOUT)
    with pytest.raises(TransportError):
        await asyncio.wait_for(broker.consume(missing, Collector(), prefetch=1), TIMEOUT)
    queue = await declare_queue(broker, f"{unique}.q")
    assert await broker.queue_length(queue) == 0


async def test_redeclare_is_idempotent_and_refuses_other_arguments(
    broker: Broker, unique: str
) -> None:
    queue, exchange = f"{unique}.q", f"{unique}.ex"
    topology = Topology(
        exchanges=(Exchange(exchange),),
        queues=(Queue(queue, quorum(**{"x-delivery-limit": 5})),),
        bindings=(Binding(queue, exchange, "k"),),
    )
    await broker.declare(topology)
    await broker.declare(topology)  # idempotent
    await broker.publish(exchange, "k", Message(b"kept"))
    await broker.declare(topology)
    assert await broker.queue_length(queue) == 1

    for other in (
        Queue(queue, quorum(**{"x-delivery-limit": 6})),
        Queue(queue, quorum()),
        Queue(queue),
    ):
        with pytest.raises(TransportError):
            await asyncio.wait_for(broker.declare(Topology(queues=(other,))), TIMEOUT)
        # RabbitMQ closed the channel (406); the broker carries on
        await asyncio.wait_for(broker.publish(exchange, "k", Message(b"after")), TIMEOUT)
    with pytest.raises(TransportError):
        await asyncio.wait_for(
            broker.declare(Topology(exchanges=(Exchange(exchange, "direct"),))), TIMEOUT
        )
    await asyncio.wait_for(broker.publish(exchange, "k", Message(b"after")), TIMEOUT)
    assert await broker.queue_length(queue) == 5
    assert (await next_message(broker, queue)).message.body == b"kept"


async def test_oversized_header_raises_and_the_broker_recovers(broker: Broker, unique: str) -> None:
    """A header frame over frame_max: RabbitMQ closes the connection; no hang, then reconnect."""
    queue = await declare_queue(broker, f"{unique}.q")
    collector = Collector(auto_ack=True)
    await broker.consume(queue, collector, prefetch=5)
    big = Message(b"x", headers={"report": "x" * 200 * 1024})
    with pytest.raises(TransportError):
        await asyncio.wait_for(broker.publish("", queue, big), 15)
    await wait_until(lambda: broker.ready, 15)
    await asyncio.wait_for(broker.publish("", queue, Message(b"small")), 15)
    await collector.wait_for(1, 15)  # the consumer was registered again
    assert collector.bodies == [b"small"]


async def test_lost_connection_returns_unsettled_deliveries(
    broker: Broker, unique: str, request: pytest.FixtureRequest
) -> None:
    classic = await declare_queue(broker, f"{unique}.classic")
    quorum_queue = await declare_queue(
        broker, f"{unique}.quorum", **quorum(**{"x-delivery-limit": 5})
    )
    collectors = {classic: Collector(), quorum_queue: Collector()}
    for queue, collector in collectors.items():
        await broker.consume(queue, collector, prefetch=2)
        for body in [b"A", b"B", b"C", b"D"]:
            await broker.publish("", queue, Message(body))
    for collector in collectors.values():
        await collector.wait_for(2)

    await lose_connection(broker, request)

    for queue, collector in collectors.items():
        await collector.wait_for(4, 15)  # redelivered to the consumer, registered again
        old, new = collector.deliveries[:2], collector.deliveries[2:4]
        assert [d.message.body for d in new] == [b"A", b"B"]
        assert all(d.redelivered for d in new)
        for delivery in old:
            assert await delivery.ack() is False  # its connection is gone
        if queue == quorum_queue:
            assert [d.message.headers["x-delivery-count"] for d in new] == [1, 1]
        for delivery in new:
            assert await delivery.ack() is True
        await collector.wait_for(6)
        assert [d.message.body for d in collector.deliveries[4:]] == [b"C", b"D"]
    await wait_until(lambda: broker.ready, 15)


# -- the memory broker's own rules ------------------------------------------------------------


@pytest.fixture
async def memory() -> Any:
    broker = MemoryBroker()
    await broker.connect()
    yield broker
    await broker.close()


async def test_memory_name_and_open_broker() -> None:
    broker = open_broker("memory://", confirm_window=4)
    assert isinstance(broker, MemoryBroker)
    assert isinstance(broker, Broker)
    assert broker.name == "memory://"
    readiness = [broker.ready]
    await broker.connect()
    readiness.append(broker.ready)
    await broker.close()
    readiness.append(broker.ready)
    assert readiness == [False, True, False]
    with pytest.raises(ConfigurationError):
        MemoryBroker(confirm_window=0)


async def test_memory_settling_twice_raises(memory: MemoryBroker) -> None:
    queue = await declare_queue(memory, "q")
    await memory.publish("", queue, Message(b"x"))
    delivery = await next_message(memory, queue)
    assert await delivery.ack()
    with pytest.raises(TransportError):
        await delivery.ack()
    with pytest.raises(TransportError):
        await delivery.nack(requeue=True)


async def test_memory_close_is_final(memory: MemoryBroker) -> None:
    queue = await declare_queue(memory, "q")
    await memory.publish("", queue, Message(b"x"))
    delivery = await next_message(memory, queue)
    await memory.close()
    assert await delivery.ack() is False  # handed back to the queue by the close
    with pytest.raises(TransportError):
        await memory.publish("", queue, Message(b"y"))
    with pytest.raises(TransportError):
        await memory.get(queue)
    with pytest.raises(TransportError):
        await memory.connect()
    await memory.close()


async def test_memory_lost_connection_counts_towards_the_delivery_limit(
    memory: MemoryBroker,
) -> None:
    await memory.declare(
        Topology(
            queues=(
                Queue(
                    "in",
                    quorum(
                        **{
                            "x-delivery-limit": 1,
                            "x-dead-letter-exchange": "",
                            "x-dead-letter-routing-key": "dlq",
                        }
                    ),
                ),
                Queue("dlq"),
            )
        )
    )
    await memory.publish("", "in", Message(b"x"))
    for count in (0, 1):
        delivery = await next_message(memory, "in")
        assert delivery.message.headers["x-delivery-count"] == count
        await memory.simulate_connection_loss()
        assert await delivery.ack() is False
    dead = await next_message(memory, "dlq")
    assert dead.message.headers["x-death"][0]["reason"] == "delivery_limit"
    assert await memory.queue_length("in") == 0


async def test_memory_deleted_queue_is_not_declared_again(memory: MemoryBroker) -> None:
    await declare_queue(memory, "kept")
    await declare_queue(memory, "gone")
    await memory.delete_queue("gone")
    await memory.simulate_connection_loss()
    assert await memory.queue_length("kept") == 0
    with pytest.raises(TransportError):
        await memory.queue_length("gone")


async def test_memory_deliveries_of_a_deleted_queue_settle_as_no_ops(memory: MemoryBroker) -> None:
    queue = await declare_queue(memory, "q")
    await memory.publish("", queue, Message(b"x"))
    delivery = await next_message(memory, queue)
    await memory.delete_queue(queue)
    assert await delivery.nack(requeue=True) is False
    assert await delivery.ack() is False


async def test_memory_requeued_message_keeps_its_expiry(memory: MemoryBroker) -> None:
    await memory.declare(
        Topology(
            queues=(
                Queue(
                    "wait",
                    {
                        "x-message-ttl": 100,
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": "sink",
                    },
                ),
                Queue("sink"),
            )
        )
    )
    await memory.publish("", "wait", Message(b"x"))
    delivery = await next_message(memory, "wait")
    await asyncio.sleep(0.2)  # overdue, but handed out: it does not expire
    assert await memory.queue_length("sink") == 0
    assert await delivery.nack(requeue=True)
    dead = await next_message(memory, "sink", timeout=0.5)
    assert dead.message.headers["x-death"][0]["reason"] == "expired"
    assert await memory.queue_length("wait") == 0


async def test_memory_handler_is_never_called_from_inside_publish(memory: MemoryBroker) -> None:
    queue = await declare_queue(memory, "q")
    stacks: list[list[str]] = []

    def handler(delivery: Delivery) -> None:
        stacks.append([frame.name for frame in traceback.extract_stack()])

    await memory.consume(queue, handler, prefetch=10)
    await memory.publish("", queue, Message(b"x"))
    await wait_until(lambda: bool(stacks))
    assert "publish" not in stacks[0]


async def test_memory_unsettled_delivery_repr_has_no_body(memory: MemoryBroker) -> None:
    queue = await declare_queue(memory, "q")
    await memory.publish("", queue, Message(b"SECRET-NAME", message_id="m-1"))
    delivery = await next_message(memory, queue)
    assert "SECRET" not in repr(delivery)
    assert "SECRET" not in repr(memory)
    assert "m-1" in repr(delivery)


async def test_memory_refuses_values_amqp_cannot_carry(memory: MemoryBroker) -> None:
    queue = await declare_queue(memory, "q")
    with pytest.raises(TransportError):
        await memory.publish("", queue, Message(b"x", headers={"set": {1, 2}}))
    with pytest.raises(TransportError):
        await memory.publish("", queue, Message(b"x", message_id="m" * 256))
    with pytest.raises(ConfigurationError):
        await memory.consume(queue, Collector(), prefetch=-1)


async def test_memory_handler_error_is_logged_and_dispatch_goes_on(
    memory: MemoryBroker, caplog: pytest.LogCaptureFixture
) -> None:
    queue = await declare_queue(memory, "q")
    seen: list[Delivery] = []

    def handler(delivery: Delivery) -> None:
        seen.append(delivery)
        if len(seen) == 1:
            raise RuntimeError("handler bug")

    await memory.consume(queue, handler, prefetch=10)
    await memory.publish("", queue, Message(b"SECRET-1"))
    await memory.publish("", queue, Message(b"SECRET-2"))
    await wait_until(lambda: len(seen) == 2)
    assert "stays unsettled" in caplog.text
    assert "SECRET" not in caplog.text
    assert await seen[0].ack() is True  # still the handler's to settle
