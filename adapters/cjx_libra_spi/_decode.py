"""Libra SPI ResultedCaseMessage -> ``court.case-resulted`` (FORMAT.md).

Rules kept here:

* The envelope is a DeliverRequest or a RouteData; anything else is rejected
  (``libra-spi.envelope``), and so is an envelope without a ResultedCaseMessage
  (``libra-spi.no-resulted-case-message``).
* RouteData values are trimmed. Its ``DataStreamContent`` was unescaped once by the XML parser; it
  is parsed with the same hardened parser and never unescaped again, so a wording such as
  ``Something &lt; 240 grams`` keeps its escaped text.
* The source schema (XSD) gate runs first. Identifier checks then always run, on every identifier
  present, and report with the identifier's own code (``asn.check-character``, ``ou-code.format``,
  ``pti-urn.missing``...) even when a schema issue is also reported. Normalised identifiers are
  reported as information (``asn.normalised``).
* The model is built only from a schema-valid message with valid identifiers. Text is trimmed;
  an empty optional element is absent. ``occurred_at`` is the hearing date and time in
  Europe/London.
* Schema hints (``xsi:schemaLocation``) are never followed: a relative hint is reported as
  information, a URL (``http:``, ``file:``...) is an error (``xml.schema-location``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import pydantic
from lxml import etree

from cjx.codec import issues_from_pydantic, parse_xml, schema_location_hints
from cjx.errors import Issue, Report, ValidationFailed, error, information
from cjx.model import (
    BLANK_PLACE,
    Asn,
    CaseResulted,
    Clock,
    Envelope,
    Identifier,
    OffenceCode,
    OuCode,
    PncId,
    PtiUrn,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx.validation import element_path, lxml_schema, xmlschema_issues, xmlschema_schema
from cjx.validation import xsd_issues as lxml_issues

from . import _codes as codes

__all__ = ["DELIVER_NS", "LIBRA_NS", "ROUTE_NS", "decode"]

LIBRA_NS: Final = "http://www.dca.gov.uk/xmlschemas/libra"
DELIVER_NS: Final = "http://schemas.cjse.gov.uk/messages/deliver/2006-05"
MESSAGING_NS: Final = "http://schemas.cjse.gov.uk/messages/messaging/2006-05"
ROUTE_NS: Final = "http://schemas.cjse.gov.uk/common/operations"

DELIVER_XSD: Final = "formats/libra-spi/deliver-request.xsd"
ROUTE_XSD: Final = "formats/libra-spi/route-data.xsd"
RCM_XSD: Final = "formats/libra-spi/resulted-case-message.xsd"

#: Court hearing times are local: the courts of England and Wales sit in Europe/London.
COURT_TIME_ZONE: Final = ZoneInfo("Europe/London")
SOURCE_SYSTEM: Final = "libra"
FORMAT_NAME: Final = "libra-spi"

#: A location that names somewhere else: a URI scheme (two letters or more: ``C:`` is a drive),
#: or an absolute or network path (``/etc``, ``//host``, ``\\host``).
_URL_HINT = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]+:|[/\\])")
_ROUTE_CONTENT_PATH = "/RouteData/DataStream/DataStreamContent"
_DELIVER_REQUEST: Final = f"{{{DELIVER_NS}}}DeliverRequest"
_ROUTE_DATA: Final = f"{{{ROUTE_NS}}}RouteData"
_MESSAGE_IDENTIFIER: Final = f"{{{MESSAGING_NS}}}MessageIdentifier"
_MESSAGE: Final = f"{{{DELIVER_NS}}}Message"


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_DC = "{" + LIBRA_NS + "}"


class _Qualified(dict[str, str]):
    """Local name -> qualified libra tag, each made once (a lookup, where ``_DC + name`` makes
    and hashes a new string on every call)."""

    def __missing__(self, name: str) -> str:
        tag = self[name] = _DC + name
        return tag


_QN: Final = _Qualified()


_Children = dict[Any, list[etree._Element]]


def _children(el: etree._Element | None) -> _Children:
    """The children of one element of a schema-valid message, by qualified tag, in order.

    The builder runs only after the source schema accepted the message, so every element is in
    the libra namespace: one pass over the children (the parser dropped comments and PIs), then
    dictionary lookups.
    """
    children: _Children = {}
    if el is not None:
        for child in el:
            tag = child.tag
            if tag in children:
                children[tag].append(child)
            else:
                children[tag] = [child]
    return children


def _child(kids: _Children, name: str) -> etree._Element | None:
    found = kids.get(_QN[name])
    return found[0] if found else None


def _text(el: etree._Element | None) -> str | None:
    """Trimmed text; ``None`` for a missing or empty element."""
    if el is None:
        return None
    value = (el.text or "").strip()
    return value or None


# --- the envelope ---------------------------------------------------------------------------


class _Input:
    """The parsed envelope: where the ResultedCaseMessage is and what the source id is."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[Issue] = []
        self.rcm: etree._Element | None = None
        self.base = ""  # path prefix for issues inside an embedded (RouteData) document
        self.correlation_id: str | None = None
        self.correlation_element: etree._Element | None = None
        self.payload_unreadable = False  # RouteData content that is not well-formed XML


def _hint_issues(root: etree._Element, base: str, data: bytes) -> list[Issue]:
    return [
        _hint_issue(base + path, value) for path, value in schema_location_hints(root, data=data)
    ]


@lru_cache(maxsize=256)
def _hint_issue(path: str, value: str) -> Issue:
    """The issue of one hint (the same few hints come with every message of a source: cached;
    issues are frozen values)."""
    # The value's second half of each pair is a location; one that names a URL is an attempt
    # to make the reader fetch something.
    locations = value.split()[1::2] or value.split()
    if any(_URL_HINT.match(loc) for loc in locations):
        return error(
            "xml.schema-location",
            path,
            "schema location hints naming a URL are refused; cjx validates only "
            "against its own packaged schemas",
        )
    return information(
        "xml.schema-location-ignored",
        path,
        "schema location hint ignored; validated against the packaged schema",
    )


def _open(data: bytes, source: str, *, detailed: bool, max_size: int) -> _Input:
    found = _Input(source)
    root = parse_xml(data, source=source, max_size=max_size)
    found.issues.extend(_hint_issues(root, "", data))
    schema_issues = _xmlschema_issues if detailed else _lxml_issues
    tag = root.tag
    if tag == _DELIVER_REQUEST:
        found.issues.extend(schema_issues(DELIVER_XSD, root, ""))
        # first children found in C (``find`` parses its path in Python)
        identifier = next(root.iterchildren(_MESSAGE_IDENTIFIER), None)
        found.correlation_id = _text(identifier)
        found.correlation_element = identifier
        message = next(root.iterchildren(_MESSAGE), None)
        if message is not None:
            found.rcm = next(message.iterchildren("{*}ResultedCaseMessage"), None)
    elif tag == _ROUTE_DATA:
        found.issues.extend(schema_issues(ROUTE_XSD, root, ""))
        request = root.find(f"{{{ROUTE_NS}}}RequestFromSystem")
        if request is not None:
            identifier = request.find(f"{{{ROUTE_NS}}}CorrelationID")
            found.correlation_id = _text(identifier)
            found.correlation_element = identifier
        content = root.find(f"{{{ROUTE_NS}}}DataStream/{{{ROUTE_NS}}}DataStreamContent")
        payload = (content.text or "").strip() if content is not None else ""
        if payload:
            found.base = _ROUTE_CONTENT_PATH
            embedded = payload.encode("utf-8")
            try:
                inner = parse_xml(embedded, source=source, max_size=max_size)
            except ValidationFailed as exc:
                found.issues.extend(
                    error(i.code, _ROUTE_CONTENT_PATH, i.message) for i in exc.report.issues
                )
                found.payload_unreadable = True
                inner = None
            if inner is not None:
                found.issues.extend(_hint_issues(inner, found.base, embedded))
                if _local(inner) == "ResultedCaseMessage":
                    found.rcm = inner
                    found.issues.extend(schema_issues(RCM_XSD, inner, found.base))
    else:
        found.issues.append(
            error(
                "libra-spi.envelope",
                element_path(root),
                "expected a DeliverRequest or RouteData envelope holding a ResultedCaseMessage",
            )
        )
        return found
    if found.rcm is None and not found.payload_unreadable:
        where = _ROUTE_CONTENT_PATH if tag == _ROUTE_DATA else "/DeliverRequest/Message"
        found.issues.append(
            error(
                "libra-spi.no-resulted-case-message",
                where,
                "the envelope holds no ResultedCaseMessage",
            )
        )
    return found


def _lxml_issues(relative: str, root: etree._Element, base: str) -> list[Issue]:
    return lxml_issues(lxml_schema(relative), root, base_path=base)


def _xmlschema_issues(relative: str, root: etree._Element, base: str) -> list[Issue]:
    return xmlschema_issues(xmlschema_schema(relative), root, base_path=base)


# --- identifiers ----------------------------------------------------------------------------


def _check_identifier(
    kind: type[Identifier], el: etree._Element, base: str, issues: list[Issue]
) -> None:
    _, issue = kind.check((el.text or "").strip(), lambda: base + element_path(el))
    if issue is not None:
        issues.append(issue)


_IDENTIFIER_TAGS: Final = tuple(
    "{*}" + name
    for name in (
        "ProsecutorReference",
        "PNCidentifier",
        "PTIURN",
        "CourtHearingLocation",
        "OffenceCode",
        "Defendant",
        "Case",
        "Hearing",
        "BaseOffenceDetails",
    )
)


def _identifier_issues(rcm: etree._Element, base: str) -> list[Issue]:
    """Every identifier present, checked; required ones reported when missing."""
    issues: list[Issue] = []
    for el in rcm.iter(*_IDENTIFIER_TAGS):
        name = _local(el)
        if name == "ProsecutorReference":
            _check_identifier(Asn, el, base, issues)
        elif name == "PNCidentifier":
            if _text(el) is not None:  # an empty optional element means absent
                _check_identifier(PncId, el, base, issues)
        elif name == "PTIURN":
            _check_identifier(PtiUrn, el, base, issues)
        elif name == "CourtHearingLocation":
            parent = el.getparent()
            required = parent is not None and _local(parent) == "Hearing"
            if required or _text(el) is not None:
                _check_identifier(OuCode, el, base, issues)
        elif name == "OffenceCode":
            _check_identifier(OffenceCode, el, base, issues)
        elif name == "Defendant" and el.find("{*}ProsecutorReference") is None:
            issues.append(error("asn.missing", base + element_path(el), "the defendant has no ASN"))
        elif name == "Case" and el.find("{*}PTIURN") is None:
            issues.append(
                error("pti-urn.missing", base + element_path(el), "the case has no PTI-URN")
            )
        elif name == "Hearing" and el.find("{*}CourtHearingLocation") is None:
            issues.append(
                error("ou-code.missing", base + element_path(el), "the hearing has no court")
            )
        elif name == "BaseOffenceDetails" and el.find("{*}OffenceCode") is None:
            issues.append(
                error(
                    "offence-code.missing",
                    base + element_path(el),
                    "the offence has no offence code",
                )
            )
    return issues


# --- cardinalities the source schema cannot state --------------------------------------------

#: Parents whose children may come in any order and repeat, so the XSD holds them in a repeated
#: choice (XSD 1.0 ``xs:all`` allows no repetition): (at least, at most) per child. A required
#: identifier's absence is reported with its own code (``asn.missing``), not here.
_CARDINALITY: Final[dict[str, dict[str, tuple[int, int]]]] = {
    "Defendant": {"ProsecutorReference": (0, 1)},
    "Offence": {
        "BaseOffenceDetails": (1, 1),
        "InitiatedDate": (1, 1),
        "Plea": (1, 1),
        "FinalDisposalIndicator": (1, 1),
        "ModeOfTrial": (0, 1),
        "ConvictionDate": (0, 1),
        "ConvictingCourt": (0, 1),
        "Finding": (0, 1),
    },
    "Result": {
        "ResultCode": (0, 1),
        "ResultText": (1, 1),
        "Outcome": (0, 1),
        "NextHearing": (0, 1),
    },
    "Duration": {
        "DurationValue": (0, 1),
        "DurationUnit": (0, 1),
        "SecondaryDurationValue": (0, 1),
        "SecondaryDurationUnit": (0, 1),
    },
}
_DEFENDANT_KINDS: Final = ("CourtIndividualDefendant", "CourtCorporateDefendant")
_CARDINALITY_TAGS: Final = tuple(_DC + name for name in _CARDINALITY)
_QUALIFIED_LIMITS: Final = {
    parent: tuple((_DC + name, low, high) for name, (low, high) in limits.items())
    for parent, limits in _CARDINALITY.items()
}


def _count_issue(
    parent: etree._Element, name: str, count: int, limits: tuple[int, int], base: str
) -> Issue:
    low, high = limits
    expected = "exactly one" if low == high == 1 else f"at most {high}"
    return error(
        "schema.cardinality",
        base + element_path(parent),
        f"{_local(parent)} holds {count} {name} elements; expected {expected}",
    )


def _cardinality_issues(rcm: etree._Element, base: str) -> list[Issue]:
    """The repeated-choice parents' cardinalities (FORMAT.md: "the decoder enforces them")."""
    issues: list[Issue] = []
    # Elements outside the libra namespace are the source schema's to report; counting by
    # qualified tag keeps this pass cheap.
    for parent in rcm.iter(*_CARDINALITY_TAGS):
        parent_name = str(parent.tag)[len(_DC) :]
        counts: dict[str, int] = {}
        for child in parent:
            tag: Any = child.tag
            counts[tag] = counts.get(tag, 0) + 1
        for name, (low, high) in _CARDINALITY[parent_name].items():
            count = counts.get(_DC + name, 0)
            if not low <= count <= high:
                issues.append(_count_issue(parent, name, count, (low, high), base))
        if parent_name == "Defendant":
            kinds = sum(counts.get(_DC + kind, 0) for kind in _DEFENDANT_KINDS)
            if kinds != 1:
                issues.append(
                    error(
                        "schema.cardinality",
                        base + element_path(parent),
                        f"Defendant holds {kinds} of CourtIndividualDefendant and "
                        "CourtCorporateDefendant; expected exactly one",
                    )
                )
    return issues


# --- the model ------------------------------------------------------------------------------


class _Recheck(Exception):
    """The quick reading met something to report: the message is read again, carefully."""


def _canonical_only(kind: type[Identifier]) -> Callable[[str], Identifier]:
    """The quick reading's identifier: valid and already canonical, else a ValueError (both an
    invalid and a normalised identifier are reported, so the careful reading takes over)."""
    parse = kind.parse

    def read(text: str) -> Identifier:
        value = parse(text)
        if value != text:
            raise ValueError("normalised")
        return value

    return read


_IDENTIFIER_KINDS: Final = (Asn, PncId, PtiUrn, OuCode, OffenceCode)
_QUICK_IDENTIFIERS: Final[dict[type[Identifier], Callable[[str], Identifier]]] = {
    kind: _canonical_only(kind) for kind in _IDENTIFIER_KINDS
}
# Court codes and offence codes come from short lists and recur in message after message: their
# readings are remembered (a bounded cache; identifiers are immutable values). The identifiers
# of people and cases (ASN, PNC ID, PTI-URN) are never kept beyond their message.
for _kind in (OuCode, OffenceCode):
    _QUICK_IDENTIFIERS[_kind] = lru_cache(maxsize=4096)(_QUICK_IDENTIFIERS[_kind])

_Loc = tuple[int | str, ...]
#: A leaf child read by :meth:`_Builder.read`: (model field, conversion of its trimmed text, or
#: ``None`` for the text itself).
_Leaf = tuple[str, Callable[[str], Any] | None]
#: The leaves of one parent by qualified tag, for the quick reading and for the careful one
#: (they differ in how identifiers are read).
_Leaves = tuple[dict[str, _Leaf], dict[str, _Leaf]]


def _leaves(fields: dict[str, tuple[str, Any]]) -> _Leaves:
    """``{element: (field, conversion or an identifier type)}`` for both readings. The careful
    reading runs after the identifier pass has accepted every identifier: it only parses them."""
    quick: dict[str, _Leaf] = {}
    careful: dict[str, _Leaf] = {}
    for name, (field, convert) in fields.items():
        if isinstance(convert, type) and issubclass(convert, Identifier):
            quick[_DC + name] = (field, _QUICK_IDENTIFIERS[convert])
            careful[_DC + name] = (field, convert.parse)
        else:
            quick[_DC + name] = careful[_DC + name] = (field, convert)
    return quick, careful


class _Builder:
    """Walks a schema-valid ResultedCaseMessage into model data, in one of two modes.

    * **careful**: after the identifier and cardinality passes have found nothing wrong; it
      remembers the element of every value, so that any issue, the model's included, names its
      source path.
    * **quick**: the first reading of a message the source schema accepted with nothing to
      report so far. It remembers no element; it checks each identifier as it reads it and each
      repeated parent's cardinalities as it reads it, and raises :class:`_Recheck` at the first
      thing that would be reported (an invalid or normalised identifier, a cardinality, a value
      that cannot be read). ``decode`` then reads the message carefully, which reports exactly
      what it always did. Every identifier element and every repeated parent that a
      schema-valid message can hold is on the builder's walk (each child of an ``xs:all``
      parent occurs at most once, and the cardinalities are checked), so the quick reading
      checks all of them; ``test_decode_paths.py`` holds both modes to the same results.

    Each parent's children are read in one pass (:meth:`read`): its leaves (the tables at the
    end of this module) straight into the model data, the others kept by tag for the sections.
    """

    def __init__(self, base: str, *, careful: bool) -> None:
        self.base = base
        self.careful = careful
        self.elements: dict[_Loc, etree._Element] = {}
        self.issues: list[Issue] = []

    def path(self, loc: _Loc) -> str:
        return self.base + element_path(self.elements[loc])

    def read(
        self,
        el: etree._Element | None,
        leaves: _Leaves,
        out: dict[str, Any],
        loc: _Loc,
        limits: str | None = None,
        *,
        deep: bool = False,
    ) -> _Children:
        """Put ``el``'s leaf values in ``out`` (field ``loc + (field,)``; absent or empty ones
        left out) and return its other children by qualified tag, in order. ``limits`` names a
        repeated-choice parent whose cardinalities the quick reading checks. ``deep`` reads all
        of ``el``'s descendants in one pass instead: for a subtree of ``xs:all`` parents whose
        leaves all have different names (``BaseOffenceDetails`` with its timing). The hot path
        of decoding: kept inline."""
        rest: _Children = {}
        if el is None:
            return rest
        careful = self.careful
        table = leaves[careful]
        counted: dict[str, int] | None = {} if limits is not None and not careful else None
        for child in el.iterdescendants() if deep else el:
            tag: Any = child.tag  # a str: the parser keeps no comments, PIs or entities
            if counted is not None:
                counted[tag] = counted.get(tag, 0) + 1
            spec = table.get(tag)
            if spec is None:
                if tag in rest:
                    rest[tag].append(child)
                else:
                    rest[tag] = [child]
                continue
            text = child.text
            if not text:
                continue
            text = text.strip()
            if not text:
                continue
            field, convert = spec
            if careful:
                self.elements[(*loc, field)] = child  # its path is worked out only if needed
            if convert is None:
                out[field] = text
                continue
            try:
                out[field] = convert(text)
            except (ValueError, KeyError, InvalidOperation):
                if not careful:
                    raise _Recheck from None
                self.issues.append(
                    error(
                        "libra-spi.value",
                        self.path((*loc, field)),
                        f"the value of {str(tag)[len(_DC) :]} cannot be read as the expected type",
                    )
                )
        if counted is not None:
            assert limits is not None
            for limited, low, high in _QUALIFIED_LIMITS[limits]:
                if not low <= counted.get(limited, 0) <= high:
                    raise _Recheck
            if limits == "Defendant" and sum(counted.get(k, 0) for k in _DEFENDANT_TAGS) != 1:
                raise _Recheck
        return rest

    def value(self, kids: _Children, name: str, loc: _Loc, key: int | str) -> str | None:
        """The trimmed text of child ``name`` (``None`` when absent or empty)."""
        found = kids.get(_QN[name])
        if not found:
            return None
        el = found[0]
        text = (el.text or "").strip()
        if not text:
            return None
        if self.careful:
            self.elements[(*loc, key)] = el
        return text

    def text(self, kids: _Children, name: str, loc: _Loc, key: str) -> str:
        """Required free text: may be empty."""
        found = kids.get(_QN[name])
        if not found:
            return ""
        el = found[0]
        if self.careful:
            self.elements[(*loc, key)] = el
        return (el.text or "").strip()

    def places(self, kids: _Children, names: tuple[str, ...], loc: _Loc) -> list[str]:
        """Numbered elements (``AddressLine1``...) in their places: the blank place for an
        absent or empty one, nothing after the last one present (``cjx.model.BLANK_PLACE``)."""
        values = [self.value(kids, name, loc, i) for i, name in enumerate(names)]
        while values and values[-1] is None:
            values.pop()
        return [BLANK_PLACE if v is None else v for v in values]

    # sections -------------------------------------------------------------------------------

    def body(self, rcm: etree._Element) -> dict[str, Any]:
        session = _children(_child(_children(rcm), "Session"))
        # these objects keep their fields when absent (None), as the model expects them
        hearing: dict[str, Any] = dict.fromkeys(("court", "psa_code", "date", "time"))
        court_hearing = self.read(_child(session, "CourtHearing"), _COURT_HEARING, hearing, _H)
        self.read(_child(court_hearing, "Hearing"), _HEARING, hearing, _H)
        case: dict[str, Any] = {"pti_urn": None}
        defendant = self.read(_child(session, "Case"), _CASE, case, ("case",))
        out: dict[str, Any] = {"hearing": hearing, "case": case}
        offences = self.defendant(_child(defendant, "Defendant"), out)
        out["offences"] = [self.offence(el, ("offences", i)) for i, el in enumerate(offences)]
        return out

    def defendant(self, el: etree._Element | None, body: dict[str, Any]) -> list[etree._Element]:
        """Fills ``body["defendant"]``; returns the Offence elements."""
        loc: _Loc = ("defendant",)
        out: dict[str, Any] = {}
        body["defendant"] = out
        kids = self.read(el, _DEFENDANT, out, loc, "Defendant")
        individual = _child(kids, "CourtIndividualDefendant")
        corporate = _child(kids, "CourtCorporateDefendant")
        if individual is not None:
            ind = self.read(individual, _INDIVIDUAL, out, loc)
            person_defendant = self.read(
                _child(ind, "PersonDefendant"), _PERSON_DEFENDANT, out, loc
            )
            out["person"] = self.person(person_defendant)
            out["address"] = self.address(_child(ind, "Address"), (*loc, "address"))
        elif corporate is not None:
            corp = self.read(corporate, _CORPORATE, out, loc)
            organisation: dict[str, Any] = {"name": None}
            self.read(
                _child(corp, "OrganisationName"),
                _ORGANISATION,
                organisation,
                (*loc, "organisation"),
            )
            out["organisation"] = organisation
            out["address"] = self.address(_child(corp, "Address"), (*loc, "address"))
        if out.get("address") is None:
            out.pop("address", None)
        return kids.get(_QN["Offence"], [])

    def person(self, person_defendant: _Children) -> dict[str, Any]:
        loc: _Loc = ("defendant", "person")
        out: dict[str, Any] = {}
        nationality = self.value(person_defendant, "PersonStatedNationality", loc, "nationality")
        if nationality is not None:
            out["nationality"] = nationality
        base = self.read(_child(person_defendant, "BasePersonDetails"), _BASE_PERSON, out, loc)
        name = self.read(_child(base, "PersonName"), _PERSON_NAME, out, loc)
        out["given_names"] = self.places(name, _GIVEN_NAMES, (*loc, "given_names"))
        out["family_name"] = self.text(name, "PersonFamilyName", loc, "family_name")
        email = _children(_child(base, "EmailDetails"))
        out["email_addresses"] = self.places(email, _EMAIL_ADDRESSES, (*loc, "email_addresses"))
        self.read(_child(base, "TelephoneDetails"), _TELEPHONES, out, loc)
        return out

    def address(self, el: etree._Element | None, loc: _Loc) -> dict[str, Any] | None:
        if el is None:
            return None
        if self.careful:
            self.elements[loc] = el
        kids = _children(el)
        simple = _child(kids, "SimpleAddress")
        if simple is not None:
            return {"lines": self.places(_children(simple), _ADDRESS_LINES, (*loc, "lines"))}
        out: dict[str, Any] = {}
        self.read(_child(kids, "ComplexAddress"), _COMPLEX_ADDRESS, out, loc)
        return out

    def offence(self, el: etree._Element, loc: _Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kids = self.read(el, _OFFENCE, out, loc, "Offence")
        # the details and their timing (OffenceStart, OffenceEnd) in one pass
        details = self.read(
            _child(kids, "BaseOffenceDetails"), _OFFENCE_DETAILS, out, loc, deep=True
        )
        out["wording"] = self.text(details, "OffenceWording", loc, "wording")
        alcohol = _child(details, "AlcoholRelatedOffence")
        if alcohol is not None:
            level: dict[str, Any] = {"amount": None, "method": None}
            self.read(alcohol, _ALCOHOL, level, (*loc, "alcohol_level"))
            out["alcohol_level"] = level
        plea_code = out.pop("plea", None)
        plea = codes.PLEA.get(plea_code) if plea_code else None
        if plea is not None:
            out["plea"] = plea
            if codes.PLEA_DEFAULT_CODE[plea] != plea_code:
                out["plea_source_code"] = plea_code
        out["results"] = [
            self.result(result, (*loc, "results", i))
            for i, result in enumerate(kids.get(_QN["Result"], ()))
        ]
        return out

    def result(self, el: etree._Element, loc: _Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kids = self.read(el, _RESULT, out, loc, "Result")
        out["text"] = self.text(kids, "ResultText", loc, "text")
        qualifiers = []
        for i, qualifier in enumerate(kids.get(_QN["ResultCodeQualifier"], ())):
            text = _text(qualifier)
            if text is not None:
                if self.careful:
                    self.elements[(*loc, "qualifiers", i)] = qualifier
                qualifiers.append(text)
        out["qualifiers"] = qualifiers
        outcome = self.read(_child(kids, "Outcome"), _OUTCOME, out, loc)
        duration = _child(outcome, "Duration")
        if duration is not None:
            out["duration"] = self.duration(duration, (*loc, "duration"))
        next_hearing = _child(kids, "NextHearing")
        if next_hearing is not None:
            at = (*loc, "next_hearing")
            hearing: dict[str, Any] = {}
            self.read(next_hearing, _NEXT_HEARING, hearing, at, deep=True)  # with its details
            out["next_hearing"] = hearing
        return out

    def duration(self, el: etree._Element, loc: _Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kids = self.read(el, _DURATION, out, loc, "Duration")
        out["start_dates"] = self.dates(kids, "DurationStartDate", (*loc, "start_dates"))
        out["end_dates"] = self.dates(kids, "DurationEndDate", (*loc, "end_dates"))
        return out

    def dates(self, kids: _Children, name: str, loc: _Loc) -> list[dt.date]:
        out: list[dt.date] = []
        for i, el in enumerate(kids.get(_QN[name], ())):
            text = _text(el)
            if text is None:
                continue
            if self.careful:
                self.elements[(*loc, i)] = el
            try:
                out.append(_date(text))
            except ValueError:
                if not self.careful:
                    raise _Recheck from None
                self.issues.append(
                    error("libra-spi.value", self.path((*loc, i)), f"{name} is not a date")
                )
        return out


_H: Final[_Loc] = ("hearing",)
_DEFENDANT_TAGS: Final = tuple(_DC + kind for kind in _DEFENDANT_KINDS)


#: Numbered elements whose place is their meaning (kept by ``_Builder.places``).
_ADDRESS_LINES: Final = tuple(f"AddressLine{n}" for n in range(1, 6))
_GIVEN_NAMES: Final = ("PersonGivenName1", "PersonGivenName2", "PersonGivenName3")
_EMAIL_ADDRESSES: Final = ("EmailAddress1", "EmailAddress2")

_TIME: Final = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
_YES_NO: Final = {"Y": True, "N": False}
_date: Final = dt.date.fromisoformat


def _time(text: str) -> dt.time:
    if not _TIME.fullmatch(text):
        raise ValueError(text)
    return dt.time.fromisoformat(text)


_yes_no: Final = _YES_NO.__getitem__
_bail_status: Final = codes.BAIL_STATUS.__getitem__
_presence: Final = codes.PRESENCE.__getitem__

# The leaves of each parent: element -> (model field, conversion). Which model object a field
# belongs to is the section's business (``PNCidentifier`` of a PersonDefendant is the
# defendant's ``pnc_id``).
_COURT_HEARING: Final = _leaves({"PSAcode": ("psa_code", int)})
_HEARING: Final = _leaves(
    {
        "CourtHearingLocation": ("court", OuCode),
        "DateOfHearing": ("date", _date),
        "TimeOfHearing": ("time", _time),
    }
)
_CASE: Final = _leaves({"PTIURN": ("pti_urn", PtiUrn)})
_DEFENDANT: Final = _leaves({"ProsecutorReference": ("asn", Asn)})
_INDIVIDUAL: Final = _leaves(
    {
        "BailStatus": ("bail_status", _bail_status),
        "ReasonForBailConditionsOrCustody": ("reason_for_bail_conditions_or_custody", None),
        "PresentAtHearing": ("presence", _presence),
    }
)
_PERSON_DEFENDANT: Final = _leaves(
    {"PNCidentifier": ("pnc_id", PncId), "BailConditions": ("bail_conditions", None)}
)
_BASE_PERSON: Final = _leaves(
    {"Birthdate": ("birth_date", _date), "Gender": ("gender", codes.GENDER.__getitem__)}
)
_PERSON_NAME: Final = _leaves({"PersonTitle": ("title", None)})
_TELEPHONES: Final = _leaves(
    {
        "TelephoneNumberHome": ("telephone_home", None),
        "TelephoneNumberBusiness": ("telephone_business", None),
        "TelephoneNumberMobile": ("telephone_mobile", None),
    }
)
_CORPORATE: Final = _leaves(
    {
        "PNCidentifier": ("pnc_id", PncId),
        "PresentAtHearing": ("presence", _presence),
        "BailStatus": ("bail_status", _bail_status),
    }
)
_ORGANISATION: Final = _leaves({"OrganisationName": ("name", None)})
_COMPLEX_ADDRESS: Final = _leaves(
    {
        "PAON": ("paon", None),
        "StreetDescription": ("street", None),
        "Locality": ("locality", None),
        "Town": ("town", None),
        "UniqueStreetReferenceNumber": ("usrn", None),
        "AdministrativeArea": ("administrative_area", None),
        "PostCode": ("postcode", None),
    }
)
_OFFENCE: Final = _leaves(
    {
        "InitiatedDate": ("initiated_date", _date),
        "Plea": ("plea", None),  # the source code; the section maps it
        "ModeOfTrial": ("mode_of_trial", None),
        "FinalDisposalIndicator": ("final_disposal", _yes_no),
        "ConvictionDate": ("conviction_date", _date),
        "ConvictingCourt": ("convicting_court", int),
        "Finding": ("finding", codes.FINDING.__getitem__),
    }
)
#: BaseOffenceDetails and, below it, OffenceTiming, OffenceStart and OffenceEnd (read deep).
_OFFENCE_DETAILS: Final = _leaves(
    {
        "OffenceSequenceNumber": ("sequence", int),
        "OffenceCode": ("code", OffenceCode),
        "OffenceTitle": ("title", None),
        "LocationOfOffence": ("location", None),
        "ArrestDate": ("arrest_date", _date),
        "ChargeDate": ("charge_date", _date),
        "ConvictionDate": ("recorded_conviction_date", _date),
        "OffenceDateCode": ("date_code", codes.OFFENCE_DATE_CODE.__getitem__),
        "OffenceDateStartDate": ("start_date", _date),
        "OffenceStartTime": ("start_time", _time),
        "OffenceEndDate": ("end_date", _date),
        "OffenceEndTime": ("end_time", _time),
    }
)
_ALCOHOL: Final = _leaves(
    {"AlcoholLevelAmount": ("amount", int), "AlcoholLevelMethod": ("method", None)}
)
_RESULT: Final = _leaves({"ResultCode": ("code", int)})
_OUTCOME: Final = _leaves(
    {"ResultAmountSterling": ("amount", Decimal), "PenaltyPoints": ("penalty_points", int)}
)
_DURATION: Final = _leaves(
    {
        "DurationValue": ("value", int),
        "DurationUnit": ("unit", codes.DURATION_UNIT.__getitem__),
        "SecondaryDurationValue": ("secondary_value", int),
        "SecondaryDurationUnit": ("secondary_unit", codes.DURATION_UNIT.__getitem__),
    }
)
#: NextHearing and, below it, NextHearingDetails (read deep).
_NEXT_HEARING: Final = _leaves(
    {
        "NextHearingReason": ("reason", None),
        "BailStatusOffence": ("bail_status", _bail_status),
        "CourtHearingLocation": ("court", OuCode),
        "DateOfHearing": ("date", _date),
        "TimeOfHearing": ("time", _time),
    }
)


def _occurred_at(date: dt.date, time: dt.time) -> Timestamp:
    """The hearing's date and time in Europe/London, as an instant."""
    return _hearing_moment(date, time, time.fold)


@lru_cache(maxsize=1024)
def _hearing_moment(date: dt.date, time: dt.time, _fold: int) -> Timestamp:
    # The same few sittings recur in message after message: cached (timestamps are immutable
    # values); ``_fold`` is part of the key because equal times may differ in it.
    return Timestamp.from_datetime(dt.datetime.combine(date, time, COURT_TIME_ZONE))


@lru_cache(maxsize=1024)
def _source(court: OuCode) -> Source:
    """The envelope's source for a court (a few hundred courts; models are frozen values)."""
    return Source.model_construct(system=SOURCE_SYSTEM, format=FORMAT_NAME, organisation=court)


def envelope_for(
    body: CaseResulted, *, correlation_id: str | None, clock: Clock
) -> Envelope[CaseResulted]:
    """The canonical envelope this adapter gives ``body``: its header conventions in one place."""
    # The identifiers are already checked values of the body: no need to validate them again.
    subject = [SubjectId.model_construct(scheme=SubjectScheme.ASN, value=str(body.defendant.asn))]
    if body.defendant.pnc_id is not None:
        subject.append(
            SubjectId.model_construct(scheme=SubjectScheme.PNC, value=str(body.defendant.pnc_id))
        )
    return make_envelope(
        body,
        occurred_at=_occurred_at(body.hearing.date, body.hearing.time),
        source=_source(body.hearing.court),
        subject=subject,
        correlation_id=correlation_id,
        clock=clock,
    )


#: Whether ``decode`` tries the quick reading first (the tests turn it off to compare).
_QUICK_READING = True


def decode(
    data: bytes, *, source: str, clock: Clock, detailed: bool, max_size: int
) -> tuple[Envelope[CaseResulted], Report]:
    """Decode one SPI message; raise ValidationFailed with every issue when it is rejected.

    A message the source schema accepts with nothing to report is read once, quickly (see
    :class:`_Builder`); anything else, and anything the quick reading meets, is read carefully,
    and that reading alone makes the report.
    """
    found = _open(data, source, detailed=detailed, max_size=max_size)
    issues = found.issues
    rcm = found.rcm
    if rcm is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    if _QUICK_READING and not any(i.severity == "error" for i in issues):
        try:
            body = CaseResulted.model_validate(_Builder(found.base, careful=False).body(rcm))
        except (_Recheck, pydantic.ValidationError):
            pass  # something to report: the careful reading below says what and where
        else:
            return _enveloped(body, found, issues, clock)
    issues.extend(_identifier_issues(rcm, found.base))
    issues.extend(_cardinality_issues(rcm, found.base))
    if any(i.severity == "error" for i in issues):
        raise ValidationFailed(Report(source, tuple(issues)))
    builder = _Builder(found.base, careful=True)
    data_dict = builder.body(rcm)
    if builder.issues:
        raise ValidationFailed(Report(source, tuple(issues + builder.issues)))
    try:
        body = CaseResulted.model_validate(data_dict)
    except pydantic.ValidationError as exc:

        def path_for(loc: tuple[int | str, ...]) -> str:
            for n in range(len(loc), 0, -1):
                if loc[:n] in builder.elements:
                    return builder.path(loc[:n])
            return found.base + element_path(rcm)

        raise ValidationFailed(
            Report(source, tuple(issues + issues_from_pydantic(exc, path_for=path_for)))
        ) from exc
    return _enveloped(body, found, issues, clock)


def _enveloped(
    body: CaseResulted, found: _Input, issues: list[Issue], clock: Clock
) -> tuple[Envelope[CaseResulted], Report]:
    try:
        envelope = envelope_for(body, correlation_id=found.correlation_id, clock=clock)
    except pydantic.ValidationError as exc:
        where = found.correlation_element
        path = element_path(where) if where is not None else "/"
        header = issues_from_pydantic(exc, path_for=lambda _: path)
        raise ValidationFailed(Report(found.source, tuple(issues + header))) from exc
    return envelope, Report(found.source, tuple(issues))
