"""Adapter services: configuration, the consume -> translate -> publish -> ack loop, running."""

from cjx.service._config import (
    BROKER_URL_VARIABLE,
    Config,
    Options,
    ServiceConfig,
    load_config,
    parse_config,
)
from cjx.service._dedup import DedupStore, MemoryDedup, SqliteDedup
from cjx.service._metrics import REGISTRY, render
from cjx.service._ordering import (
    HEADER_ORDERING_KEY,
    ORDERING_SECRET_VARIABLE,
    ordering_key_header,
    ordering_key_of,
)
from cjx.service._publish import inbound_message, input_id, ordering_key, ordering_key_digest
from cjx.service._runner import Runner, serve_health
from cjx.service._runtime import (
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    HEADER_ORIGINAL_EXCHANGE,
    HEADER_ORIGINAL_ROUTING_KEY,
    HEADER_REPLAYED_AT,
    HEADER_REPLAYED_FROM,
    HEADER_RETRY_REASON,
    HEADER_SERVICE,
    REPORT_HEADER_LIMIT,
    Plan,
    Service,
    report_header,
)

__all__ = [
    "BROKER_URL_VARIABLE",
    "HEADER_ATTEMPT",
    "HEADER_ERROR_CODE",
    "HEADER_ERROR_REPORT",
    "HEADER_FAILED_AT",
    "HEADER_ORDERING_KEY",
    "HEADER_ORIGINAL_EXCHANGE",
    "HEADER_ORIGINAL_ROUTING_KEY",
    "HEADER_REPLAYED_AT",
    "HEADER_REPLAYED_FROM",
    "HEADER_RETRY_REASON",
    "HEADER_SERVICE",
    "REGISTRY",
    "REPORT_HEADER_LIMIT",
    "Config",
    "DedupStore",
    "MemoryDedup",
    "ORDERING_SECRET_VARIABLE",
    "Options",
    "Plan",
    "Runner",
    "Service",
    "ServiceConfig",
    "SqliteDedup",
    "inbound_message",
    "input_id",
    "load_config",
    "ordering_key",
    "ordering_key_digest",
    "ordering_key_header",
    "ordering_key_of",
    "parse_config",
    "render",
    "report_header",
    "serve_health",
]
