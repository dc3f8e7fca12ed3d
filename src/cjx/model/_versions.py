"""Which release first described each model type, and so which types are open for extension.

docs/versioning.md: the types of v1.0 are closed for the whole of major 1; every type first
released in a later minor carries an extension point from that release on, where later minors
of the major may add optional content that older readers skip. A type's first release is the
oldest version of the message types that reach it (the envelope's own types are 1.0): the
release that introduced each (``Body.introduced_in``, else its ``schema_version``), not the
later minor that added content at its extension point.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from pydantic import BaseModel

from cjx.model._base import Body
from cjx.model._envelope import BODY_TYPES, Envelope
from cjx.model._extensions import models_in as _models_in

__all__ = ["EXTENSION_NS", "extension_types", "first_release"]

#: The namespace of the optional elements later minors of major 1 add at extension points.
EXTENSION_NS: Final = "urn:cjx:canonical:1:ext"


def reach(cls: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    """Add ``cls`` and every model type its fields reach to ``seen``."""
    stack = [cls]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for info in current.model_fields.values():
            found: set[type[BaseModel]] = set()
            _models_in(info.annotation, found)
            stack.extend(found - seen)


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def _introduced(body: type[Body]) -> str:
    return body.introduced_in or body.schema_version


@cache
def _first_releases() -> dict[type[BaseModel], str]:
    first: dict[type[BaseModel], str] = {}
    envelope_parts: set[type[BaseModel]] = set()
    for info in Envelope.model_fields.values():  # the header: 1.0, whatever body it holds
        found: set[type[BaseModel]] = set()
        _models_in(info.annotation, found)
        for model in found:
            reach(model, envelope_parts)
    for model in envelope_parts:
        first[model] = "1.0"
    for body in sorted(BODY_TYPES.values(), key=lambda b: _minor(_introduced(b))):
        reached: set[type[BaseModel]] = set()
        reach(body, reached)
        for model in reached:
            first.setdefault(model, _introduced(body))
    return first


def first_release(cls: type[BaseModel]) -> str:
    """The release (``MAJOR.MINOR``) that first described ``cls``; KeyError for a class no
    message type reaches."""
    return _first_releases()[cls]


@cache
def extension_types() -> frozenset[type[BaseModel]]:
    """The model types with an extension point: those first released after 1.0."""
    return frozenset(cls for cls, version in _first_releases().items() if version != "1.0")
