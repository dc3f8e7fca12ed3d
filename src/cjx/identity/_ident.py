"""The identifiers the person index links: a scheme and a value in canonical form.

Rules kept here (the index's other modules rely on them and check nothing again):

* Seven schemes: ``pnc``, ``cro``, ``noms``, ``crn``, ``asn``, ``book`` (NOMIS book number) and
  ``booking`` (NOMIS booking id). Written ``SCHEME:VALUE`` (``noms:A1234BC``), the scheme in
  lower case.
* Values are normalised and checked by the identifier types of :mod:`cjx.model` (``PncId``,
  ``CroNumber``, ``NomsNumber``, ``Crn``, ``Asn``, ``BookNumber``), so a short-form PNC ID and
  its long form are one identifier. A booking id is an integer in the signed 64-bit range
  (negative ones exist in NOMIS test data), written in decimal without leading zeros; canonical
  messages carry it as an integer (``cjx.model.BookingId``), the index as that decimal text.
* Single-valued schemes: a person has at most one current PNC ID, CRO number, NOMS number and CRN.
  ASNs (one per case), book numbers and booking ids (one per period in custody) are many. A
  NOMS number that a merge removed is a *former* identifier and does not count.
* Errors name the rule (``noms.format``, ``book-number.format``, ``booking-id.format``,
  ``identity.scheme``) and never echo the value.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Final

from cjx.errors import mask
from cjx.model import (
    Asn,
    BookNumber,
    Crn,
    CroNumber,
    Identifier,
    IdentifierError,
    NomsNumber,
    PncId,
    SubjectId,
)

__all__ = ["SCHEMES", "SINGLE_VALUED", "SUBJECT_SCHEMES", "Ident", "Scheme", "subject_ident"]


class Scheme(enum.StrEnum):
    """The identifier schemes of the person index, as written on the command line."""

    PNC = "pnc"
    CRO = "cro"
    NOMS = "noms"
    CRN = "crn"
    ASN = "asn"
    BOOK = "book"
    BOOKING = "booking"


#: Schemes of which a person holds at most one current value (see the module notes).
SINGLE_VALUED: Final = frozenset({Scheme.PNC, Scheme.CRO, Scheme.NOMS, Scheme.CRN})

_MODEL_TYPES: Final[dict[Scheme, type[Identifier]]] = {
    Scheme.PNC: PncId,
    Scheme.CRO: CroNumber,
    Scheme.NOMS: NomsNumber,
    Scheme.CRN: Crn,
    Scheme.ASN: Asn,
    Scheme.BOOK: BookNumber,
}

_BOOKING_ID = re.compile("-?[0-9]{1,19}")
_INT64 = 2**63


def _booking_id(raw: str) -> str:
    """A NOMIS booking id in canonical form: a signed 64-bit integer in decimal."""
    text = raw.strip()
    if not text:
        raise IdentifierError("booking-id.missing", "booking id is empty")
    if not text.isascii() or not _BOOKING_ID.fullmatch(text):
        raise IdentifierError("booking-id.format", "booking id must be an integer")
    number = int(text)
    if not -_INT64 <= number < _INT64:
        raise IdentifierError("booking-id.range", "booking id is outside the 64-bit range")
    return str(number)


@dataclass(frozen=True, slots=True)
class Ident:
    """One identifier of a person: a scheme and its value in canonical form.

    Build one with :meth:`of` or :meth:`parse`, which normalise and check; the constructor
    trusts its arguments (it is for values read back from the index). ``str()`` gives
    ``scheme:value``; identifiers sort by that text.
    """

    scheme: Scheme
    value: str

    @classmethod
    def of(cls, scheme: Scheme | str, raw: str | int) -> Ident:
        """Normalise and check ``raw`` as a ``scheme`` value; raise ``IdentifierError``."""
        kind = _scheme(str(scheme))
        if kind is Scheme.BOOKING and isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            raise IdentifierError(f"{kind.value}.format", f"a {kind.value} value must be text")
        if kind is Scheme.BOOKING:
            return cls(kind, _booking_id(raw))
        return cls(kind, str(_MODEL_TYPES[kind].parse(raw)))

    @classmethod
    def parse(cls, text: str) -> Ident:
        """Read ``SCHEME:VALUE`` (``noms:a1234bc`` gives ``noms:A1234BC``)."""
        scheme, colon, value = text.partition(":")
        if not colon:
            raise IdentifierError(
                "identity.identifier-form",
                "an identifier is written SCHEME:VALUE, with SCHEME one of "
                + ", ".join(s.value for s in Scheme),
            )
        return cls.of(scheme.strip().lower(), value)

    @classmethod
    def booking(cls, booking_id: int | str) -> Ident:
        return cls.of(Scheme.BOOKING, booking_id)

    @property
    def single_valued(self) -> bool:
        return self.scheme in SINGLE_VALUED

    def masked(self) -> str:
        """``noms:A1***BC``: for errors and logs, which never show a whole identifier."""
        return f"{self.scheme.value}:{mask(self.value)}"

    def __str__(self) -> str:
        return f"{self.scheme.value}:{self.value}"

    def __lt__(self, other: Ident) -> bool:
        return str(self) < str(other)


#: Scheme by its text (faster than calling the enum).
SCHEMES: Final = {s.value: s for s in Scheme}


def _scheme(text: str) -> Scheme:
    try:
        return SCHEMES[text]
    except KeyError:
        raise IdentifierError(
            "identity.scheme",
            "unknown identifier scheme; expected one of " + ", ".join(s.value for s in Scheme),
        ) from None


#: Envelope subject schemes (by their text) -> index schemes. ``PERSON`` (a source's own person
#: id) is not an index scheme. A subject ``BOOKING`` is a NOMIS booking id.
SUBJECT_SCHEMES: Final[dict[str, Scheme]] = {
    "PNC": Scheme.PNC,
    "CRO": Scheme.CRO,
    "NOMS": Scheme.NOMS,
    "CRN": Scheme.CRN,
    "ASN": Scheme.ASN,
    "BOOKING": Scheme.BOOKING,
}


def subject_ident(subject: SubjectId) -> Ident | None:
    """The index identifier of one subject entry; ``None`` for a scheme the index does not keep.

    Raises ``IdentifierError`` for a value the scheme does not accept.
    """
    scheme = SUBJECT_SCHEMES.get(str(subject.scheme))
    return None if scheme is None else Ident.of(scheme, subject.value)
