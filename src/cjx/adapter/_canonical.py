"""The canonical forms as adapters, so that ``cjx translate`` treats every format alike.

Canonical XML is read by :func:`cjx.codec.parse_xml` and canonical JSON by
:func:`cjx.codec.load_json` (size limit, UTF-8, depth, syntax, duplicate keys), each with a size
limit the adapter can be built with.
"""

from __future__ import annotations

import re
from typing import Any

from cjx.codec import (
    CANONICAL_NS,
    DEFAULT_MAX_JSON_SIZE,
    DEFAULT_MAX_XML_SIZE,
    encode_json,
    encode_xml,
    load_json,
    parse_xml,
    peek_root,
)
from cjx.errors import Report, ValidationFailed
from cjx.model import BODY_TYPES, Clock, Envelope, system_clock
from cjx.validation import check_canonical_json, check_canonical_xml_element

from ._protocol import Adapter, Translation

__all__ = ["CanonicalJson", "CanonicalXml"]

_JSON_SNIFF = re.compile(rb'^\s*\{.*"message_type"\s*:\s*"[a-z.-]+"', re.DOTALL)


class CanonicalXml(Adapter):
    name = "canonical-xml"
    media_type = "application/vnd.cjx.canonical.v1+xml"
    extension = ".xml"
    decodes = frozenset(BODY_TYPES)
    encodes = frozenset(BODY_TYPES)
    description = f"cjx canonical XML ({CANONICAL_NS}), validated by the canonical XSD"

    def __init__(self, *, max_size: int = DEFAULT_MAX_XML_SIZE, version: str | None = None) -> None:
        self.max_size = max_size
        #: the release this reader is pinned to (None: every version cjx has)
        self.version = version

    def sniff(self, data: bytes) -> bool:
        return peek_root(data) == (CANONICAL_NS, "Envelope")

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        root = parse_xml(data, source=source, max_size=self.max_size)
        envelope, issues = check_canonical_xml_element(
            root, source=source, detailed=detailed, version=self.version
        )
        if envelope is None:
            raise ValidationFailed(Report(source, tuple(issues)))
        return Translation((envelope,), Report(source, tuple(issues)))

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode_xml(envelope)


class CanonicalJson(Adapter):
    name = "canonical-json"
    media_type = "application/vnd.cjx.canonical.v1+json"
    extension = ".json"
    decodes = frozenset(BODY_TYPES)
    encodes = frozenset(BODY_TYPES)
    description = "cjx canonical JSON, validated by the generated JSON Schema"

    def __init__(
        self, *, max_size: int = DEFAULT_MAX_JSON_SIZE, version: str | None = None
    ) -> None:
        self.max_size = max_size
        #: the release this reader is pinned to (None: every version cjx has)
        self.version = version

    def sniff(self, data: bytes) -> bool:
        return bool(_JSON_SNIFF.match(data[:4096])) and b'"schema_version"' in data

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        obj = load_json(data, source=source, max_size=self.max_size)
        envelope, issues = check_canonical_json(obj, source=source, version=self.version)
        if envelope is None:
            raise ValidationFailed(Report(source, tuple(issues)))
        return Translation((envelope,), Report(source, tuple(issues)))

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return encode_json(envelope)
