"""Encoding refuses what SentenceCalcDates cannot carry, rather than drop it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.golden import fixed_clock

from cjx.codec import decode_json
from cjx.errors import UnknownMessageType, ValidationFailed
from cjx.model import SentenceDate
from cjx_prison_api_sentence import adapter

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "tests/fixtures/canonical/release-dates.json"


def test_a_part_without_a_member_is_refused_at_its_canonical_pointer() -> None:
    """CRD has no calculated member, tariff only its reported one: both are refused."""
    envelope = decode_json(EXAMPLE.read_bytes())
    dates = envelope.body.dates.model_copy(
        update={
            "conditional_release": SentenceDate(calculated=dt.date(2022, 11, 26)),
            "tariff": SentenceDate(reported=dt.date(2030, 1, 1), override=dt.date(2030, 2, 1)),
        }
    )
    envelope = envelope.model_copy(
        update={"body": envelope.body.model_copy(update={"dates": dates})}
    )
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("prison-api-sentence.not-carried", "/body/dates/conditional_release/calculated"),
        ("prison-api-sentence.not-carried", "/body/dates/tariff/override"),
    ]


def test_the_canonical_example_encodes_and_comes_back() -> None:
    """The committed canonical example of custody.release-dates is encodable; decoding the
    document gives its body and subject back (the header is the reader's: clock and source)."""
    envelope = decode_json(EXAMPLE.read_bytes())
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    assert (again.body, again.subject) == (envelope.body, envelope.subject)


def test_other_message_types_are_not_encoded() -> None:
    other = decode_json((ROOT / "tests/fixtures/canonical/key-dates-replaced.json").read_bytes())
    with pytest.raises(UnknownMessageType):
        adapter.encode(other)
