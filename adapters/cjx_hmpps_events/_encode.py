"""A canonical envelope -> the bare HMPPS event (never the notification, which is transport).

Rules kept here:

* Keys are written in the producer's order: ``eventType``, ``version``, ``description``,
  ``occurredAt``, ``publishedAt``, ``detailUrl``, ``additionalInformation``, ``personReference``;
  ``additionalInformation`` keys in the order of the event's spec (see ``_events``).
* ``occurredAt`` and ``publishedAt`` are :meth:`Timestamp.isoformat`: the instant, offset (``Z``
  stays ``Z``) and number of fractional digits that were read. Registration dates are written back
  as ``Fri Jun 14 09:06:52 BST 2024``; only +01:00 (BST) and +00:00 (GMT) can be written.
* Empty strings stay empty strings; ``reason`` of a merge is the constant ``MERGE``.
* ``personReference`` is the envelope's ``subject`` in order, keeping only the schemes the
  format carries (``NOMS``, ``CRN``, ``PERSON``): other schemes (PNC, ASN...) have no place in
  it. An identifier type the event requires but the subject lacks is taken from the body. Where
  only ``personReference`` holds a body field (the CRN of probation events), the subject's first
  identifier of that type must be the body's value (``hmpps-events.subject-mismatch``).
* A missing ``description`` or ``publishedAt`` takes the default in ``_events``, or is left out.
* The event is validated against its own JSON Schema before it is returned: encoding never emits
  an event its consumers would reject. Failures are :class:`~cjx.errors.ValidationFailed` whose
  paths are JSON pointers into the canonical message (``/body/booking_id``). A message type the
  format has no event for is :class:`~cjx.errors.UnknownMessageType`.

Output is compact UTF-8 JSON, as the producer publishes it.
"""

from __future__ import annotations

import json
from typing import Any

from cjx.codec import json_pointer
from cjx.errors import Issue, Report, UnknownMessageType, ValidationFailed, error
from cjx.model import Envelope, EventBody, TimestampError
from cjx.validation import json_schema_issues, json_validator

from ._events import EVENTS_BY_MESSAGE_TYPE, PERSON_REFERENCE_SCHEMES, EventSpec
from ._legacy_date import format_legacy_date

__all__ = ["encode", "event_for"]


def encode(envelope: Envelope[Any]) -> bytes:
    """The event's JSON bytes; see the module rules."""
    event = event_for(envelope)
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def event_for(envelope: Envelope[Any]) -> dict[str, Any]:
    """The event as a JSON object (key order as written), validated against its schema."""
    spec = EVENTS_BY_MESSAGE_TYPE.get(envelope.message_type)
    if spec is None:
        raise UnknownMessageType(
            f"hmpps-events cannot encode {envelope.message_type!r}; it encodes "
            + ", ".join(sorted(EVENTS_BY_MESSAGE_TYPE))
        )
    body = envelope.body
    assert isinstance(body, spec.body_type)
    issues: list[Issue] = []

    event: dict[str, Any] = {"eventType": spec.event_type, "version": body.event_version}
    description = body.description
    if description is None and spec.default_description is not None:
        description = spec.default_description.format(**dict(body))
    if description is not None:
        event["description"] = description
    event["occurredAt"] = envelope.occurred_at.isoformat()
    published = body.published_at
    if published is None and spec.publication_required:
        published = envelope.produced_at
    if published is not None:
        event["publishedAt"] = published.isoformat()
    if body.detail_url is not None:
        event["detailUrl"] = body.detail_url

    info: dict[str, Any] = {}
    for f in spec.fields:
        if f.constant is not None:
            info[f.key] = f.constant
            continue
        value = _attribute(body, f.loc)
        if not f.legacy_date:
            info[f.key] = str(value)
            continue
        try:
            info[f.key] = format_legacy_date(value)
        except TimestampError as exc:
            issues.append(error(exc.code, "/body" + json_pointer(f.loc), exc.message))
    event["additionalInformation"] = info

    identifiers = [
        {"type": s.scheme.value, "value": s.value}
        for s in envelope.subject
        if s.scheme in PERSON_REFERENCE_SCHEMES
    ]
    carried = {i["type"] for i in identifiers}
    identifiers.extend(
        {"type": scheme.value, "value": str(getattr(body, name))}
        for scheme, name in spec.person_reference
        if scheme.value not in carried
    )
    event["personReference"] = {"identifiers": identifiers}
    for scheme, name in spec.from_person_reference:
        first = next(i["value"] for i in identifiers if i["type"] == scheme.value)
        if first != getattr(body, name):
            issues.append(
                error(
                    "hmpps-events.subject-mismatch",
                    "/subject",
                    f"the first {scheme.value} identifier of the subject differs from the "
                    f"body's {name}; the event can carry only one",
                )
            )

    if not issues:
        issues = [
            error(i.code, _canonical_path(spec, i.path), f"{i.message} (in the encoded event)")
            for i in json_schema_issues(json_validator(spec.schema), event)
        ]
    if issues:
        raise ValidationFailed(Report(str(envelope.message_id), tuple(issues)))
    return event


def _attribute(body: EventBody, loc: tuple[str, ...]) -> Any:
    value: Any = body
    for name in loc:
        value = getattr(value, name)
    return value


def _canonical_path(spec: EventSpec, pointer: str) -> str:
    """The canonical message's pointer for a pointer into the encoded event."""
    parts = pointer.split("/")[1:]
    if not parts:
        return ""
    head = parts[0]
    if head == "occurredAt":
        return "/occurred_at"
    if head == "personReference":
        return "/subject"
    if head == "additionalInformation" and len(parts) > 1:
        for f in spec.fields:
            if f.key == parts[1] and f.loc:
                return "/body" + json_pointer(f.loc)
    for name in ("event_version", "description", "published_at", "detail_url"):
        if spec.pointer((name,)) == "/" + head:
            return f"/body/{name}"
    return "/body"
