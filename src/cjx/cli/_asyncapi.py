"""``cjx asyncapi --config FILE [--out FILE] [--format yaml|json]``: the topology, AsyncAPI 3."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._inputs import check_file

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    a = sub.add_parser(
        "asyncapi",
        help="write an AsyncAPI 3.0 document of the topology a configuration declares",
    )
    a.add_argument("--config", required=True, metavar="FILE")
    a.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")
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
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8", newline="\n")
    return 0
