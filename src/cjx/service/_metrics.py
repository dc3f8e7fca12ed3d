"""Prometheus metrics of the services in this process (prometheus-client).

One registry per process (:data:`REGISTRY`), so tests and embedders can create many services
without clashing with the global default registry. Labels never carry personal data: service
name, message type, outcome, and error code only.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["REGISTRY", "Metrics", "render"]

REGISTRY = CollectorRegistry(auto_describe=True)

_CONSUMED = Counter(
    "cjx_messages_consumed",
    "Inputs a service took from its queue, by how they ended",
    ["service", "message_type", "outcome"],
    registry=REGISTRY,
)
_PUBLISHED = Counter(
    "cjx_messages_published",
    "Messages a service published and the broker confirmed",
    ["service", "message_type"],
    registry=REGISTRY,
)
_RETRIED = Counter(
    "cjx_messages_retried",
    "Inputs sent to a wait queue after a transient failure",
    ["service", "message_type"],
    registry=REGISTRY,
)
_DEAD = Counter(
    "cjx_messages_dead_lettered",
    "Inputs dead-lettered, by the first error code",
    ["service", "message_type", "code"],
    registry=REGISTRY,
)
_DUPLICATE = Counter(
    "cjx_messages_duplicate",
    "Redelivered inputs recognised by message id and acknowledged without a second output",
    ["service", "message_type"],
    registry=REGISTRY,
)
_ID_REUSED = Counter(
    "cjx_messages_id_reused",
    "Inputs whose message id was carried forward before with a different body; processed as new",
    ["service"],
    registry=REGISTRY,
)
_UNSELECTED = Counter(
    "cjx_messages_unselected",
    "Messages no outbound service's where selects (content-based routing); acknowledged and "
    "sent nowhere. Counted once, by the first outbound service of the file subscribed to the type",
    ["service", "message_type"],
    registry=REGISTRY,
)
_LATENCY = Histogram(
    "cjx_processing_seconds",
    "From delivery to acknowledgement of one input",
    ["service", "outcome"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
_READY = Gauge(
    "cjx_service_ready",
    "1 while the service's consumer is registered on a live connection",
    ["service"],
    registry=REGISTRY,
)


class Metrics:
    """The metrics of one service (labels bound to its name; hot children cached)."""

    __slots__ = ("_consumed", "_published", "service")

    def __init__(self, service: str) -> None:
        self.service = service
        self._consumed: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._published: dict[str, Any] = {}

    def consumed(self, message_type: str, outcome: str, seconds: float) -> None:
        children = self._consumed.get((message_type, outcome))
        if children is None:
            children = (
                _CONSUMED.labels(self.service, message_type, outcome),
                _LATENCY.labels(self.service, outcome),
            )
            self._consumed[message_type, outcome] = children
        children[0].inc()
        children[1].observe(seconds)

    def published(self, message_type: str, count: int = 1) -> None:
        child = self._published.get(message_type)
        if child is None:
            child = self._published[message_type] = _PUBLISHED.labels(self.service, message_type)
        child.inc(count)

    def retried(self, message_type: str) -> None:
        _RETRIED.labels(self.service, message_type).inc()

    def dead_lettered(self, message_type: str, code: str) -> None:
        _DEAD.labels(self.service, message_type, code).inc()

    def duplicate(self, message_type: str) -> None:
        _DUPLICATE.labels(self.service, message_type).inc()

    def unselected(self, message_type: str) -> None:
        _UNSELECTED.labels(self.service, message_type).inc()

    def id_reused(self) -> None:
        _ID_REUSED.labels(self.service).inc()

    def ready(self, value: bool) -> None:
        _READY.labels(self.service).set(1 if value else 0)


def render() -> bytes:
    """The text exposition of every cjx metric in this process."""
    return generate_latest(REGISTRY)
