"""The dead-letter findings of the new-user review (issue 13 part 1), each as a test that fails
on the code the review was run against (``../shared/reviews/new-user-review.md``)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.messages import invalid_court_result

from cjx.cli import main
from cjx.service import HEADER_ERROR_CODE, HEADER_FAILED_AT, Service, ServiceConfig
from cjx.service import _dlq as dlq
from cjx.transport import INBOUND, Broker, Message, destination_queue, dlq_name, in_queue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


async def _settle_count(broker: Broker, queue: str, count: int, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await broker.queue_length(queue) != count:
        assert asyncio.get_running_loop().time() < deadline, f"{queue} never reached {count}"
        await asyncio.sleep(0.05)


async def _three_dead_letters(broker: Broker, name: str) -> None:
    """bad-0 and bad-1 (asn.check-character), then bad-2 (not XML), in that order."""
    service = Service(ServiceConfig(name, "inbound", "libra-spi"), broker)
    await service.start()
    for n in range(3):
        body = invalid_court_result(n) if n < 2 else b"not xml"
        await broker.publish(INBOUND, "libra-spi", Message(body=body, message_id=f"bad-{n}"))
    await _settle_count(broker, dlq_name(name), 3)
    await service.stop(grace=5)


async def _ids(broker: Broker, name: str) -> list[str | None]:
    return [x.message_id for x in (await dlq.list_dead_letters(broker, name)).letters]


async def test_review_h1_purge_and_replay_act_on_the_position_only(
    broker: Broker, unique: str
) -> None:
    """H1: `purge --position 3` purged all three dead letters, `replay --position 2` replayed
    all three. Now a position selects exactly the one `list` numbers so."""
    name = f"{unique}-court"
    await _three_dead_letters(broker, name)

    would = await dlq.purge(broker, name, dlq.Selection.of([3]), dry_run=True)
    assert [(x.position, x.message_id) for x in would] == [(3, "bad-2")]
    gone = await dlq.purge(broker, name, dlq.Selection.of([3]))
    assert [x.message_id for x in gone] == ["bad-2"]
    assert await _ids(broker, name) == ["bad-0", "bad-1"]

    (replayed,) = await dlq.replay(broker, name, dlq.Selection.of([2]), dry_run=True)
    assert replayed.message_id == "bad-1"
    assert await _ids(broker, name) == ["bad-0", "bad-1"]


async def test_review_h1_positions_are_the_whole_queues_with_a_filter(
    broker: Broker, unique: str
) -> None:
    """H1: a position is the one `list` shows for the whole queue, with or without a filter;
    kinds of selector combine with *and*; an empty selection selects nothing."""
    name = f"{unique}-court"
    await _three_dead_letters(broker, name)
    xml = await dlq.list_dead_letters(broker, name, dlq.Selection.of(codes=["xml.malformed"]))
    codes = {x.code for x in (await dlq.list_dead_letters(broker, name)).letters}
    assert [x.position for x in xml.letters] == ([3] if "xml.malformed" in codes else [])
    asn = dlq.Selection.of([1, 3], codes=["asn.check-character"])
    assert [x.message_id for x in await dlq.purge(broker, name, asn, dry_run=True)] == ["bad-0"]
    assert await dlq.purge(broker, name, dlq.Selection()) == []
    assert await dlq.replay(broker, name, dlq.Selection()) == []
    assert await _ids(broker, name) == ["bad-0", "bad-1", "bad-2"]


async def test_review_m3_code_matches_any_issue_of_the_report(broker: Broker, unique: str) -> None:
    """M3: a dead letter with noms.format, prison-id.format and schema.enum was filed under
    schema.enum only; `--code noms.format` listed 0. Any issue's code matches now."""
    name = f"{unique}-events"
    service = Service(ServiceConfig(name, "inbound", "hmpps-events"), broker)
    await service.start()
    body = (EXAMPLES / "hmpps-events" / "invalid-identifiers-and-reason.json").read_bytes()
    await broker.publish(INBOUND, "hmpps-events", Message(body=body, message_id="three-codes"))
    await _settle_count(broker, dlq_name(name), 1)
    await service.stop(grace=5)
    for code in ("noms.format", "prison-id.format", "schema.enum"):
        found = await dlq.list_dead_letters(broker, name, dlq.Selection.of(codes=[code]))
        assert [x.message_id for x in found.letters] == ["three-codes"], code
        assert found.counts == {"noms.format": 1, "prison-id.format": 1, "schema.enum": 1}
    assert (await dlq.list_dead_letters(broker, name, dlq.Selection.of(codes=["x"]))).selected == 0


async def test_review_m1_export_writes_bodies_and_reports(
    broker: Broker, unique: str, tmp_path: Path
) -> None:
    """M1: there was no `dlq export`. It writes each selected dead letter's original bytes and
    report as private files, removes nothing, and never overwrites without force."""
    name = f"{unique}-court"
    await _three_dead_letters(broker, name)
    out = tmp_path / "fix"
    written = await dlq.export(broker, name, dlq.Selection.of([1, 3]), out)
    assert [(x.position, b.name, r.name) for x, b, r in written] == [
        (1, "0001.xml", "0001.json"),
        (3, "0003.bin", "0003.json"),
    ]
    assert (out / "bodies" / "0001.xml").read_bytes() == invalid_court_result(0)
    assert (out / "bodies" / "0003.bin").read_bytes() == b"not xml"
    report = json.loads((out / "reports" / "0001.json").read_text())
    assert report["message_id"] == "bad-0"
    assert report["codes"][0] == "asn.check-character"
    assert report["body_file"] == "bodies/0001.xml"
    assert stat.S_IMODE((out / "bodies" / "0001.xml").stat().st_mode) == 0o600
    assert await _ids(broker, name) == ["bad-0", "bad-1", "bad-2"]
    with pytest.raises(FileExistsError):
        await dlq.export(broker, name, dlq.Selection.of([1]), out)
    assert await _ids(broker, name) == ["bad-0", "bad-1", "bad-2"]


# --- the command line, on RabbitMQ (the dlq tools refuse memory://) ------------------------------


@pytest.fixture
async def amqp(amqp_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Broker]:
    from cjx.transport.amqp import AmqpBroker

    monkeypatch.setenv("CJX_BROKER_URL", amqp_url)
    broker = AmqpBroker(amqp_url)
    await broker.connect()
    try:
        yield broker
    finally:
        await broker.close()


def _config(tmp_path: Path, *names: str) -> Path:
    """Inbound services, one format each (two on one format are refused)."""
    formats = ("libra-spi", "hmpps-events", "prisoner-search")
    config = tmp_path / "services.toml"
    config.write_text(
        "".join(
            f'[[services]]\nname = "{n}"\nrole = "inbound"\nformat = "{f}"\n'
            for n, f in zip(names, formats, strict=False)
        ),
        encoding="utf-8",
    )
    return config


async def _cli(*argv: str) -> tuple[int, str, str]:
    def run() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        return code, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(run)


@pytest.mark.amqp
async def test_review_h1_cli_purge_position_3_purges_one(
    amqp: Broker, unique: str, tmp_path: Path
) -> None:
    """H1, as the review ran it: `purge --position 1 --dry-run` listed all 3 and `purge
    --position 3` emptied the dlq."""
    name = f"{unique}-court"
    await _three_dead_letters(amqp, name)
    args = ("--config", str(_config(tmp_path, name)), "--service", name)
    code, out, _ = await _cli("dlq", "purge", *args, "--position", "1", "--dry-run")
    assert code == 0
    assert "1 dead letter(s) would be purged (dry run)" in out
    assert "bad-0" in out
    assert "bad-1" not in out
    code, out, _ = await _cli("dlq", "purge", *args, "--position", "3", "--yes")
    assert code == 0
    assert "1 dead letter(s) purged" in out
    assert await _ids(amqp, name) == ["bad-0", "bad-1"]
    code, out, _ = await _cli("dlq", "replay", *args, "--position", "2", "--dry-run")
    assert "1 dead letter(s) would be replayed" in out
    assert await _ids(amqp, name) == ["bad-0", "bad-1"]


@pytest.mark.amqp
async def test_review_m7_purge_and_replay_need_a_selector_and_purge_needs_yes(
    amqp: Broker, unique: str, tmp_path: Path
) -> None:
    """M7: `purge` with no filter deleted everything with no confirmation and no `--yes`. Now
    no selector is a usage error (replay too), and without a terminal purge needs --yes."""
    name = f"{unique}-court"
    await _three_dead_letters(amqp, name)
    args = ("--config", str(_config(tmp_path, name)), "--service", name)
    for command in (("purge",), ("replay",), ("export", "--out", str(tmp_path / "x"))):
        code, _, err = await _cli("dlq", *command, *args)
        assert code == 2, command
        assert "--all" in err
    code, _, err = await _cli("dlq", "purge", *args, "--all", "--position", "1")
    assert code == 2
    code, _, err = await _cli("dlq", "purge", *args, "--all")  # stdin is not a terminal here
    assert code == 2
    assert "--yes" in err
    assert await _ids(amqp, name) == ["bad-0", "bad-1", "bad-2"]
    code, out, _ = await _cli("dlq", "purge", *args, "--all", "--dry-run")
    assert code == 0
    assert "3 dead letter(s) would be purged (dry run)" in out
    code, out, _ = await _cli("dlq", "purge", *args, "--all", "--yes")
    assert "3 dead letter(s) purged" in out
    assert await _ids(amqp, name) == []


@pytest.mark.amqp
async def test_review_m7_list_has_a_header_counts_limit_and_an_overview(
    amqp: Broker, unique: str, tmp_path: Path
) -> None:
    """M7: `list` printed columns with no header, no per-code counts, no `--limit` and no
    overview across services."""
    name, other = f"{unique}-court", f"{unique}-other"
    await _three_dead_letters(amqp, name)
    config = str(_config(tmp_path, name, other))
    code, out, _ = await _cli("dlq", "list", "--config", config, "--service", name, "--limit", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["POS", "CODE", "TYPE"]
    assert "bad-0" in out
    assert "bad-1" not in out
    assert "(the first 1 of 3: --limit 1)" in out
    assert any(line.split() == ["2", "asn.check-character"] for line in lines)
    code, out, _ = await _cli("dlq", "list", "--config", config, "--all-services")
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert rows == {name: "3", other: "-"}  # the other one was never declared
    assert await _ids(amqp, name) == ["bad-0", "bad-1", "bad-2"]


@pytest.mark.amqp
async def test_review_m7_show_is_text_and_writes_the_raw_body(
    amqp: Broker, unique: str, tmp_path: Path
) -> None:
    """M7: `show` printed JSON only and `--body` put the body in a JSON string. Text by default
    now, `--json` for JSON, and `--body-out FILE` writes the raw bytes (0600, no overwrite)."""
    name = f"{unique}-court"
    await _three_dead_letters(amqp, name)
    args = ("--config", str(_config(tmp_path, name)), "--service", name)
    body = tmp_path / "body.xml"
    code, out, _ = await _cli("dlq", "show", *args, "--position", "2", "--body-out", str(body))
    assert code == 0
    assert "message id            bad-1" in out
    assert "asn.check-character" in out
    assert "issues:" in out
    assert body.read_bytes() == invalid_court_result(1)
    assert stat.S_IMODE(body.stat().st_mode) == 0o600
    code, _, err = await _cli("dlq", "show", *args, "--position", "2", "--body-out", str(body))
    assert code == 2
    assert "--force" in err
    code, out, _ = await _cli("dlq", "show", *args, "--position", "3", "--json")
    assert json.loads(out)["message_id"] == "bad-2"
    assert await amqp.queue_length(in_queue(name)) == 0


async def test_review_m7_a_confirmed_purge_acts_only_on_what_was_confirmed(
    broker: Broker, unique: str
) -> None:
    """M7 (confirmation): what a person confirmed is what goes; if the selection finds other
    dead letters by then, nothing is purged."""
    name = f"{unique}-court"
    await _three_dead_letters(broker, name)
    selection = dlq.Selection.of([2])
    shown = await dlq.purge(broker, name, selection, dry_run=True)
    await dlq.purge(broker, name, dlq.Selection.of([1]))  # someone else, meanwhile
    with pytest.raises(dlq.Changed):
        await dlq.purge(broker, name, selection, expected=shown)
    assert await _ids(broker, name) == ["bad-1", "bad-2"]
    shown = await dlq.purge(broker, name, selection, dry_run=True)
    assert [x.message_id for x in await dlq.purge(broker, name, selection, expected=shown)] == [
        "bad-2"
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.amqp
async def test_review_m7_purge_asks_on_a_terminal(
    amqp: Broker, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """M7: purge asked nothing. On a terminal it lists what would go and asks; anything but
    yes purges nothing (exit 1)."""
    name = f"{unique}-court"
    await _three_dead_letters(amqp, name)
    args = ("--config", str(_config(tmp_path, name)), "--service", name)

    def purge(answer: str) -> tuple[int, str]:
        out = _Terminal()
        monkeypatch.setattr("sys.stdin", _Terminal(answer))
        with contextlib.redirect_stdout(out):
            code = main(["dlq", "purge", *args, "--code", "asn.check-character"])
        return code, out.getvalue()

    code, out = await asyncio.to_thread(purge, "n\n")
    assert code == 1
    assert "2 dead letter(s) would be purged" in out
    assert "nothing purged" in out
    assert await _ids(amqp, name) == ["bad-0", "bad-1", "bad-2"]
    code, out = await asyncio.to_thread(purge, "y\n")
    assert code == 0
    assert "2 dead letter(s) purged" in out
    assert await _ids(amqp, name) == ["bad-2"]


async def test_review_h1_a_position_names_the_same_dead_letter_every_time(
    broker: Broker, unique: str
) -> None:
    """H1 (positions): RabbitMQ applies a batch of nacks to a quorum queue in no fixed order,
    so the queue's order moved with every look (2,000 dead letters: hundreds of lines moved
    between two `list` runs) and `purge --position N` could remove another than `list` showed.
    Positions follow the failure time now, and stay put."""
    name = f"{unique}-court"
    await broker.declare(Service(ServiceConfig(name, "inbound", "libra-spi"), broker).topology)
    count = 400
    for n in range(count):
        headers = {
            HEADER_ERROR_CODE: "asn.check-character",
            HEADER_FAILED_AT: f"2026-12-04T10:{n // 60:02d}:{n % 60:02d}.000+00:00",
        }
        message = Message(body=b"<x/>", message_id=f"m-{count - n:04d}", headers=headers)
        await broker.publish("", dlq_name(name), message)
    await _settle_count(broker, dlq_name(name), count)
    first = await _ids(broker, name)
    assert first == [f"m-{count - n:04d}" for n in range(count)]
    for _ in range(3):
        assert await _ids(broker, name) == first
    (gone,) = await dlq.purge(broker, name, dlq.Selection.of([150]))
    assert gone.message_id == first[149]
    assert await _ids(broker, name) == first[:149] + first[150:]


@pytest.mark.amqp
async def test_a_dlq_that_is_not_declared_is_said_without_a_traceback(
    amqp: Broker, unique: str, tmp_path: Path
) -> None:
    """A service whose queues were never declared: exit 1 and the broker's words, not a
    traceback."""
    name = f"{unique}-never"
    code, _, err = await _cli(
        "dlq", "list", "--config", str(_config(tmp_path, name)), "--service", name
    )
    assert code == 1
    assert f"no queue '{name}.dlq'" in err
    assert "Traceback" not in err


async def test_review_h3_replaying_an_outbound_dead_letter_reaches_no_other_destination(
    broker: Broker, unique: str
) -> None:
    """H3: police-out's dead letter was replayed to cjx.canonical, so cps-out, restarted (its
    de-duplication empty), sent cps a second copy. A replay goes to police-out.in only."""
    from tests.messages import court_result
    from tests.transport.test_service import inbound, outbound

    court = f"{unique}-court"
    police, cps = f"{unique}-police", f"{unique}-cps"
    key = ("court.case-resulted.v1",)
    services = [
        Service(inbound(court), broker),
        Service(outbound(f"{police}-out", "libra-spi", key, police), broker),
        Service(outbound(f"{cps}-out", "libra-spi", key, cps), broker),
    ]
    for service in services:
        await service.start()
    police_queue, cps_queue = (
        destination_queue("libra-spi", police),
        destination_queue("libra-spi", cps),
    )
    await broker.delete_queue(police_queue)  # police is down: police-out cannot deliver
    await broker.publish(
        INBOUND, "libra-spi", Message(body=court_result(31), message_id=f"{unique}-1")
    )
    await _settle_count(broker, dlq_name(f"{police}-out"), 1)
    await _settle_count(broker, cps_queue, 1)
    (letter,) = (await dlq.list_dead_letters(broker, f"{police}-out")).letters
    assert letter.code == "service.retries-exhausted"

    await services[2].stop(grace=5)  # any restart: a new cps-out with an empty dedup
    services[2] = Service(outbound(f"{cps}-out", "libra-spi", key, cps), broker)
    await services[2].start()
    await broker.declare(services[1].topology)  # police is back
    (replayed,) = await dlq.replay(broker, f"{police}-out", dlq.EVERYTHING)
    assert replayed.message_id == letter.message_id
    await _settle_count(broker, police_queue, 1)
    await asyncio.sleep(0.5)  # time for a stray copy to reach cps, if one were sent
    assert await broker.queue_length(cps_queue) == 1
    for service in services:
        await service.stop(grace=5)
