"""The released versions of the canonical schemas, and where their files are.

One small table, :data:`RELEASED`, maps a released ``MAJOR.MINOR`` to its JSON Schema and XSD
(paths relative to ``schemas/``). Everything that needs a released version goes through
:func:`released`, so that moving the files is an edit of the table alone.

Released versions are kept side by side, frozen (docs/versioning.md): ``canonical/1.0/`` is
v1.0 exactly as it shipped (taken from the history before v1.1 changed the schemas),
``canonical/1.1/`` is v1.1. ``canonical/v1/`` is the working pair of the current major: the
JSON Schema the model generates and the XSD kept in lockstep with it (``cjx schema check``); the
compatibility gate compares it with every released version of its major.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cjx._resources import schema_file

__all__ = [
    "RELEASED",
    "ReleasedSchemas",
    "UnknownVersion",
    "is_version",
    "major_of",
    "released",
    "released_versions",
]


@dataclass(frozen=True, slots=True)
class ReleasedSchemas:
    """One released version: its number and its two schema files (relative to ``schemas/``)."""

    version: str
    json_schema: str
    xsd: str

    @property
    def major(self) -> int:
        return major_of(self.version)

    def json_schema_path(self) -> Path:
        return schema_file(self.json_schema)

    def xsd_path(self) -> Path:
        return schema_file(self.xsd)


#: Every released version, oldest first; each in a folder of its own that never changes.
RELEASED: Final[dict[str, ReleasedSchemas]] = {
    version: ReleasedSchemas(
        version,
        f"canonical/{version}/cjx-canonical.schema.json",
        f"canonical/{version}/cjx-canonical.xsd",
    )
    for version in ("1.0", "1.1")
}

_VERSION: Final = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


class UnknownVersion(LookupError):
    """A version that is not (or not yet) released."""


def is_version(text: str) -> bool:
    """Whether ``text`` is written as a version (``MAJOR.MINOR``), released or not."""
    return bool(_VERSION.match(text))


def major_of(version: str) -> int:
    match = _VERSION.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a MAJOR.MINOR version")
    return int(match.group(1))


def released(version: str) -> ReleasedSchemas:
    """The released version ``version``; UnknownVersion (naming the known ones) otherwise."""
    try:
        return RELEASED[version]
    except KeyError:
        known = ", ".join(RELEASED) or "none"
        raise UnknownVersion(
            f"schema version {version!r} is not released (known: {known})"
        ) from None


def released_versions(major: int | None = None) -> list[ReleasedSchemas]:
    """The released versions, oldest first; only those of ``major`` when it is given."""
    return [r for r in RELEASED.values() if major is None or r.major == major]
