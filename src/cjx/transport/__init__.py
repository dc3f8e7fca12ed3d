"""Brokers: the ``Broker`` protocol, the embedded memory broker, RabbitMQ, and the topology.

``open_broker(url)`` picks the implementation from the URL: ``memory://`` for the embedded
broker, ``amqp://`` or ``amqps://`` for RabbitMQ (aio-pika is imported only then).
"""

from __future__ import annotations

import re

from cjx.errors import ConfigurationError
from cjx.transport._base import (
    DEFAULT_CONFIRM_WINDOW,
    Binding,
    Broker,
    Delivery,
    Exchange,
    Handler,
    Message,
    PublishRejected,
    Queue,
    Topology,
    TransportError,
    Undecodable,
    Unroutable,
)
from cjx.transport._topic import topic_matches
from cjx.transport._topology import (
    CANONICAL,
    DEAD_LETTER,
    DEFAULT_DELIVERY_LIMIT,
    INBOUND,
    MAX_PARTITIONS,
    OUTBOUND,
    RetryPolicy,
    destination_queue,
    dlq_name,
    in_queue,
    outbound_key,
    overflow_key,
    overflow_name,
    partition_queue,
    partition_route,
    replicas_queue,
    retry_queue,
    service_topology,
)
from cjx.transport.memory import MemoryBroker

__all__ = [
    "CANONICAL",
    "DEAD_LETTER",
    "DEFAULT_CONFIRM_WINDOW",
    "DEFAULT_DELIVERY_LIMIT",
    "INBOUND",
    "MAX_PARTITIONS",
    "OUTBOUND",
    "Binding",
    "Broker",
    "Delivery",
    "Exchange",
    "Handler",
    "MemoryBroker",
    "Message",
    "PublishRejected",
    "Queue",
    "RetryPolicy",
    "Topology",
    "TransportError",
    "Undecodable",
    "Unroutable",
    "destination_queue",
    "dlq_name",
    "in_queue",
    "open_broker",
    "outbound_key",
    "overflow_key",
    "overflow_name",
    "partition_queue",
    "partition_route",
    "redact_url",
    "replicas_queue",
    "retry_queue",
    "service_topology",
    "topic_matches",
]


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for logs and errors). Never raises.

    Works on the text, not a URL parser: a password holding ``/``, ``#`` or ``?`` unescaped
    confuses parsers into calling part of it the host. A cluster's list of node URLs
    (``amqp://a/,amqp://b/``) is redacted node by node. Everything between ``scheme://user:``
    and the last ``@`` is the password. A userinfo without ``:`` is a token (some brokers take
    one as the user name) and is replaced whole: ``amqp://***@host/``.
    """
    parts = re.split(r",\s*(?=amqps?://)", url)
    if len(parts) > 1:  # a cluster's nodes: each redacted on its own
        return ",".join(redact_url(part) for part in parts)
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user, colon, _ = credentials.partition(":")
    return f"{scheme}://{user}:***@{host}" if colon else f"{scheme}://***@{host}"


def open_broker(url: str, *, confirm_window: int = DEFAULT_CONFIRM_WINDOW) -> Broker:
    """A broker for ``url`` (not yet connected): ``memory://``, ``amqp://`` or ``amqps://``."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        return MemoryBroker(confirm_window=confirm_window)
    if scheme in ("amqp", "amqps"):
        from cjx.transport.amqp import AmqpBroker  # noqa: PLC0415 - aio-pika only when asked

        try:
            return AmqpBroker(url, confirm_window=confirm_window)
        except ValueError:  # a malformed URL (a bad port, say): name it, redacted
            raise ConfigurationError(f"broker URL {redact_url(url)!r} is not valid") from None
    raise ConfigurationError(
        f"broker URL {redact_url(url)!r} must start with memory://, amqp:// or amqps://"
    )
