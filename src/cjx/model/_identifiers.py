"""Identifiers that normalise and check themselves (DESIGN.md section 4).

This module is the only place the identifier rules live:

* Every check character uses one alphabet of 23 letters, ``ZABCDEFGHJKLMNPQRTUVWXY`` (A to Z
  without I, O and S, with Z first): form a decimal number, take it modulo 23, index the alphabet.
* ASN: strip ``/`` and spaces, upper-case. A result of 10 to 19 characters whose part between
  character 8 and the last character is all digits has that part's leading zeros dropped and is
  left-padded to 11 digits. Then it must match ``^[0-9]{2}[A-Z0-9]{6,7}[0-9]{11}[A-HJ-NP-RT-Z]$``.
  Check number: force digits (if both are digits) + system digits (if both are digits) + year +
  11-digit sequence; the 21-character form drops the character after the year first.
* PNC ID: canonical ``YYYY/NNNNNNNC``; accepts ``YYYYNNNNNNNC``, short ``YY/N{1,7}C`` (serial
  left-padded to 7; YY 00-38 is 20YY, 39-99 is 19YY: a fixed pivot, so a message means the same
  thing every year) and long with an unpadded serial ``YYYY/N{1,7}C`` (hmpps-prisoner-search's
  ``pncNumberCanonicalLong``, e.g. ``2012/394773H``; padded to 7). Check number: last two year
  digits + 7-digit serial.
* CRO: ``N{1,6}/YYC`` (check number YY + serial left-padded to 6) or ``SFYY/N{1,6}C`` (check
  number YY + serial as written).
* NOMS number, CRN, PTI-URN, OU code, prison id, offence code, book number, Home Office
  offence code: format only, upper-cased.

Each identifier type is a ``str`` subclass holding the canonical form. ``parse`` normalises and
checks, raising :class:`IdentifierError` whose ``code`` starts with the identifier's name
(``asn.format``, ``pnc.check-character``...). Messages never echo the rejected value. Calling the
type is the same as ``parse`` (``Asn(raw)`` checks ``raw``): no identifier exists unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Self

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from cjx.errors import Issue, error, information, mask

__all__ = [
    "CHECK_ALPHABET",
    "Asn",
    "BookNumber",
    "CroNumber",
    "Crn",
    "HomeOfficeOffenceCode",
    "Identifier",
    "IdentifierError",
    "NomsNumber",
    "OffenceCode",
    "OuCode",
    "PncId",
    "PrisonId",
    "PtiUrn",
    "check_character",
]

CHECK_ALPHABET = "ZABCDEFGHJKLMNPQRTUVWXY"

#: Two-digit PNC years up to this one are 20YY, later ones 19YY. Fixed, never sliding.
PNC_CENTURY_PIVOT = 38


def check_character(number: str) -> str:
    """The check character of a decimal number written as ``number``."""
    return CHECK_ALPHABET[int(number) % 23]


class IdentifierError(ValueError):
    """An identifier failed its format or check character. ``code`` is e.g. ``asn.format``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Identifier(str):
    """Base of all identifier value types: an immutable ``str`` in canonical form.

    Subclasses set ``scheme`` (the code prefix and subject scheme), ``pattern`` (the canonical
    form, also written into the schemas) and implement ``_normalise``.
    """

    scheme: ClassVar[str]
    label: ClassVar[str]
    pattern: ClassVar[str]
    _form: ClassVar[re.Pattern[str]]  # ``pattern``, compiled once
    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "pattern" in cls.__dict__:
            cls._form = re.compile(cls.pattern)

    def __new__(cls, raw: str) -> Self:
        """``Asn(raw)`` is ``Asn.parse(raw)``: an identifier is never built unchecked."""
        if cls is Identifier:
            raise TypeError("Identifier is abstract: use one of its types, such as Asn")
        return cls.parse(raw)

    @classmethod
    def parse(cls, raw: str) -> Self:
        """Normalise and check ``raw``; raise :class:`IdentifierError` when it is not valid."""
        if not isinstance(raw, str):
            raise IdentifierError(f"{cls.scheme}.format", f"{cls.label} must be text")
        text = raw.strip()
        if not text:
            raise IdentifierError(f"{cls.scheme}.missing", f"{cls.label} is empty")
        if not text.isascii():
            # checked before upper-casing, which maps some non-ASCII letters to ASCII ones
            raise IdentifierError(
                f"{cls.scheme}.format", f"{cls.label} must be ASCII letters and digits"
            )
        value = cls._normalise(text)
        if not cls._form.fullmatch(value):
            raise IdentifierError(
                f"{cls.scheme}.format",
                f"{cls.label} does not match the expected form {cls.pattern}",
            )
        cls._check(value)
        return str.__new__(cls, value)

    @classmethod
    def normalisation_of(cls, raw: str) -> Self | None:
        """The canonical value when ``raw`` is valid but written differently, else ``None``."""
        value = cls.parse(raw)
        return None if value == raw else value

    @classmethod
    def check(cls, raw: str, path: str | Callable[[], str]) -> tuple[Self | None, Issue | None]:
        """Parse ``raw`` for a report: (the value or ``None``, the issue to report or ``None``).

        The issue is an error with the identifier's own code when ``raw`` is invalid, or
        information (``<scheme>.normalised``) when it is valid but written differently, such as
        a short-form ASN. ``path`` may be a function, called only when there is an issue.
        """
        try:
            value = cls.parse(raw)
        except IdentifierError as exc:
            where = path() if callable(path) else path
            return None, error(exc.code, where, exc.message)
        if value == raw:
            return value, None
        where = path() if callable(path) else path
        return value, information(
            f"{cls.scheme}.normalised",
            where,
            f"{cls.label} was written in a non-canonical form and was normalised to "
            f"{value.masked()}",
        )

    @classmethod
    def _normalise(cls, text: str) -> str:
        return text.upper()

    @classmethod
    def _check(cls, value: str) -> None:
        """Check character rule; format-only identifiers have none."""

    def masked(self) -> str:
        return mask(str(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Identifier:
            if isinstance(value, cls):
                return value
            try:
                return cls.parse(value)
            except IdentifierError as exc:
                raise PydanticCustomError(exc.code, exc.message) from None

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema(), when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": f"^{cls.pattern}$",
            "description": f"{cls.label} in canonical form"
            + (" (check character enforced by cjx)" if cls._has_check() else ""),
        }

    @classmethod
    def _has_check(cls) -> bool:
        return cls._check.__func__ is not Identifier._check.__func__  # type: ignore[attr-defined]


class Asn(Identifier):
    """Arrest/summons number ``YYFFUUSSNNNNNNNNNNNC`` (21 characters with a top-level OU letter)."""

    __slots__ = ()
    scheme = "asn"
    label = "ASN"
    pattern = "[0-9]{2}[A-Z0-9]{6,7}[0-9]{11}[A-HJ-NP-RT-Z]"

    @classmethod
    def _normalise(cls, text: str) -> str:
        value = text.replace("/", "").replace(" ", "").upper()
        if 10 <= len(value) <= 19 and value[8:-1].isdigit():
            value = value[:8] + value[8:-1].lstrip("0").rjust(11, "0") + value[-1]
        return value

    @classmethod
    def _check(cls, value: str) -> None:
        core = value[:2] + value[3:] if len(value) == 21 else value
        year, force, system, sequence = core[0:2], core[2:4], core[6:8], core[8:19]
        number = (
            (force if force.isdigit() else "")
            + (system if system.isdigit() else "")
            + year
            + sequence
        )
        if check_character(number) != core[19]:
            raise IdentifierError("asn.check-character", "ASN check character is wrong")


class PncId(Identifier):
    """Police National Computer id, ``YYYY/NNNNNNNC``."""

    __slots__ = ()
    scheme = "pnc"
    label = "PNC ID"
    pattern = "[0-9]{4}/[0-9]{7}[A-HJ-NP-RT-Z]"

    _LONG = re.compile(r"([0-9]{4})/?([0-9]{7})([A-Z])")
    _SHORT = re.compile(r"([0-9]{2})/([0-9]{1,7})([A-Z])")
    _LONG_UNPADDED = re.compile(r"([0-9]{4})/([0-9]{1,7})([A-Z])")

    @classmethod
    def _normalise(cls, text: str) -> str:
        value = text.upper().replace(" ", "")
        if m := cls._LONG.fullmatch(value):
            return f"{m[1]}/{m[2]}{m[3]}"
        if m := cls._SHORT.fullmatch(value):
            yy = int(m[1])
            century = "20" if yy <= PNC_CENTURY_PIVOT else "19"
            return f"{century}{m[1]}/{m[2].rjust(7, '0')}{m[3]}"
        if m := cls._LONG_UNPADDED.fullmatch(value):
            return f"{m[1]}/{m[2].rjust(7, '0')}{m[3]}"
        return value

    @classmethod
    def _check(cls, value: str) -> None:
        if check_character(value[2:4] + value[5:12]) != value[12]:
            raise IdentifierError("pnc.check-character", "PNC ID check character is wrong")


class CroNumber(Identifier):
    """Criminal Records Office number, ``N{1,6}/YYC`` or ``SFYY/N{1,6}C``."""

    __slots__ = ()
    scheme = "cro"
    label = "CRO number"
    pattern = "(?:[0-9]{1,6}/[0-9]{2}|SF[0-9]{2}/[0-9]{1,6})[A-HJ-NP-RT-Z]"

    @classmethod
    def _check(cls, value: str) -> None:
        if value.startswith("SF"):
            year, serial = value[2:4], value[5:-1]
            number = year + serial
        else:
            serial, year = value[:-1].split("/")
            number = year + serial.rjust(6, "0")
        if check_character(number) != value[-1]:
            raise IdentifierError("cro.check-character", "CRO number check character is wrong")


class NomsNumber(Identifier):
    """Prison (NOMS) number, e.g. ``A8513EA``. No check character is known."""

    __slots__ = ()
    scheme = "noms"
    label = "NOMS number"
    pattern = "[A-Z][0-9]{4}[A-Z]{2}"


class Crn(Identifier):
    """Probation case reference number, e.g. ``X757129``. No check character is known."""

    __slots__ = ()
    scheme = "crn"
    label = "CRN"
    pattern = "[A-Z][0-9]{6}"


class PtiUrn(Identifier):
    """Case unique reference number (PTI-URN), e.g. ``01ZD0303208``."""

    __slots__ = ()
    scheme = "pti-urn"
    label = "PTI-URN"
    pattern = "[A-Z0-9]{4}[0-9]{3,7}"


class OuCode(Identifier):
    """Organisation unit code; courts have 7 characters, e.g. ``B01EF01``."""

    __slots__ = ()
    scheme = "ou-code"
    label = "OU code"
    pattern = "[A-JZ0-9]?[A-Z0-9]{6}"


class PrisonId(Identifier):
    """Three-letter prison (agency) id, e.g. ``SWI``."""

    __slots__ = ()
    scheme = "prison-id"
    label = "prison id"
    pattern = "[A-Z]{3}"


class OffenceCode(Identifier):
    """CJS offence code, checked for format only (never against standing data)."""

    __slots__ = ()
    scheme = "offence-code"
    label = "offence code"
    pattern = "[A-Z0-9]{1,8}"


class BookNumber(Identifier):
    """NOMIS book number, six letters and digits, e.g. ``38339A`` or ``V61585``.

    It names one booking (one period in custody) of a prisoner. Delius keeps it as the custody's
    prisoner number and finds the custody by (NOMS number, book number). No check character is
    known.
    """

    __slots__ = ()
    scheme = "book-number"
    label = "book number"
    pattern = "[A-Z0-9]{6}"


class HomeOfficeOffenceCode(Identifier):
    """Home Office offence classification code, five digits, e.g. ``01200`` (version 1.1).

    The code Delius classifies an offence by: the main category (three digits, ``012``) and the
    sub category (two digits, ``00``), written together. It is not a CJS offence code
    (:class:`OffenceCode`, ``TH68010``). Format only; never checked against standing data.
    """

    __slots__ = ()
    scheme = "ho-offence-code"
    label = "Home Office offence code"
    pattern = "[0-9]{5}"
