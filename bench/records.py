"""Throughput of the JSON record formats (version 1.1): cjx against the raw floor, same run.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/records.py            # default run, about 15 s per format
    .venv/bin/python bench/records.py --quick    # a few seconds, noisier
    .venv/bin/python bench/records.py --json     # machine-readable, on stdout
    .venv/bin/python bench/records.py --format delius-key-dates

For each format in :data:`FORMATS` (one line each: the format name, a valid document, the
format's JSON Schema), three stages from the same bytes:

a. floor: ``json.loads`` + validation against the format's JSON Schema with jsonschema-rs, the
   validator cjx runs underneath to say "valid" (``jsonschema_rs.validator_for(schema)
   .is_valid(document)``, compiled once);
b. cjx decode to the canonical model: ``adapter.decode(data, clock=fixed)``: cjx's JSON reader
   (size, UTF-8, depth, duplicate keys), the same schema, identifiers, dates, codes, the model
   and the envelope;
c. translation to canonical JSON: ``cjx.translate(data, from_format=..., to_format=
   "canonical-json")``: (b), then the canonical gate (the canonical XML of the message validated
   by the canonical XSD, as every translation does) and the canonical JSON bytes.

Each figure is the median of interleaved timed repetitions (GC enabled, warm-up first); the
ratios divide by the floor of the same format in the same run. The load average is printed
before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
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

from importlib.metadata import version  # noqa: E402

import jsonschema_rs  # noqa: E402

import cjx  # noqa: E402

#: format -> (a valid document, the format's JSON Schema), both relative to the repository.
#: Adding a format is one line here.
FORMATS: Final[dict[str, tuple[str, str]]] = {
    "prison-api-sentence": (
        "adapters/cjx_prison_api_sentence/tests/golden/every-member.input.json",
        "schemas/formats/prison-api-sentence/sentence-calc-dates.schema.json",
    ),
    "delius-key-dates": (
        "adapters/cjx_delius_key_dates/tests/golden/all-seven.input.json",
        "schemas/formats/delius-key-dates/replace-custody-key-dates.schema.json",
    ),
    "prisoner-search": (
        "adapters/cjx_prisoner_search/tests/golden/every-member-index-document.input.json",
        "schemas/formats/prisoner-search/prisoner.schema.json",
    ),
    "delius-custody": (
        "adapters/cjx_delius_custody/tests/golden/every-member.input.json",
        "schemas/formats/delius-custody/custody-record.schema.json",
    ),
    "cvl-licence": (
        "adapters/cjx_cvl_licence/tests/golden/every-member.input.json",
        "schemas/formats/cvl-licence/licence.schema.json",
    ),
}

STAGES: Final = {
    "a": "json.loads + jsonschema-rs (floor)",
    "b": "cjx decode -> model",
    "c": "cjx translate -> canonical JSON",
}
FIXED_NOW: Final = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)


def fixed_clock() -> dt.datetime:
    return FIXED_NOW


def floor_validator(schema_path: Path) -> Any:
    """jsonschema-rs for the schema, its sibling files resolvable by their ``$id``."""
    siblings = {
        doc["$id"]: doc
        for doc in (json.loads(p.read_text()) for p in schema_path.parent.glob("*.schema.json"))
        if "$id" in doc
    }
    return jsonschema_rs.validator_for(
        json.loads(schema_path.read_text()), retriever=lambda uri: siblings[uri]
    )


def stages(fmt: str) -> tuple[bytes, dict[str, Callable[[], None]]]:
    document, schema = FORMATS[fmt]
    data = (REPO / document).read_bytes()
    validator = floor_validator(REPO / schema)
    adapter = cjx.get_adapter(fmt)
    loads = json.loads

    def a() -> None:
        if not validator.is_valid(loads(data)):
            raise AssertionError("floor: the document is not valid")

    def b() -> None:
        adapter.decode(data, clock=fixed_clock)

    def c() -> None:
        outcome = cjx.translate(
            data, from_format=fmt, to_format="canonical-json", clock=fixed_clock
        )
        if not outcome.outputs:
            raise AssertionError(outcome.report.to_text())

    # correctness before speed: cjx accepts the document and its translation is canonical
    outcome = cjx.translate(data, from_format=fmt, to_format="canonical-json", clock=fixed_clock)
    if not outcome.ok or cjx.decode_json(outcome.outputs[0]) != outcome.envelopes[0]:
        raise SystemExit(f"{fmt}: cjx rejected the document: {outcome.report.to_text()}")
    a()
    return data, {"a": a, "b": b, "c": c}


def measure(
    funcs: dict[str, Callable[[], None]], *, target: float, repeats: int, warmup: float
) -> dict[str, dict[str, float]]:
    """Messages per second of each stage: median, min and max of interleaved repetitions."""
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for key, func in funcs.items():
        end = time.perf_counter() + warmup
        while time.perf_counter() < end:
            func()
        timer = timeit.Timer(func, setup="gc.enable()", globals={"gc": gc})
        loops, elapsed = timer.autorange()
        timers[key] = (timer, max(1, round(loops * target / max(elapsed, 1e-9))))
    rates: dict[str, list[float]] = {key: [] for key in funcs}
    for _ in range(repeats):
        for key, (timer, loops) in timers.items():
            rates[key].append(loops / timer.timeit(number=loops))
    floor = statistics.median(rates["a"])
    return {
        key: {
            "median": statistics.median(values),
            "low": min(values),
            "high": max(values),
            "us_per_msg": 1e6 / statistics.median(values),
            "ratio_to_floor": statistics.median(values) / floor,
        }
        for key, values in rates.items()
    }


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short run (a few seconds, noisier)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON only")
    ap.add_argument("--format", choices=sorted(FORMATS), action="append", dest="formats")
    ap.add_argument("--repeats", type=int, help="timed repetitions per figure (default 9; 3 quick)")
    ap.add_argument("--target", type=float, help="seconds per repetition (default 0.3; 0.05 quick)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 9)
    target = args.target or (0.05 if args.quick else 0.3)
    warmup = 0.1 if args.quick else 0.4

    results: dict[str, Any] = {"load_average_before": _load(), "cpus": os.cpu_count()}
    if not args.json:
        print(
            f"cjx record formats throughput (python {sys.version.split()[0]}, jsonschema-rs "
            f"{version('jsonschema-rs')}, {os.cpu_count()} CPUs); "
            f"{repeats} interleaved repetitions of ~{target:.2f} s, median"
        )
        print(f"load average (1, 5, 15 min) before: {results['load_average_before']}")
    for fmt in args.formats or list(FORMATS):
        data, funcs = stages(fmt)
        figures = measure(funcs, target=target, repeats=repeats, warmup=warmup)
        results[fmt] = {"bytes": len(data), "document": FORMATS[fmt][0], "figures": figures}
        if args.json:
            continue
        print(f"\n{fmt}: {FORMATS[fmt][0]} ({len(data)} bytes)")
        print(f"  {'stage':<38} {'msg/s':>9} {'min..max':>19} {'us/msg':>8} {'x floor':>8}")
        for key, fig in figures.items():
            span = f"{fig['low']:,.0f}..{fig['high']:,.0f}"
            print(
                f"  ({key}) {STAGES[key]:<34} {fig['median']:>9,.0f} {span:>19} "
                f"{fig['us_per_msg']:>8.1f} {fig['ratio_to_floor']:>8.3f}"
            )
    results["load_average_after"] = _load()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"\nload average (1, 5, 15 min) after: {results['load_average_after']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
