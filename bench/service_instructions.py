"""Instructions per message of a whole service (bench/amqp.py's (b) or (c)) on the in-memory
broker, counted by valgrind: the service runtime, the plan (for (c) the translation), the
output's construction and the broker's in-process publish and settle, without any AMQP.

Run from the repository root under callgrind, which counts only inside ``itertools.starmap``
(the measured backlog; nothing else here uses it), then divide the count by ``-n``::

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=starmap_next \\
        --callgrind-out-file=/dev/null .venv/bin/python bench/service_instructions.py --relay c

Without valgrind it prints the CPU time a message (``--rounds`` alternating backlogs), and with
``--translate`` also that of ``cjx.pipeline.translate`` called as the service calls it, in the
same process: what the service adds to the translation. Messages as bench/amqp.py makes them
(the court sample with a unique MessageIdentifier, the ``sent`` float header and a message id).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
for extra in (REPO / "src", REPO / "adapters", HERE):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

import amqp as bench_amqp  # noqa: E402

from cjx.service import Options, Plan, Service, ServiceConfig  # noqa: E402
from cjx.transport import Binding, Delivery, Message, Queue, Topology  # noqa: E402
from cjx.transport.memory import MemoryBroker  # noqa: E402

SINK: Final = "sink"


class PassThrough(Service):
    def plan(self, delivery: Delivery) -> Plan:
        m = delivery.message
        out = Message(body=m.body, message_id=m.message_id, headers=m.headers)
        return Plan("publish", "bench", outputs=[(bench_amqp.SINK_EXCHANGE, "b", out)])


class Relay:
    """A service on a memory broker, with a sink queue its outputs reach."""

    def __init__(self, relay: str) -> None:
        self.relay = relay
        self.broker = MemoryBroker(confirm_window=bench_amqp.CONFIRM_WINDOW)
        options = Options(prefetch=bench_amqp.PREFETCH, confirm_window=bench_amqp.CONFIRM_WINDOW)
        kind = PassThrough if relay == "b" else Service
        self.service = kind(
            ServiceConfig(f"bench-{relay}", "inbound", "libra-spi", options=options), self.broker
        )
        self.offset = 0

    async def start(self) -> None:
        from cjx.transport import Exchange  # noqa: PLC0415

        await self.broker.connect()
        sink = Topology(
            (Exchange(bench_amqp.SINK_EXCHANGE),),
            (Queue(SINK),),
            (
                Binding(SINK, bench_amqp.SINK_EXCHANGE, "b"),
                Binding(SINK, "cjx.canonical", "court.case-resulted.v1"),
            ),
        )
        await self.broker.declare(self.service.topology + sink)
        await self.service.start()

    async def backlog(self, count: int) -> None:
        """Publish ``count`` inputs and wait until every output is in the sink (then purge)."""
        bodies = bench_amqp.messages(count, self.offset)
        for n, body in enumerate(bodies):
            message = Message(
                body=body,
                message_id=f"m-{self.offset + n}",
                headers={"sent": time.time()},
                persistent=True,
            )
            await self.broker.publish("cjx.inbound", "libra-spi", message)
        self.offset += count
        while await self.broker.queue_length(SINK) < count:
            await asyncio.sleep(0.001)
        while self.service.in_flight:
            await asyncio.sleep(0.001)
        await self.broker.purge(SINK)


def translate_cpu(count: int) -> float:
    """CPU seconds a message of ``translate`` called as the service calls it."""
    from cjx.adapter import get_adapter  # noqa: PLC0415
    from cjx.model import system_clock  # noqa: PLC0415
    from cjx.pipeline import translate  # noqa: PLC0415

    reader, writer = get_adapter("libra-spi"), get_adapter("canonical-xml")
    bodies = bench_amqp.messages(count, 10**8)
    started = time.process_time()
    for n, body in enumerate(bodies):
        translate(
            body,
            from_format=reader,
            to_format=writer,
            source=f"bench-c:m-{n}",
            clock=system_clock,
            verify=None,
            select=None,
        )
    return (time.process_time() - started) / count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--relay", choices=("b", "c"), default="c")
    ap.add_argument("-n", type=int, default=200, help="messages measured (default 200)")
    ap.add_argument("--warm", type=int, default=100, help="messages before (default 100)")
    ap.add_argument("--rounds", type=int, default=0, help="timed rounds (no valgrind)")
    ap.add_argument("--translate", action="store_true", help="time translate alone too")
    args = ap.parse_args(argv)
    loop = asyncio.new_event_loop()
    relay = Relay(args.relay)
    loop.run_until_complete(relay.start())
    loop.run_until_complete(relay.backlog(args.warm))
    if args.rounds:
        service: list[float] = []
        alone: list[float] = []
        for _ in range(args.rounds):
            started = time.process_time()
            loop.run_until_complete(relay.backlog(args.n))
            service.append((time.process_time() - started) / args.n)
            if args.translate:
                alone.append(translate_cpu(args.n))
        line = f"relay {args.relay}: {1e6 * min(service):.0f} us CPU a message (best of rounds)"
        if alone:
            line += f"; translate alone {1e6 * min(alone):.0f} us"
        print(f"{line}; load {os.getloadavg()[0]:.2f}")
        return 0

    def measured(*_: Any) -> None:
        loop.run_until_complete(relay.backlog(args.n))

    for _ in itertools.starmap(measured, [()]):
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
