"""``cjx demo --journey``: the prison-to-probation handover, running, with a timeline per person.

It starts the services of ``examples/journey.toml`` in this process (inbound services for the
court, prison and probation formats; the rule services ``journey-handover``, which feeds the
person index and derives Delius's key dates, and ``journey-enrich``; outbound services for Delius,
probation, the police and the prison), with a new person index in a temporary folder. It sends the
inputs of ``examples/journey/plan.toml`` in their order (with the pauses it names), and watches
the canonical exchange, every destination queue and every dead-letter queue, and the services'
``link-wait`` log records, until every input has ended as the plan says:

* ``delivered``: every canonical message the input became, and every message a rule derives from
  it, reached the receiving systems subscribed to it;
* ``waited``: the same, after the input waited at least once for a link (retried through the
  wait queues);
* ``dead-lettered``: it is in a dead-letter queue with exactly the plan's error codes.

Which messages an input must become is worked out beforehand, in process: the canonical ids by
translating it, the derived ids by :func:`cjx.rules.rule_message_id` (deterministic), and the
receiving systems from the outbound services' subscriptions. On the memory broker by default;
``--broker amqp://...`` runs the same through RabbitMQ (only ``journey-`` queues, purged first).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from rich.console import Console

from cjx._resources import examples_root
from cjx.adapter import sniff
from cjx.cli._demo import (
    Cleanup,
    check_own_vhost,
    clean_up,
    input_message,
    start_clean,
    watched_queues,
    with_tap,
)
from cjx.identity import INDEX_URL_VARIABLE
from cjx.model import BODY_TYPES, KeyDatesReplaced, ReleaseDates
from cjx.pipeline import translate
from cjx.rules import rule_message_id
from cjx.service import (
    BROKER_URL_VARIABLE,
    HEADER_ERROR_REPORT,
    Config,
    Service,
    parse_config,
)
from cjx.transport import (
    INBOUND,
    Broker,
    Delivery,
    Message,
    open_broker,
    redact_url,
)
from cjx.transport._topic import topic_matches

__all__ = ["JourneyStep", "TimelineEvent", "run_journey", "run_journey_demo"]

#: How long the journey waits for every input to end before it reports the missing ones.
JOURNEY_TIMEOUT: Final = 60.0
_TAP: Final = "journey-canonical-tap"
_SOURCE_FORMAT: Final = "cjx-source-format"
_ENRICH: Final = "enrich-subject"
_KEY_DATES: Final = "release-dates-to-key-dates"
_RELEASED: Final = "custody.prisoner-released"


@dataclass
class TimelineEvent:
    at: float  # seconds since the first input was sent
    person: str
    text: str


@dataclass
class JourneyStep:
    """One input of the plan and what became of it."""

    person: str
    file: str
    format: str
    expect: str  # "delivered" | "waited" | "dead-lettered"
    note: str = ""
    codes: list[str] = field(default_factory=list)
    pause: float = 0.0
    input_id: str = ""
    #: canonical message id -> its message type (the input's, then what rules derive)
    ids: dict[str, str] = field(default_factory=dict)
    #: the ids that some receiving system subscribes to, and those that reached one
    deliveries: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    #: the ids seen on the canonical exchange
    seen: set[str] = field(default_factory=set)
    waits: int = 0
    dead_codes: list[str] = field(default_factory=list)
    dead_lettered: bool = False

    @property
    def ended(self) -> bool:
        return self.dead_lettered or (
            set(self.ids) <= self.seen and self.deliveries <= self.delivered
        )

    @property
    def outcome(self) -> str:
        if self.dead_lettered:
            return "dead-lettered"
        if not self.ended:
            return "missing"
        return "waited" if self.waits else "delivered"

    @property
    def as_expected(self) -> bool:
        if self.expect == "dead-lettered":
            return self.dead_lettered and sorted(set(self.dead_codes)) == sorted(set(self.codes))
        return self.outcome == self.expect


def _config(root: Path, broker_url: str, index_url: str) -> Config:
    document = tomllib.loads((root / "journey.toml").read_text(encoding="utf-8"))
    environ = {BROKER_URL_VARIABLE: broker_url, INDEX_URL_VARIABLE: index_url}
    return parse_config(document, source="examples/journey.toml", environ=environ)


def _subscribed(config: Config, message_type: str) -> bool:
    """Whether an outbound service (a receiving system) subscribes to ``message_type``."""
    routing_key = BODY_TYPES[message_type].routing_key()
    return any(
        topic_matches(pattern, routing_key)
        for c in config.services
        if c.role == "outbound"
        for pattern in c.subscribe
    )


def _plan(root: Path, config: Config) -> list[tuple[JourneyStep, bytes]]:
    manifest: dict[str, Any] = tomllib.loads(
        (root / "journey" / "plan.toml").read_text(encoding="utf-8")
    )
    rules = {name for c in config.services for name in c.rules}
    planned = []
    for entry in manifest["send"]:
        data = (root / entry["file"]).read_bytes()
        adapter = sniff(data)
        step = JourneyStep(
            person=entry["person"],
            file=entry["file"],
            format=adapter.name if adapter else "unknown",
            expect=entry["expect"],
            note=entry.get("note", ""),
            codes=list(entry.get("codes", [])),
            pause=float(entry.get("pause", 0.0)),
            input_id=f"journey:{entry['file']}",
        )
        if adapter is not None:
            outcome = translate(data, from_format=adapter, to_format="canonical-xml")
            for envelope in outcome.envelopes:
                step.ids[str(envelope.message_id)] = envelope.message_type
                if envelope.message_type == ReleaseDates.message_type and _KEY_DATES in rules:
                    made = rule_message_id(_KEY_DATES, envelope.message_id, 0)
                    step.ids[str(made)] = KeyDatesReplaced.message_type
                if envelope.message_type == _RELEASED and _ENRICH in rules:
                    # the enriched copy (the record, position 1, goes to no receiving system)
                    step.ids[str(rule_message_id(_ENRICH, envelope.message_id, 0))] = _RELEASED
        step.deliveries = {i for i, t in step.ids.items() if _subscribed(config, t)}
        planned.append((step, data))
    return planned


class _Watcher:
    """Files what arrives on the watched queues, and the services' link waits, under its step."""

    def __init__(self, steps: list[JourneyStep], on_change: Callable[[], None]) -> None:
        self.by_input = {s.input_id: s for s in steps}
        self.by_id = {i: s for s in steps for i in s.ids}
        self.events: list[TimelineEvent] = []
        self.on_change = on_change
        self.started = time.monotonic()
        self.pending: set[asyncio.Task[Any]] = set()

    def note(self, step: JourneyStep, text: str) -> None:
        self.events.append(TimelineEvent(time.monotonic() - self.started, step.person, text))

    def handler(self, kind: str) -> Callable[[Delivery], None]:
        def handle(delivery: Delivery) -> None:
            self._file(kind, delivery)
            task = asyncio.ensure_future(delivery.ack())
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
            self.on_change()

        return handle

    def _file(self, kind: str, delivery: Delivery) -> None:
        m: Message = delivery.message
        message_id = m.message_id or ""
        if kind == "dead-letter":
            step = self.by_input.get(message_id) or self.by_id.get(message_id)
            if step is None:
                return
            step.dead_lettered = True
            text = m.headers.get(HEADER_ERROR_REPORT)
            report = text.decode() if isinstance(text, bytes) else str(text or "{}")
            try:
                issues = json.loads(report).get("issues", [])
            except ValueError:
                issues = []
            errors = [i for i in issues if i.get("severity") == "error"]
            step.dead_codes = sorted({i["code"] for i in errors})
            why = "; ".join(f"{i['code']} at {i['path']}: {i['message']}" for i in errors)
            self.note(step, f"[yellow]dead-lettered[/] in {delivery.queue}: {why}")
            return
        step = self.by_id.get(message_id)
        if step is None:
            return
        message_type = step.ids[message_id]
        origin = m.headers.get(_SOURCE_FORMAT)
        if kind == "canonical":
            step.seen.add(message_id)
            made = (
                f" by rule {origin[5:]}"
                if isinstance(origin, str) and origin.startswith("rule.")
                else ""
            )
            self.note(step, f"{message_type} on cjx.canonical{made}")
            return
        step.delivered.add(message_id)
        extra = ""
        if origin == f"rule.{_ENRICH}":
            extra = " (the copy enriched from the person index: it names the CRN)"
        self.note(step, f"[green]delivered[/] {message_type} to {delivery.queue}{extra}")

    def link_waited(self, message_id: str, attempt: object) -> None:
        step = self.by_id.get(message_id) or self.by_input.get(message_id)
        if step is None:
            return
        step.waits += 1
        self.note(step, f"waiting for its link in the person index (retry {attempt})")


class _LinkWaits(logging.Handler):
    """The services' ``link-wait`` log records, passed to the watcher."""

    def __init__(self, watcher: _Watcher) -> None:
        super().__init__(logging.INFO)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "cjx", None)
        if isinstance(fields, dict) and fields.get("event") == "link-wait":
            self.watcher.link_waited(str(fields.get("message_id")), fields.get("attempt"))


async def run_journey(
    root: Path,
    *,
    broker_url: str = "memory://",
    index_url: str,
    timeout: float = JOURNEY_TIMEOUT,
) -> tuple[list[JourneyStep], list[TimelineEvent]]:
    """Run the journey's services on the plan's inputs; every step and the timeline."""
    config = _config(root, broker_url, index_url)
    planned = _plan(root, config)
    steps = [s for s, _ in planned]
    everything_ended = asyncio.Event()

    def on_change() -> None:
        if all(s.ended for s in steps):
            everything_ended.set()

    broker: Broker = open_broker(config.broker_url)
    services = [Service(c, broker, ordering_secret=config.ordering_secret) for c in config.services]
    watcher = _Watcher(steps, on_change)
    topology = with_tap(_TAP, services)
    # as the demo: on RabbitMQ only a vhost of its own, and everything it made removed after
    shared = not config.broker_url.startswith("memory://")
    ours = False
    service_log = logging.getLogger("cjx.service")
    waits = _LinkWaits(watcher)
    level = service_log.level
    service_log.addHandler(waits)
    if not service_log.isEnabledFor(logging.INFO):
        service_log.setLevel(logging.INFO)
    await broker.connect()
    try:
        if shared:
            await check_own_vhost(broker)
            ours = True
        await start_clean(broker, topology, services)
        tags = [
            await broker.consume(q, watcher.handler(kind), prefetch=64)
            for q, kind in watched_queues(config, _TAP)
        ]
        watcher.started = time.monotonic()
        for step, data in planned:
            note = f": {step.note}" if step.note else ""
            watcher.note(step, f"sent {step.file} [dim]{step.format}[/]{note}")
            await broker.publish(
                INBOUND, step.format, input_message(step.format, step.input_id, data)
            )
            if step.pause:
                await asyncio.sleep(step.pause)
        with contextlib.suppress(TimeoutError):  # the timeline shows what is missing
            await asyncio.wait_for(everything_ended.wait(), timeout)
        for tag in tags:
            await broker.cancel(tag)
        for service in services:
            await service.stop(grace=10)
        if watcher.pending:
            await asyncio.wait(watcher.pending, timeout=10)
    finally:
        service_log.removeHandler(waits)
        service_log.setLevel(level)
        try:
            if ours:
                await clean_up(broker, services, topology, False, Cleanup())
        finally:
            await broker.close()
    return steps, watcher.events


def run_journey_demo(*, broker_url: str = "memory://", console: Console | None = None) -> int:
    """Run the journey and print a timeline per person; 0 when every input ended as planned."""
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=170)
    root = examples_root()
    with tempfile.TemporaryDirectory(prefix="cjx-journey-") as folder:
        index_url = f"sqlite:///{Path(folder) / 'people.db'}"
        config = _config(root, broker_url, index_url)
        console.print(
            f"cjx demo --journey: {len(config.services)} services ({root / 'journey.toml'}) on "
            f"{redact_url(broker_url)}, a new person index; sending examples/journey/plan.toml"
        )
        steps, events = asyncio.run(run_journey(root, broker_url=broker_url, index_url=index_url))
    people = list(dict.fromkeys(s.person for s in steps))
    for person in people:
        console.print(f"\n[bold]{person}[/]")
        for event in sorted((e for e in events if e.person == person), key=lambda e: e.at):
            console.print(f"  {event.at:6.2f} s  {event.text}")
        for step in (s for s in steps if s.person == person):
            if not step.as_expected:
                console.print(
                    f"  [bold red]NOT AS PLANNED[/]: {step.file} {step.outcome}, "
                    f"the plan says {step.expect}"
                )
    good = sum(s.as_expected for s in steps)
    waited = [s.file for s in steps if s.outcome == "waited"]
    dead = [s.file for s in steps if s.dead_lettered]
    console.print(
        f"\n{len(steps)} inputs: {good}/{len(steps)} ended as planned; waited for a link then "
        f"delivered: {', '.join(waited) or 'none'}; dead-lettered: {', '.join(dead) or 'none'}."
    )
    return 0 if good == len(steps) else 1
