"""The envelope: a header plus one typed body (DESIGN.md section 2).

Rules kept here:

* ``message_id`` is deterministic: UUIDv5 in :data:`MESSAGE_ID_NAMESPACE` over the source format,
  the source message id (``correlation_id``; empty when there is none), the message type and a
  SHA-256 digest of the body's canonical JSON. Re-translating a source message gives the same id;
  two different messages never share one even when a source reuses its ids.
* ``message_type`` and ``schema_version`` agree with the body's class.
* The first stable subject identifier (PNC, else NOMS, else CRN, else ASN) is the ordering key;
  a message whose subject holds none of these but a booking id (``custody.release-dates``) is
  ordered by the booking (``BOOKING:<id>``); one whose subject has none of them, by what its
  body names the person by, if anything (``probation.custody-record``: ``BOOK-NUMBER:<book
  number>``, else ``DELIUS-EVENT:<conviction id>``).
* ``produced_at`` comes from an injectable clock, so golden files compare exactly.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar, cast

from pydantic import (
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from cjx.errors import UnknownMessageType
from cjx.model._base import Body, CanonicalModel, SafeText, XmlItem
from cjx.model._codes import SubjectScheme
from cjx.model._court import CaseResulted
from cjx.model._custody_record import CustodyRecord
from cjx.model._enriched import SubjectEnriched
from cjx.model._events import (
    IdentifiersLinked,
    PersonMerged,
    PrisonerReceived,
    PrisonerReleased,
    RegistrationAdded,
    SentenceDatesChanged,
)
from cjx.model._identifiers import OuCode
from cjx.model._left_extract import PrisonerLeftExtract
from cjx.model._licence import LicenceRecord
from cjx.model._prisoner import PrisonerRecord
from cjx.model._records import KeyDatesReplaced, ReleaseDates
from cjx.model._subject import SubjectId
from cjx.model._timestamp import Timestamp

__all__ = [
    "BODY_TYPES",
    "DEFAULT_CLASSIFICATION",
    "MESSAGE_ID_NAMESPACE",
    "Clock",
    "Envelope",
    "Source",
    "SubjectId",
    "body_type",
    "make_envelope",
    "message_id_for",
    "system_clock",
]

#: Namespace of the UUIDv5 message ids. Never change it: ids must be stable across releases.
MESSAGE_ID_NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-5d7e-9f10-2c3b4a5d6e7f")
DEFAULT_CLASSIFICATION = "OFFICIAL-SENSITIVE"
_NAMESPACE_BYTES = MESSAGE_ID_NAMESPACE.bytes
_CLEAR_VERSION_AND_VARIANT = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_5_RFC_4122 = (5 << 76) | (0x8000 << 48)

#: Every canonical body type of version 1 (1.0, then the types 1.1 added), by message type.
BODY_TYPES: dict[str, type[Body]] = {
    cls.message_type: cls
    for cls in (
        CaseResulted,
        PrisonerReceived,
        PrisonerReleased,
        SentenceDatesChanged,
        PersonMerged,
        IdentifiersLinked,
        RegistrationAdded,
        # 1.1
        ReleaseDates,
        KeyDatesReplaced,
        PrisonerRecord,
        CustodyRecord,
        LicenceRecord,
        SubjectEnriched,
        PrisonerLeftExtract,
    )
}

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


def body_type(message_type: str) -> type[Body]:
    try:
        return BODY_TYPES[message_type]
    except KeyError:
        raise UnknownMessageType(f"no canonical body for message type {message_type!r}") from None


_ORDERING_PREFERENCE = (
    SubjectScheme.PNC,
    SubjectScheme.NOMS,
    SubjectScheme.CRN,
    SubjectScheme.ASN,
    SubjectScheme.BOOKING,  # last: a booking names one person, but only within NOMIS
)


class Source(CanonicalModel):
    system: Annotated[SafeText, Field(min_length=1, max_length=64)]
    format: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,63}$")]
    organisation: OuCode | None = None


BodyT = TypeVar("BodyT", bound=Body)


class Envelope(CanonicalModel, Generic[BodyT]):
    """``Envelope[Body]``: the header of DESIGN.md section 2 and one typed body."""

    message_id: uuid.UUID
    message_type: str
    schema_version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+$")]
    occurred_at: Timestamp
    produced_at: Timestamp
    correlation_id: Annotated[SafeText, Field(min_length=1, max_length=256)] | None = None
    causation_id: uuid.UUID | None = None
    source: Source
    subject: Annotated[tuple[SubjectId, ...], XmlItem("Identifier")] = ()
    classification: Annotated[SafeText, Field(min_length=1, max_length=64)] = DEFAULT_CLASSIFICATION
    body: BodyT

    @model_validator(mode="after")
    def _type_matches_body(self) -> Envelope[BodyT]:
        expected = type(self.body).message_type
        if self.message_type != expected:
            raise ValueError(
                f"message_type {self.message_type!r} does not match the body ({expected!r})"
            )
        major = self.schema_version.split(".")[0]
        if major != type(self.body).schema_version.split(".")[0]:
            raise ValueError(f"schema_version {self.schema_version} is not supported")
        return self

    @property
    def ordering_key(self) -> str | None:
        """The first stable subject identifier (PNC, else NOMS, else CRN, else ASN, else the
        booking id); else what the body names the person by (``Body.fallback_ordering_key``:
        a custody record's book number), else none."""
        for scheme in _ORDERING_PREFERENCE:
            for subject in self.subject:
                if subject.scheme is scheme:
                    return f"{scheme.value}:{subject.value}"
        return self.body.fallback_ordering_key()

    @property
    def routing_key(self) -> str:
        """The AMQP routing key on ``cjx.canonical``, e.g. ``court.case-resulted.v1``."""
        return type(self.body).routing_key()


def message_id_for(
    source_format: str, source_message_id: str | None, message_type: str, body: Body
) -> uuid.UUID:
    """The deterministic message id of DESIGN.md section 2."""
    # Fields at their defaults are left out, so adding an optional field in a minor version
    # (default None or empty) does not change the id of any existing message.
    digest = hashlib.sha256(body.model_dump_json(exclude_defaults=True).encode()).hexdigest()
    name = "\x1f".join((source_format, source_message_id or "", message_type, digest))
    # uuid.uuid5, with the version and variant bits set on the integer (one UUID check, not two)
    sha1 = hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).digest()
    value = int.from_bytes(sha1[:16]) & _CLEAR_VERSION_AND_VARIANT | _VERSION_5_RFC_4122
    return uuid.UUID(int=value)


def make_envelope(
    body: BodyT,
    *,
    occurred_at: Timestamp,
    source: Source,
    subject: Sequence[SubjectId] = (),
    correlation_id: str | None = None,
    causation_id: uuid.UUID | None = None,
    classification: str = DEFAULT_CLASSIFICATION,
    clock: Clock = system_clock,
) -> Envelope[BodyT]:
    """Build an envelope with its deterministic id and a ``produced_at`` from ``clock``."""
    message_type = type(body).message_type
    parametrised = _parametrise(type(body))
    fields: dict[str, Any] = {
        "message_id": message_id_for(source.format, correlation_id, message_type, body),
        "message_type": message_type,
        "schema_version": type(body).schema_version,
        "occurred_at": occurred_at,
        "produced_at": Timestamp.from_datetime(clock()),
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "source": source,
        "subject": tuple(subject),
        "classification": classification,
        "body": body,
    }
    trusted = (
        isinstance(source, Source)
        and all(isinstance(s, SubjectId) for s in fields["subject"])
        and isinstance(occurred_at, Timestamp)
        and classification == DEFAULT_CLASSIFICATION
        and _correlation_id_ok(correlation_id)
    )
    if trusted:
        # Every part is already a validated value: assembling them needs no second validation.
        return parametrised.model_construct(**fields)
    return parametrised(**fields)


_CORRELATION_ID = TypeAdapter(Annotated[SafeText, Field(min_length=1, max_length=256)])


def _correlation_id_ok(correlation_id: str | None) -> bool:
    """Whether the correlation id is acceptable as it is (else the constructor reports it)."""
    if correlation_id is None:
        return True
    if (
        type(correlation_id) is str
        and 1 <= len(correlation_id) <= 256
        and correlation_id.isprintable()  # the common case, without a validator call
    ):
        return True
    try:
        _CORRELATION_ID.validate_python(correlation_id)
    except ValidationError:
        return False
    return True


def envelope_type(message_type: str) -> type[Envelope[Any]]:
    """The parametrised envelope class for ``message_type``."""
    return _parametrise(body_type(message_type))


@functools.cache
def _parametrise(body: type[Body]) -> type[Envelope[Any]]:
    # cached here: pydantic keeps parametrised classes only weakly, and building one again
    # (when the last reference went) costs milliseconds
    generic: Any = Envelope  # parametrised at run time with a body class
    return cast("type[Envelope[Any]]", generic[body])
