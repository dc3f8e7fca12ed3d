"""Properties: every message the adapter can encode comes back; no input makes it crash."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden import check_mutated, fixed_clock, json_documents
from tests.strategies import licence_record_bodies, mutated_json

from cjx.errors import Severity
from cjx.model import (
    Envelope,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx_cvl_licence import adapter

GOLDEN = Path(__file__).parent / "golden"


@st.composite
def encodable_envelopes(draw: st.DrawFn) -> Envelope[Any]:
    """``licence.licence-record`` messages as this adapter decodes them: the NOMS number, CRN
    and booking as subject, CVL as source, the clock's time; an approval day from 1900 on (as
    every wall-clock time of the strategies: CVL cannot write a day before December 1847)."""
    body = draw(
        licence_record_bodies().filter(
            lambda b: b.approved_on is None or b.approved_on >= dt.date(1900, 1, 1)
        )
    )
    return make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(fixed_clock()),
        source=Source(system="cvl", format="cvl-licence"),
        subject=[
            SubjectId(scheme=SubjectScheme.NOMS, value=body.noms_number),
            SubjectId(scheme=SubjectScheme.CRN, value=body.crn),
            SubjectId(scheme=SubjectScheme.BOOKING, value=str(body.booking_id)),
        ],
        clock=fixed_clock,
    )


@settings(max_examples=200)
@given(encodable_envelopes())
def test_decode_of_encode_is_the_same_message(envelope: Envelope[Any]) -> None:
    """decode(encode(m)) == m; the only issues are warnings (unknown codes, contradictions and
    autumn-fold times between random values) and the information that an approval has no time,
    never errors."""
    translation = adapter.translate(adapter.encode(envelope), clock=fixed_clock)
    assert list(translation.envelopes) == [envelope]
    for issue in translation.report.issues:
        assert issue.severity is Severity.WARNING or issue.code == "cvl-licence.approval-day-only"


@settings(max_examples=100)
@given(encodable_envelopes())
def test_encode_of_decode_is_the_same_document(envelope: Envelope[Any]) -> None:
    """The other law, from documents the encoder wrote: decoding and encoding again gives the
    same JSON value."""
    document = adapter.encode(envelope)
    (decoded,) = adapter.decode(document, clock=fixed_clock)
    assert json.loads(adapter.encode(decoded)) == json.loads(document)


@settings(max_examples=200)
@given(st.sampled_from(json_documents(GOLDEN)), st.data())
def test_mutated_documents_are_accepted_or_rejected_never_crash(
    document: dict[str, Any], data: st.DataObject
) -> None:
    """Any fixture with members replaced or removed is either accepted, and then encodable
    back, or rejected with at least one error."""
    check_mutated(adapter, json.dumps(data.draw(mutated_json(document))).encode())
