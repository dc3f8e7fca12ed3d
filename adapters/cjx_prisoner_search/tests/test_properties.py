"""Properties: every message the adapter can encode comes back; no input makes it crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pydantic
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden import check_mutated, fixed_clock, json_documents
from tests.strategies import dates, mutated_json, open_codes, optional, prisoner_record_bodies

from cjx.errors import Severity
from cjx.model import (
    Envelope,
    NonDtoReleaseDateType,
    PrisonerRecord,
    PrisonerSentence,
    SentenceDate,
    SentenceDates,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx_prisoner_search import adapter
from cjx_prisoner_search._format import SENTENCE_DATE_FIELDS, SENTENCE_DATE_PARTS

GOLDEN = Path(__file__).parent / "golden"


@st.composite
def _carried_dates(draw: st.DrawFn) -> SentenceDates | None:
    """Sentence dates the Prisoner document has members for: reported parts only."""
    fields: dict[str, Any] = {
        name: draw(optional(dates.map(lambda d: SentenceDate(reported=d))))
        for name in SENTENCE_DATE_PARTS
    }
    for name in SENTENCE_DATE_FIELDS:
        fields[name] = draw(optional(dates))
    fields["non_dto_release_date_type"] = draw(optional(open_codes(NonDtoReleaseDateType)))
    fields["additional_days_awarded"] = draw(optional(st.integers(-(2**31), 2**31 - 1)))
    if all(v is None for v in fields.values()):
        return None
    return SentenceDates(**fields)


def _subject(body: PrisonerRecord) -> list[SubjectId]:
    """The subject the decoder names: NOMS, then PNC, CRO and BOOKING where present."""
    subject = [SubjectId(scheme=SubjectScheme.NOMS, value=body.noms_number)]
    ids = body.identifiers
    if ids is not None:
        for scheme, value in (
            (SubjectScheme.PNC, ids.pnc),
            (SubjectScheme.CRO, ids.cro_number),
            (SubjectScheme.BOOKING, None if ids.booking_id is None else str(ids.booking_id)),
        ):
            if value is not None:
                subject.append(SubjectId(scheme=scheme, value=value))
    return subject


@st.composite
def encodable_envelopes(draw: st.DrawFn) -> Envelope[Any]:
    """``custody.prisoner-record`` messages as this adapter decodes them: sentence dates with
    the parts the format has members for, the decoder's subject, source and clock."""
    body = draw(prisoner_record_bodies).model_copy(update={"changed_groups": None})
    if body.sentence is not None:
        values = {n: getattr(body.sentence, n) for n in PrisonerSentence.model_fields}
        values["dates"] = draw(_carried_dates())
        try:
            sentence: PrisonerSentence | None = PrisonerSentence(**values)
        except pydantic.ValidationError:  # the dates were the group's only value
            sentence = None
        body = PrisonerRecord.model_validate(
            {n: getattr(body, n) for n in PrisonerRecord.model_fields} | {"sentence": sentence}
        )
    return make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(fixed_clock()),
        source=Source(system="nomis", format="prisoner-search"),
        subject=_subject(body),
        clock=fixed_clock,
    )


@settings(max_examples=150)
@given(encodable_envelopes())
def test_decode_of_encode_is_the_same_message(envelope: Envelope[Any]) -> None:
    """decode(encode(m)) == m; the only issues are warnings (unknown codes and genders,
    contradictions between random values, ambiguous wall-clock times), never errors."""
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
