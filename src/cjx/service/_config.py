"""Service configuration: a TOML file, with ``CJX_BROKER_URL`` overriding ``[broker] url``.

::

    [broker]
    url = "amqp://guest:guest@127.0.0.1:5672/"   # or "memory://"
    ordering_secret = "..."   # key of cjx-ordering-key (CJX_ORDERING_SECRET wins); needed by
                              # partitioned services

    [options]                 # defaults for every service (each may be set per service too)
    prefetch = 64
    verify_output = false     # true: read every output back through its gate (a check on cjx)

    [[services]]
    name = "court-in"         # its queue is court-in.in, its dead letters court-in.dlq
    role = "inbound"          # consumes cjx.inbound (routing key = format), publishes canonical
    format = "libra-spi"

    [[services]]
    name = "police-out"
    role = "outbound"         # consumes canonical, encodes, publishes to cjx.outbound
    format = "libra-spi"
    subscribe = ["court.case-resulted.v1"]
    destination = "police"    # routing key libra-spi.police, queue police.libra-spi
    dedup_path = "/var/lib/cjx/police-out.sqlite"   # optional: de-duplication survives restarts
                                                    # (one file per service: shared is an error)
    where = { "hearing.court" = { prefix = "B01" } }  # optional: only what this selects
    partitions = 16           # optional: 16 input queues shared out among the replicas
    schema_version = "1.0"    # optional: a consumer built on that release (docs/versioning.md)

There is no default broker: a file without ``[broker] url`` (and no ``CJX_BROKER_URL``) is
refused, so that only an explicit ``url = "memory://"`` runs on the in-process broker. Once the
tables are read, the checks of :mod:`cjx.service._checks` run on the whole configuration.

    [[services]]
    name = "handover-rules"
    role = "rule"             # consumes canonical, runs rules, publishes canonical
    rules = ["index", "release-dates-to-key-dates"]   # in this order, each on what it takes
    subscribe = ["#"]
    index = "sqlite:////var/lib/cjx/people.db"        # CJX_IDENTITY_URL overrides it
    link_wait = 3600.0        # seconds an input may wait for a link before its dead letter

Every option has a named default in :class:`Options`, with the reason for it. Credentials belong
in the URL (from the environment in production); they never appear in logs or errors.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from cjx.adapter import adapters
from cjx.errors import ConfigurationError
from cjx.identity import INDEX_URL_VARIABLE
from cjx.service._checks import check_config, check_dedup_paths
from cjx.service._ordering import ORDERING_SECRET_VARIABLE
from cjx.service._pinning import pinned_subscription
from cjx.service._where import Condition, parse_where
from cjx.transport import (
    DEFAULT_CONFIRM_WINDOW,
    DEFAULT_DELIVERY_LIMIT,
    MAX_PARTITIONS,
    RetryPolicy,
    redact_url,
)

__all__ = [
    "BROKER_URL_VARIABLE",
    "Config",
    "Options",
    "ServiceConfig",
    "check_dedup_paths",
    "check_ordering_secret",
    "load_config",
    "parse_config",
]

BROKER_URL_VARIABLE = "CJX_BROKER_URL"

#: Unsettled deliveries per consumer. 64 keeps a service busy through publish-confirm round trips
#: without hoarding messages that other consumers of the same queue could take.
DEFAULT_PREFETCH = 64
#: Inputs being published and acknowledged at once (decoding itself is one at a time).
DEFAULT_CONCURRENCY = 16
#: The biggest message a service takes; bigger ones are dead-lettered unread. Equal to the XML
#: parser's limit, so nothing a service accepts is refused later by the parser.
DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024
#: Input ids remembered for de-duplication: far more than can be redelivered after a lost
#: connection (at most prefetch each), at about 100 bytes each.
DEFAULT_DEDUP_CAPACITY = 100_000
#: Seconds SIGTERM waits for in-flight messages to be published and acknowledged.
DEFAULT_SHUTDOWN_GRACE = 30.0
#: Whether a service reads each output back through its own format's gate before publishing it.
#: Off: cjx validates what it reads, not what it has just written (its writers are proven by the
#: lockstep and round-trip tests, which run with verification on). ``CJX_VERIFY_OUTPUT=1`` turns
#: it on for every service of the process.
DEFAULT_VERIFY_OUTPUT = False
#: Seconds a rule service's input may wait for a link the person index lacks (retried through
#: the wait queues, at most ``retry_cap_seconds`` apart) before it is dead-lettered with
#: ``identity.unresolved``. An hour: prison and probation systems publish a person's messages
#: minutes apart, and a link still missing after an hour needs a person to look (docs/services.md).
DEFAULT_LINK_WAIT = 3600.0
#: The canonical formats a rule service may write its outputs in.
RULE_FORMATS = ("canonical-xml", "canonical-json")

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_KEY = re.compile(r"^(\*|#|[A-Za-z0-9_-]+)(\.(\*|#|[A-Za-z0-9_-]+))*$")


@dataclass(frozen=True, slots=True)
class Options:
    """Tuning for one service; every field has a named default (see the module constants)."""

    prefetch: int = DEFAULT_PREFETCH
    confirm_window: int = DEFAULT_CONFIRM_WINDOW
    concurrency: int = DEFAULT_CONCURRENCY
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    dedup_capacity: int = DEFAULT_DEDUP_CAPACITY
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE
    verify_output: bool = DEFAULT_VERIFY_OUTPUT
    link_wait: float = DEFAULT_LINK_WAIT

    def __post_init__(self) -> None:
        for name in ("prefetch", "confirm_window", "concurrency", "delivery_limit"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"option {name} must be at least 1")
        if self.max_message_bytes < 1024:
            raise ConfigurationError("option max_message_bytes must be at least 1024")
        if self.dedup_capacity < 0 or self.shutdown_grace < 0 or self.link_wait < 0:
            raise ConfigurationError(
                "options dedup_capacity, shutdown_grace and link_wait must be >= 0"
            )


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    name: str
    role: Literal["inbound", "outbound", "rule"]
    format: str
    subscribe: tuple[str, ...] = ()
    destination: str | None = None
    options: Options = field(default_factory=Options)
    #: An SQLite file for de-duplication that survives restarts (memory when None); one file
    #: per service (see :func:`check_dedup_paths`).
    dedup_path: str | None = None
    #: Content-based routing (outbound only): the conditions a message must meet to be
    #: encoded and sent; empty, every message subscribed to (see :mod:`cjx.service._where`).
    where: tuple[Condition, ...] = ()
    #: ``partitions = N``: N input queues shared out among the replicas, per-person order kept
    #: across them (docs/services.md, "Partitioned services"); None: one input queue.
    partitions: int | None = None
    #: The release an outbound service was built on (None: every version cjx has); its
    #: subscription holds only that release's message types (:mod:`cjx.service._pinning`).
    schema_version: str | None = None
    #: A rule service's rules, run in this order on each input of a type they take.
    rules: tuple[str, ...] = ()
    #: A rule service's person index URL (may hold a password: never in the repr).
    index: str | None = field(default=None, repr=False)


#: Where the broker URL came from; a missing one is refused by the checks.
BrokerFrom = Literal["file", "environment", "missing-table", "missing-url"]


@dataclass(frozen=True, slots=True)
class Config:
    broker_url: str
    services: tuple[ServiceConfig, ...]
    source: str = "<config>"
    broker_from: BrokerFrom = "file"
    #: ``[broker] ordering_secret`` or ``CJX_ORDERING_SECRET``: the key of ``cjx-ordering-key``
    #: (:mod:`cjx.service._ordering`). Never shown in repr.
    ordering_secret: str | None = field(default=None, repr=False)

    def service(self, name: str) -> ServiceConfig:
        for service in self.services:
            if service.name == name:
                return service
        known = ", ".join(s.name for s in self.services) or "none"
        raise ConfigurationError(f"{self.source}: no service named {name!r} (known: {known})")

    def __repr__(self) -> str:
        return f"Config(broker_url={redact_url(self.broker_url)!r}, services={self.services!r})"


_OPTION_NAMES = {f.name for f in fields(Options)} - {"retry"}
_FLAG_NAMES = {"verify_output"}
_RETRY_KEYS = {"retry_attempts", "retry_base_seconds", "retry_factor", "retry_cap_seconds"}


def _options(table: Mapping[str, Any], base: Options, where: str) -> Options:
    changes: dict[str, Any] = {}
    retry: dict[str, Any] = {}
    for key, value in table.items():
        if key in _FLAG_NAMES:
            if not isinstance(value, bool):
                raise ConfigurationError(f"{where}: option {key} must be true or false")
            changes[key] = value
        elif key in _OPTION_NAMES:
            whole = key not in ("shutdown_grace", "link_wait")
            kinds = int if whole else (int, float)
            if not isinstance(value, kinds) or isinstance(value, bool):
                kind = "a whole number" if whole else "a number"
                raise ConfigurationError(f"{where}: option {key} must be {kind}")
            changes[key] = value
        elif key in _RETRY_KEYS:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ConfigurationError(f"{where}: option {key} must be a number")
            retry[key.removeprefix("retry_")] = value
    if retry:
        current = base.retry
        changes["retry"] = RetryPolicy(
            attempts=int(retry.get("attempts", current.attempts)),
            base_seconds=float(retry.get("base_seconds", current.base_seconds)),
            factor=float(retry.get("factor", current.factor)),
            cap_seconds=float(retry.get("cap_seconds", current.cap_seconds)),
        )
    return replace(base, **changes)


_SERVICE_KEYS = {
    "name",
    "role",
    "format",
    "subscribe",
    "destination",
    "dedup_path",
    "where",
    "partitions",
    "schema_version",
    "rules",
    "index",
}


def parse_config(
    document: Mapping[str, Any],
    *,
    source: str = "<config>",
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build a :class:`Config` from parsed TOML; every mistake is a ConfigurationError."""
    env = os.environ if environ is None else environ
    unknown = set(document) - {"broker", "options", "services"}
    if unknown:
        raise ConfigurationError(f"{source}: unknown section(s) {', '.join(sorted(unknown))}")
    broker = document.get("broker", {})
    if not isinstance(broker, Mapping):
        raise ConfigurationError(f"{source}: [broker] must be a table")
    url = env.get(BROKER_URL_VARIABLE) or broker.get("url") or ""
    if not isinstance(url, str):
        raise ConfigurationError(f"{source}: [broker] url must be a string")
    broker_from: BrokerFrom = (
        "environment"
        if env.get(BROKER_URL_VARIABLE)
        else "file"
        if url
        else "missing-url"
        if "broker" in document
        else "missing-table"
    )
    secret = env.get(ORDERING_SECRET_VARIABLE) or broker.get("ordering_secret")
    if secret is not None and not isinstance(secret, str):
        raise ConfigurationError(f"{source}: [broker] ordering_secret must be a string")
    option_table = document.get("options", {})
    if not isinstance(option_table, Mapping):
        raise ConfigurationError(f"{source}: [options] must be a table")
    bad = set(option_table) - _OPTION_NAMES - _RETRY_KEYS
    if bad:
        raise ConfigurationError(f"{source}: unknown option(s) {', '.join(sorted(bad))}")
    defaults = _options(option_table, Options(), f"{source} [options]")

    known_formats = set(adapters())
    services: list[ServiceConfig] = []
    raw_services = document.get("services", [])
    if not isinstance(raw_services, list) or not raw_services:
        raise ConfigurationError(f"{source}: at least one [[services]] entry is needed")
    for n, raw in enumerate(raw_services, start=1):
        where = f"{source} [[services]] #{n}"
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"{where}: must be a table")
        bad = set(raw) - _SERVICE_KEYS - _OPTION_NAMES - _RETRY_KEYS
        if bad:
            raise ConfigurationError(f"{where}: unknown key(s) {', '.join(sorted(bad))}")
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigurationError(
                f"{where}: name must be lower-case letters, digits and hyphens"
            )
        where = f"{source} service {name!r}"
        role = raw.get("role")
        if role not in ("inbound", "outbound", "rule"):
            raise ConfigurationError(f"{where}: role must be 'inbound', 'outbound' or 'rule'")
        fmt = raw.get("format", RULE_FORMATS[0] if role == "rule" else None)
        if role == "rule" and fmt not in RULE_FORMATS:
            raise ConfigurationError(
                f"{where}: a rule service writes {' or '.join(RULE_FORMATS)} (format)"
            )
        if not isinstance(fmt, str) or fmt not in known_formats:
            raise ConfigurationError(
                f"{where}: format must be one of {', '.join(sorted(known_formats))}"
            )
        subscribe = raw.get("subscribe", [])
        destination = raw.get("destination")
        if role in ("outbound", "rule") and (
            not isinstance(subscribe, list)
            or not subscribe
            or not all(isinstance(k, str) and _KEY.match(k) for k in subscribe)
        ):
            raise ConfigurationError(
                f"{where}: an {role} service needs subscribe = [routing keys], such as "
                '["court.case-resulted.v1"]'
            )
        if role == "rule":
            if destination is not None:
                raise ConfigurationError(f"{where}: a rule service has no destination")
        elif role == "outbound":
            if not isinstance(destination, str) or not _NAME.match(destination):
                raise ConfigurationError(
                    f"{where}: an outbound service needs destination = a lower-case name"
                )
        elif subscribe or destination is not None or "where" in raw:
            raise ConfigurationError(
                f"{where}: subscribe, destination and where are for outbound services only"
            )
        conditions = parse_where(raw["where"], where) if "where" in raw else ()
        rule_names, index = _rule_settings(raw, role, env, where)
        dedup_path = raw.get("dedup_path")
        if dedup_path is not None and not isinstance(dedup_path, str):
            raise ConfigurationError(f"{where}: dedup_path must be a file path")
        schema_version = raw.get("schema_version")
        if schema_version is not None:
            if role != "outbound":
                raise ConfigurationError(f"{where}: schema_version is for outbound services only")
            subscribe = list(pinned_subscription(schema_version, subscribe, where))
        services.append(
            ServiceConfig(
                name=name,
                role=role,
                format=fmt,
                subscribe=tuple(subscribe),
                destination=destination,
                options=_options(raw, defaults, where),
                dedup_path=dedup_path,
                where=conditions,
                partitions=_partitions(raw, where),
                schema_version=schema_version,
                rules=rule_names,
                index=index,
            )
        )
    names = [s.name for s in services]
    duplicates = sorted({x for x in names if names.count(x) > 1})
    if duplicates:
        raise ConfigurationError(f"{source}: service names repeat: {', '.join(duplicates)}")
    config = Config(
        broker_url=url,
        services=tuple(services),
        source=source,
        broker_from=broker_from,
        ordering_secret=secret or None,
    )
    check_config(config)
    return config


def _rule_settings(
    raw: Mapping[str, Any], role: str, env: Mapping[str, str], where: str
) -> tuple[tuple[str, ...], str | None]:
    """A rule service's ``rules`` (registered names) and ``index`` URL (``CJX_IDENTITY_URL``
    overrides it); neither is allowed on another role."""
    rule_names = raw.get("rules")
    index = raw.get("index")
    if role != "rule":
        if rule_names is not None or index is not None:
            raise ConfigurationError(f"{where}: rules and index are for rule services only")
        return (), None
    from cjx.rules import get_rule  # noqa: PLC0415 - the rules load their entry points

    if (
        not isinstance(rule_names, list)
        or not rule_names
        or not all(isinstance(n, str) for n in rule_names)
    ):
        raise ConfigurationError(
            f'{where}: a rule service needs rules = [rule names], such as ["index"] (cjx rules)'
        )
    if len(set(rule_names)) != len(rule_names):
        raise ConfigurationError(f"{where}: a rule is named twice in rules")
    for name in rule_names:
        try:
            get_rule(name)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
    index = env.get(INDEX_URL_VARIABLE) or index
    if not isinstance(index, str) or not index:
        raise ConfigurationError(
            f"{where}: a rule service needs index = a person index URL (sqlite:///PATH or "
            f"postgresql://...), or {INDEX_URL_VARIABLE}"
        )
    return tuple(rule_names), index


def _partitions(raw: Mapping[str, Any], where: str) -> int | None:
    value = raw.get("partitions")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PARTITIONS:
        raise ConfigurationError(
            f"{where}: partitions must be a whole number from 1 to {MAX_PARTITIONS}"
        )
    return value


def check_ordering_secret(
    services: Sequence[ServiceConfig], secret: str | None, source: str = "<config>"
) -> None:
    """ConfigurationError naming the setting when a partitioned service has no ordering secret:
    without it cjx cannot compute the ``cjx-ordering-key`` its partitions are chosen by."""
    for service in services:
        if service.partitions is not None and not secret:
            raise ConfigurationError(
                f"{source}: service {service.name!r} has partitions = {service.partitions} but "
                f"no ordering secret: set [broker] ordering_secret or {ORDERING_SECRET_VARIABLE}"
            )


def load_config(path: Path, *, environ: Mapping[str, str] | None = None) -> Config:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    return parse_config(document, source=str(path), environ=environ)
