"""Where the schema files are, installed or in a checkout.

A built wheel carries the top-level ``schemas/`` folder as ``cjx/_schemas`` (see
``pyproject.toml``). An editable install or a plain checkout reads ``schemas/`` in place, so the
committed files are the only copy.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["schema_file", "schemas_root"]


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
