"""Dead-letter tools: list, show, replay and purge a service's ``<service>.dlq``.

A dead letter is either cjx's own (``cjx-error-code``, ``cjx-error-report``,
``cjx-original-exchange``, ``cjx-original-routing-key``, ``cjx-failed-at`` headers) or the
broker's (the delivery limit was reached, or the input was rejected when even its dead letter
could not be published). The broker's carry ``x-death`` naming the service queue they died in,
and the sender's headers as they were, ``cjx-*`` ones included: those are the sender's words,
so a broker's dead letter is described from ``x-death`` alone (:func:`made_by`).

**What an operation acts on** is a :class:`Selection`: positions (as ``list`` numbers the whole
queue, 1 = the head, with or without a filter), error codes (a dead letter matches when *any*
issue of its report has the code) and message types. Kinds combine with *and*, values of one
kind with *or*. An empty selection selects nothing: acting on every dead letter takes
``Selection(everything=True)`` (the CLI's ``--all``).

**Positions** number the dead letters oldest failure first (``cjx-failed-at``, or the broker's
``x-death`` time), ties broken by message id and then by content, so a position names the same
dead letter in every command until something is removed before it. They are not the queue's
order: RabbitMQ 3.10 applies a batch of nacks to a quorum queue in no fixed order, so the order
of a dlq changes each time it is looked at (measured: 2,000 dead letters, two looks in a row,
hundreds of lines moved).

Looking is not taking: every operation takes the whole queue unacknowledged (streamed to a
consumer, then ``get`` for any rest), works on what it took, and gives back what it did not
remove with ``nack(requeue=True)``. Positions need the whole queue, so a ``limit`` caps what is
described and printed, not what is read: the cost of an operation grows with the queue's length
(see docs/operations.md for figures). Each look counts as a delivery against the dlq's delivery
limit, which is set high for that reason.

``replay`` republishes the original bytes, unchanged, **to the service's own input queue and
nowhere else** (the default exchange, routing key ``<service>.in``): whatever a dead letter's
headers say, a replay cannot address another exchange or queue. Its headers are the original
ones without any ``cjx-*`` or ``x-*`` header, plus where it was first published (as
:func:`describe` found it) and ``cjx-replayed-at`` and ``cjx-replayed-from`` for the audit
trail. The dead letter is removed only once the broker has confirmed the replay. ``purge``
removes dead letters for good. ``dry_run`` returns exactly what would be acted on.

A header the AMQP client could not decode (:class:`~cjx.transport.Undecodable`: a table nested
too deep, a timestamp out of range) does not stop the tools: it is shown as undecodable and left
out of a replay.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cjx._files import make_directory, write_file
from cjx.errors import TransportError
from cjx.service._ordering import HEADER_ORDERING_KEY, KEY_FORM
from cjx.service._runtime import (
    HEADER_ATTEMPT,
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    HEADER_FAILED_AT,
    HEADER_ORIGINAL_EXCHANGE,
    HEADER_ORIGINAL_ROUTING_KEY,
    HEADER_REPLAYED_AT,
    HEADER_REPLAYED_FROM,
)
from cjx.transport import (
    Broker,
    Delivery,
    Message,
    Undecodable,
    dlq_name,
    in_queue,
    overflow_name,
    partition_route,
)

__all__ = [
    "DeadLetter",
    "EVERYTHING",
    "Changed",
    "Listing",
    "Selection",
    "describe",
    "export",
    "list_dead_letters",
    "made_by",
    "purge",
    "replay",
    "replay_target",
    "selection_text",
]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """What is known about one dead letter, without its body (which holds personal data)."""

    position: int
    message_id: str | None
    message_type: str | None
    code: str
    made_by: str  # "cjx" or "broker"
    original_exchange: str
    original_routing_key: str
    failed_at: str
    attempt: int | None
    size: int
    report: Mapping[str, Any] | None
    codes: tuple[str, ...] = ()  # every issue code in the report (``code`` first), no repeats

    def __post_init__(self) -> None:
        if not self.codes:
            object.__setattr__(self, "codes", (self.code,))

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "message_id": self.message_id,
            "message_type": self.message_type,
            "code": self.code,
            "codes": list(self.codes),
            "made_by": self.made_by,
            "original_exchange": self.original_exchange,
            "original_routing_key": self.original_routing_key,
            "failed_at": self.failed_at,
            "attempt": self.attempt,
            "size": self.size,
            "report": self.report,
        }


def _deaths(headers: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = headers.get("x-death")
    if isinstance(value, list):
        return [d for d in value if isinstance(d, Mapping)]
    return []


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def made_by(message: Message, service: str) -> str:
    """``"cjx"`` for a dead letter cjx published, ``"broker"`` for one the broker made.

    The broker records in ``x-death`` every queue a message died in; cjx publishes its dead
    letters without ``x-death``, and only the dlq itself can add one later (to the overflow
    queue). So a death in any other queue means the broker made it from the input as the sender
    wrote it, and any ``cjx-*`` header on it is the sender's.
    """
    own = {dlq_name(service)}
    if any(_text(d.get("queue")) not in own for d in _deaths(message.headers)):
        return "broker"
    return "cjx" if HEADER_ERROR_CODE in message.headers else "broker"


def describe(delivery: Delivery, service: str, position: int = 0) -> DeadLetter:
    """Describe a dead letter from its headers (cjx's own or the broker's ``x-death``)."""
    message = delivery.message
    headers = message.headers
    attempt = headers.get(HEADER_ATTEMPT)
    attempt = attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else None
    if made_by(message, service) == "cjx":
        report: Mapping[str, Any] | None
        try:
            report = json.loads(_text(headers.get(HEADER_ERROR_REPORT)))
        except ValueError:
            report = None
        code = _text(headers[HEADER_ERROR_CODE])
        return DeadLetter(
            position,
            message.message_id,
            message.type,
            code,
            "cjx",
            _text(headers.get(HEADER_ORIGINAL_EXCHANGE)),
            _text(headers.get(HEADER_ORIGINAL_ROUTING_KEY)),
            _text(headers.get(HEADER_FAILED_AT)),
            attempt,
            len(message.body),
            report,
            _report_codes(code, report),
        )
    exchange, routing_key = original_destination(message, service)
    deaths = [d for d in _deaths(headers) if _text(d.get("queue")) != dlq_name(service)]
    deaths = deaths or _deaths(headers)
    reason = _text(deaths[0].get("reason")) if deaths else "unknown"
    when = _text(deaths[0].get("time")) if deaths else ""
    return DeadLetter(
        position,
        message.message_id,
        message.type,
        f"broker.{reason.replace('_', '-')}",
        "broker",
        exchange,
        routing_key,
        when,
        None,  # a broker's dead letter holds the sender's cjx-attempt, if any: not cjx's count
        len(message.body),
        None,
    )


def _report_codes(first: str, report: Mapping[str, Any] | None) -> tuple[str, ...]:
    """``first``, then every other issue code of ``report``, in report order, once each."""
    codes = [first]
    issues = report.get("issues") if isinstance(report, Mapping) else None
    for issue in issues if isinstance(issues, list) else []:
        code = issue.get("code") if isinstance(issue, Mapping) else None
        if isinstance(code, str) and code not in codes:
            codes.append(code)
    return tuple(codes)


def original_destination(message: Message, service: str) -> tuple[str, str]:
    """Where the message was first published, for the record (a replay goes to
    :func:`replay_target`, whatever this says): cjx's headers on cjx's dead letters, else
    ``x-death``."""
    headers = message.headers
    exchange = headers.get(HEADER_ORIGINAL_EXCHANGE)
    routing_key = headers.get(HEADER_ORIGINAL_ROUTING_KEY)
    if exchange is not None and routing_key is not None and made_by(message, service) == "cjx":
        return _text(exchange), _text(routing_key)
    deaths = _deaths(headers)
    # the death in the service's own queue names the exchange and key it was published to
    chosen = next((d for d in deaths if _text(d.get("queue")) == in_queue(service)), None)
    if chosen is None and deaths:
        chosen = deaths[-1]
    if chosen is None:
        return "", ""
    keys = chosen.get("routing-keys")
    key = _text(keys[0]) if isinstance(keys, list) and keys else ""
    return _text(chosen.get("exchange")), key


@dataclass(frozen=True, slots=True)
class Selection:
    """Which dead letters an operation acts on (see the module docstring).

    ``positions`` are 1-based, as :func:`list_dead_letters` numbers the whole queue; ``codes``
    match any issue code of a report; ``types`` the message type. Kinds combine with *and*,
    values of one kind with *or*. ``everything`` selects every dead letter and cannot be
    combined with the others. An empty selection selects nothing.
    """

    positions: frozenset[int] = frozenset()
    codes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    everything: bool = False

    def __post_init__(self) -> None:
        if any(p < 1 for p in self.positions):
            raise ValueError("a position is 1 or more (1 = the head of the queue)")
        if self.everything and not self.empty:
            raise ValueError("everything selects every dead letter: give no other selector")

    @classmethod
    def of(
        cls,
        positions: Collection[int] = (),
        codes: Collection[str] = (),
        types: Collection[str] = (),
        *,
        everything: bool = False,
    ) -> Selection:
        return cls(frozenset(positions), tuple(codes), tuple(types), everything)

    @property
    def empty(self) -> bool:
        """No selector given (``everything`` aside): it selects nothing."""
        return not (self.positions or self.codes or self.types)

    def matches(self, letter: DeadLetter) -> bool:
        if self.everything:
            return True
        if self.empty:
            return False
        if self.positions and letter.position not in self.positions:
            return False
        if self.codes and not set(self.codes) & set(letter.codes):
            return False
        return not (self.types and (letter.message_type or "") not in self.types)


#: Lists every dead letter (``list`` with no selector).
EVERYTHING: Final = Selection(everything=True)


def source_queue(service: str, *, overflow: bool = False) -> str:
    """The queue the tools read: ``<service>.dlq``, or with ``overflow`` its last resort
    ``<service>.dlq-overflow`` (dead letters the dlq refused or ran out of deliveries for)."""
    return overflow_name(service) if overflow else dlq_name(service)


async def _take(
    broker: Broker,
    service: str,
    selection: Selection,
    *,
    overflow: bool,
) -> tuple[list[tuple[DeadLetter, Delivery]], list[Delivery]]:
    """Take the whole queue; the selected ones and everything taken. The caller gives back
    what it does not settle with :func:`_give_back`."""
    queue = source_queue(service, overflow=overflow)
    taken: list[Delivery] = []
    try:
        await _take_all(broker, queue, taken)
    except BaseException:
        await _give_back(taken)
        raise
    selected: list[tuple[DeadLetter, Delivery]] = []
    for n, (described, delivery) in enumerate(_in_order(taken, service), start=1):
        letter = replace(described, position=n)
        if selection.matches(letter):
            selected.append((letter, delivery))
    return selected, taken


_NEVER: Final = datetime.max.replace(tzinfo=UTC)


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return _NEVER  # no time at all: after every dead letter that has one
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _in_order(taken: list[Delivery], service: str) -> list[tuple[DeadLetter, Delivery]]:
    """The dead letters in the order positions number them: oldest failure first, then by
    message id, then by a digest of the body and headers (the broker's ``x-*`` aside). Not the
    queue's order: RabbitMQ applies a batch of nacks to a quorum queue in no fixed order, so
    the queue's order changes with every look, while this one does not."""
    described = [(describe(d, service), d) for d in taken]

    def key(item: tuple[DeadLetter, Delivery]) -> tuple[datetime, str, str]:
        letter, delivery = item
        digest = hashlib.sha256(delivery.message.body)
        # not the broker's x-* headers: x-delivery-count grows with every look
        own = [(k, v) for k, v in delivery.message.headers.items() if not k.startswith("x-")]
        digest.update(repr(sorted(own, key=str)).encode())
        return (_when(letter.failed_at), letter.message_id or "", digest.hexdigest())

    return sorted(described, key=key)


#: How long taking the queue waits for the next message before it carries on with ``get``.
_IDLE_SECONDS: Final = 2.0


async def _take_all(broker: Broker, queue: str, taken: list[Delivery]) -> None:
    """Take every message of ``queue`` into ``taken``, in queue order, unacknowledged.

    A consumer with no prefetch limit streams the messages the queue holds (one ``get`` is a
    round trip per message: 2,000 took about 2 s on loopback); once it has them all (or nothing
    came for :data:`_IDLE_SECONDS`), it is cancelled, and ``get`` takes whatever is left.
    """
    expected = await broker.queue_length(queue)
    if expected > 0:
        progress = asyncio.Event()

        def handle(delivery: Delivery) -> None:
            taken.append(delivery)
            progress.set()

        tag = await broker.consume(queue, handle, prefetch=0)
        try:
            while len(taken) < expected:
                progress.clear()
                try:
                    await asyncio.wait_for(progress.wait(), _IDLE_SECONDS)
                except TimeoutError:
                    break
        finally:
            await broker.cancel(tag)
            await asyncio.sleep(0)  # deliveries that came before the cancel's answer
    while (delivery := await broker.get(queue)) is not None:
        taken.append(delivery)


async def _give_back(deliveries: list[Delivery]) -> None:
    # in order: a quorum queue puts a nacked message at the back, so taking every message and
    # giving them back in order keeps the queue's order
    for delivery in deliveries:
        await delivery.nack(requeue=True)


@dataclass(frozen=True, slots=True)
class Listing:
    """What :func:`list_dead_letters` found: the selected dead letters (the first ``limit`` of
    them), how many were selected in all, per error code how many of those have it (any issue
    of the report; most first), and how many dead letters the queue held."""

    letters: list[DeadLetter]
    selected: int
    counts: dict[str, int]
    total: int


def _counts(letters: list[DeadLetter]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for letter in letters:
        for code in letter.codes:
            counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


async def list_dead_letters(
    broker: Broker,
    service: str,
    selection: Selection = EVERYTHING,
    *,
    limit: int | None = None,
    overflow: bool = False,
) -> Listing:
    """Describe the selected dead letters, at most ``limit`` of them; all are returned to the
    queue, in order."""
    if limit is not None and limit < 0:
        raise ValueError("limit must be 0 or more")
    selected, taken = await _take(broker, service, selection, overflow=overflow)
    await _give_back(taken)
    letters = [letter for letter, _ in selected]
    shown = letters if limit is None else letters[:limit]
    return Listing(shown, len(letters), _counts(letters), len(taken))


async def show(
    broker: Broker, service: str, position: int, *, overflow: bool = False
) -> tuple[DeadLetter, Message] | None:
    """One dead letter with its message (body included, for an operator who may see it)."""
    if position < 1:
        return None
    selected, taken = await _take(broker, service, Selection.of([position]), overflow=overflow)
    await _give_back(taken)
    if not selected:
        return None
    letter, delivery = selected[0]
    return letter, delivery.message


def replay_target(service: str, *, partitioned: bool = False) -> tuple[str, str]:
    """Where every replay of ``service``'s dead letters goes: its own input queue, through the
    default exchange; for a partitioned service, its partition route (``<service>.route``,
    key ``<service>.in``), which picks the partition. Never an exchange or key a dead letter
    names."""
    if partitioned:
        return partition_route(service), in_queue(service)
    return "", in_queue(service)


def replay_message(
    message: Message, service: str, now: datetime | None = None, *, overflow: bool = False
) -> Message:
    """The message as replayed: the original bytes and properties, with an audit trail.

    Every ``cjx-*`` and ``x-*`` header goes (a broker's dead letter carries the sender's), and so
    does any header the client could not decode; where it was first published comes from
    :func:`original_destination`.
    """
    exchange, routing_key = original_destination(message, service)
    headers = {
        k: v
        for k, v in message.headers.items()
        if not k.lower().startswith(("cjx-", "x-")) and not isinstance(v, Undecodable)
    }
    headers[HEADER_ORIGINAL_EXCHANGE] = exchange
    headers[HEADER_ORIGINAL_ROUTING_KEY] = routing_key
    headers[HEADER_REPLAYED_AT] = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
    headers[HEADER_REPLAYED_FROM] = source_queue(service, overflow=overflow)
    return replace(message, headers=headers, persistent=True)


Action = Callable[[Delivery], Awaitable[None]]


async def _act(
    broker: Broker,
    service: str,
    action: Action,
    selection: Selection,
    *,
    dry_run: bool,
    overflow: bool,
    expected: list[DeadLetter] | None = None,
) -> list[DeadLetter]:
    """Run ``action`` on each selected dead letter, then acknowledge it (removing it).

    Everything else, and everything after a failure, goes back to the queue in order. With
    ``expected`` (what a dry run found and a person confirmed), nothing is done unless the
    selection finds exactly those dead letters again (:class:`Changed` otherwise).
    """
    done: list[DeadLetter] = []
    settled: set[int] = set()  # id() of each delivery acted on
    selected, taken = await _take(broker, service, selection, overflow=overflow)
    try:
        if dry_run:
            return [letter for letter, _ in selected]
        if expected is not None and [_identity(x) for x, _ in selected] != [
            _identity(x) for x in expected
        ]:
            raise Changed(
                f"the dead letters {selection_text(selection)} of {service} changed since they "
                "were listed for confirmation; nothing was done (list them again)"
            )
        for letter, delivery in selected:
            await action(delivery)
            settled.add(id(delivery))
            if not await delivery.ack():
                raise TransportError(
                    f"the dead letter at position {letter.position} was acted on but could not "
                    "be removed (the connection was lost): it is still in the dlq; the ones "
                    f"before it ({len(done)}) are done"
                )
            done.append(letter)
    finally:
        await _give_back([d for d in taken if id(d) not in settled])
    return done


class Changed(TransportError):
    """The selected dead letters are not the ones confirmed: nothing was done."""


def _identity(letter: DeadLetter) -> tuple[Any, ...]:
    return (letter.position, letter.message_id, letter.code, letter.failed_at, letter.size)


def selection_text(selection: Selection) -> str:
    """The selection in the CLI's words, for messages."""
    if selection.everything:
        return "(all)"
    parts = [f"--position {p}" for p in sorted(selection.positions)]
    parts += [f"--code {c}" for c in selection.codes]
    parts += [f"--type {t}" for t in selection.types]
    return "(" + " ".join(parts) + ")"


async def replay(
    broker: Broker,
    service: str,
    selection: Selection,
    *,
    dry_run: bool = False,
    overflow: bool = False,
    partitioned: bool = False,
) -> list[DeadLetter]:
    """Republish the selected dead letters to the service's own input queue
    (:func:`replay_target`); each is removed once its replay is confirmed. A partitioned
    service's replay keeps the dead letter's ``cjx-ordering-key`` (when well formed), so it
    goes back to its person's partition."""

    exchange, routing_key = replay_target(service, partitioned=partitioned)

    async def republish(delivery: Delivery) -> None:
        message = replay_message(delivery.message, service, overflow=overflow)
        key = delivery.message.headers.get(HEADER_ORDERING_KEY)
        if partitioned and isinstance(key, str) and KEY_FORM.fullmatch(key):
            message = replace(message, headers={**message.headers, HEADER_ORDERING_KEY: key})
        await broker.publish(exchange, routing_key, message)

    return await _act(broker, service, republish, selection, dry_run=dry_run, overflow=overflow)


async def purge(
    broker: Broker,
    service: str,
    selection: Selection,
    *,
    dry_run: bool = False,
    overflow: bool = False,
    expected: list[DeadLetter] | None = None,
) -> list[DeadLetter]:
    """Remove the selected dead letters for good (``Selection(everything=True)``: all). With
    ``expected``, only if the selection finds exactly those (:class:`Changed` otherwise)."""

    async def nothing(_: Delivery) -> None:
        return None

    return await _act(
        broker,
        service,
        nothing,
        selection,
        dry_run=dry_run,
        overflow=overflow,
        expected=expected,
    )


async def export(
    broker: Broker,
    service: str,
    selection: Selection,
    out_dir: Path,
    *,
    force: bool = False,
    overflow: bool = False,
) -> list[tuple[DeadLetter, Path, Path]]:
    """Write each selected dead letter's original bytes to ``out_dir/bodies/<NNNN>.<ext>`` and
    its description and report to ``out_dir/reports/<NNNN>.json`` (NNNN = its position);
    nothing is removed from the queue. Files are written as every cjx output (private, no
    symlink followed, nothing overwritten without ``force``: :mod:`cjx._files`). File names
    never come from a header: a sender chooses those.

    The fix-and-resubmit path: correct a body, then ``cjx publish --format F out_dir/bodies``.
    """
    written: list[tuple[DeadLetter, Path, Path]] = []
    selected, taken = await _take(broker, service, selection, overflow=overflow)
    try:
        if not selected:
            return written
        bodies = make_directory(out_dir, "bodies")
        reports = make_directory(out_dir, "reports")
        for letter, delivery in selected:
            message = delivery.message
            stem = f"{letter.position:04d}"
            body_path = bodies / f"{stem}{_extension(message.content_type, message.body)}"
            report_path = reports / f"{stem}.json"
            document = letter.as_dict()
            document["content_type"] = message.content_type
            document["body_file"] = f"bodies/{body_path.name}"
            write_file(body_path, message.body, force=force)
            text = json.dumps(document, indent=2, default=str) + "\n"
            write_file(report_path, text.encode(), force=force)
            written.append((letter, body_path, report_path))
    finally:
        await _give_back(taken)
    return written


def _extension(content_type: str | None, body: bytes) -> str:
    kind = (content_type or "").lower()
    start = body.lstrip()[:1]
    if "json" in kind or (not kind and start in (b"{", b"[")):
        return ".json"
    if "xml" in kind or (not kind and start == b"<"):
        return ".xml"
    return ".bin"
