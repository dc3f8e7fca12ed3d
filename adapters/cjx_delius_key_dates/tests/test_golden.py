"""Golden files and the round-trip laws on every fixture of the ``delius-key-dates`` adapter.

See ``tests/golden.py`` for the layout; ``CJX_REGENERATE_GOLDEN=1`` rewrites the golden files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.golden import check_golden, check_round_trips, fixtures, name_of, outcome

from cjx.model import CUSTODY_MANAGED_KEY_DATES
from cjx_delius_key_dates import KEY_DATES, adapter

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
    """The composed calls and designed valid documents are accepted; every other is rejected."""
    accepted = {name_of(f) for f in FIXTURES if outcome(adapter, f).accepted}
    assert accepted == {
        "handover.A5089DY-38339A",
        "conviction-key-dates.A5089DY-38353A",
        "all-seven",
        "empty-key-dates-removes-all",
        "explicit-nulls",
        "lower-case-identifiers",
        "unknown-members-not-carried",
    }
    assert len(FIXTURES) - len(accepted) == 13


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_round_trip_laws(fixture: Path) -> None:
    """encode(decode(x)) is x as a JSON value (after the null rule, unknown members left out);
    decode(encode(m)) == m."""
    check_round_trips(adapter, fixture, "delius-key-dates.unknown-field")


def test_conviction_key_dates_are_the_stubs_custody() -> None:
    """The composed input carries exactly the custody of the verbatim community-api stub."""
    stub = json.loads(
        (
            HERE / "fixtures/prison-to-probation-update__getConviction_X142620.wiremock.json"
        ).read_bytes()
    )
    custody = stub["response"]["jsonBody"][0]["custody"]
    document = json.loads((GOLDEN / "conviction-key-dates.A5089DY-38353A.input.json").read_bytes())
    assert document["keyDates"] == custody["keyDates"]
    assert document["bookingNumber"] == custody["bookingNumber"]


def test_an_empty_call_replaces_all_seven_key_dates_with_nothing() -> None:
    """``keyDates: {}`` is a complete replacement: all seven are in scope, none is kept."""
    (envelope,) = adapter.decode((GOLDEN / "empty-key-dates-removes-all.input.json").read_bytes())
    assert envelope.body.scope == CUSTODY_MANAGED_KEY_DATES
    assert envelope.body.key_dates == ()


def test_the_members_are_the_seven_custody_managed_key_dates() -> None:
    assert tuple(KEY_DATES.values()) == CUSTODY_MANAGED_KEY_DATES
