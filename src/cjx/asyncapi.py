"""An AsyncAPI 3.0 document of the topology a service configuration declares (``cjx asyncapi``).

What the document holds, all derived from the configuration and from what the services declare
(:attr:`cjx.service.Service.topology`), so it cannot drift from what ``cjx run`` does:

* **channels**: one per exchange (``exchange.<name>``, address ``{routingKey}`` with the keys
  used in this topology) and one per queue (``queue.<name>``), each with its AMQP 0-9-1 binding
  (``bindingVersion`` 0.3.0): exchange type and durability; queue durability, and, as extensions
  of the binding, the queue's ``x-`` arguments (``x-arguments``) and what it is bound to
  (``x-bindings``);
* **operations**: each service's ``receive`` (one per queue it consumes) and ``send`` (canonical
  messages for an inbound service, encoded messages for an outbound one, with the routing keys as
  ``cc``; an outbound service's ``where`` as ``x-cjx-where``, its conditions), and its
  ``dead-letter`` send;
* **messages**: one per canonical message type (``<message_type>.v<major>``, its routing key),
  with the canonical JSON Schema in the document (``components.schemas``, the payload refers to
  its envelope) and the canonical XSD referenced (``x-cjx-xsd``); one per source format read by
  an inbound service and per format written by an outbound one; and the dead letter with its
  report headers.

Servers come from ``[broker] url`` of the file (host, port and virtual host; never credentials);
``CJX_BROKER_URL`` is not consulted, so the document describes the file. The memory broker has no
server entry.

Receive operations are built per consumed queue, so a service that consumes several queues
(partitions, a later issue) gets one operation for each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import unquote

from cjx._resources import schema_file
from cjx.adapter import get_adapter
from cjx.model import BODY_TYPES
from cjx.schema_export import JSON_SCHEMA_PATH, XSD_PATH
from cjx.schema_versions import released, released_versions
from cjx.service import HEADER_ORDERING_KEY, Config, Service, ServiceConfig
from cjx.service._runtime import (
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    HEADER_ORIGINAL_EXCHANGE,
    HEADER_ORIGINAL_ROUTING_KEY,
    HEADER_SERVICE,
    HEADER_SOURCE_FORMAT,
)
from cjx.transport import (
    CANONICAL,
    DEAD_LETTER,
    INBOUND,
    OUTBOUND,
    Topology,
    in_queue,
    open_broker,
    outbound_key,
    partition_queue,
    topic_matches,
)

__all__ = ["ASYNCAPI_VERSION", "asyncapi_document", "render"]

ASYNCAPI_VERSION: Final = "3.0.0"
AMQP_BINDING: Final = "0.3.0"
DEAD_LETTER_MESSAGE: Final = "dead-letter"
_DURABLE: Final = {"durable": True, "autoDelete": False}


def _canonical_key(message_type: str) -> str:
    return BODY_TYPES[message_type].routing_key()


def _raw_message(fmt: str) -> str:
    return f"raw.{fmt}"


def _encoded_message(fmt: str) -> str:
    return f"encoded.{fmt}"


def _exchange_channel(name: str) -> str:
    return f"exchange.{name}"


def _queue_channel(name: str) -> str:
    return f"queue.{name}"


@dataclass(frozen=True, slots=True)
class _Server:
    host: str
    protocol: str
    vhost: str


def _server(url: str) -> _Server | None:
    """Host, protocol and virtual host of an AMQP URL; the credentials are never read."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("amqp", "amqps"):
        return None
    location = rest.rpartition("@")[2]
    host, _, path = location.partition("/")
    vhost = unquote(path.partition("?")[0]) or "/"
    return _Server(host.partition("?")[0], scheme, vhost)


def _rule_outputs(service: Service) -> set[str]:
    """The message types a rule service may publish: what its rules make of what it takes."""
    made: set[str] = set()
    for message_type in BODY_TYPES:
        key = _canonical_key(message_type)
        if any(topic_matches(p, key) for p in service.config.subscribe):
            for rule in service.rules:
                made |= rule.makes(message_type)
    return made


def _consumed_queues(service: ServiceConfig) -> list[str]:
    """The queues a service consumes: its input, or one per partition."""
    if service.partitions is not None:
        return [partition_queue(service.name, p) for p in range(service.partitions)]
    return [in_queue(service.name)]


class _Builder:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.server = _server(config.broker_url)
        self.vhost = self.server.vhost if self.server else "/"
        broker = open_broker("memory://")  # only to build Service objects; never connected
        self.services = [Service(c, broker) for c in config.services]
        topology = Topology()
        for service in self.services:
            topology = topology + service.topology
        self.topology = topology
        # message ids carried by each queue and published to each exchange
        self.queue_messages: dict[str, set[str]] = {q.name: set() for q in topology.queues}
        self.exchange_keys: dict[str, set[str]] = {e.name: set() for e in topology.exchanges}
        self.exchange_messages: dict[str, set[str]] = {e.name: set() for e in topology.exchanges}
        self.canonical_types: set[str] = set()
        self.formats_in: set[str] = set()
        self.formats_out: set[str] = set()
        self.operations: dict[str, Any] = {}

    # -- what flows where --------------------------------------------------------------------

    def _route(self, exchange: str, key: str, message: str) -> None:
        """A message published to ``exchange`` with ``key`` reaches every queue bound to it."""
        self.exchange_keys[exchange].add(key)
        self.exchange_messages[exchange].add(message)
        for binding in self.topology.bindings:
            if binding.exchange == exchange and topic_matches(binding.routing_key, key):
                if binding.to_exchange:  # a partitioned service's route: every partition
                    for queue in self._behind(binding.queue, set()):
                        self.queue_messages[queue].add(message)
                else:
                    self.queue_messages[binding.queue].add(message)

    def _behind(self, exchange: str, seen: set[str]) -> set[str]:
        """Every queue a message entering ``exchange`` may reach, whatever its key or headers
        (a partitioned service's route and hash exchanges)."""
        seen.add(exchange)
        queues: set[str] = set()
        for binding in self.topology.bindings:
            if binding.exchange != exchange:
                continue
            if not binding.to_exchange:
                queues.add(binding.queue)
            elif binding.queue not in seen:
                queues |= self._behind(binding.queue, seen)
        for other in self.topology.exchanges:
            alternate = other.arguments.get("alternate-exchange")
            if other.name == exchange and isinstance(alternate, str) and alternate not in seen:
                queues |= self._behind(alternate, seen)
        return queues

    def flows(self) -> None:
        for service in self.services:
            c = service.config
            adapter = get_adapter(c.format)
            if c.role == "inbound":
                self.formats_in.add(c.format)
                self._route(INBOUND, c.format, _raw_message(c.format))
                for message_type in sorted(adapter.decodes):
                    self.canonical_types.add(message_type)
                    key = _canonical_key(message_type)
                    self._route(CANONICAL, key, key)
            elif c.role == "rule":
                for message_type in sorted(BODY_TYPES):
                    key = _canonical_key(message_type)
                    if any(topic_matches(pattern, key) for pattern in c.subscribe):
                        self.canonical_types.add(message_type)
                        self._route(CANONICAL, key, key)
                for message_type in sorted(_rule_outputs(service)):
                    key = _canonical_key(message_type)
                    self.canonical_types.add(message_type)
                    self._route(CANONICAL, key, key)
            else:
                self.formats_out.add(c.format)
                assert c.destination is not None
                self._route(
                    OUTBOUND, outbound_key(c.format, c.destination), _encoded_message(c.format)
                )
                for message_type in sorted(BODY_TYPES):
                    key = _canonical_key(message_type)
                    if any(topic_matches(pattern, key) for pattern in c.subscribe):
                        self.canonical_types.add(message_type)
                        self._route(CANONICAL, key, key)
            self._route(DEAD_LETTER, c.name, DEAD_LETTER_MESSAGE)
            # wait queues and the dlq overflow carry what their service's queues carry
            for queue in self.topology.queues:
                prefix = f"{c.name}."
                if queue.name.startswith(f"{prefix}retry."):
                    for consumed in _consumed_queues(c):
                        self.queue_messages[queue.name] |= self.queue_messages[consumed]
                elif queue.name.startswith(f"{prefix}dlq"):
                    self.queue_messages[queue.name].add(DEAD_LETTER_MESSAGE)

    # -- document parts ------------------------------------------------------------------------

    def channels(self) -> dict[str, Any]:
        channels: dict[str, Any] = {}
        for exchange in self.topology.exchanges:
            if exchange.name not in _EXCHANGE_DESCRIPTIONS:
                continue  # a partitioned service's own exchanges: named in its queues' bindings
            keys = sorted(self.exchange_keys[exchange.name])
            parameter: dict[str, Any] = {"description": _KEY_DESCRIPTIONS[exchange.name]}
            if keys:
                parameter["enum"] = keys
            channels[_exchange_channel(exchange.name)] = {
                "address": "{routingKey}",
                "title": exchange.name,
                "description": _EXCHANGE_DESCRIPTIONS[exchange.name],
                "parameters": {"routingKey": parameter},
                "messages": _message_refs(self.exchange_messages[exchange.name]),
                "bindings": {
                    "amqp": {
                        "is": "routingKey",
                        "exchange": {
                            "name": exchange.name,
                            "type": exchange.kind,
                            **_DURABLE,
                            "vhost": self.vhost,
                        },
                        "bindingVersion": AMQP_BINDING,
                    }
                },
            }
        for queue in self.topology.queues:
            bound = [
                {"exchange": b.exchange, "routingKey": b.routing_key}
                for b in self.topology.bindings
                if b.queue == queue.name
            ]
            binding: dict[str, Any] = {
                "is": "queue",
                "queue": {"name": queue.name, **_DURABLE, "exclusive": False, "vhost": self.vhost},
                "bindingVersion": AMQP_BINDING,
            }
            if queue.arguments:
                binding["x-arguments"] = dict(sorted(queue.arguments.items()))
            if bound:
                binding["x-bindings"] = bound
            channels[_queue_channel(queue.name)] = {
                "address": queue.name,
                "title": queue.name,
                "description": _queue_description(queue.name, queue.quorum),
                "messages": _message_refs(self.queue_messages[queue.name]),
                "bindings": {"amqp": binding},
            }
        return channels

    def operations_of(self, service: Service) -> None:
        c = service.config
        receive = "the source format's messages" if c.role == "inbound" else "canonical messages"
        queues = _consumed_queues(c)
        for index, queue in enumerate(queues, start=1):
            name = f"{c.name}.receive" if len(queues) == 1 else f"{c.name}.receive.{index}"
            self.operations[name] = {
                "action": "receive",
                "title": f"{c.name} receives",
                "summary": f"{c.name} ({c.role}, {c.format}) consumes {receive} from {queue}",
                "channel": {"$ref": f"#/channels/{_queue_channel(queue)}"},
                "messages": _operation_refs(_queue_channel(queue), self.queue_messages[queue]),
                "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}},
            }
            if c.schema_version is not None:  # a consumer built on an earlier release
                release = released(c.schema_version)
                self.operations[name]["summary"] += (
                    f"; built on canonical {release.version}: it binds that release's message "
                    "types only and checks each message with its schemas"
                )
                self.operations[name]["x-cjx-schema-version"] = {
                    "version": release.version,
                    "jsonSchema": f"schemas/{release.json_schema}",
                    "xsd": f"schemas/{release.xsd}",
                }
                if release.imported:  # from 1.2: the extension namespace's document
                    self.operations[name]["x-cjx-schema-version"]["xsdImports"] = [
                        f"schemas/{relative}" for relative in release.imported
                    ]
        if c.role == "inbound":
            adapter = get_adapter(c.format)
            keys = sorted(_canonical_key(t) for t in adapter.decodes)
            exchange, messages = CANONICAL, keys
            summary = f"{c.name} publishes the canonical messages it decodes from {c.format}"
        elif c.role == "rule":
            keys = sorted(_canonical_key(t) for t in _rule_outputs(service))
            exchange, messages = CANONICAL, keys
            summary = f"{c.name} publishes what its rules ({', '.join(c.rules)}) derive"
        else:
            assert c.destination is not None
            keys = [outbound_key(c.format, c.destination)]
            exchange, messages = OUTBOUND, [_encoded_message(c.format)]
            summary = f"{c.name} publishes {c.format} for {c.destination}"
            if c.where:
                summary += " (only the messages its where selects)"
        self.operations[f"{c.name}.send"] = _send(exchange, keys, messages, summary)
        if c.where:  # content-based routing (docs/services.md): the conditions, all of which hold
            self.operations[f"{c.name}.send"]["x-cjx-where"] = [str(w) for w in c.where]
        self.operations[f"{c.name}.dead-letter"] = _send(
            DEAD_LETTER,
            [c.name],
            [DEAD_LETTER_MESSAGE],
            f"{c.name} dead-letters an input it cannot process, with the original bytes and a "
            "report (cjx-error-code, cjx-error-report)",
        )

    def components(self) -> dict[str, Any]:
        canonical = json.loads(schema_file(JSON_SCHEMA_PATH).read_text(encoding="utf-8"))
        schemas: dict[str, Any] = {
            name: _rewrite_refs(schema) for name, schema in sorted(canonical["$defs"].items())
        }
        schemas["CanonicalHeaders"] = _headers(
            {
                HEADER_SOURCE_FORMAT: "the format the message was translated from",
                HEADER_ORDERING_KEY: "the first 32 hex digits of HMAC-SHA-256, keyed with the "
                "ordering secret, of the person identifier that "
                "orders the messages about one person (never the identifier itself)",
            }
        )
        schemas["DeadLetterHeaders"] = _headers(
            {
                HEADER_ERROR_CODE: "the rule code of the first error",
                HEADER_ERROR_REPORT: "the report as JSON (capped at 16 KiB)",
                HEADER_ORIGINAL_EXCHANGE: "where the input was published",
                HEADER_ORIGINAL_ROUTING_KEY: "its routing key",
                HEADER_FAILED_AT: "when the service gave up (RFC 3339)",
                HEADER_SERVICE: "the service that dead-lettered it",
                HEADER_ATTEMPT: "the retry count when retries ran out",
            }
        )
        messages: dict[str, Any] = {}
        xsd = {"schema": f"schemas/{XSD_PATH}", "namespace": "urn:cjx:canonical:1"}
        for message_type in sorted(self.canonical_types):
            body = BODY_TYPES[message_type]
            key = _canonical_key(message_type)
            messages[key] = {
                "name": message_type,
                "title": f"canonical {message_type}",
                "summary": f"a canonical {body.__name__} message (schema version "
                f"{body.schema_version})",
                "description": (
                    "Canonical XML on the wire (application/xml), valid against the canonical "
                    f"XSD (x-cjx-xsd: root Envelope, body element {body.__name__}); outbound "
                    "services also accept canonical JSON (application/json), valid against "
                    "the payload schema. Both forms describe one model, in lockstep."
                ),
                "contentType": "application/xml",
                "headers": {"$ref": "#/components/schemas/CanonicalHeaders"},
                "payload": {"$ref": f"#/components/schemas/Envelope-{body.__name__}"},
                "bindings": {"amqp": {"messageType": message_type, "bindingVersion": AMQP_BINDING}},
                "x-cjx-xsd": {**xsd, "element": "Envelope", "body": body.__name__},
            }
        for fmt in sorted(self.formats_in | self.formats_out):
            adapter = get_adapter(fmt)
            described = {
                "contentType": adapter.media_type,
                "x-cjx-format": fmt,
                "x-cjx-schemas": _format_schemas(fmt),
            }
            if fmt in self.formats_in:
                messages[_raw_message(fmt)] = {
                    "name": fmt,
                    "title": f"{fmt} input",
                    "summary": f"{adapter.description} (as its source system publishes it)",
                    **described,
                }
            if fmt in self.formats_out:
                messages[_encoded_message(fmt)] = {
                    "name": fmt,
                    "title": f"{fmt} output",
                    "summary": f"{adapter.description} (as cjx writes it for a receiver)",
                    **described,
                }
        messages[DEAD_LETTER_MESSAGE] = {
            "name": DEAD_LETTER_MESSAGE,
            "title": "dead letter",
            "summary": "an input a service could not process: its original bytes and "
            "properties, with a structured report in the headers",
            "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        }
        return {"schemas": schemas, "messages": messages}

    def document(self) -> dict[str, Any]:
        self.flows()
        for service in self.services:
            self.operations_of(service)
        channels = self.channels()
        components = self.components()
        for channel in channels.values():
            for ref in channel["messages"].values():
                assert ref["$ref"].removeprefix("#/components/messages/") in components["messages"]
        versions = [v.version for v in released_versions(1)]
        document: dict[str, Any] = {
            "asyncapi": ASYNCAPI_VERSION,
            "info": {
                "title": f"cjx services of {Path(self.config.source).name}",
                "version": versions[-1] if versions else "1.0",
                "description": (
                    "The exchanges, queues and bindings the cjx services of this configuration "
                    "declare, what each service receives and sends, and the messages. Written "
                    "by `cjx asyncapi`; regenerate it rather than edit it. Canonical schema "
                    f"versions: {', '.join(versions)} (docs/versioning.md)."
                ),
            },
            "defaultContentType": "application/xml",
        }
        if self.server is not None:
            document["servers"] = {
                "broker": {
                    "host": self.server.host,
                    "protocol": self.server.protocol,
                    "protocolVersion": "0.9.1",
                    "pathname": self.server.vhost,
                    "description": "RabbitMQ, from [broker] url (credentials are never written)",
                }
            }
        document["channels"] = channels
        document["operations"] = self.operations
        document["components"] = components
        return document


_EXCHANGE_DESCRIPTIONS: Final = {
    INBOUND: "Topic exchange for raw messages from source systems; routing key = format.",
    CANONICAL: "Topic exchange for canonical messages; routing key <message_type>.v<major>.",
    OUTBOUND: "Topic exchange for encoded messages; routing key <format>.<destination>.",
    DEAD_LETTER: "Topic exchange for dead letters; routing key = service name "
    "(<service>.overflow for what a dlq itself refuses).",
}
_KEY_DESCRIPTIONS: Final = {
    INBOUND: "the format of the raw message",
    CANONICAL: "<message_type>.v<major>",
    OUTBOUND: "<format>.<destination>",
    DEAD_LETTER: "the name of the service that dead-lettered the message",
}


def _queue_description(name: str, quorum: bool) -> str:
    kind = "Quorum queue" if quorum else "Classic queue"
    if name.endswith(".in"):
        role = "a service's input"
    elif name.rpartition(".")[0].endswith(".in"):
        role = (
            "one partition of a partitioned service's input (chosen by the consistent hash of "
            "cjx-ordering-key, else of message_id); one replica consumes it at a time "
            "(x-single-active-consumer)"
        )
    elif name.endswith(".replicas"):
        role = "a partitioned service's replicas consume it (nothing is published to it), so "
        role += "its consumer count is the number of live replicas"
    elif ".retry." in name:
        role = "a wait queue: a retry waits here for its TTL, then dead-letters back to the input"
    elif name.endswith(".dlq"):
        role = "a service's dead letters"
    elif name.endswith(".dlq-overflow"):
        role = "where a dead letter goes when the dlq refuses it"
    else:
        role = "a receiving system's queue, bound to its outbound routing key"
    return f"{kind}: {role}."


def _message_refs(ids: Iterable[str]) -> dict[str, Any]:
    return {i: {"$ref": f"#/components/messages/{i}"} for i in sorted(ids)}


def _operation_refs(channel: str, ids: Iterable[str]) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/{channel}/messages/{i}"} for i in sorted(ids)]


def _send(exchange: str, keys: list[str], messages: list[str], summary: str) -> dict[str, Any]:
    channel = _exchange_channel(exchange)
    return {
        "action": "send",
        "summary": summary,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": _operation_refs(channel, messages),
        "bindings": {
            "amqp": {
                "cc": sorted(keys),
                "deliveryMode": 2,
                "mandatory": True,
                "bindingVersion": AMQP_BINDING,
            }
        },
    }


def _headers(fields: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: {"description": text} for name, text in fields.items()},
    }


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (
                v.replace("#/$defs/", "#/components/schemas/")
                if k == "$ref" and isinstance(v, str)
                else _rewrite_refs(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _format_schemas(fmt: str) -> list[str]:
    root = schema_file(JSON_SCHEMA_PATH).parents[2] / "formats" / fmt
    if not root.is_dir():
        return []
    return [f"schemas/formats/{fmt}/{p.name}" for p in sorted(root.iterdir()) if p.is_file()]


def asyncapi_document(config: Config) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of ``config``'s topology, as a dictionary."""
    return _Builder(config).document()


def render(document: Mapping[str, Any], fmt: Literal["yaml", "json"] = "yaml") -> str:
    """The document as YAML (the default) or JSON text, deterministic, with a final newline."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml  # noqa: PLC0415 - only this command needs it

    text: str = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return text
