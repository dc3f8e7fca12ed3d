"""An HMPPS event (bare, or wrapped in a queue notification) -> one canonical envelope.

Rules kept here, in the order they run; every issue found is reported together:

1. The bytes: size limit, UTF-8, JSON syntax, duplicate keys (see ``_json``).
2. The wrapper. An object without a top-level ``eventType`` but with ``Type`` or ``Message`` is a
   queue notification. It is validated with ``notification.schema.json``; a notification whose
   ``Type`` is not ``Notification`` or whose ``Message`` is not a string stops here. ``Message`` is
   parsed as JSON and must agree with ``MessageAttributes.eventType`` when that is present
   (``hmpps-events.event-type-mismatch``). ``MessageId`` becomes the envelope's
   ``correlation_id``, and so the source message id in its deterministic ``message_id``.
3. **Pointers into a wrapped event start with** ``/Message``: ``/Message/additionalInformation/
   nomsNumber`` names the member inside the JSON text that ``Message`` holds. RFC 6901 cannot
   step into a string; this is cjx's convention, so a pointer names the same field whether the
   event came bare or wrapped.
4. The event type. An unknown ``eventType`` is rejected (``hmpps-events.unknown-event-type`` at
   ``/eventType``); the event is then still checked against the common envelope schema. A known
   one is checked against its own schema (``schema.*`` issues).
5. Identifiers, always, on every identifier present, even where a schema issue is reported too:
   ``nomsNumber``, ``removedNomsNumber``, ``prisonId`` and the ``NOMS`` and ``CRN`` values of
   ``personReference``, each with its own code (``noms.format``, ``crn.format``,
   ``prison-id.format``) at the pointer of the value; one the event requires but lacks, or holds
   empty, is ``noms.missing`` (``crn.missing``...). A value written differently from its canonical
   form (lower case, spaces) is accepted and reported as information (``noms.normalised``).
   A merge of a number into itself is ``hmpps-events.merge-into-itself``.
6. Values the schema accepted but Python cannot: a calendar-invalid timestamp, a non-ISO
   registration date with an impossible date or a wrong day name (``timestamp.format``).
7. The canonical model is built only from an event that passed all of the above. Any error it
   still raises (its own limits) is reported at the event's pointer, never as a model path.

Messages never echo values from the input; identifiers appear only masked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import pydantic

from cjx.codec import issues_from_pydantic
from cjx.errors import Issue, Report, Severity, ValidationFailed, error
from cjx.model import (
    Clock,
    Envelope,
    EventBody,
    Identifier,
    NomsNumber,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    TimestampError,
    make_envelope,
)
from cjx.validation import json_schema_issues, json_validator

from ._events import (
    EVENTS,
    FORMAT_NAME,
    IDENTIFIER_KEYS,
    PERSON_REFERENCE_TYPES,
    SCHEMA_FOLDER,
    EventSpec,
)
from ._json import load_json, read_text
from ._legacy_date import parse_legacy_date

__all__ = ["decode"]

NOTIFICATION_SCHEMA: Final = f"{SCHEMA_FOLDER}/notification.schema.json"
ENVELOPE_SCHEMA: Final = f"{SCHEMA_FOLDER}/envelope.schema.json"
_MERGED: Final = "prison-offender-events.prisoner.merged"
_TIMESTAMP_KEYS: Final = ("occurredAt", "publishedAt")


def decode(
    data: bytes, *, source: str, clock: Clock, max_size: int
) -> tuple[Envelope[Any], Report]:
    """The envelope of one event and the information issues; ``ValidationFailed`` otherwise."""
    text, issues = read_text(data, max_size=max_size)
    if text is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    document, issues = load_json(text)
    event, base, correlation_id = (
        _unwrap(document, issues) if document is not None else (None, "", None)
    )
    if event is None:
        raise ValidationFailed(Report(source, tuple(issues)))

    spec = _event_spec(event, base, issues)
    issues.extend(_identifier_issues(event, spec, base))
    reported = {i.path for i in issues if i.severity is Severity.ERROR}
    times = _timestamps(event, spec, base, reported, issues)
    if spec is None or _has_errors(issues):
        raise ValidationFailed(Report(source, tuple(issues)))

    envelope = _build(
        event=event,
        spec=spec,
        base=base,
        times=times,
        correlation_id=correlation_id,
        clock=clock,
        issues=issues,
    )
    if envelope is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    return envelope, Report(source, tuple(issues))


def _has_errors(issues: Sequence[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


# --- 2. the wrapper -------------------------------------------------------------------------


def _unwrap(
    document: dict[str, Any], issues: list[Issue]
) -> tuple[dict[str, Any] | None, str, str | None]:
    """``(event, pointer base, correlation id)``; the event is ``None`` when unreadable."""
    if "eventType" in document or not ("Type" in document or "Message" in document):
        return document, "", None
    issues.extend(json_schema_issues(json_validator(NOTIFICATION_SCHEMA), document))
    message = document.get("Message")
    if document.get("Type") != "Notification" or not isinstance(message, str):
        return None, "", None
    base = "/Message"
    event, inner_issues = load_json(message, base=base)
    issues.extend(inner_issues)
    if event is None:
        return None, base, None
    attributes = document.get("MessageAttributes")
    declared = _get(_get(attributes, "eventType"), "Value")
    if isinstance(declared, str) and declared != event.get("eventType"):
        issues.append(
            error(
                "hmpps-events.event-type-mismatch",
                "/MessageAttributes/eventType/Value",
                "the notification's eventType attribute differs from the eventType of its Message",
            )
        )
    message_id = document.get("MessageId")
    correlation_id = message_id if isinstance(message_id, str) and message_id else None
    return event, base, correlation_id


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


# --- 4. the event type and its schema -------------------------------------------------------


def _event_spec(event: dict[str, Any], base: str, issues: list[Issue]) -> EventSpec | None:
    event_type = event.get("eventType")
    spec = EVENTS.get(event_type) if isinstance(event_type, str) else None
    if spec is not None:
        issues.extend(json_schema_issues(json_validator(spec.schema), event, base_path=base))
        return spec
    issues.extend(json_schema_issues(json_validator(ENVELOPE_SCHEMA), event, base_path=base))
    if isinstance(event_type, str):
        issues.append(
            error(
                "hmpps-events.unknown-event-type",
                base + "/eventType",
                "eventType is not one of the supported event types: " + ", ".join(sorted(EVENTS)),
            )
        )
    return None


# --- 5. identifiers -------------------------------------------------------------------------


def _check_identifier(
    kind: type[Identifier], raw: Any, pointer: str, issues: list[Issue]
) -> Identifier | None:
    if not isinstance(raw, str):
        issues.append(error(f"{kind.scheme}.format", pointer, f"{kind.label} must be text"))
        return None
    value, issue = kind.check(raw, pointer)
    if issue is not None:
        issues.append(issue)
    return value


def _missing(kind: type[Identifier], pointer: str, where: str) -> Issue:
    return error(f"{kind.scheme}.missing", pointer, f"{kind.label} is required {where}")


def _identifier_issues(event: dict[str, Any], spec: EventSpec | None, base: str) -> list[Issue]:
    issues: list[Issue] = []
    info = event.get("additionalInformation")
    info = info if isinstance(info, dict) else {}
    required = {f.key for f in spec.fields} if spec else set()
    checked: dict[str, Identifier | None] = {}
    for key, kind in IDENTIFIER_KEYS.items():
        pointer = f"{base}/additionalInformation/{key}"
        if key in info:
            checked[key] = _check_identifier(kind, info[key], pointer, issues)
        elif key in required:
            issues.append(_missing(kind, pointer, "in additionalInformation"))

    items = _get(event.get("personReference"), "identifiers")
    present: set[str] = set()
    for index, item in enumerate(items if isinstance(items, list) else ()):
        ref_type = _get(item, "type")
        ref_kind = PERSON_REFERENCE_TYPES.get(ref_type) if isinstance(ref_type, str) else None
        if ref_kind is None:
            continue
        present.add(ref_type)
        pointer = f"{base}/personReference/identifiers/{index}/value"
        if "value" in item:
            _check_identifier(ref_kind, item["value"], pointer, issues)
        else:
            issues.append(_missing(ref_kind, pointer, "in each personReference identifier"))
    if spec is None:
        return issues
    for scheme, _ in spec.person_reference:
        if scheme.value not in present:
            pointer = f"{base}/personReference/identifiers"
            issues.append(
                _missing(
                    PERSON_REFERENCE_TYPES[scheme.value],
                    pointer,
                    f"in personReference for {spec.event_type}",
                )
            )

    if spec.event_type == _MERGED:
        kept, removed = checked.get("nomsNumber"), checked.get("removedNomsNumber")
        if isinstance(kept, NomsNumber) and kept == removed:
            issues.append(
                error(
                    "hmpps-events.merge-into-itself",
                    f"{base}/additionalInformation/removedNomsNumber",
                    "the removed NOMS number is the number kept; a record cannot merge into itself",
                )
            )
    return issues


# --- 6. values the schema cannot judge ------------------------------------------------------


def _timestamps(
    event: dict[str, Any],
    spec: EventSpec | None,
    base: str,
    reported: set[str],
    issues: list[Issue],
) -> dict[str, Timestamp]:
    """Every timestamp the schema accepted, parsed; keyed by its pointer (without ``base``)."""
    candidates: list[tuple[str, Any, Callable[[str], Timestamp]]] = [
        (f"/{key}", event.get(key), Timestamp.parse) for key in _TIMESTAMP_KEYS
    ]
    for f in spec.fields if spec else ():
        if f.legacy_date:
            pointer = f"/additionalInformation/{f.key}"
            raw = _get(event.get("additionalInformation"), f.key)
            candidates.append((pointer, raw, parse_legacy_date))
    times: dict[str, Timestamp] = {}
    for pointer, raw, parse in candidates:
        if not isinstance(raw, str) or base + pointer in reported:
            continue
        try:
            times[pointer] = parse(raw)
        except TimestampError as exc:
            issues.append(error(exc.code, base + pointer, exc.message))
    return times


# --- 7. the canonical message ---------------------------------------------------------------


def _put(data: dict[str, Any], loc: tuple[str, ...], value: Any) -> None:
    for name in loc[:-1]:
        data = data.setdefault(name, {})
    data[loc[-1]] = value


def _build(
    *,
    event: dict[str, Any],
    spec: EventSpec,
    base: str,
    times: dict[str, Timestamp],
    correlation_id: str | None,
    clock: Clock,
    issues: list[Issue],
) -> Envelope[Any] | None:
    """The envelope of a checked event; ``None`` (with issues added) if the model refuses it."""
    fields: dict[str, Any] = {"event_version": event["version"]}
    for key, name in (("description", "description"), ("detailUrl", "detail_url")):
        if key in event:
            fields[name] = event[key]
    if "/publishedAt" in times:
        fields["published_at"] = times["/publishedAt"]
    info: dict[str, Any] = event["additionalInformation"]
    for f in spec.fields:
        if f.constant is None:
            pointer = f"/additionalInformation/{f.key}"
            _put(fields, f.loc, times[pointer] if f.legacy_date else info[f.key])

    identifiers: list[dict[str, Any]] = event["personReference"]["identifiers"]
    reference_pointers: dict[tuple[str, ...], str] = {}
    for scheme, name in spec.from_person_reference:
        index = next(i for i, item in enumerate(identifiers) if item["type"] == scheme.value)
        fields[name] = identifiers[index]["value"]
        reference_pointers[(name,)] = f"/personReference/identifiers/{index}/value"

    def body_path(loc: tuple[int | str, ...]) -> str:
        key = tuple(str(p) for p in loc)
        pointer = reference_pointers.get(key) or spec.pointer(key)
        if pointer is None:
            pointer = "/additionalInformation" if loc else ""
        return base + pointer

    def subject_path(index: int) -> Callable[[tuple[int | str, ...]], str]:
        def path(loc: tuple[int | str, ...]) -> str:
            member = "type" if loc and loc[0] == "scheme" else "value"
            return f"{base}/personReference/identifiers/{index}/{member}"

        return path

    body: EventBody | None = None
    try:
        body = spec.body_type.model_validate(fields)
    except pydantic.ValidationError as exc:
        issues.extend(issues_from_pydantic(exc, path_for=body_path))
    subject: list[SubjectId] = []
    for index, item in enumerate(identifiers):
        try:
            subject.append(
                SubjectId.model_validate(
                    {"scheme": SubjectScheme(item["type"]), "value": item["value"]}
                )
            )
        except pydantic.ValidationError as exc:
            issues.extend(issues_from_pydantic(exc, path_for=subject_path(index)))
    if body is None or _has_errors(issues):
        return None

    def envelope_path(loc: tuple[int | str, ...]) -> str:
        head, rest = (loc[0], loc[1:]) if loc else ("", ())
        if head == "occurred_at":
            return base + "/occurredAt"
        if head == "subject" and rest and isinstance(rest[0], int):
            return subject_path(rest[0])(rest[1:])
        if head == "body":
            return body_path(rest)
        return base

    try:
        return make_envelope(
            body,
            occurred_at=times["/occurredAt"],
            source=Source(system=spec.system, format=FORMAT_NAME, organisation=None),
            subject=subject,
            correlation_id=correlation_id,
            clock=clock,
        )
    except pydantic.ValidationError as exc:
        issues.extend(issues_from_pydantic(exc, path_for=envelope_path))
        return None
