"""Replicas of a partitioned service as real processes on the real RabbitMQ (issue 12, proof 2).

Four ``cjx run`` processes of one inbound service with 16 partitions, in a vhost of their own;
``CJX_REPLICA_MESSAGES`` inputs (20,000 by default) over a tenth as many people. Mid-run one
replica gets SIGKILL and is started again; later another gets SIGTERM (and must exit 0). Every
person's outputs come out in input order, nothing is lost (by distinct person and sequence), and
the duplicates are counted and printed: only inputs unacknowledged at the kill may repeat, so
there are at most as many as the partition queues had unacknowledged when the killed replica
was frozen (SIGSTOP) just before the kill.

The broker itself is not restarted (only the service processes are signalled), but the test
kills processes and runs for a minute or more, so it is marked ``fault`` with the others.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests import rabbit
from tests.messages import noms, prisoner_received
from tests.transport.helpers import Sink
from tests.transport.test_faults import ServiceProcess

from cjx.service import ordering_key_header
from cjx.transport import CANONICAL, INBOUND, Message, TransportError, partition_queue
from cjx.transport.amqp import AmqpBroker

pytestmark = [pytest.mark.amqp, pytest.mark.fault, pytest.mark.timeout(900)]


@pytest.fixture(autouse=True)
def _consistent_hash_plugin() -> None:
    rabbit.require_plugin("rabbitmq_consistent_hash_exchange")


SECRET = "replica-test-secret"
MESSAGES = int(os.environ.get("CJX_REPLICA_MESSAGES", "20000"))
PEOPLE = max(1, MESSAGES // 10)
PARTITIONS = 16
REPLICAS = 4


@pytest.fixture
def vhost() -> Iterator[str]:
    with rabbit.own_vhost("cjx-replicas") as name:
        yield name


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "replicas.toml"
    path.write_text(
        f'[broker]\nurl = "{url}"\nordering_secret = "{SECRET}"\n\n'
        "[options]\nretry_attempts = 3\nretry_base_seconds = 0.2\nretry_cap_seconds = 1.0\n\n"
        '[[services]]\nname = "events-in"\nrole = "inbound"\nformat = "hmpps-events"\n'
        f"partitions = {PARTITIONS}\n",
        encoding="utf-8",
    )
    return path


def _unacknowledged(vhost: str) -> int:
    out = subprocess.run(
        [
            "rabbitmqctl",
            "-q",
            "-p",
            vhost,
            "list_queues",
            "name",
            "messages_unacknowledged",
            "--formatter",
            "json",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    queues = {partition_queue("events-in", p) for p in range(PARTITIONS)}
    return sum(int(q["messages_unacknowledged"]) for q in json.loads(out) if q["name"] in queues)


async def _publish_all(publisher: AmqpBroker, progress: list[int]) -> None:
    """One input per person per round, concurrently; rounds in order (a failed publish is sent
    again before the next round, so each person's inputs leave in order)."""
    for seq in range(MESSAGES // PEOPLE):

        async def one(person: int, seq: int = seq) -> None:
            message = Message(
                prisoner_received(person, seq),
                f"replica-{person}-{seq}",
                correlation_id=f"{person}:{seq}",
                headers=ordering_key_header("NOMS", noms(person), SECRET),
            )
            for _ in range(20):
                try:
                    await publisher.publish(INBOUND, "hmpps-events", message)
                    progress[0] += 1
                    return
                except TransportError:
                    await asyncio.sleep(0.5)
            raise AssertionError("a publish never got through")

        await asyncio.gather(*(one(p) for p in range(PEOPLE)))


async def test_four_replicas_sixteen_partitions_kill_and_term(vhost: str, tmp_path: Path) -> None:
    started = time.monotonic()
    url = rabbit.url_for(vhost)
    config = _config(tmp_path, url)
    client = AmqpBroker(url)
    await client.connect()
    tap = await Sink.on(client, "replicas.tap", bind=(CANONICAL, "custody.prisoner-received.v1"))
    replicas = [ServiceProcess(config, tmp_path / f"replica-{n}.log") for n in range(REPLICAS)]
    try:
        for replica in replicas:
            await replica.wait_ready()
        progress = [0]
        sending = asyncio.create_task(_publish_all(client, progress))

        async def outputs_reach(count: float) -> None:
            deadline = time.monotonic() + 300
            while len(tap.arrived) < count:
                assert time.monotonic() < deadline, f"{len(tap.arrived)} outputs of {count}"
                await asyncio.sleep(0.1)

        # SIGKILL mid-run (frozen first, so its unacknowledged inputs are counted), restart
        await outputs_reach(MESSAGES * 0.3)
        victim = replicas[0]
        victim.process.send_signal(signal.SIGSTOP)
        await asyncio.sleep(0.5)
        unacked_at_kill = await asyncio.to_thread(_unacknowledged, vhost)
        victim.process.kill()
        victim.process.wait(30)
        victim.terminate()
        replicas[0] = ServiceProcess(config, tmp_path / "replica-0-again.log")
        await replicas[0].wait_ready()

        # SIGTERM to another: a clean stop, its partitions taken over in order
        await outputs_reach(MESSAGES * 0.6)
        assert await asyncio.to_thread(replicas[1].terminate) == 0, "SIGTERM was not clean"

        await asyncio.wait_for(sending, 300)
        expected = {(p, s) for p in range(PEOPLE) for s in range(MESSAGES // PEOPLE)}
        deadline = time.monotonic() + 300
        while {_key(a) for a in tap.arrived} < expected:
            assert time.monotonic() < deadline, "not every input came out"
            await asyncio.sleep(0.2)
        arrived = await tap.quiet(2.0)
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.terminate()
        await tap.close()
        await client.close()

    per_person: dict[int, list[int]] = defaultdict(list)
    for item in arrived:
        person, seq = _key(item)
        per_person[person].append(seq)
    distinct = {(p, s) for p, seqs in per_person.items() for s in seqs}
    assert distinct == expected, f"lost: {len(expected - distinct)}"
    for person, seqs in per_person.items():
        firsts = list(dict.fromkeys(seqs))
        assert firsts == sorted(firsts), f"person {person} out of order"
    duplicates = len(arrived) - len(distinct)
    assert duplicates <= unacked_at_kill, (
        f"{duplicates} duplicates, more than the {unacked_at_kill} inputs unacknowledged at "
        "the kill"
    )
    print(  # noqa: T201 - the figures are part of the test report (run with -s)
        f"\nreplicas: {MESSAGES} inputs over {PEOPLE} people, {REPLICAS} replicas x "
        f"{PARTITIONS} partitions; SIGKILL (restarted) and SIGTERM mid-run; nothing lost, "
        f"order kept; {duplicates} duplicate output(s) after the SIGKILL (at most "
        f"{unacked_at_kill} were unacknowledged then); {time.monotonic() - started:.0f} s"
    )


def _key(item: object) -> tuple[int, int]:
    person, seq = str(item.message.correlation_id).split(":")  # type: ignore[attr-defined]
    return int(person), int(seq)
