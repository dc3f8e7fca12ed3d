"""Consumers across versions (docs/versioning.md), on the memory broker and the real RabbitMQ.

A v1.1 producer publishes every message type, the seven of v1.0 and the six v1.1 added. A
consumer built on v1.0 (``schema_version = "1.0"``, subscribed to every key its release has by
the pattern ``#``) receives every v1.0 type, each valid under the frozen 1.0 schema, and none
of the v1.1 types; a consumer of the current version receives and reads them all, the v1.0
messages included.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from tests.transport.helpers import Sink

from cjx.asyncapi import asyncapi_document
from cjx.errors import ConfigurationError
from cjx.model import BODY_TYPES
from cjx.schema_versions import released
from cjx.service import HEADER_ERROR_REPORT, parse_config
from cjx.service._pinning import release_catalogue
from cjx.testing import services_on
from cjx.transport import (
    CANONICAL,
    Binding,
    Broker,
    Message,
    Topology,
    destination_queue,
    dlq_name,
    in_queue,
)
from cjx.validation import json_schema_issues, json_validator

FIXTURES = Path(__file__).parents[1] / "fixtures" / "canonical"
V10_TYPES = set(release_catalogue("1.0"))
V11_ONLY = set(BODY_TYPES) - V10_TYPES


def _messages() -> list[tuple[str, bytes]]:
    """(message type, canonical XML) of every fixture: at least one message per type."""
    out = []
    for path in sorted(FIXTURES.glob("*.xml")):
        message_type = json.loads(path.with_suffix(".json").read_bytes())["message_type"]
        out.append((message_type, path.read_bytes()))
    assert {t for t, _ in out} == set(BODY_TYPES)
    return out


def _config(name: str, destination: str, subscribe: list[str], version: str | None) -> Any:
    service: dict[str, Any] = {
        "name": name,
        "role": "outbound",
        "format": "canonical-json",
        "subscribe": subscribe,
        "destination": destination,
    }
    if version is not None:
        service["schema_version"] = version
    document = {"broker": {"url": "memory://"}, "services": [service]}
    return parse_config(document, environ={}).services[0]


@pytest.fixture
async def running(broker: Broker) -> AsyncIterator[Callable[..., Any]]:
    async with services_on(broker) as start:
        yield start


def test_a_pinned_subscription_holds_only_its_release_types() -> None:
    pinned = _config("p", "d", ["#"], "1.0")
    assert set(pinned.subscribe) == {f"{t}.v1" for t in V10_TYPES}
    assert pinned.schema_version == "1.0"
    family = _config("p", "d", ["custody.*.v1"], "1.0")
    assert family.subscribe == (
        "custody.prisoner-received.v1",
        "custody.prisoner-released.v1",
        "custody.sentence-dates-changed.v1",
    )
    exact = _config("p", "d", ["court.case-resulted.v1"], "1.0")
    assert exact.subscribe == ("court.case-resulted.v1",)
    # the same family unpinned binds the pattern itself (every type, 1.1's included)
    assert _config("p", "d", ["custody.*.v1"], None).subscribe == ("custody.*.v1",)
    with pytest.raises(ConfigurationError, match=r"names no message type of version 1\.0"):
        _config("p", "d", ["custody.prisoner-record.v1"], "1.0")
    with pytest.raises(ConfigurationError, match=r"not a released version \(released: 1\.0, 1\.1"):
        _config("p", "d", ["#"], "1.9")
    with pytest.raises(ConfigurationError, match="for outbound services only"):
        parse_config(
            {
                "broker": {"url": "memory://"},
                "services": [
                    {"name": "i", "role": "inbound", "format": "libra-spi", "schema_version": "1.0"}
                ],
            },
            environ={},
        )


async def test_a_v10_consumer_gets_the_v10_types_from_a_v11_producer(
    broker: Broker, running: Any, unique: str
) -> None:
    old = _config(f"{unique}-v10", f"{unique}-old", ["#"], "1.0")
    new = _config(f"{unique}-v11", f"{unique}-new", ["#"], None)
    await running(old)
    await running(new)
    # everything the producer sends is routed somewhere (this tap), so nothing is unroutable
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "#"))
    old_out = await Sink.on(broker, destination_queue("canonical-json", f"{unique}-old"))
    new_out = await Sink.on(broker, destination_queue("canonical-json", f"{unique}-new"))
    old_dead = await Sink.on(broker, dlq_name(old.name))
    new_dead = await Sink.on(broker, dlq_name(new.name))
    messages = _messages()
    for n, (message_type, body) in enumerate(messages):
        await broker.publish(
            CANONICAL,
            f"{message_type}.v1",
            Message(
                body=body,
                message_id=f"{unique}-{n}",
                content_type="application/vnd.cjx.canonical.v1+xml",
                type=message_type,
            ),
        )
    await tap.wait_for(len(messages))
    v10 = [t for t, _ in messages if t in V10_TYPES]
    arrived_old = await old_out.wait_for(len(v10))
    arrived_new = await new_out.wait_for(len(messages))
    await old_out.quiet(1.0)
    # v1.0: every v1.0 message, valid under the frozen 1.0 JSON Schema; no v1.1 type
    assert sorted(a.message.type or "" for a in old_out.arrived) == sorted(v10)
    validator = json_validator(released("1.0").json_schema)
    for arrived in arrived_old:
        document = json.loads(arrived.message.body)
        assert document["schema_version"] == "1.0"
        assert json_schema_issues(validator, document) == []
    # v1.1: every message, the v1.0 ones read as they are
    assert sorted(a.message.type or "" for a in arrived_new) == sorted(t for t, _ in messages)
    assert not V11_ONLY & {a.message.type for a in old_out.arrived}
    # nothing was refused: the v1.1 types were never routed to the v1.0 consumer
    assert await old_dead.quiet(0.5) == []
    assert await new_dead.quiet(0.2) == []
    for sink in (tap, old_out, new_out, old_dead, new_dead):
        await sink.close()


async def test_a_v11_type_that_still_reaches_a_v10_consumer_is_dead_lettered(
    broker: Broker, running: Any, unique: str
) -> None:
    """Bound by hand to a v1.1 key, the v1.0 consumer refuses the message with the 1.0 schema
    and dead-letters it with its report (nothing is dropped); a v1.0 message still passes."""
    old = _config(f"{unique}-v10", f"{unique}-old", ["custody.prisoner-received.v1"], "1.0")
    await running(old)
    await broker.declare(
        Topology(bindings=(Binding(in_queue(old.name), CANONICAL, "licence.licence-record.v1"),))
    )
    out = await Sink.on(broker, destination_queue("canonical-json", f"{unique}-old"))
    dead = await Sink.on(broker, dlq_name(old.name))
    for n, name in enumerate(("licence-record", "prisoner-received")):
        message_type = json.loads((FIXTURES / f"{name}.json").read_bytes())["message_type"]
        await broker.publish(
            CANONICAL,
            f"{message_type}.v1",
            Message(
                body=(FIXTURES / f"{name}.xml").read_bytes(),
                message_id=f"{unique}-{n}",
                content_type="application/vnd.cjx.canonical.v1+xml",
                type=message_type,
            ),
        )
    (refused,) = await dead.wait_for(1)
    (passed,) = await out.wait_for(1)
    assert passed.message.type == "custody.prisoner-received"
    assert refused.message.body == (FIXTURES / "licence-record.xml").read_bytes()
    report = json.loads(refused.message.headers[HEADER_ERROR_REPORT])
    paths = {(i["code"], i["path"]) for i in report["issues"]}
    assert any(path == "/Envelope/MessageType" for _, path in paths), paths
    for sink in (out, dead):
        await sink.close()


async def test_a_v11_consumer_reads_a_v12_record_as_v11_readers_do(
    broker: Broker, running: Any, unique: str
) -> None:
    """The 1.2 record (``changed_groups`` at its extension point) keeps its routing key
    (``.v1``): a consumer built on 1.1 is sent it, accepts it with the 1.1 schemas and delivers
    the record it knows, without the field 1.1 does not have, valid under the frozen 1.1 JSON
    Schema; a consumer of the current version delivers it whole."""
    key = "custody.prisoner-record.v1"
    old = _config(f"{unique}-v11", f"{unique}-old", [key], "1.1")
    new = _config(f"{unique}-v12", f"{unique}-new", [key], None)
    assert old.subscribe == (key,)
    await running(old)
    await running(new)
    old_out = await Sink.on(broker, destination_queue("canonical-json", f"{unique}-old"))
    new_out = await Sink.on(broker, destination_queue("canonical-json", f"{unique}-new"))
    old_dead = await Sink.on(broker, dlq_name(old.name))
    record = (FIXTURES / "prisoner-record.xml").read_bytes()
    assert b"<SchemaVersion>1.2</SchemaVersion>" in record
    assert b"<ext:ChangedGroups" in record
    await broker.publish(
        CANONICAL,
        key,
        Message(
            body=record,
            message_id=f"{unique}-record",
            content_type="application/vnd.cjx.canonical.v1+xml",
            type="custody.prisoner-record",
        ),
    )
    (as_v11,) = await old_out.wait_for(1)
    (as_v12,) = await new_out.wait_for(1)
    read_old = json.loads(as_v11.message.body)
    read_new = json.loads(as_v12.message.body)
    assert read_old["schema_version"] == read_new["schema_version"] == "1.2"
    assert "changed_groups" not in read_old["body"]
    assert read_new["body"]["changed_groups"] == ["status", "location"]
    del read_new["body"]["changed_groups"]
    assert read_old["body"] == read_new["body"]
    validator = json_validator(released("1.1").json_schema)
    assert json_schema_issues(validator, read_old) == []
    assert await old_dead.quiet(0.5) == []
    for sink in (old_out, new_out, old_dead):
        await sink.close()


def test_the_asyncapi_document_says_which_release_a_consumer_was_built_on() -> None:
    """A pinned service's receive operation names its release and that release's schemas; the
    document still validates against the AsyncAPI 3.0 JSON Schema."""
    document = {
        "broker": {"url": "memory://"},
        "services": [
            {
                "name": "probation-v10",
                "role": "outbound",
                "format": "hmpps-events",
                "subscribe": ["custody.*.v1", "identity.*.v1"],
                "destination": "probation",
                "schema_version": "1.0",
            }
        ],
    }
    config = parse_config(document, environ={})
    asyncapi = asyncapi_document(config)
    operation = asyncapi["operations"]["probation-v10.receive"]
    assert operation["x-cjx-schema-version"] == {
        "version": "1.0",
        "jsonSchema": "schemas/canonical/1.0/cjx-canonical.schema.json",
        "xsd": "schemas/canonical/1.0/cjx-canonical.xsd",
    }
    assert "built on canonical 1.0" in operation["summary"]
    received = {ref["$ref"].rsplit("/", 1)[-1] for ref in operation["messages"]}
    assert received == {f"{t}.v1" for t in V10_TYPES if t.split(".")[0] in ("custody", "identity")}
    schema = json.loads((FIXTURES.parent / "asyncapi" / "asyncapi-3.0.0.schema.json").read_bytes())
    assert list(Draft7Validator(schema).iter_errors(asyncapi)) == []
