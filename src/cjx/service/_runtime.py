"""A service: consume -> adapter -> validate -> publish -> ack (DESIGN.md section 7).

Rules this module owns, each enforced here and nowhere else:

* **Ack after confirm.** An input is acknowledged only after every message it caused (its
  outputs, its wait-queue copy, or its dead letter) is confirmed by the broker. A crash before
  that leaves the input unacknowledged, and the broker delivers it again.
* **Nothing dropped.** Every input ends in exactly one of four ways: *published* (outputs
  confirmed), *retried* (a copy in ``<service>.retry.<n>`` with ``cjx-attempt = n``),
  *dead-lettered* (original bytes and properties, plus ``cjx-*`` report headers, in
  ``<service>.dlq``), or *duplicate* (already carried forward; acknowledged, no second output).
  If even the dead letter cannot be published, the input is rejected without requeue and the
  queue's own dead-letter target takes it.
* **Permanent vs transient.** Bad input (a report with errors), a message too big, an unknown
  message type, or an adapter bug is permanent: dead-lettered at once. A
  :class:`~cjx.errors.TransientError` from an adapter, or an output the broker would not take
  (unroutable, nacked), is transient: retried with capped exponential backoff through the wait
  queues, then dead-lettered with ``cjx-attempt`` set.
* **De-duplication** on the input's ``message_id`` (a SHA-256 of the body when it has none).
* **Per-key order.** Inputs are decoded one at a time in delivery order; their outputs are
  sent in that order for each ordering key (the envelope's, else the input id), and the broker
  keeps the order of one channel's publishes; confirms overlap. Different keys proceed
  concurrently, at most ``concurrency`` inputs at once. A retried input leaves the sequence of
  its key, and so does one whose publish is refused after later ones were sent: order holds
  among inputs that do not fail.
* **Graceful stop.** ``stop()`` cancels the consumer, finishes and acknowledges what is in
  flight (within the grace period), and returns any delivery that arrives after the cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from cjx.adapter import Adapter, get_adapter
from cjx.errors import Report, TransientError, TransportError, error
from cjx.model import Clock, Envelope, system_clock
from cjx.pipeline import translate
from cjx.service._config import ServiceConfig
from cjx.service._dedup import DedupStore, MemoryDedup, SqliteDedup
from cjx.service._metrics import Metrics
from cjx.transport import (
    CANONICAL,
    DEAD_LETTER,
    INBOUND,
    OUTBOUND,
    Broker,
    Delivery,
    Message,
    PublishRejected,
    Topology,
    Unroutable,
    dlq_name,
    in_queue,
    outbound_key,
    overflow_name,
    retry_queue,
    service_topology,
)

__all__ = [
    "HEADER_ATTEMPT",
    "HEADER_ERROR_CODE",
    "HEADER_ERROR_REPORT",
    "HEADER_FAILED_AT",
    "HEADER_ORIGINAL_EXCHANGE",
    "HEADER_ORIGINAL_ROUTING_KEY",
    "HEADER_REPLAYED_AT",
    "HEADER_REPLAYED_FROM",
    "HEADER_RETRY_REASON",
    "HEADER_SERVICE",
    "REPORT_HEADER_LIMIT",
    "Plan",
    "Service",
    "report_header",
]

log = logging.getLogger("cjx.service")

HEADER_ATTEMPT: Final = "cjx-attempt"
HEADER_ERROR_CODE: Final = "cjx-error-code"
HEADER_ERROR_REPORT: Final = "cjx-error-report"
HEADER_ORIGINAL_EXCHANGE: Final = "cjx-original-exchange"
HEADER_ORIGINAL_ROUTING_KEY: Final = "cjx-original-routing-key"
HEADER_FAILED_AT: Final = "cjx-failed-at"
HEADER_SERVICE: Final = "cjx-service"
HEADER_RETRY_REASON: Final = "cjx-retry-reason"
HEADER_ORDERING_KEY: Final = "cjx-ordering-key"
HEADER_SOURCE_FORMAT: Final = "cjx-source-format"
HEADER_REPLAYED_AT: Final = "cjx-replayed-at"
HEADER_REPLAYED_FROM: Final = "cjx-replayed-from"

#: The report header's size cap in bytes. RabbitMQ closes the connection when a header frame
#: outgrows its frame size (128 KiB by default); 16 KiB leaves room for the other properties.
#: A longer report keeps its first issues and says how many it left out.
REPORT_HEADER_LIMIT = 16 * 1024
#: The size cap of the headers a retry or dead-letter copy carries over from the input (the
#: largest are left out, and named in ``cjx-headers-dropped``), and of a retry reason.
CARRIED_HEADERS_LIMIT = 32 * 1024
RETRY_REASON_LIMIT = 500
#: Seconds before an input the broker would not take is returned to its queue (live channel).
RETURN_PAUSE = 1.0

_CANONICAL_XML = get_adapter("canonical-xml")
_CANONICAL_JSON = get_adapter("canonical-json")

Kind = Literal["publish", "retry", "dead-letter"]


@dataclass(slots=True)
class _Step:
    """One input's place in the sequence of its ordering key."""

    sent: asyncio.Event = field(default_factory=asyncio.Event)  # its publishes are on the wire
    failed: bool = False


@dataclass(slots=True)
class Plan:
    """What one input is to become, decided synchronously in delivery order.

    ``publish``: the ``outputs`` (exchange, routing key, message) are published and confirmed,
    then the input is acknowledged. ``retry``: a transient failure, with a ``reason`` free of
    personal data. ``dead-letter``: a permanent failure, with its ``report``.
    """

    kind: Kind
    message_type: str = "-"
    outputs: list[tuple[str, str, Message]] = field(default_factory=list)
    report: Report | None = None
    reason: str = ""
    ordering_key: str | None = None


def report_header(report: Report, limit: int = REPORT_HEADER_LIMIT) -> str:
    """The report as compact JSON of at most ``limit`` bytes; the tail is counted, not kept."""
    issues = [i.as_dict() for i in report.issues]
    keep = len(issues)
    while True:
        document: dict[str, Any] = {"source": report.source, "issues": issues[:keep]}
        if keep < len(issues):
            document["omitted"] = len(issues) - keep
        text = json.dumps(document, separators=(",", ":"))
        if len(text.encode()) <= limit:
            return text
        if keep == 0:
            return json.dumps({"source": "", "issues": [], "omitted": len(issues)})
        keep = 64 if keep > 64 else keep - 1  # shrink fast on a huge report, then one by one


_BROKER_HEADERS = ("x-death", "x-delivery-count", "x-first-death-", "x-last-death-")


def _carried(headers: Mapping[str, Any]) -> dict[str, Any]:
    """The input's headers for its retry or dead-letter copy: the broker's own left out, and
    the whole capped at CARRIED_HEADERS_LIMIT (largest first out, their names kept)."""
    kept = {k: v for k, v in headers.items() if not k.startswith(_BROKER_HEADERS)}
    sizes = {k: len(repr(v)) + len(k) for k, v in kept.items()}
    dropped: list[str] = []
    for name in sorted(sizes, key=sizes.__getitem__, reverse=True):
        if sum(sizes[k] for k in kept) <= CARRIED_HEADERS_LIMIT:
            break
        del kept[name]
        dropped.append(name[:100])
    if dropped:
        kept["cjx-headers-dropped"] = dropped[:20]
    return kept


def _type_label(value: str | None) -> str:
    # a metric label: only the known message types, so a sender cannot invent label values
    return value if value in _CANONICAL_XML.decodes else "-"


def _key_digest(value: str) -> str:
    # ordering keys are person identifiers: headers carry a digest, never the value
    return hashlib.sha256(value.encode()).hexdigest()[:24]


class Service:
    """One configured service on one broker. ``start()``, then ``stop()`` (or ``run``)."""

    def __init__(
        self,
        config: ServiceConfig,
        broker: Broker,
        *,
        adapter: Adapter | None = None,
        dedup: DedupStore | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.config = config
        self.broker = broker
        self.adapter = adapter if adapter is not None else get_adapter(config.format)
        self.options = config.options
        if dedup is None:
            dedup = (
                SqliteDedup(Path(config.dedup_path), self.options.dedup_capacity)
                if config.dedup_path
                else MemoryDedup(self.options.dedup_capacity)
            )
        self.dedup: DedupStore = dedup
        self.clock = clock
        self.metrics = Metrics(config.name)
        self.queue = in_queue(config.name)
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._tails: dict[str, _Step] = {}
        self._inflight: dict[str, asyncio.Task[bool]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._consumer_tag: str | None = None
        self._stopping = False
        self._late: list[Delivery] = []

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def topology(self) -> Topology:
        c = self.config
        if c.role == "inbound":
            return service_topology(
                c.name,
                source_exchange=INBOUND,
                binding_keys=(c.format,),
                retry=self.options.retry,
                delivery_limit=self.options.delivery_limit,
            )
        assert c.destination is not None
        return service_topology(
            c.name,
            source_exchange=CANONICAL,
            binding_keys=c.subscribe,
            retry=self.options.retry,
            delivery_limit=self.options.delivery_limit,
            destination=(c.format, c.destination),
        )

    @property
    def ready(self) -> bool:
        """Consuming on a live connection (false while a consumer is missing, or stopping)."""
        value = self._consumer_tag is not None and not self._stopping and self.broker.ready
        self.metrics.ready(value)
        return value

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        await self.broker.declare(self.topology)
        self._consumer_tag = await self.broker.consume(
            self.queue, self._on_delivery, prefetch=self.options.prefetch
        )
        log.info("service started", extra={"cjx": self._fields(event="started")})

    async def stop(self, grace: float | None = None, *, return_late: bool = True) -> bool:
        """Stop consuming and finish what is in flight; ``False`` if the grace period ran out.

        Deliveries that arrive after the consumer is cancelled are not processed. With
        ``return_late`` they are returned (nack with requeue: the back of a quorum queue) so the
        broker can give them to another consumer; without it they stay unsettled until the
        broker is closed, which returns them to the head of their queue, in order (what
        :class:`Runner` does on SIGTERM).
        """
        self._stopping = True
        if self._consumer_tag is not None:
            tag, self._consumer_tag = self._consumer_tag, None
            # if the connection is gone, unsettled deliveries come back anyway
            with contextlib.suppress(TransportError):
                await self.broker.cancel(tag)
        grace = self.options.shutdown_grace if grace is None else grace
        pending = set(self._tasks)
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            if still:
                log.warning(
                    "stopping with messages in flight; the broker will deliver them again",
                    extra={"cjx": self._fields(event="stop-timeout", in_flight=len(still))},
                )
                return False
        if return_late:
            late, self._late = self._late, []
            for delivery in late:
                await delivery.nack(requeue=True)
        log.info("service stopped", extra={"cjx": self._fields(event="stopped")})
        return True

    # -- the consumer callback: synchronous, in delivery order -------------------------------

    def _spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_delivery(self, delivery: Delivery) -> None:
        started = time.perf_counter()
        if self._stopping:
            # kept unsettled until stop() ends: see its docstring
            self._late.append(delivery)
            return
        key = self._dedup_key(delivery)
        if key in self.dedup:
            self._spawn(self._duplicate(delivery, started))
            return
        earlier = self._inflight.get(key)
        if earlier is not None:  # a redelivery while the first copy is still being handled
            self._spawn(self._after_earlier(earlier, delivery, key, started))
            return
        try:
            plan = self.plan(delivery)
        except Exception as exc:  # a bug in plan(): keep the input, say which exception
            log.exception("plan failed", extra={"cjx": self._fields(delivery, event="plan-error")})
            plan = self._reject(
                delivery, "service.adapter-error", f"planning raised {type(exc).__name__}"
            )
        order = plan.ordering_key or key
        previous = self._tails.get(order)
        step = _Step()
        task: asyncio.Task[bool] = self._spawn(
            self._execute(plan, delivery, key, previous, step=step, started=started)
        )
        self._tails[order] = step
        self._inflight[key] = task

        def forget(done: asyncio.Task[bool]) -> None:
            if self._tails.get(order) is step:
                del self._tails[order]
            if self._inflight.get(key) is done:
                del self._inflight[key]

        task.add_done_callback(forget)

    def _dedup_key(self, delivery: Delivery) -> str:
        message = delivery.message
        key = message.message_id or "sha256:" + hashlib.sha256(message.body).hexdigest()
        replayed = message.headers.get(HEADER_REPLAYED_AT)
        # a replay from this service's dlq is a new attempt at a message it already settled;
        # other services that see the replay (on a shared exchange) still de-duplicate it
        own = (dlq_name(self.config.name), overflow_name(self.config.name))
        if replayed and message.headers.get(HEADER_REPLAYED_FROM) in own:
            return f"{key}@replay:{replayed}"
        return key

    def _label(self, delivery: Delivery) -> str:
        return f"{self.config.name}:{delivery.message.message_id or 'no-message-id'}"

    def plan(self, delivery: Delivery) -> Plan:
        """Decide what ``delivery`` becomes (the adapter's translation). Must not block.

        This is the one step a subclass may replace (a benchmark's pass-through, an adapter
        that needs the AMQP properties); confirms, acknowledgement, retries, dead letters,
        de-duplication and ordering stay as this module's docstring says.
        """
        message = delivery.message
        if len(message.body) > self.options.max_message_bytes:
            return self._reject(
                delivery,
                "message.too-large",
                f"a message of {len(message.body)} bytes is over this service's limit of "
                f"{self.options.max_message_bytes}",
            )
        if self.config.role == "inbound":
            reader, writer = self.adapter, _CANONICAL_XML
        else:
            content_type = message.content_type or ""
            reader = _CANONICAL_JSON if content_type.endswith("json") else _CANONICAL_XML
            writer = self.adapter
        try:
            outcome = translate(
                message.body,
                from_format=reader,
                to_format=writer,
                source=self._label(delivery),
                clock=self.clock,
                verify=True if self.options.verify_output else None,
            )
        except TransientError as exc:
            return Plan("retry", reason=str(exc) or type(exc).__name__)
        except Exception as exc:  # an adapter bug: keep the input, say which exception
            log.exception("adapter failed", extra={"cjx": self._fields(event="adapter-error")})
            return self._reject(
                delivery,
                "service.adapter-error",
                f"adapter {reader.name} -> {writer.name} raised {type(exc).__name__}",
            )
        message_type = outcome.envelopes[0].message_type if outcome.envelopes else "-"
        if not outcome.ok:
            return Plan("dead-letter", message_type, report=outcome.report)
        plan = Plan("publish", message_type)
        for envelope, body in zip(outcome.envelopes, outcome.outputs, strict=True):
            plan.outputs.append(self._output(delivery, envelope, body, writer))
        keys = {e.ordering_key for e in outcome.envelopes}
        if len(keys) == 1:
            plan.ordering_key = keys.pop()
        return plan

    def _reject(self, delivery: Delivery, code: str, message: str) -> Plan:
        report = Report(self._label(delivery), (error(code, "", message),))
        return Plan("dead-letter", _type_label(delivery.message.type), report=report)

    def _output(
        self, delivery: Delivery, envelope: Envelope[Any], body: bytes, writer: Adapter
    ) -> tuple[str, str, Message]:
        headers: dict[str, Any] = {HEADER_SOURCE_FORMAT: envelope.source.format}
        if envelope.ordering_key is not None:
            headers[HEADER_ORDERING_KEY] = _key_digest(envelope.ordering_key)
        correlation = (
            envelope.correlation_id
            or delivery.message.correlation_id
            or delivery.message.message_id
        )
        message = Message(
            body=body,
            message_id=str(envelope.message_id),
            correlation_id=correlation,
            content_type=writer.media_type,
            type=envelope.message_type,
            headers=headers,
        )
        if self.config.role == "inbound":
            return CANONICAL, envelope.routing_key, message
        assert self.config.destination is not None
        return OUTBOUND, outbound_key(self.config.format, self.config.destination), message

    # -- carrying a plan out: asynchronous, chained per ordering key ---------------------------

    async def _execute(
        self,
        plan: Plan,
        delivery: Delivery,
        key: str,
        previous: _Step | None,
        *,
        step: _Step,
        started: float,
    ) -> bool:
        """Carry the plan out; True once the input's consequences are confirmed.

        Order within a key needs the publishes to *leave* in order, not each to be confirmed
        before the next: the broker keeps the order of one channel's publishes. So an input
        waits only until the previous input of its key has sent its messages, and confirms
        overlap. If the previous one failed before sending, this one goes back too.
        """
        try:
            if previous is not None:
                await previous.sent.wait()
                if previous.failed:
                    step.failed = True
                    await self._give_back(delivery, "an earlier input of its key failed")
                    return False
            async with self._slots:
                try:
                    outcome = await self._carry_out(plan, delivery, step)
                except TransportError as exc:
                    step.failed = True
                    await self._give_back(delivery, type(exc).__name__)
                    return False
                if outcome != "retried":
                    self.dedup.add(key)
                await delivery.ack()
                self.metrics.consumed(plan.message_type, outcome, time.perf_counter() - started)
                return True
        finally:
            step.sent.set()  # never hold the key's later inputs back for good

    async def _give_back(self, delivery: Delivery, why: str) -> None:
        """The broker would not take this input's consequences: it must come again.

        If the connection went, nothing is to be done: the broker returns the input (to the
        head of its queue, in order) and delivers it again. If the connection is alive (a
        resource alarm, a refused publish), the input is returned after a pause, so it is not
        stuck unacknowledged; it goes to the back of a quorum queue, which can reorder it.
        """
        log.warning(
            "broker trouble; the input will be delivered again",
            extra={"cjx": self._fields(delivery, event="transport-error", error=why)},
        )
        if self.broker.ready and not self._stopping:
            await asyncio.sleep(RETURN_PAUSE)
            await delivery.nack(requeue=True)

    async def _carry_out(self, plan: Plan, delivery: Delivery, step: _Step) -> str:
        if plan.kind == "publish":
            failure = await self._publish_all(plan, step)
            if failure is None:
                self.metrics.published(plan.message_type, len(plan.outputs))
                if log.isEnabledFor(logging.DEBUG):  # the hot path builds no log record
                    log.debug(
                        "published",
                        extra={"cjx": self._fields(delivery, plan, event="published")},
                    )
                return "published"
            plan = Plan("retry", plan.message_type, reason=failure)
        if plan.kind == "retry":
            return await self._retry(plan, delivery, step)
        assert plan.report is not None
        await self._dead_letter(delivery, plan.report, plan.message_type, step)
        return "dead-lettered"

    async def _send(self, step: _Step, exchange: str, routing_key: str, message: Message) -> None:
        """Publish one message: the key's next input may go as soon as it has been sent (it is
        woken now, but runs only once this task waits for the confirm)."""
        step.sent.set()
        await self.broker.publish(exchange, routing_key, message)

    async def _publish_all(self, plan: Plan, step: _Step) -> str | None:
        """Publish every output concurrently (the broker bounds the confirm window)."""
        results: list[BaseException | None]
        if len(plan.outputs) == 1:
            # the common case, without a task: the key's next input is woken by the event but
            # runs only once this task waits for its confirm, after the publish has gone out
            exchange, routing_key, message = plan.outputs[0]
            step.sent.set()
            try:
                await self.broker.publish(exchange, routing_key, message)
                results = [None]
            except TransportError as exc:
                results = [exc]
        else:
            sending = [
                asyncio.ensure_future(self.broker.publish(ex, rk, msg))
                for ex, rk, msg in plan.outputs
            ]
            step.sent.set()
            results = list(await asyncio.gather(*sending, return_exceptions=True))
        for result in results:
            if isinstance(result, Unroutable):
                return f"unroutable: nothing is bound to {result.exchange} {result.routing_key}"
            if isinstance(result, PublishRejected):
                return "the broker refused an output"
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return None

    def _original(self, delivery: Delivery) -> tuple[str, str]:
        headers = delivery.message.headers
        exchange = headers.get(HEADER_ORIGINAL_EXCHANGE)
        routing_key = headers.get(HEADER_ORIGINAL_ROUTING_KEY)
        if isinstance(exchange, str) and isinstance(routing_key, str):
            return exchange, routing_key
        return delivery.exchange, delivery.routing_key

    def _attempt(self, delivery: Delivery) -> int:
        value = delivery.message.headers.get(HEADER_ATTEMPT, 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def _copy(self, delivery: Delivery, extra: dict[str, Any]) -> Message:
        exchange, routing_key = self._original(delivery)
        headers = _carried(delivery.message.headers)
        headers.update(
            {
                HEADER_ORIGINAL_EXCHANGE: exchange,
                HEADER_ORIGINAL_ROUTING_KEY: routing_key,
                HEADER_SERVICE: self.config.name,
            }
        )
        headers.update(extra)
        return replace(delivery.message, headers=headers, persistent=True)

    async def _retry(self, plan: Plan, delivery: Delivery, step: _Step) -> str:
        attempt = self._attempt(delivery) + 1
        policy = self.options.retry
        if attempt > policy.attempts:
            report = Report(
                self._label(delivery),
                (
                    error(
                        "service.retries-exhausted",
                        "",
                        f"still failing after {policy.attempts} retries: {plan.reason}",
                    ),
                ),
            )
            await self._dead_letter(delivery, report, plan.message_type, step, attempt=attempt - 1)
            return "dead-lettered"
        reason = plan.reason[:RETRY_REASON_LIMIT]
        copy = self._copy(delivery, {HEADER_ATTEMPT: attempt, HEADER_RETRY_REASON: reason})
        await self._send(step, "", retry_queue(self.config.name, attempt), copy)
        self.metrics.retried(plan.message_type)
        log.info(
            "retrying",
            extra={"cjx": self._fields(delivery, plan, event="retry", attempt=attempt)},
        )
        return "retried"

    async def _dead_letter(
        self,
        delivery: Delivery,
        report: Report,
        message_type: str,
        step: _Step,
        *,
        attempt: int | None = None,
    ) -> None:
        first = report.errors or report.issues
        code = first[0].code if first else "service.unknown"
        extra: dict[str, Any] = {
            HEADER_ERROR_CODE: code,
            HEADER_ERROR_REPORT: report_header(report),
            HEADER_FAILED_AT: datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        if attempt is not None:
            extra[HEADER_ATTEMPT] = attempt
        copy = self._copy(delivery, extra)
        try:
            await self._send(step, DEAD_LETTER, self.config.name, copy)
        except (Unroutable, PublishRejected):
            # the dlq is missing or refuses: the overflow queue, through the default exchange;
            # if that fails too, TransportError returns the input to its queue (never dropped)
            log.error(
                "dead letter not accepted by the dlq; trying the overflow queue",
                extra={"cjx": self._fields(delivery, event="dead-letter-failed")},
            )
            try:
                await self.broker.publish("", overflow_name(self.config.name), copy)
            except (Unroutable, PublishRejected) as exc:
                raise TransportError("neither the dlq nor its overflow took it") from exc
        self.metrics.dead_lettered(message_type, code)
        log.warning(
            "dead-lettered",
            extra={
                "cjx": self._fields(
                    delivery, event="dead-lettered", code=code, codes=sorted(set(report.codes))
                )
            },
        )

    async def _duplicate(self, delivery: Delivery, started: float) -> None:
        await delivery.ack()
        message_type = _type_label(delivery.message.type)
        self.metrics.duplicate(message_type)
        self.metrics.consumed(message_type, "duplicate", time.perf_counter() - started)

    async def _after_earlier(
        self, earlier: asyncio.Task[bool], delivery: Delivery, key: str, started: float
    ) -> None:
        await asyncio.wait((earlier,))
        if not earlier.cancelled() and earlier.exception() is None and earlier.result():
            await self._duplicate(delivery, started)
        else:  # the first copy did not get through: this one is the input now
            self._on_delivery(delivery)

    def _fields(
        self, delivery: Delivery | None = None, plan: Plan | None = None, **more: Any
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {"service": self.config.name}
        if delivery is not None:
            fields["message_id"] = delivery.message.message_id
            fields["routing_key"] = delivery.routing_key
        if plan is not None:
            fields["message_type"] = plan.message_type
        fields.update(more)
        return fields
