"""RabbitMQ through aio-pika: the only module in cjx that imports aio-pika, aiormq or pamqp
(with :mod:`cjx.transport._amqp_decode`, its tolerant header decoder).

:class:`AmqpBroker` keeps every rule of the :class:`~cjx.transport.Broker` protocol
(``_base.py``). How it keeps them:

* **Connection management is its own.** A plain ``aio_pika.connect`` connection (not a
  ``RobustConnection``: that one does not bring consumers back and its restore is hard to observe)
  is watched by a supervisor task. Close callbacks of the connection and of every consumer channel
  wake it; it reconnects with tenacity (exponential backoff with jitter, capped at
  ``reconnect_max_wait``, forever until :meth:`~AmqpBroker.close`), declares again every topology
  given to :meth:`~AmqpBroker.declare` and re-registers every consumer with the same handler,
  prefetch and tag. :meth:`~AmqpBroker.connect` itself gives up after ``connect_timeout``.
* **One channel per failure domain.** RabbitMQ closes a channel on any channel-level error
  (``PRECONDITION_FAILED``, ``NOT_FOUND``), failing everything in flight on it. Publishes have a
  channel of their own (publisher confirms on, returns raised), declarations and passive checks
  another, ``basic.get`` a third, and each consumer its own (so its prefetch is its own). A closed
  channel is reopened on next use; a closed consumer channel is reopened by the supervisor.
* **Publishing.** ``publish`` returns once the broker confirmed; a returned mandatory message
  raises :class:`Unroutable`, a nack :class:`PublishRejected` (and retires the publish channel:
  RabbitMQ 3.10 can go on nacking one channel's publishes to a quorum queue after a cluster node
  is lost; see ``_replace_after_nack``). A nacked publish with an ordering key
  (``cjx-ordering-key``) is first sent again on the new channel, ahead of its key's later
  publishes, for up to ``_REPLAY_SECONDS``. A semaphore of ``confirm_window``
  bounds the publishes in flight; many run at once. While the connection is down a publish waits
  for the reconnect, bounded by ``publish_timeout``. Exchanges not declared through this broker are
  checked passively first (once per connection), so a typo fails that call, not the publish
  channel; a content header larger than the negotiated frame size is refused before it is sent,
  because RabbitMQ answers it by closing the whole connection.
* **Consuming.** The handler is called synchronously as the first step of the task aiormq starts
  per delivery; asyncio starts tasks first-in first-out, so handlers see deliveries in order.
  A delivery remembers its channel: settling it after that channel closed returns ``False``
  (RabbitMQ redelivers it) and never raises.
* **Errors.** Every foreign exception (aio-pika, aiormq, pamqp, ``OSError``) becomes a
  :class:`~cjx.errors.TransportError` at this boundary, chained with ``from``. No message, log
  line or repr carries the password: the broker names itself by :func:`redact_url`.

aiormq correlates a returned message with its publish by ``message_id``. A message without one
is sent with ``cjx.no-message-id.<random>`` (aiormq would otherwise invent a random id the
consumer could not tell from a real one), read back as ``None``; publishes sharing a
``message_id`` are sent one after another, never overlapping, so a return cannot be matched to
the wrong publish.

**A message the client cannot decode does not take the connection down.** Importing this module
installs :mod:`cjx.transport._amqp_decode` into pamqp: a header nested too deep or a timestamp out
of range is delivered as :class:`~cjx.transport.Undecodable` instead of killing aiormq's reader
(the security review's finding 4), so the service dead-letters the message like any other.

Header tables are converted both ways: ``bytes`` travel as an AMQP byte array, mappings as tables,
lists and tuples as arrays, ``datetime`` as a timestamp (whole seconds, UTC), ``float`` as pamqp's
32-bit float (read back as the shortest decimal with the same 32 bits). Incoming values are plain
Python: byte arrays become ``bytes``, tables ``dict`` with ``str`` keys (``x-death`` is a list of
them), arrays ``list``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import decimal
import logging
import re
import ssl
import struct
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

import aio_pika
import aio_pika.abc
import aiormq
import aiormq.abc
import pamqp.exceptions
import pamqp.frame
from aiormq.exceptions import (
    AMQPError,
    AuthenticationError,
    ChannelInvalidStateError,
    ChannelNotFoundEntity,
    DeliveryError,
    InvalidFrameError,
    ProbableAuthenticationError,
    PublishError,
)
from pamqp import commands as spec
from pamqp.header import ContentHeader
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    wait_exponential_jitter,
)
from yarl import URL

from cjx.errors import ConfigurationError, TransportError
from cjx.transport import _amqp_decode, redact_url
from cjx.transport._base import (
    DEFAULT_CONFIRM_WINDOW,
    Delivery,
    Handler,
    Message,
    PublishRejected,
    Topology,
    Unroutable,
)

__all__ = [
    "split_urls",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_HEARTBEAT",
    "DEFAULT_PUBLISH_TIMEOUT",
    "DEFAULT_RECONNECT_MAX_WAIT",
    "AmqpBroker",
]

_log = logging.getLogger("cjx.transport.amqp")

#: Seconds between heartbeats. aiormq gives up on a silent peer after about three intervals, so a
#: dead connection is noticed in under a minute instead of the three of RabbitMQ's 60 s default.
DEFAULT_HEARTBEAT = 15
#: The cap of the reconnect backoff: a broker back from a restart is found within half a minute,
#: without a fleet of services hammering it while it boots.
DEFAULT_RECONNECT_MAX_WAIT = 30.0
#: How long a publish (and any other call) waits for a connection and the broker's answer: long
#: enough to ride out a broker restart, short enough that the caller sees an outage as an error.
DEFAULT_PUBLISH_TIMEOUT = 30.0
#: How long :meth:`AmqpBroker.connect` keeps trying before it raises TransportError.
DEFAULT_CONNECT_TIMEOUT = 30.0

#: One connection attempt (TCP, TLS, AMQP handshake, channel, topology) must finish within this.
_ATTEMPT_TIMEOUT = 30.0
#: First reconnect backoff step (doubling up to the cap) and its random spread.
_BACKOFF_MULTIPLIER = 0.2
_BACKOFF_JITTER = 1.0
#: Pause before taking a fresh channel after one closed under a request.
_RETRY_PAUSE = 0.05
#: An ack or nack is one frame to the socket; longer than this means the connection is gone.
_SETTLE_TIMEOUT = 10.0
#: Cancelling consumers and closing the connection in close() must not hang on a dead peer.
_CLOSE_TIMEOUT = 5.0
#: basic.qos prefetch_count is an AMQP short; 0 means no limit.
_PREFETCH_MAX = 65535
#: ``connection_name`` client property: how these connections show up in ``rabbitmqctl``.
_CONNECTION_NAME = "cjx"

_PUBLISH = "publish"
#: A nacked publish replaces the publish channel at most this often (see _replace_after_nack).
_NACK_REPLACE_SECONDS = 1.0
#: How long a refused publish with an ordering key is sent again, each time on a new channel
#: (RabbitMQ repairs a stale queue leader record at its next tick, about 5 s).
_REPLAY_SECONDS = 15.0
#: The header that names a message's ordering key (cjx.service sets it on what it publishes).
_ORDERING_KEY = "cjx-ordering-key"
_ADMIN = "admin"
_GET = "get"

#: Foreign exceptions translated to TransportError (TimeoutError is an OSError).
_FOREIGN: tuple[type[BaseException], ...] = (
    AMQPError,
    OSError,
    RuntimeError,  # aiormq's ChannelInvalidStateError and aio-pika's "not opened" errors
    pamqp.exceptions.PAMQPException,
    ValueError,  # pamqp marshalling and aiormq's routing-key check
    TypeError,
)

_T = TypeVar("_T")

_amqp_decode.install()


# --- the broker ---------------------------------------------------------------------------------


def split_urls(url: str) -> list[str]:
    """The node URLs of a cluster given as one string: ``amqp://a:5672/,amqp://b:5672/``
    (split only at a comma before ``amqp://`` or ``amqps://``, so a password may hold one)."""
    return [part.strip() for part in re.split(r",\s*(?=amqps?://)", url.strip())]


@dataclass(eq=False)
class _Slot:
    """One consumer channel: where a consumer's deliveries came from, and how many are unsettled."""

    consumer: _Consumer
    channel: aio_pika.abc.AbstractChannel
    underlay: aiormq.abc.AbstractChannel
    consuming: bool = False
    unsettled: int = 0
    retired: bool = False
    on_idle: Callable[[_Slot], None] | None = None

    def settled(self) -> None:
        self.unsettled -= 1
        if self.retired and self.unsettled <= 0 and self.on_idle is not None:
            self.on_idle(self)


@dataclass(eq=False)
class _Consumer:
    tag: str
    queue: str
    handler: Handler
    prefetch: int
    slot: _Slot | None = None
    cancelled: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def active(self) -> bool:
        return self.slot is not None and self.slot.consuming and not self.slot.channel.is_closed


class AmqpBroker:
    """A :class:`~cjx.transport.Broker` on RabbitMQ (``amqp://`` or ``amqps://``).

    ``amqps://`` verifies the server certificate against the system store by default; aiormq reads
    ``cafile``, ``certfile``, ``keyfile`` and ``no_verify_ssl`` from the URL's query. A
    ``heartbeat`` in the URL's query wins over the ``heartbeat`` argument.

    A cluster is given as its nodes' URLs separated by commas (``amqp://a:5672/,amqp://b:5672/``):
    every connection attempt, at start and after a lost connection, goes to the next node in
    turn, with the tenacity backoff between attempts, so a service fails over to a live node.
    """

    def __init__(
        self,
        url: str,
        *,
        confirm_window: int = DEFAULT_CONFIRM_WINDOW,
        heartbeat: int = DEFAULT_HEARTBEAT,
        reconnect_max_wait: float = DEFAULT_RECONNECT_MAX_WAIT,
        publish_timeout: float = DEFAULT_PUBLISH_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        urls = split_urls(url)
        self._name = ", ".join(redact_url(u) for u in urls)
        secrets: set[str] = set()
        self._urls: list[URL] = []
        for one in urls:
            try:
                parts = urlsplit(one)
            except ValueError as exc:
                raise ConfigurationError(
                    f"broker URL {redact_url(one)!r} cannot be parsed"
                ) from exc
            if parts.scheme.lower() not in ("amqp", "amqps"):
                raise ConfigurationError(
                    f"broker URL {redact_url(one)!r} must start with amqp:// or amqps://"
                )
            # the password, or a token given as the whole userinfo (``amqp://TOKEN@host/``)
            secret = parts.password if parts.password is not None else parts.username
            secrets |= {s for s in {secret or "", unquote(secret or "")} if s}
            target = URL(one)
            if "heartbeat" not in target.query:
                target = target.update_query(heartbeat=str(heartbeat))
            self._urls.append(target)
        self._secrets = tuple(secrets)
        #: the node the next connection attempt goes to (each attempt takes the next one)
        self._next_url = 0
        if confirm_window < 1:
            raise ConfigurationError("confirm_window must be at least 1")
        if heartbeat < 0 or reconnect_max_wait <= 0 or publish_timeout <= 0 or connect_timeout <= 0:
            raise ConfigurationError(
                "heartbeat must be >= 0 and reconnect_max_wait, publish_timeout and "
                "connect_timeout > 0"
            )
        self._confirm_window = confirm_window
        self._reconnect_max_wait = reconnect_max_wait
        self._timeout = publish_timeout
        self._connect_timeout = connect_timeout

        self._window = asyncio.Semaphore(confirm_window)
        self._unconfirmed = 0
        self._publishing_ids: dict[str, asyncio.Event] = {}

        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._channels: dict[str, aio_pika.abc.AbstractChannel] = {}
        self._publish_replaced = float("-inf")  # when a nack last replaced the publish channel
        #: a nacked publish channel not yet replaced (a nack came within the interval)
        self._refused: aio_pika.abc.AbstractChannel | None = None
        #: publishes under way on each publish channel (sent or waiting to be, not confirmed)
        self._publishing_on: dict[aio_pika.abc.AbstractChannel, int] = {}
        #: publishes under way by ordering key, in the order they began: the channel each was
        #: sent on, or None while it waits to be sent (again, after a nack)
        self._keyed: dict[str, dict[int, aio_pika.abc.AbstractChannel | None]] = {}
        self._keyed_seq = 0
        self._keyed_moved = asyncio.Event()
        self._channel_lock = asyncio.Lock()
        self._exchange_lock = asyncio.Lock()
        self._known_exchanges: set[str] = set()
        self._connected = asyncio.Event()
        self._wake = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

        self._topologies: list[Topology] = []
        self._consumers: dict[str, _Consumer] = {}
        self._deleting: set[str] = set()
        self._unsettled: dict[_AmqpDelivery, None] = {}

    # --- the protocol ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def ready(self) -> bool:
        return (
            not self._closed
            and self._is_connected()
            and all(consumer.active for consumer in self._consumers.values())
        )

    @property
    def unconfirmed(self) -> int:
        """Publishes holding a place in the confirm window now (never more than the window)."""
        return self._unconfirmed

    @property
    def confirm_window(self) -> int:
        return self._confirm_window

    def __repr__(self) -> str:
        return f"<AmqpBroker {self._name} ready={self.ready}>"

    async def connect(self) -> None:
        self._check_open()
        if self._supervisor is not None:
            return
        last: list[BaseException] = []

        def remember(state: RetryCallState) -> None:
            if state.outcome is not None and (exc := state.outcome.exception()) is not None:
                last[:] = [exc]
                _log.warning(
                    "connecting to %s failed (%s); trying again", self._name, self._describe(exc)
                )

        try:
            async with asyncio.timeout(self._connect_timeout):
                async for attempt in AsyncRetrying(
                    wait=self._backoff(),
                    retry=retry_if_exception(lambda e: not self._closed and _worth_retrying(e)),
                    before_sleep=remember,
                    reraise=True,
                ):
                    with attempt:
                        await asyncio.wait_for(self._establish(), _ATTEMPT_TIMEOUT)
        except TimeoutError as exc:
            cause = last[0] if last else exc
            raise TransportError(
                f"could not connect to {self._name} within {self._connect_timeout:g} s: "
                f"{self._describe(cause)}"
            ) from cause
        except _FOREIGN as exc:
            raise TransportError(
                f"could not connect to {self._name}: {self._describe(exc)}"
            ) from exc
        _log.info("connected to %s", self._name)
        self._supervisor = asyncio.create_task(self._supervise(), name=f"cjx-amqp {self._name}")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._connected.set()  # wakes every waiter; each sees _closed and raises
        self._wake.set()
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        consumers = list(self._consumers.values())
        self._consumers.clear()
        for consumer in consumers:
            consumer.cancelled = True
        await asyncio.gather(
            *(self._cancel_on_broker(c) for c in consumers), return_exceptions=True
        )
        connection, self._connection = self._connection, None
        self._channels.clear()
        self._unsettled.clear()
        if connection is not None:
            await self._dispose(connection)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        _log.info("closed the connection to %s", self._name)

    async def declare(self, topology: Topology) -> None:
        # idempotent: declared again on a new connection when the one it went out on is lost
        await self._call(
            "declare topology", _ADMIN, partial(_declare, topology=topology), idempotent=True
        )
        self._topologies.append(topology)
        self._known_exchanges.update(e.name for e in topology.exchanges)

    async def publish(
        self, exchange: str, routing_key: str, message: Message, *, mandatory: bool = True
    ) -> None:
        self._check_started()
        properties = _properties(message)
        message_id = message.message_id
        try:
            async with asyncio.timeout(self._timeout):
                # publishes sharing a message_id go one at a time (aiormq matches returns by it);
                # written out rather than as an async context manager: it runs for every publish
                turn: asyncio.Event | None = None
                if message_id:
                    while (busy := self._publishing_ids.get(message_id)) is not None:
                        await busy.wait()
                    turn = self._publishing_ids[message_id] = asyncio.Event()
                try:
                    async with self._window:
                        self._unconfirmed += 1
                        try:
                            key = message.headers.get(_ORDERING_KEY)
                            await self._publish(
                                exchange,
                                routing_key,
                                message.body,
                                properties,
                                mandatory,
                                key=key if isinstance(key, str) and key else None,
                            )
                        finally:
                            self._unconfirmed -= 1
                finally:
                    if turn is not None:
                        assert message_id is not None
                        if self._publishing_ids.get(message_id) is turn:
                            del self._publishing_ids[message_id]
                        turn.set()
        except TransportError:
            raise
        except TimeoutError as exc:
            raise TransportError(
                f"publish to {exchange!r} with key {routing_key!r}: no confirm from "
                f"{self._name} within {self._timeout:g} s"
            ) from exc

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> str:
        if not 0 <= prefetch <= _PREFETCH_MAX:
            raise ConfigurationError(f"prefetch must be between 0 and {_PREFETCH_MAX}")
        self._check_started()
        consumer = _Consumer(f"cjx.{uuid.uuid4().hex}", queue, handler, prefetch)
        try:
            async with asyncio.timeout(self._timeout):
                while True:
                    try:
                        await self._register(consumer)
                        break
                    except ChannelInvalidStateError:
                        await asyncio.sleep(_RETRY_PAUSE)
        except TransportError:
            raise
        except TimeoutError as exc:
            raise TransportError(
                f"consume from {queue!r}: no answer from {self._name} within {self._timeout:g} s"
            ) from exc
        except _FOREIGN as exc:
            raise self._error(f"consume from {queue!r}", exc) from exc
        self._consumers[consumer.tag] = consumer
        return consumer.tag

    async def cancel(self, consumer_tag: str) -> None:
        consumer = self._consumers.pop(consumer_tag, None)
        if consumer is None:
            return
        async with consumer.lock:
            consumer.cancelled = True
            await self._cancel_on_broker(consumer)

    async def release(self, consumer_tag: str) -> None:
        """Stop a consumer by closing its channel: its unsettled deliveries go back to the head
        of the queue, in order (settling them afterwards returns ``False``), and on a queue with
        ``x-single-active-consumer`` the next waiting consumer takes over."""
        consumer = self._consumers.pop(consumer_tag, None)
        if consumer is None:
            return
        async with consumer.lock:
            consumer.cancelled = True
            slot = consumer.slot
            if slot is None:
                return
            slot.consuming = False
            slot.retired = True
            await self._close_channel(slot.channel)

    async def consumer_count(self, queue: str) -> int:
        """Consumers of the queue; of a single-active-consumer quorum queue RabbitMQ 3.10
        counts only the active one."""
        ok = await self._call(
            f"consumers of {queue!r}", _ADMIN, lambda ch: ch.queue_declare(queue, passive=True)
        )
        return ok.consumer_count or 0

    async def get(self, queue: str) -> Delivery | None:
        raw = await self._call(
            f"get from {queue!r}", _GET, lambda ch: ch.basic_get(queue, no_ack=False)
        )
        if not isinstance(raw.delivery, spec.Basic.GetOk):
            return None
        return _AmqpDelivery(raw, queue=queue, slot=None, registry=self._unsettled)

    async def exchange_exists(self, exchange: str) -> bool:
        if exchange == "":
            return True

        async def passive(ch: aiormq.abc.AbstractChannel) -> bool:
            try:
                await ch.exchange_declare(exchange, passive=True)
            except aiormq.exceptions.ChannelNotFoundEntity:
                return False
            return True

        return await self._call(f"look for exchange {exchange!r}", _ADMIN, passive)

    async def delete_exchange(self, exchange: str) -> None:
        if exchange == "" or exchange.startswith("amq."):
            raise TransportError(f"exchange name {exchange!r} is reserved (403 ACCESS_REFUSED)")
        await self._call(
            f"delete exchange {exchange!r}",
            _ADMIN,
            lambda ch: ch.exchange_delete(exchange, if_unused=False),
        )
        self._known_exchanges.discard(exchange)
        self._topologies = [
            Topology(
                tuple(e for e in t.exchanges if e.name != exchange),
                t.queues,
                tuple(b for b in t.bindings if b.exchange != exchange),
            )
            for t in self._topologies
        ]

    async def queue_length(self, queue: str) -> int:
        ok = await self._call(
            f"length of {queue!r}", _ADMIN, lambda ch: ch.queue_declare(queue, passive=True)
        )
        return ok.message_count or 0

    async def purge(self, queue: str) -> int:
        ok = await self._call(f"purge {queue!r}", _ADMIN, lambda ch: ch.queue_purge(queue))
        return ok.message_count or 0

    async def delete_queue(self, queue: str) -> None:
        # if_unused=False, if_empty=False: either flag (both on in aio-pika's Queue.delete) on a
        # quorum queue makes RabbitMQ 3.10 close the whole connection (540 NOT_IMPLEMENTED)
        self._deleting.add(queue)
        try:
            await self._call(
                f"delete {queue!r}",
                _ADMIN,
                lambda ch: ch.queue_delete(queue, if_unused=False, if_empty=False),
            )
        finally:
            self._deleting.discard(queue)
        for delivery in [d for d in self._unsettled if d.queue == queue]:
            delivery._gone = True
        for consumer in [c for c in self._consumers.values() if c.queue == queue]:
            # RabbitMQ cancelled them with the queue; their deliveries stay theirs to settle
            del self._consumers[consumer.tag]
            consumer.cancelled = True
            if consumer.slot is not None:
                consumer.slot.consuming = False
                self._retire(consumer.slot)
        self._topologies = [_without_queue(t, queue) for t in self._topologies]

    # --- connection and supervisor --------------------------------------------------------------

    def _is_connected(self) -> bool:
        connection = self._connection
        return connection is not None and self._connected.is_set() and _alive(connection)

    async def _establish(self) -> None:
        """Open a connection, declare every topology on it, and make it the current one."""
        target = self._urls[self._next_url % len(self._urls)]
        self._next_url += 1  # a failed node is not tried twice in a row
        connection = await aio_pika.connect(
            target,
            timeout=_ATTEMPT_TIMEOUT,
            client_properties={"connection_name": _CONNECTION_NAME},
        )
        try:
            connection.close_callbacks.add(self._on_connection_closed)
            admin = await _open_channel(connection, confirms=False)
            underlay = await admin.get_underlay_channel()
            for topology in list(self._topologies):
                await _declare(underlay, topology=topology)
            if not _alive(connection):
                raise TransportError(f"the connection to {self._name} closed while opening")
        except BaseException:
            await self._dispose(connection)
            raise
        if self._closed:  # close() ran meanwhile
            await self._dispose(connection)
            raise TransportError(f"the broker for {self._name} is closed")
        self._connection = connection
        self._channels = {_ADMIN: admin}
        self._known_exchanges = {e.name for t in self._topologies for e in t.exchanges}
        self._connected.set()

    def _on_connection_closed(
        self, sender: aio_pika.abc.AbstractConnection | None, exc: BaseException | None
    ) -> None:
        if self._closed or sender is not self._connection:
            return
        self._connected.clear()
        _log.warning(
            "lost the connection to %s (%s); reconnecting",
            self._name,
            self._describe(exc) if exc is not None else "closed",
        )
        self._wake.set()

    async def _supervise(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            try:
                await self._repair()
            except Exception:  # pragma: no cover - _repair retries every Exception
                _log.exception("the supervisor of %s failed; trying again", self._name)
                self._wake.set()
                await asyncio.sleep(self._reconnect_max_wait)

    async def _repair(self) -> None:
        """Reconnect if needed and re-register every consumer that is missing, retrying forever."""

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            _log.warning(
                "restoring %s failed (%s); next attempt in %.1f s",
                self._name,
                self._describe(exc) if exc is not None else "?",
                delay,
            )

        async for attempt in AsyncRetrying(
            wait=self._backoff(),
            retry=retry_if_exception_type(Exception),
            before_sleep=before_sleep,
        ):
            with attempt:
                if self._closed:
                    return
                if not self._is_connected():
                    self._connected.clear()
                    old, self._connection = self._connection, None
                    self._channels = {}
                    if old is not None:
                        await self._dispose(old)
                    await asyncio.wait_for(self._establish(), _ATTEMPT_TIMEOUT)
                    _log.warning(
                        "reconnected to %s; declared %d topologies again",
                        self._name,
                        len(self._topologies),
                    )
                restored = 0
                for consumer in list(self._consumers.values()):
                    if not consumer.active:
                        await self._register(consumer)
                        restored += 1
                if restored:
                    _log.warning("re-registered %d consumer(s) on %s", restored, self._name)

    def _backoff(self) -> wait_exponential_jitter:
        return wait_exponential_jitter(
            multiplier=_BACKOFF_MULTIPLIER, max=self._reconnect_max_wait, jitter=_BACKOFF_JITTER
        )

    async def _dispose(self, connection: aio_pika.abc.AbstractConnection) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.close(), _CLOSE_TIMEOUT)

    # --- channels -------------------------------------------------------------------------------

    async def _wait_connected(self) -> aio_pika.abc.AbstractConnection:
        while True:
            self._check_open()
            if self._is_connected():
                assert self._connection is not None
                return self._connection
            if self._connected.is_set():  # connection died, callback not run yet
                await asyncio.sleep(_RETRY_PAUSE)
            else:
                await self._connected.wait()

    async def _channel(self, role: str) -> aiormq.abc.AbstractChannel:
        """The open channel for ``role`` on the current connection, waiting for one if need be."""
        while True:
            connection = await self._wait_connected()
            channel = self._channels.get(role)
            if channel is not None and not channel.is_closed:
                return await channel.get_underlay_channel()
            async with self._channel_lock:
                if self._channels.get(role) is not channel or connection is not self._connection:
                    continue
                try:
                    channel = await _open_channel(connection, confirms=role == _PUBLISH)
                except _FOREIGN:
                    if _alive(connection):
                        raise
                    await asyncio.sleep(_RETRY_PAUSE)  # the supervisor takes over
                    continue
                self._channels[role] = channel

    def _replace_after_nack(self, nacked: aio_pika.abc.AbstractChannel | None) -> None:
        """Publish on a new channel from now on; close ``nacked`` once its publishes are done.

        RabbitMQ 3.10 can poison a publish channel for a quorum queue after a cluster node is
        lost: a channel's first publish to the queue asks the node that the queue's record
        names as leader, and while that record still names the lost node (a new leader repairs
        it within seconds) the publish is nacked, and so is every later one on that channel,
        for as long as the node is down, though a new channel is served. So a nacked publish
        retires its channel: the next publish opens a fresh one. A nack that means what it says
        (a full queue with the reject-publish overflow) is nacked on the new channel too, so the
        channel is replaced at most once per :data:`_NACK_REPLACE_SECONDS`; a channel nacked
        sooner is replaced by the first publish after the interval (:meth:`_retire_refused`).
        """
        channel = self._channels.get(_PUBLISH)
        if channel is None or channel is not nacked or self._closed:
            return  # replaced or closed meanwhile: the next publish opens a new one anyway
        if time.monotonic() - self._publish_replaced < _NACK_REPLACE_SECONDS:
            self._refused = channel
            return
        self._retire_publish_channel(channel)

    def _retire_refused(self) -> None:
        """Replace a publish channel nacked within the interval, once the interval is over."""
        refused = self._refused
        if refused is None:
            return
        if self._channels.get(_PUBLISH) is not refused:
            self._refused = None  # gone already (closed, or a reconnect)
        elif time.monotonic() - self._publish_replaced >= _NACK_REPLACE_SECONDS:
            self._retire_publish_channel(refused)

    def _retire_publish_channel(self, channel: aio_pika.abc.AbstractChannel) -> None:
        self._refused = None
        self._publish_replaced = time.monotonic()
        del self._channels[_PUBLISH]
        _log.warning(
            "%s nacked a publish; publishing on a new channel (RabbitMQ keeps refusing a "
            "channel whose first publish to a quorum queue met a lost node)",
            self._name,
        )
        task = asyncio.get_running_loop().create_task(self._close_when_done(channel))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _close_when_done(self, channel: aio_pika.abc.AbstractChannel) -> None:
        """Close a retired publish channel once no publish is under way on it (closing it
        earlier would fail them), within the publish timeout (each publish on it began before
        it was retired, so each has met its own timeout by then)."""
        deadline = time.monotonic() + self._timeout
        while (
            self._publishing_on.get(channel, 0) > 0
            and not channel.is_closed
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.05)
        await self._close_channel(channel)

    def _forget_channel(self, role: str, underlay: aiormq.abc.AbstractChannel) -> None:
        channel = self._channels.get(role)
        if channel is not None and (channel.is_closed or underlay.is_closed):
            del self._channels[role]

    async def _call(
        self,
        what: str,
        role: str,
        operation: Callable[[aiormq.abc.AbstractChannel], Awaitable[_T]],
        *,
        idempotent: bool = False,
    ) -> _T:
        """Run one request on the ``role`` channel, translating every failure to TransportError.

        An ``idempotent`` request whose connection is lost under it (the broker closed it, a
        node went down) is made again on the next connection, within the same timeout; any
        other failure, and every failure of a request that is not idempotent, is raised."""
        self._check_started()
        try:
            async with asyncio.timeout(self._timeout):
                while True:
                    underlay = await self._channel(role)
                    connection = self._connection
                    try:
                        return await operation(underlay)
                    except ChannelInvalidStateError:
                        # the channel closed before the request went out: take a fresh one
                        self._forget_channel(role, underlay)
                        await asyncio.sleep(_RETRY_PAUSE)
                    except asyncio.CancelledError as exc:
                        self._raise_if_cancelled()
                        if not (idempotent and connection is not None and not _alive(connection)):
                            raise self._error(what, exc) from exc
                        self._forget_channel(role, underlay)
                        await asyncio.sleep(_RETRY_PAUSE)  # the supervisor reconnects
                    except _FOREIGN:
                        if not (idempotent and connection is not None and not _alive(connection)):
                            raise
                        self._forget_channel(role, underlay)
                        await asyncio.sleep(_RETRY_PAUSE)  # the supervisor reconnects
        except TransportError:
            raise
        except TimeoutError as exc:
            raise TransportError(
                f"{what}: no answer from {self._name} within {self._timeout:g} s"
            ) from exc
        except _FOREIGN as exc:
            raise self._error(what, exc) from exc

    # --- publishing -----------------------------------------------------------------------------

    async def _publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: spec.Basic.Properties,
        mandatory: bool,
        *,
        key: str | None = None,
    ) -> None:
        """Send one publish and wait for its confirm.

        A publish with an ordering ``key`` that the broker nacks is sent again on a new channel
        (see :meth:`_replace_after_nack`) for up to :data:`_REPLAY_SECONDS`, and the key's
        later publishes wait until it has been sent again: a key's publishes reach the broker
        in the order they began, through a refused channel too. Then it raises
        :class:`PublishRejected`, as a publish without a key does at once.
        """
        what = f"publish to {exchange!r} with key {routing_key!r}"
        seq = 0
        if key is not None:
            self._keyed_seq += 1
            seq = self._keyed_seq
            self._keyed.setdefault(key, {})[seq] = None
        replay_until: float | None = None
        try:
            while True:
                if exchange and exchange not in self._known_exchanges:
                    await self._check_exchange(exchange)
                self._retire_refused()
                if key is not None:
                    await self._in_turn(key, seq)
                underlay = await self._channel(_PUBLISH)
                # no await between the two: ``holder`` is the channel ``underlay`` belongs to
                holder = self._channels.get(_PUBLISH)
                if key is not None and self._behind(key, seq):
                    continue  # the channel changed while this one waited for it
                self._check_frame_size(underlay, what, body, properties)
                if holder is not None:
                    self._publishing_on[holder] = self._publishing_on.get(holder, 0) + 1
                    if key is not None:
                        self._keyed[key][seq] = holder
                        self._key_moved()
                try:
                    await underlay.basic_publish(
                        body,
                        exchange=exchange,
                        routing_key=routing_key,
                        properties=properties,
                        mandatory=mandatory,
                    )
                    return
                except ChannelInvalidStateError:
                    # closed before the frames went out: nothing was sent, so sending again is
                    # safe
                    if key is not None:
                        self._keyed[key][seq] = None
                    if self._channels.get(_PUBLISH) is holder:  # not a channel that replaced it
                        self._forget_channel(_PUBLISH, underlay)
                    await asyncio.sleep(_RETRY_PAUSE)
                except PublishError as exc:
                    raise Unroutable(exchange, routing_key) from exc
                except DeliveryError as exc:
                    self._replace_after_nack(holder)
                    now = time.monotonic()
                    if replay_until is None:
                        replay_until = now + _REPLAY_SECONDS
                    if key is None or now >= replay_until or self._closed:
                        raise PublishRejected(f"{what}: {self._name} nacked the message") from exc
                    # sent again on the channel that replaces this one; the key's later
                    # publishes wait for it
                    self._keyed[key][seq] = None
                    self._key_moved()
                    await self._replaced(holder)
                except ChannelNotFoundEntity as exc:
                    self._known_exchanges.discard(exchange)
                    raise self._error(what, exc) from exc
                except asyncio.CancelledError as exc:
                    self._raise_if_cancelled()
                    raise self._error(what, exc) from exc
                except TimeoutError:
                    raise
                except _FOREIGN as exc:
                    raise self._error(what, exc) from exc
                finally:
                    if holder is not None:
                        left = self._publishing_on.get(holder, 1) - 1
                        if left > 0:
                            self._publishing_on[holder] = left
                        else:
                            self._publishing_on.pop(holder, None)
        finally:
            if key is not None:
                under_way = self._keyed.get(key)
                if under_way is not None:
                    under_way.pop(seq, None)
                    if not under_way:
                        del self._keyed[key]
                self._key_moved()

    def _behind(self, key: str, seq: int) -> bool:
        """Whether an earlier publish of ``key`` still waits to be sent (again), or went out on
        a channel that is no longer the publish channel (a nack may yet send it again)."""
        current = self._channels.get(_PUBLISH)
        for earlier, channel in self._keyed.get(key, {}).items():
            if earlier >= seq:
                return False  # in the order they began
            if channel is None or channel is not current:
                return True
        return False

    async def _in_turn(self, key: str, seq: int) -> None:
        while self._behind(key, seq):
            moved = self._keyed_moved
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.05):  # a channel change is not signalled
                    await moved.wait()

    def _key_moved(self) -> None:
        self._keyed_moved.set()
        self._keyed_moved = asyncio.Event()

    async def _replaced(self, nacked: aio_pika.abc.AbstractChannel | None) -> None:
        """Wait until ``nacked`` is no longer the publish channel (at most one interval)."""
        while not self._closed and nacked is not None and self._channels.get(_PUBLISH) is nacked:
            due = self._publish_replaced + _NACK_REPLACE_SECONDS - time.monotonic()
            await asyncio.sleep(min(max(due, 0.01), _NACK_REPLACE_SECONDS))
            self._retire_refused()

    async def _check_exchange(self, exchange: str) -> None:
        async with self._exchange_lock:
            if exchange in self._known_exchanges:
                return
            await self._call(
                f"publish to {exchange!r} (does the exchange exist?)",
                _ADMIN,
                lambda ch: ch.exchange_declare(exchange, passive=True),
            )
            self._known_exchanges.add(exchange)

    def _check_frame_size(
        self,
        underlay: aiormq.abc.AbstractChannel,
        what: str,
        body: bytes,
        properties: spec.Basic.Properties,
    ) -> None:
        if not properties.headers:
            return
        frame_max = underlay.connection.connection_tune.frame_max
        if not frame_max or _surely_fits(properties, frame_max):
            return
        try:
            size = len(pamqp.frame.marshal(ContentHeader(0, len(body), properties), 1))
        except _FOREIGN as exc:
            raise TransportError(
                f"{what}: the message properties cannot be encoded: {exc}"
            ) from exc
        if size > frame_max:
            raise TransportError(
                f"{what}: the message properties take {size} bytes, more than the "
                f"{frame_max}-byte frame {self._name} accepts (RabbitMQ would close the "
                "connection); keep headers small"
            )

    # --- consuming ------------------------------------------------------------------------------

    async def _register(self, consumer: _Consumer) -> None:
        """Start ``consumer`` on a channel of its own (the old one, if any, is retired)."""
        async with consumer.lock:
            if consumer.cancelled or consumer.active:
                return
            connection = await self._wait_connected()
            channel = await _open_channel(connection, confirms=False)
            try:
                underlay = await channel.get_underlay_channel()
                await underlay.basic_qos(prefetch_count=consumer.prefetch, global_=False)
                slot = _Slot(consumer, channel, underlay, on_idle=self._close_slot)
                underlay.on_consumer_cancel_callbacks.add(partial(self._on_broker_cancel, slot))
                channel.close_callbacks.add(partial(self._on_consumer_channel_closed, slot))
                await underlay.basic_consume(
                    consumer.queue,
                    partial(self._deliver, slot),
                    no_ack=False,
                    consumer_tag=consumer.tag,
                )
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(channel.close(), _CLOSE_TIMEOUT)
                raise
            slot.consuming = True
            old, consumer.slot = consumer.slot, slot
            if old is not None:
                old.consuming = False
                self._retire(old)

    async def _deliver(self, slot: _Slot, raw: aiormq.abc.DeliveredMessage) -> None:
        # no await before the handler runs: tasks start in delivery order, so handlers do too
        consumer = slot.consumer
        delivery = _AmqpDelivery(raw, queue=consumer.queue, slot=slot, registry=self._unsettled)
        slot.unsettled += 1
        try:
            consumer.handler(delivery)
        except Exception:
            _log.exception(
                "the handler of consumer %s on %r raised; %r stays unsettled",
                consumer.tag,
                consumer.queue,
                delivery,
            )

    def _on_broker_cancel(self, slot: _Slot, frame: spec.Basic.Cancel) -> None:
        consumer = slot.consumer
        if frame.consumer_tag != consumer.tag or not slot.consuming:
            return
        slot.consuming = False
        if consumer.cancelled or consumer.queue in self._deleting or self._closed:
            return
        _log.warning(
            "%s cancelled consumer %s on %r; registering it again",
            self._name,
            consumer.tag,
            consumer.queue,
        )
        self._wake.set()

    def _on_consumer_channel_closed(
        self, slot: _Slot, sender: aio_pika.abc.AbstractChannel | None, exc: BaseException | None
    ) -> None:
        slot.consuming = False
        consumer = slot.consumer
        if self._closed or consumer.cancelled or consumer.slot is not slot:
            return
        if self._is_connected():  # a channel-level error; a lost connection is logged once
            _log.warning(
                "the channel of consumer %s on %r closed (%s); registering it again",
                consumer.tag,
                consumer.queue,
                self._describe(exc) if exc is not None else "closed",
            )
        self._wake.set()

    async def _cancel_on_broker(self, consumer: _Consumer) -> None:
        slot = consumer.slot
        if slot is None:
            return
        if slot.consuming and not slot.underlay.is_closed:
            slot.consuming = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(slot.underlay.basic_cancel(consumer.tag), _CLOSE_TIMEOUT)
        slot.consuming = False
        self._retire(slot)

    def _retire(self, slot: _Slot) -> None:
        """Close the slot's channel once its last delivery is settled (closing earlier would
        hand the unsettled deliveries back to the queue)."""
        slot.retired = True
        if slot.unsettled <= 0:
            self._close_slot(slot)

    def _close_slot(self, slot: _Slot) -> None:
        if slot.channel.is_closed or self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._close_channel(slot.channel))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _close_channel(channel: aio_pika.abc.AbstractChannel) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(channel.close(), _CLOSE_TIMEOUT)

    # --- helpers --------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError(f"the broker for {self._name} is closed")

    def _check_started(self) -> None:
        self._check_open()
        if self._supervisor is None:
            raise TransportError(f"not connected to {self._name}: call connect() first")

    @staticmethod
    def _raise_if_cancelled() -> None:
        """Re-raise a CancelledError meant for this task; aiormq also rejects the futures of a
        closing channel with CancelledError, which is the broker's failure, not a cancellation."""
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError

    def _describe(self, exc: BaseException) -> str:
        text = str(exc)
        if isinstance(exc, InvalidFrameError) and "Connection.Close" in text:
            # aiormq checks the frame type before reading a Connection.Close, losing its text
            text = "RabbitMQ closed the connection instead of opening it (no such vhost, no "
            text += "permission on it, or the vhost is not running)"
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _error(self, what: str, exc: BaseException) -> TransportError:
        return TransportError(f"{what} on {self._name} failed: {self._describe(exc)}")


# --- the delivery -------------------------------------------------------------------------------


class _AmqpDelivery(Delivery):
    __slots__ = ("_channel", "_delivery_tag", "_gone", "_registry", "_settled", "_slot")

    def __init__(
        self,
        raw: aiormq.abc.DeliveredMessage,
        *,
        queue: str,
        slot: _Slot | None,
        registry: dict[_AmqpDelivery, None],
    ) -> None:
        super().__init__(
            _message(raw),
            exchange=raw.exchange or "",
            routing_key=raw.routing_key or "",
            queue=queue,
            redelivered=bool(raw.redelivered),
        )
        self._channel = raw.channel
        self._delivery_tag = raw.delivery_tag or 0
        self._settled = False
        self._gone = False  # its queue was deleted through this broker
        self._slot = slot
        self._registry = registry
        registry[self] = None

    async def ack(self) -> bool:
        return await self._settle(None)

    async def nack(self, *, requeue: bool) -> bool:
        return await self._settle(requeue)

    async def _settle(self, requeue: bool | None) -> bool:
        if self._settled:
            # RabbitMQ would close the channel (406 PRECONDITION_FAILED unknown delivery tag)
            raise TransportError(f"{self!r} is settled already")
        self._settled = True
        self._registry.pop(self, None)
        try:
            if self._gone:
                _log.debug("%r: its queue was deleted", self)
                return False
            if self._channel.is_closed:
                _log.debug("%r: its channel has closed; the broker delivers it again", self)
                return False
            # asyncio.timeout, not wait_for: no task of its own for each acknowledgement (about
            # 7 us a message on Python 3.11)
            async with asyncio.timeout(_SETTLE_TIMEOUT):
                if requeue is None:
                    await self._channel.basic_ack(self._delivery_tag)
                else:
                    await self._channel.basic_nack(self._delivery_tag, requeue=requeue)
        except _FOREIGN as exc:
            _log.debug("%r could not be settled (%s); the broker delivers it again", self, exc)
            return False
        finally:
            if self._slot is not None:
                self._slot.settled()
        return True


# --- conversions --------------------------------------------------------------------------------


#: A content header frame's bytes besides the texts :func:`_surely_fits` counts, with room to
#: spare: the frame's header and end (8), class, weight and body size (12), the property flags
#: (2), a delivery mode (1), and a length byte for each short string.
_HEADER_OVERHEAD: Final = 64
_SHORT_STRINGS: Final = ("content_type", "correlation_id", "message_id", "message_type")
_UNCOUNTED: Final = (
    "content_encoding",
    "priority",
    "reply_to",
    "expiration",
    "timestamp",
    "user_id",
    "app_id",
    "cluster_id",
)


def _surely_fits(properties: spec.Basic.Properties, frame_max: int) -> bool:
    """Whether the content header of ``properties`` certainly encodes, within ``frame_max``
    bytes: judged from its ASCII texts, booleans, integers and ``None`` alone, so that a
    common message's header is not marshalled twice. False means "marshal it and see" (any
    other value, a text that is not ASCII or longer than a short string may be, a property this
    does not count), never "too large"."""
    size = _HEADER_OVERHEAD
    for name in _UNCOUNTED:
        if getattr(properties, name) not in (None, ""):  # pamqp's cluster_id defaults to ""
            return False
        size += 1
    for name in _SHORT_STRINGS:
        text = getattr(properties, name)
        if text is None:
            continue
        if type(text) is not str or len(text) > 255 or not text.isascii():
            return False
        size += len(text)
    for key, value in (properties.headers or {}).items():
        if type(key) is not str or len(key) > 255 or not key.isascii():
            return False
        if type(value) is str:
            if not value.isascii():
                return False
            size += len(key) + len(value) + 6  # key length, type, value length (4)
        elif value is None or type(value) is bool or type(value) is int:
            size += len(key) + 10  # key length, type, at most 8 bytes (``_to_amqp``: 64 bits)
        else:
            return False
    return size <= frame_max


def _properties(message: Message) -> spec.Basic.Properties:
    headers = _table(message.headers, "headers") if message.headers else None
    message_id = message.message_id or f"{_ABSENT_ID}{uuid.uuid4().hex}"
    return spec.Basic.Properties(
        content_type=message.content_type,
        headers=headers,
        delivery_mode=2 if message.persistent else 1,
        correlation_id=message.correlation_id,
        message_id=message_id,
        message_type=message.type,
    )


def _message(raw: aiormq.abc.DeliveredMessage) -> Message:
    props = raw.header.properties
    headers = props.headers or {}
    message_id = props.message_id
    if message_id is not None and message_id.startswith(_ABSENT_ID):
        message_id = None
    return Message(
        body=raw.body,
        message_id=message_id,
        correlation_id=props.correlation_id,
        content_type=props.content_type,
        type=props.message_type,
        headers={str(k): _from_amqp(v) for k, v in headers.items()},
        persistent=props.delivery_mode == 2,
    )


_INT64 = 2**63
#: The message_id of a message published without one. aiormq matches a returned message to its
#: publish by message_id and invents a random one when there is none; this recognisable one is
#: turned back into ``None`` on delivery, so an absent id stays absent for cjx consumers.
_ABSENT_ID = "cjx.no-message-id."


def _table(mapping: Mapping[Any, Any], where: str) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise TransportError(f"{where}: AMQP table keys must be str, not {type(key).__name__}")
        table[key] = _to_amqp(value, f"{where}[{key!r}]")
    return table


def _to_amqp(value: Any, where: str) -> Any:
    """A header or argument value as pamqp encodes it (``bytes`` is not one of its types)."""
    if value is None or isinstance(value, str | bool | float | decimal.Decimal):
        return value
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise TransportError(f"{where}: AMQP integers are at most 64 bits")
        return value
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytearray(value)
    if isinstance(value, Mapping):
        return _table(value, where)
    if isinstance(value, list | tuple):
        return [_to_amqp(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise TransportError(f"{where}: AMQP tables cannot carry a {type(value).__name__}")


def _from_amqp(value: Any) -> Any:
    """A decoded table value as plain Python (pamqp gives byte arrays as ``bytearray``)."""
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict):
        return {str(k): _from_amqp(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_amqp(item) for item in value]
    if isinstance(value, float):
        return _tidy_float(value)
    return value


def _tidy_float(value: float) -> float:
    """pamqp sends a float as 32 bits: give back the shortest decimal with the same 32 bits
    (``0.1`` rather than ``0.10000000149011612``). A value no float32 holds exactly came as a
    64-bit double and is left alone."""
    try:
        packed = struct.pack(">f", value)
    except OverflowError:
        return value
    if struct.unpack(">f", packed)[0] != value:
        return value
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack(">f", candidate) == packed:
            return candidate
    return value  # pragma: no cover - nine significant digits always round-trip a float32


# --- aio-pika plumbing --------------------------------------------------------------------------


def _alive(connection: aio_pika.abc.AbstractConnection) -> bool:
    """Whether the AMQP connection is open. (aio-pika's ``Connection.is_closed`` stays False after
    the broker closed it; only a local ``close()`` sets it.)"""
    transport = connection.transport
    return transport is not None and not transport.connection.is_closed


async def _open_channel(
    connection: aio_pika.abc.AbstractConnection, *, confirms: bool
) -> aio_pika.abc.AbstractChannel:
    channel = connection.channel(publisher_confirms=confirms, on_return_raises=confirms)
    await channel.initialize(timeout=_ATTEMPT_TIMEOUT)
    return channel


async def _declare(underlay: aiormq.abc.AbstractChannel, *, topology: Topology) -> None:
    for exchange in topology.exchanges:
        if exchange.name:  # the default exchange exists and may not be declared
            await underlay.exchange_declare(
                exchange.name,
                exchange_type=exchange.kind,
                durable=True,
                arguments=_table(exchange.arguments, f"exchange {exchange.name!r}") or None,
            )
    away: set[str] = set()
    for queue in topology.queues:
        arguments = _table(queue.arguments, f"queue {queue.name!r} arguments") or None
        if queue.quorum:
            await underlay.queue_declare(queue.name, durable=True, arguments=arguments)
        elif not await _declare_classic(underlay, queue.name, arguments):
            away.add(queue.name)
    for binding in topology.bindings:
        arguments = _table(binding.arguments, f"binding to {binding.queue!r}") or None
        if binding.to_exchange:
            await underlay.exchange_bind(
                binding.queue,
                binding.exchange,
                routing_key=binding.routing_key,
                arguments=arguments,
            )
        elif binding.queue not in away:
            await underlay.queue_bind(
                binding.queue,
                binding.exchange,
                routing_key=binding.routing_key,
                arguments=arguments,
            )


async def _declare_classic(
    underlay: aiormq.abc.AbstractChannel, name: str, arguments: dict[str, Any] | None
) -> bool:
    """Declare a classic queue on a channel of its own; ``False`` when it lives on a cluster
    node that is down. A classic queue is not replicated: while its node is away RabbitMQ
    answers 404 "home node ... is down or inaccessible", and that must not stop the services
    from coming back on the other nodes (cjx's only classic queue is the dlq overflow, a last
    resort). It is declared again at the next reconnect."""
    spare = await underlay.connection.channel()
    try:
        await spare.queue_declare(name, durable=True, arguments=arguments)
    except ChannelNotFoundEntity as exc:
        if "down or inaccessible" not in str(exc):
            raise
        _log.warning("queue %r is on a cluster node that is down; carrying on without it", name)
        return False
    finally:
        if not spare.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(spare.close(), _CLOSE_TIMEOUT)
    return True


def _without_queue(topology: Topology, queue: str) -> Topology:
    return Topology(
        topology.exchanges,
        tuple(q for q in topology.queues if q.name != queue),
        tuple(b for b in topology.bindings if b.queue != queue),
    )


def _worth_retrying(exc: BaseException) -> bool:
    """Whether connect() should try again: not when the broker refused the credentials (403
    ACCESS_REFUSED) or the certificate did not verify, which no retry fixes. A refused vhost is
    retried: RabbitMQ also refuses a vhost that is still starting. Never a cancellation:
    tenacity's ``with attempt:`` swallows BaseException too and asks this predicate."""
    if not isinstance(exc, Exception):
        return False
    if isinstance(exc, AuthenticationError | ProbableAuthenticationError | ConfigurationError):
        return False
    return not isinstance(exc, ssl.SSLCertVerificationError)
