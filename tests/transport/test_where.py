"""Content-based routing: an outbound service's ``where`` (issue 13, part 4).

The selector on decoded court results (every operator, optional fields, numbers and dates),
the model checks at load time (through ``cjx run`` and ``topology apply``: exit 2), and court
results for several courts through the services on the memory broker and the real RabbitMQ:
each force's destination gets its courts only, and a result no destination selects is
acknowledged, counted once and logged without personal data.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.messages import court_result
from tests.transport.helpers import Sink

from cjx.adapter import get_adapter
from cjx.cli import main
from cjx.errors import ConfigurationError
from cjx.model import Envelope, OuCode
from cjx.service import REGISTRY, Options, ServiceConfig, parse_config
from cjx.service._where import Selector, compile_where, parse_where, unselected_watch
from cjx.testing import services_on
from cjx.transport import INBOUND, Broker, Message, RetryPolicy, destination_queue, dlq_name

COURT = "court.case-resulted"
SAMPLE_COURT = b">B01EF01<"  # the hearing's court (CourtHearingLocation) in tests/messages.py


def court_at(code: str, n: int) -> bytes:
    """A court result heard at ``code`` whose ids are unique to ``n``."""
    data = court_result(n)
    assert data.count(SAMPLE_COURT) == 1
    return data.replace(SAMPLE_COURT, f">{code}<".encode())


def envelope_at(code: str, n: int = 1) -> Envelope[Any]:
    return get_adapter("libra-spi").decode(court_at(code, n))[0]


def selector(where: dict[str, Any], types: tuple[str, ...] = (COURT,)) -> Selector:
    return compile_where(parse_where(where, "test"), types, "test")


# --- the selector --------------------------------------------------------------------------


def test_prefix_selects_one_force_s_courts() -> None:
    """The issue's example, on the model's field: B01 courts are selected, others are not."""
    select = selector({"hearing.court": {"prefix": "B01"}})
    assert envelope_at("B01EF01").body.hearing.court == OuCode("B01EF01")
    assert select(envelope_at("B01EF01"))
    assert select(envelope_at("B01XY99"))
    assert not select(envelope_at("B43AB00"))
    assert not select(envelope_at("C01EF01"))  # a prefix is the start, not anywhere
    several = selector({"hearing.court": {"prefix": ["B01", "B43"]}})
    assert several(envelope_at("B43AB00"))
    assert not several(envelope_at("C99AA00"))


def test_equals_in_and_not() -> None:
    b01, b43 = envelope_at("B01EF01"), envelope_at("B43AB00")
    assert selector({"hearing.court": {"equals": "B01EF01"}})(b01)
    assert not selector({"hearing.court": {"equals": "B01EF0"}})(b01)
    assert selector({"hearing.court": {"in": ["B43AB00", "B01EF01"]}})(b01)
    assert not selector({"hearing.court": {"in": ["B43AB00"]}})(b01)
    negated = selector({"hearing.court": {"not": {"prefix": "B01"}}})
    assert (negated(b01), negated(b43)) == (False, True)
    assert selector({"hearing.court": {"not": {"in": ["B43AB00"]}}})(b01)


def test_numbers_dates_enumerations_and_several_conditions() -> None:
    b01 = envelope_at("B01EF01")
    assert b01.body.hearing.psa_code == 2576
    assert selector({"hearing.psa_code": {"equals": 2576}})(b01)
    assert selector({"hearing.psa_code": {"in": [1, 2576]}})(b01)
    assert selector({"hearing.date": {"equals": "2011-09-26"}})(b01)
    assert selector({"hearing.date": {"prefix": "2011-"}})(b01)
    assert selector({"defendant.presence": {"equals": "REPRESENTED"}})(b01)
    both = selector({"hearing.court": {"prefix": "B01"}, "hearing.psa_code": {"equals": 1}})
    assert not both(b01)  # every condition must hold
    one_field_two_operators = selector({"hearing.court": {"prefix": "B", "not": {"equals": "B43"}}})
    assert one_field_two_operators(b01)


def test_an_optional_field_left_out_has_no_value() -> None:
    """defendant.organisation is absent from the sample: no value, so only `not` holds."""
    b01 = envelope_at("B01EF01")
    assert b01.body.defendant.organisation is None
    assert b01.body.defendant.pnc_id is None
    assert not selector({"defendant.organisation.name": {"prefix": "A"}})(b01)
    assert not selector({"defendant.pnc_id": {"equals": "x"}})(b01)
    assert selector({"defendant.organisation.name": {"not": {"prefix": "A"}}})(b01)


# --- checked against the model when the configuration is loaded -----------------------------


def police(where: Any, subscribe: list[str] | None = None, fmt: str = "libra-spi") -> Any:
    return {
        "broker": {"url": "memory://"},
        "services": [
            {
                "name": "police-01-out",
                "role": "outbound",
                "format": fmt,
                "subscribe": subscribe or ["court.case-resulted.v1"],
                "destination": "police-01",
                "where": where,
            }
        ],
    }


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        # the issue's own example names a field the model does not have: the fields are listed
        (
            {"hearing.court_ou_code": {"prefix": "01"}},
            "where 'hearing.court_ou_code': court.case-resulted has no field 'court_ou_code' in "
            "hearing (its fields: court, psa_code, date, time)",
        ),
        ({"court": {"prefix": "B01"}}, "has no field 'court' in the body"),
        ({"hearing": {"prefix": "B01"}}, "is a group of fields; name one of them: hearing.court"),
        ({"offences.code": {"equals": "x"}}, "offences of court.case-resulted is a list"),
        ({"hearing.court.x": {"equals": "x"}}, "is a single value, with no fields below it"),
        ({"hearing.psa_code": {"prefix": "25"}}, "prefix needs a text field"),
        ({"hearing.psa_code": {"equals": "2576"}}, "the field is a whole number"),
        ({"hearing.court": {"equals": 1}}, "the field is text"),
        ({"hearing.court": {"startswith": "B"}}, "unknown operator 'startswith'"),
        ({"hearing.court": {"in": []}}, "must be a list of values"),
        ({"hearing.court": {"not": {"not": {"equals": "B"}}}}, "unknown operator 'not'"),
        ({"hearing.court": "B01"}, "must be a table of operators"),
        ({"hearing..court": {"equals": "B"}}, "is not a field path"),
        ({}, "where must be a table of field paths"),
    ],
)
def test_where_mistakes_are_named(where: Any, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_config(police(where), source="deploy.toml", environ={})
    assert "deploy.toml service 'police-01-out'" in str(caught.value)
    assert fragment in str(caught.value)


def test_a_path_must_exist_on_every_subscribed_type() -> None:
    """canonical-json subscribed to court results and prisoner receptions: hearing.court is not
    a field of the second, so the configuration is refused, naming it."""
    where = {"hearing.court": {"prefix": "B01"}}
    subscribe = ["court.case-resulted.v1", "custody.prisoner-received.v1"]
    with pytest.raises(ConfigurationError, match=r"custody\.prisoner-received has no field"):
        parse_config(police(where, subscribe, "canonical-json"), environ={})
    assert parse_config(police(where), environ={}).services[0].where


def test_where_is_for_outbound_services_only() -> None:
    document = {
        "broker": {"url": "memory://"},
        "services": [{"name": "a", "role": "inbound", "format": "libra-spi", "where": {}}],
    }
    with pytest.raises(ConfigurationError, match="outbound services only"):
        parse_config(document, environ={})


def test_cjx_run_and_topology_apply_refuse_a_bad_path(tmp_path: Path) -> None:
    config = tmp_path / "services.toml"
    config.write_text(
        '[broker]\nurl = "memory://"\n\n[[services]]\nname = "police-01-out"\n'
        'role = "outbound"\nformat = "libra-spi"\nsubscribe = ["court.case-resulted.v1"]\n'
        'destination = "police-01"\nwhere = { "hearing.court_ou_code" = { prefix = "01" } }\n',
        encoding="utf-8",
    )
    for command in (["run"], ["topology", "apply"]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert main([*command, "--config", str(config)]) == 2
        assert "service 'police-01-out': where 'hearing.court_ou_code'" in err.getvalue()


# --- who reports a message selected by none ----------------------------------------------------


def outbound(name: str, where: dict[str, Any] | None, fmt: str = "libra-spi") -> ServiceConfig:
    return ServiceConfig(
        name=name,
        role="outbound",
        format=fmt,
        subscribe=("court.case-resulted.v1",),
        destination=name,
        options=Options(retry=RetryPolicy(attempts=2, base_seconds=0.05, cap_seconds=0.1)),
        where=parse_where(where, name) if where else (),
    )


def test_the_first_subscriber_reports_and_a_catch_all_means_never_unselected() -> None:
    one = outbound("p01", {"hearing.court": {"prefix": "B01"}})
    two = outbound("p43", {"hearing.court": {"prefix": "B43"}})
    assert set(unselected_watch(one, [one, two])) == {COURT}
    (others,) = unselected_watch(one, [one, two]).values()
    assert [o(envelope_at("B43AB00")) for o in others] == [True]
    assert unselected_watch(two, [one, two]) == {}  # p01 reports for court results
    archive = outbound("archive", None, "canonical-json")
    assert unselected_watch(one, [one, two, archive]) == {}  # archive takes everything
    assert set(unselected_watch(one, [])) == {COURT}  # alone: it is the only destination


# --- through the services, on both brokers ----------------------------------------------------


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _consumed(service: str, labels: dict[str, str]) -> float:
    return _sample("cjx_messages_consumed_total", {"service": service, **labels})


async def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_each_force_gets_its_courts_and_the_rest_is_counted_once(
    broker: Broker, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Court results for B01, B43 and C99 courts; destinations select B01 and B43. Each gets
    its own; the C99 result is acknowledged by both, counted once as unselected (by the first
    subscriber) and logged once as a warning with ids and type only. Nothing is dead-lettered
    and nothing stays in a queue."""
    court_in = ServiceConfig(f"{unique}-court-in", "inbound", "libra-spi")
    p01 = outbound(f"{unique}-p01", {"hearing.court": {"prefix": "B01"}})
    p43 = outbound(f"{unique}-p43", {"hearing.court": {"prefix": "B43"}})
    peers = [court_in, p01, p43]
    caplog.set_level(logging.INFO, logger="cjx.service")
    async with services_on(broker) as start:
        for c in peers:
            await start(c, peers=peers)
        sinks = [await Sink.on(broker, destination_queue("libra-spi", c.name)) for c in (p01, p43)]
        sent = {"B01EF01": 1, "B43AB00": 2, "C99AA00": 3, "B01ZZ99": 4}
        for code, n in sent.items():
            message = Message(body=court_at(code, n), message_id=f"{unique}-{n}")
            await broker.publish(INBOUND, "libra-spi", message)
        await sinks[0].wait_for(2)
        await sinks[1].wait_for(1)
        declined = {"message_type": COURT, "outcome": "not-selected"}
        for c, count in ((p01, 2), (p43, 3)):  # B43 and C99 / B01, C99 and B01
            await _until(lambda c=c, n=count: _consumed(c.name, declined) == n)
        for sink in sinks:
            await sink.quiet(0.3)
            await sink.close()
        got = [
            sorted(
                get_adapter("libra-spi").decode(a.message.body)[0].body.hearing.court
                for a in s.arrived
            )
            for s in sinks
        ]
        assert got == [["B01EF01", "B01ZZ99"], ["B43AB00"]]
        for c in (p01, p43):
            assert await broker.queue_length(dlq_name(c.name)) == 0
    unselected = {"message_type": COURT}
    assert _sample("cjx_messages_unselected_total", {"service": p01.name, **unselected}) == 1
    assert _sample("cjx_messages_unselected_total", {"service": p43.name, **unselected}) == 0
    warnings = [r for r in caplog.records if getattr(r, "cjx", {}).get("event") == "unselected"]
    assert len(warnings) == 1
    fields = warnings[0].cjx  # type: ignore[attr-defined]
    assert warnings[0].levelno == logging.WARNING
    assert set(fields) == {"service", "message_id", "routing_key", "message_type", "event"}
    assert fields["service"] == p01.name
    assert fields["message_type"] == COURT
    assert fields["routing_key"] == "court.case-resulted.v1"
    c99 = envelope_at("C99AA00", 3)
    assert fields["message_id"] == str(c99.message_id)
    logged = " ".join(str(r.__dict__) for r in caplog.records)
    assert "C99AA00" not in logged
    assert "TRPRFOUR" not in logged
