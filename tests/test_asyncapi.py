"""``cjx asyncapi``: an AsyncAPI 3.0 document of a configuration's topology.

The document validates against the AsyncAPI 3.0.0 JSON Schema (a copy in
``tests/fixtures/asyncapi``, Apache-2.0, see SOURCES.md there), matches what the services
declare, and ``examples/asyncapi.yaml`` is the current document of ``examples/services.toml``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from cjx.asyncapi import asyncapi_document, render
from cjx.cli import main
from cjx.model import BODY_TYPES
from cjx.service import Service, load_config, parse_config
from cjx.transport import open_broker, topic_matches

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = ROOT / "examples" / "services.toml"
EXAMPLE_DOCUMENT = ROOT / "examples" / "asyncapi.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "asyncapi"
REGENERATE = (
    "cjx asyncapi --config examples/services.toml --out examples/asyncapi.yaml "
    "(or bash scripts/regenerate-schemas)"
)


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads((FIXTURES / "asyncapi-3.0.0.schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema)


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return asyncapi_document(load_config(EXAMPLE_CONFIG, environ={}))


def _errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [
        f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(document)
    ]


def test_the_example_document_validates_against_asyncapi_3(
    validator: Draft7Validator, example: dict[str, Any]
) -> None:
    assert _errors(validator, example) == []
    assert example["asyncapi"] == "3.0.0"


def test_the_validator_does_reject_a_broken_document(
    validator: Draft7Validator, example: dict[str, Any]
) -> None:
    broken = copy.deepcopy(example)
    broken["channels"]["exchange.cjx.canonical"]["bindings"]["amqp"]["exchange"]["type"] = "odd"
    del broken["operations"]["demo-court-in.send"]["action"]
    errors = _errors(validator, broken)
    assert any("/channels/exchange.cjx.canonical" in e for e in errors)
    assert any("/operations/demo-court-in.send" in e for e in errors)


def test_the_committed_example_is_current(example: dict[str, Any]) -> None:
    assert EXAMPLE_DOCUMENT.read_text(encoding="utf-8") == render(example), (
        f"examples/asyncapi.yaml is out of date; regenerate it with {REGENERATE}"
    )


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _pointer(document: Any, ref: str) -> Any:
    node = document
    for token in ref.removeprefix("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_resolves_inside_the_document(example: dict[str, Any]) -> None:
    refs = _refs(example)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        _pointer(example, ref)  # raises KeyError when it does not resolve


def test_channels_are_the_declared_topology(example: dict[str, Any]) -> None:
    config = load_config(EXAMPLE_CONFIG, environ={})
    broker = open_broker("memory://")
    channels = example["channels"]
    for service_config in config.services:
        topology = Service(service_config, broker).topology
        for exchange in topology.exchanges:
            binding = channels[f"exchange.{exchange.name}"]["bindings"]["amqp"]
            assert binding["exchange"]["name"] == exchange.name
            assert binding["exchange"]["type"] == exchange.kind
            assert binding["exchange"]["durable"] is True
        for queue in topology.queues:
            channel = channels[f"queue.{queue.name}"]
            assert channel["address"] == queue.name
            binding = channel["bindings"]["amqp"]
            assert binding["queue"]["name"] == queue.name
            assert binding["queue"]["durable"] is True
            assert binding.get("x-arguments", {}) == dict(queue.arguments)
        for bound in topology.bindings:
            amqp = channels[f"queue.{bound.queue}"]["bindings"]["amqp"]
            assert {"exchange": bound.exchange, "routingKey": bound.routing_key} in amqp[
                "x-bindings"
            ]


def test_operations_receive_and_send_for_every_service(example: dict[str, Any]) -> None:
    operations = example["operations"]
    config = load_config(EXAMPLE_CONFIG, environ={})
    for service in config.services:
        receive = operations[f"{service.name}.receive"]
        assert receive["action"] == "receive"
        assert receive["channel"] == {"$ref": f"#/channels/queue.{service.name}.in"}
        send = operations[f"{service.name}.send"]
        assert send["action"] == "send"
        assert send["bindings"]["amqp"]["mandatory"] is True
        assert operations[f"{service.name}.dead-letter"]["bindings"]["amqp"]["cc"] == [service.name]
        received = {ref["$ref"].rsplit("/", 1)[-1] for ref in receive["messages"]}
        if service.role == "inbound":
            assert received == {f"raw.{service.format}"}
            assert send["channel"] == {"$ref": "#/channels/exchange.cjx.canonical"}
        else:
            # exactly the canonical types its subscriptions match
            expected = {
                cls.routing_key()
                for cls in BODY_TYPES.values()
                if any(topic_matches(p, cls.routing_key()) for p in service.subscribe)
            }
            assert received == expected
            assert send["bindings"]["amqp"]["cc"] == [f"{service.format}.{service.destination}"]
    probation = {
        ref["$ref"].rsplit("/", 1)[-1]
        for ref in operations["demo-probation-out.receive"]["messages"]
    }
    assert "court.case-resulted.v1" not in probation
    assert "custody.prisoner-received.v1" in probation


def test_messages_carry_the_json_schema_inline_and_reference_the_xsd(
    example: dict[str, Any],
) -> None:
    components = example["components"]
    for message_type, body in BODY_TYPES.items():
        message = components["messages"][body.routing_key()]
        assert message["name"] == message_type
        schema = _pointer(example, message["payload"]["$ref"])
        assert schema["properties"]["message_type"]["const"] == message_type
        assert message["x-cjx-xsd"]["schema"] == "schemas/canonical/v1/cjx-canonical.xsd"
        assert message["x-cjx-xsd"]["body"] == body.__name__
        assert (ROOT / message["x-cjx-xsd"]["schema"]).is_file()
        assert message["bindings"]["amqp"]["messageType"] == message_type
    # the schemas are the canonical JSON Schema's definitions, refs pointing into components
    canonical = json.loads(
        (ROOT / "schemas/canonical/v1/cjx-canonical.schema.json").read_text(encoding="utf-8")
    )
    assert set(canonical["$defs"]) <= set(components["schemas"])
    assert "#/$defs/" not in json.dumps(components)


def test_server_comes_from_the_file_without_credentials() -> None:
    document = {
        "broker": {"url": "amqps://cjx-user:s3cret-pass@broker.example.invalid:5671/cjx%2Fprod"},
        "services": [{"name": "court-in", "role": "inbound", "format": "libra-spi"}],
    }
    config = parse_config(document, source="deploy.toml", environ={})
    result = asyncapi_document(config)
    assert result["servers"]["broker"] == {
        "host": "broker.example.invalid:5671",
        "protocol": "amqps",
        "protocolVersion": "0.9.1",
        "pathname": "cjx/prod",
        "description": "RabbitMQ, from [broker] url (credentials are never written)",
    }
    text = render(result) + render(result, "json")
    assert "s3cret" not in text
    assert "cjx-user" not in text
    assert result["channels"]["queue.court-in.in"]["bindings"]["amqp"]["queue"]["vhost"] == (
        "cjx/prod"
    )


def test_memory_broker_has_no_server(example: dict[str, Any]) -> None:
    assert "servers" not in example


def test_cli_writes_yaml_to_stdout_or_json_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CJX_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    assert main(["asyncapi", "--config", str(EXAMPLE_CONFIG)]) == 0
    out = capsys.readouterr().out
    assert out == EXAMPLE_DOCUMENT.read_text(encoding="utf-8")  # the file, not the environment
    target = tmp_path / "docs" / "topology.json"
    assert (
        main(
            ["asyncapi", "--config", str(EXAMPLE_CONFIG), "--format", "json", "--out", str(target)]
        )
        == 0
    )
    assert json.loads(target.read_text(encoding="utf-8")) == yaml.safe_load(out)


def test_cli_bad_configuration_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[[services]]\nname = "x"\nrole = "sideways"\nformat = "libra-spi"\n')
    assert main(["asyncapi", "--config", str(config)]) == 2
    assert "role must be" in capsys.readouterr().err
    assert main(["asyncapi", "--config", str(tmp_path / "missing.toml")]) == 2


def test_a_partitioned_service_shows_its_partitions(validator: Draft7Validator) -> None:
    config = parse_config(
        {
            "broker": {"url": "amqp://guest:guest@127.0.0.1:5672/"},
            "services": [
                {"name": "ev-in", "role": "inbound", "format": "hmpps-events", "partitions": 3}
            ],
        },
        environ={},
    )
    document = asyncapi_document(config)
    assert _errors(validator, document) == []
    partitions = [f"queue.ev-in.in.{p}" for p in range(3)]
    for channel in partitions:
        assert document["channels"][channel]["messages"], channel
        assert "x-single-active-consumer" in json.dumps(document["channels"][channel])
    receives = [o for name, o in document["operations"].items() if ".receive" in name]
    assert sorted(o["channel"]["$ref"].rpartition("/")[2] for o in receives) == partitions
