"""The ``cjx identity`` command line (its parsers only: :mod:`cjx.cli._identity` runs it, and
loads the person index, which building the parser for another command does not need)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["INDEX_URL_VARIABLE", "add_parsers"]

#: :data:`cjx.identity.INDEX_URL_VARIABLE` (a test holds the two equal).
INDEX_URL_VARIABLE = "CJX_IDENTITY_URL"


def add_parsers(sub: Any) -> None:
    i = sub.add_parser("identity", help="the person index: links between identifiers")
    actions = i.add_subparsers(dest="identity_command", required=True, parser_class=type(i))

    def command(name: str, text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=text, description=text)
        p.add_argument(
            "--index",
            metavar="URL",
            help=f"sqlite:///PATH or postgresql://... ({INDEX_URL_VARIABLE} overrides it)",
        )
        return p

    link = command("link", "link two identifiers of one person")
    link.add_argument("--by", metavar="WHO", help="who makes the link (default: login name)")
    link.add_argument("--reason", metavar="TEXT")
    link.add_argument("--merge", action="store_true", help="A was merged into B (A is former)")
    link.add_argument("a", metavar="A", help="SCHEME:VALUE")
    link.add_argument("b", metavar="B", help="SCHEME:VALUE")

    show = command("show", "show everything the index links to an identifier")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.add_argument("--provenance", action="store_true", help="json: add former and links")
    show.add_argument("a", metavar="A", help="SCHEME:VALUE")

    retract = command("retract", "retract the links between two identifiers (kept, audited)")
    retract.add_argument("--by", metavar="WHO", help="who retracts (default: login name)")
    retract.add_argument("--reason", metavar="TEXT", required=True)
    retract.add_argument("a", metavar="A", help="SCHEME:VALUE")
    retract.add_argument("b", metavar="B", help="SCHEME:VALUE")

    conflicts = command("conflicts", "list the conflicts the index recorded")
    conflicts.add_argument("--format", choices=("text", "json"), default="text")

    export = command("export", "write the whole index as JSON lines")
    export.add_argument("--output", type=Path, metavar="FILE", help="default: standard output")
    export.add_argument("--force", action="store_true", help="replace --output if it exists")
    export.add_argument(
        "--umask",
        action="store_true",
        help="create --output with the usual mode less the umask, not 0600",
    )

    load = command("import", "load an export into an empty index")
    load.add_argument("file", metavar="FILE", help="an export (JSON lines), or - for stdin")

    command("migrate", "create the index's schema, or bring it up to date")
