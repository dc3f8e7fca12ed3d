"""A service: consume -> adapter -> validate -> publish -> ack (DESIGN.md section 7).

Rules this module owns, each enforced here and nowhere else:

* **Ack after confirm.** An input is acknowledged only after every message it caused (its
  outputs, its wait-queue copy, or its dead letter) is confirmed by the broker. A crash before
  that leaves the input unacknowledged, and the broker delivers it again.
* **Nothing dropped.** Every input ends in exactly one of four ways: *published* (outputs
  confirmed), *retried* (a copy in ``<service>.retry.<n>`` with ``cjx-attempt = n``),
  *dead-lettered* (original bytes and properties, plus ``cjx-*`` report headers, in
  ``<service>.dlq``), or *duplicate* (already carried forward; acknowledged, no second output);
  an outbound service with a ``where`` has a fifth, *not selected* (acknowledged, nothing sent,
  counted, and counted again as unselected when no destination selects it: see
  :mod:`cjx.service._where`).
  If even the dead letter cannot be published, the input is rejected without requeue and the
  queue's own dead-letter target takes it.
* **Permanent vs transient.** Bad input (a report with errors), a message too big, an unknown
  message type, or an adapter bug is permanent: dead-lettered at once. A
  :class:`~cjx.errors.TransientError` from an adapter, or an output the broker would not take
  (unroutable, nacked), is transient: retried with capped exponential backoff through the wait
  queues, then dead-lettered with ``cjx-attempt`` set.
* **Headers a sender wrote are data, never instructions.** Before anything looks at an input,
  every ``cjx-*`` header is removed from it, unless it came back through the service's own
  queues (the default exchange with routing key ``<service>.in``: a retry from a wait queue, a
  replay from the dlq), and then only cjx's own (:data:`OWN_HEADERS`) are kept
  (:func:`admitted`). A ``cjx-attempt`` outside ``0..attempts`` counts as absent.
* **De-duplication** on the input's ``message_id`` (a SHA-256 of the body when it has none) *and*
  a digest of its body (see :mod:`cjx.service._dedup`): only published inputs are recorded; the
  same id with a different body is processed, counted and logged as a reused id.
* **Bounded cost.** An input larger than :data:`OFFLOAD_BYTES`, and every input of a rule
  service (whose person index calls block), is planned in a worker thread, so the event loop
  (every service of the process, heartbeats, ``/ready``) keeps running while it is; inputs are
  still planned one at a time, in delivery order. Copying headers onto a retry or dead letter is
  linear, and capped in count and size.
* **Per-key order.** Inputs are decoded one at a time in delivery order; their outputs are
  sent in that order for each ordering key (the envelope's, else the input id), and the broker
  keeps the order of one channel's publishes; confirms overlap. Different keys proceed
  concurrently, at most ``concurrency`` inputs at once. A retried input leaves the sequence of
  its key, and so does one whose publish is refused after later ones were sent: order holds
  among inputs that do not fail. (A publish the broker nacks is first sent again, ahead of its
  key's later publishes, for a while: see ``AmqpBroker._publish``.)
* **Graceful stop.** ``stop()`` cancels the consumer, finishes and acknowledges what is in
  flight (within the grace period), and returns any delivery that arrives after the cancel.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from cjx._text import shown_name
from cjx.adapter import Adapter, CanonicalJson, CanonicalXml, get_adapter
from cjx.errors import (
    ConfigurationError,
    IdentityUnresolved,
    Report,
    Severity,
    TransientError,
    TransportError,
    ValidationFailed,
    error,
)
from cjx.identity import PersonIndex, open_index
from cjx.model import Clock, Envelope, system_clock
from cjx.pipeline import translate
from cjx.rules import Rule, get_rule
from cjx.service._config import ServiceConfig
from cjx.service._dedup import DedupStore, MemoryDedup, Seen, SqliteDedup
from cjx.service._metrics import Metrics
from cjx.service._ordering import (
    HEADER_ORDERING_KEY,
    KEY_FORM,
    ORDERING_SECRET_VARIABLE,
    ordering_key_of,
)
from cjx.service._partitions import Partitions
from cjx.service._where import Selector, compile_where, subscribed_types, unselected_watch
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
    Undecodable,
    Unroutable,
    dlq_name,
    in_queue,
    outbound_key,
    overflow_name,
    partition_route,
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
    "HEADER_WAITING_SINCE",
    "OFFLOAD_BYTES",
    "OWN_HEADERS",
    "REPORT_HEADER_LIMIT",
    "Plan",
    "Service",
    "admitted",
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
HEADER_SOURCE_FORMAT: Final = "cjx-source-format"
HEADER_REPLAYED_AT: Final = "cjx-replayed-at"
HEADER_REPLAYED_FROM: Final = "cjx-replayed-from"
HEADER_HEADERS_DROPPED: Final = "cjx-headers-dropped"
#: On a rule service's input waiting for a link: when it first found the link missing (whole
#: milliseconds since the epoch), so its deadline holds across retries, restarts and processes.
HEADER_WAITING_SINCE: Final = "cjx-waiting-since"

#: The cjx headers a service acts on, and only on an input that came back through its own
#: queues. Everything else named ``cjx-*`` on an input is removed before cjx looks at it.
OWN_HEADERS: Final = frozenset(
    {
        HEADER_ORIGINAL_EXCHANGE,
        HEADER_ORIGINAL_ROUTING_KEY,
        HEADER_ATTEMPT,
        HEADER_REPLAYED_AT,
        HEADER_REPLAYED_FROM,
        HEADER_ORDERING_KEY,
        HEADER_WAITING_SINCE,
    }
)

#: The report header's size cap in bytes. RabbitMQ closes the connection when a header frame
#: outgrows its frame size (128 KiB by default); 16 KiB leaves room for the other properties.
#: A longer report keeps its first issues and says how many it left out.
REPORT_HEADER_LIMIT = 16 * 1024
#: The size cap of the headers a retry or dead-letter copy carries over from the input (the
#: largest are left out, and named in ``cjx-headers-dropped``), and of a retry reason.
CARRIED_HEADERS_LIMIT = 32 * 1024
#: The most headers such a copy carries over: 26,000 tiny headers fit in one frame.
CARRIED_HEADERS_COUNT = 256
#: How deep a carried header value may nest (AMQP tables arrive at most 32 deep, see
#: :mod:`cjx.transport.amqp`; RabbitMQ's own ``x-death`` is three levels).
CARRIED_HEADERS_DEPTH = 32
RETRY_REASON_LIMIT = 500
#: Inputs of more bytes than this are translated in a worker thread. A court result of a few
#: KiB translates in about a millisecond, quicker on the loop than a hop to a thread; at 64 KiB
#: translation takes some tens of milliseconds, and a 10 MiB input up to a few seconds, which
#: must not stop the event loop (heartbeats, ``/ready``, the process's other services).
OFFLOAD_BYTES = 64 * 1024
#: Worker threads for large inputs, shared by the services of a process. Inputs of one service
#: are still planned one at a time, in delivery order.
OFFLOAD_THREADS = 2
#: The most waiting inputs a rule service plans in one trip to a worker thread: the trip costs
#: about as much as planning one input, so a backlog (up to ``prefetch`` deep) goes in few trips.
RULE_BATCH = 64
#: Threads that plan a look-up-only rule service's batch side by side: a PostgreSQL look-up is
#: mostly a round trip, so eight overlap well; a SQLite index takes them one at a time anyway.
RULE_THREADS = 8
#: Seconds before an input the broker would not take is returned to its queue (live channel).
RETURN_PAUSE = 1.0

_CANONICAL_XML = get_adapter("canonical-xml")
_CANONICAL_JSON = get_adapter("canonical-json")

Kind = Literal["publish", "retry", "dead-letter", "not-selected"]


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
    personal data. ``dead-letter``: a permanent failure, with its ``report``. ``not-selected``:
    an outbound service's ``where`` declined the message (acknowledged, nothing sent);
    ``selected_by_none`` when no destination of the configuration selects it either. A retry
    with a ``report`` is a rule service's input waiting for a link (``identity.unresolved``): it
    is retried until the service's ``link_wait`` has passed, then dead-lettered with that report.
    """

    kind: Kind
    message_type: str = "-"
    outputs: list[tuple[str, str, Message]] = field(default_factory=list)
    report: Report | None = None
    reason: str = ""
    ordering_key: str | None = None
    selected_by_none: bool = False
    #: a link wait's report (``identity.unresolved``): see above
    wait_report: Report | None = None


@functools.cache
def _canonical_reader(json_form: bool, version: str | None) -> Adapter:
    """The canonical reader of an outbound service: pinned to its release when it names one
    (``schema_version``: that release's schemas, :mod:`cjx.service._pinning`)."""
    if version is None:
        return _CANONICAL_JSON if json_form else _CANONICAL_XML
    return CanonicalJson(version=version) if json_form else CanonicalXml(version=version)


def report_header(report: Report, limit: int = REPORT_HEADER_LIMIT) -> str:
    """The report as compact JSON of at most ``limit`` bytes; the tail is counted, not kept
    (``omitted``; ``stopped`` when checking stopped before finding every issue)."""
    omitted, stopped = report.omitted
    listed = report.issues[:-1] if omitted or stopped else report.issues
    issues = [i.as_dict() for i in listed]
    keep = len(issues)
    while True:
        document: dict[str, Any] = {"source": report.source, "issues": issues[:keep]}
        if keep < len(issues) or omitted:
            document["omitted"] = len(issues) - keep + omitted
        if stopped:
            document["stopped"] = True
        text = json.dumps(document, separators=(",", ":"))
        if len(text.encode()) <= limit:
            return text
        if keep == 0:
            return json.dumps({"source": "", "issues": [], "omitted": len(issues) + omitted})
        keep = 64 if keep > 64 else keep - 1  # shrink fast on a huge report, then one by one


_BROKER_HEADERS = ("x-death", "x-delivery-count", "x-first-death-", "x-last-death-")
_CJX = "cjx-"


def admitted(message: Message, *, own: bool) -> Message:
    """``message`` as a service may look at it: its ``cjx-*`` headers removed, or, when it came
    back through the service's own queues (``own``), only :data:`OWN_HEADERS` kept.

    A sender can write any header; only cjx writes to a service's own queues (RabbitMQ
    permissions keep senders to ``cjx.inbound``: see docs/security.md).
    """
    headers = message.headers
    if not any(k[:4].lower() == _CJX for k in headers):
        return message
    kept = {k: v for k, v in headers.items() if k[:4].lower() != _CJX or (own and k in OWN_HEADERS)}
    return replace(message, headers=kept)


def _size(value: Any, budget: int) -> int | None:
    """Roughly the bytes ``value`` takes in a header table (at least ``budget`` + 1 once it is
    over ``budget``), or ``None`` when it nests deeper than CARRIED_HEADERS_DEPTH or holds a
    value the client could not decode. Iterative, and stops early: linear in what it reads."""
    total = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > CARRIED_HEADERS_DEPTH or isinstance(item, Undecodable):
            return None
        if isinstance(item, Mapping):
            total += 5 + sum(len(str(k)) + 1 for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            total += 5
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str | bytes):
            total += 5 + len(item)
        else:
            total += 9
        if total > budget:
            return total
    return total


def _carried(headers: Mapping[str, Any]) -> dict[str, Any]:
    """The input's headers for its retry or dead-letter copy: the broker's own left out, and the
    whole capped at CARRIED_HEADERS_COUNT headers and CARRIED_HEADERS_LIMIT bytes (largest first
    out). Values nested too deep or undecodable go too. The names of those left out are listed
    (at most 20, each capped) in ``cjx-headers-dropped``. Linear in the number of headers.
    """
    kept: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    dropped: list[str] = []
    total = 0
    for name, value in headers.items():
        if name.startswith(_BROKER_HEADERS):
            continue
        size = _size(value, CARRIED_HEADERS_LIMIT)
        if size is None:
            dropped.append(name)
            continue
        kept[name] = value
        sizes[name] = size + len(name)
        total += sizes[name]
    if total > CARRIED_HEADERS_LIMIT or len(kept) > CARRIED_HEADERS_COUNT:
        for name in sorted(sizes, key=sizes.__getitem__, reverse=True):
            if total <= CARRIED_HEADERS_LIMIT and len(kept) <= CARRIED_HEADERS_COUNT:
                break
            del kept[name]
            total -= sizes[name]
            dropped.append(name)
    if dropped:
        kept[HEADER_HEADERS_DROPPED] = [shown_name(n) for n in dropped[:20]]
    return kept


_offload: ThreadPoolExecutor | None = None
_rule_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _offload  # noqa: PLW0603 - one pool per process, made when first needed
    if _offload is None:
        _offload = ThreadPoolExecutor(OFFLOAD_THREADS, thread_name_prefix="cjx-translate")
    return _offload


def _rule_executor() -> ThreadPoolExecutor:
    global _rule_pool  # noqa: PLW0603 - one pool per process, made when first needed
    if _rule_pool is None:
        _rule_pool = ThreadPoolExecutor(RULE_THREADS, thread_name_prefix="cjx-rules")
    return _rule_pool


def _type_label(value: str | None) -> str:
    # a metric label: only the known message types, so a sender cannot invent label values
    return value if value in _CANONICAL_XML.decodes else "-"


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
        peers: Sequence[ServiceConfig] = (),
        ordering_secret: str | None = None,
    ) -> None:
        """``peers``: the services of the configuration (this one among them), which tell an
        outbound service with a ``where`` whether another destination selects what it
        declines (:func:`~cjx.service._where.unselected_watch`)."""
        #: the key of ``cjx-ordering-key``; without it cjx sets no such header (a plain digest
        #: of a person identifier could be reversed)
        self.ordering_secret = ordering_secret or None
        self.config = config
        self.broker = broker
        self.adapter = adapter if adapter is not None else get_adapter(config.format)
        self.options = config.options
        if dedup is None:
            dedup = (
                SqliteDedup(
                    Path(config.dedup_path), self.options.dedup_capacity, service=config.name
                )
                if config.dedup_path
                else MemoryDedup(self.options.dedup_capacity)
            )
        self.dedup: DedupStore = dedup
        self.clock = clock
        self.metrics = Metrics(config.name)
        self.queue = in_queue(config.name)
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._tails: dict[str, _Step] = {}
        self._inflight: dict[tuple[str, str], asyncio.Task[bool]] = {}
        self._inflight_bodies: dict[str, str] = {}  # key -> digest of its latest input in flight
        self._tasks: set[asyncio.Task[Any]] = set()
        self._consumer_tag: str | None = None
        self._stopping = False
        self._late: list[Delivery] = []
        #: deliveries waiting their turn behind an input being translated in a worker thread
        self._backlog: collections.deque[tuple[Delivery, float]] = collections.deque()
        self._draining = False
        self._own_route = ("", self.queue)
        #: the compiled ``where`` (outbound only), and the other destinations' for the types
        #: this service reports as selected by none
        self._selector: Selector | None = None
        self._watch: dict[str, tuple[Selector, ...]] = {}
        if config.role == "outbound" and config.where:
            types = sorted({t for p in config.subscribe for t in subscribed_types(p)})
            self._selector = compile_where(config.where, types, f"service {config.name!r}")
            self._watch = unselected_watch(config, peers)
        self.partitions: Partitions | None = None
        if config.partitions is not None:
            # retries come back through the partition route, keyed by the service's input name
            self._own_route = (partition_route(config.name), self.queue)
            self.partitions = Partitions(
                broker,
                config.name,
                config.partitions,
                self._on_delivery,
                prefetch=self.options.prefetch,
            )
        self.rules: tuple[Rule, ...] = tuple(get_rule(n) for n in config.rules)
        #: whether a rule of this service writes the person index (then inputs are planned one
        #: at a time, in delivery order; look-ups alone are planned side by side)
        self._learns = any(rule.index_use == "learn" for rule in self.rules)
        #: a rule service's person index, opened by start() and closed by stop()
        self.index: PersonIndex | None = None
        #: more connections to the same index, for look-ups planned side by side (one index
        #: object serves one call at a time); opened when first needed, closed by stop()
        self._spare_indexes: queue.SimpleQueue[PersonIndex] = queue.SimpleQueue()
        self._opened: list[PersonIndex] = []
        self._opening = threading.Lock()

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
                partitions=c.partitions,
            )
        if c.role == "rule":
            return service_topology(
                c.name,
                source_exchange=CANONICAL,
                binding_keys=c.subscribe,
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
            partitions=c.partitions,
        )

    @property
    def ready(self) -> bool:
        """Consuming on a live connection (false while a consumer is missing, or stopping)."""
        consuming = self._consumer_tag is not None or (
            self.partitions is not None and self.partitions.registered
        )
        value = consuming and not self._stopping and self.broker.ready
        self.metrics.ready(value)
        return value

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        """Declare the topology and consume. A partitioned service without an ordering secret
        refuses (ConfigurationError): its inputs' partitions are chosen by the keyed header."""
        if self.partitions is not None and self.ordering_secret is None:
            raise ConfigurationError(
                f"service {self.config.name!r} has partitions = {self.config.partitions} but no "
                f"ordering secret: set [broker] ordering_secret or {ORDERING_SECRET_VARIABLE}"
            )
        if self.config.role == "rule" and self.index is None:
            assert self.config.index is not None
            # creates or migrates the schema (one transaction; safe for several processes)
            self.index = await asyncio.to_thread(open_index, self.config.index)
        await self.broker.declare(self.topology)
        if self.partitions is not None:
            await self.partitions.start()
            log.info("service started", extra={"cjx": self._fields(event="started")})
            return
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
        if self.partitions is not None:
            return await self._stop_partitioned(grace)
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
        if self.index is not None:
            index, self.index = self.index, None
            index.close()
            with self._opening:
                opened, self._opened = self._opened, []
            for spare in opened:
                spare.close()
        log.info("service stopped", extra={"cjx": self._fields(event="stopped")})
        return True

    async def _stop_partitioned(self, grace: float | None) -> bool:
        """Stop a partitioned service without a moment of two replicas on one partition: hold
        what arrives, finish what is in flight, then close the consumers (what they hold goes
        back to the head of each queue, for the replica that takes the partition over)."""
        assert self.partitions is not None
        await self.partitions.hold()
        grace = self.options.shutdown_grace if grace is None else grace
        pending = set(self._tasks)
        clean = True
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            if still:
                log.warning(
                    "stopping with messages in flight; the broker will deliver them again",
                    extra={"cjx": self._fields(event="stop-timeout", in_flight=len(still))},
                )
                clean = False
        await self.partitions.release()
        self._late = []  # returned with the consumers' channels
        log.info("service stopped", extra={"cjx": self._fields(event="stopped")})
        return clean

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
        own = (delivery.exchange, delivery.routing_key) == self._own_route
        routed_by = delivery.message.headers.get(HEADER_ORDERING_KEY)
        delivery.message = admitted(delivery.message, own=own)
        if (
            self.partitions is not None
            and not own
            and isinstance(routed_by, str)
            and KEY_FORM.fullmatch(routed_by)
        ):
            # the key the input was partitioned by goes with a retry, back to its partition
            delivery.message = replace(
                delivery.message,
                headers={**delivery.message.headers, HEADER_ORDERING_KEY: routed_by},
            )
        if self._backlog or self._off_loop(delivery):
            # behind (or itself) an input planned off the loop: wait its turn, in order
            self._backlog.append((delivery, started))
            if not self._draining:
                self._draining = True
                self._spawn(self._drain())
            return
        self._admit(delivery, started)

    async def _drain(self) -> None:
        """Plan the backlog in delivery order; large inputs in a worker thread."""
        loop = asyncio.get_running_loop()
        try:
            while self._backlog:
                if self.config.role == "rule":
                    await self._drain_rules(loop)
                    continue
                delivery, started = self._backlog[0]
                identity = self._identity(delivery)
                plan: Plan | None = None
                if self._off_loop(delivery) and not self._settled_elsewhere(identity):
                    plan = await loop.run_in_executor(_executor(), self._safe_plan, delivery)
                self._backlog.popleft()
                self._admit(delivery, started, plan, identity)
        finally:
            self._draining = False

    async def _drain_rules(self, loop: asyncio.AbstractEventLoop) -> None:
        """A rule service's backlog: up to :data:`RULE_BATCH` waiting inputs planned in one trip
        to a worker thread, in delivery order (one hop per batch, not per input), then admitted
        in that order. An input already settled (a duplicate, a redelivery in flight) is not
        planned; :meth:`_admit` settles it."""
        batch = [self._backlog[n] for n in range(min(RULE_BATCH, len(self._backlog)))]
        identities = [self._identity(delivery) for delivery, _ in batch]
        todo = [
            delivery
            for (delivery, _), identity in zip(batch, identities, strict=True)
            if not self._settled_elsewhere(identity)
        ]
        plans: dict[int, Plan]
        if self._learns or len(todo) < 2:
            # a rule that writes the index learns in delivery order: one thread, one trip
            plans = await loop.run_in_executor(
                _executor(), lambda: {id(d): self._safe_plan(d) for d in todo}
            )
        else:
            # look-ups only: planned side by side, so a remote index's round trips overlap
            # (the outputs are still admitted, and so published, in delivery order)
            pool = _rule_executor()
            done = await asyncio.gather(
                *(loop.run_in_executor(pool, self._safe_plan, d) for d in todo)
            )
            plans = {id(d): plan for d, plan in zip(todo, done, strict=True)}
        for (delivery, started), identity in zip(batch, identities, strict=True):
            self._backlog.popleft()
            self._admit(delivery, started, plans.get(id(delivery)), identity)

    def _off_loop(self, delivery: Delivery) -> bool:
        """Whether ``delivery`` is planned in a worker thread: a large input, or any input of a
        rule service (its person index calls block: a PostgreSQL round trip, or a reconnect
        that waits up to its timeout, must not stop the event loop)."""
        return self.config.role == "rule" or len(delivery.message.body) > OFFLOAD_BYTES

    def _settled_elsewhere(self, identity: tuple[str, str]) -> bool:
        """A duplicate, or a redelivery of an input still in flight: no need to translate it."""
        return self.dedup.seen(*identity) is Seen.DONE or identity in self._inflight

    def _identity(self, delivery: Delivery) -> tuple[str, str]:
        """(de-duplication key, SHA-256 of the body): how the service knows an input."""
        digest = hashlib.sha256(delivery.message.body).hexdigest()
        return self._dedup_key(delivery, digest), digest

    def _admit(
        self,
        delivery: Delivery,
        started: float,
        plan: Plan | None = None,
        identity: tuple[str, str] | None = None,
    ) -> None:
        key, digest = identity or self._identity(delivery)
        seen = self.dedup.seen(key, digest)
        if seen is Seen.DONE:
            self._spawn(self._duplicate(delivery, started))
            return
        identity = (key, digest)
        earlier = self._inflight.get(identity)
        if earlier is not None:  # a redelivery while the first copy is still being handled
            self._spawn(self._after_earlier(earlier, delivery, started))
            return
        if seen is Seen.REUSED or self._inflight_bodies.get(key, digest) != digest:
            self._id_reused(delivery)
        if plan is None:
            plan = self._safe_plan(delivery)
        order = plan.ordering_key or key
        previous = self._tails.get(order)
        step = _Step()
        task: asyncio.Task[bool] = self._spawn(
            self._execute(plan, delivery, identity, previous, step=step, started=started)
        )
        self._tails[order] = step
        self._inflight[identity] = task
        self._inflight_bodies[key] = digest

        def forget(done: asyncio.Task[bool]) -> None:
            if self._tails.get(order) is step:
                del self._tails[order]
            if self._inflight.get(identity) is done:
                del self._inflight[identity]
                if self._inflight_bodies.get(key) == digest:
                    del self._inflight_bodies[key]

        task.add_done_callback(forget)

    def _safe_plan(self, delivery: Delivery) -> Plan:
        try:
            return self.plan(delivery)
        except Exception as exc:  # a bug in plan(): keep the input, say which exception
            log.exception("plan failed", extra={"cjx": self._fields(delivery, event="plan-error")})
            return self._reject(
                delivery, "service.adapter-error", f"planning raised {type(exc).__name__}"
            )

    def _id_reused(self, delivery: Delivery) -> None:
        self.metrics.id_reused()
        log.warning(
            "message id seen before with a different body; processed as a new input",
            extra={"cjx": self._fields(delivery, event="id-reused")},
        )

    def _dedup_key(self, delivery: Delivery, digest: str | None = None) -> str:
        message = delivery.message
        if digest is None and not message.message_id:
            digest = hashlib.sha256(message.body).hexdigest()
        key = message.message_id or f"sha256:{digest}"
        replayed = message.headers.get(HEADER_REPLAYED_AT)
        # a replay from this service's dlq (its headers survive only on its own route: see
        # admitted) is a new attempt at a message it did not carry forward
        own = (dlq_name(self.config.name), overflow_name(self.config.name))
        if isinstance(replayed, str) and message.headers.get(HEADER_REPLAYED_FROM) in own:
            return f"{key}@replay:{replayed[:64]}"
        return key

    def _label(self, delivery: Delivery) -> str:
        return f"{self.config.name}:{delivery.message.message_id or 'no-message-id'}"

    def plan(self, delivery: Delivery) -> Plan:
        """Decide what ``delivery`` becomes (the adapter's translation).

        It runs on the event loop for an input up to :data:`OFFLOAD_BYTES` and in a worker
        thread for a larger one (one input of a service at a time either way, in delivery
        order), so it must not block and must not touch the event loop; the headers it sees are
        already :func:`admitted`. This is the one step a subclass may replace (a benchmark's
        pass-through, an adapter that needs the AMQP properties); confirms, acknowledgement,
        retries, dead letters, de-duplication and ordering stay as this module's docstring says.
        """
        message = delivery.message
        if len(message.body) > self.options.max_message_bytes:
            return self._reject(
                delivery,
                "message.too-large",
                f"a message of {len(message.body)} bytes is over this service's limit of "
                f"{self.options.max_message_bytes}",
            )
        if self.config.role == "rule":
            return self._plan_rules(delivery)
        select: Callable[[Envelope[Any]], bool] | None = None
        declined: list[Envelope[Any]] = []
        if self.config.role == "inbound":
            reader, writer = self.adapter, _CANONICAL_XML
        else:
            content_type = message.content_type or ""
            reader = _canonical_reader(content_type.endswith("json"), self.config.schema_version)
            writer = self.adapter
            if self._selector is not None:
                selector = self._selector

                def select(envelope: Envelope[Any]) -> bool:
                    if selector(envelope):
                        return True
                    declined.append(envelope)
                    return False

        try:
            outcome = translate(
                message.body,
                from_format=reader,
                to_format=writer,
                source=self._label(delivery),
                clock=self.clock,
                verify=True if self.options.verify_output else None,
                select=select,
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
        if declined and not outcome.envelopes:
            return self._not_selected(declined[0])
        flagged = sorted({i.code for i in outcome.report.issues if i.severity is Severity.WARNING})
        if flagged:  # such as text.bidi-control: passed on, and said so (codes only)
            log.warning(
                "translated with warnings",
                extra={"cjx": self._fields(delivery, event="warnings", codes=flagged)},
            )
        plan = Plan("publish", message_type)
        for envelope, body in zip(outcome.envelopes, outcome.outputs, strict=True):
            plan.outputs.append(self._output(delivery, envelope, body, writer))
        keys = {e.ordering_key for e in outcome.envelopes}
        if len(keys) == 1:
            plan.ordering_key = keys.pop()
        return plan

    def _not_selected(self, envelope: Envelope[Any]) -> Plan:
        """This destination's ``where`` declined ``envelope``; whether any other does not is
        asked only by the service that reports for its type (:func:`unselected_watch`)."""
        others = self._watch.get(envelope.message_type)
        by_none = others is not None and not any(other(envelope) for other in others)
        return Plan("not-selected", envelope.message_type, selected_by_none=by_none)

    def _plan_rules(self, delivery: Delivery) -> Plan:
        """A rule service's plan: the canonical input read through its gate, then each rule that
        takes its type, in the configured order; their outputs, encoded, go to the canonical
        exchange. A missing link makes the input wait (:attr:`Plan.wait_report`); an index that
        cannot be reached is a transient failure; bad input is dead-lettered at once."""
        message = delivery.message
        json_input = (message.content_type or "").endswith("json")
        reader = _CANONICAL_JSON if json_input else _CANONICAL_XML
        source = self._label(delivery)
        try:
            envelopes = reader.translate(message.body, source=source, clock=self.clock).envelopes
        except ValidationFailed as exc:
            return Plan("dead-letter", _type_label(message.type), report=exc.report)
        if self.index is None:  # not started, or stopping: the input comes again
            return Plan("retry", _type_label(message.type), reason="the person index is closed")
        envelope = envelopes[0]
        try:
            index = self._borrow_index()
        except TransientError as exc:
            return Plan("retry", envelope.message_type, reason=str(exc) or type(exc).__name__)
        try:
            return self._derive(delivery, envelope, index, source)
        finally:
            if index is not self.index:
                self._spare_indexes.put(index)

    def _borrow_index(self) -> PersonIndex:
        """The service's index when planning one at a time; a spare connection of its own for
        each thread planning side by side (opened on first need, never migrating)."""
        assert self.index is not None
        assert self.config.index is not None
        if self._learns:
            return self.index
        try:
            return self._spare_indexes.get_nowait()
        except queue.Empty:
            spare = open_index(self.config.index, migrate=False)
            with self._opening:
                self._opened.append(spare)
            return spare

    def _derive(
        self, delivery: Delivery, envelope: Envelope[Any], index: PersonIndex, source: str
    ) -> Plan:
        """What the rules make of ``envelope``: its outputs, a wait for a link, or a retry."""
        plan = Plan("publish", envelope.message_type, ordering_key=envelope.ordering_key)
        warnings: set[str] = set()
        try:
            for rule in self.rules:
                if envelope.message_type not in rule.consumes:
                    continue
                derivation = rule.derive(envelope, index, clock=self.clock)
                warnings.update(
                    i.code for i in derivation.report.issues if i.severity is Severity.WARNING
                )
                for output in derivation.envelopes:
                    body = self.adapter.encode(output)
                    plan.outputs.append(self._output(delivery, output, body, self.adapter))
        except IdentityUnresolved as exc:
            return Plan(
                "retry",
                envelope.message_type,
                reason="waiting for a link: " + ", ".join(sorted(set(exc.report.codes))),
                ordering_key=envelope.ordering_key,
                wait_report=Report(source, exc.report.issues),
            )
        except TransientError as exc:
            return Plan("retry", envelope.message_type, reason=str(exc) or type(exc).__name__)
        if warnings:  # the index's refused links, a date not mapped: codes only
            log.warning(
                "rules ran with warnings",
                extra={"cjx": self._fields(delivery, event="warnings", codes=sorted(warnings))},
            )
        return plan

    def _reject(self, delivery: Delivery, code: str, message: str) -> Plan:
        report = Report(self._label(delivery), (error(code, "", message),))
        return Plan("dead-letter", _type_label(delivery.message.type), report=report)

    def _output(
        self, delivery: Delivery, envelope: Envelope[Any], body: bytes, writer: Adapter
    ) -> tuple[str, str, Message]:
        headers: dict[str, Any] = {HEADER_SOURCE_FORMAT: envelope.source.format}
        if envelope.ordering_key is not None and self.ordering_secret is not None:
            headers[HEADER_ORDERING_KEY] = ordering_key_of(
                envelope.ordering_key, self.ordering_secret
            )
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
        if self.config.role in ("inbound", "rule"):
            return CANONICAL, envelope.routing_key, message
        assert self.config.destination is not None
        return OUTBOUND, outbound_key(self.config.format, self.config.destination), message

    # -- carrying a plan out: asynchronous, chained per ordering key ---------------------------

    async def _execute(
        self,
        plan: Plan,
        delivery: Delivery,
        identity: tuple[str, str],
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
                if outcome == "published":  # never a dead letter: a resend must get through
                    self.dedup.add(*identity)
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
        if plan.kind == "not-selected":
            step.sent.set()  # nothing to send: the key's next input may go
            self._declined(plan, delivery)
            return "not-selected"
        if plan.kind == "publish":
            failure = await self._publish_all(plan, step)
            if failure is None:
                self.metrics.published(plan.message_type, len(plan.outputs))
                if log.isEnabledFor(logging.INFO):  # at --log-level warning, no log record
                    outputs = [m.message_id for _, _, m in plan.outputs]
                    log.info(
                        "published",
                        extra={
                            "cjx": self._fields(delivery, plan, event="published", outputs=outputs)
                        },
                    )
                return "published"
            plan = Plan("retry", plan.message_type, reason=failure)
        if plan.kind == "retry":
            return await self._retry(plan, delivery, step)
        assert plan.report is not None
        await self._dead_letter(delivery, plan.report, plan.message_type, step)
        return "dead-lettered"

    def _declined(self, plan: Plan, delivery: Delivery) -> None:
        """Count and log a message this destination's ``where`` declined (ids and type only).
        One that no destination selects is a warning and ``cjx_messages_unselected_total``;
        one that only this destination declines is routine, logged at debug."""
        if plan.selected_by_none:
            self.metrics.unselected(plan.message_type)
            log.warning(
                "no destination selects this message; acknowledged, sent nowhere",
                extra={"cjx": self._fields(delivery, plan, event="unselected")},
            )
        elif log.isEnabledFor(logging.DEBUG):
            log.debug(
                "not selected by this destination's where",
                extra={"cjx": self._fields(delivery, plan, event="not-selected")},
            )

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
        """The retries so far: ``cjx-attempt`` (only ever on the service's own route, see
        :func:`admitted`), counted as absent unless it is a whole number in 0..attempts."""
        value = delivery.message.headers.get(HEADER_ATTEMPT, 0)
        if not isinstance(value, int) or isinstance(value, bool):
            return 0
        return value if 0 <= value <= self.options.retry.attempts else 0

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

    def _waiting_since(self, delivery: Delivery, now: int) -> int:
        """When this input first waited for a link (``cjx-waiting-since``, only ever on the
        service's own route; a value from the future or not a whole number counts as absent)."""
        value = delivery.message.headers.get(HEADER_WAITING_SINCE)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= now:
            return value
        return now

    async def _wait_for_link(self, plan: Plan, delivery: Delivery, step: _Step) -> str:
        """Retry an input whose link is missing until ``link_wait`` has passed since it first
        waited, then dead-letter it with its ``identity.unresolved`` report. The retries use the
        wait queues, the last one (``retry_cap_seconds``) again and again once reached."""
        assert plan.wait_report is not None
        now = int(self.clock().timestamp() * 1000)
        since = self._waiting_since(delivery, now)
        policy = self.options.retry
        if policy.attempts == 0 or now - since >= self.options.link_wait * 1000:
            await self._dead_letter(
                delivery, plan.wait_report, plan.message_type, step, attempt=self._attempt(delivery)
            )
            return "dead-lettered"
        attempt = min(self._attempt(delivery) + 1, policy.attempts)
        reason = plan.reason[:RETRY_REASON_LIMIT]
        copy = self._copy(
            delivery,
            {HEADER_ATTEMPT: attempt, HEADER_RETRY_REASON: reason, HEADER_WAITING_SINCE: since},
        )
        await self._send(step, "", retry_queue(self.config.name, attempt), copy)
        self.metrics.retried(plan.message_type)
        log.info(
            "waiting for a link",
            extra={"cjx": self._fields(delivery, plan, event="link-wait", attempt=attempt)},
        )
        return "retried"

    async def _retry(self, plan: Plan, delivery: Delivery, step: _Step) -> str:
        if plan.wait_report is not None:
            return await self._wait_for_link(plan, delivery, step)
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
            extra={
                "cjx": self._fields(delivery, plan, event="retry", attempt=attempt, reason=reason)
            },
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
        self, earlier: asyncio.Task[bool], delivery: Delivery, started: float
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
