"""``cjx publish``: send files to ``cjx.inbound`` as cjx sends raw inputs, with confirms.

Each file goes to ``cjx.inbound`` with the format as routing key and its properties set by
:func:`cjx.service.inbound_message`. Published one after the other in path order (directories
are walked sorted, hidden entries skipped) with up to :data:`WINDOW` confirms outstanding, so
the order holds and a large directory does not wait for each confirm in turn. Exit status: 0
when the broker confirmed every file; 1 when it refused any (no queue bound for the format: no
inbound service declared for it; or a nack) or any file was skipped (``--validate`` found it
invalid, or it is larger than any format takes); 2 for usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cjx._text import printable
from cjx.adapter import get_adapter
from cjx.cli._inputs import Input, TooLarge, collect, read
from cjx.errors import ConfigurationError, TransportError
from cjx.service import inbound_message, load_config
from cjx.transport import INBOUND, Broker, open_broker, redact_url

__all__ = ["Summary", "publish_inputs", "run"]

#: Publishes in flight at once (the broker's confirm window bounds them too).
WINDOW = 256


@dataclass
class Summary:
    published: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # name, why
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.skipped


async def publish_inputs(
    broker: Broker,
    format_name: str,
    inputs: list[Input],
    *,
    validate: bool,
    advance: Callable[[], None] = lambda: None,
    ordering_secret: str | None = None,
) -> Summary:
    """Publish ``inputs`` on a connected ``broker``; what was published, refused, skipped.
    With the deployment's ``ordering_secret`` each input carries ``cjx-ordering-key``."""
    adapter = get_adapter(format_name)
    summary = Summary()
    in_flight: set[asyncio.Task[None]] = set()
    room = asyncio.Semaphore(WINDOW)

    async def send(name: str, message: Any) -> None:
        try:
            await broker.publish(INBOUND, adapter.name, message)
        except TransportError as exc:
            summary.refused.append((name, str(exc)))
        else:
            summary.published.append(name)
        finally:
            room.release()
            advance()

    for item in inputs:
        try:
            data = read(item)
        except TooLarge as exc:
            summary.skipped.append((item.name, str(exc)))
            advance()
            continue
        if validate:
            report = adapter.validate(data, source=item.name)
            if not report.ok:
                errors = [i for i in report.issues if i.severity.value == "error"]
                why = "; ".join(f"{i.code} at {i.path or '/'}" for i in errors[:3])
                more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
                summary.skipped.append((item.name, f"invalid: {why}{more}"))
                advance()
                continue
        message = inbound_message(data, adapter, ordering_secret=ordering_secret)
        await room.acquire()  # tasks start in creation order, so publishes are called in order
        task = asyncio.create_task(send(item.name, message))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.gather(*in_flight)
    return summary


async def _publish_at(
    url: str,
    fmt: str,
    inputs: list[Input],
    validate: bool,
    advance: Callable[[], None],
    *,
    secret: str | None,
) -> Summary:
    broker = open_broker(url)
    await broker.connect()
    try:
        return await publish_inputs(
            broker, fmt, inputs, validate=validate, advance=advance, ordering_secret=secret
        )
    finally:
        await broker.close()


def run(args: argparse.Namespace) -> int:
    config = load_config(Path(args.config))
    adapter = get_adapter(args.format)  # UnknownFormat: a usage error
    if config.broker_url.startswith("memory://"):
        raise ConfigurationError(
            "cjx publish needs the broker the services run on; memory:// lives inside one "
            "process (set [broker] url or CJX_BROKER_URL to an amqp:// URL)"
        )
    inputs = collect(args.paths)
    summary = _with_progress(
        config.broker_url, adapter.name, inputs, args.validate, config.ordering_secret
    )
    for name, why in summary.skipped:
        print(printable(f"SKIPPED  {name}: {why}"))
    for name, why in summary.refused:
        print(printable(f"REFUSED  {name}: {why}"))
    print(
        printable(
            f"{len(summary.published)} published to {INBOUND} (key {adapter.name}) on "
            f"{redact_url(config.broker_url)}, {len(summary.refused)} refused, "
            f"{len(summary.skipped)} skipped"
        )
    )
    return 0 if summary.ok else 1


def _with_progress(
    url: str, fmt: str, inputs: list[Input], validate: bool, secret: str | None
) -> Summary:
    """A progress bar on a terminal (standard error), nothing otherwise."""
    if not sys.stderr.isatty():
        return asyncio.run(_publish_at(url, fmt, inputs, validate, lambda: None, secret=secret))
    from rich.console import Console  # noqa: PLC0415 - rich only for a terminal
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("publishing", total=len(inputs))
        advance = lambda: bar.advance(task)  # noqa: E731
        return asyncio.run(_publish_at(url, fmt, inputs, validate, advance, secret=secret))
