"""What an outbound service's ``where`` costs per message, against the same service without one.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/where.py            # about 20 s on 2 cores
    .venv/bin/python bench/where.py --quick    # a few seconds, noisier
    .venv/bin/python bench/where.py --json
    .venv/bin/python bench/where.py --clock cpu   # CPU time: steadier on a busy machine

The message is the real court sample (``core-input-message-001.xml``) as the canonical XML an
outbound service receives. Each stage is the CPU work a ``libra-spi`` outbound service does for
one delivery, ``Service.plan`` (canonical gate and model, ``where``, encoding to Libra SPI),
which is all a ``where`` touches; broker round trips are the same with or without one.

a. no ``where``: the floor;
b. ``where = { "hearing.court" = { prefix = "B01" } }``, which selects the sample: the message
   is decoded, selected and encoded, as in (a);
c. ``where = { "hearing.court" = { prefix = "B43" } }``, which declines it: decoded, not
   encoded (and not published);
d. three conditions that all hold (``prefix``, ``in`` on a number, ``not``): the dearer case;
s. the selector alone on the decoded envelope (b's and d's), per call.

Figures are medians of interleaved repetitions (timeit, GC on, warm-up first), with min..max;
the ratio of (b) and (d) to (a) is the cost of a ``where`` on a delivered message, (c) to (a)
what declining saves. The load average is printed: the machine is shared.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
for extra in (REPO / "src", REPO / "adapters"):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

from cjx.adapter import get_adapter  # noqa: E402
from cjx.service import Service, ServiceConfig  # noqa: E402
from cjx.service._where import compile_where, parse_where  # noqa: E402
from cjx.transport import CANONICAL, Delivery, MemoryBroker, Message  # noqa: E402

SAMPLE: Final = REPO / "examples" / "court" / "core-input-message-001.xml"
COURT: Final = "court.case-resulted"
WHERES: Final[dict[str, dict[str, Any] | None]] = {
    "a": None,
    "b": {"hearing.court": {"prefix": "B01"}},
    "c": {"hearing.court": {"prefix": "B43"}},
    "d": {
        "hearing.court": {"prefix": ["B43", "B01"], "not": {"equals": "B01XX99"}},
        "hearing.psa_code": {"in": [1, 2576, 3000]},
    },
}
LABELS: Final = {
    "a": "no where (floor)",
    "b": "where selects (prefix)",
    "c": "where declines (prefix)",
    "d": "where selects (3 conditions)",
}


class _Delivery(Delivery):
    """A delivery that is only planned, never settled."""

    async def ack(self) -> bool:  # pragma: no cover - never called
        return True

    async def nack(self, *, requeue: bool) -> bool:  # pragma: no cover - never called
        return True


def _plan(service: Service, delivery: Callable[[], Delivery]) -> object:
    return service.plan(delivery())


def _service(stage: str) -> Service:
    where = WHERES[stage]
    config = ServiceConfig(
        name=f"bench-{stage}",
        role="outbound",
        format="libra-spi",
        subscribe=("court.case-resulted.v1",),
        destination="police",
        where=parse_where(where, "bench") if where else (),
    )
    return Service(config, MemoryBroker())


def _timed(
    work: dict[str, Callable[[], object]], repeat: int, number: int, clock: Callable[[], float]
) -> dict[str, Any]:
    for fn in work.values():  # warm-up
        for _ in range(max(1, number // 10)):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in work}
    for _ in range(repeat):  # interleaved: noise hits every stage alike
        for key, fn in work.items():
            timer = timeit.Timer(fn, timer=clock)
            samples[key].append(timer.timeit(number) / number)
    return {
        k: {"median": statistics.median(v), "min": min(v), "max": max(v)}
        for k, v in samples.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    repeat, number = (5, 100) if args.quick else (15, 300)

    source = SAMPLE.read_bytes()
    envelope = get_adapter("libra-spi").decode(source)[0]
    canonical = get_adapter("canonical-xml").encode(envelope)
    message = Message(
        body=canonical, message_id=str(envelope.message_id), content_type="application/xml"
    )

    def delivery() -> Delivery:
        return _Delivery(
            message,
            exchange=CANONICAL,
            routing_key="court.case-resulted.v1",
            queue="bench.in",
            redelivered=False,
        )

    work: dict[str, Callable[[], object]] = {}
    expected = {"a": "publish", "b": "publish", "c": "not-selected", "d": "publish"}
    for stage in WHERES:
        service = _service(stage)
        plan = service.plan(delivery())
        assert plan.kind == expected[stage], (stage, plan.kind, plan.report)
        work[stage] = functools.partial(_plan, service, delivery)
    for stage in ("b", "d"):
        where = WHERES[stage]
        assert where is not None
        selector = compile_where(parse_where(where, "bench"), [COURT], "bench")
        assert selector(envelope)
        work[f"s{stage}"] = functools.partial(selector, envelope)

    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    figures = _timed(work, repeat, number, clock)
    floor = figures["a"]["median"]
    load = os.getloadavg()
    result = {
        "message": SAMPLE.name,
        "repeat": repeat,
        "number": number,
        "clock": args.clock,
        "load": load,
        "stages": figures,
        "ratios": {k: figures[k]["median"] / floor for k in ("b", "c", "d")},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"outbound libra-spi service, Service.plan of {SAMPLE.name} as canonical XML")
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {repeat} x {number} calls; "
        f"{args.clock} clock"
    )
    for stage in WHERES:
        f = figures[stage]
        ratio = f["median"] / floor
        print(
            f"  {stage}. {LABELS[stage]:<30} {f['median'] * 1e6:9.1f} us/msg "
            f"({f['min'] * 1e6:.1f}..{f['max'] * 1e6:.1f})  ratio to a: {ratio:.3f}"
        )
    for stage in ("b", "d"):
        f = figures[f"s{stage}"]
        share = f["median"] / floor
        print(
            f"  s. selector of {stage} alone           {f['median'] * 1e9:9.0f} ns/call "
            f"({f['min'] * 1e9:.0f}..{f['max'] * 1e9:.0f})  {share:.2%} of a"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
