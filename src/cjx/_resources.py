"""Where the schema files are, installed or in a checkout.

A built wheel carries the top-level ``schemas/`` and ``examples/`` folders as ``cjx/_schemas``
and ``cjx/_examples`` (see ``pyproject.toml``). An editable install or a plain checkout reads
them in place, so the committed files are the only copy.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "add_schema_names",
    "added_schema_names",
    "examples_root",
    "schema_file",
    "schema_names",
    "schemas_root",
]

_XS = "{http://www.w3.org/2001/XMLSchema}"


def _locate(packaged: str, checkout: str, what: str) -> Path:
    inside = Path(__file__).parent / packaged
    if inside.is_dir():
        return inside
    beside = Path(__file__).resolve().parents[2] / checkout
    if beside.is_dir():
        return beside
    raise FileNotFoundError(  # pragma: no cover - a broken installation
        f"cjx {what} are missing: expected cjx/{packaged} in the installed package "
        f"or {checkout}/ in the source checkout"
    )


@cache
def schemas_root() -> Path:
    """The schema files: ``schemas/`` of the checkout, ``cjx/_schemas`` when installed."""
    return _locate("_schemas", "schemas", "schema files")


def schema_file(relative: str) -> Path:
    """The path of ``schemas/<relative>``, e.g. ``canonical/v1/cjx-canonical.xsd``."""
    path = schemas_root() / relative
    if not path.is_file():
        raise FileNotFoundError(f"schema file {relative!r} is missing from {schemas_root()}")
    return path


@cache
def examples_root() -> Path:
    """The bundled example messages used by ``cjx demo``."""
    return _locate("_examples", "examples", "example messages")


@cache
def schema_names() -> frozenset[str]:
    """Every element and attribute name the shipped XSDs declare, and every property name the
    shipped JSON Schemas know: the names a report may show as they are (others came only from
    an input, and are masked)."""
    from lxml import etree  # noqa: PLC0415 - only reports that name something need it

    names: set[str] = set()
    root = schemas_root()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for path in sorted(root.rglob("*.xsd")):
        document = etree.parse(str(path), parser)
        for node in document.iter(_XS + "element", _XS + "attribute"):
            name = node.get("name")
            if name:
                names.add(name)
    for path in sorted(root.rglob("*.json")):
        _json_names(json.loads(path.read_text(encoding="utf-8")), names)
    return frozenset(names)


#: Names declared by schema files outside cjx's own (a third-party adapter's), as they are used.
_ADDED: set[str] = set()
_ADDED_FILES: set[Path] = set()


def add_schema_names(path: Path) -> None:
    """Count the names ``path`` (an XSD or a JSON Schema) declares as schema vocabulary too:
    a report may show them as they are. Called for every schema file given as a Path."""
    resolved = path.resolve()
    if resolved in _ADDED_FILES:
        return
    names: set[str] = set()
    if path.suffix == ".xsd":
        from lxml import etree  # noqa: PLC0415 - only XSD users need it here

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        for node in etree.parse(str(path), parser).iter(_XS + "element", _XS + "attribute"):
            name = node.get("name")
            if name:
                names.add(name)
    else:
        _json_names(json.loads(path.read_text(encoding="utf-8")), names)
    _ADDED.update(names)
    _ADDED_FILES.add(resolved)


def added_schema_names() -> set[str]:
    """The names :func:`add_schema_names` has counted so far."""
    return _ADDED


def _json_names(node: Any, names: set[str]) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            properties = item.get("properties")
            if isinstance(properties, dict):
                names.update(properties)
            definitions = item.get("$defs")
            if isinstance(definitions, dict):
                names.update(definitions)  # model class names, in tagged-union locations
            required = item.get("required")
            if isinstance(required, list):
                names.update(r for r in required if isinstance(r, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
