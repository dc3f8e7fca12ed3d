"""Where the schema files are, installed or in a checkout.

A built wheel carries the top-level ``schemas/`` and ``examples/`` folders as ``cjx/_schemas``
and ``cjx/_examples`` (see ``pyproject.toml``). An editable install or a plain checkout reads
them in place, so the committed files are the only copy.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["examples_root", "schema_file", "schemas_root"]


@cache
def schemas_root() -> Path:
    packaged = Path(__file__).parent / "_schemas"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "schemas"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(  # pragma: no cover - a broken installation
        "cjx schema files are missing: expected cjx/_schemas in the installed package "
        "or schemas/ in the source checkout"
    )


def schema_file(relative: str) -> Path:
    """The path of ``schemas/<relative>``, e.g. ``canonical/v1/cjx-canonical.xsd``."""
    path = schemas_root() / relative
    if not path.is_file():
        raise FileNotFoundError(f"schema file {relative!r} is missing from {schemas_root()}")
    return path


@cache
def examples_root() -> Path:
    """The bundled example messages used by ``cjx demo``."""
    packaged = Path(__file__).parent / "_examples"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "examples"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(  # pragma: no cover - a broken installation
        "cjx example messages are missing: expected cjx/_examples or examples/"
    )
