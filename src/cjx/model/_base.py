"""The base of every canonical model: frozen, strict about unknown fields, XML-aware."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "Amount",
    "Body",
    "CanonicalModel",
    "Extension",
    "LocalTime",
    "SafeText",
    "XmlItem",
]

# Characters XML 1.0 cannot carry: C0 controls but tab, line feed and carriage return; lone
# surrogates; U+FFFE and U+FFFF. Text with them could be read from JSON but never written as XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value: str) -> str:
    # printable text (the common case, checked in C) has none of them
    if not value.isprintable() and _NOT_XML.search(value):
        raise PydanticCustomError(
            "text.characters",
            "text contains control characters that XML 1.0 cannot carry",
        )
    return value


def _local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None or value.microsecond:
        raise PydanticCustomError(
            "time.format", "expected a local time of day in whole seconds (HH:MM:SS), no offset"
        )
    return value


_CENT = Decimal("0.01")


def _amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise PydanticCustomError("amount.format", "expected a finite amount")
    quantised = value.quantize(_CENT)
    if quantised != value:
        raise PydanticCustomError("amount.format", "expected at most 2 decimal places")
    return abs(quantised) if quantised.is_zero() else quantised


#: Text that can be written as XML 1.0 (the rule neither schema states for JSON).
SafeText = Annotated[str, AfterValidator(_xml_safe)]
#: A wall-clock time of day, whole seconds, no offset (court sittings are local times).
LocalTime = Annotated[
    dt.time,
    AfterValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            "description": "a local time of day, HH:MM:SS",
        }
    ),
]
#: An amount of money up to 9 999 999 999.99, normalised to exactly two decimal places.
Amount = Annotated[Decimal, Field(max_digits=12, decimal_places=2, ge=0), AfterValidator(_amount)]


@dataclass(frozen=True, slots=True)
class XmlItem:
    """Annotation metadata: the element name of one item of a repeated field.

    ``offences: Annotated[tuple[Offence, ...], XmlItem("Offence")]`` is written as
    ``<Offences><Offence>...</Offence></Offences>`` in canonical XML.
    """

    name: str


@dataclass(frozen=True, slots=True)
class Extension:
    """Annotation metadata: a field a later minor added at its type's extension point.

    docs/versioning.md: a type first released after 1.0 ends with an extension point, where a
    later minor of the major (``since``, ``"1.2"``) may add an optional field whose absence
    keeps the old meaning. Canonical XML writes such a field (and its items) in the extension
    namespace :data:`cjx.model.EXTENSION_NS`, after the type's own elements, where older
    readers' lax wildcard skips it; canonical JSON writes it as any other member (older readers'
    open object ignores it). A message that says an earlier version than ``since`` carries
    nothing there (the envelope refuses it), and a reader of an earlier release skips it.
    Extension fields come after every other field of their type, and hold text values (an
    element of the extension namespace holds no canonical element).
    """

    since: str


class CanonicalModel(BaseModel):
    """Frozen, forbids unknown fields; equality is value equality. A field's docstring is its
    description (``help()``, the JSON Schema, the docs)."""

    model_config = ConfigDict(
        use_attribute_docstrings=True,
        frozen=True,
        extra="forbid",
        validate_default=False,
        revalidate_instances="never",
        ser_json_inf_nan="strings",
    )


class Body(CanonicalModel):
    """A canonical message body. Subclasses name their message type and schema version."""

    message_type: ClassVar[str]
    #: ``MAJOR.MINOR``: the release whose schema describes the body as it is, the release that
    #: introduced it or the later minor that last added content at one of its extension points
    #: (docs/versioning.md); routing keys carry the major (``court.case-resulted.v1``).
    schema_version: ClassVar[str] = "1.0"
    #: The release that introduced the message type, when it is earlier than
    #: ``schema_version`` (a later minor added content to it); None: ``schema_version``.
    introduced_in: ClassVar[str | None] = None

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.message_type}.v{cls.schema_version.split('.')[0]}"

    def fallback_ordering_key(self) -> str | None:
        """The ordering key of a message whose subject names no person (version 1.1): what
        the body itself names the person by. None by default: such a message is ordered alone."""
        return None
