"""Partitioned services: throughput with 1 and 2 replicas, partitions on against off, and the
floor of raw aio-pika consumers on the same partition queues, on the local RabbitMQ.

Run from the repository root (not part of the test suite; needs RabbitMQ at 127.0.0.1:5672 with
the rabbitmq_consistent_hash_exchange plugin, and rabbitmqctl for a vhost of its own, deleted
afterwards)::

    .venv/bin/python bench/partitions.py                 # 3 alternating runs of each variant
    .venv/bin/python bench/partitions.py --runs 1 --messages 1000   # quicker, noisier

Every variant is one or two processes, each consuming the partition queues of a libra-spi
inbound service declared as cjx declares it (``partitions = 8``: quorum queues with
``x-single-active-consumer``), prefetch 64 each, publishing with confirms (window 256) to
``cjx.canonical`` and acknowledging an input only after its output is confirmed:

* ``raw-1``: one raw aio-pika relay consuming all 8 partitions (publishes the bytes unchanged);
* ``raw-2``: two raw relays, each consuming 4 of the 8 (a static split: the ideal share-out);
* ``cjx-1``: one replica of the real libra-spi inbound service, partitions on;
* ``cjx-2``: two replicas of it (they share the partitions out themselves, see
  docs/services.md);
* ``cjx-off``: one replica with partitions off (one input queue), for the on/off bar.

Inputs are real court results, made unique, each with a ``cjx-ordering-key`` for one of 400
people. Each run first sends a warm-up batch (so two replicas have shared the partitions out),
then a backlog of N messages; the rate is N over the time from the first output to the last at
a sink queue. Runs alternate the variants so drift hits all alike; each figure is the median
over runs. Printed: msg/s, ratios (cjx-2 / cjx-1, raw-2 / raw-1, cjx-1 / raw-1, cjx-off /
cjx-1), the core count and the load average. The issue's bar: partitions on costs at most 10 %
against off (cjx-1 >= 0.9 x cjx-off).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
for extra in (REPO / "src", REPO / "adapters"):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

PREFETCH: Final = 64
CONFIRM_WINDOW: Final = 256
PARTITIONS: Final = 8
PEOPLE: Final = 400
SECRET: Final = "bench-ordering-secret"
SAMPLE: Final = REPO / "examples" / "court" / "core-input-message-001.xml"
MARK: Final = b"<msg:MessageIdentifier>EXTERNAL_CORRELATION_ID</msg:MessageIdentifier>"
VARIANTS: Final = ("raw-1", "cjx-1", "raw-2", "cjx-2", "cjx-off")
SERVICE: Final = "bench-part"  # the partitioned service (raw relays consume its queues too)
PLAIN: Final = "bench-plain"  # the same service with partitions off
SINK: Final = "bench-sink"


def messages(count: int, offset: int) -> list[bytes]:
    body = SAMPLE.read_bytes()
    return [
        body.replace(
            MARK, f"<msg:MessageIdentifier>P-{offset + n:09d}</msg:MessageIdentifier>".encode()
        )
        for n in range(count)
    ]


def ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def _configs() -> tuple[Any, Any]:
    from cjx.service import Options, ServiceConfig  # noqa: PLC0415

    options = Options(prefetch=PREFETCH, confirm_window=CONFIRM_WINDOW)
    part = ServiceConfig(SERVICE, "inbound", "libra-spi", options=options, partitions=PARTITIONS)
    plain = ServiceConfig(PLAIN, "inbound", "libra-spi", options=options)
    return part, plain


# --- the consumers (each runs in its own process: `--serve KIND URL [PARTITIONS...]`) ----------


async def serve_raw(url: str, partitions: list[int]) -> None:
    import aio_pika  # noqa: PLC0415

    from cjx.transport import partition_queue  # noqa: PLC0415

    connection = await aio_pika.connect(url)
    publish = await connection.channel(publisher_confirms=True, on_return_raises=True)
    exchange = await publish.get_exchange("cjx.canonical")
    window = asyncio.Semaphore(CONFIRM_WINDOW)
    tasks: set[asyncio.Task[None]] = set()

    async def relay(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with window:
            await exchange.publish(
                aio_pika.Message(
                    message.body,
                    message_id=message.message_id,
                    headers=message.headers,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key="court.case-resulted.v1",
                mandatory=True,
            )
        await message.ack()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        task = asyncio.ensure_future(relay(message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    for p in partitions:  # a channel per queue, prefetch 64 each, as cjx consumes them
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=PREFETCH)
        queue = await channel.get_queue(partition_queue(SERVICE, p))
        await queue.consume(on_message)
    await _until_sigterm()
    await asyncio.gather(*tasks, return_exceptions=True)  # the last acks, then close
    await connection.close()


async def serve_cjx(url: str, partitioned: bool) -> None:
    from cjx.service import Service  # noqa: PLC0415
    from cjx.transport.amqp import AmqpBroker  # noqa: PLC0415

    if os.environ.get("CJX_BENCH_LOG"):  # the share-out, on standard error
        import logging  # noqa: PLC0415

        logging.basicConfig(level=logging.INFO, format="%(process)d %(message)s %(cjx)s")
    part, plain = _configs()
    broker = AmqpBroker(url, confirm_window=CONFIRM_WINDOW)
    await broker.connect()
    service = Service(part if partitioned else plain, broker, ordering_secret=SECRET)
    await service.start()
    await _until_sigterm()
    await service.stop(grace=10)
    await broker.close()


async def _until_sigterm() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()


# --- the driver ---------------------------------------------------------------------------------


async def setup(url: str) -> None:
    from cjx.service import Service  # noqa: PLC0415
    from cjx.transport import Binding, Queue, Topology  # noqa: PLC0415
    from cjx.transport.amqp import AmqpBroker  # noqa: PLC0415

    broker = AmqpBroker(url)
    await broker.connect()
    part, plain = _configs()
    topology = Service(part, broker).topology + Service(plain, broker).topology
    topology = topology + Topology(
        (), (Queue(SINK),), (Binding(SINK, "cjx.canonical", "court.case-resulted.v1"),)
    )
    await broker.declare(topology)
    await broker.close()


def _spawn(url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", *args, "--url", url],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )


def _processes(url: str, variant: str) -> list[subprocess.Popen[bytes]]:
    half = PARTITIONS // 2
    every = [str(p) for p in range(PARTITIONS)]
    if variant == "raw-1":
        return [_spawn(url, "raw", *every)]
    if variant == "raw-2":
        return [_spawn(url, "raw", *every[:half]), _spawn(url, "raw", *every[half:])]
    if variant == "cjx-1":
        return [_spawn(url, "cjx")]
    if variant == "cjx-2":
        return [_spawn(url, "cjx"), _spawn(url, "cjx")]
    return [_spawn(url, "cjx-off")]


async def run_once(url: str, variant: str, count: int, warmup: int, offset: int) -> float:
    import aio_pika  # noqa: PLC0415

    from cjx.service import ordering_key_header  # noqa: PLC0415
    from cjx.transport import in_queue, partition_route  # noqa: PLC0415

    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True)
    if variant == "cjx-off":
        target, key = channel.default_exchange, in_queue(PLAIN)
    else:
        target, key = await channel.get_exchange(partition_route(SERVICE)), ""
    window = asyncio.Semaphore(CONFIRM_WINDOW)
    keys = [
        ordering_key_header("NOMS", f"A{i:04d}BC", SECRET)["cjx-ordering-key"]
        for i in range(PEOPLE)
    ]

    async def put(body: bytes, n: int) -> None:
        async with window:
            await target.publish(
                aio_pika.Message(
                    body,
                    message_id=f"m-{offset + n}",
                    headers={"cjx-ordering-key": keys[n % PEOPLE]},
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=key,
            )

    times: list[float] = []
    done = asyncio.Event()
    expected = [warmup]
    sink_channel = await connection.channel()
    await sink_channel.set_qos(prefetch_count=1000)
    sink = await sink_channel.get_queue(SINK)
    await sink.purge()

    async def on_output(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        times.append(time.perf_counter())
        await message.ack()
        if len(times) >= expected[0]:
            done.set()

    await sink.consume(on_output)
    processes = _processes(url, variant)
    for process in processes:
        assert process.stdout is not None
        await asyncio.to_thread(process.stdout.readline)
    bodies = messages(warmup + count, offset)
    # warm-up: the replicas see traffic and share the partitions out (a balancing round is 2 s)
    await asyncio.gather(*(put(bodies[n], n) for n in range(warmup)))
    await asyncio.wait_for(done.wait(), 600)
    await asyncio.sleep(5 if variant == "cjx-2" else 0.5)
    times.clear()
    done.clear()
    expected[0] = count
    # the backlog, loaded while the consumers run
    await asyncio.gather(*(put(bodies[n], n) for n in range(warmup, warmup + count)))
    await asyncio.wait_for(done.wait(), 600)
    rate = (count - 1) / (times[-1] - times[0])
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        await asyncio.to_thread(process.wait, 60)
    await connection.close()
    return rate


async def drive(args: argparse.Namespace) -> dict[str, Any]:
    vhost = f"cjx-bench-{uuid.uuid4().hex[:8]}"
    ctl("add_vhost", vhost)
    ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    url = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
    loads: list[float] = []
    try:
        await setup(url)
        offset = 0
        for run in range(args.runs):
            for variant in args.only or VARIANTS:
                rate = await run_once(url, variant, args.messages, args.warmup, offset)
                offset += args.messages + args.warmup
                rates[variant].append(rate)
                loads.append(os.getloadavg()[0])
                print(
                    f"run {run + 1} {variant:7}: {rate:7.0f} msg/s  load {loads[-1]:.2f}",
                    flush=True,
                )
    finally:
        ctl("delete_vhost", vhost)
    median = {v: statistics.median(r) for v, r in rates.items() if r}
    if len(median) < len(VARIANTS):
        return {"msg_per_s_all": rates}
    ratios = {
        "cjx-2 / cjx-1": median["cjx-2"] / median["cjx-1"],
        "raw-2 / raw-1": median["raw-2"] / median["raw-1"],
        "cjx-1 / raw-1": median["cjx-1"] / median["raw-1"],
        "cjx-2 / raw-2": median["cjx-2"] / median["raw-2"],
        "cjx-1 (on) / cjx-off": median["cjx-1"] / median["cjx-off"],
    }
    return {
        "machine": (
            f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "messages": args.messages,
        "runs": args.runs,
        "partitions": PARTITIONS,
        "msg_per_s_median": median,
        "msg_per_s_all": rates,
        "ratios": ratios,
        "load_1min_median": statistics.median(loads),
        "bar_partitions_cost_at_most_10_percent": ratios["cjx-1 (on) / cjx-off"] >= 0.9,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=800)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", nargs="+", choices=VARIANTS, help="run only these variants")
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, *rest = args.serve
        if kind == "raw":
            asyncio.run(serve_raw(args.url, [int(p) for p in rest]))
        else:
            asyncio.run(serve_cjx(args.url, partitioned=kind == "cjx"))
        return 0
    summary = asyncio.run(drive(args))
    if args.json or "ratios" not in summary:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"\n{summary['machine']}; {args.runs} runs of {args.messages} messages; "
            f"{PARTITIONS} partitions; load (1 min, median) {summary['load_1min_median']:.2f}"
        )
        for variant, rate in summary["msg_per_s_median"].items():
            print(f"  {variant:8} {rate:7.0f} msg/s (median)")
        for name, ratio in summary["ratios"].items():
            print(f"  {name:22} {ratio:5.2f}")
        bar = summary["bar_partitions_cost_at_most_10_percent"]
        print(f"  partitions on within 10 % of off: {bar}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
