"""The fields later minors added at extension points (:class:`~cjx.model.Extension`), and the
rule that a message carries none of a minor later than the version it says."""

from __future__ import annotations

import typing
from functools import cache

from pydantic import BaseModel

from cjx.model._base import Extension

__all__ = ["extension_fields", "fields_later_than", "minor_of"]


def minor_of(version: str) -> int:
    """``"1.2"`` -> 2."""
    return int(version.split(".")[1])


def models_in(annotation: object, out: set[type[BaseModel]]) -> None:
    """Add to ``out`` every model type that ``annotation`` names or holds."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        out.add(annotation)
        return
    for argument in typing.get_args(annotation):
        models_in(argument, out)


@cache
def extension_fields(cls: type[BaseModel]) -> dict[str, str]:
    """The fields of ``cls`` a later minor added at its extension point: name -> ``since``."""
    out: dict[str, str] = {}
    for name, info in cls.model_fields.items():
        # pydantic keeps the metadata of a field's Annotated type in ``metadata``
        found = [m for m in info.metadata if isinstance(m, Extension)]
        if found:
            out[name] = found[0].since
    return out


@cache
def _reaching(cls: type[BaseModel]) -> tuple[str, ...]:
    """The model-typed fields of ``cls`` through which an extension field can be reached."""
    seen: set[type[BaseModel]] = set()

    def reaches(model: type[BaseModel]) -> bool:
        if model in seen:
            return False
        seen.add(model)
        if extension_fields(model):
            return True
        for info in model.model_fields.values():
            inner: set[type[BaseModel]] = set()
            models_in(info.annotation, inner)
            if any(reaches(m) for m in inner):
                return True
        return False

    out: list[str] = []
    for name, info in cls.model_fields.items():
        inner: set[type[BaseModel]] = set()
        models_in(info.annotation, inner)
        seen.clear()
        if any(reaches(m) for m in inner):
            out.append(name)
    return tuple(out)


def fields_later_than(obj: BaseModel, version: str) -> list[tuple[str, str]]:
    """The extension fields set in ``obj`` (and what it holds) that a minor later than
    ``version`` added: (dotted path, since). A message of ``version`` carries none of them."""
    minor = minor_of(version)
    found: list[tuple[str, str]] = []
    stack: list[tuple[str, BaseModel]] = [("", obj)]
    while stack:
        at, current = stack.pop()
        cls = type(current)
        for name, since in extension_fields(cls).items():
            if getattr(current, name) is not None and minor_of(since) > minor:
                found.append((f"{at}{name}", since))
        for name in _reaching(cls):
            value = getattr(current, name)
            items = value if isinstance(value, tuple) else (value,)
            for n, item in enumerate(items):
                if isinstance(item, BaseModel):
                    index = f".{n}" if isinstance(value, tuple) else ""
                    stack.append((f"{at}{name}{index}.", item))
    return sorted(found)
