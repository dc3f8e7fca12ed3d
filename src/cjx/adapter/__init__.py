"""The adapter protocol and registry (entry-point group ``cjx.adapters``)."""

from cjx.adapter._building import (
    build_body,
    has_errors,
    raise_for_errors,
    read_fields,
    read_timestamp,
)
from cjx.adapter._canonical import CanonicalJson, CanonicalXml
from cjx.adapter._json_records import (
    JsonRecordAdapter,
    body_of,
    checked_output,
    dump_json,
    read_identifier,
    read_json_object,
    read_record,
    without_nulls,
)
from cjx.adapter._protocol import Adapter, Translation
from cjx.adapter._registry import (
    ENTRY_POINT_GROUP,
    adapters,
    broken,
    get_adapter,
    register,
    sniff,
    translate,
    validate,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Adapter",
    "CanonicalJson",
    "CanonicalXml",
    "Translation",
    "adapters",
    "broken",
    "get_adapter",
    "register",
    "sniff",
    "translate",
    "validate",
    # building blocks for any adapter (docs/adapters.md)
    "build_body",
    "has_errors",
    "raise_for_errors",
    "read_fields",
    "read_identifier",
    "read_timestamp",
    # JSON record formats (version 1.1)
    "JsonRecordAdapter",
    "body_of",
    "checked_output",
    "dump_json",
    "read_json_object",
    "read_record",
    "without_nulls",
]
