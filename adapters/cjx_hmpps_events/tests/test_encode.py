"""Encoding: the bare event in the producer's form, its defaults, and what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cjx.errors import UnknownMessageType, ValidationFailed
from cjx.model import (
    Envelope,
    SubjectId,
    SubjectScheme,
    Timestamp,
    TimestampError,
    make_envelope,
)
from cjx_hmpps_events import (
    DEFAULT_DESCRIPTIONS,
    EVENTS,
    EVENTS_BY_MESSAGE_TYPE,
    adapter,
    format_legacy_date,
    parse_legacy_date,
)

from .support import GOLDEN, bare_event, fixed_clock

RECEIVED = GOLDEN / "received.admission-nanoseconds.input.json"
REGISTRATION = GOLDEN / "registration-added.high-rosh-bst-empty-levels.input.json"


def _decoded(name: str) -> Envelope[Any]:
    (envelope,) = adapter.decode((GOLDEN / f"{name}.input.json").read_bytes(), clock=fixed_clock)
    return envelope


def _with_body(envelope: Envelope[Any], **changes: Any) -> Envelope[Any]:
    body = envelope.body.model_copy(update=changes)
    return make_envelope(
        body,
        occurred_at=envelope.occurred_at,
        source=envelope.source,
        subject=envelope.subject,
        clock=fixed_clock,
    )


def _encoded(envelope: Envelope[Any]) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(adapter.encode(envelope))
    return event


# --- the non-ISO registration dates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Fri Jun 14 09:06:52 BST 2024", "2024-06-14T09:06:52+01:00"),
        ("Fri Jun 14 00:00:00 BST 2024", "2024-06-14T00:00:00+01:00"),
        ("Mon Dec 01 16:40:18 GMT 2025", "2025-12-01T16:40:18+00:00"),
        ("Thu Feb 29 23:59:59 GMT 2024", "2024-02-29T23:59:59+00:00"),
        ("Sun Mar 30 01:00:00 BST 2025", "2025-03-30T01:00:00+01:00"),
    ],
)
def test_legacy_dates_read_and_write_back_exactly(text: str, iso: str) -> None:
    """BST is +01:00 and GMT +00:00; writing gives back the same text."""
    value = parse_legacy_date(text)
    assert value == Timestamp.parse(iso)
    assert format_legacy_date(value) == text


@pytest.mark.parametrize(
    "text",
    [
        "Fri Jun 14 09:06:52 CET 2024",
        "Fri Jun 14 09:06:52 UTC 2024",
        "Sat Jun 14 09:06:52 BST 2024",
        "fri jun 14 09:06:52 bst 2024",
        "Fri Jun 14 9:06:52 BST 2024",
        "Fri Jun 14 09:06:52.5 BST 2024",
        "2024-06-14T09:06:52+01:00",
        "Fri Jun 14 24:00:00 BST 2024",
        "Mon Dec 01 16:40:18 GMT 2025\n",
    ],
)
def test_legacy_dates_in_other_forms_are_refused(text: str) -> None:
    """Other zones, wrong day names, other spellings and ISO text are timestamp.format."""
    with pytest.raises(TimestampError) as caught:
        parse_legacy_date(text)
    assert caught.value.code == "timestamp.format"
    assert text.strip() not in caught.value.message


def test_a_z_date_is_written_as_gmt() -> None:
    """UTC spelled Z is written GMT, and read back at +00:00 (the same instant and offset)."""
    value = Timestamp.parse("2025-01-09T11:30:05Z")
    assert format_legacy_date(value) == "Thu Jan 09 11:30:05 GMT 2025"
    assert parse_legacy_date("Thu Jan 09 11:30:05 GMT 2025").same_instant(value)


@pytest.mark.parametrize(
    "iso",
    ["2024-06-14T09:06:52+02:00", "2024-06-14T09:06:52-01:00", "2024-06-14T09:06:52.000+01:00"],
)
def test_registration_dates_the_form_cannot_hold_are_not_encoded(iso: str) -> None:
    """Another offset, or any fraction of a second, is hmpps-events.legacy-date at the field."""
    envelope = _with_body(_decoded("registration-added.high-rosh-bst-empty-levels"))
    envelope = _with_body(envelope, created_at=Timestamp.parse(iso))
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("hmpps-events.legacy-date", "/body/created_at")
    ]
    assert caught.value.report.source == str(envelope.message_id)


# --- the form of the event ------------------------------------------------------------------


def test_keys_are_written_in_the_producers_order() -> None:
    """eventType, version, description, occurredAt, publishedAt, detailUrl,
    additionalInformation, personReference; additionalInformation in the producer's order."""
    event = _encoded(_decoded("received.wrapped-return-from-court-detail-url"))
    assert list(event) == [
        "eventType",
        "version",
        "description",
        "occurredAt",
        "publishedAt",
        "detailUrl",
        "additionalInformation",
        "personReference",
    ]
    assert list(event["additionalInformation"]) == [
        "nomsNumber",
        "prisonId",
        "reason",
        "currentLocation",
        "currentPrisonStatus",
        "nomisMovementReasonCode",
        "details",
    ]


def test_encoding_writes_the_bare_event_never_the_notification() -> None:
    """A message that came wrapped is written as the event inside the wrapper, compactly."""
    fixture = GOLDEN / "merged.wrapped-detail-url.input.json"
    (envelope,) = adapter.decode(fixture.read_bytes())
    encoded = adapter.encode(envelope)
    assert json.loads(encoded) == bare_event(fixture.read_bytes())
    assert encoded == json.loads(fixture.read_bytes())["Message"].encode()


def test_timestamps_are_written_with_their_precision_and_offset() -> None:
    """Nanoseconds, Z and +00:00 are written as they were read."""
    for name, expected in [
        ("received.admission-nanoseconds", "2024-06-11T17:36:56.241562485+01:00"),
        ("sentence-dates-changed.z-offset-one-nanosecond", "2025-01-28T14:00:05.000000001Z"),
        ("merged.microseconds-plus-zero", "2024-11-20T10:02:41.003917256+00:00"),
    ]:
        assert _encoded(_decoded(name))["publishedAt"] == expected


def test_empty_strings_and_the_merge_constant_are_kept() -> None:
    """Empty registration levels stay empty strings; a merge's reason is MERGE."""
    registration = _encoded(_decoded("registration-added.high-rosh-bst-empty-levels"))
    assert registration["additionalInformation"]["registrationLevelCode"] == ""
    assert registration["additionalInformation"]["registrationDate"] == (
        "Fri Jun 14 00:00:00 BST 2024"
    )
    merged = _encoded(_decoded("merged.microseconds-plus-zero"))
    assert merged["additionalInformation"]["reason"] == "MERGE"


# --- bodies from other producers ------------------------------------------------------------


def test_a_prison_event_without_publication_details_takes_the_defaults() -> None:
    """The default description of the event type, and produced_at as publishedAt."""
    envelope = _with_body(_decoded("received.admission-nanoseconds"))
    envelope = _with_body(envelope, description=None, published_at=None, detail_url=None)
    event = _encoded(envelope)
    assert event["description"] == "A prisoner has been received into prison"
    assert event["publishedAt"] == envelope.produced_at.isoformat()
    assert "detailUrl" not in event


@pytest.mark.parametrize(
    "name",
    [
        "received.admission-nanoseconds",
        "released.discharged-to-probation",
        "sentence-dates-changed.booking-and-calculation",
        "merged.microseconds-plus-zero",
        "merged.wrapped-detail-url",
    ],
)
def test_the_default_descriptions_are_the_producers_texts(name: str) -> None:
    """Each prison event's default description is what the producer writes (a merge's names
    both numbers)."""
    envelope = _decoded(name)
    source = bare_event((GOLDEN / f"{name}.input.json").read_bytes())
    assert DEFAULT_DESCRIPTIONS[source["eventType"]] is not None
    written = _encoded(_with_body(envelope, description=None))
    assert written["description"] == source["description"]


def test_a_probation_event_without_publication_details_leaves_them_out() -> None:
    """Probation events need neither, and an event read without them is written without."""
    envelope = _with_body(_decoded("registration-added.high-rosh-bst-empty-levels"))
    event = _encoded(_with_body(envelope, description=None, published_at=None))
    assert "description" not in event
    assert "publishedAt" not in event


def _with_subject(envelope: Envelope[Any], *subject: tuple[SubjectScheme, str]) -> Envelope[Any]:
    return make_envelope(
        envelope.body,
        occurred_at=envelope.occurred_at,
        source=envelope.source,
        subject=[SubjectId(scheme=s, value=v) for s, v in subject],
        clock=fixed_clock,
    )


def test_person_reference_is_the_subject_in_order_without_foreign_schemes() -> None:
    """NOMS, CRN and PERSON identifiers are written in order; PNC and ASN are left out."""
    envelope = _with_subject(
        _decoded("prison-identifier-added.crn-then-noms-detail-url"),
        (SubjectScheme.PNC, "2003/0011985X"),
        (SubjectScheme.NOMS, "G7305UX"),
        (SubjectScheme.PERSON, "person-1"),
        (SubjectScheme.CRN, "V530184"),
    )
    assert _encoded(envelope)["personReference"] == {
        "identifiers": [
            {"type": "NOMS", "value": "G7305UX"},
            {"type": "PERSON", "value": "person-1"},
            {"type": "CRN", "value": "V530184"},
        ]
    }


def test_an_identifier_the_event_requires_is_taken_from_the_body() -> None:
    """A subject without the event's NOMS (or CRN) still gives a valid event."""
    merged = _with_subject(_decoded("merged.microseconds-plus-zero"))
    linked = _with_subject(_decoded("prison-identifier-added.no-detail-url"))
    assert _encoded(merged)["personReference"]["identifiers"] == [
        {"type": "NOMS", "value": "R5017HN"}
    ]
    assert _encoded(linked)["personReference"]["identifiers"] == [
        {"type": "CRN", "value": "R926311"},
        {"type": "NOMS", "value": "K2290QD"},
    ]


def test_a_subject_contradicting_the_body_is_not_encoded() -> None:
    """Only personReference carries a registration's CRN: it cannot differ from the body's."""
    envelope = _with_subject(
        _decoded("registration-added.high-rosh-bst-empty-levels"), (SubjectScheme.CRN, "X757129")
    )
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    assert caught.value.report.codes == ("hmpps-events.subject-mismatch",)
    assert "X757129" not in str(caught.value)


def test_a_body_outside_the_events_schema_is_not_encoded() -> None:
    """The model allows a booking id with a leading zero; the event does not, and encoding
    says so at the canonical field's pointer."""
    envelope = _with_body(_decoded("merged.microseconds-plus-zero"), booking_id="0012")
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope)
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("schema.pattern", "/body/booking_id")
    ]


def test_a_message_type_without_an_event_is_unknown() -> None:
    """Encoding a court result (or any type not in ``encodes``) raises UnknownMessageType."""
    envelope: Envelope[Any] = Envelope.model_construct(message_type="court.case-resulted")  # type: ignore[call-arg]
    with pytest.raises(UnknownMessageType):
        adapter.encode(envelope)


def test_event_types_and_message_types_map_one_to_one() -> None:
    """Six event types, six message types; prison events come from nomis, probation from
    delius."""
    assert len(EVENTS) == len(EVENTS_BY_MESSAGE_TYPE) == 6
    for event_type, spec in EVENTS.items():
        assert EVENTS_BY_MESSAGE_TYPE[spec.message_type] is spec
        expected = "delius" if event_type.startswith("probation-case.") else "nomis"
        assert spec.system == expected
