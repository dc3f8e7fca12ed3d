"""``cjx schema diff``: one crafted pair of schemas per rule, in both schema languages, the CLI's
contract (formats and exit status), and the real canonical schemas.

Each crafted pair is a small schema in the canonical shape (a message-type catalogue and one
body) and a copy with exactly one change; the test asserts the one rule, its kind and its path.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cjx.cli import main
from cjx.schema_versions import RELEASED, released
from cjx.schemadiff import RULES, Kind, SchemaDiffError, diff, load_schema, render_junit
from cjx.schemadiff import compare_files as compare

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "versioning.md"

# -- JSON Schema ----------------------------------------------------------------------------

BASE_JSON: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:cjx:schemas:canonical:1",
    "type": "object",
    "required": ["message_type"],
    "properties": {"message_type": {"enum": ["t.a", "t.c"]}},
    "allOf": [
        {
            "if": {"properties": {"message_type": {"const": "t.a"}}, "required": ["message_type"]},
            "then": {"$ref": "#/$defs/A"},
        },
        {
            "if": {"properties": {"message_type": {"const": "t.c"}}, "required": ["message_type"]},
            "then": {"$ref": "#/$defs/C"},
        },
    ],
    "$defs": {
        "A": {
            "type": "object",
            "additionalProperties": False,
            "required": ["message_type", "id", "kind"],
            "properties": {
                "message_type": {"const": "t.a"},
                "id": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "kind": {"$ref": "#/$defs/Kind"},
                "note": {"type": "string", "maxLength": 10, "description": "free text"},
                "count": {"type": "integer", "minimum": 0},
                "amount": {"type": "number"},
                "day": {"type": "string", "format": "date"},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "open": {"$ref": "#/$defs/Open"},
            },
        },
        "C": {"type": "object", "properties": {"message_type": {"const": "t.c"}}},
        "Kind": {"type": "string", "enum": ["X", "Y"]},
        "Open": {"type": "object", "properties": {"a": {"type": "string"}}},
    },
}

A = ("$defs", "A")
P = ("$defs", "A", "properties")


def _at(doc: dict[str, Any], *keys: str | int) -> Any:
    for key in keys:
        doc = doc[key]  # type: ignore[index]
    return doc


def _set(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        _at(doc, *keys[:-1])[keys[-1]] = value

    return mutate


def _delete(*keys: str | int) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        del _at(doc, *keys[:-1])[keys[-1]]

    return mutate


def _append(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        _at(doc, *keys).append(value)

    return mutate


def _add_message_type(doc: dict[str, Any]) -> None:
    doc["properties"]["message_type"]["enum"].append("t.b")
    doc["allOf"].append(
        {
            "if": {"properties": {"message_type": {"const": "t.b"}}, "required": ["message_type"]},
            "then": {"type": "object", "properties": {"message_type": {"const": "t.b"}}},
        }
    )


def _remove_message_type(doc: dict[str, Any]) -> None:
    doc["properties"]["message_type"]["enum"].remove("t.c")
    del doc["allOf"][1]


def _add_required(doc: dict[str, Any]) -> None:
    _at(doc, *P)["extra"] = {"type": "string"}
    _at(doc, *A)["required"].append("extra")


def _make_required(doc: dict[str, Any]) -> None:
    _at(doc, *A)["required"].append("note")


JSON_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("message-type.added", _add_message_type, "/allOf/2"),
    ("message-type.removed", _remove_message_type, "/allOf/1"),
    (
        "field.added-optional",
        _set("$defs", "Open", "properties", "b", value={"type": "string"}),
        "/$defs/Open/properties/b",
    ),
    (
        "field.added-closed",
        _set(*P, "extra", value={"type": "string"}),
        "/$defs/A/properties/extra",
    ),
    ("field.added-required", _add_required, "/$defs/A/properties/extra"),
    ("field.removed", _delete(*P, "note"), "/$defs/A/properties/note"),
    ("field.made-required", _make_required, "/$defs/A/properties/note"),
    (
        "field.made-optional",
        _set(*A, "required", value=["message_type", "id"]),
        "/$defs/A/properties/kind",
    ),
    ("extension-point.added", _delete(*A, "additionalProperties"), "/$defs/A/additionalProperties"),
    (
        "extension-point.removed",
        _set("$defs", "Open", "additionalProperties", value=False),
        "/$defs/Open/additionalProperties",
    ),
    (
        "extension-point.changed",
        _set("$defs", "Open", "additionalProperties", value={"type": "string"}),
        "/$defs/Open/additionalProperties",
    ),
    ("type.changed", _set(*P, "note", "type", value="boolean"), "/$defs/A/properties/note/type"),
    (
        "type.narrowed",
        _set(*P, "amount", "type", value="integer"),
        "/$defs/A/properties/amount/type",
    ),
    ("type.widened", _set(*P, "count", "type", value="number"), "/$defs/A/properties/count/type"),
    ("enum.member-removed", _set("$defs", "Kind", "enum", value=["X"]), "/$defs/Kind/enum"),
    ("enum.member-added", _append("$defs", "Kind", "enum", value="Z"), "/$defs/Kind/enum"),
    ("enum.introduced", _set(*P, "note", "enum", value=["a"]), "/$defs/A/properties/note/enum"),
    ("enum.lifted", _delete("$defs", "Kind", "enum"), "/$defs/Kind/enum"),
    (
        "pattern.changed",
        _set(*P, "id", "pattern", value="^[A-Z]{4}$"),
        "/$defs/A/properties/id/pattern",
    ),
    ("pattern.added", _set(*P, "note", "pattern", value="^a"), "/$defs/A/properties/note/pattern"),
    ("pattern.removed", _delete(*P, "id", "pattern"), "/$defs/A/properties/id/pattern"),
    (
        "format.changed",
        _set(*P, "day", "format", value="date-time"),
        "/$defs/A/properties/day/format",
    ),
    (
        "limit.tightened",
        _set(*P, "note", "maxLength", value=5),
        "/$defs/A/properties/note/maxLength",
    ),
    (
        "limit.loosened",
        _set(*P, "note", "maxLength", value=20),
        "/$defs/A/properties/note/maxLength",
    ),
    (
        "limit.changed",
        _set(*P, "count", "multipleOf", value=2),
        "/$defs/A/properties/count/multipleOf",
    ),
    (
        "choice.option-added",
        _append(*P, "either", "anyOf", value={"type": "boolean"}),
        "/$defs/A/properties/either/anyOf/2",
    ),
    (
        "choice.option-removed",
        _set(*P, "either", "anyOf", value=[{"type": "string"}]),
        "/$defs/A/properties/either/anyOf/1",
    ),
    (
        "default.changed",
        _set(*P, "tags", "default", value=["x"]),
        "/$defs/A/properties/tags/default",
    ),
    ("namespace.changed", _set("$id", value="urn:cjx:schemas:canonical:2"), "/$id"),
    (
        "keyword.changed",
        _set(*P, "tags", "contains", value={"const": "x"}),
        "/$defs/A/properties/tags/contains",
    ),
]


def _write_json(directory: Path, name: str, doc: dict[str, Any]) -> Path:
    path = directory / name
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize(("rule", "mutate", "path"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_json_schema_rule(
    tmp_path: Path, rule: str, mutate: Callable[[dict[str, Any]], None], path: str
) -> None:
    new = copy.deepcopy(BASE_JSON)
    mutate(new)
    old_file = load_schema(_write_json(tmp_path, "old.schema.json", BASE_JSON))
    new_file = load_schema(_write_json(tmp_path, "new.schema.json", new))
    changes = compare(old_file, new_file).changes
    assert [(c.rule, c.path) for c in changes] == [(rule, path)], changes
    assert changes[0].kind is RULES[rule][0]
    assert changes[0].message


def test_json_annotations_are_not_changes(tmp_path: Path) -> None:
    new = copy.deepcopy(BASE_JSON)
    _at(new, *P, "note")["description"] = "other words"
    _at(new, "$defs", "Kind")["title"] = "Kind of thing"
    old_file = load_schema(_write_json(tmp_path, "old.json", BASE_JSON))
    assert compare(old_file, load_schema(_write_json(tmp_path, "new.json", new))).changes == ()


def test_json_change_inside_a_condition_is_breaking(tmp_path: Path) -> None:
    old = copy.deepcopy(BASE_JSON)
    _at(old, *A)["if"] = {"properties": {"note": {"const": "a"}}}
    _at(old, *A)["then"] = {"required": ["count"]}
    new = copy.deepcopy(old)
    _at(new, *A, "if", "properties")["count"] = {"minimum": 1}  # an "optional field" in an if
    changes = compare(
        load_schema(_write_json(tmp_path, "old.json", old)),
        load_schema(_write_json(tmp_path, "new.json", new)),
    ).changes
    assert [c.rule for c in changes] == ["keyword.changed"]
    assert changes[0].kind is Kind.BREAKING


def test_json_shared_definition_is_reported_once(tmp_path: Path) -> None:
    old = copy.deepcopy(BASE_JSON)
    _at(old, *P)["other_kind"] = {"$ref": "#/$defs/Kind"}
    new = copy.deepcopy(old)
    _at(new, "$defs", "Kind")["enum"] = ["X"]
    changes = compare(
        load_schema(_write_json(tmp_path, "old.json", old)),
        load_schema(_write_json(tmp_path, "new.json", new)),
    ).changes
    assert [(c.rule, c.path) for c in changes] == [("enum.member-removed", "/$defs/Kind/enum")]
    assert "t.a /kind" in changes[0].message  # the first message path that reaches it


def test_json_external_ref_cannot_be_compared(tmp_path: Path) -> None:
    new = copy.deepcopy(BASE_JSON)
    _at(new, *P)["note"] = {"$ref": "https://example.invalid/other.json"}
    with pytest.raises(SchemaDiffError, match="points outside the schema"):
        compare(
            load_schema(_write_json(tmp_path, "old.json", BASE_JSON)),
            load_schema(_write_json(tmp_path, "new.json", new)),
        )


# -- XSD ------------------------------------------------------------------------------------

BASE_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:cjx:canonical:1"
           targetNamespace="urn:cjx:canonical:1" elementFormDefault="qualified">
  <xs:element name="Envelope" type="t:EnvelopeType"/>
  <xs:complexType name="EnvelopeType">
    <xs:sequence>
      <xs:element name="MessageType" type="t:MessageTypeType"/>
      <xs:element name="Body" type="t:BodyType"/>
    </xs:sequence>
  </xs:complexType>
  <xs:simpleType name="MessageTypeType">
    <xs:restriction base="xs:string"><xs:enumeration value="t.a"/></xs:restriction>
  </xs:simpleType>
  <xs:complexType name="BodyType">
    <xs:choice><xs:element name="A" type="t:AType"/></xs:choice>
  </xs:complexType>
  <xs:complexType name="AType">
    <xs:sequence>
      <xs:element name="Id" type="t:IdType"/>
      <xs:element name="Kind" type="t:KindType"/>
      <xs:element name="Note" type="t:NoteType" minOccurs="0"/>
      <xs:element name="Count" type="xs:int" minOccurs="0"/>
      <xs:element name="Item" type="xs:string" minOccurs="0" maxOccurs="3"/>
      <xs:choice minOccurs="0">
        <xs:element name="P" type="xs:string"/>
        <xs:element name="Q" type="xs:string"/>
      </xs:choice>
      <xs:element name="Open" type="t:OpenType" minOccurs="0"/>
      <xs:element name="Either" type="t:EitherType" minOccurs="0"/>
      <xs:element name="Flag" type="xs:boolean" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute name="lang" type="xs:string"/>
  </xs:complexType>
  <xs:complexType name="OpenType">
    <xs:sequence>
      <xs:element name="Value" type="xs:string"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>
  <xs:simpleType name="IdType">
    <xs:restriction base="xs:string"><xs:pattern value="[A-Z]{3}"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="KindType">
    <xs:restriction base="xs:string">
      <xs:enumeration value="X"/>
      <xs:enumeration value="Y"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="NoteType">
    <xs:restriction base="xs:string"><xs:maxLength value="10"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="EitherType"><xs:union memberTypes="xs:int xs:date"/></xs:simpleType>
</xs:schema>
"""

EXTENSION_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:cjx:canonical:1:ext"
           elementFormDefault="qualified">
  <xs:element name="Colour" type="xs:string"/>
</xs:schema>
"""
IMPORT = (
    '<xs:import namespace="urn:cjx:canonical:1:ext" schemaLocation="ext.xsd"/>\n'
    '  <xs:element name="Envelope"'
)

NOTE = '<xs:element name="Note" type="t:NoteType" minOccurs="0"/>'
COUNT = '<xs:element name="Count" type="xs:int" minOccurs="0"/>'
ITEM = '<xs:element name="Item" type="xs:string" minOccurs="0" maxOccurs="3"/>'
KIND_Y = '<xs:enumeration value="Y"/>'
CHOICE_Q = '<xs:element name="Q" type="xs:string"/>'
WILDCARD = '<xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>'
BODY_A = '<xs:element name="A" type="t:AType"/>'
BODY_CHOICE = "<xs:choice>" + BODY_A + "</xs:choice>"
ENVELOPE = '<xs:element name="Envelope" type="t:EnvelopeType"/>'
KIND = '<xs:element name="Kind" type="t:KindType"/>'
FLAG = '<xs:element name="Flag" type="xs:boolean" minOccurs="0"/>'
MAX_10 = '<xs:maxLength value="10"/>'
UNION = 'memberTypes="xs:int xs:date"'

NEW_TYPE = [
    ('<xs:enumeration value="t.a"/>', '<xs:enumeration value="t.a"/><xs:enumeration value="t.b"/>'),
    (BODY_A, BODY_A + '<xs:element name="B" type="t:AType"/>'),
]
OTHER_ROOT = [(ENVELOPE, ENVELOPE + '<xs:element name="Other" type="xs:string"/>')]

#: (rule, edits turning BASE_XSD into NEW, path, whether OLD and NEW swap places)
XSD_CASES: list[tuple[str, list[tuple[str, str]], str, bool]] = [
    ("message-type.added", NEW_TYPE, "/Envelope/MessageType", False),
    ("message-type.removed", NEW_TYPE, "/Envelope/Body/B", True),
    (
        "field.added-closed",
        [(NOTE, NOTE + '<xs:element name="Extra" type="xs:string" minOccurs="0"/>')],
        "/Envelope/Body/A/Extra",
        False,
    ),
    (
        "field.added-required",
        [(NOTE, NOTE + '<xs:element name="Extra" type="xs:string"/>')],
        "/Envelope/Body/A/Extra",
        False,
    ),
    ("field.removed", [(NOTE, "")], "/Envelope/Body/A/Note", False),
    (
        "field.made-required",
        [(NOTE, '<xs:element name="Note" type="t:NoteType"/>')],
        "/Envelope/Body/A/Note",
        False,
    ),
    (
        "field.made-optional",
        [(KIND, KIND.replace("/>", ' minOccurs="0"/>'))],
        "/Envelope/Body/A/Kind",
        False,
    ),
    ("extension-point.added", [(FLAG, FLAG + WILDCARD)], "/Envelope/Body/A/xs:any", False),
    ("extension-point.removed", [(WILDCARD, "")], "/Envelope/Body/A/Open/xs:any", False),
    (
        "extension-point.changed",
        [(WILDCARD, WILDCARD.replace("lax", "strict"))],
        "/Envelope/Body/A/Open/xs:any",
        False,
    ),
    (
        "type.changed",
        [(COUNT, COUNT.replace("xs:int", "xs:date"))],
        "/Envelope/Body/A/Count",
        False,
    ),
    (
        "type.narrowed",
        [(COUNT, COUNT.replace("xs:int", "xs:short"))],
        "/Envelope/Body/A/Count",
        False,
    ),
    (
        "type.widened",
        [(COUNT, COUNT.replace("xs:int", "xs:long"))],
        "/Envelope/Body/A/Count",
        False,
    ),
    ("enum.member-removed", [(KIND_Y, "")], "/Envelope/Body/A/Kind", False),
    (
        "enum.member-added",
        [(KIND_Y, KIND_Y + '<xs:enumeration value="Z"/>')],
        "/Envelope/Body/A/Kind",
        False,
    ),
    (
        "enum.introduced",
        [(MAX_10, MAX_10 + '<xs:enumeration value="n"/>')],
        "/Envelope/Body/A/Note",
        False,
    ),
    (
        "enum.lifted",
        [('<xs:enumeration value="X"/>', ""), (KIND_Y, "")],
        "/Envelope/Body/A/Kind",
        False,
    ),
    ("pattern.changed", [("[A-Z]{3}", "[A-Z]{4}")], "/Envelope/Body/A/Id", False),
    (
        "pattern.added",
        [(MAX_10, MAX_10 + '<xs:pattern value="[a-z]*"/>')],
        "/Envelope/Body/A/Note",
        False,
    ),
    ("pattern.removed", [('<xs:pattern value="[A-Z]{3}"/>', "")], "/Envelope/Body/A/Id", False),
    ("limit.tightened", [(MAX_10, MAX_10.replace("10", "5"))], "/Envelope/Body/A/Note", False),
    ("limit.loosened", [(ITEM, ITEM.replace('"3"', '"4"'))], "/Envelope/Body/A/Item", False),
    (
        "choice.option-added",
        [(CHOICE_Q, CHOICE_Q + '<xs:element name="R" type="xs:string"/>')],
        "/Envelope/Body/A/R",
        False,
    ),
    ("choice.option-removed", [(CHOICE_Q, "")], "/Envelope/Body/A/Q", False),
    (
        "union.member-added",
        [(UNION, UNION.replace("xs:date", "xs:date xs:time"))],
        "/Envelope/Body/A/Either",
        False,
    ),
    (
        "union.member-removed",
        [(UNION, UNION.replace(" xs:date", ""))],
        "/Envelope/Body/A/Either",
        False,
    ),
    ("order.changed", [(NOTE, ""), (COUNT, COUNT + NOTE)], "/Envelope/Body/A", False),
    (
        "content.changed",
        [(BODY_CHOICE, BODY_CHOICE.replace("choice", "sequence"))],
        "/Envelope/Body",
        False,
    ),
    (
        "default.changed",
        [(COUNT, COUNT.replace("/>", ' default="1"/>'))],
        "/Envelope/Body/A/Count",
        False,
    ),
    (
        "fixed.changed",
        [(COUNT, COUNT.replace("/>", ' fixed="1"/>'))],
        "/Envelope/Body/A/Count",
        False,
    ),
    (
        "nillable.changed",
        [(COUNT, COUNT.replace("/>", ' nillable="true"/>'))],
        "/Envelope/Body/A/Count",
        False,
    ),
    ("root.added", OTHER_ROOT, "/Other", False),
    ("root.removed", OTHER_ROOT, "/Other", True),
    (
        "namespace.changed",
        [('"urn:cjx:canonical:1"', '"urn:cjx:canonical:2"')] * 2,
        "/",
        False,
    ),
    (
        "keyword.changed",
        [(MAX_10, MAX_10 + '<xs:whiteSpace value="collapse"/>')],
        "/Envelope/Body/A/Note",
        False,
    ),
]


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _edited(text: str, edits: list[tuple[str, str]]) -> str:
    for before, after in edits:
        assert before in text, before
        text = text.replace(before, after, 1)
    return text


@pytest.mark.parametrize(
    ("rule", "edits", "path", "swap"), XSD_CASES, ids=[c[0] for c in XSD_CASES]
)
def test_xsd_rule(
    tmp_path: Path, rule: str, edits: list[tuple[str, str]], path: str, swap: bool
) -> None:
    old_text, new_text = BASE_XSD, _edited(BASE_XSD, edits)
    if swap:
        old_text, new_text = new_text, old_text
    old_file = load_schema(_write(tmp_path, "old.xsd", old_text))
    new_file = load_schema(_write(tmp_path, "new.xsd", new_text))
    changes = compare(old_file, new_file).changes
    assert (rule, path) in {(c.rule, c.path) for c in changes}, changes
    assert {c.rule for c in changes} == {rule}, changes  # nothing else is reported
    assert all(c.kind is RULES[rule][0] and c.message for c in changes)


def test_xsd_extension_element_at_a_lax_wildcard_is_compatible(tmp_path: Path) -> None:
    """The v1.1+ design: a later minor declares its optional element in an extension namespace;
    OLD's lax wildcard admits it, so it is field.added-optional; without that wildcard it is
    field.added-closed."""
    _write(tmp_path, "ext.xsd", EXTENSION_XSD)
    old = load_schema(_write(tmp_path, "old.xsd", BASE_XSD))
    new_text = BASE_XSD.replace('  <xs:element name="Envelope"', "  " + IMPORT, 1)
    new = load_schema(_write(tmp_path, "new.xsd", new_text))
    changes = compare(old, new).changes
    assert [(c.rule, c.kind) for c in changes] == [("field.added-optional", Kind.COMPATIBLE)]
    assert changes[0].path == "/{urn:cjx:canonical:1:ext}Colour"

    closed = load_schema(_write(tmp_path, "closed.xsd", BASE_XSD.replace(WILDCARD, "")))
    closed_new = load_schema(_write(tmp_path, "closed-new.xsd", new_text.replace(WILDCARD, "")))
    assert [c.rule for c in compare(closed, closed_new).changes] == ["field.added-closed"]


def test_xsd_extension_and_derivation_are_flattened(tmp_path: Path) -> None:
    """A type derived by extension has the same content as one sequence of both parts."""
    derived = BASE_XSD.replace(
        '<xs:complexType name="OpenType">\n    <xs:sequence>\n      <xs:element name="Value" '
        'type="xs:string"/>',
        '<xs:complexType name="BaseType"><xs:sequence><xs:element name="Value" type="xs:string"/>'
        '</xs:sequence></xs:complexType>\n  <xs:complexType name="OpenType">\n    '
        '<xs:complexContent><xs:extension base="t:BaseType">\n    <xs:sequence>',
    ).replace(
        WILDCARD + "\n    </xs:sequence>\n  </xs:complexType>",
        WILDCARD + "\n    </xs:sequence></xs:extension></xs:complexContent>\n  </xs:complexType>",
    )
    assert derived != BASE_XSD
    old = load_schema(_write(tmp_path, "old.xsd", BASE_XSD))
    new = load_schema(_write(tmp_path, "new.xsd", derived))
    assert compare(old, new).changes == ()


# -- every rule is documented and exercised -------------------------------------------------


def test_every_rule_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for rule, (kind, _) in RULES.items():
        assert f"| `{rule}` | {kind.value} |" in text, rule


def test_every_rule_has_a_crafted_pair() -> None:
    covered = {case[0] for case in JSON_CASES} | {case[0] for case in XSD_CASES}
    assert covered == set(RULES)


# -- released versions and files --------------------------------------------------------------


def test_released_versions_point_at_shipped_files() -> None:
    assert "1.0" in RELEASED
    for version in RELEASED.values():
        assert version.json_schema_path().is_file()
        assert version.xsd_path().is_file()
    assert released("1.0").major == 1


def test_a_version_against_itself_is_compatible() -> None:
    comparisons = diff("1.0", "1.0")
    assert [c.schema for c in comparisons] == ["json-schema", "xsd"]
    assert all(c.changes == () for c in comparisons)


def _canonical_copy(tmp_path: Path, name: str) -> Path:
    source = (
        released("1.0").xsd_path() if name.endswith(".xsd") else released("1.0").json_schema_path()
    )
    target = tmp_path / name
    shutil.copyfile(source, target)
    return target


def test_breaking_copy_of_the_canonical_json_schema_exits_1_with_path_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _canonical_copy(tmp_path, "cjx-canonical.schema.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["$defs"]["Defendant"]["properties"]["pnc_id"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["schema", "diff", "--format", "json", "1.0", str(path)]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] == "breaking"
    assert {
        "kind": "breaking",
        "path": "/$defs/Defendant/properties/pnc_id",
        "rule": "field.removed",
    }.items() <= body["changes"][0].items()
    assert "court.case-resulted /body/defendant/pnc_id" in body["changes"][0]["message"]


def test_breaking_copy_of_the_canonical_xsd_exits_1_with_path_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _canonical_copy(tmp_path, "cjx-canonical.xsd")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('<xs:enumeration value="CONDITIONAL_BAIL"/>', "", 1), encoding="utf-8"
    )
    assert main(["schema", "diff", "1.0", str(path)]) == 1
    out = capsys.readouterr().out
    assert "enum.member-removed" in out
    assert "/Envelope/Body/CaseResulted/Defendant/BailStatus" in out
    assert "'CONDITIONAL_BAIL' removed" in out
    assert out.rstrip().endswith("verdict: breaking")


def test_compatible_copy_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _canonical_copy(tmp_path, "cjx-canonical.xsd")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            '<xs:enumeration value="probation.registration-added"/>',
            '<xs:enumeration value="probation.registration-added"/>'
            '<xs:enumeration value="probation.something-new"/>',
        ),
        encoding="utf-8",
    )
    assert main(["schema", "diff", "--format", "junit", "1.0", str(path)]) == 0
    junit = etree.fromstring(capsys.readouterr().out.encode())
    assert junit.get("failures") == "0"
    assert junit.get("tests") == "1"


def test_against_released_compares_every_released_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema", "diff", "--against-released", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] == "compatible"
    assert {c["schema"] for c in body["compared"]} == {"json-schema", "xsd"}
    assert len(body["compared"]) == 2 * len(RELEASED)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["1.0"], "takes OLD and NEW"),
        (["1.0", "9.9"], "not released"),
        (["1.0", "missing.json"], "no such file"),
        (["XSD", "JSON"], "compare two JSON Schemas or two XSDs"),
        (["1.0", "NOTSCHEMA"], "neither a JSON Schema nor an XSD"),
        (["1.0", "BADJSON"], "not valid JSON"),
        (["1.0", "BADXSD"], "not a usable XSD"),
    ],
)
def test_could_not_run_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    files = {
        "XSD": str(_canonical_copy(tmp_path, "a.xsd")),
        "JSON": str(_canonical_copy(tmp_path, "b.schema.json")),
        "NOTSCHEMA": str(_write(tmp_path, "c.txt", "hello")),
        "BADJSON": str(_write(tmp_path, "d.json", "{not json")),
        "BADXSD": str(_write(tmp_path, "e.xsd", "<xs:schema/>")),
        "missing.json": str(tmp_path / "missing.json"),
    }
    assert main(["schema", "diff", *[files.get(a, a) for a in arguments]]) == 2
    assert message in capsys.readouterr().err


def test_junit_marks_breaking_changes_as_failures(tmp_path: Path) -> None:
    new = copy.deepcopy(BASE_JSON)
    _add_message_type(new)
    _at(new, "$defs", "Kind")["enum"] = ["X"]
    comparison = compare(
        load_schema(_write_json(tmp_path, "old.json", BASE_JSON)),
        load_schema(_write_json(tmp_path, "new.json", new)),
    )
    suite = etree.fromstring(render_junit([comparison]).encode())
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "enum.member-removed"
