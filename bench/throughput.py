"""XML throughput benchmark: cjx against the raw lxml floor and the xmlschema peer.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/throughput.py            # default run, about 50 s on 2 cores
    .venv/bin/python bench/throughput.py --quick    # a few seconds, noisier
    .venv/bin/python bench/throughput.py --json     # machine-readable, on stdout
    .venv/bin/python bench/throughput.py --profile d --case large   # cProfile of one stage
    .venv/bin/python bench/throughput.py --clock cpu   # CPU time: steadier on a busy machine

(The file is not called ``bench/xml.py``: run as a script, its folder comes first on
``sys.path`` and a module named ``xml`` would shadow the standard library package that
xmlschema imports.)

Two messages: the real court sample ``core-input-message-001.xml`` (3 offences) and the
deterministic 50-offence case from :mod:`large_case`. Six stages, each from the source bytes:

a. floor: lxml parse (resolve_entities=False, no_network=True, load_dtd=False) + lxml XSD
   validation against ``schemas/formats/libra-spi/deliver-request.xsd`` loaded directly;
b. peer: xmlschema validation of the same bytes, parsed by xmlschema itself
   (``xmlschema.XMLSchema(xsd).is_valid(io.BytesIO(data))``, faster than an lxml tree);
c. cjx decode to the canonical model: ``cjx_libra_spi.adapter.decode(data, clock=fixed)``;
d. full translation: ``cjx.pipeline.translate(data, from_format="libra-spi",
   to_format="canonical-xml")``, which runs the source gate and decode and writes the canonical
   XML bytes (checked non-empty on every call), without output verification (the default);
v. the same with ``verify=True``: the canonical XML is read back through the canonical gate (the
   canonical XSD and the model) and compared with the message, as the test suite does; printed
   beside (d), not part of the bar;
e. canonical JSON round trip of the decoded envelope: ``decode_json(encode_json(envelope))``.

Each figure is the median of several timed repetitions (timeit loops, GC enabled, warm-up
first; repetitions interleaved across stages so that noise hits every stage alike); the spread
is min..max over the repetitions. The bar (issue 10): (d) reaches at least 25 % of (a)'s
throughput and at least 10 times (b)'s, on both messages. The load average is printed with the
figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
for extra in (REPO / "src", REPO / "adapters", HERE):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

import large_case  # noqa: E402
import lxml  # noqa: E402
import pydantic  # noqa: E402
import xmlschema  # noqa: E402
from lxml import etree  # noqa: E402

import cjx  # noqa: E402
import cjx_libra_spi  # noqa: E402
from cjx.codec import decode_json, encode_json, encode_xml  # noqa: E402
from cjx.pipeline import translate  # noqa: E402
from cjx_libra_spi import adapter  # noqa: E402

SAMPLE: Final = large_case.SAMPLE
DELIVER_XSD: Final = REPO / "schemas/formats/libra-spi/deliver-request.xsd"
CANONICAL_XSD: Final = REPO / "schemas/canonical/v1/cjx-canonical.xsd"
FIXED_NOW: Final = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)

STAGES: Final = {
    "a": "lxml parse + XSD (floor)",
    "b": "xmlschema validate (peer)",
    "c": "cjx decode -> model",
    "d": "cjx translate -> canonical XML",
    "v": "  the same, verify=True",
    "e": "canonical JSON encode+decode",
}
BAR_OF_FLOOR: Final = 0.25
BAR_OVER_PEER: Final = 10.0


def fixed_clock() -> dt.datetime:
    return FIXED_NOW


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


# --- the stages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    data: bytes


class Stages:
    """The five measured callables for one message, each checked once before timing."""

    def __init__(self, case: Case, lxml_xsd: etree.XMLSchema, peer: xmlschema.XMLSchema) -> None:
        data = case.data
        parser = hardened_parser()

        def a() -> None:
            if not lxml_xsd.validate(etree.fromstring(data, parser)):
                raise AssertionError("floor: the message is not valid")

        def b() -> None:
            # xmlschema parsing the bytes itself (ElementTree/expat) is ~15 % faster than
            # handing it an lxml tree, so this is the stricter peer for the bar
            if not peer.is_valid(io.BytesIO(data), use_location_hints=False):
                raise AssertionError("peer: the message is not valid")

        decode = adapter.decode

        def c() -> None:
            decode(data, clock=fixed_clock)

        def translated(verify: bool) -> Callable[[], None]:
            def run() -> None:
                outcome = translate(
                    data,
                    from_format="libra-spi",
                    to_format="canonical-xml",
                    clock=fixed_clock,
                    verify=verify,
                )
                if not outcome.ok or not outcome.outputs or not outcome.outputs[0]:
                    raise AssertionError(f"translate produced no output: {outcome.report}")

            return run

        d, v = translated(verify=False), translated(verify=True)

        envelope = adapter.decode(data, clock=fixed_clock)[0]

        def e() -> None:
            decode_json(encode_json(envelope))

        self.funcs: dict[str, Callable[[], None]] = {
            "a": a,
            "b": b,
            "c": c,
            "d": d,
            "v": v,
            "e": e,
        }
        self._check(case, envelope)

    @staticmethod
    def _check(case: Case, envelope: Any) -> None:
        """Correctness before speed: every stage accepts the message and agrees."""
        outcome = translate(
            case.data, from_format="libra-spi", to_format="canonical-xml", clock=fixed_clock
        )
        if not outcome.ok or len(outcome.outputs) != 1:
            raise SystemExit(f"{case.name}: cjx rejected the message: {outcome.report}")
        canonical = etree.XMLSchema(etree.parse(str(CANONICAL_XSD), hardened_parser()))
        out_root = etree.fromstring(outcome.outputs[0], hardened_parser())
        if not canonical.validate(out_root):
            raise SystemExit(f"{case.name}: canonical output invalid: {canonical.error_log}")
        if outcome.envelopes[0] != envelope or outcome.outputs[0] != encode_xml(envelope):
            raise SystemExit(f"{case.name}: translate and decode disagree")
        if decode_json(encode_json(envelope)) != envelope:
            raise SystemExit(f"{case.name}: the JSON round trip changed the envelope")


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Figure:
    stage: str
    label: str
    loops: int
    repeats: int
    median: float  # messages per second
    low: float
    high: float
    spread_pct: float  # (high - low) / median, in percent
    us_per_msg: float
    ratio_to_a: float = 0.0


#: The clocks a figure can be taken with: wall time (the default), or this process's CPU time,
#: which a shared machine's other work disturbs much less (not at all, but for shared caches).
CLOCKS: Final = {"wall": time.perf_counter, "cpu": time.process_time}


def _calibrate(
    func: Callable[[], None], *, warmup: float, clock: Callable[[], float]
) -> timeit.Timer:
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:  # warm-up: schema caches, pydantic validators, adapters
        func()
    return timeit.Timer(func, setup="gc.enable()", timer=clock, globals={"gc": gc})


def run_case(
    case: Case,
    lxml_xsd: etree.XMLSchema,
    peer: xmlschema.XMLSchema,
    *,
    target: float,
    repeats: int,
    warmup: float,
    progress: Callable[[str], None],
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Figure]:
    """Time every stage; repetitions are interleaved (a b c d e, a b c d e, ...) so that a
    burst of noise on this shared machine hits all stages alike rather than one figure."""
    stages = Stages(case, lxml_xsd, peer)
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for key, func in stages.funcs.items():
        progress(f"  {case.name}: warming up and calibrating ({key}) {STAGES[key]}")
        timer = _calibrate(func, warmup=warmup, clock=clock)
        loops, elapsed = timer.autorange()
        timers[key] = (timer, max(1, round(loops * target / max(elapsed, 1e-9))))
    rates: dict[str, list[float]] = {key: [] for key in timers}
    for r in range(repeats):
        progress(f"  {case.name}: repetition {r + 1}/{repeats}")
        for key, (timer, loops) in timers.items():
            rates[key].append(loops / timer.timeit(number=loops))
    figures: dict[str, Figure] = {}
    for key, values in rates.items():
        median = statistics.median(values)
        low, high = min(values), max(values)
        figures[key] = Figure(
            stage=key,
            label=STAGES[key],
            loops=timers[key][1],
            repeats=repeats,
            median=median,
            low=low,
            high=high,
            spread_pct=100.0 * (high - low) / median,
            us_per_msg=1e6 / median,
        )
    floor = figures["a"].median
    for fig in figures.values():
        fig.ratio_to_a = fig.median / floor
    return figures


def bar(figures: dict[str, Figure]) -> dict[str, Any]:
    of_floor = figures["d"].median / figures["a"].median
    over_peer = figures["d"].median / figures["b"].median
    return {
        "d_over_a": of_floor,
        "d_over_a_required": BAR_OF_FLOOR,
        "d_over_b": over_peer,
        "d_over_b_required": BAR_OVER_PEER,
        "pass": of_floor >= BAR_OF_FLOOR and over_peer >= BAR_OVER_PEER,
        # beside the bar, not part of it: the same translation with verify=True
        "verified_over_a": figures["v"].median / figures["a"].median,
        "verified_over_b": figures["v"].median / figures["b"].median,
    }


# --- reporting ------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "adapters"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "", False
    return {
        "nproc": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "libxml2_compiled": ".".join(map(str, etree.LIBXML_COMPILED_VERSION)),
        "libxslt": ".".join(map(str, etree.LIBXSLT_VERSION)),
        "xmlschema": xmlschema.__version__,
        "pydantic": pydantic.VERSION,
        "lxml_path": str(Path(lxml.__file__).parent),
        "cjx_path": str(Path(cjx.__file__).parent),
        "cjx_libra_spi_path": str(Path(cjx_libra_spi.__file__).parent),
        "git_commit": commit,
        "git_dirty": dirty,
    }


def _load_average() -> tuple[float, float, float]:
    """The machine's load average (1, 5 and 15 minutes), printed with every figure."""
    return os.getloadavg()


def _load_text(load: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in load)


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def print_table(case: Case, figures: dict[str, Figure], verdict: dict[str, Any]) -> None:
    print(f"\n{case.name}: {case.description}")
    header = (
        f"  {'stage':<36} {'msg/s':>9} {'min..max':>19} {'spread':>7} {'us/msg':>9} {'x (a)':>7}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for key, fig in figures.items():
        span = f"{_rate(fig.low)}..{_rate(fig.high)}"
        print(
            f"  ({key}) {fig.label:<32} {_rate(fig.median):>9} {span:>19} "
            f"{fig.spread_pct:>6.1f}% {fig.us_per_msg:>9.1f} {fig.ratio_to_a:>7.3f}"
        )
    status = "PASS" if verdict["pass"] else "FAIL"
    print(
        f"  bar: (d)/(a) = {verdict['d_over_a']:.3f} (need >= {BAR_OF_FLOOR:.2f}), "
        f"(d)/(b) = {verdict['d_over_b']:.2f}x (need >= {BAR_OVER_PEER:.0f}x)  -> {status}"
    )
    print(
        f"  beside it, verify=True: (v)/(a) = {verdict['verified_over_a']:.3f}, "
        f"(v)/(b) = {verdict['verified_over_b']:.2f}x"
    )


def profile(
    case: Case,
    stage: str,
    schemas: tuple[etree.XMLSchema, xmlschema.XMLSchema],
    *,
    seconds: float,
    top: int,
) -> None:
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    func = Stages(case, *schemas).funcs[stage]
    for _ in range(20):
        func()
    prof = cProfile.Profile()
    calls = 0
    end = time.perf_counter() + seconds
    prof.enable()
    while time.perf_counter() < end:
        func()
        calls += 1
    prof.disable()
    print(f"cProfile of ({stage}) {STAGES[stage]} on {case.name}: {calls} calls")
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short run (a few seconds, noisier)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON only")
    ap.add_argument("--case", choices=("sample", "large", "both"), default="both")
    ap.add_argument("--repeats", type=int, help="timed repetitions per figure (default 9; 3 quick)")
    ap.add_argument("--target", type=float, help="seconds per repetition (default 0.3; 0.05 quick)")
    ap.add_argument(
        "--clock",
        choices=tuple(CLOCKS),
        default="wall",
        help="time figures by wall clock (default) or by this process's CPU time",
    )
    ap.add_argument("--strict", action="store_true", help="exit 1 when the bar is not met")
    ap.add_argument("--profile", choices=tuple(STAGES), help="cProfile one stage instead")
    ap.add_argument("--profile-seconds", type=float, default=5.0)
    ap.add_argument("--top", type=int, default=30, help="rows of the profile listing")
    args = ap.parse_args(argv)

    repeats = args.repeats or (3 if args.quick else 9)
    target = args.target or (0.05 if args.quick else 0.3)
    warmup = 0.1 if args.quick else 0.4

    cases = []
    if args.case in ("sample", "both"):
        cases.append(Case("sample", f"{SAMPLE.name}, 3 offences", SAMPLE.read_bytes()))
    if args.case in ("large", "both"):
        large = large_case.build()
        committed = large_case.DEFAULT_OUTPUT
        if committed.is_file() and committed.read_bytes() != large:
            print(
                f"note: {committed} differs from the generated case; "
                "regenerate it with: python bench/large_case.py",
                file=sys.stderr,
            )
        cases.append(
            Case("large", f"generated from {SAMPLE.name}, {large_case.OFFENCES} offences", large)
        )

    started = time.perf_counter()
    lxml_xsd = etree.XMLSchema(etree.parse(str(DELIVER_XSD), hardened_parser()))
    peer = xmlschema.XMLSchema(str(DELIVER_XSD))

    if args.profile:
        for case in cases:
            profile(
                case, args.profile, (lxml_xsd, peer), seconds=args.profile_seconds, top=args.top
            )
        return 0

    def progress(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr, flush=True)

    env = environment()
    if not args.json:
        print(
            f"cjx XML throughput  (python {env['python']}, lxml {env['lxml']}, libxml2 "
            f"{env['libxml2']}, xmlschema {env['xmlschema']}, pydantic {env['pydantic']}, "
            f"{env['nproc']} CPUs, commit {env['git_commit'] or '?'}"
            f"{' + uncommitted changes' if env['git_dirty'] else ''})"
        )
        print(f"  cjx from {env['cjx_path']}, adapter from {env['cjx_libra_spi_path']}")
        print(
            f"  {repeats} interleaved repetitions of ~{target:.2f} s per figure, median; "
            f"GC enabled; {args.clock} clock"
        )

    results: dict[str, Any] = {}
    all_pass = True
    for case in cases:
        load_before = _load_average()
        figures = run_case(
            case,
            lxml_xsd,
            peer,
            target=target,
            repeats=repeats,
            warmup=warmup,
            progress=progress,
            clock=CLOCKS[args.clock],
        )
        verdict = bar(figures)
        all_pass &= verdict["pass"]
        load = {"before": load_before, "after": _load_average()}
        results[case.name] = {
            "description": case.description,
            "bytes": len(case.data),
            "figures": {k: asdict(f) for k, f in figures.items()},
            "bar": verdict,
            "load_average_1_5_15_min": load,
        }
        if not args.json:
            print_table(case, figures, verdict)
            print(
                f"  load average (1, 5, 15 min): {_load_text(load['before'])} before, "
                f"{_load_text(load['after'])} after"
            )

    elapsed = time.perf_counter() - started
    if args.json:
        print(
            json.dumps(
                {
                    "environment": env,
                    "settings": {
                        "repeats": repeats,
                        "target_seconds": target,
                        "warmup_seconds": warmup,
                        "quick": args.quick,
                        "clock": args.clock,
                    },
                    "cases": results,
                    "pass": all_pass,
                    "elapsed_seconds": round(elapsed, 1),
                },
                indent=2,
            )
        )
    else:
        print(f"\noverall: {'PASS' if all_pass else 'FAIL'}  ({elapsed:.1f} s)")
    return 1 if (args.strict and not all_pass) else 0


if __name__ == "__main__":
    raise SystemExit(main())
