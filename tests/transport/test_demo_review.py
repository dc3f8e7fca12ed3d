"""`cjx demo` never touches a deployment (issue 13 part 5; the review's H2 and M6)."""

from __future__ import annotations

import asyncio
import io
import tomllib
from pathlib import Path

import pytest
from rich.console import Console
from tests import rabbit

from cjx.cli import main
from cjx.cli._demo import DEMO_MARK, run_demo
from cjx.errors import TransportError
from cjx.service import Service, ServiceConfig
from cjx.transport import Binding, Broker, Exchange, Message, Queue, Topology, in_queue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_review_m6_the_demo_table_is_whole_at_100_columns(tmp_path: Path) -> None:
    """M6: at 100 columns every cell was cut short (`court/core…`, `court.case…`). Now every
    line fits and every name, type and code appears whole."""
    out = io.StringIO()
    console = Console(file=out, width=100, highlight=False, color_system=None)
    assert run_demo(out_dir=tmp_path / "demo", console=console) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "…" not in text
    words = {w for line in lines for w in line.split()}
    manifest = tomllib.loads((EXAMPLES / "demo.toml").read_text(encoding="utf-8"))
    for example in manifest["example"]:
        assert Path(example["file"]).name in words, example["file"]
        for code in example.get("codes", []):
            assert code in words, code
    for kind in ("court.case-resulted", "custody.sentence-dates-changed", "police.libra-spi"):
        assert kind in words


def _exchanges(vhost: str) -> set[str]:
    out = rabbit.ctl("list_exchanges", "-p", vhost, "-q", "--no-table-headers", "name")
    return {
        n for n in (line.strip() for line in out.splitlines()) if n and not n.startswith("amq.")
    }


def _queues(vhost: str) -> dict[str, tuple[int, int, int]]:
    return rabbit.unacked(vhost)


async def _deploy(url: str) -> None:
    """A 'real deployment': an inbound libra-spi service's topology on the vhost."""
    from cjx.transport.amqp import AmqpBroker

    broker: Broker = AmqpBroker(url)
    await broker.connect()
    try:
        await broker.declare(
            Service(ServiceConfig("real-court-in", "inbound", "libra-spi"), broker).topology
        )
    finally:
        await broker.close()


@pytest.mark.amqp
def test_review_h2_the_demo_refuses_a_vhost_with_a_deployment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """H2: `cjx demo --broker` published its examples to the shared cjx.inbound, so a real
    deployment on that vhost received them (court-in.in 8, events-in.in 12...). Now a vhost
    holding cjx's exchanges is refused (exit 2) and nothing is sent or declared."""
    with rabbit.own_vhost("cjx-demo-h2") as vhost:
        asyncio.run(_deploy(rabbit.url_for(vhost)))
        before = _exchanges(vhost)
        code = main(["demo", "--broker", rabbit.url_for(vhost), "--out-dir", str(tmp_path)])
        assert code == 2
        err = capsys.readouterr().err
        assert "vhost of its own" in err
        assert "guest:guest" not in err
        assert _queues(vhost)[in_queue("real-court-in")][0] == 0
        assert not [q for q in _queues(vhost) if q.startswith("demo-")]
        assert _exchanges(vhost) == before


@pytest.mark.amqp
def test_review_h2_the_demo_removes_what_it_made_unless_keep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """H2: the demo left 34 queues and demo-canonical-tap (with messages) behind. Now it
    deletes every queue and exchange it declared; --keep leaves them, and a vhost the demo
    marked as its own can be used again."""
    with rabbit.own_vhost("cjx-demo-own") as vhost:
        url = rabbit.url_for(vhost)
        assert main(["demo", "--broker", url, "--out-dir", str(tmp_path / "a"), "--keep"]) == 0
        kept = _queues(vhost)
        assert "demo-canonical-tap" in kept
        assert DEMO_MARK in _exchanges(vhost)
        assert "cjx.inbound" in _exchanges(vhost)
        assert main(["demo", "--broker", url, "--out-dir", str(tmp_path / "b")]) == 0
        out = capsys.readouterr().out
        assert "30/30 ended as expected" in out
        assert f"Removed the {len(kept)} queues" in out
        assert _queues(vhost) == {}
        assert _exchanges(vhost) == {""} or _exchanges(vhost) == set()


async def test_exchange_exists_and_delete_exchange(broker: Broker, unique: str) -> None:
    """What the demo's vhost check and cleanup stand on, the same on both brokers: a missing
    exchange is not there (and asking leaves the broker usable), a declared one is, a deleted
    one is gone with its bindings, and deleting a missing one is fine."""
    name = f"{unique}.x"
    assert not await broker.exchange_exists(name)
    assert not await broker.exchange_exists(f"{unique}.y")  # twice: the channel recovers
    assert await broker.exchange_exists("")
    queue = f"{unique}.q"
    await broker.declare(Topology((Exchange(name),), (Queue(queue),), (Binding(queue, name, "#"),)))
    assert await broker.exchange_exists(name)
    await broker.publish(name, "k", Message(body=b"1"))
    await broker.delete_exchange(name)
    assert not await broker.exchange_exists(name)
    await broker.delete_exchange(name)
    with pytest.raises(TransportError):
        await broker.publish(name, "k", Message(body=b"2"))
    assert await broker.queue_length(queue) == 1
    await broker.delete_queue(queue)


async def _deploy_on(broker: Broker) -> None:
    await broker.declare(
        Service(ServiceConfig("real-court-in", "inbound", "libra-spi"), broker).topology
    )
