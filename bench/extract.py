"""Whole-file extract import and diff against the floor and the peer, in one run.

Run from the repository root (needs the ``bench`` extra for the peer: ``pip install -e
".[dev,bench]"``)::

    .venv/bin/python bench/extract.py                  # 100,000 rows
    .venv/bin/python bench/extract.py --rows 20000     # quicker, noisier
    .venv/bin/python bench/extract.py --rss-rows 1000000   # also peak RSS on 1,000,000 rows

Each stage runs in a process of its own (its peak RSS is that process's ``ru_maxrss``), on the
same generated file (``cjx extract generate --seed 1``, 1 % defects):

* floor: Python's ``csv`` reader splitting the file on ``|``, doing nothing else;
* peer: ``pandas.read_csv`` of the file (every field a string), then one pydantic model per row
  of the same 153 fields, each written as a JSON line (the NDJSON a user would write);
* cjx ``-j 1`` and ``-j 2``: ``cjx extract import FILE --out FILE.ndjson`` (decoding, the
  identifier checks, the model, the envelope, canonical JSON, rejects, checkpoints);
* diff: ``cjx extract diff`` of two files with 5 % changed rows, against the floor of reading
  both files with the ``csv`` reader.

Throughput is rows per second of wall time; the ratios divide by the peer's (import) or the
floor's. The import's stages run ``--repeat`` times (3 by default), interleaved (floor, peer,
``-j 1``, ``-j 2``, floor, peer...) so that a burst of other work hits them alike; each figure
is the median, and every run's wall time is printed. The peer is given the 153 field names on
its command line: it imports pandas and pydantic, not cjx. The load average is printed before
and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable

FLOOR = """
import csv, sys
n = 0
for path in sys.argv[1:]:
    with open(path, newline="") as f:
        for _ in csv.reader(f, delimiter="|", quoting=csv.QUOTE_NONE):
            n += 1
print(n)
"""

NAMES = """
from cjx_nomis_cde import FIELDS
print(",".join(f.name.replace(".", "_") for f in FIELDS))
"""

PEER = """
import sys
import pandas
from pydantic import create_model
names = sys.argv[3].split(",")
Row = create_model("Row", **{name: (str, "") for name in names})
frame = pandas.read_csv(
    sys.argv[1], sep="|", header=None, names=names, dtype=str, keep_default_na=False,
    quoting=3, on_bad_lines="skip", engine="c",
)
with open(sys.argv[2], "w") as out:
    for values in frame.itertuples(index=False, name=None):
        out.write(Row(**dict(zip(names, values))).model_dump_json() + "\\n")
print(len(frame))
"""


def _run(argv: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user and system, the process and its
    children) of one process."""
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    after = os.times()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(argv)}")
    # wait4's usage is the process's own; its workers (-j 2) are reaped children of it
    cpu = usage.ru_utime + usage.ru_stime
    children = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return seconds, usage.ru_maxrss, max(cpu, children)


def _median(measured: list[tuple[float, int, float]]) -> tuple[float, int, float]:
    """The run of median wall time (its RSS and CPU time with it)."""
    return sorted(measured)[len(measured) // 2]


def _cjx(*args: str) -> list[str]:
    return [PY, "-m", "cjx", *args]


def _generate(path: Path, rows: int) -> None:
    subprocess.run(
        [
            *_cjx("extract", "generate", "--rows", str(rows), "--seed", "1", "--defects", "1"),
            *("--out", str(path), "--force"),
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rss-rows", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each import stage")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="cjx-bench-") as work:
        w = Path(work)
        source = w / "old.dat"
        _generate(source, args.rows)
        rows = args.rows
        # the field names, for the peer, from a process of their own: this one stays small, as
        # each stage's process starts as a copy of it (its peak RSS would count cjx otherwise)
        names = subprocess.run(
            [PY, "-c", NAMES], check=True, capture_output=True, text=True
        ).stdout.strip()
        stages: dict[str, list[str]] = {
            "floor": [PY, "-c", FLOOR, str(source)],
            "peer": [PY, "-c", PEER, str(source), str(w / "peer.ndjson"), names],
            **{
                jobs: _cjx(
                    "extract",
                    "import",
                    str(source),
                    "--out",
                    str(w / f"j{jobs}.ndjson"),
                    "-j",
                    jobs,
                    "--force",
                )
                for jobs in ("1", "2")
            },
        }
        runs: dict[str, list[tuple[float, int, float]]] = {name: [] for name in stages}
        for _ in range(args.repeat):
            for name, argv in stages.items():
                runs[name].append(_run(argv))
        for name, measured in runs.items():
            print(f"  {name:>5} wall s: {', '.join(f'{m[0]:.2f}' for m in measured)}")
        floor_s, floor_rss, floor_cpu = _median(runs["floor"])
        peer_s, peer_rss, peer_cpu = _median(runs["peer"])
        results = {jobs: _median(runs[jobs]) for jobs in ("1", "2")}
        print(
            f"import of {rows:,} rows (rows/s of wall time; peak RSS; rows per CPU second, "
            "which load on a shared machine disturbs less):"
        )
        print(
            f"  floor (csv reader)      {rows / floor_s:>10,.0f}  {floor_rss / 1024:6.0f} MiB"
            f"  {rows / floor_cpu:>10,.0f} /cpu-s"
        )
        print(
            f"  peer (pandas+pydantic)  {rows / peer_s:>10,.0f}  {peer_rss / 1024:6.0f} MiB"
            f"  {rows / peer_cpu:>10,.0f} /cpu-s"
        )
        for jobs, (seconds, rss, cpu) in results.items():
            print(
                f"  cjx -j {jobs}                {rows / seconds:>10,.0f}  {rss / 1024:6.0f} MiB"
                f"  {rows / cpu:>10,.0f} /cpu-s"
                f"   {peer_s / seconds:.2f}x the peer ({peer_cpu / cpu:.2f}x by CPU),"
                f" {floor_s / seconds:.3f}x the floor"
            )
        print(f"  -j 2 / -j 1: {results['1'][0] / results['2'][0]:.2f}x")

        new = w / "new.dat"
        subprocess.run(
            [
                *_cjx("extract", "generate", "--from", str(source), "--changes", "5"),
                *("--seed", "2", "--out", str(new), "--force"),
            ],
            check=True,
        )
        floor2_s, floor2_rss, _ = _run([PY, "-c", FLOOR, str(source), str(new)])
        diff_s, diff_rss, _ = _run(
            _cjx("extract", "diff", str(source), str(new), "--out", str(w / "d.ndjson"))
        )
        print(f"diff of two {rows:,}-row files, 5 % changed:")
        print(f"  floor (csv reader, both) {floor2_s:8.2f} s  {floor2_rss / 1024:6.0f} MiB")
        print(
            f"  cjx extract diff         {diff_s:8.2f} s  {diff_rss / 1024:6.0f} MiB"
            f"   {diff_s / floor2_s:.1f}x the floor's time"
        )
        if args.rss_rows:
            big = w / "big.dat"
            _generate(big, args.rss_rows)
            seconds, rss, _ = _run(
                _cjx("extract", "import", str(big), "--out", str(w / "big.ndjson"), "--force")
            )
            print(
                f"import of {args.rss_rows:,} rows, -j 1: {seconds:.0f} s, "
                f"peak RSS {rss / 1024:.0f} MiB"
            )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
