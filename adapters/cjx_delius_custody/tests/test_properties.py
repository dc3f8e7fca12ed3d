"""Properties: every message the adapter can encode comes back; no input makes it crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden import check_mutated, fixed_clock, json_documents
from tests.strategies import custody_record_bodies, float_amounts, mutated_json

from cjx.errors import Severity
from cjx.model import (
    CustodyRecord,
    Envelope,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx_delius_custody import KEY_DATES, adapter

GOLDEN = Path(__file__).parent / "golden"


def _subject(body: CustodyRecord) -> list[SubjectId]:
    """CRN (the record's, else its court appearance's), NOMS, PNC, CRO, where known."""
    appearance = body.conviction.court_appearance
    crn = body.crn if body.crn is not None else appearance.crn if appearance else None
    pairs = [
        (SubjectScheme.CRN, crn),
        (SubjectScheme.NOMS, body.noms_number),
        (SubjectScheme.PNC, body.pnc_id),
        (SubjectScheme.CRO, body.cro_number),
    ]
    return [SubjectId(scheme=s, value=v) for s, v in pairs if v is not None]


def _consistent(body: CustodyRecord) -> CustodyRecord:
    """The record with its court appearance's CRN made the record's (a different one is a
    rejected mismatch, tested by the golden files)."""
    appearance = body.conviction.court_appearance
    if body.crn is None or appearance is None or appearance.crn is None:
        return body
    appearance = appearance.model_copy(update={"crn": body.crn})
    conviction = body.conviction.model_copy(update={"court_appearance": appearance})
    return body.model_copy(update={"conviction": conviction})


@st.composite
def encodable_envelopes(draw: st.DrawFn) -> Envelope[Any]:
    """``probation.custody-record`` messages as this adapter decodes them: key dates that
    community-api's CustodyRelatedKeyDates has members for, amounts a binary float holds,
    the subject the adapter derives, the clock's time."""
    body = _consistent(
        draw(
            custody_record_bodies(
                key_date_codes=st.sampled_from(list(KEY_DATES.values())), amounts=float_amounts
            )
        )
    )
    return make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(fixed_clock()),
        source=Source(system="delius", format="delius-custody"),
        subject=_subject(body),
        clock=fixed_clock,
    )


@settings(max_examples=200)
@given(encodable_envelopes())
def test_decode_of_encode_is_the_same_message(envelope: Envelope[Any]) -> None:
    """decode(encode(m)) == m; the only issues are warnings (unknown codes, contradictions
    between random values, ambiguous wall-clock times), never errors."""
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
