"""AMQP service benchmark: cjx services against a raw aio-pika relay, on the local RabbitMQ.

Run from the repository root (not part of the test suite; needs RabbitMQ at 127.0.0.1:5672 and
rabbitmqctl for a vhost of its own, which it deletes afterwards)::

    .venv/bin/python bench/amqp.py             # 5 alternating runs of each, about 3 minutes
    .venv/bin/python bench/amqp.py --runs 3 --messages 2000   # quicker, noisier
    .venv/bin/python bench/amqp.py --json      # the same, machine-readable

Three relays, each in a process of its own, each consuming a quorum queue declared as cjx
declares a service's input queue, with the same prefetch (64) and publisher-confirm window
(256), each acknowledging an input only after its output is confirmed, on the same message set
(real court results, made unique):

a. raw: aio-pika alone. Consume, publish the bytes unchanged with confirms, then ack;
b. cjx pass-through: a ``cjx.service.Service`` whose plan publishes the bytes unchanged (the
   cost of cjx itself: de-duplication, ordering, confirms, ack, metrics, logging);
c. cjx libra-spi inbound: the real service, translating each court result to canonical XML
   (source XSD, identifiers, model; the canonical XML it writes is not validated again, as
   ``verify_output`` is off by default) and publishing it to ``cjx.canonical``.

Each run has two phases. Throughput: a backlog of N messages is loaded, the relay is started,
and the rate is N over the time from the first output to the last at a sink queue. Latency: the
relay now idle, messages are published at a steady 200 a second and each one's time from
publish to arrival at the sink is recorded (p50 and p99). Runs alternate a b c a b c ... so
drift hits all three alike; each figure is the median over runs, with min..max. The bar
(issue 3, raised by issue 10): (b) reaches at least 85 % of (a)'s throughput and (c) at least 50 %.
The load average is printed with every run: the machine is shared. So is each relay's CPU time
per message of the backlog (from ``/proc``; the column ``(a)/CPU`` is (a)'s over the relay's), which
the machine's other work disturbs far less than a rate: for a relay that is CPU-bound, as (c) is,
it is what its rate would be on cores of its own.
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
SAMPLE: Final = REPO / "examples" / "court" / "core-input-message-001.xml"
MARK: Final = b"<msg:MessageIdentifier>EXTERNAL_CORRELATION_ID</msg:MessageIdentifier>"
SINK_EXCHANGE: Final = "bench.out"
VARIANTS: Final = ("a", "b", "c")
NAMES: Final = {"a": "raw aio-pika relay", "b": "cjx pass-through", "c": "cjx libra-spi inbound"}


def messages(count: int, offset: int = 0) -> list[bytes]:
    body = SAMPLE.read_bytes()
    return [
        body.replace(
            MARK, f"<msg:MessageIdentifier>BENCH-{offset + n:09d}</msg:MessageIdentifier>".encode()
        )
        for n in range(count)
    ]


def ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


# --- the relays (each runs in its own process: `bench/amqp.py --serve VARIANT URL`) -----------


async def serve_raw(url: str) -> None:
    import aio_pika  # noqa: PLC0415

    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    await channel.set_qos(prefetch_count=PREFETCH)
    exchange = await channel.get_exchange(SINK_EXCHANGE)
    queue = await channel.get_queue("bench-a.in")
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
                routing_key="a",
                mandatory=True,
            )
        await message.ack()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        task = asyncio.ensure_future(relay(message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    await queue.consume(on_message)
    await _until_sigterm()
    await connection.close()


async def serve_cjx(url: str, variant: str) -> None:
    from cjx.service import Options, Plan, Service, ServiceConfig  # noqa: PLC0415
    from cjx.transport import Delivery, Message  # noqa: PLC0415
    from cjx.transport.amqp import AmqpBroker  # noqa: PLC0415

    class PassThrough(Service):
        def plan(self, delivery: Delivery) -> Plan:
            m = delivery.message
            out = Message(body=m.body, message_id=m.message_id, headers=m.headers)
            return Plan("publish", "bench", outputs=[(SINK_EXCHANGE, "b", out)])

    broker = AmqpBroker(url, confirm_window=CONFIRM_WINDOW)
    await broker.connect()
    options = Options(prefetch=PREFETCH, confirm_window=CONFIRM_WINDOW)
    if variant == "b":
        service: Service = PassThrough(
            ServiceConfig("bench-b", "inbound", "libra-spi", options=options), broker
        )
    else:
        service = Service(ServiceConfig("bench-c", "inbound", "libra-spi", options=options), broker)
    await service.start()
    await _until_sigterm()
    await service.stop(grace=10)
    await broker.close()


async def _until_sigterm() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()


# --- the driver -----------------------------------------------------------------------------


async def setup(url: str) -> None:
    """Queues: bench-X.in (quorum, as cjx declares them), one sink each; cjx's own topology."""
    from cjx.service import Options, Service, ServiceConfig  # noqa: PLC0415
    from cjx.transport import Binding, Exchange, Queue, Topology  # noqa: PLC0415
    from cjx.transport.amqp import AmqpBroker  # noqa: PLC0415

    broker = AmqpBroker(url)
    await broker.connect()
    # the raw relay's input is declared exactly as cjx declares a service's input queue
    cjx_in = next(
        q
        for q in Service(ServiceConfig("bench-b", "inbound", "libra-spi"), broker).topology.queues
        if q.name == "bench-b.in"
    )
    topology = Topology(
        (Exchange(SINK_EXCHANGE),),
        (
            Queue("bench-a.in", cjx_in.arguments),
            Queue("sink-a"),
            Queue("sink-b"),
            Queue("sink-c"),
        ),
        (
            Binding("sink-a", SINK_EXCHANGE, "a"),
            Binding("sink-b", SINK_EXCHANGE, "b"),
            Binding("sink-c", "cjx.canonical", "court.case-resulted.v1"),
        ),
    )
    for name in ("bench-b", "bench-c"):
        config = ServiceConfig(name, "inbound", "libra-spi", options=Options())
        topology = topology + Service(config, broker).topology
    await broker.declare(topology)
    await broker.close()


class Sink:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.latencies: list[float] = []
        self.expected = 0
        self.done = asyncio.Event()


async def run_once(
    url: str, variant: str, count: int, offset: int, latency_count: int
) -> dict[str, float]:
    import aio_pika  # noqa: PLC0415

    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True)
    in_queue = f"bench-{variant}.in"
    bodies = messages(count + latency_count, offset)
    # the backlog, published with confirms in a window
    window = asyncio.Semaphore(CONFIRM_WINDOW)

    async def put(body: bytes, n: int) -> None:
        async with window:
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body,
                    message_id=f"m-{offset + n}",
                    headers={"sent": time.time()},
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=in_queue,
            )

    await asyncio.gather(*(put(bodies[n], n) for n in range(count)))

    sent_at: dict[str, float] = {}
    sink = Sink()
    sink.expected = count
    sink_channel = await connection.channel()
    await sink_channel.set_qos(prefetch_count=1000)
    sink_queue = await sink_channel.get_queue(f"sink-{variant}")

    async def on_output(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        now = time.time()
        sink.times.append(time.perf_counter())
        # (a) and (b) keep the input's message id; (c) carries the source id as correlation id
        sent = sent_at.get(message.correlation_id or "") or sent_at.get(message.message_id or "")
        if sent is not None and len(sink.times) > count:
            sink.latencies.append(now - sent)
        await message.ack()
        if len(sink.times) >= sink.expected:
            sink.done.set()

    await sink_queue.consume(on_output)
    relay = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", variant, "--url", url],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert relay.stdout is not None
    await asyncio.to_thread(relay.stdout.readline)
    cpu_before = cpu_seconds(relay.pid)
    await asyncio.wait_for(sink.done.wait(), 600)
    cpu_after = cpu_seconds(relay.pid)
    throughput = (count - 1) / (sink.times[-1] - sink.times[0])
    # latency phase: a steady 200 a second, the relay idle
    sink.expected = count + latency_count
    sink.done.clear()
    for n in range(count, count + latency_count):
        sent_at[f"m-{offset + n}"] = sent_at[f"BENCH-{offset + n:09d}"] = time.time()
        await channel.default_exchange.publish(
            aio_pika.Message(
                bodies[n],
                message_id=f"m-{offset + n}",
                headers={"sent": time.time()},
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=in_queue,
        )
        await asyncio.sleep(1 / 200)
    await asyncio.wait_for(sink.done.wait(), 120)
    relay.send_signal(signal.SIGTERM)
    await asyncio.to_thread(relay.wait, 60)
    await connection.close()
    lat = sorted(sink.latencies)
    return {
        "msg_per_s": throughput,
        "p50_ms": 1000 * lat[len(lat) // 2],
        "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "cpu_us_per_msg": 1e6 * (cpu_after - cpu_before) / count,
    }


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process ``pid`` has used so far, from ``/proc`` (NaN where
    there is none): a relay's CPU per message is disturbed far less by the machine's other work
    than its rate is."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(args: argparse.Namespace) -> dict[str, Any]:
    vhost = f"cjx-bench-{uuid.uuid4().hex[:8]}"
    ctl("add_vhost", vhost)
    ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    url = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    results: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    try:
        await setup(url)
        offset = 0
        for run in range(args.runs):
            for variant in VARIANTS:
                figures = await run_once(url, variant, args.messages, offset, args.latency_messages)
                offset += args.messages + args.latency_messages
                results[variant].append(figures)
                figures["load_1min"] = os.getloadavg()[0]
                if not args.json:
                    print(
                        f"run {run + 1} {variant}: {figures['msg_per_s']:8.0f} msg/s  "
                        f"p50 {figures['p50_ms']:6.2f} ms  p99 {figures['p99_ms']:6.2f} ms  "
                        f"CPU {figures['cpu_us_per_msg']:5.0f} us/msg  "
                        f"load {figures['load_1min']:.2f}",
                        flush=True,
                    )
    finally:
        ctl("delete_vhost", vhost)
    summary: dict[str, Any] = {}
    base = statistics.median(r["msg_per_s"] for r in results["a"])
    base_cpu = statistics.median(r["cpu_us_per_msg"] for r in results["a"])
    for variant, runs in results.items():
        rates = [r["msg_per_s"] for r in runs]
        summary[variant] = {
            "name": NAMES[variant],
            "msg_per_s": statistics.median(rates),
            "msg_per_s_min": min(rates),
            "msg_per_s_max": max(rates),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "ratio_to_a": statistics.median(rates) / base,
            "cpu_us_per_msg": statistics.median(r["cpu_us_per_msg"] for r in runs),
            "cpu_ratio_to_a": base_cpu / statistics.median(r["cpu_us_per_msg"] for r in runs),
            "load_1min_median": statistics.median(r["load_1min"] for r in runs),
        }
    return {
        "machine": (
            f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "messages": args.messages,
        "runs": args.runs,
        "prefetch": PREFETCH,
        "confirm_window": CONFIRM_WINDOW,
        "results": summary,
        "bar": {
            "b_at_least_85_percent_of_a": summary["b"]["ratio_to_a"] >= 0.85,
            "c_at_least_50_percent_of_a": summary["c"]["ratio_to_a"] >= 0.5,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--latency-messages", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        if args.serve == "a":
            asyncio.run(serve_raw(args.url))
        else:
            asyncio.run(serve_cjx(args.url, args.serve))
        return 0
    report = asyncio.run(drive(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"\n{report['machine']}; {args.messages} messages a run, {args.runs} runs, "
        f"prefetch {PREFETCH}, confirm window {CONFIRM_WINDOW}"
    )
    print(
        f"{'':28} {'msg/s (median)':>15} {'min..max':>17} {'p50 ms':>8} {'p99 ms':>8} {'/ (a)':>7}"
        f" {'load':>5} {'CPU us/msg':>10} {'(a)/CPU':>8}"
    )
    for variant, r in report["results"].items():
        print(
            f"({variant}) {r['name']:<24} {r['msg_per_s']:15.0f} "
            f"{r['msg_per_s_min']:8.0f}..{r['msg_per_s_max']:<8.0f} {r['p50_ms']:8.2f} "
            f"{r['p99_ms']:8.2f} {r['ratio_to_a']:7.2f} {r['load_1min_median']:5.2f} "
            f"{r['cpu_us_per_msg']:10.0f} {r['cpu_ratio_to_a']:8.2f}"
        )
    bar = report["bar"]
    print(
        f"bar: (b) >= 0.85 x (a): {'met' if bar['b_at_least_85_percent_of_a'] else 'NOT met'}; "
        f"(c) >= 0.50 x (a): {'met' if bar['c_at_least_50_percent_of_a'] else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
