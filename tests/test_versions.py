"""Released versions side by side (docs/versioning.md): each message is checked against the
version it claims, v1.0 readers accept what the current writer sends in the v1.0 types, and
the current reader reads what v1.0 writers sent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from tests.strategies import BODIES, envelopes

from cjx import schema_export
from cjx.adapter import CanonicalJson, CanonicalXml, get_adapter
from cjx.codec import CANONICAL_NS, decode_json, decode_xml, encode_json, encode_xml
from cjx.codec._canonical import _BODY_BY_ELEMENT, _field_models, _tag_index
from cjx.errors import Severity, ValidationFailed
from cjx.model import (
    BODY_TYPES,
    EXTENSION_NS,
    Envelope,
    SubjectId,
    extension_fields,
    extension_types,
    first_release,
)
from cjx.model._versions import _first_releases
from cjx.schema_versions import DIGESTS, RELEASED, altered_releases, released
from cjx.validation import (
    json_schema_issues,
    json_validator,
    lxml_schema,
    validate_canonical_json,
    validate_canonical_xml,
    xmlschema_issues,
    xmlschema_schema,
    xsd_issues,
)

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests/fixtures/canonical"
V10 = released("1.0")
#: The message types v1.0 has, read from its frozen JSON Schema (not from the model).
V10_TYPES: frozenset[str] = frozenset(
    json.loads(V10.json_schema_path().read_text(encoding="utf-8"))["properties"]["message_type"][
        "enum"
    ]
)
#: v1.0 messages as v1.0 writers wrote them: the fixtures of commit 554319c, unchanged since.
V10_FIXTURES = sorted(
    p
    for p in FIXTURES.glob("*.*")
    if p.suffix in (".xml", ".json")
    and json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))["message_type"] in V10_TYPES
)


def test_released_versions_are_kept_apart_from_the_working_schemas() -> None:
    assert list(RELEASED) == ["1.0", "1.1", "1.2"]
    assert V10.xsd == "canonical/1.0/cjx-canonical.xsd"
    assert released("1.1").json_schema == "canonical/1.1/cjx-canonical.schema.json"
    # from 1.2 the XSD imports the extension namespace's schema document from its folder
    assert V10.files == (V10.json_schema, V10.xsd)
    assert released("1.2").files == (
        "canonical/1.2/cjx-canonical.schema.json",
        "canonical/1.2/cjx-canonical.xsd",
        "canonical/1.2/cjx-canonical-ext.xsd",
    )
    assert len(V10_TYPES) == 7
    assert set(BODY_TYPES) > V10_TYPES
    assert {t for t, cls in BODY_TYPES.items() if cls.schema_version == "1.0"} == V10_TYPES


def test_released_1_0_is_what_shipped() -> None:
    """The frozen 1.0 pair is byte for byte the schemas of the last commit before 1.1."""
    for relative in (V10.xsd, V10.json_schema):
        shipped = subprocess.run(
            ["git", "show", f"554319c:schemas/canonical/v1/{Path(relative).name}"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if shipped.returncode != 0:
            pytest.skip("no git history here (a source distribution)")
        assert (ROOT / "schemas" / relative).read_bytes() == shipped.stdout


def test_v10_fixtures_are_v10_messages() -> None:
    assert len(V10_FIXTURES) == 16  # eight messages, each as XML and as JSON
    for path in V10_FIXTURES:
        text = path.read_text(encoding="utf-8")
        assert ("<SchemaVersion>1.0</SchemaVersion>" in text) or ('"schema_version": "1.0"' in text)


# --- each message against the version it claims ----------------------------------------------


def _xml(name: str, version: str) -> bytes:
    data = (FIXTURES / name).read_bytes()
    new = f"<SchemaVersion>{version}</SchemaVersion>".encode()
    replaced, count = re.subn(rb"<SchemaVersion>1\.[0-9]+</SchemaVersion>", new, data, count=1)
    assert count == 1
    return replaced


def _json(name: str, version: str) -> bytes:
    obj = json.loads((FIXTURES / name).read_bytes())
    obj["schema_version"] = version
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    "version", ["2.0", "0.9", "1.x", "one", pytest.param("1." + "9" * 5000, id="5000-digits")]
)
def test_a_version_cjx_does_not_have_is_reported_with_path_and_expected(version: str) -> None:
    xml = validate_canonical_xml(_xml("prisoner-received.xml", version))
    js = validate_canonical_json(_json("prisoner-received.json", version))
    for report, path in ((xml, "/Envelope/SchemaVersion"), (js, "/schema_version")):
        assert not report.ok
        (issue,) = report.issues  # nothing else: there is nothing to check the message with
        assert issue.code == "schema.version-unknown"
        assert issue.severity is Severity.ERROR
        assert issue.path == path
        assert "expected one of 1.0, 1.1, 1.2" in issue.message
        if version == "one":
            assert "one" not in issue.message.replace("one of", "")  # input is not echoed
        assert len(issue.message) < 200  # a long claim is not shown


def test_a_later_minor_is_read_as_the_newest_reads_it_and_said_so() -> None:
    """1.7 (a later minor of major 1): a warning naming the versions cjx has; still valid."""
    for report, path in (
        (validate_canonical_xml(_xml("prisoner-received.xml", "1.7")), "/Envelope/SchemaVersion"),
        (validate_canonical_json(_json("prisoner-received.json", "1.7")), "/schema_version"),
    ):
        assert report.ok
        (issue,) = report.issues
        assert (issue.code, issue.severity, issue.path) == (
            "schema.version-unknown",
            Severity.WARNING,
            path,
        )
        assert "expected one of 1.0, 1.1, 1.2" in issue.message


def test_a_message_is_held_to_the_version_it_claims() -> None:
    """A v1.1 message type that claims 1.0 fails the 1.0 schema, which does not have it."""
    xml = validate_canonical_xml(_xml("licence-record.xml", "1.0"))
    js = validate_canonical_json(_json("licence-record.json", "1.0"))
    assert not xml.ok
    assert not js.ok
    assert any(i.path == "/Envelope/MessageType" for i in xml.errors), xml.issues
    assert any(i.path == "/message_type" for i in js.errors), js.issues
    # the same message claiming 1.1 is valid
    assert validate_canonical_xml(_xml("licence-record.xml", "1.1")).ok
    assert validate_canonical_json(_json("licence-record.json", "1.1")).ok


def test_a_reader_pinned_to_1_0_rejects_the_types_1_0_does_not_have() -> None:
    """Pinned to 1.0, a v1.1 type fails (dead-lettered by a service), a v1.0 type passes."""
    for reader, suffix in (
        (CanonicalXml(version="1.0"), "xml"),
        (CanonicalJson(version="1.0"), "json"),
    ):
        ok = reader.translate((FIXTURES / f"prisoner-received.{suffix}").read_bytes())
        assert ok.report.ok
        with pytest.raises(ValidationFailed) as caught:
            reader.translate((FIXTURES / f"licence-record.{suffix}").read_bytes())
        assert caught.value.report.errors


def test_cli_validate_reports_the_unknown_version(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_bytes(_json("person-merged.json", "3.1"))
    done = subprocess.run(
        [sys.executable, "-m", "cjx", "validate", "--format", "json", str(bad)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    out = done.stdout.decode()
    assert '"code": "schema.version-unknown"' in out
    assert '"path": "/schema_version"' in out


# --- across versions --------------------------------------------------------------------------

v10_envelopes = envelopes(st.one_of(*(BODIES[t] for t in sorted(V10_TYPES))))


@settings(max_examples=150, deadline=None)
@given(v10_envelopes)
def test_the_current_writer_sends_v10_readers_what_they_accept(envelope: Envelope[Any]) -> None:
    """Every v1.0 message type, as the 1.1 writer writes it, is valid under the frozen 1.0
    XSD and JSON Schema (the v1.0 types are closed for major 1)."""
    assert envelope.schema_version == "1.0"
    xml = encode_xml(envelope)
    assert xsd_issues(lxml_schema(V10.xsd), etree.fromstring(xml)) == []
    js = encode_json(envelope)
    assert json_schema_issues(json_validator(V10.json_schema), json.loads(js)) == []


@pytest.mark.parametrize("path", V10_FIXTURES, ids=lambda p: p.name)
def test_v10_messages_are_read_by_the_current_reader(path: Path) -> None:
    """What v1.0 writers sent is valid for the 1.1 reader and decodes to the same message in
    both forms."""
    data = path.read_bytes()
    reader = get_adapter("canonical-xml" if path.suffix == ".xml" else "canonical-json")
    (envelope,) = reader.translate(data).envelopes
    assert envelope.schema_version == "1.0"
    twin = path.with_suffix(".json" if path.suffix == ".xml" else ".xml").read_bytes()
    other = decode_json(twin) if path.suffix == ".xml" else decode_xml(twin)
    assert envelope == other
    # and the 1.1 writer writes it back byte for byte as the 1.0 writer did
    written = encode_xml(envelope) if path.suffix == ".xml" else encode_json(envelope)
    assert written.rstrip(b"\n") == data.rstrip(b"\n")  # the files end with a line feed


# --- extension points (docs/versioning.md, section 2) ---------------------------------------

XS = "{http://www.w3.org/2001/XMLSchema}"
WORKING_XSD = ROOT / "schemas/canonical/v1/cjx-canonical.xsd"
WORKING_JSON = ROOT / "schemas/canonical/v1/cjx-canonical.schema.json"
V11 = released("1.1")
V12 = released("1.2")
#: the message types 1.1 introduced (custody.prisoner-record says 1.2 since 1.2 added to it)
V11_TYPES = sorted(t for t, cls in BODY_TYPES.items() if first_release(cls) == "1.1")


#: every model type a message reaches (the envelope's and the bodies'), by name
REACHED = {cls.__name__: cls for cls in _first_releases()}


def _wildcards(xsd: Path) -> dict[str, list[etree._Element]]:
    root = etree.parse(str(xsd)).getroot()
    out: dict[str, list[etree._Element]] = {}
    for node in root.iter(XS + "any", XS + "anyAttribute"):
        owner = next(a for a in node.iterancestors(XS + "complexType"))
        out.setdefault(owner.get("name", ""), []).append(node)
    return out


def test_extension_points_are_the_types_first_released_after_1_0() -> None:
    """Lockstep: exactly the model types first released in 1.1 have an extension point, in
    the XSD (a lax wildcard for the extension namespace, last in the content) and in the JSON
    Schema (an open object); the v1.0 types, and every type the envelope holds, are closed."""
    assert extension_types()
    assert all(first_release(cls) == "1.1" for cls in extension_types())
    assert SubjectId not in extension_types()  # the envelope's, so 1.0
    wildcards = _wildcards(WORKING_XSD)
    assert set(wildcards) == {f"{cls.__name__}Type" for cls in extension_types()}
    root = etree.parse(str(WORKING_XSD)).getroot()
    for cls in extension_types():
        (wildcard,) = wildcards[f"{cls.__name__}Type"]
        assert wildcard.tag == XS + "any"
        assert wildcard.attrib == {
            "namespace": EXTENSION_NS,
            "processContents": "lax",
            "minOccurs": "0",
            "maxOccurs": "unbounded",
        }
        # last in the type's top-level sequence
        (complex_type,) = root.findall(f"{XS}complexType[@name='{cls.__name__}Type']")
        sequence = complex_type.find(XS + "sequence")
        assert sequence is not None
        last = [c for c in sequence if isinstance(c.tag, str)][-1]
        assert (last.tag, last.sourceline) == (wildcard.tag, wildcard.sourceline)
    defs = json.loads(WORKING_JSON.read_text(encoding="utf-8"))["$defs"]
    for name, schema in defs.items():
        if schema.get("type") != "object" or name.startswith("Envelope"):
            continue
        cls = REACHED.get(name)
        assert cls is not None, name
        opened = "additionalProperties" not in schema
        assert opened == (cls in extension_types()), name
    # the released 1.0 schemas are closed everywhere; 1.1 has the same points as the working
    assert _wildcards(V10.xsd_path()) == {}
    assert set(_wildcards(V11.xsd_path())) == set(wildcards)
    assert set(_wildcards(V12.xsd_path())) == set(wildcards)


def _open_elements(element: etree._Element, cls: type[Any]) -> list[etree._Element]:
    """The elements of ``element`` (of model type ``cls``) that are extension points."""
    found = [element] if cls in extension_types() else []
    index = _tag_index(cls)
    for child in element:
        f = index.get(child.tag)
        if f is None:
            continue
        if f.is_body:
            inner = child[0]
            found += _open_elements(inner, _BODY_BY_ELEMENT[inner.tag])
        elif f.model is not None and f.item_tag is not None:
            for item in child:
                found += _open_elements(item, f.model)
        elif f.model is not None:
            found += _open_elements(child, f.model)
    return found


def _open_objects(data: Any, cls: type[Any]) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    found = [data] if cls in extension_types() else []
    for key, model in _field_models(cls).items():
        value = data.get(key)
        if model is None or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            found += _open_objects(item, model)
    return found


def _as_later_minor_xml(envelope: Envelope[Any], version: str, every: int) -> bytes:
    """``envelope`` as a producer of a later minor writes it: its version, and an optional
    element of the extension namespace at (every ``every``-th) extension point."""
    root = etree.fromstring(encode_xml(envelope))
    root.find(f"{{{CANONICAL_NS}}}SchemaVersion").text = version  # type: ignore[union-attr]
    for n, element in enumerate(_open_elements(root, type(envelope))):
        if n % every == 0:
            added = etree.SubElement(element, f"{{{EXTENSION_NS}}}AddedInALaterMinor")
            added.text = "content a 1.1 reader does not know"
    return etree.tostring(root)


def _as_later_minor_json(envelope: Envelope[Any], version: str, every: int) -> bytes:
    obj = json.loads(encode_json(envelope))
    obj["schema_version"] = version
    for n, found in enumerate(_open_objects(obj, type(envelope))):
        if n % every == 0:
            found["added_in_a_later_minor"] = {"any": ["value"]}
    return json.dumps(obj).encode()


v11_envelopes = envelopes(st.one_of(*(BODIES[t] for t in V11_TYPES)))


@settings(max_examples=60, deadline=None)
@given(v11_envelopes, st.integers(1, 3))
def test_a_later_minor_is_read_by_a_1_1_consumer(envelope: Envelope[Any], every: int) -> None:
    """A simulated 1.3 producer adds optional content at the extension points of 1.1 types:
    valid under the frozen 1.1 and 1.2 schemas, and this reader reads the message it knows."""
    xml = _as_later_minor_xml(envelope, "1.3", every)
    js = _as_later_minor_json(envelope, "1.3", every)
    for release in (V11, V12):
        assert xsd_issues(lxml_schema(release.xsd), etree.fromstring(xml)) == []
        assert json_schema_issues(json_validator(release.json_schema), json.loads(js)) == []
    for reader, data in ((get_adapter("canonical-xml"), xml), (get_adapter("canonical-json"), js)):
        translation = reader.translate(data)
        assert [i.code for i in translation.report.issues] == ["schema.version-unknown"]
        (read,) = translation.envelopes
        assert read.schema_version == "1.3"
        assert read.body == envelope.body
        assert read.model_copy(update={"schema_version": envelope.schema_version}) == envelope


def test_extension_content_is_reserved_for_later_minors() -> None:
    """A message that says 1.1 carries nothing at an extension point: its writer's model has
    no such field, so the reader reports it (the schema admits it; the model does not)."""
    envelope = decode_json((FIXTURES / "licence-record.json").read_bytes())
    xml = _as_later_minor_xml(envelope, "1.1", 1)
    report = validate_canonical_xml(xml)
    assert {i.code for i in report.issues} == {"schema.extra-forbidden"}
    js = _as_later_minor_json(envelope, "1.1", 1)
    assert {i.code for i in validate_canonical_json(js).issues} == {"schema.extra-forbidden"}
    # and the same content, said to be a minor cjx does not have yet, is read
    assert validate_canonical_xml(_as_later_minor_xml(envelope, "1.3", 1)).ok
    assert validate_canonical_json(_as_later_minor_json(envelope, "1.3", 1)).ok
    # said to be 1.2, a release cjx has, it is held to 1.2, which declares no such content
    assert not validate_canonical_xml(_as_later_minor_xml(envelope, "1.2", 1)).ok
    assert not validate_canonical_json(_as_later_minor_json(envelope, "1.2", 1)).ok


@pytest.mark.parametrize("name", ["prisoner-received", "case-resulted-person"])
def test_a_v10_type_is_closed_even_in_a_later_minor(name: str) -> None:
    """Extension content in a v1.0 type is rejected whatever version the message claims."""
    data = (
        (FIXTURES / f"{name}.xml")
        .read_bytes()
        .replace(
            b"</Source>",
            f'</Source><x:Added xmlns:x="{EXTENSION_NS}">1</x:Added>'.encode(),
            1,
        )
    )
    data = data.replace(
        b"<SchemaVersion>1.0</SchemaVersion>", b"<SchemaVersion>1.2</SchemaVersion>"
    )
    report = validate_canonical_xml(data)
    assert not report.ok
    assert any(i.code.startswith("schema.") for i in report.errors), report.issues
    obj = json.loads((FIXTURES / f"{name}.json").read_bytes())
    obj["schema_version"] = "1.2"
    obj["body"]["added_in_a_later_minor"] = 1
    assert not validate_canonical_json(json.dumps(obj).encode()).ok


@pytest.mark.parametrize(
    ("definition", "code", "rule"),
    [("PrisonerRecord", 0, "field.added-optional"), ("CaseResulted", 1, "field.added-closed")],
)
def test_the_gate_lets_a_later_minor_fill_only_the_extension_points(
    tmp_path: Path, definition: str, code: int, rule: str
) -> None:
    """A 1.2 JSON Schema with an optional field in a 1.1 type is compatible with 1.1; the same
    field in a v1.0 type is breaking (`cjx schema diff 1.1 FILE`)."""
    schema = json.loads(V11.json_schema_path().read_text(encoding="utf-8"))
    schema["$defs"][definition]["properties"]["added_in_1_2"] = {"type": "string"}
    path = tmp_path / "cjx-canonical.schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cjx", "schema", "diff", "--format", "json", "1.1", str(path)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == code, done.stderr
    (change,) = json.loads(done.stdout)["changes"]
    assert change["rule"] == rule
    assert change["path"] == f"/$defs/{definition}/properties/added_in_1_2"


def test_a_released_schema_never_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`cjx schema check` names a released file whose bytes are not what was released."""
    assert altered_releases() == []
    assert set(DIGESTS) == {p for r in RELEASED.values() for p in r.files}
    monkeypatch.setitem(DIGESTS, V10.xsd, "0" * 64)
    (problem,) = altered_releases()
    assert problem.startswith("canonical/1.0/cjx-canonical.xsd: a released schema changed")
    assert problem in schema_export.check()


def test_cli_validate_as_a_reader_built_on_1_0() -> None:
    """`cjx validate --schema-version 1.0`: what a v1.0 consumer accepts, and nothing more."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cjx",
            "validate",
            "--format",
            "json",
            "--schema-version",
            "1.0",
            str(FIXTURES / "prisoner-record.json"),
            str(FIXTURES / "person-merged.xml"),
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    entries = {Path(e["path"]).name: e for e in json.loads(done.stdout)["inputs"]}
    assert entries["person-merged.xml"]["status"] == "ok"
    (issue,) = entries["prisoner-record.json"]["issues"]
    assert issue["path"] == "/message_type"
    unknown = subprocess.run(
        [sys.executable, "-m", "cjx", "validate", "--schema-version", "1.3", str(FIXTURES)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert unknown.returncode == 2
    assert b"not released (known: 1.0, 1.1, 1.2)" in unknown.stderr


# --- release 1.2: the first field at an extension point --------------------------------------

RECORD_XML = (FIXTURES / "prisoner-record.xml").read_bytes()
RECORD_JSON = (FIXTURES / "prisoner-record.json").read_bytes()


def test_a_body_says_the_minor_that_last_added_to_it() -> None:
    """A message type's schema_version is the release that introduced it, or the later minor
    that last added a field at an extension point of a type it reaches (docs/versioning.md)."""
    for body in BODY_TYPES.values():
        reached: set[type[Any]] = set()
        stack: list[type[Any]] = [body]
        while stack:
            cls = stack.pop()
            if cls in reached:
                continue
            reached.add(cls)
            stack.extend(c for c in REACHED.values() if c in _field_models(cls).values())
        versions = [first_release(body)]
        versions += [since for cls in reached for since in extension_fields(cls).values()]
        assert body.schema_version == max(versions, key=lambda v: int(v.split(".")[1]))
    assert BODY_TYPES["custody.prisoner-record"].schema_version == "1.2"
    assert first_release(BODY_TYPES["custody.prisoner-record"]) == "1.1"
    assert extension_fields(BODY_TYPES["custody.prisoner-record"]) == {"changed_groups": "1.2"}


def test_a_1_1_reader_accepts_a_1_2_record_with_its_changed_groups() -> None:
    """The 1.2 record (ext:ChangedGroups, "changed_groups") is valid under the frozen 1.1 XSD
    and JSON Schema: the lax wildcard skips the element, the open object the member."""
    assert b"<ext:ChangedGroups" in RECORD_XML
    assert json.loads(RECORD_JSON)["body"]["changed_groups"] == ["status", "location"]
    for release in (V11, V12):
        assert xsd_issues(lxml_schema(release.xsd), etree.fromstring(RECORD_XML)) == []
        xml_report = xmlschema_issues(xmlschema_schema(release.xsd), etree.fromstring(RECORD_XML))
        assert xml_report == []
        assert (
            json_schema_issues(json_validator(release.json_schema), json.loads(RECORD_JSON)) == []
        )
    # the 1.2 XSD checks the element; the 1.1 XSD, which has no declaration for it, cannot
    bad = RECORD_XML.replace(b"<ext:Group>status<", b"<ext:Group>no-such-group<")
    assert xsd_issues(lxml_schema(V11.xsd), etree.fromstring(bad)) == []
    (issue,) = xsd_issues(lxml_schema(V12.xsd), etree.fromstring(bad))
    assert issue.code == "schema.enumeration"


@pytest.mark.parametrize("form", ["xml", "json"])
def test_a_reader_pinned_to_1_1_reads_a_1_2_record_as_1_1_readers_do(form: str) -> None:
    """Pinned to 1.1 (a consumer built on v1.1), the 1.2 record is read without a word (1.2 is
    released) and without the field 1.1 does not have; the rest is the record. Unpinned, the
    same input keeps it."""
    pinned = CanonicalXml(version="1.1") if form == "xml" else CanonicalJson(version="1.1")
    data = RECORD_XML if form == "xml" else RECORD_JSON
    full = decode_xml(RECORD_XML) if form == "xml" else decode_json(RECORD_JSON)
    translation = pinned.translate(data)
    assert translation.report.issues == ()
    (read,) = translation.envelopes
    assert read.schema_version == "1.2"
    assert read.body.changed_groups is None
    assert read.body == full.body.model_copy(update={"changed_groups": None})
    unpinned = get_adapter(f"canonical-{form}").translate(data)
    assert unpinned.report.issues == ()
    assert unpinned.envelopes == (full,)
    assert [str(g) for g in full.body.changed_groups] == ["status", "location"]
    # pinned to 1.2, it is read as it is
    pinned_12 = CanonicalXml(version="1.2") if form == "xml" else CanonicalJson(version="1.2")
    assert pinned_12.translate(data).envelopes == (full,)


def test_the_1_2_record_round_trips_with_its_changed_groups() -> None:
    """Both forms decode to one model with the groups, and are written back byte for byte."""
    envelope = decode_xml(RECORD_XML)
    assert envelope == decode_json(RECORD_JSON)
    assert envelope.body.changed_groups == ("status", "location")
    assert encode_xml(envelope) == RECORD_XML
    assert encode_json(envelope) + b"\n" == RECORD_JSON or encode_json(envelope) == RECORD_JSON
    assert validate_canonical_xml(RECORD_XML).issues == ()
    assert validate_canonical_json(RECORD_JSON).issues == ()


def test_a_record_that_says_1_1_carries_no_changed_groups() -> None:
    """The field is 1.2's: a message claiming 1.1 that carries it is refused (the 1.1 schemas
    admit it, the reservation of the extension point does not)."""
    for report in (
        validate_canonical_xml(_xml("prisoner-record.xml", "1.1")),
        validate_canonical_json(_json("prisoner-record.json", "1.1")),
    ):
        assert [(i.code, i.severity) for i in report.issues] == [
            ("schema.extra-forbidden", Severity.ERROR)
        ]
        assert "changed_groups" in report.issues[0].message
    obj = json.loads(RECORD_JSON)
    obj["schema_version"] = "1.1"
    del obj["body"]["changed_groups"]
    assert validate_canonical_json(json.dumps(obj)).ok


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        # twice in its place: the wildcard admits it, the model does not
        (
            b"</ext:ChangedGroups>",
            b'</ext:ChangedGroups><ext:ChangedGroups xmlns:ext="urn:cjx:canonical:1:ext"/>',
            "schema.content",
        ),
        # in another type's extension point
        (
            b"</Status>",
            b'<ext:ChangedGroups xmlns:ext="urn:cjx:canonical:1:ext"/></Status>',
            "schema.extra-forbidden",
        ),
        # a group named twice, or the groups out of order: the model's rule
        (b"<ext:Group>location<", b"<ext:Group>status<", "canonical.invariant"),
    ],
    ids=["repeated", "elsewhere", "named-twice"],
)
def test_changed_groups_only_where_it_belongs(old: bytes, new: bytes, code: str) -> None:
    data = RECORD_XML.replace(old, new, 1)
    assert data != RECORD_XML
    assert xsd_issues(lxml_schema(V12.xsd), etree.fromstring(data)) == []
    report = validate_canonical_xml(data)
    assert [i.code for i in report.errors] == [code], report.issues


def test_changed_groups_are_kept_in_the_order_of_the_groups() -> None:
    obj = json.loads(RECORD_JSON)
    obj["body"]["changed_groups"] = ["location", "status"]
    assert decode_json(json.dumps(obj)) == decode_json(RECORD_JSON)


def _schema_diff(old: str, new: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cjx", "schema", "diff", "--format", "json", old, new],
        capture_output=True,
        check=False,
        timeout=120,
    )


def test_cli_schema_diff_1_1_to_1_2_is_compatible() -> None:
    """`cjx schema diff 1.1 1.2`: the one change is the optional field, in both schemas."""
    done = _schema_diff("1.1", "1.2")
    assert done.returncode == 0, done.stdout
    result = json.loads(done.stdout)
    assert result["verdict"] == "compatible"
    assert sorted((c["schema"], c["rule"], c["path"]) for c in result["changes"]) == [
        ("json-schema", "field.added-optional", "/$defs/PrisonerRecord/properties/changed_groups"),
        ("xsd", "field.added-optional", "/{urn:cjx:canonical:1:ext}ChangedGroups"),
    ]
    against_10 = _schema_diff("1.0", "1.2")
    assert against_10.returncode == 0, against_10.stdout
