"""The parsers of ``cjx run``, ``topology``, ``dlq``, ``publish`` and ``health`` (the commands
:mod:`cjx.cli._services` runs; building the parser does not load the services)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parsers"]


def add_parsers(sub: Any) -> None:
    r = sub.add_parser("run", help="run adapter services (all in the config by default)")
    r.add_argument("--config", required=True, metavar="FILE")
    r.add_argument("--service", action="append", default=[], metavar="NAME")
    r.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve /metrics, /ready and /healthz on PORT (bound before any service starts: "
        "a port in use is an error, exit 2)",
    )
    r.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        metavar="HOST",
        help="the address to serve them on (default 127.0.0.1, this machine only; 0.0.0.0 "
        "lets a scraper outside a container reach them)",
    )
    r.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))

    t = sub.add_parser("topology", help="declare or print the exchanges, queues and bindings")
    t.add_argument("action", choices=("apply", "show"))
    t.add_argument("--config", required=True, metavar="FILE")
    t.add_argument("--service", action="append", default=[], metavar="NAME")

    d = sub.add_parser(
        "dlq",
        help="list, show, export, replay or purge a service's dead letters",
        description="Dead-letter tools (see docs/operations.md). A position is the one `list` "
        "shows for the whole queue (1 = the oldest), with or without a filter. `replay`, "
        "`purge` and `export` act on what --position, --code and --type select (kinds combine "
        "with and, repeats of one with or) and on nothing else; with no selector they need "
        "--all.",
    )
    actions = d.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="a header, one line per dead letter, counts per code")
    _dlq_common(listing, all_services=True)
    _dlq_selectors(listing)
    listing.add_argument(
        "--limit", type=_count, metavar="N", help="list at most N (reads only as far as needed)"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    shown = actions.add_parser("show", help="one dead letter: description, headers, report")
    _dlq_common(shown)
    shown.add_argument(
        "--position", type=_position, default=1, metavar="N", help="which one (1 = the oldest)"
    )
    shown.add_argument("--json", action="store_true", help="print JSON instead of text")
    shown.add_argument(
        "--body", action="store_true", help="print the body too (it holds personal data)"
    )
    shown.add_argument(
        "--body-out",
        type=Path,
        metavar="FILE",
        help="write the body's raw bytes to FILE (created 0600; never through a symlink)",
    )
    shown.add_argument("--force", action="store_true", help="replace FILE if it exists")
    exported = actions.add_parser(
        "export", help="write the selected bodies and reports as files (removes nothing)"
    )
    _dlq_common(exported)
    _dlq_selectors(exported, everything=True)
    exported.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="writes DIR/bodies/NNNN.<ext> and DIR/reports/NNNN.json (NNNN = position)",
    )
    exported.add_argument("--force", action="store_true", help="replace files that exist")
    for verb, text in (
        ("replay", "send the selected dead letters back to <service>.in (destroys nothing)"),
        ("purge", "remove the selected dead letters for good (asks first on a terminal)"),
    ):
        acting = actions.add_parser(verb, help=text)
        _dlq_common(acting)
        _dlq_selectors(acting, everything=True)
        acting.add_argument(
            "--dry-run", action="store_true", help="list exactly what would be acted on"
        )
        acting.add_argument("--json", action="store_true", help="print JSON")
        if verb == "purge":
            acting.add_argument(
                "--yes", action="store_true", help="do not ask (needed without a terminal)"
            )

    _add_publish(sub)

    h = sub.add_parser("health", help="exit 0 when the services behind URL are ready")
    h.add_argument("--url", default="http://127.0.0.1:9464/ready", metavar="URL")
    h.add_argument("--timeout", type=float, default=5.0)


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _position(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a position is 1 or more (1 = the oldest)")
    return value


def _dlq_common(p: Any, *, all_services: bool = False) -> None:
    p.add_argument("--config", required=True, metavar="FILE", help="the services TOML file")
    if all_services:
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--service", metavar="NAME", help="the service whose dlq to read")
        which.add_argument(
            "--all-services", action="store_true", help="an overview: every service's dlq"
        )
    else:
        p.add_argument("--service", required=True, metavar="NAME", help="the service")
    p.add_argument(
        "--overflow",
        action="store_true",
        help="work on <service>.dlq-overflow (what the dlq itself refused) instead",
    )


def _dlq_selectors(p: Any, *, everything: bool = False) -> None:
    p.add_argument(
        "--position",
        type=_position,
        action="append",
        default=[],
        metavar="N",
        help="the dead letter `list` numbers N (repeatable)",
    )
    p.add_argument(
        "--code",
        action="append",
        default=[],
        metavar="CODE",
        help="dead letters with an issue of this code, any issue (repeatable)",
    )
    p.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="TYPE",
        help="dead letters of this message type (repeatable)",
    )
    if everything:
        p.add_argument(
            "--all", action="store_true", help="every dead letter (only without a selector)"
        )


def _add_publish(sub: Any) -> None:
    p = sub.add_parser(
        "publish",
        help="send files to cjx.inbound as cjx does (with confirms)",
        description="Send each file as it is to the cjx.inbound exchange (routing key = the "
        "format), with publisher confirms: the way a system without an AMQP client feeds cjx, "
        "and the way a corrected dead letter goes back (cjx dlq export, fix, cjx publish). "
        "An invalid file reaches its service and is dead-lettered there, unless --validate.",
    )
    p.add_argument("--config", required=True, metavar="FILE", help="the services TOML file")
    p.add_argument(
        "--format",
        required=True,
        metavar="FORMAT",
        help="the files' format, e.g. libra-spi (`cjx formats` lists them)",
    )
    p.add_argument(
        "--validate",
        action="store_true",
        help="check each file as FORMAT first; skip (and report) the invalid ones",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (walked, sorted)")
