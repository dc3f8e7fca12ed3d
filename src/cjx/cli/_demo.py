"""``cjx demo``: the adapter services, running on the bundled examples, end to end.

The demo starts the services of ``examples/services.toml`` in this process: one inbound service
per source format (Libra SPI court results, HMPPS events, and the five prison and probation record
formats) and outbound services on both sides of the gate (court results to the police as Libra SPI;
events and the prison's records to probation; key-date replacements to Delius in community-api's
shape; probation's custody record and the licence to the prison). On the embedded memory broker by
default, so it needs no network; ``--broker amqp://...`` runs the same through RabbitMQ.

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

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cjx._files import FileExists, make_directory, write_file
from cjx._resources import examples_root
from cjx.adapter import get_adapter, sniff
from cjx.pipeline import translate
from cjx.service import BROKER_URL_VARIABLE, HEADER_ERROR_REPORT, Service, parse_config
from cjx.transport import (
    CANONICAL,
    INBOUND,
    Binding,
    Broker,
    Delivery,
    Message,
    Queue,
    Topology,
    destination_queue,
    dlq_name,
    open_broker,
    redact_url,
)

__all__ = ["DemoResult", "run_demo", "run_examples"]

#: How long the demo waits for every example to end before it reports the missing ones.
DEMO_TIMEOUT = 60.0
_TAP = "demo-canonical-tap"


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


async def run_examples(
    root: Path,
    out_dir: Path,
    *,
    broker_url: str = "memory://",
    timeout: float = DEMO_TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
    private: bool = True,
) -> list[DemoResult]:
    """Run the services on every example of ``root/demo.toml``; outputs go under ``out_dir``."""
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
    tap = Topology(
        queues=(Queue(_TAP, {"x-expires": 600_000}),),
        bindings=(Binding(_TAP, CANONICAL, "#"),),
    )
    topology = tap
    for service in services:
        topology = topology + service.topology
    await broker.connect()
    try:
        await broker.declare(topology)
        for queue in topology.queues:  # a clean slate: only the demo's own queues
            await broker.purge(queue.name)
        for service in services:
            await service.start()
        watched: list[tuple[str, str]] = [(_TAP, "canonical")]
        for c in config.services:
            watched.append((dlq_name(c.name), "dead-letter"))
            if c.role == "outbound":
                watched.append((destination_queue(c.format, c.destination), "delivered"))
        tags = [
            await broker.consume(q, collector.handler(kind), prefetch=64) for q, kind in watched
        ]
        for result, data in planned:
            adapter = get_adapter(result.format) if result.format != "unknown" else None
            await broker.publish(
                INBOUND,
                result.format,
                Message(
                    body=data,
                    message_id=result.input_id,
                    content_type=adapter.media_type if adapter else "application/octet-stream",
                ),
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
        await broker.close()
    return results


#: The folders the demo writes into its output folder.
_OUTPUT_FOLDERS = ("canonical", "delivered", "dead-letters")


def run_demo(
    *,
    out_dir: Path | None = None,
    broker_url: str = "memory://",
    console: Console | None = None,
    force: bool = False,
    private: bool = True,
) -> int:
    """Run the demo; outputs go to ``out_dir`` (a new private temporary folder by default).

    An ``out_dir`` that holds outputs of an earlier run is refused unless ``force``: the demo
    writes the same names again (files are written as every cjx output: see
    :mod:`cjx._files`).
    """
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=170)
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
    )
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("messages ended", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        results = asyncio.run(
            run_examples(root, target, broker_url=broker_url, progress=progress, private=private)
        )

    table = Table(title="cjx demo: what arrived, what it became, where it went", show_lines=False)
    for column in (
        "example",
        "format",
        "outcome",
        "became",
        "delivered to",
        "why dead-lettered",
        "as expected",
    ):
        table.add_column(column)
    for r in results:
        outcome = {
            "delivered": "[green]delivered[/]",
            "dead-lettered": "[yellow]dead-lettered[/]",
        }.get(r.status, "[bold red]missing[/]")
        table.add_row(
            r.file,
            r.format,
            outcome,
            "\n".join(r.message_types) or "-",
            "\n".join(r.delivered_to) or "-",
            "\n".join(r.codes) or "-",
            "[green]yes[/]" if r.as_expected else "[bold red]NO[/]",
        )
    console.print(table)
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
    return 0 if good == len(results) else 1
