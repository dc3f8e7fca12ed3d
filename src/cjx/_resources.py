"""Where the schema files are, installed or in a checkout.

A built wheel carries the top-level ``schemas/`` and ``examples/`` folders as ``cjx/_schemas``
and ``cjx/_examples`` (see ``pyproject.toml``). An editable install or a plain checkout reads
them in place, so the committed files are the only copy.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["examples_root", "schema_file", "schemas_root"]


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
