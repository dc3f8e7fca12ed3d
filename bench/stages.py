"""Where the time of (d) goes: the libra-spi -> canonical XML translation, step by step.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/stages.py            # both messages
    .venv/bin/python bench/stages.py --case sample --clock wall

Each message is translated step by step, in the order ``cjx.pipeline.translate`` takes on the
quick path of the ``libra-spi`` decoder (a message with nothing to report): the hardened parse,
the schema location hints, the source XSD, the one-pass builder, the model's validation, the
envelope (its digest, message id and timestamps), the canonical XML writer, and the release of
the tree and objects. Every step is timed on its own (CPU time by default), GC off; each figure
is the median over many rounds; the whole ``translate`` is timed in the same rounds, so the
steps can be compared with it. The steps call private functions of ``cjx_libra_spi._decode``
(this is a profiling aid, kept in step with that module, not an API).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
for extra in (REPO / "src", REPO / "adapters", HERE):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

import large_case  # noqa: E402

from cjx.codec import _canonical as canonical  # noqa: E402
from cjx.codec import parse_xml  # noqa: E402
from cjx.model import CaseResulted  # noqa: E402
from cjx.model import _envelope as envelope_module  # noqa: E402
from cjx.pipeline import translate  # noqa: E402
from cjx.validation import lxml_schema, xsd_issues  # noqa: E402
from cjx_libra_spi import _decode  # noqa: E402

FIXED_NOW: Final = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)
STEPS: Final = (
    "parse (hardened)",
    "schema location hints",
    "source XSD",
    "builder (quick)",
    "model validation",
    "envelope",
    "canonical XML writer",
    "release (tree, objects)",
)
#: Timed apart from the steps: the part of "envelope" that digests the body's JSON (the JSON,
#: SHA-256, UUIDv5).
MESSAGE_ID: Final = "  of which the message id"


def steps(data: bytes, clock: Callable[[], int]) -> list[int]:
    """One translation, step by step: the duration of each step, then the message id's."""
    times: list[int] = []
    mark = clock()

    def lap() -> None:
        nonlocal mark
        now = clock()
        times.append(now - mark)
        mark = now

    root = parse_xml(data, source="bench")
    lap()
    _decode._hint_issues(root, "", data)
    lap()
    xsd_issues(lxml_schema(_decode.DELIVER_XSD), root)
    message = next(root.iterchildren(f"{{{_decode.DELIVER_NS}}}Message"))
    rcm = next(message.iterchildren("{*}ResultedCaseMessage"))
    lap()
    data_dict = _decode._Builder("", careful=False).body(rcm)
    lap()
    body = CaseResulted.model_validate(data_dict)
    lap()
    envelope = _decode.envelope_for(body, correlation_id="BENCH", clock=lambda: FIXED_NOW)
    lap()
    canonical.encode_xml(envelope)
    lap()
    del root, message, rcm, data_dict, envelope
    lap()
    begin = clock()
    envelope_module.message_id_for("libra-spi", "BENCH", CaseResulted.message_type, body)
    times.append(clock() - begin)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", choices=("sample", "large", "both"), default="both")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--rounds", type=int, help="rounds per case (default 3000 sample, 300 large)")
    args = ap.parse_args(argv)
    clock = time.process_time_ns if args.clock == "cpu" else time.perf_counter_ns
    cases: list[tuple[str, bytes]] = []
    if args.case in ("sample", "both"):
        cases.append(("sample", large_case.SAMPLE.read_bytes()))
    if args.case in ("large", "both"):
        cases.append(("large", large_case.build()))
    print(
        f"{args.clock} time, GC off, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    gc.disable()
    for name, data in cases:
        rounds = args.rounds or (3000 if name == "sample" else 300)
        whole: list[int] = []
        parts: list[list[int]] = []
        for n in range(rounds + rounds // 10):
            begin = clock()
            translate(data, from_format="libra-spi", to_format="canonical-xml")
            elapsed = clock() - begin
            split = steps(data, clock)
            if n >= rounds // 10:  # the first tenth warms up
                whole.append(elapsed)
                parts.append(split)
        medians = [statistics.median(column) / 1000 for column in zip(*parts, strict=True)]
        *step_medians, message_id = medians
        total = sum(step_medians)
        print(f"\n{name}: translate {statistics.median(whole) / 1000:.1f} us; steps {total:.1f} us")
        for label, value in zip(STEPS, step_medians, strict=True):
            print(f"  {label:<32} {value:8.1f} us  {100 * value / total:5.1f} %")
            if label == "envelope":
                print(f"  {MESSAGE_ID:<32} {message_id:8.1f} us  {100 * message_id / total:5.1f} %")
    gc.enable()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
