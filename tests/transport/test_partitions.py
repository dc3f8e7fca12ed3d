"""Partitioned services: the ordering key, partition routing, single active consumers, replicas
sharing partitions out and taking over in order. Each broker test runs on the memory broker and
on the real RabbitMQ (which needs the rabbitmq_consistent_hash_exchange plugin)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from tests import rabbit
from tests.messages import noms, prisoner_received
from tests.transport.helpers import Sink

from cjx.cli import main
from cjx.errors import ConfigurationError
from cjx.service import (
    HEADER_ORDERING_KEY,
    Options,
    Runner,
    Service,
    ServiceConfig,
    ordering_key_header,
    ordering_key_of,
    parse_config,
)
from cjx.transport import (
    CANONICAL,
    INBOUND,
    Broker,
    Delivery,
    MemoryBroker,
    Message,
    Queue,
    RetryPolicy,
    Topology,
    TransportError,
    partition_queue,
    service_topology,
)

SECRET = "test-ordering-secret"
FAST_RETRY = RetryPolicy(attempts=2, base_seconds=0.05, factor=2.0, cap_seconds=0.1)


@pytest.fixture(autouse=True)
def _consistent_hash_plugin(request: pytest.FixtureRequest) -> None:
    """The RabbitMQ half needs the consistent-hash exchange plugin: skip (fail under CI)
    without it, saying how to enable it."""
    if request.node.get_closest_marker("amqp") is not None:
        rabbit.require_plugin("rabbitmq_consistent_hash_exchange")


def _expected(identifier: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), identifier.encode(), hashlib.sha256).hexdigest()[:32]


# -- the ordering key --------------------------------------------------------------------------


def test_ordering_key_is_the_keyed_hmac_of_the_normalised_identifier() -> None:
    header = ordering_key_header("noms", " a1234bc ", SECRET)
    assert header == {HEADER_ORDERING_KEY: _expected("NOMS:A1234BC")}
    assert len(header[HEADER_ORDERING_KEY]) == 32
    assert ordering_key_of("NOMS:A1234BC", SECRET) == header[HEADER_ORDERING_KEY]
    # keyed: another secret gives another key, and a plain SHA-256 is not it
    assert ordering_key_header("NOMS", "A1234BC", "other")[HEADER_ORDERING_KEY] != _expected(
        "NOMS:A1234BC"
    )
    plain = hashlib.sha256(b"NOMS:A1234BC").hexdigest()
    assert not plain.startswith(header[HEADER_ORDERING_KEY])
    # an unknown scheme is only stripped and upper-cased in its name
    assert ordering_key_header("booking", " 12345 ", SECRET) == {
        HEADER_ORDERING_KEY: _expected("BOOKING:12345")
    }


def test_ordering_key_refuses_an_invalid_identifier_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="NOMS number") as caught:
        ordering_key_header("NOMS", "ZZ999", SECRET)
    assert "ZZ999" not in str(caught.value)
    with pytest.raises(ConfigurationError, match="CJX_ORDERING_SECRET"):
        ordering_key_header("NOMS", "A1234BC", "")


# -- configuration -----------------------------------------------------------------------------


def _document(**service: Any) -> dict[str, Any]:
    entry = {"name": "events-in", "role": "inbound", "format": "hmpps-events", **service}
    return {"broker": {"url": "memory://"}, "services": [entry]}


def test_partitions_and_the_secret_are_read_from_the_config() -> None:
    config = parse_config(_document(partitions=16), environ={"CJX_ORDERING_SECRET": "from-env"})
    assert config.service("events-in").partitions == 16
    assert config.ordering_secret == "from-env"
    assert "from-env" not in repr(config)
    document = _document()
    document["broker"]["ordering_secret"] = "from-file"
    assert parse_config(document, environ={}).ordering_secret == "from-file"
    for bad in (0, 257, "4", True):
        with pytest.raises(ConfigurationError, match="partitions must be a whole number"):
            parse_config(_document(partitions=bad), environ={})


def test_a_partitioned_service_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    config = parse_config(_document(partitions=4), environ={})
    with pytest.raises(ConfigurationError, match=r"ordering_secret or CJX_ORDERING_SECRET"):
        Runner(config)
    path = tmp_path / "cjx.toml"
    path.write_text(
        '[broker]\nurl = "memory://"\n[[services]]\nname = "events-in"\nrole = "inbound"\n'
        'format = "hmpps-events"\npartitions = 4\n'
    )
    assert main(["run", "--config", str(path)]) == 2


# -- the broker: routing and single active consumers ---------------------------------------------


async def test_partition_routing_by_key_else_by_message_id(broker: Broker, unique: str) -> None:
    """One ordering key always reaches one partition; inputs without one spread by message id."""
    name = f"{unique}-p"
    topology = service_topology(
        name, source_exchange=INBOUND, binding_keys=(name,), retry=FAST_RETRY, partitions=4
    )
    await broker.declare(topology)
    queues = [partition_queue(name, p) for p in range(4)]
    for person in range(12):
        headers = ordering_key_header("NOMS", noms(person), SECRET)
        for seq in range(3):
            body = f"{person}:{seq}".encode()
            await broker.publish(
                INBOUND, name, Message(body, f"{unique}-{person}-{seq}", headers=headers)
            )
    for n in range(40):
        await broker.publish(INBOUND, name, Message(b"no-key", f"{unique}-id-{n}"))
    where: dict[str, set[str]] = defaultdict(set)
    keyless: dict[str, str] = {}
    got: list[Delivery] = []
    for queue in queues:  # basic.get is refused on a single-active-consumer quorum queue
        await broker.consume(queue, got.append, prefetch=100)
    await _until(lambda: len(got) == 12 * 3 + 40)
    for delivery in got:
        if delivery.message.body == b"no-key":
            assert delivery.message.message_id is not None
            keyless[delivery.message.message_id] = delivery.queue
        else:
            where[delivery.message.body.split(b":")[0].decode()].add(delivery.queue)
        await delivery.ack()
    with pytest.raises(TransportError, match="single active consumer"):
        await broker.get(queues[0])
    assert len(where) == 12
    assert all(len(q) == 1 for q in where.values())
    assert len({next(iter(q)) for q in where.values()}) > 1  # 12 people over 4 partitions
    assert len(keyless) == 40
    assert len(set(keyless.values())) > 1
    for queue in queues:
        await broker.delete_queue(queue)


async def test_single_active_consumer_hands_over_in_order(broker: Broker, unique: str) -> None:
    """Only the first consumer gets messages; when it is released, what it held comes back
    first, in order, to the next one."""
    name = f"{unique}.sac"
    await broker.declare(
        Topology(
            queues=(Queue(name, {"x-queue-type": "quorum", "x-single-active-consumer": True}),)
        )
    )
    first: list[Delivery] = []
    second: list[Delivery] = []
    tag1 = await broker.consume(name, first.append, prefetch=3)
    await broker.consume(name, second.append, prefetch=10)
    assert await broker.consumer_count(name) == 1  # RabbitMQ 3.10 counts the active one only
    for n in range(6):
        await broker.publish("", name, Message(str(n).encode(), f"{unique}-{n}"))
    await _until(lambda: len(first) == 3)
    await asyncio.sleep(0.2)
    assert not second
    assert await first[0].ack()
    await _until(lambda: len(first) == 4)
    await broker.release(tag1)
    assert not await first[1].ack()  # its channel is gone: it comes again
    await _until(lambda: len(second) == 5)
    assert [d.message.body for d in second] == [b"1", b"2", b"3", b"4", b"5"]
    assert second[0].redelivered
    assert not second[-1].redelivered
    for delivery in second:
        await delivery.ack()
    await broker.delete_queue(name)


async def _until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


# -- replicas of a partitioned service -----------------------------------------------------------


@pytest.fixture
async def replica_brokers(broker: Broker, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A broker per replica: the one memory broker for all, or a connection each on RabbitMQ."""
    opened: list[Broker] = []

    async def another() -> Broker:
        if isinstance(broker, MemoryBroker):
            return broker
        from cjx.transport.amqp import AmqpBroker

        b = AmqpBroker(request.getfixturevalue("amqp_url"))
        await b.connect()
        opened.append(b)
        return b

    yield another
    for b in opened:
        await b.close()


def _config(name: str, partitions: int) -> ServiceConfig:
    return ServiceConfig(
        name=name,
        role="inbound",
        format="hmpps-events",
        options=Options(retry=FAST_RETRY, prefetch=16),
        partitions=partitions,
    )


async def test_replicas_share_partitions_and_take_over_in_order(
    broker: Broker, replica_brokers: Any, unique: str
) -> None:
    name = f"{unique}-ev"
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "custody.prisoner-received.v1"))
    replicas: list[Service] = []
    for _ in range(2):
        service = Service(_config(name, 4), await replica_brokers(), ordering_secret=SECRET)
        assert service.partitions is not None
        service.partitions.interval = 0.2
        await service.start()
        replicas.append(service)
    people, rounds = 20, 10

    async def send(first: int, last: int) -> None:
        for seq in range(first, last):
            for person in range(people):
                await broker.publish(
                    INBOUND,
                    "hmpps-events",
                    Message(
                        prisoner_received(person, seq),
                        f"{unique}-{person}-{seq}",
                        correlation_id=f"{person}:{seq}",
                        headers=ordering_key_header("NOMS", noms(person), SECRET),
                    ),
                )

    not_ready: list[int] = []

    async def watch() -> None:  # a share-out is not a missing consumer: ready throughout
        while True:
            if not all(r.ready for r in replicas):
                not_ready.append(1)
            await asyncio.sleep(0.005)

    watching = asyncio.create_task(watch())
    await send(0, rounds // 2)
    await asyncio.sleep(1.0)  # the first replica took every partition; it yields half
    await send(rounds // 2, rounds)
    await tap.wait_for(people * rounds, timeout=60)
    watching.cancel()
    yields = sum(r.partitions.yields for r in replicas if r.partitions is not None)
    assert yields >= 1, "the partitions were never shared out"
    assert not not_ready, "a replica was not ready while partitions were shared out"

    # one replica stops; the other takes its partitions over, in order
    await replicas[0].stop(grace=10)
    await send(rounds, rounds + 5)
    total = people * (rounds + 5)
    arrived = await tap.wait_for(total, timeout=60)
    arrived = await tap.quiet(0.5)
    seen: dict[int, list[int]] = defaultdict(list)
    for item in arrived:
        person, seq = (int(x) for x in str(item.message.correlation_id).split(":"))
        seen[person].append(seq)
        assert item.message.headers[HEADER_ORDERING_KEY] == _expected(f"NOMS:{noms(person)}")
    distinct = {(p, s) for p, seqs in seen.items() for s in seqs}
    assert len(distinct) == total, "an input was lost"
    for person, seqs in seen.items():
        firsts = list(dict.fromkeys(seqs))  # a redelivery may repeat, never reorder
        assert firsts == sorted(firsts), f"person {person} out of order"
    await replicas[1].stop(grace=10)
    await tap.close()


@pytest.mark.amqp
async def test_a_list_of_nodes_fails_over_to_a_live_one(amqp_url: str) -> None:
    """A cluster's nodes as a list: an attempt on a dead node moves on to the next."""
    from cjx.transport.amqp import AmqpBroker

    dead = amqp_url.replace("127.0.0.1:5672", "127.0.0.1:1")
    assert dead != amqp_url
    broker = AmqpBroker(f"{dead},{amqp_url}", connect_timeout=20)
    assert "guest:***@127.0.0.1:1/" in broker.name
    await broker.connect()
    try:
        assert broker.ready
    finally:
        await broker.close()


async def test_a_partitioned_services_dead_letters_replay_to_its_partitions(
    broker: Broker, unique: str
) -> None:
    """A partitioned service has no <service>.in: a replay enters by its route, keeps its
    ordering key, and the service takes it as its own (replay headers kept)."""
    from cjx.service import HEADER_REPLAYED_FROM
    from cjx.service import _dlq as dlq
    from cjx.transport import dlq_name

    name = f"{unique}-ev"
    service = Service(_config(name, 2), broker, ordering_secret=SECRET)
    await service.start()
    key = ordering_key_header("NOMS", noms(5), SECRET)
    await broker.publish(INBOUND, "hmpps-events", Message(b"{}", f"{unique}-bad", headers=key))

    async def letter() -> Message:
        deadline = asyncio.get_running_loop().time() + 20
        while (found := await dlq.show(broker, name, 1)) is None:
            assert asyncio.get_running_loop().time() < deadline, "no dead letter"
            await asyncio.sleep(0.1)
        return found[1]

    first = await letter()
    assert first.headers[HEADER_ORDERING_KEY] == key[HEADER_ORDERING_KEY]
    replayed = await dlq.replay(broker, name, dlq.Selection(everything=True), partitioned=True)
    assert len(replayed) == 1
    second = await letter()
    assert second.headers[HEADER_REPLAYED_FROM] == dlq_name(name)
    assert second.headers[HEADER_ORDERING_KEY] == key[HEADER_ORDERING_KEY]
    await service.stop(grace=5)
