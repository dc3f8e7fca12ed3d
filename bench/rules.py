"""Rule-service benchmark: release-dates-to-key-dates with index look-ups against the pass-through.

Run from the repository root (not part of the test suite; needs RabbitMQ at 127.0.0.1:5672 and
rabbitmqctl for a vhost of its own, deleted afterwards; ``--index postgresql`` also needs the
PostgreSQL at 127.0.0.1:5432, in a database of its own, dropped afterwards)::

    .venv/bin/python bench/rules.py                       # SQLite index, 3 alternating runs
    .venv/bin/python bench/rules.py --index postgresql    # the shared-index deployment
    .venv/bin/python bench/rules.py --runs 5 --messages 5000 --json

Two relays, each in a process of its own, each consuming a quorum queue as cjx declares a
service's input, with bench/amqp.py's prefetch (64) and confirm window (256), on the same
messages: canonical ``custody.release-dates`` (made-up people, ``cjx.cli._people``), each of a
booking the index knows (the index is filled first with what each person's prison record
teaches, loaded in bulk):

p. cjx pass-through: bench/amqp.py's (b), a ``cjx.service.Service`` whose plan publishes the
   bytes unchanged;
r. cjx rule service (``role = "rule"``, ``rules = ["release-dates-to-key-dates"]``): reads each
   input through the canonical gate, looks the booking up in the person index (book number and
   current NOMS number), derives the key dates, writes canonical XML, publishes it to
   ``cjx.canonical``. Inputs are planned in a worker thread, as every rule service's are.

Throughput as in bench/amqp.py: a backlog of N is loaded, the relay started, and the rate is N
over the time from the first output to the last; each relay's CPU time a message (from ready
to the last output) is printed beside it, a figure the machine's load disturbs less. Runs
alternate p r p r ...; each figure is the median over runs, with min..max, and the load
average. The bar (issue 8): (r) reaches at least 0.6 of (p).
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
import tempfile
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
SINK_EXCHANGE: Final = "bench.out"
VARIANTS: Final = ("p", "r")
NAMES: Final = {"p": "cjx pass-through", "r": "cjx rule service (key dates)"}
KEY_DATES: Final = "probation.key-dates-replaced.v1"
PG_ADMIN: Final = "postgresql://postgres@127.0.0.1:5432/test"


def ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def inputs(count: int, offset: int) -> tuple[list[bytes], list[Any]]:
    """Canonical release dates of ``count`` people from ``offset``, and their prison records."""
    from cjx.cli._people import make_people  # noqa: PLC0415
    from cjx.pipeline import translate  # noqa: PLC0415

    bodies, records = [], []
    for person in make_people(count, start=offset):
        dates = translate(
            person.release_dates, from_format="prison-api-sentence", to_format="canonical-xml"
        )
        record = translate(
            person.prisoner_record, from_format="prisoner-search", to_format="canonical-xml"
        )
        bodies.append(dates.outputs[0])
        records.append(record.envelopes[0])
    return bodies, records


def export(records: list[Any]) -> Any:
    """The links ``records`` teach (``claims_of``: the extractor the index step uses), as
    ``cjx identity export`` writes them, for ``import_records``."""
    from cjx.identity import claims_of  # noqa: PLC0415

    yield {"type": "header", "format": "cjx-identity", "version": 1}
    n = 0
    for envelope in records:
        claims, _ = claims_of(envelope)
        for claim in claims:
            n += 1
            yield {
                "type": "link",
                "id": n,
                "a": str(claim.a),
                "b": str(claim.b),
                "kind": "learnt",
                "message_id": str(envelope.message_id),
                "learnt_at": "2026-12-01T00:00:00+00:00",
                "actor": None,
                "reason": None,
                "retracted_at": None,
                "retracted_by": None,
                "retraction_reason": None,
            }


# --- the relays (each in its own process: `bench/rules.py --serve VARIANT --url URL`) -----------


async def serve(url: str, variant: str, index: str) -> None:
    from cjx.service import Plan, Service  # noqa: PLC0415
    from cjx.transport import Delivery, Message  # noqa: PLC0415
    from cjx.transport.amqp import AmqpBroker  # noqa: PLC0415

    class PassThrough(Service):
        def plan(self, delivery: Delivery) -> Plan:
            m = delivery.message
            out = Message(body=m.body, message_id=m.message_id, headers=m.headers)
            return Plan("publish", "bench", outputs=[(SINK_EXCHANGE, "p", out)])

    broker = AmqpBroker(url, confirm_window=CONFIRM_WINDOW)
    await broker.connect()
    service = (
        PassThrough(config("p", index), broker)
        if variant == "p"
        else Service(config("r", index), broker)
    )
    await service.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await service.stop(grace=10)
    await broker.close()


def config(variant: str, index: str) -> Any:
    from cjx.service import Options, ServiceConfig  # noqa: PLC0415

    options = Options(prefetch=PREFETCH, confirm_window=CONFIRM_WINDOW)
    if variant == "p":
        return ServiceConfig("bench-p", "inbound", "libra-spi", options=options)
    return ServiceConfig(
        "bench-r",
        "rule",
        "canonical-xml",
        subscribe=("custody.release-dates.v1",),
        rules=("release-dates-to-key-dates",),
        index=index,
        options=options,
    )


# --- the driver ------------------------------------------------------------------------------


async def setup(url: str, index: str) -> None:
    from cjx.service import Service  # noqa: PLC0415
    from cjx.transport import Binding, Exchange, Queue, Topology  # noqa: PLC0415
    from cjx.transport.amqp import AmqpBroker  # noqa: PLC0415

    broker = AmqpBroker(url)
    await broker.connect()
    topology = Topology(
        (Exchange(SINK_EXCHANGE),),
        (Queue("sink-p"), Queue("sink-r")),
        (Binding("sink-p", SINK_EXCHANGE, "p"), Binding("sink-r", "cjx.canonical", KEY_DATES)),
    )
    for variant in VARIANTS:
        topology = topology + Service(config(variant, index), broker).topology
    await broker.declare(topology)
    await broker.close()


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_once(url: str, variant: str, bodies: list[bytes], offset: int) -> tuple[float, float]:
    """Throughput (msg/s), and the relay's CPU time a message (ms) from ready to the last."""
    import aio_pika  # noqa: PLC0415

    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True)
    window = asyncio.Semaphore(CONFIRM_WINDOW)

    async def put(body: bytes, n: int) -> None:
        async with window:
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body,
                    message_id=f"m-{offset + n}-{variant}",
                    content_type="application/vnd.cjx.canonical.v1+xml",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=f"bench-{variant}.in",
            )

    await asyncio.gather(*(put(b, n) for n, b in enumerate(bodies)))
    times: list[float] = []
    done = asyncio.Event()
    sink_channel = await connection.channel()
    await sink_channel.set_qos(prefetch_count=1000)
    sink = await sink_channel.get_queue(f"sink-{variant}")

    async def on_output(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        times.append(time.perf_counter())
        await message.ack()
        if len(times) >= len(bodies):
            done.set()

    await sink.consume(on_output)
    relay = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            variant,
            "--url",
            url,
            "--index-url",
            INDEX_URL,
        ],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert relay.stdout is not None
    await asyncio.to_thread(relay.stdout.readline)
    cpu = _cpu(relay.pid)
    await asyncio.wait_for(done.wait(), 600)
    cpu = _cpu(relay.pid) - cpu
    relay.send_signal(signal.SIGTERM)
    await asyncio.to_thread(relay.wait, 60)
    await connection.close()
    return (len(bodies) - 1) / (times[-1] - times[0]), 1000 * cpu / len(bodies)


INDEX_URL = ""


async def drive(args: argparse.Namespace) -> dict[str, Any]:
    global INDEX_URL  # noqa: PLW0603 - the relays' index, for run_once
    from cjx.identity import open_index  # noqa: PLC0415

    vhost = f"cjx-bench-{uuid.uuid4().hex[:8]}"
    ctl("add_vhost", vhost)
    ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    url = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    folder = tempfile.TemporaryDirectory(prefix="cjx-bench-rules-")
    database = f"cjx_bench_{uuid.uuid4().hex[:8]}"
    if args.index == "postgresql":
        import psycopg  # noqa: PLC0415

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        INDEX_URL = PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"
    else:
        INDEX_URL = f"sqlite:///{Path(folder.name) / 'people.db'}"
    rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    loads: list[float] = []
    try:
        total = args.runs * args.messages
        bodies, records = inputs(total, 900_000)
        started = time.perf_counter()
        with open_index(INDEX_URL) as index:
            # what learning each prison record teaches, loaded in bulk (learning 6,000 records
            # one transaction each takes minutes on a loaded PostgreSQL; learning is not measured)
            index.import_records(export(records), source="bench")
        if not args.json:
            print(
                f"index ({args.index}): {len(records)} prison records' links loaded in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
        await setup(url, INDEX_URL)
        for run in range(args.runs):
            chunk = bodies[run * args.messages : (run + 1) * args.messages]
            for variant in VARIANTS:
                rate, cpu_ms = await run_once(url, variant, chunk, run * args.messages)
                rates[variant].append(rate)
                cpu[variant].append(cpu_ms)
                loads.append(os.getloadavg()[0])
                if not args.json:
                    print(
                        f"run {run + 1} {variant}: {rate:8.0f} msg/s  {cpu_ms:.2f} ms CPU a "
                        f"message  load {loads[-1]:.2f}",
                        flush=True,
                    )
    finally:
        ctl("delete_vhost", vhost)
        folder.cleanup()
        if args.index == "postgresql":
            import psycopg  # noqa: PLC0415

            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    base = statistics.median(rates["p"])
    results = {
        v: {
            "name": NAMES[v],
            "msg_per_s": statistics.median(r),
            "msg_per_s_min": min(r),
            "msg_per_s_max": max(r),
            "ratio_to_p": statistics.median(r) / base,
            "cpu_ms_per_message": statistics.median(cpu[v]),
        }
        for v, r in rates.items()
    }
    return {
        "machine": (
            f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "index": args.index,
        "messages": args.messages,
        "runs": args.runs,
        "load_1min_median": statistics.median(loads),
        "results": results,
        "bar": {"r_at_least_60_percent_of_p": results["r"]["ratio_to_p"] >= 0.6},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--index", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--index-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.url, args.serve, args.index_url))
        return 0
    report = asyncio.run(drive(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"\n{report['machine']}; index {args.index}; {args.messages} messages a run, "
        f"{args.runs} runs; load (1 min, median) {report['load_1min_median']:.2f}"
    )
    for variant, r in report["results"].items():
        print(
            f"({variant}) {r['name']:<30} {r['msg_per_s']:8.0f} msg/s "
            f"({r['msg_per_s_min']:.0f}..{r['msg_per_s_max']:.0f})  / (p) {r['ratio_to_p']:.2f}  "
            f"{r['cpu_ms_per_message']:.2f} ms CPU a message"
        )
    met = report["bar"]["r_at_least_60_percent_of_p"]
    print(f"bar: (r) >= 0.6 x (p): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
