"""Golden files and the round-trip laws on every fixture of the ``prison-api-sentence`` adapter.

See ``tests/golden.py`` for the layout; ``CJX_REGENERATE_GOLDEN=1`` rewrites the golden files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.golden import check_golden, check_round_trips, fixtures, name_of, outcome

from cjx_prison_api_sentence import adapter

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FIXTURES = fixtures(GOLDEN)
ACCEPTED = [f for f in FIXTURES if (GOLDEN / f"{name_of(f)}.canonical.json").exists()]


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_fixture_behaves_as_its_golden_files_say(fixture: Path) -> None:
    """Each fixture decodes to its golden canonical message and re-encoding, or is rejected
    with exactly its golden issues (codes and paths)."""
    check_golden(adapter, fixture)


def test_golden_outcomes_are_the_designed_ones() -> None:
    """The shared samples and designed valid documents are accepted; every other is rejected."""
    accepted = {name_of(f) for f in FIXTURES if outcome(adapter, f).accepted}
    assert accepted == {
        "shared.getSentenceDetail_1200835",
        "shared.offender_detail_recall-sentenceDetail",
        "every-member",
        "booking-id-only",
        "negative-booking-id-test-data",
        "explicit-nulls",
        "overrides-and-confirmed-release",
        "unknown-release-date-type",
        "unknown-members-not-carried",
        "contradiction-release-date",
        "contradiction-derived-dates",
        "derived-date-without-its-source",
    }
    assert len(FIXTURES) - len(accepted) == 13


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_round_trip_laws(fixture: Path) -> None:
    """encode(decode(x)) is x as a JSON value (after the null rule, unknown members left out);
    decode(encode(m)) == m."""
    check_round_trips(adapter, fixture, "prison-api-sentence.unknown-field")


@pytest.mark.parametrize(
    ("golden", "source", "path"),
    [
        (
            "shared.getSentenceDetail_1200835",
            "prison-to-probation-update__getSentenceDetail_1200835.wiremock.json",
            ("response", "jsonBody"),
        ),
        (
            "shared.offender_detail_recall-sentenceDetail",
            "prison-api__offender_detail_recall.json",
            ("sentenceDetail",),
        ),
    ],
)
def test_shared_inputs_are_their_sources_payloads(
    golden: str, source: str, path: tuple[str, ...]
) -> None:
    """The shared golden inputs are exactly the documents inside the verbatim fixtures."""
    value = json.loads((HERE / "fixtures" / source).read_bytes())
    for key in path:
        value = value[key]
    assert json.loads((GOLDEN / f"{golden}.input.json").read_bytes()) == value


def test_every_member_is_carried() -> None:
    """A document holding all 50 members decodes with no issue and re-encodes every one."""
    data = (GOLDEN / "every-member.input.json").read_bytes()
    translation = adapter.translate(data)
    assert translation.report.issues == ()
    assert json.loads(adapter.encode(translation.envelopes[0])) == json.loads(data)
    assert len(json.loads(data)) == 50
