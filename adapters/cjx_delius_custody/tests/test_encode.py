"""Encoding writes the form the record needs and refuses what community-api cannot hold."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.golden import fixed_clock

from cjx.codec import decode_json
from cjx.errors import UnknownMessageType, ValidationFailed
from cjx.model import (
    AdditionalSentence,
    CustodyKeyDates,
    DeliusLicenceConditions,
    DeliusSentence,
    KeyDate,
    KeyDateCode,
    Timestamp,
)
from cjx_delius_custody import adapter

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "tests/fixtures/canonical/custody-record.json"
GOLDEN = Path(__file__).parent / "golden"


def _example() -> Any:
    return decode_json(EXAMPLE.read_bytes())


def _with(envelope: Any, **update: Any) -> Any:
    return envelope.model_copy(update={"body": envelope.body.model_copy(update=update)})


def _with_conviction(envelope: Any, **update: Any) -> Any:
    return _with(envelope, conviction=envelope.body.conviction.model_copy(update=update))


def _refused(envelope: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    return [(i.code, i.path) for i in caught.value.report.issues]


def test_the_canonical_example_encodes_as_a_composed_record_and_comes_back() -> None:
    envelope = _example()
    document = json.loads(adapter.encode(envelope))
    assert list(document) == ["otherIds", "conviction", "licenceConditions", "sentenceStatus"]
    assert document["otherIds"] == {
        "crn": "X142620",
        "pncNumber": "2003/0011985X",
        "nomsNumber": "A5089DY",
        "mostRecentPrisonerNumber": "38353A",
    }
    assert document["conviction"]["custody"]["keyDates"] == {
        "conditionalReleaseDate": "2027-09-19",
        "licenceExpiryDate": "2032-01-21",
        "sentenceExpiryDate": "2035-01-20",
    }
    assert document["sentenceStatus"]["lengthUnit"] == "Years"
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    assert (again.body, again.subject) == (envelope.body, envelope.subject)


def test_a_record_with_nothing_but_its_conviction_is_a_bare_conviction() -> None:
    envelope = _with(
        _example(),
        crn=None,
        pnc_id=None,
        noms_number=None,
        most_recent_book_number=None,
        licence_conditions=None,
        sentence_status=None,
    )
    document = json.loads(adapter.encode(envelope))
    assert document["convictionId"] == 2500283547
    assert "conviction" not in document


def test_no_licence_conditions_is_written_as_an_empty_list() -> None:
    """Fetched and none (an empty list) differs from not fetched (no member)."""
    envelope = _with(_example(), licence_conditions=DeliusLicenceConditions())
    assert json.loads(adapter.encode(envelope))["licenceConditions"] == []
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    assert again.body.licence_conditions == DeliusLicenceConditions()


def test_identifiers_without_a_crn_are_refused() -> None:
    """community-api's IDs require the CRN."""
    assert _refused(_with(_example(), crn=None)) == [("delius-custody.not-carried", "/body/crn")]


@pytest.mark.parametrize(
    "code", [KeyDateCode.SUSPENSION_DATE_IF_RESET, KeyDateCode.FINAL_THIRD_START, "EMED"]
)
def test_a_key_date_community_api_has_no_member_for_is_refused(code: Any) -> None:
    envelope = _example()
    custody = envelope.body.conviction.custody
    dates = (*custody.key_dates.dates, KeyDate(code=code, date="2030-01-01"))
    custody = custody.model_copy(update={"key_dates": CustodyKeyDates(dates=dates)})
    index = [str(k.code) for k in CustodyKeyDates(dates=dates).dates].index(str(code))
    assert _refused(_with_conviction(envelope, custody=custody)) == [
        (
            "delius-custody.not-carried",
            f"/body/conviction/custody/key_dates/dates/{index}/code",
        )
    ]


def test_an_amount_a_binary_float_cannot_hold_is_refused() -> None:
    sentence = DeliusSentence(
        additional_sentences=(
            AdditionalSentence(amount=Decimal("100.5")),
            AdditionalSentence(amount=Decimal("12345678901234567.25")),
        )
    )
    envelope = _with_conviction(_example(), sentence=sentence)
    assert _refused(envelope) == [
        (
            "delius-custody.not-carried",
            "/body/conviction/sentence/additional_sentences/1/amount",
        )
    ]


def test_amounts_are_json_numbers() -> None:
    sentence = DeliusSentence(
        additional_sentences=(
            AdditionalSentence(amount=Decimal("250")),
            AdditionalSentence(amount=Decimal("100.50")),
        )
    )
    document = json.loads(adapter.encode(_with_conviction(_example(), sentence=sentence)))
    amounts = [a["amount"] for a in document["conviction"]["sentence"]["additionalSentences"]]
    assert amounts == [250, 100.5]
    assert [type(a) for a in amounts] == [int, float]


def test_an_empty_list_inside_the_conviction_is_left_out() -> None:
    """Absent and empty lists are the same inside the conviction (no offences, no order
    managers, no additional sentences)."""
    envelope = _with_conviction(_example(), offences=())
    assert "offences" not in json.loads(adapter.encode(envelope))["conviction"]


def test_local_datetimes_are_written_as_london_wall_clock_text() -> None:
    """A timestamp at another offset is written at London's; its precision is kept."""
    envelope = _example()
    offence = envelope.body.conviction.offences[0]
    offence = offence.model_copy(update={"offence_date": Timestamp.parse("2019-07-17T23:00:00Z")})
    document = json.loads(adapter.encode(_with_conviction(envelope, offences=(offence,))))
    assert document["conviction"]["offences"][0]["offenceDate"] == "2019-07-18T00:00:00"


def test_other_message_types_are_not_encoded() -> None:
    other = decode_json((ROOT / "tests/fixtures/canonical/key-dates-replaced.json").read_bytes())
    with pytest.raises(UnknownMessageType):
        adapter.encode(other)
