"""``cjx schema diff``: is a new version of the canonical schemas compatible with an old one?

Compatible means both (docs/versioning.md):

* a NEW reader accepts every message valid under OLD;
* an OLD reader accepts every message valid under NEW, once it ignores what the versioning design
  lets it ignore: message types it does not know (they are not routed to it), and content at an
  extension point its own schema declares (``xs:any`` with lax or skip processing; a JSON object
  without ``additionalProperties: false``).

So only three kinds of change are compatible: a message type added, an optional field added at an
extension point OLD declares, and an extension point added. Every other change that affects
validation is breaking (widening too: OLD readers reject the new values). Annotations
(descriptions, titles, comments) are not changes.

Both schema languages are compared, each by its own walk (:mod:`._json`, :mod:`._xsd`); the
verdict is the same function of the changes for both. OLD and NEW are each a released version
(:mod:`cjx.schema_versions`) or a schema file; two files must be of one kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from cjx.codec import load_json
from cjx.errors import ValidationFailed
from cjx.schema_versions import (
    ReleasedSchemas,
    UnknownVersion,
    is_version,
    released,
    released_versions,
)
from cjx.schemadiff._changes import (
    RULES,
    Change,
    Comparison,
    Kind,
    SchemaDiffError,
    render_json,
    render_junit,
    render_text,
    verdict,
)
from cjx.schemadiff._json import compare_json_schemas
from cjx.schemadiff._xsd import compare_xsds, load_xsd

__all__ = [
    "RULES",
    "Change",
    "Comparison",
    "Kind",
    "SchemaDiffError",
    "SchemaFile",
    "compare_files",
    "diff",
    "diff_against_released",
    "load_schema",
    "render_json",
    "render_junit",
    "render_text",
    "verdict",
]

SchemaKind = Literal["json-schema", "xsd"]

#: Canonical schemas are far below this; the limit only keeps a wrong file from filling memory.
MAX_SCHEMA_BYTES: Final = 16 * 1024 * 1024
_NAMES: Final = {"json-schema": "a JSON Schema", "xsd": "an XSD"}
_JSON_ID: Final = re.compile(r"^urn:cjx:schemas:canonical:([0-9]+)$")
_XSD_NAMESPACE: Final = re.compile(r"^urn:cjx:canonical:([0-9]+)$")


@dataclass(frozen=True, slots=True)
class SchemaFile:
    """A schema read for comparison: its kind, where it came from and its parsed form."""

    kind: SchemaKind
    label: str
    document: Any  # the parsed JSON, or an xmlschema.XMLSchema

    @property
    def major(self) -> int | None:
        """The canonical major version the schema declares ($id or targetNamespace)."""
        if self.kind == "json-schema":
            identifier = self.document.get("$id") if isinstance(self.document, dict) else None
            match = _JSON_ID.match(identifier) if isinstance(identifier, str) else None
        else:
            match = _XSD_NAMESPACE.match(self.document.target_namespace or "")
        return int(match.group(1)) if match else None


def _kind_of(path: Path) -> SchemaKind:
    suffix = path.suffix.lower()
    if suffix == ".xsd":
        return "xsd"
    if suffix == ".json":
        return "json-schema"
    try:
        with path.open("rb") as handle:
            start = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise SchemaDiffError(f"cannot read {path}: {exc.strerror or exc}") from None
    if start.startswith((b"{", b"[")):
        return "json-schema"
    if start.startswith(b"<"):
        return "xsd"
    raise SchemaDiffError(f"{path} is neither a JSON Schema nor an XSD")


def load_schema(path: Path, *, label: str | None = None) -> SchemaFile:
    """Read one schema file; SchemaDiffError when it is missing, unreadable or not a schema."""
    if not path.is_file():
        raise SchemaDiffError(f"{path}: no such file")
    kind = _kind_of(path)
    shown = label or str(path)
    if kind == "xsd":
        return SchemaFile(kind, shown, load_xsd(path))
    try:
        size = path.stat().st_size
        if size > MAX_SCHEMA_BYTES:
            raise SchemaDiffError(f"{path} is larger than {MAX_SCHEMA_BYTES} bytes")
        document = load_json(path.read_bytes(), source=str(path), max_size=MAX_SCHEMA_BYTES)
    except OSError as exc:
        raise SchemaDiffError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValidationFailed as exc:
        first = exc.report.issues[0]
        raise SchemaDiffError(f"{path} is not valid JSON: {first.code}: {first.message}") from None
    if not isinstance(document, dict | bool):
        raise SchemaDiffError(f"{path} is not a JSON Schema (not an object)")
    return SchemaFile(kind, shown, document)


def compare_files(old: SchemaFile, new: SchemaFile) -> Comparison:
    """Compare two schemas of one kind."""
    if old.kind != new.kind:
        raise SchemaDiffError(
            f"{old.label} is {_NAMES[old.kind]} and {new.label} {_NAMES[new.kind]}: compare "
            "two JSON Schemas or two XSDs"
        )
    if old.kind == "json-schema":
        changes = compare_json_schemas(old.document, new.document)
    else:
        changes = compare_xsds(old.document, new.document)
    return Comparison(old.kind, old.label, new.label, tuple(changes))


def _released_file(version: ReleasedSchemas, kind: SchemaKind) -> SchemaFile:
    if kind == "xsd":
        return load_schema(version.xsd_path(), label=f"{version.version} ({version.xsd})")
    return load_schema(
        version.json_schema_path(), label=f"{version.version} ({version.json_schema})"
    )


def _version(text: str) -> ReleasedSchemas:
    try:
        return released(text)
    except UnknownVersion as exc:
        raise SchemaDiffError(str(exc)) from None


def diff(old: str, new: str) -> list[Comparison]:
    """``cjx schema diff OLD NEW``: each a released version (``1.0``) or a schema file.

    Two versions compare both their JSON Schemas and their XSDs; a version and a file compare the
    version's schema of the file's kind; two files must be of one kind.
    """
    old_version = _version(old) if is_version(old) else None
    new_version = _version(new) if is_version(new) else None
    if old_version is not None and new_version is not None:
        return [
            compare_files(_released_file(old_version, k), _released_file(new_version, k))
            for k in ("json-schema", "xsd")
        ]
    if old_version is not None:
        new_file = load_schema(Path(new))
        return [compare_files(_released_file(old_version, new_file.kind), new_file)]
    old_file = load_schema(Path(old))
    if new_version is not None:
        return [compare_files(old_file, _released_file(new_version, old_file.kind))]
    return [compare_files(old_file, load_schema(Path(new)))]


def diff_against_released(paths: list[Path]) -> list[Comparison]:
    """Compare each schema file with every released version of the major it declares."""
    comparisons: list[Comparison] = []
    for path in paths:
        new_file = load_schema(path)
        major = new_file.major
        if major is None:
            raise SchemaDiffError(
                f"{path} does not declare a canonical major version ($id "
                "urn:cjx:schemas:canonical:N or targetNamespace urn:cjx:canonical:N)"
            )
        comparisons.extend(
            compare_files(_released_file(version, new_file.kind), new_file)
            for version in released_versions(major)
        )
    return comparisons
