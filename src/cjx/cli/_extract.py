"""``cjx extract import|diff|generate``: whole-file legacy extracts (``docs/extracts.md``).

Exit codes, for every subcommand: 0 every row accepted, 1 some rows rejected, 2 could not run
(bad arguments, an unreadable input, a checkpoint of another run, a broker that refused).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from cjx._text import printable
from cjx.errors import CjxError

__all__ = ["add_parser", "run"]

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any) -> None:
    e = sub.add_parser("extract", help="import, diff or generate whole-file legacy extracts")
    esub = e.add_subparsers(dest="extract_command", required=True)

    i = esub.add_parser("import", help="stream an extract into canonical messages")
    i.add_argument("file", type=Path, help="the extract file (C_NOMIS_OFFENDER_DDMMYYYY_01.dat)")
    i.add_argument(
        "--format", default="nomis-cde", choices=("nomis-cde",), help="the extract's layout"
    )
    _outputs(i)
    i.add_argument("--to", metavar="FORMAT", help="with --out-dir: the format of each file")
    i.add_argument("--rejects", type=Path, metavar="FILE", help="default: OUT.rejects.ndjson")
    i.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="decoding processes")
    i.add_argument("--report-html", type=Path, metavar="FILE", help="a data-quality page")
    i.add_argument("--force", action="store_true", help="start again over existing outputs")

    d = esub.add_parser("diff", help="change events between two daily extracts")
    d.add_argument("old", type=Path, help="the older extract")
    d.add_argument("new", type=Path, help="the newer extract")
    d.add_argument(
        "--format", default="nomis-cde", choices=("nomis-cde",), help="the extracts' layout"
    )
    _outputs(d)
    d.add_argument("--to", metavar="FORMAT", help="with --out-dir: the format of each file")
    d.add_argument("--rejects", type=Path, metavar="FILE", help="default: OUT.rejects.ndjson")
    d.add_argument("--force", action="store_true", help="replace existing outputs")

    g = esub.add_parser("generate", help="write a synthetic extract (clearly not real people)")
    g.add_argument("--rows", type=int, default=1000, help="how many people (default 1000)")
    g.add_argument("--seed", type=int, default=0, help="the same seed, the same file")
    g.add_argument("--out", type=Path, required=True, metavar="FILE", help="the file to write")
    g.add_argument("--defects", type=float, default=0.0, metavar="PCT", help="share in %%")
    g.add_argument("--defect-kinds", default="", metavar="K,K", help="default: every kind, in turn")
    g.add_argument("--changes", type=float, metavar="PCT", help="with --from: share changed")
    g.add_argument("--from", dest="from_", type=Path, metavar="OLD", help="next day of OLD")
    g.add_argument("--force", action="store_true", help="replace an existing file")


def _outputs(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--out", type=Path, metavar="FILE.ndjson", help="canonical JSON, one message a line"
    )
    group.add_argument(
        "--out-dir", type=Path, metavar="DIR", help="one file per message (with --to)"
    )
    group.add_argument("--publish", action="store_true", help="to cjx.canonical (--config)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="with --publish")


def _fail(message: str) -> int:
    print(f"cjx: error: {printable(message)}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    try:
        if args.extract_command == "generate":
            return _generate(args)
        if args.extract_command == "import":
            return _import(args)
        return _diff(args)
    except (OSError, ValueError, CjxError) as exc:  # a message --to cannot write, a broker...
        return _fail(str(exc))


def _generate(args: argparse.Namespace) -> int:
    from cjx.extract import DEFECT_KINDS, generate_rows, next_day  # noqa: PLC0415

    if args.out.exists() and not args.force:
        return _fail(f"{args.out} exists (--force replaces it)")
    if args.from_ is not None:
        if args.changes is None:
            return _fail("--from needs --changes PCT")
        with args.from_.open(encoding="utf-8") as old, args.out.open("w") as out:
            for line in next_day(old, seed=args.seed, changes=args.changes / 100):
                out.write(line + "\n")
        return EXIT_OK
    kinds = [k for k in args.defect_kinds.split(",") if k] or list(DEFECT_KINDS)
    with args.out.open("w") as out:
        for row in generate_rows(
            args.rows, seed=args.seed, defects=args.defects / 100, kinds=kinds
        ):
            out.write(row.line + "\n")
    return EXIT_OK


class Progress:
    """A progress bar on a terminal; JSON lines (at most one every 2 s) otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, summary: Any, offset: int, size: int) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 2.0):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = summary.rows / elapsed
        done = offset / size if size else 1.0
        left = elapsed * (1 - done) / done if done else 0.0
        if self.tty:
            bar = "#" * int(done * 30)
            sys.stderr.write(
                f"\r[{bar:<30}] {summary.rows} rows, {rate:,.0f} rows/s, "
                f"{summary.rejected} rejected, {left:,.0f} s left "
            )
        else:
            sys.stderr.write(
                json.dumps(
                    {
                        "rows": summary.rows,
                        "rows_per_second": round(rate),
                        "rejected": summary.rejected,
                        "seconds_left": round(left),
                    }
                )
                + "\n"
            )
        sys.stderr.flush()

    def end(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _import(args: argparse.Namespace) -> int:
    from cjx.extract._import import Checkpoint, fingerprint, import_extract  # noqa: PLC0415
    from cjx.extract._sinks import DirectorySink, NdjsonSink  # noqa: PLC0415

    if not args.file.is_file():
        return _fail(f"{args.file} is not a file")
    if args.jobs < 1:
        return _fail("-j must be at least 1")
    if args.out_dir is not None and not args.to:
        return _fail("--out-dir needs --to FORMAT")
    if args.publish and args.config is None:
        return _fail("--publish needs --config FILE")
    base = args.out or args.out_dir or Path(f"{args.file}.published")
    rejects_path = args.rejects or Path(f"{base}.rejects.ndjson")
    checkpoint = Checkpoint(
        Path(f"{base}.checkpoint.json"),
        fingerprint(
            args.file,
            [args.format, str(base), str(args.to), str(rejects_path), str(args.publish)],
        ),
    )
    if args.force:
        checkpoint.remove()
    state = checkpoint.load()
    resuming = state is not None
    if not resuming and not args.force:
        for path in (args.out, rejects_path):
            if path is not None and path.exists():
                return _fail(f"{path} exists and there is no checkpoint to resume (--force)")
    sink: Any
    if args.out is not None:
        sink = NdjsonSink(args.out, resume=resuming)
    elif args.out_dir is not None:
        from cjx.adapter import get_adapter  # noqa: PLC0415 - only here: it loads every format

        sink = DirectorySink(args.out_dir, get_adapter(args.to))
    else:
        from cjx.extract._publish import PublishSink  # noqa: PLC0415

        sink = PublishSink.from_config(args.config)
    kill_at = os.environ.get("CJX_EXTRACT_TEST_KILL_AT_ROW")
    progress = Progress()
    try:
        with rejects_path.open("r+b" if resuming else "wb") as rejects:
            summary = import_extract(
                args.file,
                sink,
                rejects=rejects,
                checkpoint=checkpoint,
                jobs=args.jobs,
                progress=progress,
                kill_at=int(kill_at) if kill_at else None,
            )
    finally:
        sink.close()
        progress.end()
    if args.report_html is not None:
        from cjx.extract._report import write_report  # noqa: PLC0415

        write_report(args.report_html, summary, source_name=args.file.name)
    print(
        json.dumps(
            {
                "rows": summary.rows,
                "accepted": summary.accepted,
                "rejected": summary.rejected,
                "rejects": str(rejects_path),
                "resumed": resuming,
            }
        )
    )
    return EXIT_REJECTED if summary.rejected else EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from cjx.extract._diff import diff_extracts  # noqa: PLC0415

    for path in (args.old, args.new):
        if not path.is_file():
            return _fail(f"{path} is not a file")
    from cjx.adapter import get_adapter  # noqa: PLC0415
    from cjx.extract._sinks import DirectorySink, NdjsonSink  # noqa: PLC0415

    if args.publish and args.config is None:
        return _fail("--publish needs --config FILE")
    base = args.out or args.out_dir or Path(f"{args.new}.published")
    rejects_path = args.rejects or Path(f"{base}.rejects.ndjson")
    if not args.force:
        for path in (args.out, rejects_path):
            if path is not None and path.exists():
                return _fail(f"{path} exists (--force replaces it)")
    sink: Any
    if args.out is not None:
        sink = NdjsonSink(args.out, resume=False)
    elif args.out_dir is not None:
        sink = DirectorySink(args.out_dir, get_adapter(args.to))
    else:
        from cjx.extract._publish import PublishSink  # noqa: PLC0415

        sink = PublishSink.from_config(args.config)
    try:
        with rejects_path.open("wb") as rejects:
            summary = diff_extracts(args.old, args.new, sink=sink, rejects=rejects)
    finally:
        sink.close()
    print(json.dumps({**summary, "rejects": str(rejects_path)}))
    return EXIT_REJECTED if summary["rejected"] else EXIT_OK
