"""Structured logs: one JSON object a line on standard error, with no personal data.

cjx's loggers put their fields in ``extra={"cjx": {...}}`` (service, message id, routing key,
message type, codes); bodies and identifiers are never logged. Exceptions are logged by type
and traceback location only when the log level is DEBUG, because their messages can quote
input.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

__all__ = ["configure_logging"]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "cjx", None)
        if isinstance(fields, dict):
            document.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            document["exception"] = record.exc_info[0].__name__
            if record.levelno <= logging.DEBUG or logging.getLogger().level <= logging.DEBUG:
                document["traceback"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str)


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aio-pika and aiormq log connection details at INFO/DEBUG; keep them to warnings
    for noisy in ("aio_pika", "aiormq"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
