"""Encoding refuses what the Prisoner document cannot carry, rather than drop it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.golden import fixed_clock

from cjx.codec import decode_json
from cjx.errors import UnknownMessageType, ValidationFailed
from cjx.model import Envelope, SentenceDate, Timestamp
from cjx_prisoner_search import adapter

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "tests/fixtures/canonical/prisoner-record.json"


def _with_body(envelope: Envelope[Any], **groups: Any) -> Envelope[Any]:
    return envelope.model_copy(update={"body": envelope.body.model_copy(update=groups)})


def test_a_sentence_date_part_without_a_member_is_refused_at_its_canonical_pointer() -> None:
    """The document sends each date under its own name only: CRD's calculated value and the
    mid-term date (which it never sends) are refused."""
    envelope = decode_json(EXAMPLE.read_bytes())
    sentence = envelope.body.sentence
    dates = sentence.dates.model_copy(
        update={
            "conditional_release": SentenceDate(
                reported=dt.date(2023, 5, 16), calculated=dt.date(2023, 5, 15)
            ),
            "mid_term": SentenceDate(reported=dt.date(2022, 1, 1)),
        }
    )
    envelope = _with_body(envelope, sentence=sentence.model_copy(update={"dates": dates}))
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("prisoner-search.not-carried", "/body/sentence/dates/conditional_release/calculated"),
        ("prisoner-search.not-carried", "/body/sentence/dates/mid_term/reported"),
    ]


def test_an_instant_without_a_london_wall_clock_time_is_refused() -> None:
    """A canonical producer's timestamp before 1847 has no whole-minute London offset."""
    envelope = decode_json(EXAMPLE.read_bytes())
    incentive = envelope.body.incentive_level.model_copy(
        update={"date_time": Timestamp.parse("1800-01-01T12:00:00Z")}
    )
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(_with_body(envelope, incentive_level=incentive))
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("local-datetime.format", "/body/incentive_level/date_time")
    ]


def test_the_canonical_example_encodes_and_comes_back() -> None:
    """The committed canonical example of custody.prisoner-record is encodable; decoding the
    document gives its body and subject back (the header is the reader's: clock and source)."""
    envelope = decode_json(EXAMPLE.read_bytes())
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    # the changed groups (1.2) describe the message, not the person: the document, a
    # prisoner's state, has no member for them and they are not written
    assert envelope.body.changed_groups
    assert again.body.changed_groups is None
    body = envelope.body.model_copy(update={"changed_groups": None})
    assert (again.body, again.subject) == (body, envelope.subject)


def test_other_message_types_are_not_encoded() -> None:
    other = decode_json((ROOT / "tests/fixtures/canonical/release-dates.json").read_bytes())
    with pytest.raises(UnknownMessageType):
        adapter.encode(other)
