"""Golden files and the round-trip laws on every fixture of the ``hmpps-events`` adapter.

Every fixture ``golden/NAME.input.json`` has golden files next to it:

* an accepted fixture: ``NAME.canonical.json`` (:func:`cjx.codec.encode_json` of the decoded
  envelope, with a fixed clock) and ``NAME.reencoded.json`` (exactly what ``encode`` writes); and
  ``NAME.expected-issues.json`` only when the report is not empty (information such as a
  normalised NOMS number);
* a rejected fixture: ``NAME.expected-issues.json``, the exact sorted list of issue codes.

The fixtures are the shared examples (``shared.*``), the demo events of
``examples/hmpps-events/`` (``demo.*``) and the format's designed valid and invalid events.

Set ``CJX_REGENERATE_GOLDEN=1`` to rewrite the golden files after an intended change, then review
the diff: ``CJX_REGENERATE_GOLDEN=1 pytest adapters/cjx_hmpps_events``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.golden import compare_or_write

from cjx.codec import decode_json, encode_json
from cjx.errors import Report, ValidationFailed
from cjx.validation import json_schema_issues, json_validator
from cjx_hmpps_events import EVENTS, adapter

from .support import FIXTURES, GOLDEN, bare_event, comparable, fixed_clock, is_rejected, name_of


def _codes(codes: list[str]) -> bytes | None:
    return (json.dumps(sorted(codes), indent=1) + "\n").encode() if codes else None


def test_there_are_fixtures_of_every_kind() -> None:
    """Every shared example, demo event and designed example is a fixture."""
    names = [name_of(f) for f in FIXTURES]
    assert sum(n.startswith("shared.") for n in names) == 3
    assert sum(n.startswith("demo.") for n in names) == 12
    assert len(names) >= 60


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_fixture_behaves_as_its_golden_files_say(fixture: Path) -> None:
    """Each fixture decodes to its golden canonical message and re-encoding, or is rejected
    with exactly its golden issue codes."""
    name = name_of(fixture)
    rejection: Report | None = None
    try:
        translation = adapter.translate(
            fixture.read_bytes(), source=fixture.name, clock=fixed_clock
        )
    except ValidationFailed as exc:
        rejection = exc.report
    if rejection is not None:
        assert rejection.errors
        compare_or_write(GOLDEN / f"{name}.expected-issues.json", _codes(list(rejection.codes)))
        compare_or_write(GOLDEN / f"{name}.canonical.json", None)
        compare_or_write(GOLDEN / f"{name}.reencoded.json", None)
        return
    (envelope,) = translation.envelopes
    compare_or_write(GOLDEN / f"{name}.canonical.json", encode_json(envelope) + b"\n")
    compare_or_write(GOLDEN / f"{name}.reencoded.json", adapter.encode(envelope))
    compare_or_write(
        GOLDEN / f"{name}.expected-issues.json", _codes(list(translation.report.codes))
    )
    assert translation.report.ok


def test_golden_outcomes_are_the_designed_ones() -> None:
    """The designed valid events are accepted, every other fixture is rejected, and the
    accepted ones cover all six message types."""
    accepted = {name_of(f) for f in FIXTURES if not is_rejected(f)}
    assert accepted == {
        "merged.microseconds-plus-zero",
        "merged.wrapped-detail-url",
        "prison-identifier-added.crn-then-noms-detail-url",
        "prison-identifier-added.no-detail-url",
        "received.admission-nanoseconds",
        "received.wrapped-return-from-court-detail-url",
        "registration-added.high-rosh-bst-empty-levels",
        "registration-added.wrapped-mappa-gmt",
        "released.discharged-to-probation",
        "released.wrapped-sent-to-court",
        "sentence-dates-changed.booking-and-calculation",
        "sentence-dates-changed.z-offset-one-nanosecond",
        "shared.prisoner-received",
        "shared.prisoner-released-wrapped",
        "shared.registration-added",
        "demo.prison-identifier-added",
        "demo.prisoner-merged-wrapped",
        "demo.prisoner-received",
        "demo.prisoner-received-lower-case-noms",
        "demo.prisoner-received-transfer-wrapped",
        "demo.prisoner-released",
        "demo.registration-added-high-rosh",
        "demo.registration-added-mappa-wrapped",
        "demo.sentence-dates-changed",
    }
    kinds = {
        json.loads((GOLDEN / f"{n}.canonical.json").read_text())["message_type"] for n in accepted
    }
    assert kinds == {spec.message_type for spec in EVENTS.values()}


# --- round-trip laws on every accepted fixture ----------------------------------------------

ACCEPTED = [f for f in FIXTURES if not is_rejected(f)]
NORMALISED = {
    name_of(f) for f in ACCEPTED if (GOLDEN / f"{name_of(f)}.expected-issues.json").exists()
}


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_reencoding_gives_the_same_event(fixture: Path) -> None:
    """encode(decode(x)) is the same JSON value as the (unwrapped) event x: same keys and
    values; timestamps at the same instant and offset with the same fraction digits. An event
    whose identifiers were normalised re-encodes in canonical form, which is then a fixed point."""
    data = fixture.read_bytes()
    (envelope,) = adapter.decode(data, clock=fixed_clock)
    encoded = adapter.encode(envelope)
    if name_of(fixture) in NORMALISED:
        (again,) = adapter.decode(encoded, clock=fixed_clock)
        assert adapter.encode(again) == encoded
        return
    assert comparable(json.loads(encoded)) == comparable(bare_event(data))
    assert json.loads(encoded) == bare_event(data)  # and here even the text of each value


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_decoding_the_encoding_gives_the_same_message(fixture: Path) -> None:
    """decode(encode(m)) == m. Encoding writes the bare event, so a message that came wrapped
    comes back as the bare event's message: without the notification's MessageId."""
    data = fixture.read_bytes()
    (envelope,) = adapter.decode(data, clock=fixed_clock)
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    if envelope.correlation_id is None:
        assert again == envelope
    else:
        (bare,) = adapter.decode(json.dumps(bare_event(data)).encode(), clock=fixed_clock)
        assert again == bare
        assert (again.body, again.subject, again.occurred_at) == (
            envelope.body,
            envelope.subject,
            envelope.occurred_at,
        )


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_golden_canonical_json_is_the_decoded_message(fixture: Path) -> None:
    """The canonical golden file reads back (canonical JSON codec) as the decoded message."""
    (envelope,) = adapter.decode(fixture.read_bytes(), clock=fixed_clock)
    assert decode_json((GOLDEN / f"{name_of(fixture)}.canonical.json").read_bytes()) == envelope


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_reencoded_event_is_valid_under_its_schema(fixture: Path) -> None:
    """What encoding writes is valid under the event type's own JSON Schema."""
    event = json.loads((GOLDEN / f"{name_of(fixture)}.reencoded.json").read_bytes())
    validator = json_validator(EVENTS[event["eventType"]].schema)
    assert json_schema_issues(validator, event) == []
