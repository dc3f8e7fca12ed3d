"""Dead-letter tools benchmark: ``cjx dlq list`` over N dead letters against raw aio-pika.

Run from the repository root (not part of the test suite; needs RabbitMQ at 127.0.0.1:5672 and
rabbitmqctl for a vhost of its own, which it deletes afterwards)::

    .venv/bin/python bench/dlq.py                 # 2,000 dead letters, 3 rounds
    .venv/bin/python bench/dlq.py --letters 500 --rounds 5

It fills ``bench-court.dlq`` (declared as cjx declares a dlq: a quorum queue) with N cjx dead
letters, then times, in alternating rounds:

a. raw get: aio-pika ``basic_get`` of every message, then ``nack(requeue=True)`` of each in
   order: what the dlq tools did before issue 13 (one round trip per message);
b. raw consume: aio-pika consumer with no prefetch limit taking every message, cancel, nack
   each in order: the floor for taking a whole queue without losing a message;
c. cjx list: ``list_dead_letters`` (consumer, then the sort that keeps positions stable);
d. cjx list --limit 10: the same with a limit (the whole queue is still read: see
   docs/operations.md).

Each figure is the median over rounds, with the ratio to (b). Load average printed: the machine
is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parent.parent
if str(REPO / "src") not in sys.path:
    sys.path.append(str(REPO / "src"))

import aio_pika  # noqa: E402

from cjx.service import (  # noqa: E402  # noqa: E402
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    Service,
    ServiceConfig,
)
from cjx.service import _dlq as dlq  # noqa: E402
from cjx.transport import Message, dlq_name  # noqa: E402
from cjx.transport.amqp import AmqpBroker  # noqa: E402

SERVICE: Final = "bench-court"
SAMPLE: Final = REPO / "examples" / "court" / "invalid-asn-check-character.xml"


def ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


async def fill(url: str, letters: int) -> None:
    broker = AmqpBroker(url)
    await broker.connect()
    try:
        await broker.declare(
            Service(ServiceConfig(SERVICE, "inbound", "libra-spi"), broker).topology
        )
        body = SAMPLE.read_bytes()
        report = json.dumps({"source": "bench", "issues": [{"code": "asn.check-character"}]})
        for n in range(letters):
            headers = {
                HEADER_ERROR_CODE: "asn.check-character",
                HEADER_ERROR_REPORT: report,
                HEADER_FAILED_AT: f"2026-12-04T10:00:00.{n:06d}+00:00",
            }
            await broker.publish(
                "", dlq_name(SERVICE), Message(body=body, message_id=f"m-{n}", headers=headers)
            )
    finally:
        await broker.close()


async def raw_get(url: str) -> int:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(dlq_name(SERVICE), ensure=False)
        taken = []
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            taken.append(message)
        for message in taken:
            await message.nack(requeue=True)
        return len(taken)
    finally:
        await connection.close()


async def raw_consume(url: str) -> int:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(dlq_name(SERVICE), ensure=False)
        expected = (await channel.declare_queue(dlq_name(SERVICE), passive=True)).declaration_result
        total = expected.message_count or 0
        taken: list[aio_pika.abc.AbstractIncomingMessage] = []
        done = asyncio.Event()

        async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            taken.append(message)
            if len(taken) >= total:
                done.set()

        tag = await queue.consume(handle)
        await done.wait()
        await queue.cancel(tag)
        for message in taken:
            await message.nack(requeue=True)
        return len(taken)
    finally:
        await connection.close()


async def cjx_list(url: str, limit: int | None) -> int:
    broker = AmqpBroker(url)
    await broker.connect()
    try:
        listing = await dlq.list_dead_letters(broker, SERVICE, limit=limit)
        return listing.total
    finally:
        await broker.close()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    vhost = f"cjx-bench-dlq-{uuid.uuid4().hex[:8]}"
    ctl("add_vhost", vhost)
    try:
        ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        url = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
        await fill(url, args.letters)
        variants = {
            "a raw get + nack": lambda: raw_get(url),
            "b raw consume + nack": lambda: raw_consume(url),
            "c cjx list": lambda: cjx_list(url, None),
            "d cjx list --limit 10": lambda: cjx_list(url, 10),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for round_ in range(args.rounds):
            for name, run in variants.items():
                started = time.perf_counter()
                seen = await run()
                times[name].append(time.perf_counter() - started)
                assert seen == args.letters, (name, seen)
            print(f"round {round_ + 1}: load {load()}")
        floor = statistics.median(times["b raw consume + nack"])
        print(f"{args.letters} dead letters, median of {args.rounds} rounds:")
        for name, values in times.items():
            median = statistics.median(values)
            print(
                f"  {name:<24} {median:6.2f} s  ({min(values):.2f}..{max(values):.2f})  "
                f"x{median / floor:.2f} of b"
            )
    finally:
        ctl("delete_vhost", vhost)


if __name__ == "__main__":
    asyncio.run(main())
