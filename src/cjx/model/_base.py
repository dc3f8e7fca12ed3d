"""The base of every canonical model: frozen, strict about unknown fields, XML-aware."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["Body", "CanonicalModel", "XmlItem"]


@dataclass(frozen=True, slots=True)
class XmlItem:
    """Annotation metadata: the element name of one item of a repeated field.

    ``offences: Annotated[tuple[Offence, ...], XmlItem("Offence")]`` is written as
    ``<Offences><Offence>...</Offence></Offences>`` in canonical XML.
    """

    name: str


class CanonicalModel(BaseModel):
    """Frozen, forbids unknown fields; equality is value equality."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_default=False,
        revalidate_instances="never",
        ser_json_inf_nan="strings",
    )


class Body(CanonicalModel):
    """A canonical message body. Subclasses name their message type and schema version."""

    message_type: ClassVar[str]
    #: ``MAJOR.MINOR``; routing keys carry the major (``court.case-resulted.v1``).
    schema_version: ClassVar[str] = "1.0"

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.message_type}.v{cls.schema_version.split('.')[0]}"
