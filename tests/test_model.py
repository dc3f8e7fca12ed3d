"""The canonical model: frozen, strict, self-consistent envelopes (DESIGN.md sections 2 and 3)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.strategies import FIXED_CLOCK, FIXED_INSTANT, envelopes

from cjx.errors import UnknownMessageType
from cjx.model import (
    BODY_TYPES,
    DEFAULT_CLASSIFICATION,
    MESSAGE_ID_NAMESPACE,
    Address,
    BailStatus,
    CaseResulted,
    CurrentLocation,
    CurrentPrisonStatus,
    Defendant,
    Envelope,
    Gender,
    IdentifiersLinked,
    NomsNumber,
    Organisation,
    Person,
    PersonMerged,
    Presence,
    PrisonerReceived,
    PrisonerReleased,
    PrisonId,
    ReceiveReason,
    RegistrationAdded,
    SentenceDatesChanged,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    body_type,
    envelope_type,
    make_envelope,
    message_id_for,
    message_id_from_json,
    message_id_text_from_json,
)
from cjx.model import _codes as codes

SOURCE = Source(system="nomis", format="hmpps-events")
OCCURRED = Timestamp.parse("2024-06-11T17:36:56.123456789+01:00")


def merged(removed: str = "Z9999ZZ") -> PersonMerged:
    return PersonMerged(
        retained_noms_number=NomsNumber.parse("A8513EA"),
        removed_noms_number=NomsNumber.parse(removed),
        booking_id="1234567",
    )


def envelope(body: Any = None, **kwargs: Any) -> Envelope[Any]:
    kwargs.setdefault("occurred_at", OCCURRED)
    kwargs.setdefault("source", SOURCE)
    kwargs.setdefault("clock", FIXED_CLOCK)
    return make_envelope(merged() if body is None else body, **kwargs)


def defendant(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "asn": "1101ZD0100000448754K",
        "person": {"family_name": "TESTPERSON", "gender": "MALE"},
        "address": {},
        "presence": "PRESENT",
        "bail_status": "CUSTODY",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- catalogue ------------------------------------------------------------------------------


def test_catalogue_has_the_message_types_of_version_1() -> None:
    """The message types and body classes are those of DESIGN.md section 3: seven of version
    1.0, and the records version 1.1 adds (each with its schema version)."""
    assert {t: (c.__name__, c.schema_version) for t, c in BODY_TYPES.items()} == {
        "court.case-resulted": ("CaseResulted", "1.0"),
        "custody.prisoner-received": ("PrisonerReceived", "1.0"),
        "custody.prisoner-released": ("PrisonerReleased", "1.0"),
        "custody.sentence-dates-changed": ("SentenceDatesChanged", "1.0"),
        "identity.person-merged": ("PersonMerged", "1.0"),
        "identity.identifiers-linked": ("IdentifiersLinked", "1.0"),
        "probation.registration-added": ("RegistrationAdded", "1.0"),
        "custody.release-dates": ("ReleaseDates", "1.1"),
        "probation.key-dates-replaced": ("KeyDatesReplaced", "1.1"),
        "custody.prisoner-record": ("PrisonerRecord", "1.2"),  # 1.2 added changed_groups
        "probation.custody-record": ("CustodyRecord", "1.1"),
        "licence.licence-record": ("LicenceRecord", "1.1"),
        "identity.subject-enriched": ("SubjectEnriched", "1.1"),
        "custody.prisoner-left-extract": ("PrisonerLeftExtract", "1.1"),
    }
    version_1_0 = {t: c.__name__ for t, c in BODY_TYPES.items() if c.schema_version == "1.0"}
    assert version_1_0 == {
        "court.case-resulted": "CaseResulted",
        "custody.prisoner-received": "PrisonerReceived",
        "custody.prisoner-released": "PrisonerReleased",
        "custody.sentence-dates-changed": "SentenceDatesChanged",
        "identity.person-merged": "PersonMerged",
        "identity.identifiers-linked": "IdentifiersLinked",
        "probation.registration-added": "RegistrationAdded",
    }


def test_routing_keys_carry_the_major_version() -> None:
    """A body's routing key is its message type and ``.v`` with the schema's major version."""
    assert CaseResulted.routing_key() == "court.case-resulted.v1"
    assert envelope().routing_key == "identity.person-merged.v1"


def test_unknown_message_type_is_a_lookup_error() -> None:
    """Asking for a body of an unknown message type raises :class:`UnknownMessageType`."""
    with pytest.raises(UnknownMessageType):
        body_type("court.case-adjourned")
    with pytest.raises(LookupError):
        envelope_type("court.case-adjourned")


@pytest.mark.parametrize("enum", [getattr(codes, n) for n in codes.__all__], ids=str)
def test_code_list_values_are_their_readable_names(enum: Any) -> None:
    """Coded values are readable members whose values equal their names."""
    assert all(member.value == member.name for member in enum)


# --- frozen and strict ----------------------------------------------------------------------


def test_models_are_frozen() -> None:
    """Assigning to a field of any model fails."""
    env = envelope()
    with pytest.raises(ValidationError):
        env.message_type = "identity.identifiers-linked"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        env.body.booking_id = "1"


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (Source, {"system": "nomis", "format": "hmpps-events", "colour": "red"}),
        (Organisation, {"name": "TESTCORP LIMITED", "vat": "1"}),
        (PersonMerged, {**merged().model_dump(), "reason": "x"}),
    ],
)
def test_unknown_fields_are_forbidden(cls: Any, data: dict[str, Any]) -> None:
    """An unknown field is an ``extra_forbidden`` error, never silently dropped."""
    with pytest.raises(ValidationError) as caught:
        cls.model_validate(data)
    assert [e["type"] for e in caught.value.errors()] == ["extra_forbidden"]


def test_unknown_envelope_field_is_forbidden() -> None:
    """The envelope itself forbids unknown fields."""
    data = envelope().model_dump()
    data["priority"] = "high"
    with pytest.raises(ValidationError) as caught:
        envelope_type("identity.person-merged").model_validate(data)
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("person", "organisation"),
    [
        (None, None),
        ({"family_name": "TESTPERSON", "gender": "MALE"}, {"name": "TESTCORP LIMITED"}),
    ],
)
def test_defendant_is_a_person_xor_an_organisation(
    person: dict[str, Any] | None, organisation: dict[str, Any] | None
) -> None:
    """A defendant is exactly one of a person or an organisation: not both, not neither."""
    with pytest.raises(ValidationError) as caught:
        Defendant.model_validate(defendant(person=person, organisation=organisation))
    assert [e["type"] for e in caught.value.errors()] == ["value_error"]
    if person is None:  # the rule is applied after both fields default to None
        assert "exactly one" in caught.value.errors()[0]["msg"]


def test_defendant_person_or_organisation_alone_is_valid() -> None:
    """A person alone or an organisation alone makes a valid defendant."""
    assert Defendant.model_validate(defendant()).person is not None
    org = Defendant.model_validate(defendant(person=None, organisation={"name": "TESTCORP"}))
    assert org.organisation == Organisation(name="TESTCORP")


def test_address_has_lines_or_structured_fields_not_both() -> None:
    """An address is free lines or structured fields; both together are invalid."""
    assert Address(lines=("1 TEST STREET",)).lines == ("1 TEST STREET",)
    assert Address(postcode="ZZ99 9ZZ").postcode == "ZZ99 9ZZ"
    with pytest.raises(ValidationError):
        Address(lines=("1 TEST STREET",), postcode="ZZ99 9ZZ")


def test_length_limits_hold() -> None:
    """Short text is 1 to 255 characters and repeated fields have their maximum counts."""
    with pytest.raises(ValidationError):
        Person(family_name="", gender=Gender.MALE)
    with pytest.raises(ValidationError):
        Person(family_name="X" * 256, gender=Gender.MALE)
    with pytest.raises(ValidationError):
        Person(family_name="TESTPERSON", gender=Gender.MALE, given_names=("A", "B", "C", "D"))
    assert Person(family_name="X" * 255, gender=Gender.MALE, given_names=("A", "B", "C"))


# --- the envelope ---------------------------------------------------------------------------


def test_make_envelope_fills_the_header_from_the_body() -> None:
    """message_type and schema_version come from the body's class; defaults are filled in."""
    env = envelope()
    assert env.message_type == "identity.person-merged"
    assert env.schema_version == "1.0"
    assert env.classification == DEFAULT_CLASSIFICATION == "OFFICIAL-SENSITIVE"
    assert env.subject == ()
    assert env.correlation_id is None
    assert type(env) is envelope_type("identity.person-merged")


def test_produced_at_comes_from_the_injected_clock() -> None:
    """``produced_at`` is the clock's instant, so golden files compare exactly."""
    assert envelope().produced_at == Timestamp.from_datetime(FIXED_INSTANT)
    other = envelope(clock=lambda: dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert other.produced_at.isoformat() == "2030-01-01T00:00:00+00:00"


def test_occurred_at_keeps_the_source_text() -> None:
    """``occurred_at`` is kept with its source precision and offset."""
    assert envelope().occurred_at.isoformat() == "2024-06-11T17:36:56.123456789+01:00"


def test_message_type_must_agree_with_the_body() -> None:
    """An envelope whose message_type names another body is invalid."""
    data = envelope().model_dump()
    data["message_type"] = "custody.sentence-dates-changed"
    with pytest.raises(ValidationError) as caught:
        envelope_type("identity.person-merged").model_validate(data)
    assert caught.value.errors()[0]["type"] == "value_error"


@pytest.mark.parametrize(("version", "ok"), [("1.0", True), ("1.7", True), ("2.0", False)])
def test_schema_version_major_must_match_the_body(version: str, ok: bool) -> None:
    """A later minor version is accepted; another major version is not."""
    data = envelope().model_dump()
    data["schema_version"] = version
    cls = envelope_type("identity.person-merged")
    if ok:
        assert cls.model_validate(data).schema_version == version
    else:
        with pytest.raises(ValidationError):
            cls.model_validate(data)


# --- the deterministic message id -----------------------------------------------------------


def test_message_id_is_deterministic() -> None:
    """The same input gives the same id, whenever and however often it is translated."""
    first = envelope(correlation_id="MSG-1")
    again = envelope(correlation_id="MSG-1", clock=lambda: dt.datetime(2031, 1, 1, tzinfo=dt.UTC))
    assert first.message_id == again.message_id
    assert first.message_id.version == 5


def test_message_id_is_uuid5_over_format_source_id_type_and_body_digest() -> None:
    """The id is :func:`message_id_for` in the fixed namespace; the namespace never changes."""
    env = envelope(correlation_id="MSG-1")
    assert env.message_id == message_id_for(
        "hmpps-events", "MSG-1", "identity.person-merged", env.body
    )
    assert uuid.UUID("6f1d3c2e-8a4b-5d7e-9f10-2c3b4a5d6e7f") == MESSAGE_ID_NAMESPACE


@given(
    source=st.text(max_size=20),
    source_id=st.none() | st.text(max_size=20),
    message_type=st.text(max_size=30),
    body=st.text(max_size=200),
)
def test_the_message_id_s_text_is_the_uuid_s(
    source: str, source_id: str | None, message_type: str, body: str
) -> None:
    """The bulk import writes the id's text without the UUID: the same text, always."""
    assert message_id_text_from_json(source, source_id, message_type, body) == str(
        message_id_from_json(source, source_id, message_type, body)
    )


def test_different_bodies_get_different_ids() -> None:
    """Two different bodies never share an id, even under the same source message id."""
    assert (
        envelope(merged("Z9999ZZ"), correlation_id="MSG-1").message_id
        != envelope(merged("Y1111YY"), correlation_id="MSG-1").message_id
    )


def test_same_body_with_another_source_message_id_gets_another_id() -> None:
    """Two source messages with equal content are still two messages."""
    assert (
        envelope(correlation_id="MSG-1").message_id != envelope(correlation_id="MSG-2").message_id
    )
    assert envelope(correlation_id="MSG-1").message_id != envelope().message_id


def test_same_body_from_another_format_gets_another_id() -> None:
    """The source format is part of the id."""
    other = Source(system="nomis", format="hmpps-events-v2")
    assert envelope().message_id != envelope(source=other).message_id


@given(envelopes())
def test_generated_envelopes_rebuild_to_the_same_id(env: Envelope[Any]) -> None:
    """Re-translating a message (same body, same source) reproduces its id exactly."""
    rebuilt = make_envelope(
        env.body,
        occurred_at=env.occurred_at,
        source=env.source,
        subject=env.subject,
        correlation_id=env.correlation_id,
        causation_id=env.causation_id,
        classification=env.classification,
        clock=FIXED_CLOCK,
    )
    assert rebuilt == env


# --- subject and ordering key ---------------------------------------------------------------


def _subject(*pairs: tuple[SubjectScheme, str]) -> list[SubjectId]:
    return [SubjectId(scheme=s, value=v) for s, v in pairs]


ASN = (SubjectScheme.ASN, "1101ZD0100000448754K")
PNC = (SubjectScheme.PNC, "1979/0163001B")
CRO = (SubjectScheme.CRO, "065656/91H")
NOMS = (SubjectScheme.NOMS, "A8513EA")
CRN = (SubjectScheme.CRN, "X757129")
BOOKING = (SubjectScheme.BOOKING, "1234567")


@pytest.mark.parametrize(
    ("subject", "key"),
    [
        ([ASN, CRN, NOMS, PNC], "PNC:1979/0163001B"),
        ([ASN, CRN, NOMS], "NOMS:A8513EA"),
        ([ASN, CRN], "CRN:X757129"),
        ([BOOKING, CRO, ASN], "ASN:1101ZD0100000448754K"),
        ([BOOKING, CRO], "BOOKING:1234567"),
        ([BOOKING, NOMS], "NOMS:A8513EA"),
        ([CRO], None),
        ([], None),
    ],
)
def test_ordering_key_prefers_pnc_then_noms_then_crn_then_asn_then_booking(
    subject: list[tuple[SubjectScheme, str]], key: str | None
) -> None:
    """The ordering key is the first stable identifier by scheme preference, not by position;
    a booking id (version 1.1: ``custody.release-dates`` carries no other) comes last."""
    assert envelope(subject=_subject(*subject)).ordering_key == key


def test_subject_identifiers_of_checked_schemes_are_normalised_and_checked() -> None:
    """ASN, PNC, CRO, NOMS and CRN subject values are normalised; invalid ones are rejected."""
    assert SubjectId(scheme=SubjectScheme.PNC, value="12/394773H").value == "2012/0394773H"
    assert SubjectId(scheme=SubjectScheme.NOMS, value="a8513ea").value == "A8513EA"
    with pytest.raises(ValidationError) as caught:
        SubjectId(scheme=SubjectScheme.PNC, value="2004/0012345U")
    assert caught.value.errors()[0]["type"] == "pnc.check-character"


def test_subject_values_of_other_schemes_are_kept_verbatim() -> None:
    """BOOKING and PERSON values are free text, kept as written."""
    assert SubjectId(scheme=SubjectScheme.PERSON, value=" p-1 ").value == " p-1 "


# --- bodies ---------------------------------------------------------------------------------


def test_event_bodies_default_their_publication_details() -> None:
    """Event bodies default event_version to 1 and publication details to absent."""
    body = PrisonerReceived(
        noms_number=NomsNumber.parse("A8513EA"),
        prison_id=PrisonId.parse("swi"),
        current_location=CurrentLocation.IN_PRISON,
        current_prison_status=CurrentPrisonStatus.UNDER_PRISON_CARE,
        movement_reason_code="",
        details="",
        reason=ReceiveReason.ADMISSION,
    )
    assert body.event_version == 1
    assert body.published_at is None
    assert body.prison_id == "SWI"
    assert body.details == ""


def test_every_body_class_names_its_message_type() -> None:
    """Each body class carries its message type and schema version as class variables."""
    for cls in (
        CaseResulted,
        PrisonerReceived,
        PrisonerReleased,
        SentenceDatesChanged,
        PersonMerged,
        IdentifiersLinked,
        RegistrationAdded,
    ):
        assert BODY_TYPES[cls.message_type] is cls
        assert cls.schema_version == "1.0"
        assert "message_type" not in cls.model_fields


def test_bail_status_and_presence_are_enums() -> None:
    """Coded fields accept only their code list's members."""
    with pytest.raises(ValidationError):
        Defendant.model_validate(defendant(bail_status="ON_BAIL"))
    value = Defendant.model_validate(defendant())
    assert value.bail_status is BailStatus.CUSTODY
    assert value.presence is Presence.PRESENT
