"""Properties: every message the adapter can encode comes back; no input makes it crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden import check_mutated, fixed_clock, json_documents
from tests.strategies import booking_ids, dates, mutated_json, open_codes, optional

from cjx.errors import Severity
from cjx.model import (
    Envelope,
    NonDtoReleaseDateType,
    ReleaseDates,
    SentenceDate,
    SentenceDates,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx_prison_api_sentence import MEMBERS, adapter

GOLDEN = Path(__file__).parent / "golden"

#: The parts of each sentence date that SentenceCalcDates has a member for.
_PARTS: dict[str, list[str]] = {}
for _member in MEMBERS:
    if len(_member.loc) == 2:
        _PARTS.setdefault(_member.loc[0], []).append(_member.loc[1])


@st.composite
def _sentence_date(draw: st.DrawFn, parts: list[str]) -> SentenceDate:
    chosen = draw(st.sets(st.sampled_from(parts), min_size=1))
    return SentenceDate(**{part: draw(dates) for part in chosen})


@st.composite
def encodable_envelopes(draw: st.DrawFn) -> Envelope[Any]:
    """``custody.release-dates`` messages as this adapter decodes them: only the parts of each
    sentence date the format has members for, the booking as subject, the clock's time."""
    dates_fields: dict[str, Any] = {
        name: draw(optional(_sentence_date(parts))) for name, parts in _PARTS.items()
    }
    for name in (
        "sentence_start_date",
        "non_dto_release_date",
        "confirmed_release_date",
        "release_date",
        "topup_supervision_start_date",
        "home_detention_curfew_end_date",
    ):
        dates_fields[name] = draw(optional(dates))
    dates_fields["non_dto_release_date_type"] = draw(optional(open_codes(NonDtoReleaseDateType)))
    dates_fields["additional_days_awarded"] = draw(optional(st.integers(-(2**31), 2**31 - 1)))
    body = ReleaseDates(booking_id=draw(booking_ids), dates=SentenceDates(**dates_fields))
    return make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(fixed_clock()),
        source=Source(system="nomis", format="prison-api-sentence"),
        subject=[SubjectId(scheme=SubjectScheme.BOOKING, value=str(body.booking_id))],
        clock=fixed_clock,
    )


@settings(max_examples=200)
@given(encodable_envelopes())
def test_decode_of_encode_is_the_same_message(envelope: Envelope[Any]) -> None:
    """decode(encode(m)) == m; the only issues are warnings (unknown codes, contradictions
    between random dates), never errors."""
    translation = adapter.translate(adapter.encode(envelope), clock=fixed_clock)
    assert list(translation.envelopes) == [envelope]
    assert {i.severity for i in translation.report.issues} <= {Severity.WARNING}


@settings(max_examples=200)
@given(st.sampled_from(json_documents(GOLDEN)), st.data())
def test_mutated_documents_are_accepted_or_rejected_never_crash(
    document: dict[str, Any], data: st.DataObject
) -> None:
    """Any fixture with members replaced or removed is either accepted, and then encodable
    back, or rejected with at least one error."""
    check_mutated(adapter, json.dumps(data.draw(mutated_json(document))).encode())
