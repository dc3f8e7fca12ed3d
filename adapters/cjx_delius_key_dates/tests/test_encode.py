"""Encoding makes the call only for the replacement it makes: the seven key dates, whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.golden import fixed_clock

from cjx.codec import decode_json
from cjx.errors import UnknownMessageType, ValidationFailed
from cjx.model import KeyDate, KeyDateCode
from cjx_delius_key_dates import adapter

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "tests/fixtures/canonical/key-dates-replaced.json"


def _with(**update: Any) -> Any:
    envelope = decode_json(EXAMPLE.read_bytes())
    body = envelope.body.model_validate({**envelope.body.model_dump(), **update})
    return envelope.model_copy(update={"body": body})


def test_the_canonical_example_encodes_as_the_call() -> None:
    envelope = decode_json(EXAMPLE.read_bytes())
    assert json.loads(adapter.encode(envelope)) == {
        "nomsNumber": "A5089DY",
        "bookingNumber": "38339A",
        "keyDates": {
            "conditionalReleaseDate": "2022-11-28",
            "licenceExpiryDate": "2025-09-10",
            "sentenceExpiryDate": "2025-09-10",
        },
    }
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    assert (again.body, again.subject) == (envelope.body, envelope.subject)


@pytest.mark.parametrize(
    "scope",
    [
        ["ACR", "LED", "HDE", "PED", "SED", "EXP"],  # PSSED would be left alone, not removed
        ["ACR", "LED", "HDE", "PED", "SED", "EXP", "PSSED", "POM1"],  # POM1 would be kept
        ["POM1", "POM2"],
        ["ACR", "LED", "HDE", "PED", "SED", "EXP", "PSSED", "EMED"],  # an unknown code
    ],
)
def test_a_replacement_of_another_scope_is_refused(scope: list[str]) -> None:
    """The call removes exactly the seven custody-managed key dates it does not supply."""
    envelope = _with(scope=scope, key_dates=[])
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("delius-key-dates.scope", "/body/scope")
    ]


def test_a_replacement_with_a_date_outside_the_calls_scope_is_refused() -> None:
    envelope = _with(
        scope=["ACR", "LED", "HDE", "PED", "SED", "EXP", "PSSED", "POM1"],
        key_dates=[{"code": "POM1", "date": "2024-06-01"}],
    )
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    assert caught.value.report.codes == ("delius-key-dates.scope",)


def test_key_dates_are_written_in_community_apis_order() -> None:
    envelope = _with(
        key_dates=[
            KeyDate(code=KeyDateCode.POST_SENTENCE_SUPERVISION_END, date="2030-01-01"),
            KeyDate(code=KeyDateCode.AUTOMATIC_CONDITIONAL_RELEASE, date="2022-11-26"),
        ]
    )
    assert adapter.encode(envelope) == (
        b'{"nomsNumber":"A5089DY","bookingNumber":"38339A","keyDates":'
        b'{"conditionalReleaseDate":"2022-11-26","postSentenceSupervisionEndDate":"2030-01-01"}}'
    )


def test_other_message_types_are_not_encoded() -> None:
    other = decode_json((ROOT / "tests/fixtures/canonical/release-dates.json").read_bytes())
    with pytest.raises(UnknownMessageType):
        adapter.encode(other)
