"""The six HMPPS events cjx understands, and how each maps to its canonical body.

This table is the only place the mapping lives; decoding and encoding both read it.

* ``prison-offender-events.prisoner.received`` -> ``custody.prisoner-received`` (nomis)
* ``prison-offender-events.prisoner.released`` -> ``custody.prisoner-released`` (nomis)
* ``prison-offender-events.prisoner.sentence-dates-changed`` -> ``custody.sentence-dates-changed``
  (nomis)
* ``prison-offender-events.prisoner.merged`` -> ``identity.person-merged`` (nomis)
* ``probation-case.prison-identifier.added`` -> ``identity.identifiers-linked`` (delius)
* ``probation-case.registration.added`` -> ``probation.registration-added`` (delius)

The system in brackets is the envelope's ``source.system``: the case system that raised the event.

Each :class:`EventSpec` lists the ``additionalInformation`` keys in the order the producer writes
them, each with the canonical field it fills (``reason: MERGE`` is a constant with no field).

**Defaults when encoding a body that lacks its publication details** (a body built by another
producer). A detail the event's schema does not require is left out when absent, so that an event
read without it is written back without it. ``description``, per event type:

* ``prisoner.received``: "A prisoner has been received into prison"
* ``prisoner.released``: "A prisoner has been released from prison"
* ``prisoner.sentence-dates-changed``: "A prisoner's sentence dates have been changed"
* ``prisoner.merged``: "A prisoner has been merged from <removed number> to <kept number>"
* ``prison-identifier.added`` and ``registration.added``: none; ``description`` is optional
  there and is left out.

``publishedAt``: the envelope's ``produced_at`` for the four prison events, whose schema requires
it (the event is published from a canonical message made at that moment, the nearest true
value); left out for the two probation events, whose producer never sends one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cjx.model import (
    Crn,
    EventBody,
    Identifier,
    IdentifiersLinked,
    NomsNumber,
    PersonMerged,
    PrisonerReceived,
    PrisonerReleased,
    PrisonId,
    RegistrationAdded,
    SentenceDatesChanged,
    SubjectScheme,
)

__all__ = [
    "EVENTS",
    "DEFAULT_DESCRIPTIONS",
    "EVENTS_BY_MESSAGE_TYPE",
    "FORMAT_NAME",
    "IDENTIFIER_KEYS",
    "PERSON_REFERENCE_SCHEMES",
    "PERSON_REFERENCE_TYPES",
    "EventSpec",
    "InfoField",
]

FORMAT_NAME: Final = "hmpps-events"
SCHEMA_FOLDER: Final = "formats/hmpps-events"

#: ``additionalInformation`` keys that hold identifiers, whatever the event type. Each is checked
#: wherever it is present; it is required when the event's spec lists the key.
IDENTIFIER_KEYS: Final[dict[str, type[Identifier]]] = {
    "nomsNumber": NomsNumber,
    "removedNomsNumber": NomsNumber,
    "prisonId": PrisonId,
}
#: ``personReference`` identifier types with identifier rules. ``PERSON`` values are opaque.
PERSON_REFERENCE_TYPES: Final[dict[str, type[Identifier]]] = {"NOMS": NomsNumber, "CRN": Crn}
#: Subject schemes that ``personReference`` can carry, in both directions.
PERSON_REFERENCE_SCHEMES: Final = frozenset(
    {SubjectScheme.NOMS, SubjectScheme.CRN, SubjectScheme.PERSON}
)


@dataclass(frozen=True, slots=True)
class InfoField:
    """One ``additionalInformation`` key and the canonical body field it maps to."""

    key: str
    #: Field path in the body, e.g. ``("register_type", "code")``; empty for a constant.
    loc: tuple[str, ...] = ()
    #: Written as Java ``Date.toString()`` text (see ``_legacy_date``).
    legacy_date: bool = False
    #: The value of a constant key (``reason: MERGE``), which the body does not hold.
    constant: str | None = None


@dataclass(frozen=True, slots=True)
class EventSpec:
    """How one event type maps to one canonical body type."""

    event_type: str
    body_type: type[EventBody]
    #: ``Source.system`` of the canonical envelope: the case system that raised the event.
    system: str
    fields: tuple[InfoField, ...]
    #: ``personReference`` types the event must carry, in writing order, each with the body
    #: field that holds the same value. A field no ``additionalInformation`` key fills (the CRN
    #: of probation events) is read from the first identifier of its type; when encoding, that
    #: identifier must agree with it. Encoding a subject that lacks the type takes the body's.
    person_reference: tuple[tuple[SubjectScheme, str], ...]
    #: Default ``description``, a ``str.format`` template over the body's fields; ``None``
    #: when the schema does not require a description (it is then left out).
    default_description: str | None
    #: ``publishedAt`` and ``description`` are required by the schema (prison events).
    publication_required: bool

    @property
    def message_type(self) -> str:
        return self.body_type.message_type

    @property
    def schema(self) -> str:
        return f"{SCHEMA_FOLDER}/{self.event_type}.schema.json"

    @property
    def from_person_reference(self) -> tuple[tuple[SubjectScheme, str], ...]:
        """The ``person_reference`` fields that only ``personReference`` holds."""
        filled = {f.loc[0] for f in self.fields if f.loc}
        return tuple((s, name) for s, name in self.person_reference if name not in filled)

    def pointer(self, loc: tuple[str, ...]) -> str | None:
        """The JSON pointer (in the event) of the body field at ``loc``, if it has one."""
        if len(loc) == 1 and loc[0] in _PUBLICATION_POINTERS:
            return _PUBLICATION_POINTERS[loc[0]]
        for f in self.fields:
            if f.loc and f.loc == loc:
                return f"/additionalInformation/{f.key}"
        return None


_PUBLICATION_POINTERS: Final = {
    "event_version": "/version",
    "description": "/description",
    "published_at": "/publishedAt",
    "detail_url": "/detailUrl",
}

_MOVEMENT: Final = (
    InfoField("nomsNumber", ("noms_number",)),
    InfoField("prisonId", ("prison_id",)),
    InfoField("reason", ("reason",)),
    InfoField("currentLocation", ("current_location",)),
    InfoField("currentPrisonStatus", ("current_prison_status",)),
    InfoField("nomisMovementReasonCode", ("movement_reason_code",)),
    InfoField("details", ("details",)),
)

EVENTS: Final[dict[str, EventSpec]] = {
    spec.event_type: spec
    for spec in (
        EventSpec(
            "prison-offender-events.prisoner.received",
            PrisonerReceived,
            "nomis",
            _MOVEMENT,
            ((SubjectScheme.NOMS, "noms_number"),),
            "A prisoner has been received into prison",
            publication_required=True,
        ),
        EventSpec(
            "prison-offender-events.prisoner.released",
            PrisonerReleased,
            "nomis",
            _MOVEMENT,
            ((SubjectScheme.NOMS, "noms_number"),),
            "A prisoner has been released from prison",
            publication_required=True,
        ),
        EventSpec(
            "prison-offender-events.prisoner.sentence-dates-changed",
            SentenceDatesChanged,
            "nomis",
            (
                InfoField("bookingId", ("booking_id",)),
                InfoField("nomsNumber", ("noms_number",)),
                InfoField("sentenceCalculationId", ("sentence_calculation_id",)),
            ),
            ((SubjectScheme.NOMS, "noms_number"),),
            "A prisoner's sentence dates have been changed",
            publication_required=True,
        ),
        EventSpec(
            "prison-offender-events.prisoner.merged",
            PersonMerged,
            "nomis",
            (
                InfoField("nomsNumber", ("retained_noms_number",)),
                InfoField("removedNomsNumber", ("removed_noms_number",)),
                InfoField("bookingId", ("booking_id",)),
                InfoField("reason", constant="MERGE"),
            ),
            ((SubjectScheme.NOMS, "retained_noms_number"),),
            "A prisoner has been merged from {removed_noms_number} to {retained_noms_number}",
            publication_required=True,
        ),
        EventSpec(
            "probation-case.prison-identifier.added",
            IdentifiersLinked,
            "delius",
            (InfoField("bookingNumber", ("booking_number",)),),
            ((SubjectScheme.CRN, "crn"), (SubjectScheme.NOMS, "noms_number")),
            None,
            publication_required=False,
        ),
        EventSpec(
            "probation-case.registration.added",
            RegistrationAdded,
            "delius",
            (
                InfoField("registerTypeCode", ("register_type", "code")),
                InfoField("registerTypeDescription", ("register_type", "description")),
                InfoField("registrationCategoryCode", ("category", "code")),
                InfoField("registrationCategoryDescription", ("category", "description")),
                InfoField("registrationLevelCode", ("level", "code")),
                InfoField("registrationLevelDescription", ("level", "description")),
                InfoField("registrationId", ("registration_id",)),
                InfoField("registrationDate", ("registration_date",), legacy_date=True),
                InfoField("createdDateAndTime", ("created_at",), legacy_date=True),
            ),
            ((SubjectScheme.CRN, "crn"),),
            None,
            publication_required=False,
        ),
    )
}

EVENTS_BY_MESSAGE_TYPE: Final[dict[str, EventSpec]] = {
    spec.message_type: spec for spec in EVENTS.values()
}

#: Event type -> the default ``description`` template (``None``: left out). See the module notes.
DEFAULT_DESCRIPTIONS: Final[dict[str, str | None]] = {
    spec.event_type: spec.default_description for spec in EVENTS.values()
}
