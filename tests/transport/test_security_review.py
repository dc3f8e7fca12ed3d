"""Regression tests for the security review's findings about the services and the broker (1, 2,
4, 6, 9, 12, 13) and for principle 3 of issue 14 (a large input never stops the event loop),
each named after the finding's number. Most run on both brokers; the AMQP ones in this session's
vhost. Findings about reports, files and the command line are in ``tests/test_security_review.py``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from tests.messages import COURT, court_result, invalid_court_result, prisoner_received
from tests.transport.helpers import Sink, reject_one
from tests.transport.test_service import FAST_RETRY, Flaky, inbound, outbound

from cjx.adapter import register
from cjx.errors import ConfigurationError
from cjx.service import (
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ORIGINAL_EXCHANGE,
    HEADER_ORIGINAL_ROUTING_KEY,
    HEADER_REPLAYED_AT,
    HEADER_REPLAYED_FROM,
    REGISTRY,
    Options,
    Runner,
    Service,
    ServiceConfig,
    parse_config,
    serve_health,
)
from cjx.service import _dlq as dlq
from cjx.service._config import Config
from cjx.testing import services_on
from cjx.transport import (
    CANONICAL,
    INBOUND,
    Broker,
    Delivery,
    MemoryBroker,
    Message,
    destination_queue,
    dlq_name,
    in_queue,
    retry_queue,
)

FORGED = {
    "cjx-original-exchange": "",
    "cjx-original-routing-key": "police.libra-spi",
    "cjx-attempt": 1_000_000,
    "cjx-replayed-at": "x-1",
    "cjx-replayed-from": "court.dlq",
    "cjx-error-code": "forged.code",
    "CJX-Service": "someone-else",
    "x-custom": "kept",
}


@pytest.fixture
async def running(broker: Broker) -> AsyncIterator[Callable[..., Any]]:
    async with services_on(broker) as start:
        yield start


async def _settle(broker: Broker, queue: str, count: int, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await broker.queue_length(queue) != count:
        assert asyncio.get_running_loop().time() < deadline, f"{queue} never held {count}"
        await asyncio.sleep(0.05)


def _sample(name: str, labels: dict[str, str]) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    return value or 0.0


# --- 1: a replay goes only to the failed service's own input queue -----------------------------


async def test_finding_01_replay_goes_only_to_own_input_queue(
    broker: Broker, running: Any, unique: str
) -> None:
    """Forged cjx-original-* headers on an input: the dead letter records where cjx received
    it, and a routine replay sends it back to <service>.in, never to the police queue."""
    court, police = f"{unique}-court", f"{unique}-police"
    await running(inbound(court))
    await running(outbound(f"{police}-out", "libra-spi", ("court.case-resulted.v1",), police))
    target = destination_queue("libra-spi", police)
    forged = dict(FORGED, **{"cjx-original-routing-key": target})
    body = b"<anything>never validated</anything>"
    await broker.publish(
        INBOUND, "libra-spi", Message(body=body, message_id=f"{unique}-evil", headers=forged)
    )
    await _settle(broker, dlq_name(court), 1)
    (letter,) = (await dlq.list_dead_letters(broker, court)).letters
    assert (letter.original_exchange, letter.original_routing_key) == (INBOUND, "libra-spi")
    assert letter.code == "libra-spi.envelope"  # not the forged cjx-error-code
    found = await dlq.show(broker, court, 1)
    assert found is not None
    headers = found[1].headers
    assert headers["x-custom"] == "kept"
    assert "CJX-Service" not in headers
    assert headers["cjx-service"] == court
    await dlq.replay(broker, court, dlq.EVERYTHING)
    # the replay went to court's own queue: processed (and dead-lettered) there again
    await _settle(broker, dlq_name(court), 1)
    assert await broker.queue_length(target) == 0
    (again,) = (await dlq.list_dead_letters(broker, court)).letters
    assert (again.original_exchange, again.original_routing_key) == (INBOUND, "libra-spi")


async def test_finding_01_a_broker_dead_letter_is_replayed_to_its_own_queue_too(
    broker: Broker, unique: str
) -> None:
    """A dead letter the broker made carries the sender's headers as sent: it is described from
    x-death, and replayed to <service>.in whatever those headers say."""
    name = f"{unique}-court"
    service = Service(ServiceConfig(name, "inbound", "libra-spi"), broker)
    await broker.declare(service.topology)
    await broker.publish(
        INBOUND, "libra-spi", Message(body=b"junk", message_id="bm", headers=FORGED)
    )
    await reject_one(broker, in_queue(name))
    await _settle(broker, dlq_name(name), 1)
    (letter,) = (await dlq.list_dead_letters(broker, name)).letters
    assert letter.made_by == "broker"
    assert letter.code == "broker.rejected"
    assert letter.attempt is None
    assert (letter.original_exchange, letter.original_routing_key) == (INBOUND, "libra-spi")
    tap = await Sink.on(broker, in_queue(name))  # nobody else consumes it
    await dlq.replay(broker, name, dlq.EVERYTHING)
    (arrived,) = await tap.wait_for(1)
    assert (arrived.exchange, arrived.routing_key) == ("", in_queue(name))
    headers = arrived.message.headers
    assert headers[HEADER_ORIGINAL_EXCHANGE] == INBOUND
    assert headers[HEADER_ORIGINAL_ROUTING_KEY] == "libra-spi"
    assert HEADER_ATTEMPT not in headers
    assert "cjx-error-code" not in headers
    await tap.close()


def test_finding_01_inputs_lose_every_cjx_header_unless_on_their_own_route() -> None:
    """From cjx.inbound: no cjx-* header survives (any case). Back on the service's own route
    (default exchange, <service>.in): only cjx's own are kept."""
    from cjx.service._runtime import OWN_HEADERS, admitted

    message = Message(body=b"x", headers=FORGED)
    outside = admitted(message, own=False)
    assert dict(outside.headers) == {"x-custom": "kept"}
    own = admitted(message, own=True)
    assert set(own.headers) - {"x-custom"} <= OWN_HEADERS
    assert "cjx-error-code" not in own.headers
    assert "CJX-Service" not in own.headers


# --- 2: de-duplication never loses a genuine message ----------------------------------------


async def test_finding_02_a_dead_lettered_id_does_not_block_a_corrected_resend(
    broker: Broker, running: Any, unique: str
) -> None:
    """m-1 is dead-lettered (bad check character), then sent again corrected: delivered."""
    court, police = f"{unique}-court", f"{unique}-police"
    await running(inbound(court))
    await running(outbound(f"{police}-out", "libra-spi", ("court.case-resulted.v1",), police))
    sink = await Sink.on(broker, destination_queue("libra-spi", police))
    n = abs(hash(unique)) % 10**6
    await broker.publish(
        INBOUND, "libra-spi", Message(body=invalid_court_result(n), message_id=f"{unique}-m-1")
    )
    await _settle(broker, dlq_name(court), 1)
    await broker.publish(
        INBOUND, "libra-spi", Message(body=court_result(n), message_id=f"{unique}-m-1")
    )
    (arrived,) = await sink.wait_for(1)
    assert arrived.message.type == "court.case-resulted"
    assert await broker.queue_length(dlq_name(court)) == 1
    await sink.close()


async def test_finding_02_junk_under_a_guessed_id_does_not_block_the_real_message(
    broker: Broker, running: Any, unique: str
) -> None:
    """Junk published first under the id a real message will use: the real one gets through."""
    court = f"{unique}-court"
    await running(inbound(court))
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    await broker.publish(INBOUND, "libra-spi", Message(body=b"junk", message_id=f"{unique}-g"))
    await _settle(broker, dlq_name(court), 1)
    body = court_result(abs(hash(unique + "g")) % 10**6)
    await broker.publish(INBOUND, "libra-spi", Message(body=body, message_id=f"{unique}-g"))
    (arrived,) = await tap.wait_for(1)
    assert arrived.message.type == "court.case-resulted"
    await tap.close()


async def test_finding_02_a_reused_id_with_another_body_is_processed_and_counted(
    broker: Broker, running: Any, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Same message_id, different body: both are translated; the second is counted and
    logged as a reused id (no personal data in the line). Same id, same body: a duplicate."""
    name = f"{unique}-events"
    await running(inbound(name, "hmpps-events"))
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "custody.prisoner-received.v1"))
    before = _sample("cjx_messages_id_reused_total", {"service": name})
    first, second = prisoner_received(1, 1), prisoner_received(1, 2)
    with caplog.at_level(logging.WARNING, logger="cjx.service"):
        await broker.publish(INBOUND, "hmpps-events", Message(body=first, message_id="same"))
        await tap.wait_for(1)
        await broker.publish(INBOUND, "hmpps-events", Message(body=second, message_id="same"))
        await tap.wait_for(2)
        await broker.publish(INBOUND, "hmpps-events", Message(body=second, message_id="same"))
        assert len(await tap.quiet(0.5)) == 2
    assert _sample("cjx_messages_id_reused_total", {"service": name}) == before + 1
    lines = [r for r in caplog.records if "different body" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].cjx["message_id"] == "same"  # type: ignore[attr-defined]
    assert "A0001BC" not in json.dumps(lines[0].cjx)  # type: ignore[attr-defined]
    await tap.close()


# --- 4: a message the client cannot decode --------------------------------------------------


_POISON = """
import asyncio, datetime, struct, sys
import aio_pika, pamqp.encode
url, exchange, key, kind = sys.argv[1:]
sys.setrecursionlimit(100000)  # only so that this publisher can encode it
MARK = datetime.datetime(2001, 2, 3, tzinfo=datetime.timezone.utc)
original = pamqp.encode.timestamp
def timestamp(value):
    return struct.pack(">Q", 2**64 - 1) if value == MARK else original(value)
pamqp.encode.timestamp = timestamp
headers = {"ok": "kept"}
if kind == "deep":
    value = "leaf"
    for _ in range(1500):
        value = {"n": value}
    headers["deep"] = value
else:
    headers["when"] = MARK
async def main():
    connection = await aio_pika.connect(url)
    channel = await connection.channel(publisher_confirms=True)
    target = channel.default_exchange if not exchange else await channel.get_exchange(exchange)
    await target.publish(
        aio_pika.Message(body=b"junk", headers=headers, message_id="poison-" + kind),
        routing_key=key,
    )
    await connection.close()
asyncio.run(main())
"""


def _publish_poison(url: str, exchange: str, key: str, kind: str) -> None:
    """Publish from another process: this one's recursion limit stays as it is."""
    subprocess.run(
        [sys.executable, "-c", _POISON, url, exchange, key, kind], check=True, timeout=60
    )


@pytest.mark.amqp
@pytest.mark.parametrize("kind", ["deep", "timestamp"])
async def test_finding_04_undecodable_headers_do_not_take_the_connection_down(
    amqp_url: str, unique: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A header table 1,500 deep, or one timestamp out of range: dead-lettered once, on the
    same connection (the review: 51 reconnects per message)."""
    from cjx.transport.amqp import AmqpBroker

    broker = AmqpBroker(amqp_url)
    await broker.connect()
    name = f"{unique}-court"
    try:
        async with services_on(broker) as start:
            await start(inbound(name))
            dead = await Sink.on(broker, dlq_name(name))
            connection = broker._connection
            with caplog.at_level(logging.WARNING, logger="cjx.transport.amqp"):
                await asyncio.to_thread(_publish_poison, amqp_url, INBOUND, "libra-spi", kind)
                (arrived,) = await dead.wait_for(1, timeout=60)
                assert len(await dead.quiet(1.0)) == 1
            await dead.close()
        assert broker._connection is connection
        assert not [r for r in caplog.records if "lost the connection" in r.getMessage()]
        message = arrived.message
        assert message.message_id == f"poison-{kind}"
        assert message.headers[HEADER_ERROR_CODE].startswith("xml.")
        assert message.headers["ok"] == "kept"
        dropped = "deep" if kind == "deep" else "when"
        assert message.headers["cjx-headers-dropped"] == [dropped]
    finally:
        await broker.close()


@pytest.mark.amqp
async def test_finding_04_dlq_tools_handle_undecodable_headers(
    amqp_url: str, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Poison messages already in a dlq (as the old reconnect loop left them): list, show
    (headers shown as undecodable), replay and purge all work."""
    from cjx.cli import main
    from cjx.transport.amqp import AmqpBroker

    name = f"{unique}-court"
    broker = AmqpBroker(amqp_url)
    await broker.connect()
    try:
        await broker.declare(Service(inbound(name), broker).topology)
        for kind in ("deep", "timestamp"):
            await asyncio.to_thread(_publish_poison, amqp_url, "", dlq_name(name), kind)
        await _settle(broker, dlq_name(name), 2)
        letters = (await dlq.list_dead_letters(broker, name)).letters
        assert [x.message_id for x in letters] == ["poison-deep", "poison-timestamp"]
        found = await dlq.show(broker, name, 1)
        assert found is not None
        assert str(found[1].headers["deep"]).startswith("<undecodable:")

        config = tmp_path / "services.toml"
        config.write_text(
            f'[[services]]\nname = "{name}"\nrole = "inbound"\nformat = "libra-spi"\n'
        )
        monkeypatch.setenv("CJX_BROKER_URL", amqp_url)
        out = tmp_path / "out.json"

        def show() -> int:
            with out.open("w") as handle:
                old, sys.stdout = sys.stdout, handle
                try:
                    return main(
                        ["dlq", "show", "--json", "--config", str(config), "--service", name]
                    )
                finally:
                    sys.stdout = old

        assert await asyncio.to_thread(show) == 0
        shown = json.loads(out.read_text())
        assert shown["headers"]["deep"] == {"undecodable": "tables nested deeper than 32 levels"}
        assert shown["headers"]["ok"] == "kept"

        tap = await Sink.on(broker, in_queue(name))
        replayed = await dlq.replay(broker, name, dlq.EVERYTHING)
        assert len(replayed) == 2
        arrived = await tap.wait_for(2)
        assert all("deep" not in a.message.headers for a in arrived)
        await tap.close()
        await _settle(broker, dlq_name(name), 0)

        await asyncio.to_thread(_publish_poison, amqp_url, "", dlq_name(name), "deep")
        await _settle(broker, dlq_name(name), 1)
        assert [x.message_id for x in await dlq.purge(broker, name, dlq.EVERYTHING)] == [
            "poison-deep"
        ]
        await _settle(broker, dlq_name(name), 0)
    finally:
        await broker.close()


# --- 6: copying headers onto retries and dead letters is linear --------------------------------


def _names(n: int) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
    return [alphabet[i // 4096] + alphabet[i // 64 % 64] + alphabet[i % 64] for i in range(n)]


def test_finding_06_carrying_headers_is_linear_and_capped() -> None:
    """Twice the headers, at most 2.5 times the work (the review: 10,000 headers 2.8 s,
    20,000 headers 19 s); at most CARRIED_HEADERS_COUNT are carried, the rest named."""
    from tests.test_security_review import grows_linearly, python_calls

    from cjx.service._runtime import _carried

    small = python_calls(lambda: _carried(dict.fromkeys(_names(5_000))))
    large = python_calls(lambda: _carried(dict.fromkeys(_names(10_000))))
    assert grows_linearly(small, large)
    carried = _carried(dict.fromkeys(_names(26_000)))
    assert len(carried) == 256 + 1  # CARRIED_HEADERS_COUNT, and the names of those dropped
    assert len(carried["cjx-headers-dropped"]) == 20


async def test_finding_06_a_message_with_26000_headers_is_dead_lettered_promptly(
    broker: Broker, running: Any, unique: str
) -> None:
    """The review's message (26,000 three-character headers, 130 KB): dead-lettered with its
    headers capped, the other services of the process unaffected."""
    name = f"{unique}-court"
    await running(inbound(name))
    dead = await Sink.on(broker, dlq_name(name))
    headers = dict.fromkeys(_names(26_000))
    await broker.publish(
        INBOUND, "libra-spi", Message(body=b"junk", message_id="h", headers=headers)
    )
    (arrived,) = await dead.wait_for(1, timeout=60)
    assert len(arrived.message.headers) < 300
    assert "cjx-headers-dropped" in arrived.message.headers
    await dead.close()


# --- 9: two services cannot share one dedup_path -----------------------------------------------


def test_finding_09_a_shared_dedup_path_is_a_configuration_error(tmp_path: Path) -> None:
    """The review's configuration (police-out and archive-out on one file) is refused, however
    the path is spelt; the file itself also refuses a second owner."""
    from cjx.service import SqliteDedup

    shared = str(tmp_path / "shared-dedup.sqlite")
    document = {
        "broker": {"url": "memory://"},
        "services": [
            {"name": "police-out", "role": "outbound", "format": "libra-spi",
             "subscribe": ["court.case-resulted.v1"], "destination": "police",
             "dedup_path": shared},
            {"name": "archive-out", "role": "outbound", "format": "canonical-json",
             "subscribe": ["#"], "destination": "archive",
             "dedup_path": str(tmp_path / "." / "shared-dedup.sqlite")},
        ]
    }  # fmt: skip
    with pytest.raises(ConfigurationError, match="share dedup_path"):
        parse_config(document)
    services = tuple(
        ServiceConfig(s["name"], "outbound", s["format"], tuple(s["subscribe"]),  # type: ignore[arg-type]
                      s["destination"], dedup_path=shared)  # type: ignore[arg-type]
        for s in document["services"]
    )  # fmt: skip
    with pytest.raises(ConfigurationError, match="share dedup_path"):
        Runner(Config("memory://", services), broker=MemoryBroker())
    SqliteDedup(Path(shared), 10, service="police-out").close()
    with pytest.raises(ConfigurationError, match="police-out"):
        SqliteDedup(Path(shared), 10, service="archive-out")


# --- 12: cjx-attempt from a sender ---------------------------------------------------------------


@pytest.mark.parametrize("forged", [-3, 1_000_000])
async def test_finding_12_a_forged_attempt_changes_nothing(
    broker: Broker, running: Any, unique: str, forged: int
) -> None:
    """A transient failure with cjx-attempt -3 (a give-back loop before) or 1,000,000 (no retry
    before): every retry is made, then the dead letter, as for any input."""
    register(Flaky())
    Flaky.failures = 99
    Flaky.seen.clear()
    name = f"{unique}-flaky"
    config = ServiceConfig(name, "inbound", "flaky-test", options=Options(retry=FAST_RETRY))
    await running(config)
    dead = await Sink.on(broker, dlq_name(name))
    body = court_result(500_000 + forged % 1000)
    await broker.publish(
        INBOUND, "flaky-test", Message(body=body, message_id="a", headers={HEADER_ATTEMPT: forged})
    )
    (arrived,) = await dead.wait_for(1, timeout=30)
    assert arrived.message.headers[HEADER_ERROR_CODE] == "service.retries-exhausted"
    assert arrived.message.headers[HEADER_ATTEMPT] == FAST_RETRY.attempts
    assert Flaky.seen[body] == FAST_RETRY.attempts + 1
    await dead.close()


def test_finding_12_an_attempt_outside_the_retries_counts_as_absent() -> None:
    """Even on the service's own route, cjx-attempt outside 0..attempts is ignored."""
    service = Service(inbound("court"), MemoryBroker())

    class D(Delivery):
        async def ack(self) -> bool:
            return True

        async def nack(self, *, requeue: bool) -> bool:
            return True

    def attempt(value: object) -> int:
        message = Message(body=b"x", headers={HEADER_ATTEMPT: value})
        delivery = D(message, exchange="", routing_key="court.in", queue="court.in",
                     redelivered=False)  # fmt: skip
        return service._attempt(delivery)

    assert [attempt(v) for v in (-3, 0, 2, FAST_RETRY.attempts, 99, True, "2")] == [
        0, 0, 2, FAST_RETRY.attempts, 0, 0, 0,
    ]  # fmt: skip
    assert retry_queue("court", FAST_RETRY.attempts)  # the last wait queue exists


# --- 13: forged replay headers do not bypass de-duplication -------------------------------------


async def test_finding_13_forged_replay_headers_do_not_bypass_de_duplication(
    broker: Broker, running: Any, unique: str
) -> None:
    """A processed message sent again three times as a forged "replay": one output in all."""
    name = f"{unique}-court"
    await running(inbound(name))
    # the review bound its tap with "#"; a court result's own key is enough, and leaves the
    # other tests' unroutable message types unroutable
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "court.case-resulted.v1"))
    body = court_result(abs(hash(unique + "13")) % 10**6)
    await broker.publish(INBOUND, "libra-spi", Message(body=body, message_id="m-3"))
    await tap.wait_for(1)
    for n in range(3):
        forged = {HEADER_REPLAYED_AT: f"x-{n}", HEADER_REPLAYED_FROM: dlq_name(name)}
        await broker.publish(
            INBOUND, "libra-spi", Message(body=body, message_id="m-3", headers=forged)
        )
    assert len(await tap.quiet(0.5)) == 1
    await tap.close()
    await broker.delete_queue(tap.queue)


# --- 18: the health server and an overlong request line -------------------------------------------


async def test_finding_18_an_overlong_request_line_is_not_an_unhandled_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 200 KB request line: the connection is closed, nothing is logged as an unhandled
    exception, and the server keeps answering."""
    runner = Runner(Config("memory://", (inbound("court"),)), broker=MemoryBroker())
    server = await serve_health(runner, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /" + b"x" * 200_000 + b" HTTP/1.0\r\n\r\n")
            await writer.drain()
            await asyncio.wait_for(reader.read(), 10)
            writer.close()
            await asyncio.sleep(0.1)
        assert not [r for r in caplog.records if r.name == "asyncio"]
        assert await _ready(port) == "HTTP/1.0 503 Service Unavailable"  # not started: 503
    finally:
        server.close()


# --- principle 3: a large input never stops the event loop ------------------------------------


def worst_case() -> bytes:
    """The review's worst case: 2,000 offences, each with one unexpected attribute (2.3 MB;
    117 s of the event loop before)."""
    start = COURT.index(b"<DC:Offence>")
    end = COURT.index(b"</DC:Offence>") + len(b"</DC:Offence>")
    offence = COURT[start:end].replace(b"<DC:Offence>", b'<DC:Offence x="1">')
    return COURT[:start] + offence * 2000 + COURT[end:]


async def _ready(port: int) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /ready HTTP/1.0\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer.decode().split("\r\n")[0]


async def test_large_input_never_stops_the_event_loop(broker: Broker, unique: str) -> None:
    """While the worst case is being translated, the process's other service keeps consuming
    and /ready keeps answering: translation holds in its worker thread until the test has seen
    both (on the event loop, as before, nothing else could run until it returned)."""
    court, events = f"{unique}-court", f"{unique}-events"
    config = Config(broker.name, (inbound(court), inbound(events, "hmpps-events")))
    runner = Runner(config, broker=broker)
    service = runner.services[0]
    real_plan = service.plan
    translating, release = threading.Event(), threading.Event()
    held: list[bool] = []

    def plan(delivery: Delivery) -> Any:
        if len(delivery.message.body) < 1_000_000:
            return real_plan(delivery)
        translating.set()
        outcome = real_plan(delivery)
        held.append(release.wait(30))  # until the test has seen the rest of the process move
        return outcome

    service.plan = plan  # type: ignore[method-assign]
    for s in runner.services:
        await s.start()
    server = await serve_health(runner, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "custody.prisoner-received.v1"))
    dead = await Sink.on(broker, dlq_name(court))
    try:
        await broker.publish(INBOUND, "libra-spi", Message(body=worst_case(), message_id="big"))
        deadline = asyncio.get_running_loop().time() + 60
        while not translating.is_set():
            assert asyncio.get_running_loop().time() < deadline, "never translated"
            await asyncio.sleep(0.01)
        await broker.publish(
            INBOUND, "hmpps-events", Message(body=prisoner_received(3, 3), message_id="small")
        )
        await tap.wait_for(1, timeout=20)
        status = await _ready(port)
        still_translating = not held
        release.set()
        (letter,) = await dead.wait_for(1, timeout=60)
        assert status == "HTTP/1.0 200 OK"
        assert still_translating, "the other service moved only after the translation"
        assert held == [True]
        assert letter.message.headers[HEADER_ERROR_CODE] == "schema.attribute"
    finally:
        release.set()
        server.close()
        await tap.close()
        await dead.close()
        for s in runner.services:
            await s.stop(grace=10)
