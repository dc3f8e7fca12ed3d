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
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cjx._text import printable
from cjx.errors import ConfigurationError, TransportError
from cjx.service import Config, Runner, Service, load_config
from cjx.service import _dlq as dlq
from cjx.transport import Topology, Undecodable, open_broker, redact_url

__all__ = ["add_parsers", "dispatch"]

T = TypeVar("T")


def add_parsers(sub: Any) -> None:
    r = sub.add_parser("run", help="run adapter services (all in the config by default)")
    r.add_argument("--config", required=True, metavar="FILE")
    r.add_argument("--service", action="append", default=[], metavar="NAME")
    r.add_argument("--metrics-port", type=int, metavar="PORT", help="serve /metrics and /ready")
    r.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST")
    r.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))

    t = sub.add_parser("topology", help="declare or print the exchanges, queues and bindings")
    t.add_argument("action", choices=("apply", "show"))
    t.add_argument("--config", required=True, metavar="FILE")
    t.add_argument("--service", action="append", default=[], metavar="NAME")

    d = sub.add_parser("dlq", help="list, show, replay or purge a service's dead letters")
    d.add_argument("action", choices=("list", "show", "replay", "purge"))
    d.add_argument("--config", required=True, metavar="FILE")
    d.add_argument("--service", required=True, metavar="NAME")
    d.add_argument("--code", action="append", default=[], help="only this error code")
    d.add_argument("--type", action="append", default=[], help="only this message type")
    d.add_argument("--position", type=int, default=1, help="for show: which one (1 = first)")
    d.add_argument("--dry-run", action="store_true", help="say what would happen, change nothing")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.add_argument("--body", action="store_true", help="for show: print the body too")
    d.add_argument(
        "--overflow",
        action="store_true",
        help="work on <service>.dlq-overflow (what the dlq itself refused) instead",
    )

    h = sub.add_parser("health", help="exit 0 when the services behind URL are ready")
    h.add_argument("--url", default="http://127.0.0.1:9464/ready", metavar="URL")
    h.add_argument("--timeout", type=float, default=5.0)


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "topology":
        return _topology(args)
    if args.command == "dlq":
        return _dlq(args)
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
        return 0

    async def apply(broker: Any) -> None:
        await broker.declare(topology)

    _with_broker(config, apply)
    print(
        f"declared {len(topology.exchanges)} exchanges, {len(topology.queues)} queues and "
        f"{len(topology.bindings)} bindings on {redact_url(config.broker_url)}"
    )
    return 0


def _print_letters(letters: list[dlq.DeadLetter], as_json: bool, verb: str) -> None:
    """One line per dead letter; every field a sender could choose (ids, types, codes of a
    broker's dead letter, names) has its control characters escaped. JSON escapes them too."""
    if as_json:
        print(json.dumps([x.as_dict() for x in letters], indent=2, default=str))
        return
    for x in letters:
        print(
            printable(
                f"{x.position:>5}  {x.code:<32} {x.message_type or '-':<34} "
                f"{x.original_exchange}/{x.original_routing_key}  {x.failed_at}  "
                f"id={x.message_id or '-'}  by={x.made_by}"
            )
        )
    print(f"{len(letters)} dead letter(s) {verb}")


def _shown(value: Any) -> Any:
    """A header value for ``dlq show``: what the client could not decode is said so."""
    if isinstance(value, Undecodable):
        return {"undecodable": value.reason}
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def _dlq(args: argparse.Namespace) -> int:
    config = _config(args)
    codes, types = tuple(args.code), tuple(args.type)
    if config.broker_url.startswith("memory://"):
        raise ConfigurationError(
            "the dlq tools need a broker that outlives one process; memory:// holds nothing "
            "between commands (set [broker] url or CJX_BROKER_URL to an amqp:// URL)"
        )

    if args.action == "list":
        letters = _with_broker(
            config,
            lambda b: dlq.list_dead_letters(
                b, args.service, codes=codes, types=types, overflow=args.overflow
            ),
        )
        _print_letters(letters, args.json, "listed")
        return 0
    if args.action == "show":
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
        print(json.dumps(document, indent=2, default=str))
        return 0
    if args.action == "replay":
        # a partitioned service has no <service>.in: its replays enter by its partition route
        partitioned = any(
            s.name == args.service and s.partitions is not None for s in config.services
        )
        letters = _with_broker(
            config,
            lambda b: dlq.replay(
                b,
                args.service,
                codes=codes,
                types=types,
                dry_run=args.dry_run,
                overflow=args.overflow,
                partitioned=partitioned,
            ),
        )
    else:
        letters = _with_broker(
            config,
            lambda b: dlq.purge(
                b,
                args.service,
                codes=codes,
                types=types,
                dry_run=args.dry_run,
                overflow=args.overflow,
            ),
        )
    verb = {"replay": "replayed", "purge": "purged"}[args.action]
    _print_letters(letters, args.json, f"would be {verb} (dry run)" if args.dry_run else verb)
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
