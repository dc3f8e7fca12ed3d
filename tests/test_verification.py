"""Output verification (issue 10): off by default, on in this test suite, and able to fail.

cjx validates every message it reads (the source gate, and the canonical gate on canonical
input) but does not read back what it has just written unless asked: ``translate(verify=True)``,
``cjx translate --verify``, ``verify_output = true`` for a service, or ``CJX_VERIFY_OUTPUT=1``.
The root ``conftest.py`` sets the variable, so every test verifies every output: these tests
check that it is in force and that a writer bug then fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tests.messages import COURT
from tests.strategies import FIXED_CLOCK
from tests.transport.helpers import Sink

from cjx.adapter import CanonicalXml, get_adapter, register
from cjx.adapter import _registry as registry
from cjx.cli import main
from cjx.errors import ConfigurationError
from cjx.model import Envelope
from cjx.pipeline import VERIFY_VARIABLE, translate, verify_by_default
from cjx.service import Options, ServiceConfig, parse_config
from cjx.testing import services_on
from cjx.transport import CANONICAL, MemoryBroker, Message, destination_queue, dlq_name

GOOD = Path(__file__).resolve().parents[1] / (
    "adapters/cjx_libra_spi/tests/fixtures/samples/core-input-message-001.xml"
)


class _InvalidXml(CanonicalXml):
    """A canonical XML writer with a bug: it leaves out the defendant's required Presence."""

    name: ClassVar[str] = "test-invalid-canonical-xml"

    def encode(self, envelope: Envelope[Any]) -> bytes:
        lines = super().encode(envelope).split(b"\n")
        return b"\n".join(line for line in lines if b"<Presence>" not in line)


class _WrongXml(CanonicalXml):
    """A canonical XML writer with a quieter bug: valid XML that says something else."""

    name: ClassVar[str] = "test-wrong-canonical-xml"

    def encode(self, envelope: Envelope[Any]) -> bytes:
        return super().encode(envelope).replace(b"<Gender>MALE<", b"<Gender>FEMALE<")


@pytest.fixture
def broken_writers() -> Iterator[None]:
    register(_InvalidXml())
    register(_WrongXml())
    yield
    for name in (_InvalidXml.name, _WrongXml.name):
        registry._load().pop(name, None)


def test_the_suite_runs_with_verification_on() -> None:
    """The root conftest.py is in force: every translate in the suite verifies its outputs."""
    assert os.environ[VERIFY_VARIABLE] == "1"
    assert verify_by_default()


def test_verification_is_off_by_default_outside_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VERIFY_VARIABLE)
    assert not verify_by_default()
    for value in ("1", "true", "YES", " on "):
        monkeypatch.setenv(VERIFY_VARIABLE, value)
        assert verify_by_default()
    for value in ("", "0", "false", "no"):
        monkeypatch.setenv(VERIFY_VARIABLE, value)
        assert not verify_by_default()


@pytest.mark.parametrize("writer", [_InvalidXml.name, _WrongXml.name])
def test_a_writer_bug_fails_translate_in_the_suite(broken_writers: None, writer: str) -> None:
    """With the suite's default, a broken writer's output is refused (translate.verify); with
    verification explicitly off, the same bug goes out unnoticed, which is why the suite
    verifies."""
    outcome = translate(COURT, from_format="libra-spi", to_format=writer)
    assert not outcome.ok
    assert outcome.outputs == ()
    assert {i.code for i in outcome.report.errors} == {"translate.verify"}
    assert all("defect of cjx" in i.message for i in outcome.report.errors)
    unchecked = translate(COURT, from_format="libra-spi", to_format=writer, verify=False)
    assert unchecked.ok
    assert len(unchecked.outputs) == 1


def test_verification_passes_every_good_output() -> None:
    """Every writer's output reads back through its own gate (canonical: as the same message)."""
    for target in ("canonical-xml", "canonical-json", "libra-spi"):
        outcome = translate(COURT, from_format="libra-spi", to_format=target, verify=True)
        assert outcome.ok, outcome.report.to_text()
        (output,) = outcome.outputs
        again = translate(output, from_format=target, to_format="libra-spi", verify=True)
        assert again.ok, again.report.to_text()


def test_verification_writes_the_same_bytes() -> None:
    """Verifying changes nothing in the output."""
    on = translate(
        COURT, from_format="libra-spi", to_format="canonical-xml", verify=True, clock=FIXED_CLOCK
    )
    off = translate(
        COURT, from_format="libra-spi", to_format="canonical-xml", verify=False, clock=FIXED_CLOCK
    )
    assert on.outputs == off.outputs == (get_adapter("canonical-xml").encode(on.envelopes[0]),)


def test_cli_verify_flag(
    broken_writers: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cjx translate --verify`` turns verification on when the environment leaves it off."""
    monkeypatch.setenv(VERIFY_VARIABLE, "0")
    argv = ["translate", "--from", "libra-spi", "--to", _InvalidXml.name, str(GOOD)]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv[:5], "--verify", *argv[5:]]) == 1
    assert "translate.verify" in capsys.readouterr().err


def test_verify_output_is_a_service_option() -> None:
    document: dict[str, Any] = {
        "broker": {"url": "memory://"},
        "options": {"verify_output": True},
        "services": [
            {"name": "a", "role": "inbound", "format": "libra-spi"},
            {"name": "b", "role": "inbound", "format": "hmpps-events", "verify_output": False},
        ],
    }
    config = parse_config(document, environ={})
    assert [s.options.verify_output for s in config.services] == [True, False]
    assert Options().verify_output is False
    document["options"] = {"verify_output": 1}
    with pytest.raises(ConfigurationError, match="verify_output must be true or false"):
        parse_config(document, environ={})


@pytest.mark.parametrize("verify_output", [True, False])
async def test_a_service_with_verify_output_dead_letters_a_writer_bug(
    broken_writers: None, monkeypatch: pytest.MonkeyPatch, verify_output: bool
) -> None:
    """An outbound service whose writer is broken: with ``verify_output`` the input is
    dead-lettered as translate.verify; without it (and the environment off) it is published."""
    monkeypatch.setenv(VERIFY_VARIABLE, "0")
    canonical = translate(COURT, from_format="libra-spi", to_format="canonical-xml")
    (body,) = canonical.outputs
    broker = MemoryBroker()
    await broker.connect()
    try:
        async with services_on(broker) as start:
            config = ServiceConfig(
                "verify-out",
                "outbound",
                _InvalidXml.name,
                subscribe=("court.case-resulted.v1",),
                destination="sink",
                options=Options(verify_output=verify_output),
            )
            await start(config)
            out = await Sink.on(broker, destination_queue(_InvalidXml.name, "sink"))
            dead = await Sink.on(broker, dlq_name("verify-out"))
            message = Message(body=body, message_id="v-1", content_type=CanonicalXml.media_type)
            await broker.publish(CANONICAL, "court.case-resulted.v1", message)
            if verify_output:
                (arrived,) = await dead.wait_for(1)
                report = json.loads(arrived.message.headers["cjx-error-report"])
                assert {i["code"] for i in report["issues"]} == {"translate.verify"}
                assert arrived.message.body == body
                assert out.arrived == []
            else:
                await out.wait_for(1)
                assert dead.arrived == []
            await out.close()
            await dead.close()
    finally:
        await broker.close()


def test_validate_runs_both_gates_and_translate_only_the_readers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``cjx validate`` (the diagnostic path) still gates what a source message becomes; an
    unverified ``translate`` never calls the canonical gate on what it has just written."""
    from cjx.adapter import _protocol
    from cjx.errors import error
    from cjx.validation import canonical_gate

    calls: list[str] = []

    def gate(envelope: Envelope[Any]) -> tuple[bytes, list[Any]]:
        calls.append(envelope.message_type)
        text, _ = canonical_gate(envelope)
        return text, [error("schema.content", "/Envelope", "planted by the test")]

    monkeypatch.setattr(_protocol, "canonical_gate", gate)
    report = get_adapter("libra-spi").validate(COURT)
    assert calls == ["court.case-resulted"]
    assert "schema.content" in report.codes
    calls.clear()
    assert translate(COURT, from_format="libra-spi", to_format="canonical-xml", verify=False).ok
    assert calls == []
