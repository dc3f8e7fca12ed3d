"""Hypothesis strategies for canonical messages this adapter can encode.

A message "the adapter can encode" is one whose header is what decoding gives (source
``{nomis|delius, hmpps-events}``, no correlation id, the fixed clock) and whose body and subject
fit the events' schemas: prison events carry their ``description`` and ``publishedAt``, the
subject holds the identifiers the event requires (the CRN and NOMS of a link being the body's),
and registration dates are whole seconds at +00:00 or +01:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st
from tests.strategies import mutated_json

from cjx.model import (
    CodedValue,
    Crn,
    CurrentLocation,
    CurrentPrisonStatus,
    Envelope,
    EventBody,
    IdentifiersLinked,
    NomsNumber,
    PersonMerged,
    PrisonerReceived,
    PrisonerReleased,
    PrisonId,
    ReceiveReason,
    RegistrationAdded,
    ReleaseReason,
    SentenceDatesChanged,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx_hmpps_events import EVENTS_BY_MESSAGE_TYPE

from .support import fixed_clock

noms_numbers = st.from_regex(r"[A-Z][0-9]{4}[A-Z]{2}", fullmatch=True).map(NomsNumber.parse)
crns = st.from_regex(r"[A-Z][0-9]{6}", fullmatch=True).map(Crn.parse)
prison_ids = st.from_regex(r"[A-Z]{3}", fullmatch=True).map(PrisonId.parse)
#: Database ids as the events write them: no leading zero, at most 19 digits.
digit_strings = st.from_regex(r"[1-9][0-9]{0,18}", fullmatch=True)
#: Any text XML 1.0 can carry (canonical messages must be writable as XML), empty included:
#: the events keep empty strings.
_NOT_XML = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"
_characters = st.characters(exclude_categories=["Cs"], exclude_characters=_NOT_XML)
texts = st.text(_characters, max_size=40)
codes = st.text(_characters, max_size=16)


@st.composite
def timestamps(draw: st.DrawFn, *, legacy: bool = False) -> Timestamp:
    """Any aware timestamp with 0 to 9 fraction digits; ``legacy``: what the non-ISO dates hold."""
    local = draw(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2199, 12, 31)))
    if legacy:
        offset = draw(st.sampled_from([0, 60]))
        return Timestamp(local.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset))))
    offset = draw(st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59))
    digits = draw(st.integers(min_value=0, max_value=9))
    nanos = draw(st.integers(min_value=0, max_value=10**digits - 1)) * 10 ** (9 - digits)
    return Timestamp(
        local.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset))),
        nanos=nanos,
        digits=digits,
        zulu=offset == 0 and draw(st.booleans()),
    )


def _publication(*, required: bool) -> dict[str, Any]:
    optional = not required
    return {
        "description": st.none() | texts if optional else texts,
        "published_at": st.none() | timestamps() if optional else timestamps(),
        "detail_url": st.none() | st.text(_characters, min_size=1, max_size=40),
    }


def _movement(cls: type[EventBody], reasons: Any) -> st.SearchStrategy[EventBody]:
    return st.builds(
        cls,
        noms_number=noms_numbers,
        prison_id=prison_ids,
        reason=st.sampled_from(reasons),
        current_location=st.sampled_from(CurrentLocation),
        current_prison_status=st.sampled_from(CurrentPrisonStatus),
        movement_reason_code=codes,
        details=texts,
        **_publication(required=True),
    )


coded_values = st.builds(CodedValue, code=codes, description=texts)

bodies: st.SearchStrategy[EventBody] = st.one_of(
    _movement(PrisonerReceived, ReceiveReason),
    _movement(PrisonerReleased, ReleaseReason),
    st.builds(
        SentenceDatesChanged,
        noms_number=noms_numbers,
        booking_id=digit_strings,
        sentence_calculation_id=digit_strings,
        **_publication(required=True),
    ),
    st.builds(
        PersonMerged,
        retained_noms_number=noms_numbers,
        removed_noms_number=noms_numbers,
        booking_id=digit_strings,
        **_publication(required=True),
    ).filter(lambda b: b.retained_noms_number != b.removed_noms_number),
    st.builds(
        IdentifiersLinked,
        crn=crns,
        noms_number=noms_numbers,
        booking_number=st.text(_characters, min_size=1, max_size=16),
        **_publication(required=False),
    ),
    st.builds(
        RegistrationAdded,
        crn=crns,
        register_type=coded_values,
        category=coded_values,
        level=coded_values,
        registration_id=digit_strings,
        registration_date=timestamps(legacy=True),
        created_at=timestamps(legacy=True),
        **_publication(required=False),
    ),
)

person_ids = st.builds(
    SubjectId,
    scheme=st.just(SubjectScheme.PERSON),
    value=st.text(_characters, min_size=1, max_size=64),
)


@st.composite
def envelopes(draw: st.DrawFn) -> Envelope[Any]:
    """A message as decoding would build it: the required identifiers first in the subject
    (in either order), then any opaque PERSON identifiers."""
    body = draw(bodies)
    spec = EVENTS_BY_MESSAGE_TYPE[type(body).message_type]
    required = [
        SubjectId(scheme=scheme, value=str(getattr(body, name)))
        for scheme, name in spec.person_reference
    ]
    subject = draw(st.permutations(required)) + draw(st.lists(person_ids, max_size=2))
    return make_envelope(
        body,
        occurred_at=draw(timestamps()),
        source=Source(system=spec.system, format="hmpps-events"),
        subject=subject,
        clock=fixed_clock,
    )


# --- hostile input: fixtures with parts replaced or removed (shared: tests/strategies.py) ------

mutated = mutated_json
