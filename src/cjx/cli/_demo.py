"""``cjx demo``: translate the bundled examples and show what became what.

Each example in ``examples/`` is recognised by its content, decoded to canonical messages (both
gates), written as canonical XML and JSON, and encoded again for its receiving system by the
first adapter that encodes its message type. ``examples/demo.toml`` says how each example must
end; the demo exits 0 only when every example ended so, the designed rejections included. It
needs no network and no broker.
"""

from __future__ import annotations

import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from cjx._resources import examples_root
from cjx.adapter import Adapter, adapters, sniff
from cjx.codec import encode_json, encode_xml
from cjx.errors import Report, error
from cjx.pipeline import translate

__all__ = ["DemoResult", "run_demo", "run_examples"]


@dataclass
class DemoResult:
    file: str
    format: str
    status: str  # "translated" | "rejected"
    message_types: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    delivered_as: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    expected: str = ""
    expected_codes: list[str] = field(default_factory=list)

    @property
    def as_expected(self) -> bool:
        if self.status != self.expected:
            return False
        return self.status != "rejected" or sorted(set(self.codes)) == sorted(
            set(self.expected_codes)
        )


def _outbound_for(message_type: str) -> Adapter | None:
    for name, adapter in adapters().items():
        if not name.startswith("canonical") and message_type in adapter.encodes:
            return adapter
    return None


def run_examples(root: Path, out_dir: Path) -> list[DemoResult]:
    """Run every example listed in ``root/demo.toml``; outputs go under ``out_dir``."""
    manifest: dict[str, Any] = tomllib.loads((root / "demo.toml").read_text(encoding="utf-8"))
    results: list[DemoResult] = []
    for entry in manifest["example"]:
        path = root / entry["file"]
        data = path.read_bytes()
        adapter = sniff(data)
        result = DemoResult(
            file=entry["file"],
            format=adapter.name if adapter else "?",
            status="rejected",
            expected=entry["expect"],
            expected_codes=list(entry.get("codes", [])),
        )
        results.append(result)
        if adapter is None:
            report = Report(entry["file"], (error("format.unknown", "", "no known format"),))
        else:
            outcome = translate(
                data, from_format=adapter, to_format="canonical-xml", source=entry["file"]
            )
            report = outcome.report
            if outcome.ok:
                result.status = "translated"
                stem = path.stem
                for n, envelope in enumerate(outcome.envelopes, start=1):
                    suffix = "" if len(outcome.envelopes) == 1 else f"-{n}"
                    result.message_types.append(envelope.message_type)
                    canonical = out_dir / "canonical"
                    canonical.mkdir(parents=True, exist_ok=True)
                    (canonical / f"{stem}{suffix}.xml").write_bytes(encode_xml(envelope))
                    (canonical / f"{stem}{suffix}.json").write_bytes(encode_json(envelope))
                    result.outputs.append(f"canonical/{stem}{suffix}.xml|.json")
                    outbound = _outbound_for(envelope.message_type)
                    if outbound is not None:
                        target = out_dir / "outbound" / outbound.name
                        target.mkdir(parents=True, exist_ok=True)
                        name = f"{stem}{suffix}{outbound.extension}"
                        (target / name).write_bytes(outbound.encode(envelope))
                        result.outputs.append(f"outbound/{outbound.name}/{name}")
                        result.delivered_as.append(outbound.name)
        result.codes = sorted({i.code for i in report.errors})
    return results


def run_demo(*, out_dir: Path | None = None, console: Console | None = None) -> int:
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=160)
    root = examples_root()
    target = out_dir or Path(tempfile.mkdtemp(prefix="cjx-demo-"))
    target.mkdir(parents=True, exist_ok=True)
    with console.status("translating the bundled examples..."):
        results = run_examples(root, target)

    table = Table(title="cjx demo: what became what", show_lines=False)
    table.add_column("example")
    table.add_column("format")
    table.add_column("outcome")
    table.add_column("became")
    table.add_column("delivered as")
    table.add_column("why rejected")
    table.add_column("as expected")
    for r in results:
        outcome = "[green]translated[/]" if r.status == "translated" else "[red]rejected[/]"
        table.add_row(
            r.file,
            r.format,
            outcome,
            "\n".join(r.message_types) or "-",
            "\n".join(r.delivered_as) or "-",
            "\n".join(r.codes) or "-",
            "[green]yes[/]" if r.as_expected else "[bold red]NO[/]",
        )
    console.print(table)
    good = sum(r.as_expected for r in results)
    translated = sum(r.status == "translated" for r in results)
    console.print(
        f"{len(results)} examples: {translated} translated, {len(results) - translated} "
        f"rejected by design; {good}/{len(results)} ended as expected."
    )
    console.print(
        f"Outputs are in {target}: canonical/ holds each message as canonical XML and JSON, "
        "outbound/<format>/ what each receiving system gets."
    )
    return 0 if good == len(results) else 1
