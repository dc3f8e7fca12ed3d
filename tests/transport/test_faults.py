"""Fault tests against the real RabbitMQ: lost connections, a broker restart, SIGTERM, a backlog.

The services run as real processes (``python -m cjx run``) in a vhost of their own; the test
publishes and collects through :class:`~cjx.transport.amqp.AmqpBroker`. Every test is bounded
in time. ``rabbitmqctl close_all_connections`` is given ``-p VHOST`` (without it, it acts on
``/`` only); ``stop_app``/``start_app`` restarts the broker application for everyone, so these
tests are marked ``fault``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from tests import rabbit
from tests.messages import ROOT, court_result, invalid_court_result, prisoner_received
from tests.transport.helpers import Sink

from cjx.adapter import get_adapter
from cjx.service import HEADER_ERROR_CODE, HEADER_ERROR_REPORT
from cjx.transport import INBOUND, Broker, Message, TransportError

pytestmark = [pytest.mark.amqp, pytest.mark.fault, pytest.mark.timeout(900)]

GARBAGE = b"\x00\x01 this is not a court result \xff"


@pytest.fixture
def vhost() -> Iterator[str]:
    with rabbit.own_vhost("cjx-fault") as name:
        yield name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _config(tmp_path: Path, url: str, services: str) -> Path:
    path = tmp_path / "services.toml"
    path.write_text(
        f'[broker]\nurl = "{url}"\n\n[options]\nretry_attempts = 3\nretry_base_seconds = 0.2\n'
        f"retry_cap_seconds = 1.0\n\n{services}",
        encoding="utf-8",
    )
    return path


COURT_SERVICES = """
[[services]]
name = "court-in"
role = "inbound"
format = "libra-spi"

[[services]]
name = "police-out"
role = "outbound"
format = "libra-spi"
subscribe = ["court.case-resulted.v1"]
destination = "police"
"""


class ServiceProcess:
    """``python -m cjx run`` in a child process, with its readiness endpoint."""

    def __init__(self, config: Path, log: Path) -> None:
        self.port = _free_port()
        self.log = log
        env = {k: v for k, v in os.environ.items() if k != "CJX_BROKER_URL"}
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cjx",
                "run",
                "--config",
                str(config),
                "--metrics-port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log_file,
            env=env,
            cwd=ROOT,
        )

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not await asyncio.to_thread(self.ready):
            if self.process.poll() is not None:
                raise AssertionError(f"service exited: {self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"service not ready: {self.log.read_text()[-3000:]}")
            await asyncio.sleep(0.2)

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM")

    def terminate(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self._log_file.close()


@pytest.fixture
async def client(vhost: str) -> AsyncIterator[Broker]:
    from cjx.transport.amqp import AmqpBroker

    broker = AmqpBroker(rabbit.url_for(vhost))
    await broker.connect()
    yield broker
    await broker.close()


async def publish_reliably(broker: Broker, routing_key: str, body: bytes, message_id: str) -> None:
    """At-least-once publishing, as a real system would: retry until confirmed."""
    for _ in range(60):
        try:
            await broker.publish(INBOUND, routing_key, Message(body=body, message_id=message_id))
            return
        except TransportError:
            await asyncio.sleep(0.5)
    raise AssertionError("could not publish for 30 s")


def _ids(sink: Sink) -> set[str]:
    return {a.message.message_id or "" for a in sink.arrived}


async def _wait_until(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.5)


def _settled(vhost: str) -> bool:
    queues = rabbit.unacked(vhost)
    return all(unacked == 0 for _, unacked, _ in queues.values())


async def test_stream_survives_lost_connections_and_a_broker_restart(
    vhost: str, client: Broker, tmp_path: Path
) -> None:
    """10,000 mixed messages; connections closed twice and the broker restarted once."""
    config = _config(tmp_path, rabbit.url_for(vhost), COURT_SERVICES)
    service = ServiceProcess(config, tmp_path / "service.log")
    try:
        await service.wait_ready()
        delivered = await Sink.on(client, "police.libra-spi")
        dead = await Sink.on(client, "court-in.dlq")

        total, valid, invalid = 10_000, {}, {}
        reader = get_adapter("libra-spi")
        faults = {2_000: "close", 5_000: "restart", 8_000: "close"}
        for n in range(total):
            if n in faults:
                if faults[n] == "close":
                    await asyncio.to_thread(rabbit.close_connections, vhost)
                else:
                    await asyncio.to_thread(rabbit.restart_app)
            if n % 40 == 0:
                body = GARBAGE + str(n).encode() if n % 80 == 0 else invalid_court_result(n)
                invalid[f"in-{n}"] = body
            else:
                body = court_result(n)
                valid[f"in-{n}"] = str(reader.decode(body)[0].message_id)
            await publish_reliably(client, "libra-spi", body, f"in-{n}")

        expected = set(valid.values())
        await _wait_until(
            lambda: _ids(delivered) >= expected and _ids(dead) >= set(invalid),
            600,
            "every output and dead letter",
        )
        await delivered.quiet(1.0)
        # exactly one distinct output id per valid input, and nothing else
        assert _ids(delivered) == expected
        assert len(expected) == len(valid)
        # every invalid input sits in the dlq, byte-identical, with its report headers
        by_id = {a.message.message_id: a.message for a in dead.arrived}
        assert set(by_id) == set(invalid)
        for message_id, body in invalid.items():
            letter = by_id[message_id]
            assert letter.body == body
            code = letter.headers[HEADER_ERROR_CODE]
            if body.startswith(GARBAGE):
                assert code.startswith("xml."), code
            else:
                assert code == "asn.check-character", code
            assert HEADER_ERROR_REPORT in letter.headers
        await delivered.close()
        await dead.close()
        await _wait_until(lambda: _settled(vhost), 60, "nothing unacknowledged")
        queues = rabbit.unacked(vhost)
        assert queues["court-in.in"][2] >= 1, queues  # the consumers are back
        assert queues["police-out.in"][2] >= 1, queues
        assert service.ready()
        print(  # noqa: T201 - the figures are part of the test report (run with -s)
            f"\nfault stream: {len(valid)} delivered, {len(invalid)} dead-lettered, "
            f"{len(delivered.arrived) - len(expected)} redelivered copies absorbed by the sink"
        )
    finally:
        assert service.terminate() == 0, (tmp_path / "service.log").read_text()[-3000:]


async def test_sigterm_then_restart_loses_and_duplicates_nothing(
    vhost: str, client: Broker, tmp_path: Path
) -> None:
    """SIGTERM mid-stream finishes and acks what is in flight; a restart takes the rest."""
    config = _config(tmp_path, rabbit.url_for(vhost), COURT_SERVICES)
    first = ServiceProcess(config, tmp_path / "first.log")
    await first.wait_ready()
    delivered = await Sink.on(client, "police.libra-spi")
    reader = get_adapter("libra-spi")
    expected = set()
    for n in range(3_000):
        body = court_result(100_000 + n)
        expected.add(str(reader.decode(body)[0].message_id))
        await publish_reliably(client, "libra-spi", body, f"s-{n}")
    await _wait_until(lambda: len(delivered.arrived) >= 500, 120, "500 outputs")
    assert await asyncio.to_thread(first.terminate) == 0, (tmp_path / "first.log").read_text()
    stopped_at = len(delivered.arrived)
    assert stopped_at < 3_000, "the stream ended before SIGTERM; nothing was tested"
    await _wait_until(
        lambda: rabbit.unacked(vhost).get("court-in.in", (0, 0, 0))[1] == 0, 30, "no unacked"
    )
    second = ServiceProcess(config, tmp_path / "second.log")
    try:
        await second.wait_ready()
        await _wait_until(lambda: _ids(delivered) >= expected, 300, "every output")
        await delivered.quiet(1.0)
        ids = [a.message.message_id for a in delivered.arrived if not a.redelivered]
        assert set(ids) == expected
        assert len(ids) == len(expected), "an input was published twice"
        print(  # noqa: T201 - the figures are part of the test report (run with -s)
            f"\nSIGTERM after {stopped_at} of 3000 outputs; the restart delivered the rest"
        )
    finally:
        await delivered.close()
        assert second.terminate() == 0


async def test_backlog_drains_within_memory_bound(
    vhost: str, client: Broker, tmp_path: Path
) -> None:
    """A 100,000-message backlog drains with the service's peak RSS under 300 MiB."""
    config = _config(
        tmp_path,
        rabbit.url_for(vhost),
        '[[services]]\nname = "events-in"\nrole = "inbound"\nformat = "hmpps-events"\n',
    )
    # the topology first (without consumers), then the backlog, then the service
    done = subprocess.run(
        [sys.executable, "-m", "cjx", "topology", "apply", "--config", str(config)],
        capture_output=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    tap = await Sink.on(client, "backlog-tap", bind=("cjx.canonical", "#"))
    total = 100_000
    pending: set[asyncio.Task[None]] = set()
    for n in range(total):
        task = asyncio.ensure_future(
            publish_reliably(client, "hmpps-events", prisoner_received(n % 5000, n), f"b-{n}")
        )
        pending.add(task)
        task.add_done_callback(pending.discard)
        if len(pending) >= 200:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    if pending:
        await asyncio.wait(pending)
    started = time.monotonic()
    service = ServiceProcess(config, tmp_path / "backlog.log")
    try:
        await service.wait_ready()
        await _wait_until(lambda: len(_ids(tap)) >= total, 900, "the backlog to drain")
        seconds = time.monotonic() - started
        peak = service.peak_rss_mib()
        print(  # noqa: T201 - the figures are part of the test report (run with -s)
            f"\nbacklog of {total}: drained in {seconds:.0f} s, service peak RSS {peak:.0f} MiB"
        )
        assert peak < 300
    finally:
        await tap.close()
        assert service.terminate() == 0
