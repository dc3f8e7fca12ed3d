"""Properties: every message the adapter can encode comes back; no input makes it crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden import check_mutated, fixed_clock, json_documents
from tests.strategies import book_numbers, dates, mutated_json, noms_numbers

from cjx.model import (
    CUSTODY_MANAGED_KEY_DATES,
    Envelope,
    KeyDate,
    KeyDatesReplaced,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx_delius_key_dates import adapter

GOLDEN = Path(__file__).parent / "golden"


@st.composite
def encodable_envelopes(draw: st.DrawFn) -> Envelope[Any]:
    """``probation.key-dates-replaced`` messages as this adapter decodes them: the seven
    custody-managed key dates as scope, any of them dated, the NOMS number as subject."""
    dated = draw(st.sets(st.sampled_from(CUSTODY_MANAGED_KEY_DATES)))
    body = KeyDatesReplaced(
        noms_number=draw(noms_numbers),
        book_number=draw(book_numbers),
        scope=CUSTODY_MANAGED_KEY_DATES,
        key_dates=tuple(KeyDate(code=code, date=draw(dates)) for code in dated),
    )
    return make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(fixed_clock()),
        source=Source(system="delius", format="delius-key-dates"),
        subject=[SubjectId(scheme=SubjectScheme.NOMS, value=body.noms_number)],
        clock=fixed_clock,
    )


@settings(max_examples=200)
@given(encodable_envelopes())
def test_decode_of_encode_is_the_same_message(envelope: Envelope[Any]) -> None:
    """decode(encode(m)) == m, with no issue at all."""
    translation = adapter.translate(adapter.encode(envelope), clock=fixed_clock)
    assert list(translation.envelopes) == [envelope]
    assert translation.report.issues == ()


@settings(max_examples=200)
@given(st.sampled_from(json_documents(GOLDEN)), st.data())
def test_mutated_documents_are_accepted_or_rejected_never_crash(
    document: dict[str, Any], data: st.DataObject
) -> None:
    """Any fixture with members replaced or removed is either accepted, and then encodable
    back, or rejected with at least one error."""
    check_mutated(adapter, json.dumps(data.draw(mutated_json(document))).encode())
