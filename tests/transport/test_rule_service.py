"""Rule services (role = "rule"): rules between cjx.canonical and cjx.canonical, with the delivery
rules of DESIGN.md section 7 and waiting for a link, on the memory broker and the real RabbitMQ."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from tests.transport.helpers import Sink

from cjx.adapter import get_adapter
from cjx.cli._people import Person, expected_key_dates, make_people
from cjx.errors import ConfigurationError
from cjx.identity import Ident, open_index
from cjx.pipeline import translate
from cjx.rules import rule_message_id
from cjx.service import (
    HEADER_ERROR_CODE,
    HEADER_ERROR_REPORT,
    Options,
    ServiceConfig,
    parse_config,
)
from cjx.testing import services_on
from cjx.transport import CANONICAL, Broker, Message, RetryPolicy, dlq_name

WAIT_RETRY = RetryPolicy(attempts=3, base_seconds=0.05, factor=2.0, cap_seconds=0.2)
KEY_DATES = "probation.key-dates-replaced.v1"


def rule_service(name: str, index: Path, *, link_wait: float = 30.0) -> ServiceConfig:
    return ServiceConfig(
        name=name,
        role="rule",
        format="canonical-xml",
        subscribe=("#",),
        rules=("index", "release-dates-to-key-dates"),
        index=f"sqlite:///{index}",
        options=Options(retry=WAIT_RETRY, link_wait=link_wait),
    )


@pytest.fixture
async def running(broker: Broker) -> AsyncIterator[Callable[..., Any]]:
    async with services_on(broker) as start:
        yield start


def canonical(fmt: str, data: bytes) -> tuple[str, Message]:
    """The canonical message an inbound service would publish for ``data``."""
    outcome = translate(data, from_format=fmt, to_format="canonical-xml")
    assert outcome.ok, outcome.report
    (envelope,) = outcome.envelopes
    message = Message(
        body=outcome.outputs[0],
        message_id=str(envelope.message_id),
        content_type=get_adapter("canonical-xml").media_type,
        type=envelope.message_type,
    )
    return envelope.routing_key, message


async def send(broker: Broker, fmt: str, data: bytes) -> str:
    key, message = canonical(fmt, data)
    await broker.publish(CANONICAL, key, message)
    assert message.message_id is not None
    return message.message_id


def key_dates_of(body: bytes) -> tuple[str, str, dict[str, str]]:
    (envelope,) = get_adapter("canonical-xml").translate(body, source="out").envelopes
    found = {k.code.value: k.date.isoformat() for k in envelope.body.key_dates}
    return str(envelope.body.noms_number), str(envelope.body.book_number), found


def assert_key_dates(body: bytes, person: Person) -> None:
    assert key_dates_of(body) == (person.noms, person.book_number, expected_key_dates(person))


async def test_link_known_first_gives_the_key_dates_once(
    broker: Broker, running: Any, unique: str, tmp_path: Path
) -> None:
    (person,) = make_people(1, start=11)
    out = await Sink.on(broker, f"{unique}.out", bind=(CANONICAL, KEY_DATES))
    await running(rule_service(f"{unique}-rules", tmp_path / "i.db"))
    await send(broker, "prisoner-search", person.prisoner_record)
    key, message = canonical("prison-api-sentence", person.release_dates)
    await broker.publish(CANONICAL, key, message)
    input_id = message.message_id or ""
    (arrived,) = await out.wait_for(1)
    assert_key_dates(arrived.message.body, person)
    # the deterministic id: what the rule made of this input
    assert arrived.message.message_id == str(
        rule_message_id("release-dates-to-key-dates", _uuid(input_id), 0)
    )
    # a redelivered input: no second output (de-duplication on the input's message id)
    await broker.publish(CANONICAL, key, message)
    assert len(await out.quiet(0.5)) == 1
    await out.close()


def _uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


async def test_a_message_waits_for_its_link_then_is_delivered(
    broker: Broker, running: Any, unique: str, tmp_path: Path
) -> None:
    (person,) = make_people(1, start=12)
    name = f"{unique}-rules"
    out = await Sink.on(broker, f"{unique}.out", bind=(CANONICAL, KEY_DATES))
    await running(rule_service(name, tmp_path / "i.db"))
    dead = await Sink.on(broker, dlq_name(name))
    await send(broker, "prison-api-sentence", person.release_dates)  # before its link
    assert not await out.quiet(0.6)  # waiting (retried through the wait queues)
    assert not dead.arrived
    await send(broker, "prisoner-search", person.prisoner_record)  # the link arrives
    (arrived,) = await out.wait_for(1, timeout=20)
    assert_key_dates(arrived.message.body, person)
    assert not await dead.quiet(0.3)
    await out.close()
    await dead.close()


async def test_a_link_that_never_comes_is_dead_lettered_masked(
    broker: Broker, running: Any, unique: str, tmp_path: Path
) -> None:
    (person,) = make_people(1, start=13)
    name = f"{unique}-rules"
    out = await Sink.on(broker, f"{unique}.out", bind=(CANONICAL, KEY_DATES))
    await running(rule_service(name, tmp_path / "i.db", link_wait=1.0))
    dead = await Sink.on(broker, dlq_name(name))
    key, original = canonical("prison-api-sentence", person.release_dates)
    await broker.publish(CANONICAL, key, original)
    (letter,) = await dead.wait_for(1, timeout=20)
    assert letter.message.headers[HEADER_ERROR_CODE] == "identity.unresolved"
    report = letter.message.headers[HEADER_ERROR_REPORT]
    assert str(person.booking_id) not in report  # the identifier is masked
    issue = json.loads(report)["issues"][0]
    assert issue["path"] == "/body/booking_id"
    assert Ident.parse(f"booking:{person.booking_id}").masked() in issue["message"]
    # the original bytes, for a replay once the link is made by hand
    assert letter.message.body == original.body
    assert not out.arrived
    await out.close()
    await dead.close()


async def test_the_index_step_learns_from_the_traffic(
    broker: Broker, running: Any, unique: str, tmp_path: Path
) -> None:
    (person,) = make_people(1, start=14)
    index_path = tmp_path / "i.db"
    tap = await Sink.on(broker, f"{unique}.tap", bind=(CANONICAL, "identity.#"))
    await running(rule_service(f"{unique}-rules", index_path))
    await send(broker, "hmpps-events", person.identifier_added)
    await tap.wait_for(1)
    await tap.quiet(0.5)
    with open_index(f"sqlite:///{index_path}", migrate=False) as index:
        known = {str(i) for i in index.resolve(Ident.parse(f"noms:{person.noms}")).identifiers}
    assert {f"crn:{person.crn}", f"book:{person.book_number}"} <= known
    await tap.close()


def test_a_rule_service_is_configured_with_rules_and_an_index() -> None:
    document: dict[str, Any] = {
        "broker": {"url": "memory://"},
        "services": [
            {
                "name": "rules",
                "role": "rule",
                "rules": ["index", "release-dates-to-key-dates"],
                "subscribe": ["#"],
                "index": "postgresql://cjx:secret@127.0.0.1/people",
                "link_wait": 90.5,
            }
        ],
    }
    (service,) = parse_config(document, environ={}).services
    assert service.format == "canonical-xml"
    assert service.rules == ("index", "release-dates-to-key-dates")
    assert service.options.link_wait == 90.5
    assert "secret" not in repr(service)
    (service,) = parse_config(document, environ={"CJX_IDENTITY_URL": "sqlite:///other.db"}).services
    assert service.index == "sqlite:///other.db"
    for change, says in (
        ({"rules": ["no-such-rule"]}, "unknown rule"),
        ({"rules": []}, "needs rules"),
        ({"index": None}, "needs index"),
        ({"subscribe": []}, "needs subscribe"),
        ({"format": "libra-spi"}, "canonical-xml or canonical-json"),
        ({"destination": "delius"}, "no destination"),
    ):
        raw = {k: v for k, v in {**document["services"][0], **change}.items() if v is not None}
        with pytest.raises(ConfigurationError, match=says):
            parse_config({"broker": document["broker"], "services": [raw]}, environ={})
    outbound = {
        "name": "out",
        "role": "outbound",
        "format": "delius-key-dates",
        "subscribe": [KEY_DATES],
        "destination": "delius",
        "index": "sqlite:///i.db",
    }
    with pytest.raises(ConfigurationError, match="for rule services only"):
        parse_config({"broker": document["broker"], "services": [outbound]}, environ={})


async def test_look_ups_alone_are_planned_side_by_side(
    broker: Broker, running: Any, unique: str, tmp_path: Path
) -> None:
    """A service whose rules only look up plans a backlog on several threads, each with a
    connection of its own; every output is right (per-key order is the runtime's, as ever)."""
    people = make_people(60, start=2_000)
    index_path = tmp_path / "i.db"
    with open_index(f"sqlite:///{index_path}") as index:
        for person in people:
            (envelope,) = translate(
                person.prisoner_record, from_format="prisoner-search", to_format="canonical-xml"
            ).envelopes
            index.learn(envelope)
    config = ServiceConfig(
        name=f"{unique}-key-dates",
        role="rule",
        format="canonical-xml",
        subscribe=("custody.release-dates.v1",),
        rules=("release-dates-to-key-dates",),
        index=f"sqlite:///{index_path}",
        options=Options(retry=WAIT_RETRY),
    )
    out = await Sink.on(broker, f"{unique}.out", bind=(CANONICAL, KEY_DATES))
    service = await running(config)
    assert not service._learns
    for person in people:
        await send(broker, "prison-api-sentence", person.release_dates)
    arrived = await out.wait_for(len(people), timeout=60)
    by_noms = {p.noms: p for p in people}
    assert sorted(key_dates_of(a.message.body)[0] for a in arrived) == sorted(by_noms)
    for a in arrived:
        assert_key_dates(a.message.body, by_noms[key_dates_of(a.message.body)[0]])
    assert len(service._opened) >= 1  # spare connections were used, and stop() closes them
    await out.close()
