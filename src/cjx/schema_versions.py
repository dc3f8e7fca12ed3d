"""The released versions of the canonical schemas, and where their files are.

One small table, :data:`RELEASED`, maps a released ``MAJOR.MINOR`` to its JSON Schema and XSD
(paths relative to ``schemas/``). Everything that needs a released version goes through
:func:`released`, so that moving the files is an edit of the table alone.

Released versions are kept side by side, frozen (docs/versioning.md): ``canonical/1.0/`` is
v1.0 exactly as it shipped (taken from the history before v1.1 changed the schemas),
``canonical/1.1/`` is v1.1, ``canonical/1.2/`` is v1.2 (the first minor to declare an element
of the extension namespace, in the third file, ``cjx-canonical-ext.xsd``, that its XSD
imports). ``canonical/v1/`` is the working pair of the current major: the
JSON Schema the model generates and the XSD kept in lockstep with it (``cjx schema check``); the
compatibility gate compares it with every released version of its major.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cjx._resources import schema_file

__all__ = [
    "DIGESTS",
    "EXTENSION_XSD",
    "RELEASED",
    "ReleasedSchemas",
    "UnknownVersion",
    "altered_releases",
    "is_version",
    "major_of",
    "released",
    "released_versions",
]


@dataclass(frozen=True, slots=True)
class ReleasedSchemas:
    """One released version: its number and its schema files (relative to ``schemas/``): the
    JSON Schema, the XSD and the schema documents the XSD imports from its folder (from 1.2,
    ``cjx-canonical-ext.xsd``, the extension namespace's)."""

    version: str
    json_schema: str
    xsd: str
    imported: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        """Every file of the release (relative to ``schemas/``)."""
        return (self.json_schema, self.xsd, *self.imported)

    @property
    def major(self) -> int:
        return major_of(self.version)

    def json_schema_path(self) -> Path:
        return schema_file(self.json_schema)

    def xsd_path(self) -> Path:
        return schema_file(self.xsd)


#: The SHA-256 of each released file: a released schema never changes (``cjx schema check``
#: fails when one did). Record a new release's digests when it is added.
DIGESTS: Final[dict[str, str]] = {
    "canonical/1.0/cjx-canonical.schema.json": (
        "2c9d298d701f714fde52fcb188323a7b829cde38300b688d7c47bb6e3792dfef"
    ),
    "canonical/1.0/cjx-canonical.xsd": (
        "52115e4bd85d93df9bfdb8f1f08b22b4cce1395493610f6463be179e6e0e2c83"
    ),
    "canonical/1.1/cjx-canonical.schema.json": (
        "0c9d55d2bb6c8b58e2df710656e2c410bc92b8dc0115b30d3b955b3ff1d33fed"
    ),
    "canonical/1.1/cjx-canonical.xsd": (
        "4ea3754ea5b5d7baf95a3532299c8a979c6a0493f3a303c45159817a24fb51f0"
    ),
    "canonical/1.2/cjx-canonical.schema.json": (
        "516bd79f63be6b69059c9591735be886ab785201ef838dba1f833593106dd0c4"
    ),
    "canonical/1.2/cjx-canonical.xsd": (
        "c6676bc3fda72758be4b67bc7acf66083333236f1004ead3c4114c15a88a5687"
    ),
    "canonical/1.2/cjx-canonical-ext.xsd": (
        "e992dcee41587350c88735f4427c9faab72835e639d78daaaec92ab0181552e9"
    ),
}

#: The schema document of the extension namespace that the XSD imports, from 1.2 on.
EXTENSION_XSD: Final = "cjx-canonical-ext.xsd"
#: The released versions whose XSD imports it (the first minor that declared an element there).
_WITH_EXTENSION_XSD: Final = frozenset({"1.2"})

#: Every released version, oldest first; each in a folder of its own that never changes.
RELEASED: Final[dict[str, ReleasedSchemas]] = {
    version: ReleasedSchemas(
        version,
        f"canonical/{version}/cjx-canonical.schema.json",
        f"canonical/{version}/cjx-canonical.xsd",
        (f"canonical/{version}/{EXTENSION_XSD}",) if version in _WITH_EXTENSION_XSD else (),
    )
    for version in ("1.0", "1.1", "1.2")
}


def altered_releases() -> list[str]:
    """One line for each released schema file that is missing or no longer what was released."""
    problems: list[str] = []
    for release in RELEASED.values():
        for relative in release.files:
            expected = DIGESTS.get(relative)
            try:
                digest = hashlib.sha256(schema_file(relative).read_bytes()).hexdigest()
            except FileNotFoundError:
                problems.append(f"{relative}: released schema file is missing")
                continue
            if expected is None:
                problems.append(f"{relative}: no digest recorded in cjx.schema_versions.DIGESTS")
            elif digest != expected:
                problems.append(
                    f"{relative}: a released schema changed (sha256 {digest[:12]}..., released "
                    f"{expected[:12]}...); released versions never change: restore it"
                )
    return problems


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
