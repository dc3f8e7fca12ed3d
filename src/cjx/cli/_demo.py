"""``cjx demo``: the adapter services, running on the bundled examples, end to end.

The demo starts the services of ``examples/services.toml`` in this process: one inbound service
per source format (Libra SPI court results, HMPPS events, and the five prison and probation record
formats) and outbound services on both sides of the gate (court results to the police as Libra SPI;
events and the prison's records to probation; key-date replacements to Delius in community-api's
shape; probation's custody record and the licence to the prison). On the embedded memory broker by
default, so it needs no network; ``--broker amqp://...`` runs the same through RabbitMQ.

**The demo never touches a deployment.** Its services use cjx's exchanges (``cjx.inbound`` and
the others: the names are cjx's contract), so on RabbitMQ it needs a vhost of its own: it
refuses (exit 2) a vhost where any of cjx's exchanges exists already, unless the demo itself
left them there (``--keep``; it marks its vhost with the ``cjx-demo`` exchange). At the end it
deletes every queue and exchange it declared, unless ``--keep``.

It publishes every example in ``examples/`` to ``cjx.inbound`` (routing key = its format), then
watches the destination queues, the dead-letter queues and the canonical exchange until every
example has ended: delivered to a receiving system, or dead-lettered with its report. Each
example's expected canonical message ids are worked out beforehand by translating it in
process, so "delivered" means exactly those messages arrived. ``examples/demo.toml`` says how
each example must end; the demo exits 0 only when every one ended so, the designed dead letters
included. Everything received is written under the output folder it names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cjx._files import FileExists, make_directory, write_file
from cjx._resources import examples_root
from cjx._text import printable
from cjx.adapter import get_adapter, sniff
from cjx.errors import ConfigurationError, TransportError
from cjx.pipeline import translate
from cjx.service import BROKER_URL_VARIABLE, HEADER_ERROR_REPORT, Config, Service, parse_config
from cjx.transport import (
    CANONICAL,
    DEAD_LETTER,
    INBOUND,
    OUTBOUND,
    Binding,
    Broker,
    Delivery,
    Exchange,
    Message,
    Queue,
    Topology,
    destination_queue,
    dlq_name,
    open_broker,
    redact_url,
)

__all__ = [
    "Cleanup",
    "DemoResult",
    "NotItsOwnVhost",
    "check_own_vhost",
    "clean_up",
    "run_demo",
    "run_examples",
]

#: How long the demo waits for every example to end before it reports the missing ones.
DEMO_TIMEOUT = 60.0
_TAP = "demo-canonical-tap"
#: The exchange that marks a vhost as the demo's own (declared first, deleted last).
DEMO_MARK = "cjx-demo"
#: cjx's exchanges: any of them in a vhost means cjx may be deployed there.
CJX_EXCHANGES = (INBOUND, CANONICAL, OUTBOUND, DEAD_LETTER)


class NotItsOwnVhost(ConfigurationError):
    """The broker's vhost holds cjx's exchanges that the demo did not make: a deployment may
    run there, and the demo's examples would reach it."""


async def check_own_vhost(broker: Broker) -> None:
    """:class:`NotItsOwnVhost` unless no cjx exchange exists, or the demo marked the vhost."""
    if await broker.exchange_exists(DEMO_MARK):
        return
    found = [name for name in CJX_EXCHANGES if await broker.exchange_exists(name)]
    if found:
        raise NotItsOwnVhost(
            f"{redact_url(broker.name)} already holds {', '.join(found)}: cjx may be deployed "
            "there, and the demo would feed it its examples. Give the demo a vhost of its own, "
            "e.g. rabbitmqctl add_vhost cjx-demo && rabbitmqctl set_permissions -p cjx-demo "
            "USER '.*' '.*' '.*', then --broker amqp://USER:PASSWORD@HOST:5672/cjx-demo"
        )


@dataclass
class Cleanup:
    """What the demo left on the broker (``kept``) or removed."""

    kept: bool = False
    queues: list[str] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    file: str
    format: str
    input_id: str
    expected: str  # "translated" | "rejected"
    expected_codes: list[str] = field(default_factory=list)
    expected_ids: dict[str, str] = field(default_factory=dict)  # canonical id -> message type
    status: str = "missing"  # "delivered" | "dead-lettered" | "missing"
    message_types: list[str] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    arrived_ids: set[str] = field(default_factory=set)
    codes: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        if self.status == "dead-lettered":
            return True
        return bool(self.expected_ids) and self.arrived_ids >= set(self.expected_ids)

    @property
    def as_expected(self) -> bool:
        if self.expected == "translated":
            return self.status == "delivered" and self.ended
        return self.status == "dead-lettered" and sorted(set(self.codes)) == sorted(
            set(self.expected_codes)
        )


def _services_config(root: Path, broker_url: str) -> Any:
    document = tomllib.loads((root / "services.toml").read_text(encoding="utf-8"))
    return parse_config(
        document, source="examples/services.toml", environ={BROKER_URL_VARIABLE: broker_url}
    )


def _plan_examples(root: Path) -> list[tuple[DemoResult, bytes]]:
    manifest: dict[str, Any] = tomllib.loads((root / "demo.toml").read_text(encoding="utf-8"))
    planned = []
    for entry in manifest["example"]:
        data = (root / entry["file"]).read_bytes()
        adapter = sniff(data)
        result = DemoResult(
            file=entry["file"],
            format=adapter.name if adapter else "unknown",
            input_id=f"demo:{entry['file']}",
            expected=entry["expect"],
            expected_codes=list(entry.get("codes", [])),
        )
        if adapter is not None:
            outcome = translate(
                data, from_format=adapter, to_format="canonical-xml", source=entry["file"]
            )
            if outcome.ok:
                result.expected_ids = {str(e.message_id): e.message_type for e in outcome.envelopes}
        planned.append((result, data))
    return planned


class _Collector:
    """Takes what arrives on the watched queues and files it under the example it came from."""

    def __init__(
        self,
        results: list[DemoResult],
        out_dir: Path,
        on_end: Callable[[], None],
        *,
        private: bool = True,
    ):
        self.by_input = {r.input_id: r for r in results}
        self.by_output = {i: r for r in results for i in r.expected_ids}
        self.out_dir = out_dir
        self.on_end = on_end
        self.private = private
        self.pending: set[asyncio.Task[Any]] = set()

    def _write(self, folder: str, name: str, data: bytes) -> str:
        # run_demo refused an out_dir holding earlier outputs (without --force); a redelivery
        # writes again what this run wrote
        path = make_directory(self.out_dir, folder, private=self.private) / Path(name).name
        write_file(path, data, force=True, private=self.private)
        return f"{folder}/{name}"

    def handler(self, kind: str) -> Callable[[Delivery], None]:
        def handle(delivery: Delivery) -> None:
            self._file(kind, delivery)
            task = asyncio.ensure_future(delivery.ack())
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)

        return handle

    def _file(self, kind: str, delivery: Delivery) -> None:
        m: Message = delivery.message
        if kind == "dead-letter":
            result = self.by_input.get(m.message_id or "")
            if result is None:
                return
            result.status = "dead-lettered"
            report = m.headers.get(HEADER_ERROR_REPORT)
            text = report.decode() if isinstance(report, bytes) else str(report or "{}")
            try:
                issues = json.loads(text).get("issues", [])
            except ValueError:
                issues = []
            result.codes = sorted({i["code"] for i in issues if i.get("severity") == "error"})
            stem = Path(result.file).name
            result.outputs.append(self._write(f"dead-letters/{delivery.queue}", stem, m.body))
            result.outputs.append(
                self._write(f"dead-letters/{delivery.queue}", f"{stem}.report.json", text.encode())
            )
        else:
            result = self.by_output.get(m.message_id or "")
            if result is None:
                return
            ids = list(result.expected_ids)
            suffix = "" if len(ids) == 1 else f"-{ids.index(m.message_id or '') + 1}"
            stem = Path(result.file).stem + suffix
            if kind == "canonical":
                result.outputs.append(self._write("canonical", f"{stem}.xml", m.body))
                return
            ext = ".json" if (m.content_type or "").endswith("json") else ".xml"
            result.outputs.append(self._write(f"delivered/{delivery.queue}", stem + ext, m.body))
            result.arrived_ids.add(m.message_id or "")
            result.message_types = sorted({result.expected_ids[i] for i in result.arrived_ids})
            if delivery.queue not in result.delivered_to:
                result.delivered_to.append(delivery.queue)
            if result.ended:
                result.status = "delivered"
        if result.ended:
            self.on_end()


def with_tap(tap: str, services: list[Service]) -> Topology:
    """The services' topology, with the demo's mark and a tap queue on everything canonical."""
    topology = Topology(
        exchanges=(Exchange(DEMO_MARK, "fanout"), Exchange(CANONICAL)),
        queues=(Queue(tap, {"x-expires": 600_000}),),
        bindings=(Binding(tap, CANONICAL, "#"),),
    )
    for service in services:
        topology = topology + service.topology
    return topology


async def start_clean(broker: Broker, topology: Topology, services: list[Service]) -> None:
    """Declare ``topology``, empty its queues (only the run's own) and start the services."""
    await broker.declare(topology)
    for queue in topology.queues:
        await broker.purge(queue.name)
    for service in services:
        await service.start()


def watched_queues(config: Config, tap: str) -> list[tuple[str, str]]:
    """What a run watches: the tap, every dead-letter queue, every destination queue."""
    watched = [(tap, "canonical")]
    for c in config.services:
        watched.append((dlq_name(c.name), "dead-letter"))
        if c.role == "outbound":
            assert c.destination is not None
            watched.append((destination_queue(c.format, c.destination), "delivered"))
    return watched


def input_message(fmt: str, input_id: str, data: bytes) -> Message:
    """An example as a system would send it to ``cjx.inbound``."""
    adapter = get_adapter(fmt) if fmt != "unknown" else None
    return Message(
        body=data,
        message_id=input_id,
        content_type=adapter.media_type if adapter else "application/octet-stream",
    )


async def run_examples(
    root: Path,
    out_dir: Path,
    *,
    broker_url: str = "memory://",
    timeout: float = DEMO_TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
    private: bool = True,
    keep: bool = False,
    cleanup: Cleanup | None = None,
) -> list[DemoResult]:
    """Run the services on every example of ``root/demo.toml``; outputs go under ``out_dir``.

    On a broker other than ``memory://``: :func:`check_own_vhost` first, and every queue and
    exchange declared is deleted at the end unless ``keep`` (``cleanup`` says which)."""
    cleanup = cleanup if cleanup is not None else Cleanup()
    config = _services_config(root, broker_url)
    planned = _plan_examples(root)
    results = [r for r, _ in planned]
    everything_ended = asyncio.Event()

    def on_end() -> None:
        done = sum(r.ended for r in results)
        if progress is not None:
            progress(done, len(results))
        if done == len(results):
            everything_ended.set()

    broker: Broker = open_broker(config.broker_url)
    services = [Service(c, broker, ordering_secret=config.ordering_secret) for c in config.services]
    collector = _Collector(results, out_dir, on_end, private=private)
    topology = with_tap(_TAP, services)
    shared = not config.broker_url.startswith("memory://")
    ours = False  # whether the vhost passed the check: only then is anything deleted
    await broker.connect()
    try:
        if shared:
            await check_own_vhost(broker)
            ours = True
        await start_clean(broker, topology, services)
        tags = [
            await broker.consume(q, collector.handler(kind), prefetch=64)
            for q, kind in watched_queues(config, _TAP)
        ]
        for result, data in planned:
            await broker.publish(
                INBOUND, result.format, input_message(result.format, result.input_id, data)
            )
        with contextlib.suppress(TimeoutError):  # the table shows what is missing
            await asyncio.wait_for(everything_ended.wait(), timeout)
        for tag in tags:
            await broker.cancel(tag)
        for service in services:
            await service.stop(grace=10)
        if collector.pending:
            await asyncio.wait(collector.pending, timeout=10)
    finally:
        try:
            if ours:
                await clean_up(broker, services, topology, keep, cleanup)
        finally:
            await broker.close()
    return results


async def clean_up(
    broker: Broker, services: list[Service], topology: Topology, keep: bool, cleanup: Cleanup
) -> None:
    cleanup.kept = keep
    cleanup.queues = [q.name for q in topology.queues]
    # the mark last: a run stopped half-way leaves a vhost the next run may still use
    cleanup.exchanges = [e.name for e in topology.exchanges if e.name != DEMO_MARK] + [DEMO_MARK]
    if keep:
        return
    for service in services:  # a no-op for a stopped one; an exception may have left some
        await service.stop(grace=1)
    for queue in cleanup.queues:
        await broker.delete_queue(queue)
    for exchange in cleanup.exchanges:
        await broker.delete_exchange(exchange)


#: The folders the demo writes into its output folder.
_OUTPUT_FOLDERS = ("canonical", "delivered", "dead-letters")


def run_demo(
    *,
    out_dir: Path | None = None,
    broker_url: str = "memory://",
    console: Console | None = None,
    force: bool = False,
    private: bool = True,
    keep: bool = False,
) -> int:
    """Run the demo; outputs go to ``out_dir`` (a new private temporary folder by default).

    An ``out_dir`` that holds outputs of an earlier run is refused unless ``force``: the demo
    writes the same names again (files are written as every cjx output: see
    :mod:`cjx._files`).
    """
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=100)
    root = examples_root()
    if out_dir is not None and not force:
        earlier = [
            out_dir / f
            for f in _OUTPUT_FOLDERS
            if (out_dir / f).is_symlink() or (out_dir / f).exists()
        ]
        if earlier:
            raise FileExists(earlier[0])
    target = out_dir or Path(tempfile.mkdtemp(prefix="cjx-demo-"))
    make_directory(target, private=private)
    console.print(
        f"cjx demo: {len(_services_config(root, broker_url).services)} services "
        f"({root / 'services.toml'}) on {redact_url(broker_url)}; "
        "publishing the bundled examples to cjx.inbound"
        + ("" if broker_url.startswith("memory://") else " (a vhost of the demo's own)")
    )
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("messages ended", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        cleanup = Cleanup()
        try:
            results = asyncio.run(
                run_examples(
                    root,
                    target,
                    broker_url=broker_url,
                    progress=progress,
                    private=private,
                    keep=keep,
                    cleanup=cleanup,
                )
            )
        except NotItsOwnVhost:
            raise  # a usage error: exit 2
        except TransportError as exc:  # the broker, not the command line: exit 1
            console.print(f"cjx demo: {printable(str(exc))}")
            return 1

    console.print(results_table(results))
    good = sum(r.as_expected for r in results)
    delivered = sum(r.status == "delivered" for r in results)
    dead = sum(r.status == "dead-lettered" for r in results)
    console.print(
        f"{len(results)} examples: {delivered} delivered, {dead} dead-lettered "
        f"(by design: {sum(r.expected == 'rejected' for r in results)}); "
        f"{good}/{len(results)} ended as expected."
    )
    console.print(
        f"Outputs are in {target}: canonical/ holds each canonical message as it crossed "
        "cjx.canonical, delivered/<queue>/ what each receiving system got, and "
        "dead-letters/<queue>/ each dead letter's original bytes with its report."
    )
    if cleanup.queues and cleanup.kept:
        console.print(
            f"--keep: the demo's {len(cleanup.queues)} queues and {len(cleanup.exchanges)} "
            f"exchanges stay on {redact_url(broker_url)} (delete the vhost to remove them)."
        )
    elif cleanup.queues:
        console.print(
            f"Removed the {len(cleanup.queues)} queues and {len(cleanup.exchanges)} exchanges "
            f"the demo declared on {redact_url(broker_url)}."
        )
    return 0 if good == len(results) else 1


def _short_queue(name: str) -> str:
    # the demo's queue names all start with "demo-": said once in the caption, not per cell
    return name.removeprefix("demo-")


def results_table(results: list[DemoResult]) -> Table:
    """One row per example, grouped under a row per folder (with its format), so no cell needs
    the folder again; what an example became, where it went or why it was dead-lettered is one
    item per line in one column, and the ``demo-`` prefix of queue names is said once in the
    caption. So at 100 columns every name fits whole, with no truncation; wider consoles get
    the same table."""
    table = Table(
        title="cjx demo: what arrived, what it became, where it went",
        caption="queues: demo-<destination>.<format>; ok: ended as examples/demo.toml says",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,  # 46 + 13 + 31 + 3 characters of content, 2 between columns
    )
    table.add_column("example", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    # the longest bundled type or code is 31 characters; fold only what a third party adds
    table.add_column("became -> to / why", overflow="fold", min_width=31)
    table.add_column("ok", no_wrap=True, min_width=3)
    folder = None
    for r in results:
        here, _, name = r.file.rpartition("/")
        if here != folder:
            folder = here
            table.add_row(f"[bold]{here}/[/] ({r.format})", "", "", "")
        outcome = {
            "delivered": "[green]delivered[/]",
            "dead-lettered": "[yellow]dead-lettered[/]",
        }.get(r.status, "[bold red]missing[/]")
        if r.status == "dead-lettered":
            details = r.codes or ["-"]
        else:
            details = list(r.message_types) or ["-"]
            details += [f"-> {_short_queue(q)}" for q in r.delivered_to]
        table.add_row(
            name,
            outcome,
            "\n".join(details),
            "[green]yes[/]" if r.as_expected else "[bold red]NO[/]",
        )
    return table
