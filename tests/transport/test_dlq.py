"""The dead-letter tools: list, show, replay and purge, on cjx's and the broker's dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from pathlib import Path

import pytest
from tests.messages import court_result, invalid_court_result
from tests.transport.helpers import Sink, reject_one
from tests.transport.test_service import FAST_RETRY, Flaky

from cjx.adapter import register
from cjx.cli import main
from cjx.service import Options, Service, ServiceConfig
from cjx.service import _dlq as dlq
from cjx.transport import (
    CANONICAL,
    INBOUND,
    Broker,
    Message,
    dlq_name,
    in_queue,
    overflow_name,
)


async def _settle_count(broker: Broker, queue: str, count: int, timeout: float = 30) -> None:
    """Wait until ``queue`` holds exactly ``count`` ready messages (nacks are asynchronous)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while await broker.queue_length(queue) != count:
        assert asyncio.get_running_loop().time() < deadline, f"{queue} never reached {count}"
        await asyncio.sleep(0.05)


async def test_list_show_filter_and_purge(broker: Broker, unique: str) -> None:
    """cjx's dead letters are described from their headers; looking returns them all."""
    name = f"{unique}-court"
    service = Service(ServiceConfig(name, "inbound", "libra-spi"), broker)
    await service.start()
    for n in range(3):
        body = invalid_court_result(n) if n < 2 else b"not xml"
        await broker.publish(INBOUND, "libra-spi", Message(body=body, message_id=f"bad-{n}"))
    await _settle_count(broker, dlq_name(name), 3)
    await service.stop(grace=5)

    letters = (await dlq.list_dead_letters(broker, name)).letters
    assert [x.message_id for x in letters] == ["bad-0", "bad-1", "bad-2"]
    assert {x.made_by for x in letters} == {"cjx"}
    assert letters[0].code == "asn.check-character"
    assert letters[0].original_exchange == INBOUND
    assert letters[0].original_routing_key == "libra-spi"
    assert letters[0].report is not None
    await _settle_count(broker, dlq_name(name), 3)  # looking is not taking

    only = (
        await dlq.list_dead_letters(broker, name, dlq.Selection.of(codes=["asn.check-character"]))
    ).letters
    await _settle_count(broker, dlq_name(name), 3)
    assert [x.message_id for x in only] == ["bad-0", "bad-1"]
    found = await dlq.show(broker, name, 3)
    await _settle_count(broker, dlq_name(name), 3)
    assert found is not None
    assert found[1].body == b"not xml"

    would = await dlq.purge(
        broker, name, dlq.Selection.of(codes=["asn.check-character"]), dry_run=True
    )
    assert len(would) == 2
    await _settle_count(broker, dlq_name(name), 3)
    gone = await dlq.purge(broker, name, dlq.Selection.of(codes=["asn.check-character"]))
    assert [x.message_id for x in gone] == ["bad-0", "bad-1"]
    assert [x.message_id for x in (await dlq.list_dead_letters(broker, name)).letters] == ["bad-2"]


async def test_replay_sends_the_original_bytes_back_and_they_are_processed_again(
    broker: Broker, unique: str
) -> None:
    """A dead letter from a failure that has since cleared is delivered after a replay."""
    flaky = Flaky()
    register(flaky)
    Flaky.failures = 99
    Flaky.seen.clear()
    name = f"{unique}-flaky"
    config = ServiceConfig(name, "inbound", "flaky-test", options=Options(retry=FAST_RETRY))
    service = Service(config, broker)
    await service.start()
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    body = court_result(777_000 + len(unique))
    await broker.publish(INBOUND, "flaky-test", Message(body=body, message_id="once"))
    await _settle_count(broker, dlq_name(name), 1)
    (letter,) = (await dlq.list_dead_letters(broker, name)).letters
    assert letter.code == "service.retries-exhausted"
    assert letter.attempt == FAST_RETRY.attempts

    assert await dlq.replay(broker, name, dlq.EVERYTHING, dry_run=True)
    await _settle_count(broker, dlq_name(name), 1)
    Flaky.failures = 0  # the dependency is back
    (replayed,) = await dlq.replay(
        broker, name, dlq.Selection.of(codes=["service.retries-exhausted"])
    )
    assert replayed.message_id == "once"
    (arrived,) = await tap.wait_for(1)
    assert arrived.message.type == "court.case-resulted"
    await _settle_count(broker, dlq_name(name), 0)
    await service.stop(grace=5)
    await tap.close()


async def test_broker_made_dead_letters_are_handled(broker: Broker, unique: str) -> None:
    """A message rejected straight from the service queue carries x-death and no cjx headers."""
    name = f"{unique}-court"
    service = Service(ServiceConfig(name, "inbound", "libra-spi"), broker)
    await broker.declare(service.topology)  # the topology, but no service consuming
    await broker.publish(INBOUND, "libra-spi", Message(body=court_result(5), message_id="x"))
    await reject_one(broker, in_queue(name))
    await _settle_count(broker, dlq_name(name), 1)

    (letter,) = (await dlq.list_dead_letters(broker, name)).letters
    assert letter.made_by == "broker"
    assert letter.code == "broker.rejected"
    assert (letter.original_exchange, letter.original_routing_key) == (INBOUND, "libra-spi")

    await service.start()
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    await dlq.replay(broker, name, dlq.EVERYTHING)
    (arrived,) = await tap.wait_for(1)
    assert arrived.message.type == "court.case-resulted"
    await service.stop(grace=5)
    await tap.close()


@pytest.mark.amqp
async def test_dlq_command_lists_and_replays_with_dry_run(
    amqp_url: str, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cjx dlq` against RabbitMQ: list as JSON, a dry-run replay that changes nothing."""
    from cjx.transport.amqp import AmqpBroker

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
    await broker.publish(INBOUND, "libra-spi", Message(body=b"<nope", message_id="cli-1"))
    await _settle_count(broker, dlq_name(name), 1)
    await service.stop(grace=5)

    monkeypatch.setenv("CJX_BROKER_URL", amqp_url)
    args = ["--config", str(config), "--service", name]

    def run(*command: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["dlq", *command, *args])
        return code, out.getvalue()

    code, out = await asyncio.to_thread(run, "list", "--json")
    assert code == 0
    (letter,) = json.loads(out)["dead_letters"]
    assert letter["message_id"] == "cli-1"
    assert letter["code"].startswith("xml.")
    code, out = await asyncio.to_thread(run, "replay", "--all", "--dry-run")
    assert code == 0
    assert "would be replayed (dry run)" in out
    await _settle_count(broker, dlq_name(name), 1)
    code, out = await asyncio.to_thread(run, "purge", "--all", "--yes")
    assert code == 0
    assert "1 dead letter(s) purged" in out
    await _settle_count(broker, dlq_name(name), 0)
    await broker.close()


async def test_overflow_dead_letters_can_be_listed_and_replayed(
    broker: Broker, unique: str
) -> None:
    """Dead letters the dlq refused sit in <service>.dlq-overflow; the tools reach them too."""
    register(Flaky())
    Flaky.failures = 99
    Flaky.seen.clear()
    name = f"{unique}-flaky"
    config = ServiceConfig(name, "inbound", "flaky-test", options=Options(retry=FAST_RETRY))
    service = Service(config, broker)
    await service.start()
    await broker.delete_queue(dlq_name(name))  # the dlq is gone: dead letters overflow
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    body = court_result(888_000 + len(unique))
    await broker.publish(INBOUND, "flaky-test", Message(body=body, message_id="over"))
    await _settle_count(broker, overflow_name(name), 1)
    (letter,) = (await dlq.list_dead_letters(broker, name, overflow=True)).letters
    assert letter.code == "service.retries-exhausted"
    await _settle_count(broker, overflow_name(name), 1)
    Flaky.failures = 0
    (replayed,) = await dlq.replay(broker, name, dlq.EVERYTHING, overflow=True)
    assert replayed.message_id == "over"
    (arrived,) = await tap.wait_for(1)  # the service took the replay although it saw the id
    assert arrived.message.type == "court.case-resulted"
    await service.stop(grace=5)
    await tap.close()
