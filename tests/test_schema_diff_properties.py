"""The verdict of ``cjx schema diff`` never lies (hypothesis).

Each example mutates the real released canonical schemas programmatically (an optional field
added, a field removed or made required, an enumeration member added or removed, a limit or
pattern changed, a message type added, an extension point opened, a description reworded...),
runs the diff, and checks the verdict against messages:

(a) every message the model produces (valid under OLD) that NEW rejects proves a breaking
    change: the verdict must then be ``breaking``;
(b) each mutation can also turn such a message into one that uses the change (the new optional
    field filled in, the new enumeration member chosen); when NEW accepts it and an OLD reader
    does not, though it knows the message type, the verdict must be ``breaking`` as well.

So a ``compatible`` verdict is checked against real messages on both sides, and each mutation's
expected rule must be among the changes found.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from lxml import etree
from tests.strategies import envelopes

from cjx._resources import schema_file
from cjx.codec import CANONICAL_NS, encode_json, encode_xml
from cjx.schema_versions import released_versions
from cjx.schemadiff import Kind, compare_files, load_schema, verdict
from cjx.schemadiff._json import compare_json_schemas

#: The newest release: the one whose schemas describe every message the model writes (the
#: property below generates messages of every type).
NEWEST = released_versions()[-1]
RELEASED_JSON: dict[str, Any] = json.loads(NEWEST.json_schema_path().read_text(encoding="utf-8"))
RELEASED_XSD: bytes = NEWEST.xsd_path().read_bytes()
#: The schema documents the newest XSD imports from its folder (1.2: the extension namespace's).
RELEASED_IMPORTS: dict[str, bytes] = {
    Path(p).name: schema_file(p).read_bytes() for p in NEWEST.imported
}
XS = "http://www.w3.org/2001/XMLSchema"
NS = {"xs": XS}
EXT_NS = "urn:cjx:canonical:1:ext"

Message = dict[str, Any]


@dataclass(frozen=True)
class Mutation:
    """OLD and NEW schemas, the rule the diff must report, and how a message exercises it."""

    name: str
    old: Any
    new: Any
    expected: str | None  # None: no change may be reported
    adapt: Callable[[Any], Any | None] | None = None


# -- JSON Schema: where a definition's values sit in a message --------------------------------


def _resolve(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for token in ref.removeprefix("#/").split("/"):
        node = node[token]
    return node  # type: ignore[no-any-return]


def _instances(doc: dict[str, Any], target: str, message: Message) -> list[list[str | int]]:
    """The JSON pointers (as token lists) in ``message`` where ``#/$defs/<target>`` applies."""
    found: list[list[str | int]] = []
    wanted = f"#/$defs/{target}"

    def walk(schema: dict[str, Any], value: Any, at: list[str | int]) -> None:
        if "$ref" in schema:
            if schema["$ref"] == wanted:
                found.append(at)
            schema = _resolve(doc, schema["$ref"])
        for branch in schema.get("allOf", []):
            condition = branch.get("if", {}).get("properties", {}).get("message_type", {})
            if isinstance(value, dict) and condition.get("const") == value.get("message_type"):
                walk(branch["then"], value, at)
        if isinstance(value, dict):
            for key, item in value.items():
                if key in schema.get("properties", {}):
                    walk(schema["properties"][key], item, [*at, key])
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                walk(schema["items"], item, [*at, index])

    walk(doc, message, [])
    return found


def _set_at(message: Message, at: list[str | int], key: str | None, value: Any) -> None:
    node: Any = message
    for token in at if key is not None else at[:-1]:
        node = node[token]
    node[key if key is not None else at[-1]] = value


def _object_defs() -> list[str]:
    return sorted(
        name
        for name, schema in RELEASED_JSON["$defs"].items()
        if schema.get("type") == "object" and schema.get("properties")
    )


def _closed_defs() -> list[str]:
    return [
        n for n in _object_defs() if RELEASED_JSON["$defs"][n].get("additionalProperties") is False
    ]


def _enum_defs() -> list[str]:
    return sorted(n for n, s in RELEASED_JSON["$defs"].items() if len(s.get("enum", [])) > 1)


def _string_properties(keyword: str) -> list[tuple[str, str]]:
    return sorted(
        (name, prop)
        for name in _object_defs()
        for prop, schema in RELEASED_JSON["$defs"][name]["properties"].items()
        if keyword in schema and schema.get("type") == "string"
    )


@st.composite
def json_mutations(draw: st.DrawFn) -> Mutation:
    old = RELEASED_JSON
    new = copy.deepcopy(old)
    defs = new["$defs"]
    kind = draw(
        st.sampled_from(
            [
                "reword",
                "message-type",
                "open",
                "open-then-add",
                "add-closed",
                "remove",
                "require",
                "enum-add",
                "enum-remove",
                "loosen",
                "tighten",
                "pattern",
            ]
        )
    )
    if kind == "reword":
        name = draw(st.sampled_from(_object_defs()))
        defs[name]["description"] = "reworded"
        return Mutation(kind, old, new, None)
    if kind == "message-type":
        new["properties"]["message_type"]["enum"].append("test.thing-added")
        new["allOf"].append(
            {
                "if": {
                    "properties": {"message_type": {"const": "test.thing-added"}},
                    "required": ["message_type"],
                },
                "then": {"$ref": "#/$defs/CourtCase"},
            }
        )
        return Mutation(kind, old, new, "message-type.added")
    closed_kinds = ("open", "open-then-add", "add-closed")
    # these start from a closed object (the types first released in 1.1 are open already)
    name = draw(st.sampled_from(_closed_defs() if kind in closed_kinds else _object_defs()))
    if kind == "open":
        defs[name].pop("additionalProperties", None)
        return Mutation(kind, old, new, "extension-point.added")
    if kind in ("open-then-add", "add-closed"):
        if kind == "open-then-add":
            old = copy.deepcopy(old)
            old["$defs"][name].pop("additionalProperties", None)
            new["$defs"][name].pop("additionalProperties", None)
        defs[name]["properties"]["zz_extra"] = {"type": "string", "maxLength": 5}

        def fill(message: Message, doc: dict[str, Any] = new, target: str = name) -> Any:
            places = _instances(doc, target, message)
            for at in places:
                _set_at(message, at, "zz_extra", "x")
            return message if places else None

        expected = "field.added-optional" if kind == "open-then-add" else "field.added-closed"
        return Mutation(kind, old, new, expected, fill)
    properties = defs[name]["properties"]
    prop = draw(st.sampled_from(sorted(properties)))
    required: list[str] = defs[name].setdefault("required", [])
    if kind == "remove":
        del properties[prop]
        if prop in required:
            required.remove(prop)
        return Mutation(kind, old, new, "field.removed")
    if kind == "require":
        optional = sorted(set(properties) - set(required))
        if not optional:
            return Mutation("none", old, copy.deepcopy(old), None)
        required.append(draw(st.sampled_from(optional)))
        return Mutation(kind, old, new, "field.made-required")
    if kind in ("enum-add", "enum-remove"):
        target = draw(st.sampled_from(_enum_defs()))
        members: list[str] = defs[target]["enum"]
        if kind == "enum-remove":
            members.remove(draw(st.sampled_from(sorted(members))))
            return Mutation(kind, old, new, "enum.member-removed")
        members.append("ZZ_NEW_MEMBER")

        def choose(message: Message, doc: dict[str, Any] = new, target: str = target) -> Any:
            places = _instances(doc, target, message)
            for at in places:
                _set_at(message, at, None, "ZZ_NEW_MEMBER")
            return message if places else None

        return Mutation(kind, old, new, "enum.member-added", choose)
    if kind in ("loosen", "tighten"):
        owner, field = draw(st.sampled_from(_string_properties("maxLength")))
        schema = defs[owner]["properties"][field]
        if kind == "tighten":
            schema["maxLength"] = max(schema.get("minLength", 0), 1)
            return Mutation(kind, old, new, "limit.tightened")
        schema["maxLength"] += 7
        longest = schema["maxLength"]

        def lengthen(message: Message, doc: dict[str, Any] = new, owner: str = owner) -> Any:
            places = [at for at in _instances(doc, owner, message) if field in _get(message, at)]
            for at in places:
                _set_at(message, at, field, "a" * longest)
            return message if places else None

        if "pattern" in schema:
            return Mutation(kind, old, new, "limit.loosened")
        return Mutation(kind, old, new, "limit.loosened", lengthen)
    owner, field = draw(st.sampled_from(_string_properties("pattern")))
    defs[owner]["properties"][field]["pattern"] = "^$"
    return Mutation(kind, old, new, "pattern.changed")


def _get(message: Message, at: list[str | int]) -> Any:
    node: Any = message
    for token in at:
        node = node[token]
    return node


def _check_verdict(
    mutation: Mutation,
    found: set[str],
    compatible: bool,
    messages: Iterator[tuple[Any, bool, bool, Any, bool, bool]],
) -> None:
    if mutation.expected is None:
        assert not found, (mutation.name, found)
    else:
        assert mutation.expected in found, (mutation.name, found)
    for original, old_ok, new_ok, adapted, adapted_old_ok, adapted_new_ok in messages:
        assert old_ok, "the model produced a message the released schema rejects"
        if not new_ok:  # (a): an OLD message NEW rejects
            assert not compatible, (mutation.name, "compatible, but NEW rejects", original)
        if adapted is not None and adapted_new_ok and not adapted_old_ok:  # (b)
            assert not compatible, (mutation.name, "compatible, but OLD rejects", adapted)
        if mutation.expected == "field.added-optional" and adapted is not None:
            assert adapted_new_ok, "NEW accepts the new optional field"
            assert adapted_old_ok, "OLD ignores the new optional field at its extension point"


@given(json_mutations(), st.lists(envelopes(), min_size=1, max_size=3))
def test_json_schema_verdict_never_lies(mutation: Mutation, sample: list[Any]) -> None:
    changes = compare_json_schemas(mutation.old, mutation.new)
    compatible = verdict(changes) is Kind.COMPATIBLE
    old_validator = Draft202012Validator(mutation.old)
    new_validator = Draft202012Validator(mutation.new)

    def judged() -> Iterator[tuple[Any, bool, bool, Any, bool, bool]]:
        for envelope in sample:
            message = json.loads(encode_json(envelope))
            adapted = mutation.adapt(copy.deepcopy(message)) if mutation.adapt else None
            yield (
                message,
                old_validator.is_valid(message),
                new_validator.is_valid(message),
                adapted,
                adapted is not None and old_validator.is_valid(adapted),
                adapted is not None and new_validator.is_valid(adapted),
            )

    _check_verdict(mutation, {c.rule for c in changes}, compatible, judged())


# -- XSD --------------------------------------------------------------------------------------


def _xsd_tree() -> etree._ElementTree:
    return etree.ElementTree(etree.fromstring(RELEASED_XSD))


def _named(tree: etree._ElementTree, kind: str) -> list[str]:
    """Named types of ``kind`` that some declaration uses (an unused type changes nothing)."""
    names = tree.xpath(f"/xs:schema/xs:{kind}/@name", namespaces=NS)
    used = {
        value.removeprefix("cjx:")
        for element in tree.iter()
        for value in (element.get("type"), element.get("base"))
        if value
    }
    return sorted(str(n) for n in names if n in used)  # type: ignore[union-attr]


def _content_sequence(tree: etree._ElementTree, type_name: str) -> etree._Element | None:
    declared = f"/xs:schema/xs:complexType[@name='{type_name}']"
    found = tree.xpath(
        f"{declared}/xs:sequence | {declared}/xs:complexContent/xs:extension/xs:sequence",
        namespaces=NS,
    )
    return found[0] if found else None  # type: ignore[index,return-value]


def _element_names_of_type(tree: etree._ElementTree, type_name: str) -> set[str]:
    """Local names declared with ``type_name`` and with no other type anywhere."""
    declared: dict[str, set[str]] = {}
    for element in tree.iter(f"{{{XS}}}element"):
        if element.get("name") and element.get("type"):
            declared.setdefault(element.get("name", ""), set()).add(element.get("type", ""))
    return {n for n, types in declared.items() if types == {f"cjx:{type_name}"}}


def _enum_types(tree: etree._ElementTree) -> list[str]:
    return sorted(
        name
        for name in _named(tree, "simpleType")
        if len(
            tree.xpath(f"/xs:schema/xs:simpleType[@name='{name}']//xs:enumeration", namespaces=NS)
        )
        > 1  # type: ignore[arg-type]
    )


def _xml_fill(names: set[str], build: Callable[[etree._Element], None]) -> Callable[[Any], Any]:
    def adapt(document: etree._Element) -> Any:
        hits = [e for e in document.iter() if etree.QName(e).localname in names]
        for element in hits:
            build(element)
        return document if hits else None

    return adapt


@st.composite
def xsd_mutations(draw: st.DrawFn) -> Mutation:
    old_tree, tree = _xsd_tree(), _xsd_tree()
    kind = draw(
        st.sampled_from(
            [
                "reword",
                "message-type",
                "open",
                "open-then-extend",
                "add-closed",
                "remove",
                "require",
                "enum-add",
                "enum-remove",
                "tighten",
                "pattern",
            ]
        )
    )
    complex_types = [
        n for n in _named(tree, "complexType") if _content_sequence(tree, n) is not None
    ]
    if kind == "reword":
        for documentation in tree.iter(f"{{{XS}}}documentation"):
            documentation.text = "reworded"
        return Mutation(kind, old_tree, tree, None)
    if kind == "message-type":
        enumeration = tree.xpath(
            "//xs:simpleType[@name='MessageTypeType']/xs:restriction", namespaces=NS
        )[0]  # type: ignore[index]
        etree.SubElement(enumeration, f"{{{XS}}}enumeration", value="test.thing-added")
        choice = tree.xpath("//xs:complexType[@name='BodyType']/xs:choice", namespaces=NS)[0]  # type: ignore[index]
        etree.SubElement(choice, f"{{{XS}}}element", name="ThingAdded", type="cjx:CourtCaseType")
        return Mutation(kind, old_tree, tree, "message-type.added")
    if kind in ("enum-add", "enum-remove"):
        name = draw(st.sampled_from(_enum_types(tree)))
        restriction = tree.xpath(f"//xs:simpleType[@name='{name}']/xs:restriction", namespaces=NS)[
            0
        ]  # type: ignore[index]
        catalogue = name == "MessageTypeType"
        if kind == "enum-remove":
            members = restriction.findall(f"{{{XS}}}enumeration")
            restriction.remove(draw(st.sampled_from(members)))
            return Mutation(
                kind, old_tree, tree, "message-type.removed" if catalogue else "enum.member-removed"
            )
        etree.SubElement(restriction, f"{{{XS}}}enumeration", value="ZZ_NEW_MEMBER")
        if catalogue:
            return Mutation(kind, old_tree, tree, "message-type.added")

        def choose(element: etree._Element) -> None:
            element.text = "ZZ_NEW_MEMBER"

        names = _element_names_of_type(tree, name)
        return Mutation(kind, old_tree, tree, "enum.member-added", _xml_fill(names, choose))
    if kind in ("tighten", "pattern"):
        facet_name, value, rule = (
            ("maxLength", "1", "limit.tightened")
            if kind == "tighten"
            else ("pattern", "ZZ", "pattern.changed")
        )
        facets = {
            n: tree.xpath(
                f"//xs:simpleType[@name='{n}']/xs:restriction/xs:{facet_name}", namespaces=NS
            )
            for n in _named(tree, "simpleType")
        }
        name = draw(st.sampled_from(sorted(n for n, found in facets.items() if found)))
        facets[name][0].set("value", value)  # type: ignore[index,union-attr]
        return Mutation(kind, old_tree, tree, rule)
    if kind in ("open", "open-then-extend", "add-closed"):
        # these start from a type without an extension point (a second wildcard would break
        # Unique Particle Attribution; the types first released in 1.1 have one already)
        complex_types = [
            n
            for n in complex_types
            if not tree.xpath(f"/xs:schema/xs:complexType[@name='{n}']//xs:any", namespaces=NS)
        ]
    name = draw(st.sampled_from(complex_types))
    sequence = _content_sequence(tree, name)
    assert sequence is not None
    names = _element_names_of_type(tree, name)
    wildcard = {
        "namespace": "##other",
        "processContents": "lax",
        "minOccurs": "0",
        "maxOccurs": "unbounded",
    }
    if kind == "open":
        etree.SubElement(sequence, f"{{{XS}}}any", wildcard)
        return Mutation(kind, old_tree, tree, "extension-point.added")
    if kind == "open-then-extend":
        old_sequence = _content_sequence(old_tree, name)
        assert old_sequence is not None
        etree.SubElement(old_sequence, f"{{{XS}}}any", wildcard)
        etree.SubElement(sequence, f"{{{XS}}}any", wildcard)
        imported = tree.xpath(f"/xs:schema/xs:import[@namespace='{EXT_NS}']", namespaces=NS)
        if imported:  # the release imports the extension namespace: NEW's document adds one
            imported[0].set("schemaLocation", "ext.xsd")  # type: ignore[index,union-attr]
        else:
            tree.getroot().insert(
                0,
                etree.Element(f"{{{XS}}}import", namespace=EXT_NS, schemaLocation="ext.xsd"),
            )

        def extend(element: etree._Element) -> None:
            etree.SubElement(element, f"{{{EXT_NS}}}Colour").text = "blue"

        return Mutation(kind, old_tree, tree, "field.added-optional", _xml_fill(names, extend))
    if kind == "add-closed":
        etree.SubElement(
            sequence, f"{{{XS}}}element", name="ZzExtra", type="xs:string", minOccurs="0"
        )

        def add(element: etree._Element) -> None:
            etree.SubElement(element, f"{{{CANONICAL_NS}}}ZzExtra").text = "x"

        return Mutation(kind, old_tree, tree, "field.added-closed", _xml_fill(names, add))
    children = [c for c in sequence if c.tag == f"{{{XS}}}element"]
    if kind == "require":
        optional = [c for c in children if c.get("minOccurs") == "0"]
        if not optional:
            return Mutation("none", old_tree, _xsd_tree(), None)
        del draw(st.sampled_from(optional)).attrib["minOccurs"]
        return Mutation(kind, old_tree, tree, "field.made-required")
    sequence.remove(draw(st.sampled_from(children)))
    return Mutation(kind, old_tree, tree, "field.removed")


def _extension_xsd() -> str:
    """NEW's extension namespace document: the release's (if it has one) and one more element."""
    colour = '  <xs:element name="Colour" type="xs:string"/>\n'
    released = RELEASED_IMPORTS.get("cjx-canonical-ext.xsd")
    if released is not None:
        return released.decode().replace("</xs:schema>", colour + "</xs:schema>")
    return (
        f'<xs:schema xmlns:xs="{XS}" targetNamespace="{EXT_NS}" elementFormDefault="qualified">\n'
        f"{colour}</xs:schema>"
    )


EXTENSION_XSD = _extension_xsd()


@settings(max_examples=30)  # each example compiles two XSDs twice (xmlschema and libxml2)
@given(xsd_mutations(), st.lists(envelopes(), min_size=1, max_size=3))
def test_xsd_verdict_never_lies(mutation: Mutation, sample: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (directory / "ext.xsd").write_text(EXTENSION_XSD, encoding="utf-8")
        for name, data in RELEASED_IMPORTS.items():
            (directory / name).write_bytes(data)
        paths = []
        for name, tree in (("old.xsd", mutation.old), ("new.xsd", mutation.new)):
            path = directory / name
            tree.write(str(path), xml_declaration=True, encoding="UTF-8")
            paths.append(path)
        comparison = compare_files(load_schema(paths[0]), load_schema(paths[1]))
        old_schema = etree.XMLSchema(etree.parse(str(paths[0])))
        new_schema = etree.XMLSchema(etree.parse(str(paths[1])))
    compatible = comparison.verdict is Kind.COMPATIBLE

    def judged() -> Iterator[tuple[Any, bool, bool, Any, bool, bool]]:
        for envelope in sample:
            document = etree.fromstring(encode_xml(envelope))
            adapted = mutation.adapt(copy.deepcopy(document)) if mutation.adapt else None
            yield (
                envelope.message_type,
                old_schema.validate(document),
                new_schema.validate(document),
                adapted,
                adapted is not None and old_schema.validate(adapted),
                adapted is not None and new_schema.validate(adapted),
            )

    _check_verdict(mutation, {c.rule for c in comparison.changes}, compatible, judged())
