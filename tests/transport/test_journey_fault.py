"""The handover under faults: real ``cjx run`` processes, the PostgreSQL person index, shuffled
arrival, connections killed twice, one rule process stopped with SIGTERM and started again.

``CJX_JOURNEY_PEOPLE`` people (5,000 by default; the CI run). Each person's prison record (the
link: booking id, book number, NOMS number), probation's identifier link and the release dates
arrive in an order where about a third of the release dates come before their link. One person
in 50 never gets a prison record: their release dates must be dead-lettered as
``identity.unresolved`` once ``link_wait`` has passed. Every other person's key dates must reach
Delius exactly once by message id (the deterministic id of what the rule made of their release
dates), with the values RULES.md's mapping gives (worked out by ``cjx.cli._people`` on its own).

Processes: one runs the inbound services and Delius's outbound service; two run the rule service
``handover`` (the index step and ``release-dates-to-key-dates``), competing for its queue and
sharing one PostgreSQL index. Only the test's own vhost's connections are closed; marked
``fault`` with the other fault tests all the same (it loads the shared broker for minutes).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from tests import postgres, rabbit
from tests.messages import ROOT
from tests.transport.helpers import Sink

from cjx.adapter import get_adapter
from cjx.cli._people import Person, expected_key_dates, make_people
from cjx.pipeline import translate
from cjx.rules import rule_message_id
from cjx.service import HEADER_ERROR_CODE, HEADER_ERROR_REPORT
from cjx.transport import INBOUND, Broker, Message, TransportError

pytestmark = [pytest.mark.amqp, pytest.mark.fault, pytest.mark.postgresql, pytest.mark.timeout(900)]

PEOPLE = int(os.environ.get("CJX_JOURNEY_PEOPLE", "5000"))
#: One person in WITHHOLD_EVERY never gets the prison record that links their booking.
WITHHOLD_EVERY = 50
#: Seconds a release date may wait for its link: far more than the shuffle keeps any link
#: away (a few hundred messages, and the learning backlog of a loaded PostgreSQL), less than
#: the test's run. The index step runs in the same service as the rule, first: a link is
#: learnt in the order it arrived, so only a release date that truly came first waits.
LINK_WAIT = 45.0
#: How far (in people) a release date may be moved from its link: -WINDOW..2 * WINDOW, so
#: about a third come before it.
WINDOW = 40
RULE = "release-dates-to-key-dates"
#: Inputs published at once (in order, their confirms overlapping), faults between chunks.
CHUNK = 100

SERVICES = """
[broker]
url = "{url}"

[options]
retry_attempts = 3
retry_base_seconds = 0.5
retry_cap_seconds = 2.0
link_wait = {link_wait}
{extra}

[[services]]
name = "prisoner-in"
role = "inbound"
format = "prisoner-search"

[[services]]
name = "events-in"
role = "inbound"
format = "hmpps-events"

[[services]]
name = "sentence-in"
role = "inbound"
format = "prison-api-sentence"

[[services]]
name = "handover"
role = "rule"
rules = ["index", "{rule}"]
subscribe = [
    "custody.prisoner-record.v1",
    "identity.identifiers-linked.v1",
    "custody.release-dates.v1",
]
index = "{index}"

[[services]]
name = "delius-out"
role = "outbound"
format = "delius-key-dates"
subscribe = ["probation.key-dates-replaced.v1"]
destination = "delius"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Process:
    """``python -m cjx run --service ...`` in a child process, with its readiness endpoint."""

    def __init__(self, config: Path, services: list[str], log: Path) -> None:
        self.port = _free_port()
        self.log = log
        # the configuration says which broker and index: nothing from this environment
        env = {
            k: v for k, v in os.environ.items() if k not in ("CJX_BROKER_URL", "CJX_IDENTITY_URL")
        }
        self._log_file = log.open("ab")
        arguments = [sys.executable, "-m", "cjx", "run", "--config", str(config)]
        for name in services:
            arguments += ["--service", name]
        arguments += ["--metrics-port", str(self.port), "--log-level", "warning"]
        self.process = subprocess.Popen(
            arguments, stdout=subprocess.DEVNULL, stderr=self._log_file, env=env, cwd=ROOT
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
def vhost() -> Iterator[str]:
    with rabbit.own_vhost("cjx-journey") as name:
        yield name


@pytest.fixture
def index_url() -> Iterator[str]:
    with postgres.own_database("cjx_journey") as database:
        yield postgres.url_for(database)


@pytest.fixture
async def client(vhost: str) -> AsyncIterator[Broker]:
    from cjx.transport.amqp import AmqpBroker

    broker = AmqpBroker(rabbit.url_for(vhost))
    await broker.connect()
    yield broker
    await broker.close()


async def publish_reliably(broker: Broker, fmt: str, body: bytes, message_id: str) -> None:
    """At-least-once publishing, as a real system would: retry until confirmed."""
    for _ in range(120):
        try:
            await broker.publish(INBOUND, fmt, Message(body=body, message_id=message_id))
            return
        except TransportError:
            await asyncio.sleep(0.5)
    raise AssertionError("could not publish for 60 s")


async def _wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    *,
    progress: Callable[[], str] | None = None,
    cap: float | None = None,
    explain: Callable[[], str] | None = None,
) -> None:
    """Wait for ``predicate``. With ``progress`` (a cheap description of how far things are),
    the wait fails only after ``timeout`` seconds without any progress, or after ``cap``
    seconds in all: a slow machine still finishes, a stuck pipeline still fails, and the
    failure says how far it got (and ``explain()``, called then only)."""
    started = time.monotonic()
    deadline = started + timeout
    seen = progress() if progress is not None else ""
    while not predicate():
        now = time.monotonic()
        if progress is not None:
            state = progress()
            if state != seen:
                seen, deadline = state, now + timeout
        if now > deadline or (cap is not None and now - started > cap):
            where = f" ({seen}; {now - started:.0f} s)" if progress is not None else ""
            more = f"; {explain()}" if explain is not None else ""
            raise AssertionError(f"timed out waiting for {what}{where}{more}")
        await asyncio.sleep(0.5)


def arrivals(people: list[Person], seed: int = 8) -> tuple[list[tuple[str, bytes, str]], float]:
    """Every input in its order of arrival, and the share of release dates before their link.

    Each person's prison record comes at their own place; their identifier link near it; their
    release dates moved by -WINDOW..2 * WINDOW people from it (a third of the range is before).
    """
    rng = random.Random(seed)  # the order of made-up test data
    slots: list[tuple[float, str, bytes, str]] = []
    before = 0
    for p in people:
        link_at = float(p.n)
        dates_at = link_at + rng.uniform(-WINDOW, 2 * WINDOW)
        if p.n % WITHHOLD_EVERY != 0:
            slots.append((link_at, "prisoner-search", p.prisoner_record, f"rec-{p.n}"))
            before += dates_at < link_at
        slots.append(
            (link_at + rng.uniform(-3, 3), "hmpps-events", p.identifier_added, f"id-{p.n}")
        )
        slots.append((dates_at, "prison-api-sentence", p.release_dates, f"dates-{p.n}"))
    slots.sort(key=lambda s: s[0])
    linked = sum(1 for p in people if p.n % WITHHOLD_EVERY != 0)
    return [(fmt, body, mid) for _, fmt, body, mid in slots], before / linked


def _canonical_id(fmt: str, body: bytes) -> uuid.UUID:
    outcome = translate(body, from_format=fmt, to_format="canonical-xml")
    assert outcome.ok, outcome.report
    return outcome.envelopes[0].message_id


async def test_the_handover_survives_faults_and_waits_for_links(
    vhost: str, index_url: str, client: Broker, tmp_path: Path
) -> None:
    started = time.monotonic()
    people = make_people(PEOPLE, start=500_000)
    order, share_before = arrivals(people)
    assert 0.25 < share_before < 0.42, share_before  # about a third before their link

    # what must come out: the key dates of each linked person, by deterministic id
    expected: dict[str, Person] = {}
    withheld: dict[str, Person] = {}
    for p in people:
        dates_id = _canonical_id("prison-api-sentence", p.release_dates)
        if p.n % WITHHOLD_EVERY == 0:
            withheld[str(dates_id)] = p
        else:
            expected[str(rule_message_id(RULE, dates_id, 0))] = p

    config = tmp_path / "journey.toml"
    config.write_text(
        SERVICES.format(
            url=rabbit.url_for(vhost), index=index_url, rule=RULE, link_wait=LINK_WAIT, extra=""
        ),
        encoding="utf-8",
    )
    edge = Process(
        config, ["prisoner-in", "events-in", "sentence-in", "delius-out"], tmp_path / "edge.log"
    )
    rules = [Process(config, ["handover"], tmp_path / f"rules-{n}.log") for n in (1, 2)]
    restarted: Process | None = None
    try:
        for process in (edge, *rules):
            await process.wait_ready()
        delius = await Sink.on(client, "delius.delius-key-dates")
        dead = await Sink.on(client, "handover.dlq")
        inbound_dead = [
            await Sink.on(client, f"{name}.dlq")
            for name in ("prisoner-in", "events-in", "sentence-in", "delius-out")
        ]

        total = len(order)
        faults = {total // 4: "close", total // 2: "sigterm", (3 * total) // 4: "close"}
        for start in range(0, total, CHUNK):
            for n in range(start, start + CHUNK):
                fault = faults.get(n)
                if fault == "close":
                    await asyncio.to_thread(rabbit.close_connections, vhost)
                elif fault == "sigterm":
                    code = await asyncio.to_thread(rules[0].terminate)
                    assert code == 0, rules[0].log.read_text()
                    restarted = Process(config, ["handover"], tmp_path / "rules-1-again.log")
            # a chunk at a time, its publishes in order on one channel, confirms overlapping
            await asyncio.gather(
                *(
                    publish_reliably(client, fmt, body, message_id)
                    for fmt, body, message_id in order[start : start + CHUNK]
                )
            )
        assert restarted is not None
        await restarted.wait_ready()
        published = time.monotonic() - started

        def ids(sink: Sink) -> set[str]:
            return {a.message.message_id or "" for a in sink.arrived}

        def so_far() -> str:
            return (
                f"{len(ids(delius) & set(expected))} of {len(expected)} key-date sets, "
                f"{len(ids(dead) & set(withheld))} of {len(withheld)} dead letters"
            )

        def queues() -> str:
            held = {
                name: ready + unacked
                for name, (ready, unacked, _) in rabbit.unacked(vhost).items()
                if ready + unacked
            }
            return f"queues holding messages: {held}"

        # stalled for LINK_WAIT + 120 s (no new arrival), or 15 minutes in all, is a failure
        await _wait_until(
            lambda: ids(delius) >= set(expected) and ids(dead) >= set(withheld),
            LINK_WAIT + 120,
            "every person's key dates and every withheld link's dead letter",
            progress=so_far,
            cap=900,
            explain=queues,
        )
        await delius.quiet(1.0)
        # exactly once by message id: every linked person's key dates, and nothing else
        assert ids(delius) == set(expected)
        copies = len(delius.arrived) - len(expected)
        reader = get_adapter("delius-key-dates")
        for arrived in delius.arrived:
            person = expected[arrived.message.message_id or ""]
            (envelope,) = reader.translate(arrived.message.body, source="delius").envelopes
            body = envelope.body
            assert (str(body.noms_number), str(body.book_number)) == (
                person.noms,
                person.book_number,
            )
            found = {k.code.value: k.date.isoformat() for k in body.key_dates}
            assert found == expected_key_dates(person), person.n
        # every withheld link: dead-lettered as identity.unresolved, the booking id masked
        assert ids(dead) == set(withheld)
        for letter in dead.arrived:
            person = withheld[letter.message.message_id or ""]
            assert letter.message.headers[HEADER_ERROR_CODE] == "identity.unresolved"
            report = letter.message.headers[HEADER_ERROR_REPORT]
            assert str(person.booking_id) not in report
            assert json.loads(report)["issues"][0]["path"] == "/body/booking_id"
        # nothing else dead-lettered, nothing left unacknowledged or waiting
        for sink in inbound_dead:
            assert not sink.arrived, (sink.queue, sink.arrived[0].message.headers)
        await _wait_until(
            lambda: all(
                ready == 0 and unacked == 0
                for name, (ready, unacked, _) in rabbit.unacked(vhost).items()
                if not name.endswith(".dlq")
            ),
            60,
            "every queue empty",
        )
        print(  # noqa: T201 - the figures are part of the test report (run with -s)
            f"\njourney under faults: {len(people)} people, {share_before:.0%} of release dates "
            f"before their link; {len(expected)} key-date sets delivered ({copies} redelivered "
            f"copies absorbed), {len(withheld)} dead-lettered as identity.unresolved; "
            f"published in {published:.0f} s, done in {time.monotonic() - started:.0f} s"
        )
        for sink in (delius, dead, *inbound_dead):
            await sink.close()
    finally:
        codes = [p.terminate() for p in (edge, rules[1], *([restarted] if restarted else []))]
        assert codes == [0] * len(codes), [p.log.read_text()[-2000:] for p in (edge, *rules)]
