"""`cjx publish` (issue 13 part 3): files to cjx.inbound as cjx sends raw inputs, with confirms.

The review (M1) found no way to put a message onto the bus from the command line, and no way
back for a corrected dead letter: these tests fail on the code it was run against.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import io
from pathlib import Path

import pytest
from tests import rabbit
from tests.messages import court_result, invalid_court_result
from tests.transport.helpers import Sink

from cjx.cli import main
from cjx.cli._inputs import collect
from cjx.cli._publish import publish_inputs
from cjx.service import (
    Service,
    ServiceConfig,
    inbound_message,
    input_id,
    ordering_key,
    ordering_key_digest,
)
from cjx.service import _dlq as dlq
from cjx.service._runtime import HEADER_ORDERING_KEY
from cjx.transport import CANONICAL, INBOUND, Broker, MemoryBroker, dlq_name

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = "test-ordering-secret"


def test_inbound_message_properties_are_set_as_cjx_sets_them() -> None:
    """id = the one a service gives an input without one; the format's media type; the
    ordering header is the keyed digest of the person's identifier (HMAC-SHA-256 with the
    deployment's secret), never the identifier, and there is none without a secret."""
    data = court_result(1)
    assert HEADER_ORDERING_KEY not in inbound_message(data, "libra-spi").headers
    message = inbound_message(data, "libra-spi", ordering_secret=SECRET)
    assert message.message_id == input_id(data) == f"sha256:{hashlib.sha256(data).hexdigest()}"
    assert message.content_type == "application/xml"
    key = ordering_key(data, "libra-spi")
    assert key is not None
    digest = message.headers[HEADER_ORDERING_KEY]
    assert (
        digest
        == ordering_key_digest(data, "libra-spi", SECRET)
        == hmac.new(SECRET.encode(), key.encode(), hashlib.sha256).hexdigest()[:32]
    )
    assert key not in str(message.headers)
    bad = inbound_message(b"not xml", "libra-spi", ordering_secret=SECRET)
    assert HEADER_ORDERING_KEY not in bad.headers  # nothing decodes: no key, still sent
    assert bad.body == b"not xml"


async def test_publish_sends_bytes_as_they_are_and_validate_skips(
    broker: Broker, unique: str, tmp_path: Path
) -> None:
    """Valid files are translated by the service; an invalid one reaches the service and is
    dead-lettered there; with --validate it is skipped instead. The canonical output carries
    the same ordering digest the publish set."""
    name = f"{unique}-court"
    service = Service(ServiceConfig(name, "inbound", "libra-spi"), broker, ordering_secret=SECRET)
    await service.start()
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xml").write_bytes(court_result(10))
    (folder / "b.xml").write_bytes(invalid_court_result(11))
    (folder / ".hidden.xml").write_bytes(court_result(12))
    summary = await publish_inputs(
        broker, "libra-spi", collect([str(folder)]), validate=False, ordering_secret=SECRET
    )
    assert summary.published == [str(folder / "a.xml"), str(folder / "b.xml")]
    assert summary.ok
    (arrived,) = await tap.wait_for(1)
    assert arrived.message.headers[HEADER_ORDERING_KEY] == ordering_key_digest(
        court_result(10), "libra-spi", SECRET
    )
    for _ in range(200):
        if await broker.queue_length(dlq_name(name)) == 1:
            break
        await asyncio.sleep(0.05)
    (letter,) = (await dlq.list_dead_letters(broker, name)).letters
    assert letter.code == "asn.check-character"
    assert letter.message_id == input_id(invalid_court_result(11))

    checked = await publish_inputs(broker, "libra-spi", collect([str(folder)]), validate=True)
    assert [n for n, _ in checked.skipped] == [str(folder / "b.xml")]
    assert "asn.check-character" in checked.skipped[0][1]
    assert not checked.ok
    await service.stop(grace=5)
    await tap.close()


async def _refused_when_no_service(broker: Broker, tmp_path: Path) -> None:
    await broker.declare(Service(ServiceConfig("court", "inbound", "libra-spi"), broker).topology)
    path = tmp_path / "event.json"
    path.write_bytes((EXAMPLES / "hmpps-events" / "prisoner-received.json").read_bytes())
    summary = await publish_inputs(broker, "hmpps-events", collect([str(path)]), validate=False)
    assert summary.published == []
    assert [n for n, _ in summary.refused] == [str(path)]
    assert INBOUND in summary.refused[0][1]


async def test_publish_with_no_service_for_the_format_is_refused(tmp_path: Path) -> None:
    """No queue bound for the format on cjx.inbound: the broker returns it; counted refused."""
    broker = MemoryBroker()
    await broker.connect()
    try:
        await _refused_when_no_service(broker, tmp_path)
    finally:
        await broker.close()


@pytest.mark.amqp
async def test_publish_with_no_service_for_the_format_is_refused_by_rabbitmq(
    tmp_path: Path,
) -> None:
    """The same on RabbitMQ, in a vhost of its own (the session's has every format bound)."""
    from cjx.transport.amqp import AmqpBroker

    with rabbit.own_vhost("cjx-publish") as vhost:
        broker = AmqpBroker(rabbit.url_for(vhost))
        await broker.connect()
        try:
            await _refused_when_no_service(broker, tmp_path)
        finally:
            await broker.close()


@pytest.mark.amqp
async def test_review_m1_fix_and_resubmit_through_export_and_publish(
    amqp_url: str, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """M1: replay resends the same bytes, so a permanent failure goes straight back to the
    dlq, and the CLI could not publish. Now: `dlq export`, fix the file, `cjx publish` it; it
    is delivered, and `dlq purge` removes the old dead letter. Exit 1 and a summary when
    anything is skipped."""
    from cjx.transport.amqp import AmqpBroker

    monkeypatch.setenv("CJX_BROKER_URL", amqp_url)
    name = f"{unique}-court"
    config = tmp_path / "services.toml"
    config.write_text(
        f'[[services]]\nname = "{name}"\nrole = "inbound"\nformat = "libra-spi"\n',
        encoding="utf-8",
    )
    broker = AmqpBroker(amqp_url)
    await broker.connect()
    service = Service(ServiceConfig(name, "inbound", "libra-spi"), broker)
    await service.start()
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))

    def cli(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(list(argv))
        return code, out.getvalue()

    bad = tmp_path / "bad.xml"
    bad.write_bytes(invalid_court_result(20))
    code, out = await asyncio.to_thread(
        cli, "publish", "--config", str(config), "--format", "libra-spi", str(bad)
    )
    assert code == 0
    assert "1 published to cjx.inbound (key libra-spi)" in out
    for _ in range(200):
        if await broker.queue_length(dlq_name(name)) == 1:
            break
        await asyncio.sleep(0.05)
    args = ("--config", str(config), "--service", name)
    fix = tmp_path / "fix"
    code, out = await asyncio.to_thread(cli, "dlq", "export", *args, "--all", "--out", str(fix))
    assert code == 0
    exported = fix / "bodies" / "0001.xml"
    assert exported.read_bytes() == invalid_court_result(20)
    exported.write_bytes(court_result(20))  # the fix: the right ASN check character
    code, out = await asyncio.to_thread(
        cli, "publish", "--config", str(config), "--format", "libra-spi", "--validate", str(fix)
    )
    assert code == 1  # the report next to it is not libra-spi: skipped, said so
    assert "1 published" in out
    assert f"SKIPPED  {fix / 'reports' / '0001.json'}" in out
    (arrived,) = await tap.wait_for(1)
    assert arrived.message.type == "court.case-resulted"
    code, out = await asyncio.to_thread(cli, "dlq", "purge", *args, "--position", "1", "--yes")
    assert "1 dead letter(s) purged" in out
    code, out = await asyncio.to_thread(
        cli,
        "publish",
        "--config",
        str(config),
        "--format",
        "libra-spi",
        "--validate",
        str(fix / "bodies"),
    )
    assert code == 0
    assert "1 published" in out
    await service.stop(grace=5)
    await tap.close()
    await broker.close()


def test_publish_refuses_the_memory_broker_and_unknown_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "services.toml"
    config.write_text(
        '[broker]\nurl = "memory://"\n[[services]]\nname = "c"\nrole = "inbound"\n'
        'format = "libra-spi"\n',
        encoding="utf-8",
    )
    path = tmp_path / "a.xml"
    path.write_bytes(court_result(1))
    assert main(["publish", "--config", str(config), "--format", "libra-spi", str(path)]) == 2
    assert "memory://" in capsys.readouterr().err
    assert main(["publish", "--config", str(config), "--format", "nope", str(path)]) == 2
