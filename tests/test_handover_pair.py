"""End to end on the handover pair: NOMIS booking 1200835 -> the Delius custody A5089DY/38339A.

prison-to-probation-update read the SentenceCalcDates of booking 1200835 and replaced the key
dates of the Delius custody (NOMS number A5089DY, book number 38339A) with the mapping
RULES.md records. This test walks the same path through cjx: the formats, the canonical forms,
and the rule ``release-dates-to-key-dates`` with the person index, whose result must equal the
mapping written out here by hand (the specification it meets).

prison-api-sentence -> custody.release-dates (canonical XML and JSON, both gates)
-> (rule, person index) probation.key-dates-replaced -> delius-key-dates, which must be the
composed call in the delius-key-dates golden files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.golden import fixed_clock

import cjx
from cjx.identity import Ident, open_index
from cjx.model import (
    CUSTODY_MANAGED_KEY_DATES,
    Envelope,
    KeyDate,
    KeyDateCode,
    KeyDatesReplaced,
    ReleaseDates,
    SubjectId,
    SubjectScheme,
)
from cjx.rules import get_rule

ROOT = Path(__file__).parents[1]
SENTENCE = ROOT / "adapters/cjx_prison_api_sentence/tests/golden"
KEY_DATES = ROOT / "adapters/cjx_delius_key_dates/tests/golden"


def _as_probation_key_dates(release: ReleaseDates) -> list[KeyDate]:
    """RULES.md's NOMIS -> Delius key-date mapping (verified twice there)."""
    d = release.dates
    crd = d.conditional_release
    pairs: list[tuple[KeyDateCode, dt.date | None]] = [
        (
            KeyDateCode.AUTOMATIC_CONDITIONAL_RELEASE,
            None if crd is None else (crd.override or crd.reported),
        ),
        (KeyDateCode.LICENCE_EXPIRY, d.licence_expiry.reported if d.licence_expiry else None),
        (
            KeyDateCode.PAROLE_ELIGIBILITY,
            d.parole_eligibility.reported if d.parole_eligibility else None,
        ),
        (KeyDateCode.SENTENCE_EXPIRY, d.sentence_expiry.reported if d.sentence_expiry else None),
        (KeyDateCode.EXPECTED_RELEASE, d.confirmed_release_date),
        (
            KeyDateCode.HOME_DETENTION_CURFEW_ELIGIBILITY,
            d.home_detention_curfew_eligibility.reported
            if d.home_detention_curfew_eligibility
            else None,
        ),
        (
            KeyDateCode.POST_SENTENCE_SUPERVISION_END,
            d.topup_supervision_expiry.reported if d.topup_supervision_expiry else None,
        ),
    ]
    return [KeyDate(code=code, date=date) for code, date in pairs if date is not None]


def test_booking_1200835_becomes_the_key_dates_call_for_a5089dy_38339a() -> None:
    data = (SENTENCE / "shared.getSentenceDetail_1200835.input.json").read_bytes()

    # prison-api-sentence -> canonical XML, through both gates (source schema, canonical XSD)
    outcome = cjx.translate(
        data, from_format="prison-api-sentence", to_format="canonical-xml", clock=fixed_clock
    )
    assert outcome.ok, outcome.report.to_text()
    (xml,) = outcome.outputs
    released: Envelope[Any] = cjx.decode_xml(xml)
    assert cjx.decode_json(cjx.encode_json(released)) == released
    assert released.ordering_key == "BOOKING:1200835"
    assert released.body.dates.non_dto_release_date_type == "CRD"

    # the rule, with the custody the person index knows for the booking
    with open_index("sqlite:///:memory:") as index:
        index.link(Ident.parse("booking:1200835"), Ident.parse("book:38339A"), actor="test")
        index.link(Ident.parse("book:38339A"), Ident.parse("noms:A5089DY"), actor="test")
        derivation = get_rule("release-dates-to-key-dates").derive(
            released, index, clock=fixed_clock
        )
        # and the one call, source format to target format, through the same rule
        direct = cjx.translate(
            data,
            from_format="prison-api-sentence",
            to_format="delius-key-dates",
            clock=fixed_clock,
            index=index,
        )
    (replacement,) = derivation.envelopes
    assert replacement.body == KeyDatesReplaced(
        noms_number="A5089DY",
        book_number="38339A",
        scope=CUSTODY_MANAGED_KEY_DATES,
        key_dates=tuple(_as_probation_key_dates(released.body)),
    )
    assert replacement.causation_id == released.message_id
    assert replacement.subject == (SubjectId(scheme=SubjectScheme.NOMS, value="A5089DY"),)

    # canonical JSON -> delius-key-dates, through the canonical gate
    outcome = cjx.translate(
        cjx.encode_json(replacement),
        from_format="canonical-json",
        to_format="delius-key-dates",
        clock=fixed_clock,
    )
    assert outcome.ok, outcome.report.to_text()
    (call,) = outcome.outputs
    expected = json.loads((KEY_DATES / "handover.A5089DY-38339A.input.json").read_bytes())
    assert json.loads(call) == expected
    # and the call reads back as the same replacement
    (again,) = cjx.get_adapter("delius-key-dates").decode(call, clock=fixed_clock)
    assert again.body == replacement.body
    assert direct.ok, direct.report.to_text()
    assert direct.outputs == (call,)
