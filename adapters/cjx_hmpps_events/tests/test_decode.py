"""Decoding: the notification, identifiers, event types, reports and hostile input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cjx.adapter import get_adapter, sniff
from cjx.errors import Issue, Severity, ValidationFailed
from cjx.model import NomsNumber, SubjectScheme, Timestamp, message_id_for
from cjx_hmpps_events import MAX_EVENT_SIZE, HmppsEventsAdapter, adapter

from .support import FIXTURES, GOLDEN, bare_event, fixed_clock, is_rejected, name_of

WRAPPED = GOLDEN / "received.wrapped-return-from-court-detail-url.input.json"
RECEIVED = GOLDEN / "received.admission-nanoseconds.input.json"
REGISTRATION = GOLDEN / "registration-added.high-rosh-bst-empty-levels.input.json"


def _event(path: Path) -> dict[str, Any]:
    return bare_event(path.read_bytes())


def _bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def _rejection(data: bytes) -> list[Issue]:
    with pytest.raises(ValidationFailed) as caught:
        adapter.translate(data, source="test", clock=fixed_clock)
    assert caught.value.report.source == "test"
    return list(caught.value.report.issues)


def _pairs(issues: list[Issue]) -> set[tuple[str, str]]:
    return {(i.code, i.path) for i in issues}


# --- the adapter ----------------------------------------------------------------------------


def test_adapter_is_registered_under_its_format_name() -> None:
    """The ``cjx.adapters`` entry point ``hmpps-events`` loads this adapter."""
    assert get_adapter("hmpps-events") is adapter
    assert adapter.media_type == "application/json"
    assert adapter.extension == ".json"
    assert (
        adapter.decodes
        == adapter.encodes
        == {
            "custody.prisoner-received",
            "custody.prisoner-released",
            "custody.sentence-dates-changed",
            "identity.person-merged",
            "identity.identifiers-linked",
            "probation.registration-added",
        }
    )


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_sniff_recognises_every_event_and_notification(fixture: Path) -> None:
    """Every fixture that is JSON with an eventType or a Notification looks like this format."""
    data = fixture.read_bytes()
    document = json.loads(data)
    if "eventType" in document or document.get("Type") == "Notification":
        assert adapter.sniff(data)
        assert sniff(data) is adapter


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<xml/>",
        b'{"message_type": "custody.prisoner-received", "schema_version": "1.0"}',
        b'{"Type": "SubscriptionConfirmation", "Message": "x"}',
        b'["eventType"]',
    ],
)
def test_sniff_declines_other_input(data: bytes) -> None:
    """Other JSON, XML and empty input do not look like an HMPPS event."""
    assert not adapter.sniff(data)


def test_demo_examples_are_golden_fixtures() -> None:
    """Every demo event of ``examples/hmpps-events`` is a golden fixture, byte for byte."""
    folder = Path(__file__).resolve().parents[3] / "examples" / "hmpps-events"
    if not folder.is_dir():
        pytest.skip("not a source checkout")
    demos = sorted(folder.glob("*.json"))
    assert 8 <= len(demos) <= 12
    for demo in demos:
        golden = GOLDEN / f"demo.{demo.stem}.input.json"
        assert golden.read_bytes() == demo.read_bytes(), demo.name
        assert is_rejected(golden) == demo.name.startswith("invalid-"), demo.name


# --- the notification -----------------------------------------------------------------------


def test_notification_message_id_is_the_correlation_and_source_message_id() -> None:
    """Unwrapping keeps MessageId as the correlation id and as the source message id of the
    deterministic message id: the same notification always gives the same id, and the bare
    event inside it gives another."""
    data = WRAPPED.read_bytes()
    message_id = json.loads(data)["MessageId"]
    (first,) = adapter.decode(data, clock=fixed_clock)
    (second,) = adapter.decode(data)  # another clock: produced_at is not part of the id
    (bare,) = adapter.decode(_bytes(_event(WRAPPED)), clock=fixed_clock)

    assert first.correlation_id == message_id
    assert first.message_id == message_id_for(
        "hmpps-events", message_id, first.message_type, first.body
    )
    assert second.message_id == first.message_id
    assert bare.correlation_id is None
    assert bare.message_id != first.message_id
    assert bare.body == first.body


def test_a_reused_message_id_with_another_event_gives_another_message_id() -> None:
    """Two different events never share a message id, even under one MessageId."""
    document = json.loads(WRAPPED.read_bytes())
    (first,) = adapter.decode(_bytes(document))
    inner = json.loads(document["Message"])
    inner["additionalInformation"]["prisonId"] = "MDI"
    (second,) = adapter.decode(_bytes({**document, "Message": json.dumps(inner)}))
    assert first.correlation_id == second.correlation_id
    assert first.message_id != second.message_id


def test_issues_inside_a_wrapped_event_are_prefixed_with_message() -> None:
    """A pointer into the wrapped event starts with /Message, then names the member inside."""
    document = json.loads(WRAPPED.read_bytes())
    inner = json.loads(document["Message"])
    inner["additionalInformation"]["nomsNumber"] = "K229QD"
    del inner["publishedAt"]
    issues = _rejection(_bytes({**document, "Message": json.dumps(inner)}))
    assert _pairs(issues) == {
        ("noms.format", "/Message/additionalInformation/nomsNumber"),
        ("schema.required", "/Message"),
    }


def test_wrapper_and_event_issues_are_reported_together() -> None:
    """A notification missing its TopicArn-style fields and carrying a bad event reports both."""
    document = json.loads(WRAPPED.read_bytes())
    del document["MessageId"]
    document["MessageAttributes"]["eventType"]["Value"] = "probation-case.registration.added"
    inner = json.loads(document["Message"])
    inner["additionalInformation"]["prisonId"] = "le1"
    issues = _rejection(_bytes({**document, "Message": json.dumps(inner)}))
    assert _pairs(issues) == {
        ("schema.required", ""),
        ("hmpps-events.event-type-mismatch", "/MessageAttributes/eventType/Value"),
        ("prison-id.format", "/Message/additionalInformation/prisonId"),
    }


@pytest.mark.parametrize(
    ("message", "code"),
    [('{"eventType": ', "json.syntax"), ('["an array"]', "json.type"), ("nope", "json.syntax")],
)
def test_a_message_that_is_not_a_json_object_is_rejected_at_message(
    message: str, code: str
) -> None:
    """The Message string must hold one JSON object."""
    document = {**json.loads(WRAPPED.read_bytes()), "Message": message}
    assert _pairs(_rejection(_bytes(document))) == {(code, "/Message")}


# --- event types ----------------------------------------------------------------------------


@pytest.mark.parametrize("wrapped", [False, True])
def test_unknown_event_type_is_rejected_at_event_type(wrapped: bool) -> None:
    """An unknown eventType is rejected with hmpps-events.unknown-event-type, never ignored."""
    event = {**_event(RECEIVED), "eventType": "prison-offender-events.prisoner.absconded"}
    if wrapped:
        document = json.loads(WRAPPED.read_bytes())
        del document["MessageAttributes"]
        data = _bytes({**document, "Message": json.dumps(event)})
    else:
        data = _bytes(event)
    issues = _rejection(data)
    prefix = "/Message" if wrapped else ""
    assert _pairs(issues) == {("hmpps-events.unknown-event-type", f"{prefix}/eventType")}
    assert "absconded" not in issues[0].message


def test_event_without_event_type_is_checked_against_the_envelope_schema() -> None:
    """A missing eventType is a schema issue of the common envelope, and identifiers are still
    checked."""
    event = _event(RECEIVED)
    del event["eventType"]
    event["personReference"]["identifiers"][0]["value"] = "G73O5UX"
    assert _pairs(_rejection(_bytes(event))) == {
        ("schema.required", ""),
        ("noms.format", "/personReference/identifiers/0/value"),
    }


# --- identifiers ----------------------------------------------------------------------------


def test_identifier_issues_are_reported_even_with_schema_issues() -> None:
    """A NOMS number of the wrong type, a missing prison id and an empty personReference value
    each get the identifier's own code at the value's pointer, next to the schema's issues."""
    issues = _rejection(
        (GOLDEN / "released.identifiers-wrong-type-missing-and-empty.input.json").read_bytes()
    )
    assert _pairs(issues) == {
        ("schema.type", "/additionalInformation/nomsNumber"),
        ("noms.format", "/additionalInformation/nomsNumber"),
        ("schema.required", "/additionalInformation"),
        ("prison-id.missing", "/additionalInformation/prisonId"),
        ("noms.missing", "/personReference/identifiers/0/value"),
    }
    assert all(i.severity is Severity.ERROR for i in issues)


def test_every_identifier_is_checked_at_its_pointer() -> None:
    """Both NOMS numbers of a merge and the CRN and NOMS of a link are checked."""
    merged = _event(GOLDEN / "merged.microseconds-plus-zero.input.json")
    merged["additionalInformation"]["removedNomsNumber"] = "R50I8HN"
    linked = _event(GOLDEN / "prison-identifier-added.crn-then-noms-detail-url.input.json")
    linked["personReference"]["identifiers"][0]["value"] = "V5301840"
    linked["personReference"]["identifiers"][1]["value"] = ""
    assert _pairs(_rejection(_bytes(merged))) == {
        ("noms.format", "/additionalInformation/removedNomsNumber")
    }
    assert _pairs(_rejection(_bytes(linked))) == {
        ("crn.format", "/personReference/identifiers/0/value"),
        ("noms.missing", "/personReference/identifiers/1/value"),
    }


def test_a_merge_into_itself_is_rejected() -> None:
    """The removed number of a merge must differ from the number kept (after normalising)."""
    merged = _event(GOLDEN / "merged.microseconds-plus-zero.input.json")
    merged["additionalInformation"]["removedNomsNumber"] = "r5017hn"
    issues = _rejection(_bytes(merged))
    assert _pairs([i for i in issues if i.severity is Severity.ERROR]) == {
        ("hmpps-events.merge-into-itself", "/additionalInformation/removedNomsNumber")
    }


def test_normalisation_is_information_not_an_error() -> None:
    """A lower-case NOMS number with spaces is accepted in canonical form and reported as
    information, masked."""
    event = _event(RECEIVED)
    event["additionalInformation"]["nomsNumber"] = " g7305ux "
    translation = adapter.translate(_bytes(event), clock=fixed_clock)
    (envelope,) = translation.envelopes
    assert envelope.body.noms_number == NomsNumber("G7305UX")
    (issue,) = translation.report.issues
    assert (issue.severity, issue.code, issue.path) == (
        Severity.INFORMATION,
        "noms.normalised",
        "/additionalInformation/nomsNumber",
    )
    assert "G7***UX" in issue.message
    assert "G7305UX" not in issue.message.upper()


def test_subject_is_every_person_reference_identifier_in_order() -> None:
    """The subject lists personReference identifiers in their order, PERSON values included."""
    event = _event(GOLDEN / "prison-identifier-added.crn-then-noms-detail-url.input.json")
    event["personReference"]["identifiers"].insert(1, {"type": "PERSON", "value": "p-77 x"})
    (envelope,) = adapter.decode(_bytes(event))
    assert [(s.scheme, s.value) for s in envelope.subject] == [
        (SubjectScheme.CRN, "V530184"),
        (SubjectScheme.PERSON, "p-77 x"),
        (SubjectScheme.NOMS, "G7305UX"),
    ]
    assert envelope.source.system == "delius"
    assert envelope.ordering_key == "NOMS:G7305UX"


# --- the model's own limits -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "change", "expected"),
    [
        (
            "prison-identifier-added.no-detail-url",
            lambda e: e["personReference"]["identifiers"].append({"type": "PERSON", "value": ""}),
            ("schema.too-short", "/personReference/identifiers/2/value"),
        ),
        (
            "received.admission-nanoseconds",
            lambda e: e["additionalInformation"].update(details="ACTIVE\x01IN"),
            ("text.characters", "/additionalInformation/details"),
        ),
    ],
    ids=["empty-person-value", "control-character"],
)
def test_model_limits_are_reported_at_the_events_pointer(
    fixture: str, change: Any, expected: tuple[str, str]
) -> None:
    """What the schema allows but the canonical model does not is reported through pydantic,
    at the pointer of the value in the event, never at a model path."""
    event = _event(GOLDEN / f"{fixture}.input.json")
    change(event)
    assert _pairs(_rejection(_bytes(event))) == {expected}


# --- values ---------------------------------------------------------------------------------


def test_non_iso_registration_dates_are_read_as_aware_timestamps() -> None:
    """``Fri Jun 14 09:06:52 BST 2024`` is 09:06:52 at +01:00; GMT is +00:00."""
    (bst,) = adapter.decode(REGISTRATION.read_bytes())
    (gmt,) = adapter.decode((GOLDEN / "shared.registration-added.input.json").read_bytes())
    assert bst.body.registration_date == Timestamp.parse("2024-06-14T00:00:00+01:00")
    assert bst.body.created_at == Timestamp.parse("2024-06-14T09:06:52+01:00")
    assert gmt.body.created_at == Timestamp.parse("2025-01-09T11:30:05+00:00")


@pytest.mark.parametrize(
    "text",
    [
        "Sat Jun 14 09:06:52 BST 2024",
        "Fri Jun 31 09:06:52 BST 2024",
        "Thu Feb 29 00:00:00 GMT 2025",
    ],
)
def test_impossible_registration_dates_are_rejected(text: str) -> None:
    """A wrong day name or a date that does not exist passes the schema but not cjx."""
    event = _event(REGISTRATION)
    event["additionalInformation"]["createdDateAndTime"] = text
    issues = _rejection(_bytes(event))
    assert _pairs(issues) == {("timestamp.format", "/additionalInformation/createdDateAndTime")}


def test_nanosecond_timestamps_are_kept_exactly() -> None:
    """Nine fraction digits survive decoding, and so does a single nanosecond at Z."""
    (received,) = adapter.decode(RECEIVED.read_bytes())
    published = received.body.published_at
    assert published is not None
    assert (published.nanosecond, published.fraction_digits) == (241_562_485, 9)
    assert published.isoformat() == "2024-06-11T17:36:56.241562485+01:00"
    fixture = GOLDEN / "sentence-dates-changed.z-offset-one-nanosecond.input.json"
    (changed,) = adapter.decode(fixture.read_bytes())
    assert changed.body.published_at is not None
    assert changed.body.published_at.isoformat() == "2025-01-28T14:00:05.000000001Z"


# --- reports never carry personal data ------------------------------------------------------

_VOCABULARY_KEYS = {"eventType", "reason", "currentLocation", "currentPrisonStatus", "type"}


def _data_values(node: Any, key: str = "") -> set[str]:
    """Every string value of the input that could be data, not schema vocabulary."""
    if isinstance(node, dict):
        out: set[str] = set()
        for k, v in node.items():
            if k == "Message" and isinstance(v, str):
                try:
                    out |= _data_values(json.loads(v))
                except ValueError:
                    out.add(v)
            else:
                out |= _data_values(v, k)
        return out
    if isinstance(node, list):
        return set().union(*(_data_values(v, key) for v in node))
    if isinstance(node, str) and len(node.strip()) >= 3 and key not in _VOCABULARY_KEYS:
        return {node.strip()}
    return set()


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_reports_never_echo_values_from_the_input(fixture: Path) -> None:
    """No issue message contains an identifier, date or text taken from the input."""
    data = fixture.read_bytes()
    report = adapter.validate(data, source=fixture.name)
    values = _data_values(json.loads(data))
    for issue in report.issues:
        leaked = {v for v in values if v in issue.message or v.upper() in issue.message}
        assert not leaked, (issue.code, issue.path)


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "json.empty"),
        (b" \n\t", "json.empty"),
        (b'{"eventType": "caf\xe9"}', "json.encoding"),
        ('{"eventType": 1}'.encode("utf-16"), "json.encoding"),
        (b'{"eventType": NaN}', "json.syntax"),
        (b'{"x": -Infinity}', "json.syntax"),
        (b'{"version": 1e999999}', "json.syntax"),
        (b'{"eventType": "x"', "json.syntax"),
        (b"[" * 100_000 + b"]" * 100_000, "json.too-deep"),
        (b'{"v": ' + b"9" * 5000 + b"}", "json.syntax"),
        (b'["eventType"]', "json.type"),
        (b'"eventType"', "json.type"),
    ],
    ids=[
        "empty",
        "blank",
        "latin-1",
        "utf-16",
        "nan",
        "infinity",
        "overflowing-number",
        "truncated",
        "deeply-nested",
        "huge-integer",
        "array",
        "string",
    ],
)
def test_input_that_is_not_one_json_object_is_rejected(data: bytes, code: str) -> None:
    """Empty, non-UTF-8, non-standard and non-object JSON are each rejected with one issue."""
    (issue,) = _rejection(data)
    assert (issue.code, issue.path) == (code, "")


def test_input_over_the_size_limit_is_rejected_before_parsing() -> None:
    """The limit is 1 MiB by default and configurable; larger input is json.too-large."""
    assert MAX_EVENT_SIZE == 1024 * 1024
    data = RECEIVED.read_bytes()
    small = HmppsEventsAdapter(max_size=len(data) - 1)
    with pytest.raises(ValidationFailed) as caught:
        small.translate(data)
    assert caught.value.report.codes == ("json.too-large",)
    padded = data.replace(b"{", b"{" + b" " * MAX_EVENT_SIZE, 1)
    assert _pairs(_rejection(padded)) == {("json.too-large", "")}


def test_duplicate_keys_are_rejected_at_their_pointer() -> None:
    """A key that appears twice in one object is ambiguous and rejected where it is."""
    text = json.dumps(_event(RECEIVED)).replace(
        '"prisonId": "SWI"', '"prisonId": "SWI", "prisonId": "LEI"'
    )
    document = json.loads(WRAPPED.read_bytes())
    wrapped = json.dumps(document).replace('"Type":', '"Message": "{}", "Type":', 1)
    assert _pairs(_rejection(text.encode())) == {
        ("json.duplicate-key", "/additionalInformation/prisonId")
    }
    assert ("json.duplicate-key", "/Message") in _pairs(_rejection(wrapped.encode()))
