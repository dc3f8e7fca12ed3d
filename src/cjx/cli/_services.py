"""``cjx run``, ``cjx topology``, ``cjx dlq`` and ``cjx health``: operating the services."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cjx._files import write_file
from cjx._text import printable
from cjx.errors import ConfigurationError, TransportError
from cjx.service import Config, Runner, Service, load_config
from cjx.service import _dlq as dlq
from cjx.transport import Topology, Undecodable, open_broker, redact_url

__all__ = ["dispatch"]

T = TypeVar("T")


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "topology":
        return _topology(args)
    if args.command in ("dlq", "publish"):
        try:
            if args.command == "dlq":
                return _dlq(args)
            from cjx.cli._publish import run  # noqa: PLC0415

            return run(args)
        except TransportError as exc:  # the broker, not the command line: exit 1, no traceback
            print(printable(f"cjx: {exc}"), file=sys.stderr)
            return 1
    return _health(args)


def _config(args: argparse.Namespace) -> Config:
    config = load_config(Path(args.config))
    names = getattr(args, "service", None) or []
    for name in [names] if isinstance(names, str) else names:
        config.service(name)  # raises for an unknown name
    return config


def _with_broker(config: Config, work: Callable[[Any], Awaitable[T]]) -> T:
    async def go() -> T:
        broker = open_broker(config.broker_url)
        await broker.connect()
        try:
            return await work(broker)
        finally:
            await broker.close()

    return asyncio.run(go())


def _run(args: argparse.Namespace) -> int:
    from cjx.cli._logging import configure_logging  # noqa: PLC0415

    configure_logging(args.log_level)
    config = _config(args)
    runner = Runner(config, args.service)
    try:
        return asyncio.run(runner.run(metrics_port=args.metrics_port, host=args.metrics_host))
    except TransportError as exc:
        print(f"cjx: broker {redact_url(config.broker_url)}: {exc}", file=sys.stderr)
        return 1


def _topology_of(config: Config, names: list[str]) -> Topology:
    broker = open_broker("memory://")  # only to build Service objects; never connected
    chosen = [config.service(n) for n in names] if names else list(config.services)
    topology = Topology()
    for c in chosen:
        topology = topology + Service(c, broker).topology
    return topology


def _topology(args: argparse.Namespace) -> int:
    config = _config(args)
    topology = _topology_of(config, args.service)
    if args.action == "show":
        for e in topology.exchanges:
            print(f"exchange {e.name} ({e.kind})")
        for q in topology.queues:
            arguments = ", ".join(f"{k}={v}" for k, v in sorted(q.arguments.items()))
            print(f"queue    {q.name} [{arguments}]")
        for b in topology.bindings:
            print(f"binding  {b.exchange} --{b.routing_key}--> {b.queue}")
        chosen = [config.service(n) for n in args.service] if args.service else config.services
        for c in chosen:
            if c.where:  # content-based routing: decided by the service, not by a binding
                print(f"where    {c.name}: {' and '.join(str(w) for w in c.where)}")
        return 0

    async def apply(broker: Any) -> None:
        await broker.declare(topology)

    _with_broker(config, apply)
    print(
        f"declared {len(topology.exchanges)} exchanges, {len(topology.queues)} queues and "
        f"{len(topology.bindings)} bindings on {redact_url(config.broker_url)}"
    )
    return 0


_EXIT_REFUSED = 2


def _print_letters(letters: list[dlq.DeadLetter], as_json: bool, verb: str) -> None:
    """A header, then one line per dead letter; every field a sender could choose (ids, types,
    codes of a broker's dead letter, names) has its control characters escaped. JSON escapes
    them too."""
    if as_json:
        print(json.dumps([x.as_dict() for x in letters], indent=2, default=str))
        return
    rows = [
        tuple(
            printable(cell)  # escaped first, so the widths are those printed
            for cell in (
                str(x.position),
                x.code + (f" (+{len(x.codes) - 1})" if len(x.codes) > 1 else ""),
                x.message_type or "-",
                _moment(x.failed_at),
                x.made_by,
                x.message_id or "-",
            )
        )
        for x in letters
    ]
    if rows:  # columns as wide as their longest value; the message id last, unpadded
        header = ("POS", "CODE", "TYPE", "FAILED AT (UTC)", "BY", "MESSAGE ID")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
        for row in [header, *rows]:
            cells = [row[0].rjust(widths[0])]
            cells += [cell.ljust(width) for cell, width in zip(row[1:-1], widths[1:], strict=True)]
            print(printable("  ".join([*cells, row[-1]])))
    print(f"{len(letters)} dead letter(s) {verb}")


def _moment(text: str) -> str:
    """A failure time as ``YYYY-MM-DD HH:MM:SS`` in UTC (what sorts the positions); anything
    else as it is (a sender may have written it), ``-`` for none."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text or "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _print_listing(service: str, listing: dlq.Listing, limit: int | None) -> None:
    _print_letters(listing.letters, False, "listed")
    if listing.selected > len(listing.letters):
        print(f"(the first {len(listing.letters)} of {listing.selected}: --limit {limit})")
    print(
        printable(
            f"{printable(service)}: {listing.total} dead letter(s) in the queue, "
            f"{listing.selected} selected"
        )
    )
    if listing.counts:
        print("per code (a dead letter counts under every code of its report):")
        for code, n in listing.counts.items():
            print(printable(f"{n:>7}  {code}"))


def _shown(value: Any) -> Any:
    """A header value for ``dlq show``: what the client could not decode is said so."""
    if isinstance(value, Undecodable):
        return {"undecodable": value.reason}
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def _show_text(document: dict[str, Any]) -> None:
    """``dlq show`` for a person: the description, the report's issues, then the headers."""
    fields = [
        "position",
        "message_id",
        "message_type",
        "code",
        "made_by",
        "original_exchange",
        "original_routing_key",
        "failed_at",
        "attempt",
        "size",
        "content_type",
    ]
    for name in fields:
        value = document.get(name)
        shown = "-" if value is None or value == "" else value
        print(printable(f"{name.replace('_', ' '):<22}{shown}"))
    report = document.get("report")
    issues = report.get("issues") if isinstance(report, dict) else None
    if isinstance(issues, list) and issues:
        print("issues:")
        for issue in issues:
            if isinstance(issue, dict):
                print(
                    printable(
                        f"  {issue.get('severity', '-')} {issue.get('code', '-')} at "
                        f"{issue.get('path') or '/'}: {issue.get('message', '')}"
                    )
                )
    elif document.get("made_by") == "broker":
        print("issues:               none (the broker dead-lettered it; see x-death below)")
    print("headers:")
    for key, value in document.get("headers", {}).items():
        text = json.dumps(value, default=str) if not isinstance(value, str) else value
        print(printable(f"  {key}: {text}"))
    if "body" in document:
        print("body:")
        print(printable(document["body"]))


def _selection(args: argparse.Namespace) -> dlq.Selection:
    """What --position/--code/--type/--all select; a usage error when nothing or both."""
    given = bool(args.position or args.code or args.type)
    everything = getattr(args, "all", False)
    if everything and given:
        raise ConfigurationError(
            f"dlq {args.action}: --all cannot be combined with --position, --code or --type"
        )
    if not everything and not given and args.action != "list":
        raise ConfigurationError(
            f"dlq {args.action}: say what to act on: --position N, --code CODE, --type TYPE, "
            "or --all for every dead letter"
        )
    if not given:
        return dlq.EVERYTHING
    return dlq.Selection.of(args.position, args.code, args.type)


def _confirm(question: str) -> bool:
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _dlq(args: argparse.Namespace) -> int:
    config = _config(args)
    if config.broker_url.startswith("memory://"):
        raise ConfigurationError(
            "the dlq tools need a broker that outlives one process; memory:// holds nothing "
            "between commands (set [broker] url or CJX_BROKER_URL to an amqp:// URL)"
        )
    if args.action == "list":
        return _dlq_list(args, config)
    if args.action == "show":
        return _dlq_show(args, config)
    selection = _selection(args)
    service = args.service
    if args.action == "export":
        written = _with_broker(
            config,
            lambda b: dlq.export(
                b, service, selection, args.out, force=args.force, overflow=args.overflow
            ),
        )
        for letter, body, report in written:
            print(printable(f"{letter.position:>5}  {letter.code:<32} {body}  {report}"))
        print(f"{len(written)} dead letter(s) exported to {printable(str(args.out))}")
        return 0
    if args.action == "replay":
        # a partitioned service has no <service>.in: its replays enter by its partition route
        partitioned = any(s.name == service and s.partitions is not None for s in config.services)
        letters = _with_broker(
            config,
            lambda b: dlq.replay(
                b,
                service,
                selection,
                dry_run=args.dry_run,
                overflow=args.overflow,
                partitioned=partitioned,
            ),
        )
        target = f"the partitions of {service}" if partitioned else f"{service}.in"
        verb = "would be replayed (dry run)" if args.dry_run else f"replayed to {target}"
        _print_letters(letters, args.json, printable(verb))
        return 0
    return _dlq_purge(args, config, selection)


def _dlq_list(args: argparse.Namespace, config: Config) -> int:
    selection = _selection(args)
    names = [c.name for c in config.services] if args.all_services else [args.service]

    async def look(broker: Any) -> list[tuple[str, dlq.Listing | None]]:
        found: list[tuple[str, dlq.Listing | None]] = []
        for name in names:
            try:
                listing: dlq.Listing | None = await dlq.list_dead_letters(
                    broker, name, selection, limit=args.limit, overflow=args.overflow
                )
            except TransportError:
                if not args.all_services:
                    raise
                listing = None  # its queues are not declared (cjx topology apply)
            found.append((name, listing))
        return found

    found = _with_broker(config, look)
    if args.json:
        document = [
            {"service": name, "declared": False}
            if listing is None
            else {
                "service": name,
                "total": listing.total,
                "selected": listing.selected,
                "counts": listing.counts,
                "dead_letters": [x.as_dict() for x in listing.letters],
            }
            for name, listing in found
        ]
        print(json.dumps(document if args.all_services else document[0], indent=2, default=str))
        return 0
    if args.all_services:
        print(f"{'SERVICE':<32} {'DEAD LETTERS':>12}  CODES")
        for name, listing in found:
            if listing is None:
                print(printable(f"{name:<32} {'-':>12}  (no dlq: run cjx topology apply)"))
                continue
            codes = ", ".join(f"{code} {n}" for code, n in listing.counts.items()) or "-"
            print(printable(f"{name:<32} {listing.total:>12}  {codes}"))
        return 0
    listing = found[0][1]
    assert listing is not None
    _print_listing(args.service, listing, args.limit)
    return 0


def _dlq_show(args: argparse.Namespace, config: Config) -> int:
    found = _with_broker(
        config, lambda b: dlq.show(b, args.service, args.position, overflow=args.overflow)
    )
    if found is None:
        print(f"cjx: no dead letter at position {args.position}", file=sys.stderr)
        return 1
    letter, message = found
    document = letter.as_dict()
    document["headers"] = {k: _shown(v) for k, v in message.headers.items()}
    document["content_type"] = message.content_type
    if args.body:
        document["body"] = message.body.decode("utf-8", "replace")
    if args.body_out is not None:
        write_file(args.body_out, message.body, force=args.force)
    if args.json:
        print(json.dumps(document, indent=2, default=str))
    else:
        _show_text(document)
    if args.body_out is not None:
        print(
            printable(f"body ({len(message.body)} bytes) written to {args.body_out}"),
            file=sys.stderr if args.json else sys.stdout,
        )
    return 0


def _dlq_purge(args: argparse.Namespace, config: Config, selection: dlq.Selection) -> int:
    service = args.service
    if args.dry_run:
        letters = _with_broker(
            config, lambda b: dlq.purge(b, service, selection, dry_run=True, overflow=args.overflow)
        )
        _print_letters(letters, args.json, "would be purged (dry run)")
        return 0
    expected: list[dlq.DeadLetter] | None = None
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            print(
                "cjx: error: dlq purge removes dead letters for good: give --yes to purge "
                "without a terminal (--dry-run shows what would go)",
                file=sys.stderr,
            )
            return _EXIT_REFUSED
        expected = _with_broker(
            config, lambda b: dlq.purge(b, service, selection, dry_run=True, overflow=args.overflow)
        )
        _print_letters(expected, False, "would be purged")
        if not expected:
            return 0
        if not _confirm(f"purge these {len(expected)} dead letter(s) for good?"):
            print("nothing purged")
            return 1
    try:
        letters = _with_broker(
            config,
            lambda b: dlq.purge(b, service, selection, overflow=args.overflow, expected=expected),
        )
    except dlq.Changed as exc:
        print(f"cjx: {printable(str(exc))}", file=sys.stderr)
        return 1
    _print_letters(letters, args.json, "purged")
    return 0


def local_url(url: str) -> str:
    """``url`` if it is ``http://`` to this machine (a loopback address or ``localhost``), with
    no user information; ConfigurationError otherwise. Parsed as a URL, not matched as text:
    ``http://127.0.0.1@elsewhere/`` names the host ``elsewhere``."""
    refused = ConfigurationError(
        "cjx health only asks a local endpoint: http://127.0.0.1:PORT/ready, "
        "http://localhost:PORT/ready or http://[::1]:PORT/ready"
    )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise refused from None
    host = parts.hostname or ""
    if parts.scheme != "http" or "@" in parts.netloc:
        raise refused
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise refused
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other (not ready), never followed elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _health(args: argparse.Namespace) -> int:
    url = local_url(args.url)
    # no redirects, and no proxy from the environment: the request goes to this machine only
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(url, timeout=args.timeout) as response:
            print(printable(response.read(4096).decode("utf-8", "replace").strip()))
            return 0
    except urllib.error.HTTPError as exc:
        print(f"not ready ({exc.code})")
        return 1
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        print(printable(f"not ready: {exc}"))
        return 1
