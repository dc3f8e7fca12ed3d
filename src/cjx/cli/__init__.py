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
    cjx validate [--format text|json|junit] [--detailed] [--schema-version V] PATH...
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
from cjx.errors import ConfigurationError, Report, TransientError, UnknownFormat, reports_to_junit

from ._inputs import (
    Input,
    TooLarge,
    UsageError,
    check_directory,
    check_file,
    collect,
    parse_size,
    read,
    recognised,
)
from ._render import render, skipped_line, style_for

if TYPE_CHECKING:
    from cjx.adapter import Adapter

    from ._rules import LazyIndex

__all__ = ["main"]

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


_PATH_HELP = (
    "a file, a directory (recursed: only files some installed format recognises are taken, "
    "others are listed as skipped), - for standard input, or a pipe such as /dev/stdin"
)


_EPILOG = """\
examples:
  cjx validate examples/                       every message cjx recognises, checked
  cjx translate --from libra-spi --to canonical-json --out-dir out/ examples/court
  cjx run --config services.toml --metrics-port 9464
  eval "$(cjx completion bash)"                 complete cjx in this shell

environment:
  CJX_BROKER_URL      overrides [broker] url of a services configuration
  CJX_IDENTITY_URL    the person index (sqlite:///PATH or postgresql://...)
  CJX_VERIFY_OUTPUT   1: read every output back through its format's gate
  NO_COLOR            no colour in reports

exit status: 0 everything succeeded, 1 an input was rejected or a check failed, 2 usage error
"""


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


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _input_options(parser: argparse.ArgumentParser) -> None:
    """What every command that reads PATHs takes: selection, the size limit, the output."""
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="in a directory, take only files matching GLOB (their path below it, or their "
        "name; repeatable)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="in a directory, leave out files matching GLOB (repeatable)",
    )
    parser.add_argument(
        "--max-input-bytes",
        type=_size,
        metavar="SIZE",
        help="refuse an input over SIZE bytes (e.g. 512K, 10M) before reading it; default: "
        "the largest any installed format takes (10M)",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="print no report and no summary: status only"
    )
    parser.add_argument(
        "--errors-only",
        action="store_true",
        help="report only rejected inputs, and only their errors",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the report: auto (on a terminal, unless NO_COLOR is set), always, never",
    )


def _format_names() -> str:
    from cjx.adapter import adapters as installed  # noqa: PLC0415 - loads the registry

    return ", ".join(installed())


def _asks_for_help(arguments: Sequence[str]) -> bool:
    """Whether the command line asks for a help text (``-h``, ``--help`` or an abbreviation
    argparse takes for it): only a help text shows the installed formats' names."""
    return any(
        argument == "-h"
        or (len(argument) > 2 and "--help".startswith(argument))
        or (argument.startswith("-") and not argument.startswith("--") and "h" in argument)
        for argument in arguments
    )


def _parser(arguments: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. Given the arguments it will parse, it names the installed
    formats in its help texts only when they ask for help (naming them loads every adapter,
    which a command such as ``cjx extract import`` does not otherwise need)."""
    parser = _Parser(
        prog="cjx",
        description="Criminal Justice eXchange: translate and validate court, prison and "
        "probation messages, and run the adapter services.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", "-V", action="version", version=f"cjx {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    names = (
        _format_names() if arguments is None or _asks_for_help(arguments) else "see `cjx formats`"
    )
    t = sub.add_parser("translate", help="translate messages from one format to another")
    t.add_argument(
        "--from",
        dest="from_format",
        required=True,
        metavar="FORMAT",
        help=f"the inputs' format, one of: {names}",
    )
    t.add_argument(
        "--to",
        dest="to_format",
        required=True,
        metavar="FORMAT",
        help=f"the outputs' format, one of: {names}",
    )
    t.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an option of the --from format's reader, e.g. crn=X320741 for delius-custody "
        "(the CRN a bare Conviction was fetched for); repeatable",
    )
    t.add_argument("--out-dir", type=Path, metavar="DIR", help="write one file per message")
    t.add_argument(
        "--keep-tree",
        action="store_true",
        help="with --out-dir, write each output in the folders its input was found in, below "
        "the directory given (so same-named files in different folders can be translated)",
    )
    t.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="write a JSON report to FILE (- for standard output, with --out-dir)",
    )
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
    _input_options(t)
    t.add_argument("paths", nargs="+", metavar="PATH", help=_PATH_HELP)

    v = sub.add_parser("validate", help=f"validate messages of any installed format ({names})")
    v.add_argument(
        "--format",
        choices=("text", "json", "junit"),
        default="text",
        help="the report's form on standard output (default text)",
    )
    v.add_argument(
        "--detailed", action="store_true", help="use xmlschema for path-precise XSD reports"
    )
    v.add_argument(
        "--schema-version",
        metavar="MAJOR.MINOR",
        help="check canonical messages as a reader built on this release does (its schemas "
        "only; docs/versioning.md)",
    )
    _input_options(v)
    v.add_argument("paths", nargs="+", metavar="PATH", help=_PATH_HELP)

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

    from ._service_args import add_parsers  # noqa: PLC0415

    add_parsers(sub)
    from ._identity_args import add_parsers as add_identity_parsers  # noqa: PLC0415

    add_identity_parsers(sub)
    from ._asyncapi import add_parser as add_asyncapi  # noqa: PLC0415

    add_asyncapi(sub)
    from ._extract import add_parser as add_extract  # noqa: PLC0415

    add_extract(sub)
    from ._completion import add_parser as add_completion  # noqa: PLC0415
    from ._completion import fill_help  # noqa: PLC0415

    add_completion(sub)
    fill_help(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments in (["--version"], ["-V"]):  # before the parser, which loads every format
        print(f"cjx {__version__}")
        return EXIT_OK
    parser = _parser(arguments)
    args = parser.parse_args(arguments)
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
        if args.command == "completion":
            from ._completion import run as run_completion  # noqa: PLC0415

            return run_completion(args, parser)
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


_STDOUT = Path("-")


def _check_pair(reader: Any, writer: Any) -> None:
    """A usage error, once, when no message ``reader`` gives can become one ``writer`` encodes
    (directly or through a rule): every input would be rejected for the same reason."""
    from cjx.rules import route  # noqa: PLC0415

    for message_type in reader.decodes:
        if message_type in writer.encodes or route(message_type, writer.encodes) is not None:
            return
    raise UsageError(
        f"--from {reader.name} gives {', '.join(sorted(reader.decodes))}; --to {writer.name} "
        f"encodes {', '.join(sorted(writer.encodes)) or 'nothing'}, and no rule makes one "
        "from the other (cjx formats, cjx rules)"
    )


def _output_name(args: argparse.Namespace, item: Input, name: str) -> Path:
    out_dir: Path = args.out_dir
    if args.keep_tree and item.below is not None:
        return out_dir / Path(*item.below.parts) / name
    return out_dir / name


def _translate_inputs(args: argparse.Namespace, index: LazyIndex) -> int:
    from cjx.adapter import get_adapter  # noqa: PLC0415 - `cjx --version` imports nothing
    from cjx.pipeline import translate  # noqa: PLC0415

    reader = get_adapter(args.from_format).with_options(_options(args.option))
    writer = get_adapter(args.to_format)
    _check_pair(reader, writer)
    inputs = collect(args.paths, include=args.include, exclude=args.exclude)
    if not inputs:
        raise UsageError("no input files found")
    if args.out_dir is None and len(inputs) > 1:
        raise UsageError("several inputs need --out-dir (one input may go to standard output)")
    if args.keep_tree and args.out_dir is None:
        raise UsageError("--keep-tree needs --out-dir")
    report_to_stdout = args.report is not None and args.report == _STDOUT
    if report_to_stdout and args.out_dir is None:
        raise UsageError("--report - needs --out-dir: standard output holds the translation")
    if args.out_dir is not None:
        check_directory(args.out_dir, "--out-dir")
    if args.report is not None and not report_to_stdout:
        check_file(args.report, "--report")
    style = style_for(sys.stderr, color=args.color, quiet=args.quiet, errors_only=args.errors_only)
    planned: list[tuple[Input, Report | None, list[tuple[Path, bytes]]]] = []
    for item in inputs:
        try:
            data = read(item, args.max_input_bytes)
        except TooLarge as exc:
            planned.append((item, exc.report, []))
            continue
        if not recognised(item, data):
            planned.append((item, None, []))  # skipped: listed, not rejected
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
            files = [
                (_output_name(args, item, n), out)
                for n, out in zip(names, outcome.outputs, strict=True)
            ]
        elif outcome.ok:
            if len(outcome.outputs) > 1:
                raise UsageError(
                    f"{item.name} yields {len(outcome.outputs)} messages; "
                    "give --out-dir to write one file each (nothing was written)"
                )
            files = [(_STDOUT, out) for out in outcome.outputs]
        planned.append((item, outcome.report, files))

    seen: dict[Path, str] = {}
    sources = {item.path.resolve() for item in inputs if item.path is not None}
    for item, _, files in planned:
        for path, _ in files:
            if path == _STDOUT:
                continue
            if path in seen:
                hint = "" if args.keep_tree else " (--keep-tree keeps their folders apart)"
                raise UsageError(
                    f"{item.name} and {seen[path]} would both write {path}{hint}; "
                    "nothing was written"
                )
            if path.resolve() in sources:
                raise UsageError(
                    f"{item.name} would overwrite the input {path}; nothing was written"
                )
            seen[path] = item.name
    if args.report is not None and not report_to_stdout:
        report_path = args.report.resolve()
        if report_path in sources or report_path in {p.resolve() for p in seen}:
            raise UsageError(
                f"--report {args.report} is also an input or an output; nothing was written"
            )
    if not args.force:
        # every output checked before anything is written (a symlink counts as existing)
        report_file = [args.report] if args.report is not None and not report_to_stdout else []
        targets = [*seen, *report_file]
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
    written = 0
    for item, report, files in planned:
        if report is None:
            entries.append({"path": item.name, "status": "skipped", "outputs": [], "issues": []})
            line = skipped_line(item.name, style)
            if line is not None:
                print(line, file=sys.stderr)
            continue
        for path, content in files:
            if path == _STDOUT:
                sys.stdout.buffer.write(content if content.endswith(b"\n") else content + b"\n")
                sys.stdout.buffer.flush()
            else:
                if args.keep_tree and item.below is not None and item.below.parts:
                    make_directory(args.out_dir, str(item.below), private=private)
                write_file(path, content, force=args.force, private=private)
                written += 1
        entries.append(_entry(item, report, [str(p) for p, _ in files if p != _STDOUT]))
        if not report.ok:
            text = render(report, style)
            if text is not None:
                print(text, file=sys.stderr)
    if args.report is not None:
        text = json.dumps({"inputs": entries}, indent=2) + "\n"
        if report_to_stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            make_directory(args.report.parent, private=private)
            write_file(args.report, text.encode(), force=args.force, private=private)
    if not style.quiet:
        print(_translate_summary(entries, written, args.out_dir is None), file=sys.stderr)
    return EXIT_OK if all(e["status"] != "rejected" for e in entries) else EXIT_REJECTED


def _translate_summary(entries: list[dict[str, Any]], written: int, to_stdout: bool) -> str:
    count = {k: sum(e["status"] == k for e in entries) for k in ("ok", "rejected", "skipped")}
    line = f"{count['ok']} translated, {count['rejected']} rejected"
    if count["skipped"]:
        line += f", {count['skipped']} skipped"
    if to_stdout:
        return line + ("; written to standard output" if count["ok"] else "")
    return line + f"; {written} file(s) written"


def _pinned_readers(version: str | None) -> dict[str, Adapter]:
    """``--schema-version``: the canonical readers pinned to that release, by format name."""
    if version is None:
        return {}
    from cjx.adapter import CanonicalJson, CanonicalXml  # noqa: PLC0415
    from cjx.schema_versions import UnknownVersion, released  # noqa: PLC0415

    try:
        released(version)
    except UnknownVersion as exc:
        raise UsageError(f"--schema-version: {exc}") from None
    readers: list[Adapter] = [CanonicalXml(version=version), CanonicalJson(version=version)]
    return {reader.name: reader for reader in readers}


def _validate(args: argparse.Namespace) -> int:
    from cjx.adapter import sniff  # noqa: PLC0415
    from cjx.adapter import validate as validate_input  # noqa: PLC0415

    pinned = _pinned_readers(args.schema_version)

    inputs = collect(args.paths, include=args.include, exclude=args.exclude)
    if not inputs:
        raise UsageError("no input files found")
    style = style_for(sys.stdout, color=args.color, quiet=args.quiet, errors_only=args.errors_only)
    results: list[tuple[Input, Report | None]] = []
    for item in inputs:
        try:
            data = read(item, args.max_input_bytes)
        except TooLarge as exc:
            results.append((item, exc.report))
            continue
        if not recognised(item, data):
            results.append((item, None))
            continue
        sniffed = sniff(data) if pinned else None
        reader = pinned.get(sniffed.name) if sniffed is not None else None
        if reader is not None:  # a canonical message, checked as that release's reader
            results.append((item, reader.validate(data, source=item.name, detailed=args.detailed)))
            continue
        results.append((item, validate_input(data, source=item.name, detailed=args.detailed)))
    reports = [r for _, r in results if r is not None]
    skipped = [i for i, r in results if r is None]
    if args.format == "json":
        body = {
            "inputs": [
                _entry(i, r, [])
                if r is not None
                else {"path": i.name, "status": "skipped", "outputs": [], "issues": []}
                for i, r in results
            ]
        }
        if not args.quiet:
            print(json.dumps(body, indent=2))
    elif args.format == "junit":
        if not args.quiet:
            sys.stdout.write(reports_to_junit(reports))
    else:
        for item, report in results:
            text = render(report, style) if report is not None else skipped_line(item.name, style)
            if text is not None:
                print(text)
        if not style.quiet:
            bad = sum(not r.ok for r in reports)
            summary = f"{len(reports) - bad} valid, {bad} invalid"
            print(summary + (f", {len(skipped)} skipped" if skipped else ""))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_REJECTED


def _formats() -> int:
    from cjx.adapter import adapters, broken  # noqa: PLC0415

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
