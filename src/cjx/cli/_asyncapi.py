"""``cjx asyncapi --config FILE [--out FILE] [--force] [--format yaml|json]``: the topology,
AsyncAPI 3. ``--out`` is written as every cjx output (:mod:`cjx._files`: never through a
symlink, never over a file unless ``--force``), with the umask's mode: it holds no personal
data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cjx._files import make_directory, write_file

from ._inputs import check_file

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    a = sub.add_parser(
        "asyncapi",
        help="write an AsyncAPI 3.0 document of the topology a configuration declares",
    )
    a.add_argument("--config", required=True, metavar="FILE")
    a.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")
    a.add_argument("--force", action="store_true", help="replace --out if it exists already")
    a.add_argument("--format", choices=("yaml", "json"), default="yaml")


def run(args: argparse.Namespace) -> int:
    from cjx.asyncapi import asyncapi_document, render  # noqa: PLC0415
    from cjx.service import load_config  # noqa: PLC0415

    # the document describes the file: CJX_BROKER_URL (a deployment's override) is not read
    config = load_config(Path(args.config), environ={})
    if args.out is not None:
        check_file(args.out, "--out")
    text = render(asyncapi_document(config), args.format)
    if args.out is None:
        sys.stdout.write(text)
    else:
        make_directory(args.out.parent, private=False)
        write_file(args.out, text.encode("utf-8"), force=args.force, private=False)
    return 0
