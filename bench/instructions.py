"""Instructions per message of (d) or one of its steps, counted by valgrind: a figure the
machine's other work does not move.

Run from the repository root under callgrind, which counts only inside ``itertools.starmap``
(the timed loop; nothing else here uses it), then divide the count by ``-n``::

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=starmap_next \\
        --callgrind-out-file=/dev/null .venv/bin/python bench/instructions.py --step translate

    # "Collected : 290879400" with -n 100 is 2.91 million instructions a message

Without valgrind it runs the loop and prints nothing. Steps, each from the sample's bytes or from
the previous step's result, as ``bench/stages.py`` names them: ``translate`` (the whole of (d)),
``open`` (hardened parse, hints, source XSD, finding the ResultedCaseMessage), ``builder``,
``validate`` (the model), ``envelope`` (with the message id), ``message-id``, ``writer``. About a
minute on this machine for ``-n 100`` (valgrind runs Python some fifty times slower).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

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
from cjx_libra_spi import _decode  # noqa: E402

FIXED_NOW: Final = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return FIXED_NOW


def steps(data: bytes) -> dict[str, Callable[[int], Any]]:
    """The callables to count, each taking (and ignoring) the loop's index."""
    root = parse_xml(data)
    message = next(root.iterchildren(f"{{{_decode.DELIVER_NS}}}Message"))
    rcm = next(message.iterchildren("{*}ResultedCaseMessage"))
    data_dict = _decode._Builder("", careful=False).body(rcm)
    body = CaseResulted.model_validate(data_dict)
    envelope = _decode.envelope_for(body, correlation_id="BENCH", clock=clock)
    message_type = CaseResulted.message_type
    return {
        "translate": lambda _: translate(
            data, from_format="libra-spi", to_format="canonical-xml", clock=clock
        ),
        "open": lambda _: _decode._open(data, "bench", detailed=False, max_size=len(data)),
        "builder": lambda _: _decode._Builder("", careful=False).body(rcm),
        "validate": lambda _: CaseResulted.model_validate(data_dict),
        "envelope": lambda _: _decode.envelope_for(body, correlation_id="BENCH", clock=clock),
        "message-id": lambda _: envelope_module.message_id_for(
            "libra-spi", "BENCH", message_type, body
        ),
        "writer": lambda _: canonical.encode_xml(envelope),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", choices=("sample", "large"), default="sample")
    ap.add_argument("--step", default="translate", help="translate (default), open, builder, ...")
    ap.add_argument("-n", type=int, default=100, help="messages counted (default 100)")
    args = ap.parse_args(argv)
    data = large_case.SAMPLE.read_bytes() if args.case == "sample" else large_case.build()
    work = steps(data)[args.step]
    for n in range(30):  # warm-up, not counted: caches filled, code paths taken once
        work(n)
    for _ in itertools.starmap(work, ((n,) for n in range(args.n))):
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
