"""``cjx demo --journey``: the handover runs as examples/journey/plan.toml says, on both brokers."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjx._resources import examples_root
from cjx.cli import main
from cjx.cli._demo import NotItsOwnVhost
from cjx.cli._journey import run_journey
from cjx.transport import CANONICAL, Exchange, Topology
from cjx.transport.amqp import AmqpBroker


@pytest.mark.parametrize(
    "kind", ["memory", pytest.param("amqp", marks=[pytest.mark.amqp, pytest.mark.own_vhost])]
)
async def test_the_journey_ends_as_planned(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = "memory://" if kind == "memory" else request.getfixturevalue("amqp_url")
    steps, events = await run_journey(
        examples_root(), broker_url=url, index_url=f"sqlite:///{tmp_path / 'people.db'}"
    )
    assert [s.file for s in steps if not s.as_expected] == []
    waited = [s for s in steps if s.outcome == "waited"]
    dead = [s for s in steps if s.dead_lettered]
    assert [s.person for s in waited] == ["A0102AA"]
    assert [(s.person, s.dead_codes) for s in dead] == [("A0103AA", ["identity.unresolved"])]
    # the key dates reached Delius for the two people whose booking is linked, not the third
    delius = {e.person for e in events if "to journey-delius.delius-key-dates" in e.text}
    assert delius == {"A0101AA", "A0102AA"}
    # the dead letter names the booking masked, never whole
    (letter,) = [e.text for e in events if "dead-lettered" in e.text]
    assert "7000103" not in letter
    assert "70***03" in letter


def test_cjx_demo_journey_prints_a_timeline_per_person(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--journey"]) == 0
    out = capsys.readouterr().out
    for person in ("A0101AA", "A0102AA", "A0103AA"):
        assert f"\n{person}\n" in out
    assert "waiting for its link" in out
    assert "12/12 ended as planned" in out


@pytest.mark.amqp
async def test_the_journey_refuses_a_vhost_cjx_may_be_deployed_on(
    tmp_path: Path, amqp_url: str
) -> None:
    """As the demo (issue 13 part 5): a vhost holding cjx's exchanges is refused before the
    journey declares or publishes anything."""
    broker = AmqpBroker(amqp_url)
    await broker.connect()
    try:
        await broker.declare(Topology(exchanges=(Exchange(CANONICAL),)))
    finally:
        await broker.close()
    with pytest.raises(NotItsOwnVhost):
        await run_journey(
            examples_root(), broker_url=amqp_url, index_url=f"sqlite:///{tmp_path / 'p.db'}"
        )
