"""Schema loading and schema issues (DESIGN.md section 5).

* Hot path: one compiled :class:`lxml.etree.XMLSchema` per XSD, loaded once from package data
  with the hardened parser (no network; imports resolve only next to the schema file).
* Detailed path: :mod:`xmlschema`, sandboxed to the schema folder and defused, which names the
  exact path and reason of each issue; it is also the CI cross-check on every fixture.
* JSON: :mod:`jsonschema` (draft 2020-12) with a :class:`referencing.Registry` of the folder.

Schema messages never echo instance values (they may be personal data). They are built here
from the kind of error and from the schema side only (element and attribute names, the facet,
the expected type, pattern, set of values or limit), never by filtering a library's text for
values: see :func:`xsd_issues`, :func:`xmlschema_issues` and :func:`_json_message`. A name that
came from the input rather than the schema (an unexpected element, attribute or property) is
masked (:func:`cjx.errors.input_name`).

Every checker here has a bounded cost (the security review's findings 3, 5 and 7):

* at most :data:`~cjx.errors.MAX_ISSUES` issues each, then one ``report.truncated`` issue; the
  JSON Schema validator stops looking there, libxml2's and xmlschema's logs are only counted;
* libxml2's error paths are resolved by walking their steps with the document's path index
  (:func:`cjx.codec.resolve_libxml_path`), in time proportional to the depth;
* the detailed path (xmlschema) always runs the fast path (libxml2) too, and reports libxml2's
  issues when xmlschema finds none, so ``--detailed`` never accepts what a service rejects; it
  does not run xmlschema on a document with an element of more than
  :data:`DETAILED_MAX_ATTRIBUTES` attributes (xmlschema's cost grows with their square) and says
  so (``schema.detailed-skipped``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

import jsonschema_rs
import xmlschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as JsonSchemaError
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from xmlschema.validators import (
    XsdAnyAttribute,
    XsdAnyElement,
    XsdAssertionFacet,
    XsdAttribute,
    XsdAttributeGroup,
    XsdElement,
    XsdEnumerationFacets,
    XsdExplicitTimezoneFacet,
    XsdFacet,
    XsdFractionDigitsFacet,
    XsdGroup,
    XsdLengthFacet,
    XsdList,
    XsdMaxExclusiveFacet,
    XsdMaxInclusiveFacet,
    XsdMaxLengthFacet,
    XsdMinExclusiveFacet,
    XsdMinInclusiveFacet,
    XsdMinLengthFacet,
    XsdPatternFacets,
    XsdSimpleType,
    XsdTotalDigitsFacet,
    XsdUnion,
    XsdWhiteSpaceFacet,
)

from cjx._resources import add_schema_names, schema_file
from cjx.codec import element_path, json_pointer, resolve_libxml_path
from cjx.errors import (
    MAX_ISSUES,
    Issue,
    Severity,
    error,
    information,
    input_name,
    more_issues,
)

__all__ = [
    "DETAILED_MAX_ATTRIBUTES",
    "element_path",
    "json_schema_issues",
    "json_validator",
    "lxml_schema",
    "schema_path",
    "xmlschema_issues",
    "xmlschema_schema",
    "xsd_issues",
]

#: The most attributes one element may have for the detailed path to run xmlschema on its
#: document. xmlschema writes every attribute of the element into each attribute error, so its
#: cost grows with the square of their number (4,000 attributes: 100 s). No element of a
#: shipped schema declares more than a handful, and none allows any attribute.
DETAILED_MAX_ATTRIBUTES: Final = 64

_lock = threading.Lock()
_per_thread = threading.local()


def schema_path(schema: str | Path) -> Path:
    """Where a schema is: a ``str`` is relative to cjx's own ``schemas/`` folder
    (``formats/libra-spi/route-data.xsd``); a :class:`~pathlib.Path` is any schema file, such
    as one a third-party adapter ships in its own package
    (``Path(__file__).with_name("row.schema.json")``). The names a schema file declares may then
    be shown in reports as they are (:func:`cjx.errors.input_name`)."""
    if isinstance(schema, Path):
        if not schema.is_file():
            raise FileNotFoundError(f"schema file {str(schema)!r} does not exist")
        add_schema_names(schema)
        return schema
    if not isinstance(schema, str):
        raise TypeError(
            f"a schema is named by a str (under cjx's schemas/) or a Path, "
            f"not {type(schema).__name__}"
        )
    return schema_file(schema)


def lxml_schema(relative: str | Path) -> etree.XMLSchema:
    """The compiled XSD at ``schemas/<relative>`` (or at a :class:`~pathlib.Path`: see
    :func:`schema_path`), one per thread.

    An :class:`lxml.etree.XMLSchema` keeps the error log of its last validation on itself, so
    two threads validating with one object would read each other's errors: a service translates
    large inputs in a worker thread while the event loop translates small ones.
    """
    compiled: dict[str | Path, etree.XMLSchema] | None = getattr(_per_thread, "schemas", None)
    if compiled is None:
        compiled = _per_thread.schemas = {}
    schema = compiled.get(relative)
    if schema is None:
        path = schema_path(relative)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        doc = etree.parse(str(path), parser)
        with _lock:
            schema = compiled[relative] = etree.XMLSchema(doc)
    return schema


#: The fast-path twin (its ``schemas/`` path) of each xmlschema schema built here.
_TWINS: dict[int, str | Path] = {}


@cache
def xmlschema_schema(relative: str | Path) -> xmlschema.XMLSchema:
    """The same XSD through xmlschema, sandboxed to its folder and defused."""
    path = schema_path(relative)
    schema = xmlschema.XMLSchema(str(path), allow="sandbox", defuse="always")
    _TWINS[id(schema)] = relative
    return schema


_LIBXML_CODES = {
    "SCHEMAV_ELEMENT_CONTENT": "schema.content",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_4": "schema.content",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_3": "schema.content",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_1": "schema.content",
    "SCHEMAV_CVC_TYPE_3_1_2": "schema.content",
    "SCHEMAV_CVC_ELT_1": "schema.root",
    "SCHEMAV_CVC_ENUMERATION_VALID": "schema.enumeration",
    "SCHEMAV_CVC_PATTERN_VALID": "schema.pattern",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": "schema.datatype",
    "SCHEMAV_CVC_MINLENGTH_VALID": "schema.length",
    "SCHEMAV_CVC_MAXLENGTH_VALID": "schema.length",
    "SCHEMAV_CVC_LENGTH_VALID": "schema.length",
    "SCHEMAV_CVC_MININCLUSIVE_VALID": "schema.range",
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID": "schema.range",
    "SCHEMAV_CVC_TOTALDIGITS_VALID": "schema.digits",
    "SCHEMAV_CVC_FRACTIONDIGITS_VALID": "schema.digits",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1": "schema.attribute",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2": "schema.attribute",
    "SCHEMAV_CVC_COMPLEX_TYPE_4": "schema.attribute",
    "SCHEMAV_CVC_ATTRIBUTE_3": "schema.attribute",
    "SCHEMAV_CVC_AU": "schema.attribute",
    "SCHEMAV_CVC_ELT_4_2": "schema.type",
}


_STEP_NAME = re.compile(r"^(?:\{[^}]*\}|[^:/\[]*:)?(?P<name>[^\[]*)(?P<rest>.*)$", re.DOTALL)


def _resolve(root: etree._Element, path: str | None) -> str:
    """libxml2's error path (prefixed XPath) as an :func:`element_path`, in time proportional to
    its depth; a path that names no element is shown without prefixes, its names masked."""
    if not path:
        return "/"
    hit = resolve_libxml_path(root, path)
    if hit is not None:
        return element_path(hit)
    steps = []
    for step in path.split("/"):
        match = _STEP_NAME.match(step)
        name, rest = (match["name"], match["rest"]) if match else (step, "")
        steps.append(input_name(name) + rest if name and name != "*" else step)
    return "/".join(steps)


# --- XML Schema issue messages ---------------------------------------------------------------
#
# A message names the element (and attribute), the rule that was broken and what the schema
# expects. Names, types, patterns, value sets and limits are schema vocabulary and may be shown;
# the offending value never is. Nothing is copied from a library's text except such parts, each
# read with an anchored expression; anything else gives a generic message for the issue code.

_NAME = r"[^\W\d][\w.\-]*"  # an XML NCName, near enough (what libxml2 and xmlschema print)
_QNAME = re.compile(rf"(?:\{{[^{{}}]*\}}|{_NAME}:)?(?P<local>{_NAME})")
_XSD_NS = "{http://www.w3.org/2001/XMLSchema}"
_MAX_SHOWN = 1000  # characters of one schema-side part (a pattern, a set of values)

_GENERIC = {
    "schema.content": "the content of the element is not allowed by the schema",
    "schema.root": "the root element is not declared by the schema",
    "schema.enumeration": "the value is not one of the allowed values",
    "schema.pattern": "the value does not match the required pattern",
    "schema.datatype": "the value is not valid for its type",
    "schema.length": "the length of the value is not allowed",
    "schema.range": "the value is outside the allowed range",
    "schema.digits": "the value has more digits than allowed",
    "schema.attribute": "an attribute is missing, not allowed or not valid",
    "schema.type": "the xsi:type attribute does not name a type of the schema",
}
_GENERIC_DEFAULT = "the value is not valid for its type"


def _local(name: object) -> str | None:
    """The local part of a plain, prefixed or Clark (``{ns}local``) name; ``None`` otherwise."""
    match = _QNAME.fullmatch(name) if isinstance(name, str) else None
    return match.group("local") if match else None


def _type_name(name: object) -> str | None:
    """A type as the schema names it: ``xs:date`` for a built-in type, else its local name."""
    if isinstance(name, str) and name.startswith((_XSD_NS, "xs:")):
        local = _local(name)
        return f"xs:{local}" if local else None
    return _local(name)


def _shown(part: object) -> str:
    text = str(part)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _message(element: str | None, attribute: str | None, detail: str) -> str:
    """``Element 'E', attribute 'a': detail``; names the schema does not declare are masked."""
    subject = f"Element '{input_name(element)}'" if element else "The element"
    if attribute:
        subject += f", attribute '{input_name(attribute)}'"
    return f"{subject}: {detail}"


def _values(values: Iterable[object]) -> str:
    return _shown("{" + ", ".join(f"'{v}'" for v in values) + "}")


def _names(names: Iterable[str], *, one_of: bool) -> str:
    listed = list(names)
    if not listed:
        return ""
    lead = "expected one of" if one_of or len(listed) > 1 else "expected"
    return f" ({lead}: {_shown(', '.join(listed))})"


# --- libxml2 (lxml) ---------------------------------------------------------------------------
#
# libxml2 writes ``Element '{ns}Name'[, attribute 'a']: <text>``; in <text> the offending value
# comes first and the schema side last (``... The value 'V' is not accepted by the pattern
# 'P'.``). A schema-side part is therefore read only after the LAST occurrence of its fixed
# phrase, at the very end of the message: whatever the value holds (quotes, the phrase itself),
# what follows that last occurrence is the schema's text.

_LX_SUBJECT = re.compile(
    rf"Element '(?:\{{[^{{}}]*\}})?(?P<element>{_NAME})'"
    rf"(?:, attribute '(?:\{{[^{{}}]*\}})?(?P<attribute>{_NAME})')?: "
)
_LX_EXPECTED_ITEM = re.compile(
    rf"(?:\{{[^{{}}]*\}})?(?P<name>{_NAME})|(?:##other)?(?:\{{[^{{}}]*\}})?\*"
)

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]]


def _first(rules: Iterable[_Rule], text: str) -> str | None:
    for pattern, build in rules:
        match = pattern.fullmatch(text)
        if match and (detail := build(match)):
            return detail
    return None


@dataclass(frozen=True)
class _Tail:
    """The end of a message: fixed ``phrase`` (its LAST occurrence), then ``rest`` (a regex)."""

    phrase: str
    rest: re.Pattern[str]

    def match(self, text: str) -> re.Match[str] | None:
        text = text.rstrip()
        at = text.rfind(self.phrase)
        return self.rest.fullmatch(text, at + len(self.phrase)) if at >= 0 else None


def _tail(phrase: str, rest: str) -> _Tail:
    return _Tail(phrase, re.compile(rest, re.DOTALL))


_TailRule = tuple[_Tail, Callable[[re.Match[str]], str | None]]


def _lx_type(match: re.Match[str]) -> str | None:
    name = _type_name(match["type"])
    return f"the value is not a valid value of the {match['kind']} type '{name}'" if name else None


def _lx_expected(match: re.Match[str]) -> str | None:
    lead = (
        "this element is not expected"
        if match["what"].startswith("This")
        else "missing child element(s)"
    )
    if match["expected"] is None:
        return lead
    names: list[str] = []
    for item in match["expected"].split(", "):
        parsed = _LX_EXPECTED_ITEM.fullmatch(item)
        if parsed is None:
            return lead  # not a list of names: show none of it
        names.append(parsed["name"] or "*")
    return lead + _names(names, one_of=bool(match["one_of"]))


def _lx_identity(match: re.Match[str]) -> str:
    name = _local(match["name"])
    return f"the value is a duplicate within the {match['kind']} identity constraint" + (
        f" '{name}'" if name else ""
    )


_LX_DATATYPE: tuple[_TailRule, ...] = (
    (
        _tail(
            "is not a valid value of the ", r"(?P<kind>atomic|list|union) type '(?P<type>[^']*)'\."
        ),
        _lx_type,
    ),
    (
        _tail("is not a valid value of the local ", r"(?P<kind>atomic|list|union) type\."),
        lambda m: f"the value is not a valid value of the local {m['kind']} type",
    ),
)

# Each kind of libxml2 error (entry.type_name) is read only with its own expressions.
_LX_TAILS: dict[str, tuple[_TailRule, ...]] = {
    "SCHEMAV_CVC_ENUMERATION_VALID": (
        (
            _tail("is not an element of the set ", r"(?P<set>\{.*\})\."),
            lambda m: f"the value is not one of the allowed values {_shown(m['set'])}",
        ),
    ),
    "SCHEMAV_CVC_PATTERN_VALID": (
        (
            _tail("is not accepted by the pattern ", r"'(?P<pattern>.*)'\."),
            lambda m: f"the value does not match the pattern '{_shown(m['pattern'])}'",
        ),
    ),
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": _LX_DATATYPE,
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_2": _LX_DATATYPE,
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_3": _LX_DATATYPE,
    "SCHEMAV_CVC_MINLENGTH_VALID": (
        (
            _tail("this underruns the allowed minimum length of ", r"'(?P<n>[0-9]+)'\."),
            lambda m: f"the value is shorter than the minimum length {m['n']}",
        ),
    ),
    "SCHEMAV_CVC_MAXLENGTH_VALID": (
        (
            _tail("this exceeds the allowed maximum length of ", r"'(?P<n>[0-9]+)'\."),
            lambda m: f"the value is longer than the maximum length {m['n']}",
        ),
    ),
    "SCHEMAV_CVC_LENGTH_VALID": (
        (
            _tail("this differs from the allowed length of ", r"'(?P<n>[0-9]+)'\."),
            lambda m: f"the length of the value is not the required length {m['n']}",
        ),
    ),
    "SCHEMAV_CVC_MININCLUSIVE_VALID": (
        (
            _tail("is less than the minimum value allowed ", r"\('(?P<v>[^']*)'\)\."),
            lambda m: f"the value is less than the minimum allowed ({_shown(m['v'])})",
        ),
    ),
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID": (
        (
            _tail("is greater than the maximum value allowed ", r"\('(?P<v>[^']*)'\)\."),
            lambda m: f"the value is greater than the maximum allowed ({_shown(m['v'])})",
        ),
    ),
    "SCHEMAV_CVC_MINEXCLUSIVE_VALID": (
        (
            _tail("must be greater than ", r"'(?P<v>[^']*)'\."),
            lambda m: f"the value must be greater than {_shown(m['v'])}",
        ),
    ),
    "SCHEMAV_CVC_MAXEXCLUSIVE_VALID": (
        (
            _tail("must be less than ", r"'(?P<v>[^']*)'\."),
            lambda m: f"the value must be less than {_shown(m['v'])}",
        ),
    ),
    "SCHEMAV_CVC_TOTALDIGITS_VALID": (
        (
            _tail("has more digits than are allowed ", r"\('(?P<n>[0-9]+)'\)\."),
            lambda m: f"the value has more digits than allowed ({m['n']})",
        ),
    ),
    "SCHEMAV_CVC_FRACTIONDIGITS_VALID": (
        (
            _tail("has more fractional digits than are allowed ", r"\('(?P<n>[0-9]+)'\)\."),
            lambda m: f"the value has more fractional digits than allowed ({m['n']})",
        ),
    ),
    "SCHEMAV_CVC_ELT_5_2_2_2_2": (
        (
            _tail("does not match the fixed value constraint ", r"'(?P<v>.*)'\."),
            lambda m: f"the value must be the fixed value '{_shown(m['v'])}'",
        ),
    ),
    "SCHEMAV_CVC_AU": (
        (
            _tail("does not match the fixed value constraint ", r"'(?P<v>.*)'\."),
            lambda m: f"the value must be the fixed value '{_shown(m['v'])}'",
        ),
    ),
    "SCHEMAV_CVC_ELT_4_2": (
        (
            _tail("of the xsi:type attribute ", r"does not resolve to a type definition\."),
            lambda _: "the xsi:type attribute does not resolve to a type definition",
        ),
    ),
    "SCHEMAV_CVC_IDC": (
        (
            _tail(" in ", r"(?P<kind>unique|key) identity-constraint '(?P<name>[^']*)'\."),
            _lx_identity,
        ),
        (
            _tail("of keyref ", r"'(?P<name>[^']*)'\."),
            lambda m: (
                "the value matches no key of the key reference"
                + (f" '{name}'" if (name := _local(m["name"])) else "")
            ),
        ),
    ),
}

# What follows the subject when libxml2's text holds names only (no value): matched whole.
_LX_REST: tuple[_Rule, ...] = (
    (
        re.compile(
            r"(?P<what>This element is not expected|Missing child element\(s\))\."
            r"(?: Expected is (?P<one_of>one of )?\( (?P<expected>.*) \)\.)?"
        ),
        _lx_expected,
    ),
    (
        re.compile(
            rf"The attribute '(?:\{{[^{{}}]*\}})?(?P<name>{_NAME})' is required but missing\."
        ),
        lambda m: f"the required attribute '{input_name(m['name'])}' is missing",
    ),
    (
        re.compile(rf"The attribute '(?:\{{[^{{}}]*\}})?(?P<name>{_NAME})' is not allowed\."),
        lambda m: f"the attribute '{input_name(m['name'])}' is not allowed",
    ),
)
_LX_SENTENCES = {
    (
        "Character content other than whitespace is not allowed because the content type is "
        "'element-only'."
    ): "character content other than whitespace is not allowed (the content type is element-only)",
    "Character content is not allowed, because the content type is empty.": (
        "character content is not allowed (the content type is empty)"
    ),
    "Element content is not allowed, because the content type is empty.": (
        "child elements are not allowed (the content type is empty)"
    ),
    "Element content is not allowed, because the type definition is simple.": (
        "child elements are not allowed (the type definition is simple)"
    ),
    "No matching global declaration available for the validation root.": (
        "the root element is not declared by the schema"
    ),
    "No matching global element declaration available, but demanded by the strict wildcard.": (
        "the element is not declared by the schema, as the strict wildcard requires"
    ),
    "The element is not 'nillable'.": "the element is not nillable",
    "Warning: No precomputed value available, the value was either invalid or something "
    "strange happened.": "the value could not be checked against an identity constraint",
}


def _libxml_message(type_name: str, text: str, code: str) -> str:
    """The message of one libxml2 error, from its kind and the schema side of its text."""
    subject = _LX_SUBJECT.match(text)
    element = subject["element"] if subject else None
    attribute = subject["attribute"] if subject else None
    detail: str | None = None
    if subject:
        rest = text[subject.end() :].strip()
        detail = _LX_SENTENCES.get(rest) or _first(_LX_REST, rest)
    if detail is None:
        for tail, build in _LX_TAILS.get(type_name, ()):
            match = tail.match(text)
            if match and (detail := build(match)):
                break
    return _message(element, attribute, detail or _GENERIC.get(code, _GENERIC_DEFAULT))


def xsd_issues(
    schema: etree.XMLSchema, root: etree._Element, *, base_path: str = ""
) -> list[Issue]:
    """Validate with lxml (the hot path); every error becomes a ``schema.*`` issue."""
    if schema.validate(root):
        return []
    log = schema.error_log
    issues: list[Issue] = []
    for entry in itertools.islice(log, MAX_ISSUES):
        code = _LIBXML_CODES.get(entry.type_name, "schema.invalid")
        message = _libxml_message(entry.type_name, entry.message, code)
        issues.append(error(code, base_path + _resolve(root, entry.path), message))
    if len(log) > MAX_ISSUES:
        issues.append(more_issues(len(log) - MAX_ISSUES))
    return issues


# --- xmlschema --------------------------------------------------------------------------------
#
# xmlschema's reasons and messages quote the value, so they are not shown. The validator that
# failed (a facet, a simple type, a model group, an attribute group) says what was expected, the
# element says where, and only a few reasons made of names are parsed, each whole.

_XS_ATTRIBUTE_VALUE = re.compile(r"attribute (?P<name>[^\s=]+)=")  # xmlschema's prefix
_XS_QUOTED_NAME = r"(?:'(?P<name>[^']+)'|\"(?P<dname>[^\"]+)\")"  # Python's repr of a name


def _quoted(match: re.Match[str]) -> str | None:
    local = _local(match["name"] or match["dname"])
    return input_name(local) if local else None


_XS_ATTRIBUTE_REASONS: tuple[_Rule, ...] = (
    (
        re.compile(rf"missing required attribute {_XS_QUOTED_NAME}"),
        lambda m: f"the required attribute '{name}' is missing" if (name := _quoted(m)) else None,
    ),
    (
        re.compile(rf"{_XS_QUOTED_NAME} attribute not allowed for element"),
        lambda m: (
            f"the attribute '{name}' is not allowed"
            if (name := _quoted(m))
            else "an attribute is not allowed"
        ),
    ),
    (
        re.compile(rf"attribute {_XS_QUOTED_NAME} not allowed"),
        lambda m: (
            f"the attribute '{name}' is not allowed"
            if (name := _quoted(m))
            else "an attribute is not allowed"
        ),
    ),
    (
        re.compile(rf"use of attribute {_XS_QUOTED_NAME} is prohibited"),
        lambda m: (
            f"the attribute '{name}' is prohibited"
            if (name := _quoted(m))
            else "an attribute is prohibited"
        ),
    ),
)
_XS_SENTENCES = {
    "element is not nillable": "the element is not nillable",
    "xsi:nil attribute must have a boolean value": "the xsi:nil attribute must be a boolean",
    "xsi:nil='true' but the element has a fixed value": (
        "the element has a fixed value and cannot be nil"
    ),
    "xsi:nil='true' but the element is not empty": "a nil element must be empty",
    "character data is not allowed because content is empty": (
        "character content is not allowed (the content type is empty)"
    ),
    "character data between child elements not allowed": _LX_SENTENCES[
        "Character content other than whitespace is not allowed because the content type is "
        "'element-only'."
    ],
    "a simple content element can't have child elements": (
        "child elements are not allowed (the type definition is simple)"
    ),
    "can't use an abstract element in an instance": "an abstract element cannot be used",
}
_XS_IDENTITY = _tail("for Xsd", r"(?P<kind>Unique|Key|Keyref)\(name='(?P<name>[^']*)'.*")
_XS_FUNCTIONS = {  # xmlschema checks some built-in types with plain functions
    "decimal_validator": "xs:decimal",
    "qname_validator": "xs:QName",
    "byte_validator": "xs:byte",
    "short_validator": "xs:short",
    "int_validator": "xs:int",
    "long_validator": "xs:long",
    "unsigned_byte_validator": "xs:unsignedByte",
    "unsigned_short_validator": "xs:unsignedShort",
    "unsigned_int_validator": "xs:unsignedInt",
    "unsigned_long_validator": "xs:unsignedLong",
    "negative_int_validator": "xs:negativeInteger",
    "positive_int_validator": "xs:positiveInteger",
    "non_positive_int_validator": "xs:nonPositiveInteger",
    "non_negative_int_validator": "xs:nonNegativeInteger",
    "hex_binary_validator": "xs:hexBinary",
    "base64_binary_validator": "xs:base64Binary",
}

_XS_FACETS: dict[type[XsdFacet], str] = {  # facet -> what it expects, from its value
    XsdLengthFacet: "the length of the value is not the required length {}",
    XsdMinLengthFacet: "the value is shorter than the minimum length {}",
    XsdMaxLengthFacet: "the value is longer than the maximum length {}",
    XsdMinInclusiveFacet: "the value is less than the minimum allowed ({})",
    XsdMaxInclusiveFacet: "the value is greater than the maximum allowed ({})",
    XsdMinExclusiveFacet: "the value must be greater than {}",
    XsdMaxExclusiveFacet: "the value must be less than {}",
    XsdTotalDigitsFacet: "the value has more digits than allowed ({})",
    XsdFractionDigitsFacet: "the value has more fractional digits than allowed ({})",
    XsdWhiteSpaceFacet: "the value has white space the whiteSpace facet ({}) forbids",
    XsdExplicitTimezoneFacet: "a time zone is {}",
}


def _facet_detail(facet: XsdFacet) -> str | None:
    value = getattr(facet, "value", None)
    if isinstance(facet, XsdPatternFacets):
        patterns = [f"'{_shown(p)}'" for p in facet.regexps]
        if len(patterns) == 1:
            return f"the value does not match the pattern {patterns[0]}"
        return f"the value does not match any of the patterns {_shown(', '.join(patterns))}"
    if isinstance(facet, XsdEnumerationFacets):
        return f"the value is not one of the allowed values {_values(facet.enumeration)}"
    for kind, template in _XS_FACETS.items():
        if isinstance(facet, kind) and value is not None:
            return template.format(_shown(value))
    if isinstance(facet, XsdAssertionFacet):
        return f"the value does not satisfy the assertion '{_shown(facet.path)}'"
    return None


def _simple_type_detail(simple_type: XsdSimpleType) -> str:
    kind = "list" if isinstance(simple_type, XsdList) else "atomic"
    kind = "union" if isinstance(simple_type, XsdUnion) else kind
    name = _type_name(simple_type.name)
    if name is None:
        return f"the value is not a valid value of the local {kind} type"
    return f"the value is not a valid value of the {kind} type '{name}'"


def _xmlschema_detail(validator: object, reason: str) -> str | None:
    """What was expected, from the failing XSD component (and reasons made of names only)."""
    if isinstance(validator, XsdFacet):
        return _facet_detail(validator)
    if isinstance(validator, XsdSimpleType):
        return _simple_type_detail(validator)
    if isinstance(validator, (XsdAttributeGroup, XsdAnyAttribute)):
        return _first(_XS_ATTRIBUTE_REASONS, reason)
    if isinstance(validator, XsdAttribute) and validator.fixed is not None:
        return f"the value must be the fixed value '{_shown(validator.fixed)}'"
    if isinstance(validator, XsdAnyElement):
        return "the element is not allowed here by the schema's wildcard"
    if isinstance(validator, (XsdElement, XsdGroup)):
        if reason in _XS_SENTENCES:
            return _XS_SENTENCES[reason]
        if isinstance(validator, XsdElement) and reason.startswith("must have the fixed value"):
            return f"the value must be the fixed value '{_shown(validator.fixed)}'"
        identity = _XS_IDENTITY.match(reason)
        if identity:
            name = _local(identity["name"])
            named = f" '{name}'" if name else ""
            if identity["kind"] == "Keyref":
                return f"the value matches no key of the key reference{named}"
            kind = identity["kind"].lower()
            return f"the value is a duplicate within the {kind} identity constraint{named}"
        return None
    if isinstance(validator, xmlschema.XMLSchemaBase) and reason.endswith(
        "is not an element of the schema"
    ):
        return "the root element is not declared by the schema"
    function = getattr(validator, "__name__", None)
    if callable(validator) and function in _XS_FUNCTIONS:
        return f"the value is not a valid value of the atomic type '{_XS_FUNCTIONS[function]}'"
    return None


def _xmlschema_code(
    err: xmlschema.XMLSchemaValidationError, reason: str, *, on_attribute: bool
) -> str:
    """The issue code, from the kind of component that failed (codes as before this module
    stopped reading values: xmlschema's enumeration, range and digits errors are
    ``schema.invalid``)."""
    validator = err.validator
    if isinstance(err, xmlschema.XMLSchemaChildrenValidationError):
        return "schema.content"
    if isinstance(validator, XsdPatternFacets):
        return "schema.pattern"
    if on_attribute or isinstance(validator, XsdAttributeGroup):
        return "schema.attribute"
    if isinstance(validator, (XsdLengthFacet, XsdMinLengthFacet, XsdMaxLengthFacet)):
        return "schema.length"
    if isinstance(validator, XsdFacet):
        return "schema.invalid"
    fixed_words = reason.lower()  # the library's words before any value
    if fixed_words.startswith(("invalid literal", "invalid value")):
        return "schema.datatype"
    if fixed_words.startswith(("attribute ", "xsi:nil attribute")):
        return "schema.attribute"
    return "schema.invalid"


def _expected_names(err: xmlschema.XMLSchemaChildrenValidationError) -> list[str]:
    names: list[str] = []
    for particle in err.expected or ():
        if isinstance(particle, XsdAnyElement):
            names.append("*")
        elif (name := _local(getattr(particle, "name", None))) is not None:
            names.append(name)
    return names


def _xmlschema_issue(
    err: xmlschema.XMLSchemaValidationError, root: etree._Element, base_path: str
) -> Issue:
    reason = str(err.reason or "")
    attribute_value = _XS_ATTRIBUTE_VALUE.match(reason)
    code = _xmlschema_code(err, reason, on_attribute=attribute_value is not None)
    target: Any = err.elem
    attribute = _local(attribute_value["name"]) if attribute_value else None
    if isinstance(err, xmlschema.XMLSchemaChildrenValidationError):
        lead = "missing child element(s)"
        if err.invalid_tag is not None:
            lead = "this element is not expected"
            child: Any = err.invalid_child  # by index, counting comments as xmlschema does
            if isinstance(child, etree._Element):
                target = child  # point at the offending child itself, as libxml2 does
        detail: str | None = lead + _names(_expected_names(err), one_of=False)
    else:
        detail = _xmlschema_detail(err.validator, reason)
    element = _local(target.tag) if isinstance(target, etree._Element) else None
    where = element_path(target) if isinstance(target, etree._Element) else _resolve(root, err.path)
    message = _message(element, attribute, detail or _GENERIC.get(code, _GENERIC_DEFAULT))
    return error(code, base_path + where, message)


def _crowded(root: etree._Element) -> etree._Element | None:
    """The first element with more than DETAILED_MAX_ATTRIBUTES attributes (libxml2 counts)."""
    found = root.xpath(f"(//*[count(@*) > {DETAILED_MAX_ATTRIBUTES}])[1]")
    first = found[0] if isinstance(found, list) and found else None
    return first if isinstance(first, etree._Element) else None


def xmlschema_issues(
    schema: xmlschema.XMLSchema, root: etree._Element, *, base_path: str = ""
) -> list[Issue]:
    """Validate with xmlschema (the detailed path): exact path and reason of each issue.

    The fast path (libxml2, what services run) validates the document too: when it finds errors
    and xmlschema finds none (xmlschema reads ``xs:integer`` with Python's ``int``, which takes
    Arabic-Indic digits and underscores), its issues are the report, so the detailed path never
    accepts what a service rejects. A document with an element of more than
    :data:`DETAILED_MAX_ATTRIBUTES` attributes gets the fast path's issues and a
    ``schema.detailed-skipped`` note instead of xmlschema's.
    """
    twin = _TWINS.get(id(schema))
    fast = xsd_issues(lxml_schema(twin), root, base_path=base_path) if twin else None
    crowded = _crowded(root)
    if crowded is not None:
        note = (
            f"the detailed validator was not run: an element has {len(crowded.attrib):,} "
            f"attributes, more than its limit of {DETAILED_MAX_ATTRIBUTES}"
        )
        where = base_path + element_path(crowded)
        if fast is None:
            return [error("schema.detailed-skipped", where, note)]
        # first: a report keeps its first MAX_ISSUES issues, and this one explains the rest
        note += "; the issues that follow are the fast validator's"
        return [information("schema.detailed-skipped", where, note), *fast]
    detailed = _xmlschema_only(schema, root, base_path)
    if fast and not any(i.severity is Severity.ERROR for i in detailed):
        return fast
    return detailed


def _xmlschema_only(
    schema: xmlschema.XMLSchema, root: etree._Element, base_path: str
) -> list[Issue]:
    issues: list[Issue] = []
    resource = xmlschema.XMLResource(cast(Any, root), allow="none", defuse="always")
    try:
        # xmlschema finds every error of a document before yielding the first: the cost is
        # paid already, so the rest are only counted
        errors = schema.iter_errors(resource, use_location_hints=False)
        for err in itertools.islice(errors, MAX_ISSUES):
            issues.append(_xmlschema_issue(err, root, base_path))
        more = sum(1 for _ in errors)
        if more:
            issues.append(more_issues(more))
    except xmlschema.XMLSchemaException:
        # xmlschema raises (rather than reports) when a name in the document, such as an
        # xsi:type value, names no schema component; its text quotes that value.
        issues.append(
            error(
                "schema.invalid",
                base_path + element_path(root),
                _message(
                    _local(root.tag),
                    None,
                    "validation stopped: a name in the document (such as an xsi:type value) "
                    "does not resolve to a schema component",
                ),
            )
        )
    return issues


# --- JSON Schema ----------------------------------------------------------------------------


@cache
def _registry(folder: Path) -> Registry:
    pairs: list[tuple[str, Resource[Any]]] = []
    for path in sorted(folder.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        # a schema without "$schema" is read as draft 2020-12, as json_validator reads it
        resource: Resource[Any] = Resource.from_contents(
            contents, default_specification=DRAFT202012
        )
        if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
            pairs.append((contents["$id"], resource))
        pairs.append((path.name, resource))  # relative $refs between sibling files
    return Registry().with_resources(pairs).crawl()


@cache
def json_validator(relative: str | Path) -> Draft202012Validator:
    """A draft 2020-12 validator for ``schemas/<relative>`` (or a :class:`~pathlib.Path`: see
    :func:`schema_path`), siblings resolvable by file name. ``$schema`` and ``$id`` are
    optional."""
    path = schema_path(relative)
    contents = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(contents)
    validator = Draft202012Validator(contents, registry=_registry(path.parent))
    _FAST[id(validator)] = _fast_twin(contents, path.parent)
    return validator


#: jsonschema-rs twins of the validators above, used only to say "valid" quickly (about 200
#: times faster than jsonschema on a typical event). Any input the twin does not call valid is
#: judged by jsonschema, whose errors make the report, so reports never depend on the twin.
_FAST: dict[int, Any] = {}


def _fast_twin(contents: dict[str, Any], folder: Path) -> Any:
    siblings = {
        p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.schema.json")
    }
    ids = {name: doc["$id"] for name, doc in siblings.items() if "$id" in doc}

    def absolute(node: Any) -> Any:
        # relative references between sibling files ("envelope.schema.json#/$defs/x") have no
        # base to resolve against under a URN $id; name the sibling by its $id instead
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                head, sep, fragment = value.partition("#") if key == "$ref" else ("", "", "")
                if head in ids:
                    out[key] = ids[head] + sep + fragment
                else:
                    out[key] = absolute(value)
            return out
        if isinstance(node, list):
            return [absolute(x) for x in node]
        return node

    by_id = {doc["$id"]: absolute(doc) for doc in siblings.values() if "$id" in doc}
    return jsonschema_rs.validator_for(absolute(contents), retriever=lambda uri: by_id[uri])


def _json_message(err: JsonSchemaError) -> str:
    keyword, expected = err.validator, err.validator_value
    if keyword == "required":
        # jsonschema raises one error per missing property; its message names that property
        # (a schema name, never data) between the first pair of quotes.
        name = err.message.split("'")[1] if err.message.count("'") >= 2 else "a property"
        return f"required property {name!r} is missing"
    if keyword == "type":
        return f"expected type {expected}"
    if keyword == "enum":
        return f"expected one of {', '.join(json.dumps(v) for v in expected)}"
    if keyword == "const":
        return f"expected {json.dumps(expected)}"
    if keyword == "pattern":
        return f"value does not match the pattern {expected}"
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return "property is not allowed here"
    if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
        return f"{keyword} is {expected}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{keyword} is {expected}"
    if keyword == "contains":
        return "a required item is missing from the list"
    described = err.schema.get("description") if isinstance(err.schema, dict) else None
    if described:
        return f"violates the '{keyword}' rule: {described}"
    return f"violates the '{keyword}' rule of the schema"


def _leaf_errors(errors: Iterable[JsonSchemaError]) -> Iterable[JsonSchemaError]:
    for err in errors:
        if err.context and err.validator in ("anyOf", "oneOf", "allOf"):
            yield from _leaf_errors(err.context)
        else:
            yield err


def json_schema_issues(
    validator: Draft202012Validator,
    instance: Any,
    *,
    base_path: str = "",
    unknown_field_code: str | None = None,
) -> list[Issue]:
    """Every JSON Schema violation as a ``schema.<keyword>`` issue with a JSON pointer.

    ``unknown_field_code`` (``<format>.unknown-field``) is for source formats that grow: a
    member an object's ``additionalProperties: false`` does not allow is then reported as
    *information* under that code, one issue per member at its own pointer, instead of an error.
    The decoder does not carry such a member.
    """
    twin = _FAST.get(id(validator))
    if twin is not None and twin.is_valid(instance):
        return []
    # the first MAX_ISSUES in the validator's order (never all of them: a hostile document can
    # hold hundreds of thousands), reported in document order
    found = list(itertools.islice(_leaf_errors(validator.iter_errors(instance)), MAX_ISSUES + 1))
    stopped = len(found) > MAX_ISSUES
    issues: list[Issue] = []
    for err in sorted(found[:MAX_ISSUES], key=lambda e: e.path):
        pointer = json_pointer(err.absolute_path)
        extra = ""
        if err.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
            err.instance, dict
        ):
            # point at the first offending key and count the others; a key the schemas do not
            # declare is shown masked (a sender may key a map by a person's number)
            allowed = set((err.schema.get("properties") or {}).keys())
            names = [k for k in err.instance if k not in allowed]
            if unknown_field_code is not None:
                room = max(MAX_ISSUES - len(issues), 0)  # one object may hold a million
                issues.extend(
                    information(
                        unknown_field_code,
                        base_path + pointer + json_pointer((name,)),
                        "this member is not part of the format as cjx knows it; it is not carried",
                    )
                    for name in names[:room]
                )
                if len(names) > room:
                    issues.append(more_issues(len(names) - room, Severity.INFORMATION))
                continue
            if names:
                pointer = pointer + json_pointer((str(names[0]),))
                if len(names) > 1:
                    extra = f" (and {len(names) - 1:,} other properties)"
        issues.append(
            error(
                f"schema.{_kebab(str(err.validator))}",
                base_path + pointer,
                _json_message(err) + extra,
            )
        )
    if stopped:
        issues.append(more_issues(None))
    return issues


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
