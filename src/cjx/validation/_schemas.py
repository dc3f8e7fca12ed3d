"""Schema loading and schema issues (DESIGN.md section 5).

* Hot path: one compiled :class:`lxml.etree.XMLSchema` per XSD, loaded once from package data
  with the hardened parser (no network; imports resolve only next to the schema file).
* Detailed path: :mod:`xmlschema`, sandboxed to the schema folder and defused, which names the
  exact path and reason of each issue; it is also the CI cross-check on every fixture.
* JSON: :mod:`jsonschema` (draft 2020-12) with a :class:`referencing.Registry` of the folder.

Schema messages never echo instance values (they may be personal data): libxml2's and
xmlschema's texts are scrubbed of quoted values, and JSON Schema messages are written here from
the schema side only.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, cast

import xmlschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as JsonSchemaError
from lxml import etree
from referencing import Registry, Resource

from cjx._resources import schema_file
from cjx.codec import json_pointer
from cjx.errors import Issue, error

__all__ = [
    "element_path",
    "json_schema_issues",
    "json_validator",
    "lxml_schema",
    "xmlschema_issues",
    "xmlschema_schema",
    "xsd_issues",
]

_lock = threading.Lock()


@cache
def lxml_schema(relative: str) -> etree.XMLSchema:
    """The compiled XSD at ``schemas/<relative>`` (cached; libxml2 schemas are thread-safe)."""
    path = schema_file(relative)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    doc = etree.parse(str(path), parser)
    with _lock:
        return etree.XMLSchema(doc)


@cache
def xmlschema_schema(relative: str) -> xmlschema.XMLSchema:
    """The same XSD through xmlschema, sandboxed to its folder and defused."""
    path = schema_file(relative)
    return xmlschema.XMLSchema(str(path), allow="sandbox", defuse="always")


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

_QUOTED_VALUE = [
    # libxml2 writes "[facet 'pattern'] The value 'X' is not accepted ..."
    (re.compile(r"[Tt]he value '(?:[^']|'')*'"), "The value"),
    # libxml2 writes "'X' is not a valid value of the atomic type 'xs:date'"
    (re.compile(r"'(?:[^']|'')*' is not a valid value"), "The value is not a valid value"),
    # xmlschema writes "invalid value 'X'" and similar
    (re.compile(r"(value|literal) '(?:[^']|'')*'", re.IGNORECASE), r"\1"),
    (re.compile(r"(value|literal) \"(?:[^\"])*\"", re.IGNORECASE), r"\1"),
]


def scrub(message: str) -> str:
    """Remove quoted instance values from a schema library's message."""
    for pattern, replacement in _QUOTED_VALUE:
        message = pattern.sub(replacement, message)
    return message


def element_path(element: etree._Element) -> str:
    """A readable XPath of ``element``: local names, ``[n]`` where a name repeats.

    ``/DeliverRequest/Message/ResultedCaseMessage/Session/Case/Defendant/Offence[2]/Plea``
    """
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        tag = node.tag
        name = etree.QName(node).localname if isinstance(tag, str) else "node()"
        if parent is not None and isinstance(tag, str):
            same = [c for c in parent if c.tag == tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


def _namespaces(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in root.iter():
        if isinstance(el.tag, str):
            for prefix, uri in el.nsmap.items():
                if prefix:
                    found.setdefault(prefix, uri)
    return found


def _resolve(root: etree._Element, path: str | None) -> str:
    """libxml2's error path (prefixed XPath) as an :func:`element_path`."""
    if not path:
        return "/"
    try:
        hits = root.getroottree().xpath(path, namespaces=_namespaces(root))
    except etree.XPathError:
        hits = None
    if isinstance(hits, list) and hits and isinstance(hits[0], etree._Element):
        return element_path(hits[0])
    return re.sub(r"\{[^}]*\}|[A-Za-z_][\w.-]*:", "", path)


def xsd_issues(
    schema: etree.XMLSchema, root: etree._Element, *, base_path: str = ""
) -> list[Issue]:
    """Validate with lxml (the hot path); every error becomes a ``schema.*`` issue."""
    if schema.validate(root):
        return []
    issues: list[Issue] = []
    for entry in schema.error_log:
        code = _LIBXML_CODES.get(entry.type_name, "schema.invalid")
        message = scrub(entry.message)
        issues.append(error(code, base_path + _resolve(root, entry.path), message))
    return issues


_UNEXPECTED_CHILD = re.compile(r"Unexpected child with tag .* at position ([0-9]+)")
_XMLSCHEMA_KINDS = (
    ("pattern", "schema.pattern"),
    ("enumeration", "schema.enumeration"),
    ("not an element of the set", "schema.enumeration"),
    ("Unexpected child", "schema.content"),
    ("not complete", "schema.content"),
    ("Tag", "schema.content"),
    ("attribute", "schema.attribute"),
    ("length", "schema.length"),
    ("invalid literal", "schema.datatype"),
    ("invalid value", "schema.datatype"),
    ("not a valid value", "schema.datatype"),
)


def xmlschema_issues(
    schema: xmlschema.XMLSchema, root: etree._Element, *, base_path: str = ""
) -> list[Issue]:
    """Validate with xmlschema (the detailed path): exact path and reason of each issue."""
    issues: list[Issue] = []
    resource = xmlschema.XMLResource(cast(Any, root), allow="none", defuse="always")
    for err in schema.iter_errors(resource, use_location_hints=False):
        reason = str(err.reason or err.message)
        code = next(
            (c for key, c in _XMLSCHEMA_KINDS if key.lower() in reason.lower()),
            "schema.invalid",
        )
        target: Any = err.elem
        child = _UNEXPECTED_CHILD.search(reason)
        if child and isinstance(target, etree._Element):
            # point at the offending child itself, as libxml2 does
            elements = [c for c in target if isinstance(c.tag, str)]
            index = int(child.group(1)) - 1
            if 0 <= index < len(elements):
                target = elements[index]
        where = (
            element_path(target) if isinstance(target, etree._Element) else _resolve(root, err.path)
        )
        issues.append(error(code, base_path + where, scrub(reason)))
    return issues


# --- JSON Schema ----------------------------------------------------------------------------


@cache
def _registry(folder: Path) -> Registry:
    pairs: list[tuple[str, Resource[Any]]] = []
    for path in sorted(folder.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource: Resource[Any] = Resource.from_contents(contents)
        pairs.append((contents["$id"], resource))
        pairs.append((path.name, resource))  # relative $refs between sibling files
    return Registry().with_resources(pairs).crawl()


@cache
def json_validator(relative: str) -> Draft202012Validator:
    """A draft 2020-12 validator for ``schemas/<relative>``, siblings resolvable by file name."""
    path = schema_file(relative)
    contents = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(contents)
    return Draft202012Validator(contents, registry=_registry(path.parent))


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
    validator: Draft202012Validator, instance: Any, *, base_path: str = ""
) -> list[Issue]:
    """Every JSON Schema violation as a ``schema.<keyword>`` issue with a JSON pointer."""
    issues: list[Issue] = []
    for err in sorted(_leaf_errors(validator.iter_errors(instance)), key=lambda e: e.path):
        pointer = json_pointer(err.absolute_path)
        extra = ""
        if err.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
            err.instance, dict
        ):
            # name the offending keys: property names are schema vocabulary, not data
            allowed = set((err.schema.get("properties") or {}).keys())
            names = [k for k in err.instance if k not in allowed]
            if names:
                pointer = pointer + "/" + str(names[0]).replace("~", "~0").replace("/", "~1")
                extra = f" ({', '.join(repr(n) for n in names)})" if len(names) > 1 else ""
        issues.append(
            error(
                f"schema.{_kebab(str(err.validator))}",
                base_path + pointer,
                _json_message(err) + extra,
            )
        )
    return issues


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
