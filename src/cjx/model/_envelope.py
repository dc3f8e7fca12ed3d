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
from typing import Annotated, Any, Generic, Self, TypeVar, cast

from pydantic import (
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cjx.errors import Report, UnknownMessageType, ValidationFailed, error
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
from cjx.model._extensions import fields_later_than
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
    """Where a canonical message came from."""

    system: Annotated[SafeText, Field(min_length=1, max_length=64)]
    """The system that produced the source message (``libra``, ``nomis``, ``delius``...)."""
    format: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,63}$")]
    """The cjx format the message was read from (``libra-spi``, ``hmpps-events``...)."""
    organisation: OuCode | None = None
    """The OU code of the organisation that sent it, when the source names one."""


BodyT = TypeVar("BodyT", bound=Body)


class Envelope(CanonicalModel, Generic[BodyT]):
    """``Envelope[Body]``: the header of DESIGN.md section 2 and one typed body."""

    message_id: uuid.UUID
    """Deterministic UUIDv5 of source format, source message id, type and body digest."""
    message_type: str
    """The body's type, such as ``court.case-resulted``; also names the routing key."""
    schema_version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+$")]
    """The canonical schema version the body follows, ``MAJOR.MINOR``."""
    occurred_at: Timestamp
    """When the fact happened, as the source says, with its precision and offset."""
    produced_at: Timestamp
    """When cjx made this canonical message (from the injectable clock)."""
    correlation_id: Annotated[SafeText, Field(min_length=1, max_length=256)] | None = None
    """The source's own message id, when it has one."""
    causation_id: uuid.UUID | None = None
    """The ``message_id`` of the canonical message this one was made from (rules)."""
    source: Source
    """Where the message came from: system, format and sending organisation."""
    subject: Annotated[tuple[SubjectId, ...], XmlItem("Identifier")] = ()
    """The identifiers of the person the message is about; the first stable one orders."""
    classification: Annotated[SafeText, Field(min_length=1, max_length=64)] = DEFAULT_CLASSIFICATION
    """The Government Security Classification of the content."""
    body: BodyT
    """The typed content of the message, one class per message type."""

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
        later = fields_later_than(self.body, self.schema_version)
        if later:  # docs/versioning.md, "Reservation": a minor writes only what it declares
            path, since = later[0]
            raise PydanticCustomError(
                "schema.extra-forbidden",
                f"schema_version {self.schema_version} has no body.{path}: it was added in "
                f"{since}; a message that carries it says {since} or later",
            )
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

    # -- pydantic's own JSON methods speak canonical JSON ----------------------------------

    def model_dump_json(self, *, exclude_none: bool = True, **kwargs: Any) -> str:
        """Canonical JSON, as :func:`cjx.encode_json` writes it (as text): ``None`` values are
        left out by default, because canonical JSON has no nulls. ``exclude_none=False`` gives
        pydantic's plain dump, which cjx rejects."""
        return super().model_dump_json(exclude_none=exclude_none, **kwargs)

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        context: Any | None = None,
        **kwargs: Any,
    ) -> Self:
        """Canonical JSON, read by :func:`cjx.decode_json`: the hardened reader, the body type
        chosen by ``message_type`` (so it works on ``Envelope`` itself), and on bad input a
        :class:`~cjx.errors.ValidationFailed` (a ``ValueError``) whose report names each path
        and rule without echoing a value. pydantic's options (``strict``...) are refused."""
        if strict is not None or context is not None or kwargs:
            raise TypeError(
                "Envelope.model_validate_json takes no options: canonical JSON has one reading"
            )
        from cjx.codec import decode_json  # noqa: PLC0415 - the codec imports this module

        data = bytes(json_data) if isinstance(json_data, bytearray) else json_data
        envelope = decode_json(data)
        if not isinstance(envelope, cls):
            raise ValidationFailed(
                Report(
                    "<input>",
                    (
                        error(
                            "canonical.message-type",
                            "/message_type",
                            f"expected a message this class holds ({cls.__name__}), "
                            f"not {envelope.message_type}",
                        ),
                    ),
                )
            )
        return envelope


def message_id_for(
    source_format: str, source_message_id: str | None, message_type: str, body: Body
) -> uuid.UUID:
    """The deterministic message id of DESIGN.md section 2."""
    # Fields at their defaults are left out, so adding an optional field in a minor version
    # (default None or empty) does not change the id of any existing message.
    return message_id_from_json(
        source_format,
        source_message_id,
        message_type,
        body.model_dump_json(exclude_defaults=True),
    )


def message_id_from_json(
    source_format: str, source_message_id: str | None, message_type: str, body_json: str
) -> uuid.UUID:
    """:func:`message_id_for` from the body's JSON already written, fields at their defaults
    left out (``body.model_dump_json(exclude_defaults=True)``): for a writer that has it."""
    return uuid.UUID(
        int=_message_id_value(source_format, source_message_id, message_type, body_json)
    )


def message_id_text_from_json(
    source_format: str, source_message_id: str | None, message_type: str, body_json: str
) -> str:
    """``str(message_id_from_json(...))``, written without the :class:`uuid.UUID`: for a
    writer of text (the bulk import's)."""
    text = f"{_message_id_value(source_format, source_message_id, message_type, body_json):032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _message_id_value(
    source_format: str, source_message_id: str | None, message_type: str, body_json: str
) -> int:
    digest = hashlib.sha256(body_json.encode()).hexdigest()
    name = "\x1f".join((source_format, source_message_id or "", message_type, digest))
    # uuid.uuid5, with the version and variant bits set on the integer (one UUID check, not two)
    sha1 = hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).digest()
    return int.from_bytes(sha1[:16]) & _CLEAR_VERSION_AND_VARIANT | _VERSION_5_RFC_4122


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
