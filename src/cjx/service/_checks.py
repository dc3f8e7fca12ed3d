"""Checks a parsed configuration must pass before anything starts (issue 13, part 2).

:func:`parse_config` builds a :class:`~cjx.service.Config` from the file's tables (each key's
type and shape); then every check in :data:`CHECKS` runs on the whole configuration, in order,
and the first that fails raises :class:`~cjx.errors.ConfigurationError`, naming the file, the
service and the key. A configuration that passes them all can start; one that fails is refused
by ``cjx run`` and ``cjx topology apply`` (exit 2) before a broker is opened.

Each check is one small function of the configuration; a new kind of mistake is a new function
appended to :data:`CHECKS`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cjx.adapter import get_adapter
from cjx.errors import ConfigurationError
from cjx.service._where import compile_where, produced_routing_keys, subscribed_types

if TYPE_CHECKING:
    from cjx.service._config import Config, ServiceConfig

__all__ = [
    "CHECKS",
    "broker_is_named",
    "check_config",
    "check_dedup_paths",
    "dedup_paths_are_distinct",
    "inbound_formats_are_distinct",
    "outbound_formats_encode_what_they_subscribe",
    "subscriptions_match_a_message_type",
    "where_paths_exist",
]


def _where(config: Config, service: ServiceConfig) -> str:
    return f"{config.source} service {service.name!r}"


def broker_is_named(config: Config) -> None:
    """The broker comes from ``[broker] url`` or ``CJX_BROKER_URL``, never by default: a file
    without one would run on the in-memory broker, which nothing outside the process reaches."""
    if config.broker_from == "missing-table":
        raise ConfigurationError(
            f"{config.source}: no [broker] table; add [broker] with url = "
            '"amqp://user:password@host:5672/vhost" (or url = "memory://" for an in-process '
            "broker that nothing outside this process can reach), or set CJX_BROKER_URL"
        )
    if config.broker_from == "missing-url":
        raise ConfigurationError(
            f"{config.source}: [broker] has no url; set url = "
            '"amqp://user:password@host:5672/vhost" (or "memory://"), or CJX_BROKER_URL'
        )


def subscriptions_match_a_message_type(config: Config) -> None:
    """Every key of an outbound service's ``subscribe`` matches a routing key cjx produces
    (``court.case-resulted`` without ``.v1`` matches nothing, ever)."""
    keys = list(produced_routing_keys())
    for service in config.services:
        for pattern in service.subscribe:
            if subscribed_types(pattern):
                continue
            close = difflib.get_close_matches(pattern, keys, n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ConfigurationError(
                f"{_where(config, service)}: subscribe key {pattern!r} matches no routing key "
                f"cjx publishes (they are <message type>.v<major>, such as "
                f"court.case-resulted.v1; `cjx formats` lists the types){hint}"
            )


def outbound_formats_encode_what_they_subscribe(config: Config) -> None:
    """An outbound service's format encodes every message type its ``subscribe`` keys match:
    any other would be dead-lettered, every time. A wildcard counts for every type it matches
    (list the keys one by one to take only some)."""
    keys = {t: key for key, t in produced_routing_keys().items()}
    for service in config.services:
        if service.role != "outbound":
            continue
        encodes = get_adapter(service.format).encodes
        for pattern in service.subscribe:
            types = subscribed_types(pattern)
            refused = [t for t in types if t not in encodes]
            if not refused:
                continue
            encodable = [keys[t] for t in types if t in encodes]
            hint = f"; subscribe to {', '.join(encodable)} instead" if encodable else ""
            raise ConfigurationError(
                f"{_where(config, service)}: subscribe key {pattern!r} takes "
                f"{', '.join(refused)}, which format {service.format} cannot encode (every "
                f"such message would be dead-lettered; it encodes "
                f"{', '.join(sorted(encodes))}){hint}"
            )


def inbound_formats_are_distinct(config: Config) -> None:
    """At most one inbound service per format: each would get every input of the format (one
    binding key each on ``cjx.inbound``), and every input would be processed twice."""
    owners: dict[str, str] = {}
    for service in config.services:
        if service.role != "inbound":
            continue
        if service.format in owners:
            raise ConfigurationError(
                f"{_where(config, service)}: format {service.format!r} already has inbound "
                f"service {owners[service.format]!r}; two inbound services of one format each "
                "receive every input, so every input would be processed twice (run more "
                "processes of the one service to share the work)"
            )
        owners[service.format] = service.name


def where_paths_exist(config: Config) -> None:
    """Every field path of an outbound service's ``where`` exists on every message type it
    subscribes to, and each operator suits the field (compiling the selector checks both)."""
    for service in config.services:
        if not service.where:
            continue
        types = sorted({t for p in service.subscribe for t in subscribed_types(p)})
        compile_where(service.where, types, _where(config, service))


def check_dedup_paths(services: Sequence[ServiceConfig], source: str = "<config>") -> None:
    """ConfigurationError when two services name one ``dedup_path``: each would take the other's
    inputs for its own and acknowledge them as duplicates (the same file by any spelling)."""
    owners: dict[Path, str] = {}
    for service in services:
        if service.dedup_path is None:
            continue
        path = Path(service.dedup_path).expanduser().resolve()
        if path in owners:
            raise ConfigurationError(
                f"{source}: services {owners[path]!r} and {service.name!r} share dedup_path "
                f"{service.dedup_path}; each service needs a file of its own (one service's "
                "records would make the other drop its inputs as duplicates)"
            )
        owners[path] = service.name


def dedup_paths_are_distinct(config: Config) -> None:
    check_dedup_paths(config.services, config.source)


#: Every check, in the order they run.
CHECKS: tuple[Callable[[Config], None], ...] = (
    broker_is_named,
    inbound_formats_are_distinct,
    subscriptions_match_a_message_type,
    outbound_formats_encode_what_they_subscribe,
    where_paths_exist,
    dedup_paths_are_distinct,
)


def check_config(config: Config) -> None:
    """Run every check of :data:`CHECKS`; the first mistake raises ConfigurationError."""
    for check in CHECKS:
        check(config)
