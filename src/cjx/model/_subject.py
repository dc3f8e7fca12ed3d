"""``SubjectId``: one identifier of the person a message is about (DESIGN.md section 2).

Its own module so that bodies can hold subject identifiers too (``identity.subject-enriched``)
without importing the envelope, which imports every body.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cjx.model._base import CanonicalModel, SafeText
from cjx.model._codes import SubjectScheme
from cjx.model._identifiers import (
    Asn,
    Crn,
    CroNumber,
    Identifier,
    IdentifierError,
    NomsNumber,
    PncId,
)

__all__ = ["SubjectId"]

_SCHEME_TYPES: dict[SubjectScheme, type[Identifier]] = {
    SubjectScheme.ASN: Asn,
    SubjectScheme.PNC: PncId,
    SubjectScheme.CRO: CroNumber,
    SubjectScheme.NOMS: NomsNumber,
    SubjectScheme.CRN: Crn,
}


class SubjectId(CanonicalModel):
    """One identifier of the person a message is about. Checked when its scheme has rules."""

    scheme: SubjectScheme
    """Which identifier this is (ASN, PNC, CRO, NOMS, CRN, BOOKING, PERSON)."""
    value: Annotated[SafeText, Field(min_length=1, max_length=64)]
    """The identifier in canonical form; checked when its scheme has rules."""

    @field_validator("value")
    @classmethod
    def _check(cls, value: str, info: ValidationInfo) -> str:
        kind = _SCHEME_TYPES.get(info.data.get("scheme"))  # type: ignore[arg-type]
        if kind is None:
            return value
        try:
            return str(kind.parse(value))
        except IdentifierError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
