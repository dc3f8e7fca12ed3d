"""The ``cjx`` command. Scripts and other projects call it, so its contract is exact.

Exit status, for every subcommand: 0 when everything succeeded, 1 when any input was rejected
(or a check failed), 2 for usage errors (unknown options or formats, missing paths, colliding
outputs, an output that exists without ``--force``). No traceback is printed for bad input.

Every file ``cjx`` writes goes through :func:`cjx.cli._files.write_file`: created ``0600``
(``--umask``: the usual mode less the umask), never through a symlink, never over an existing
file unless ``--force``. Text written to the terminal escapes control characters from input
names, message ids and types.

::

    cjx translate --from FORMAT --to FORMAT [--option NAME=VALUE]... [--index URL]
                  [--out-dir DIR] [--report FILE] [--force] [--umask] [--verify] PATH...
    cjx validate [--format text|json|junit] [--detailed] PATH...
    cjx formats
    cjx rules [--format text|json]
    cjx schema export [--force] [--version MAJOR.MINOR] DIR
    cjx schema check
    cjx schema diff [--format text|json|junit] OLD NEW | --against-released [PATH...]
    cjx demo [--out-dir DIR] [--broker URL] [--keep] [--force] [--umask]
    cjx demo --journey [--broker URL]
    cjx run --config FILE [--service NAME]... [--metrics-port PORT]
    cjx topology apply|show --config FILE [--service NAME]...
    cjx dlq list --config FILE (--service NAME | --all-services) [SELECTOR]... [--limit N]
    cjx dlq show --config FILE --service NAME [--position N] [--json] [--body-out FILE]
    cjx dlq export|replay|purge --config FILE --service NAME (SELECTOR... | --all) [--dry-run]
                  [--out DIR] [--yes]     (SELECTOR: --position N, --code CODE, --type TYPE)
    cjx publish --config FILE --format FORMAT [--validate] PATH...
    cjx health [--url http://127.0.0.1:PORT/ready]
    cjx identity link|show|retract|conflicts|export|import|migrate --index URL ...
    cjx asyncapi --config FILE [--out FILE] [--force] [--format yaml|json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from cjx import __version__
from cjx._files import FileExists, make_directory, write_file
from cjx._text import printable
from cjx.adapter import adapters, broken, get_adapter
from cjx.adapter import validate as validate_input
from cjx.errors import ConfigurationError, Report, TransientError, UnknownFormat, reports_to_junit
from cjx.pipeline import translate

from ._inputs import Input, TooLarge, UsageError, check_directory, check_file, collect, read

if TYPE_CHECKING:
    from ._rules import LazyIndex

__all__ = ["main"]

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"cjx: error: {message}\n")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="replace output files that exist already"
    )
    parser.add_argument(
        "--umask",
        action="store_true",
        help="create output files with the usual mode less the umask, not 0600",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cjx", description="Criminal Justice eXchange")
    parser.add_argument("--version", action="version", version=f"cjx {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("translate", help="translate messages from one format to another")
    t.add_argument("--from", dest="from_format", required=True, metavar="FORMAT")
    t.add_argument("--to", dest="to_format", required=True, metavar="FORMAT")
    t.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an option of the --from format's reader, e.g. crn=X320741 for delius-custody "
        "(the CRN a bare Conviction was fetched for); repeatable",
    )
    t.add_argument("--out-dir", type=Path, metavar="DIR", help="write one file per message")
    t.add_argument("--report", type=Path, metavar="FILE", help="write a JSON report")
    t.add_argument(
        "--index",
        metavar="URL",
        help="the person index for a rule the translation needs (sqlite:///PATH, "
        "postgresql://...; CJX_IDENTITY_URL overrides it)",
    )
    t.add_argument(
        "--verify",
        action="store_true",
        help="read every output back through its own format's gate (a check on cjx itself)",
    )
    _output_options(t)
    t.add_argument("paths", nargs="+", metavar="PATH", help="file, directory or - (stdin)")

    v = sub.add_parser("validate", help="validate messages of any known format")
    v.add_argument("--format", choices=("text", "json", "junit"), default="text")
    v.add_argument(
        "--detailed", action="store_true", help="use xmlschema for path-precise XSD reports"
    )
    v.add_argument("paths", nargs="+", metavar="PATH", help="file, directory or - (stdin)")

    sub.add_parser("formats", help="list the formats cjx can read and write")
    from ._rules import add_parser as add_rules  # noqa: PLC0415

    add_rules(sub)

    s = sub.add_parser("schema", help="export or check the schemas")
    schema_sub = s.add_subparsers(dest="schema_command", required=True, parser_class=_Parser)
    export = schema_sub.add_parser("export", help="write every schema into DIR")
    export.add_argument(
        "--force", action="store_true", help="replace schema files that exist already"
    )
    export.add_argument(
        "--version",
        metavar="MAJOR.MINOR",
        help="write only this released version's canonical schemas (canonical/<version>/)",
    )
    export.add_argument("directory", type=Path, metavar="DIR")
    schema_sub.add_parser("check", help="fail when regenerating the JSON Schema changes it")
    from ._schema_diff import add_parser as add_schema_diff  # noqa: PLC0415

    add_schema_diff(schema_sub)

    d = sub.add_parser("demo", help="run the services on the bundled examples, show the outcome")
    d.add_argument("--out-dir", type=Path, metavar="DIR", help="where to write the outputs")
    d.add_argument(
        "--broker",
        default="memory://",
        metavar="URL",
        help="memory:// (embedded, the default) or amqp://user:pass@host:port/vhost: a vhost "
        "of the demo's own (it refuses one that holds cjx's exchanges)",
    )
    d.add_argument(
        "--keep",
        action="store_true",
        help="leave the queues and exchanges the demo declared on the broker (removed by default)",
    )
    d.add_argument(
        "--journey",
        action="store_true",
        help="run the prison-to-probation handover (examples/journey.toml) and print a "
        "timeline per person",
    )
    _output_options(d)

    from ._services import add_parsers  # noqa: PLC0415

    add_parsers(sub)
    from ._identity import add_parsers as add_identity_parsers  # noqa: PLC0415

    add_identity_parsers(sub)
    from ._asyncapi import add_parser as add_asyncapi  # noqa: PLC0415

    add_asyncapi(sub)
    from ._extract import add_parser as add_extract  # noqa: PLC0415

    add_extract(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "translate":
            return _translate(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "formats":
            return _formats()
        if args.command == "rules":
            from ._rules import run as run_rules  # noqa: PLC0415

            return run_rules(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "demo" and args.journey:
            from ._journey import run_journey_demo  # noqa: PLC0415

            return run_journey_demo(broker_url=args.broker)
        if args.command == "demo":
            from ._demo import run_demo  # noqa: PLC0415 - rich is loaded only for the demo

            if args.out_dir is not None:
                check_directory(args.out_dir, "--out-dir")
            return run_demo(
                out_dir=args.out_dir,
                broker_url=args.broker,
                force=args.force,
                private=not args.umask,
                keep=args.keep,
            )
        if args.command == "asyncapi":
            from ._asyncapi import run as run_asyncapi  # noqa: PLC0415

            return run_asyncapi(args)
        if args.command in ("run", "topology", "dlq", "publish", "health"):
            from ._services import dispatch  # noqa: PLC0415

            return dispatch(args)
        if args.command == "extract":
            from ._extract import run as run_extract  # noqa: PLC0415

            return run_extract(args)
        if args.command == "identity":
            from ._identity import dispatch as identity  # noqa: PLC0415

            return identity(args)
    except (UsageError, UnknownFormat, ConfigurationError, FileExists) as exc:
        print(f"cjx: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # pragma: no cover - e.g. `cjx ... | head`
        return EXIT_OK
    except OSError as exc:  # a path that passed the checks but cannot be written after all
        where = printable(str(exc.filename or ""))
        print(f"cjx: error: {exc.strerror or exc}: {where}", file=sys.stderr)
        return EXIT_USAGE
    raise AssertionError(args.command)  # pragma: no cover


def _entry(item: Input, report: Report, outputs: list[str]) -> dict[str, Any]:
    return {
        "path": item.name,
        "status": "ok" if report.ok else "rejected",
        "outputs": outputs,
        "issues": [i.as_dict() for i in report.issues],
    }


def _options(given: list[str]) -> dict[str, str]:
    """``--option NAME=VALUE`` arguments as a mapping; each name at most once."""
    options: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError("--option expects NAME=VALUE")
        if name in options:
            raise UsageError(f"--option {name} is given twice")
        options[name] = value
    return options


def _translate(args: argparse.Namespace) -> int:
    from ._identity import index_url  # noqa: PLC0415
    from ._rules import LazyIndex  # noqa: PLC0415

    index = LazyIndex(index_url(args.index))
    try:
        return _translate_inputs(args, index)
    except TransientError as exc:  # the person index could not be reached
        print(f"cjx: error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        index.close()


def _translate_inputs(args: argparse.Namespace, index: LazyIndex) -> int:
    reader = get_adapter(args.from_format).with_options(_options(args.option))
    writer = get_adapter(args.to_format)
    inputs = collect(args.paths)
    if not inputs:
        raise UsageError("no input files found")
    if args.out_dir is None and len(inputs) > 1:
        raise UsageError("several inputs need --out-dir (one input may go to standard output)")
    if args.out_dir is not None:
        check_directory(args.out_dir, "--out-dir")
    if args.report is not None:
        check_file(args.report, "--report")
    planned: list[tuple[Input, Report, list[tuple[Path, bytes]]]] = []
    for item in inputs:
        try:
            data = read(item)
        except TooLarge as exc:
            planned.append((item, exc.report, []))
            continue
        outcome = translate(
            data,
            from_format=reader,
            to_format=writer,
            source=item.name,
            index=index,
            verify=True if args.verify else None,
        )
        files: list[tuple[Path, bytes]] = []
        if args.out_dir is not None and outcome.ok:
            names = (
                [f"{item.stem}{writer.extension}"]
                if len(outcome.outputs) == 1
                else [
                    f"{item.stem}-{n}{writer.extension}" for n in range(1, len(outcome.outputs) + 1)
                ]
            )
            files = [(args.out_dir / n, out) for n, out in zip(names, outcome.outputs, strict=True)]
        elif outcome.ok:
            if len(outcome.outputs) > 1:
                raise UsageError(
                    f"{item.name} yields {len(outcome.outputs)} messages; "
                    "give --out-dir to write one file each (nothing was written)"
                )
            files = [(Path("-"), out) for out in outcome.outputs]
        planned.append((item, outcome.report, files))

    seen: dict[Path, str] = {}
    sources = {item.path.resolve() for item in inputs if item.path is not None}
    for item, _, files in planned:
        for path, _ in files:
            if path == Path("-"):
                continue
            if path in seen:
                raise UsageError(
                    f"{item.name} and {seen[path]} would both write {path}; nothing was written"
                )
            if path.resolve() in sources:
                raise UsageError(
                    f"{item.name} would overwrite the input {path}; nothing was written"
                )
            seen[path] = item.name
    if args.report is not None:
        report_path = args.report.resolve()
        if report_path in sources or report_path in {p.resolve() for p in seen}:
            raise UsageError(
                f"--report {args.report} is also an input or an output; nothing was written"
            )
    if not args.force:
        # every output checked before anything is written (a symlink counts as existing)
        targets = [*seen, *([args.report] if args.report is not None else [])]
        taken = [p for p in targets if p.is_symlink() or p.exists()]
        if taken:
            more = f" (and {len(taken) - 1} more outputs)" if len(taken) > 1 else ""
            raise UsageError(
                f"{taken[0]} exists{more}; give --force to replace outputs; nothing was written"
            )

    private = not args.umask
    if args.out_dir is not None:
        make_directory(args.out_dir, private=private)
    entries = []
    for item, report, files in planned:
        for path, content in files:
            if path == Path("-"):
                sys.stdout.buffer.write(content)
                sys.stdout.buffer.flush()
            else:
                write_file(path, content, force=args.force, private=private)
        entries.append(_entry(item, report, [str(p) for p, _ in files if p != Path("-")]))
        if not report.ok:
            print(report.to_text(), file=sys.stderr)
    if args.report is not None:
        make_directory(args.report.parent, private=private)
        text = json.dumps({"inputs": entries}, indent=2) + "\n"
        write_file(args.report, text.encode(), force=args.force, private=private)
    return EXIT_OK if all(e["status"] == "ok" for e in entries) else EXIT_REJECTED


def _validate(args: argparse.Namespace) -> int:
    inputs = collect(args.paths)
    if not inputs:
        raise UsageError("no input files found")
    reports = []
    for item in inputs:
        try:
            data = read(item)
        except TooLarge as exc:
            reports.append(exc.report)
            continue
        reports.append(validate_input(data, source=item.name, detailed=args.detailed))
    if args.format == "json":
        body = {"inputs": [_entry(i, r, []) for i, r in zip(inputs, reports, strict=True)]}
        print(json.dumps(body, indent=2))
    elif args.format == "junit":
        sys.stdout.write(reports_to_junit(reports))
    else:
        for report in reports:
            print(report.to_text())
        bad = sum(not r.ok for r in reports)
        print(f"{len(reports) - bad} valid, {bad} invalid")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_REJECTED


def _formats() -> int:
    width = max([16, *(len(name) for name in (*adapters(), *broken()))])
    for name, adapter in adapters().items():
        types = ", ".join(sorted(adapter.decodes))
        print(f"{name:<{width}} {adapter.media_type:<40} {adapter.description}")
        print(f"{'':<{width}} message types: {types}")
    for name, reason in broken().items():
        print(f"{name:<{width}} BROKEN: {reason}", file=sys.stderr)
    return EXIT_OK if not broken() else EXIT_REJECTED


def _schema(args: argparse.Namespace) -> int:
    from cjx import schema_export  # noqa: PLC0415 - only the schema commands need it

    if args.schema_command == "diff":
        from ._schema_diff import run as run_schema_diff  # noqa: PLC0415

        return run_schema_diff(args)
    if args.schema_command == "export":
        check_directory(args.directory, "DIR")
        from cjx.schema_versions import UnknownVersion  # noqa: PLC0415

        try:
            written = schema_export.export(args.directory, force=args.force, version=args.version)
        except UnknownVersion as exc:
            raise UsageError(str(exc)) from None
        for path in written:
            print(printable(str(path)))
        return EXIT_OK
    differences = schema_export.check()
    if differences:
        for line in differences:
            print(line, file=sys.stderr)
        print(
            "cjx: the committed canonical schemas differ from the model or from what was "
            "released; regenerate the working JSON Schema with `python -m cjx.schema_export` "
            "(scripts/regenerate-schemas), restore released files from git, review, commit",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    print("schemas are up to date")
    return EXIT_OK
