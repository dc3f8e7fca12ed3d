"""``cjx schema diff``: the compatibility gate between versions of the canonical schemas.

::

    cjx schema diff [--format text|json|junit] OLD NEW
    cjx schema diff [--format text|json|junit] --against-released [PATH...]

Exit status 0 when the verdict is compatible, 1 when it is breaking, 2 when the comparison could
not run (a missing or unreadable file, an unknown version, two files of different kinds).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._inputs import UsageError

__all__ = ["add_parser", "run"]


def add_parser(schema_sub: Any) -> None:
    d = schema_sub.add_parser(
        "diff",
        help="classify the changes between two versions of the canonical schemas",
        description=(
            "OLD and NEW are each a released version (such as 1.0) or a schema file (two files "
            "must both be JSON Schemas or both XSDs). With --against-released, each PATH (by "
            "default the canonical schemas cjx ships) is compared with every released version "
            "of the major it declares. Exit status: 0 compatible, 1 breaking, 2 not run."
        ),
    )
    d.add_argument("--format", choices=("text", "json", "junit"), default="text")
    d.add_argument(
        "--against-released",
        action="store_true",
        help="compare each PATH with every released version of its major",
    )
    d.add_argument("schemas", nargs="*", metavar="OLD NEW | PATH")


def _default_paths() -> list[Path]:
    from cjx._resources import schema_file  # noqa: PLC0415
    from cjx.schema_export import JSON_SCHEMA_PATH, XSD_PATH  # noqa: PLC0415

    return [schema_file(JSON_SCHEMA_PATH), schema_file(XSD_PATH)]


def run(args: argparse.Namespace) -> int:
    from cjx.schemadiff import (  # noqa: PLC0415 - loaded only when the command runs
        Kind,
        SchemaDiffError,
        diff,
        diff_against_released,
        render_json,
        render_junit,
        render_text,
        verdict,
    )

    try:
        if args.against_released:
            paths = [Path(p) for p in args.schemas] or _default_paths()
            comparisons = diff_against_released(paths)
        elif len(args.schemas) == 2:
            comparisons = diff(args.schemas[0], args.schemas[1])
        else:
            raise UsageError("schema diff takes OLD and NEW (or --against-released [PATH...])")
    except SchemaDiffError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(render_json(comparisons), indent=2))
    elif args.format == "junit":
        sys.stdout.write(render_junit(comparisons))
    else:
        sys.stdout.write(render_text(comparisons))
    changes = [c for comparison in comparisons for c in comparison.changes]
    return 1 if verdict(changes) is Kind.BREAKING else 0
