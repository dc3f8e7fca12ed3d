"""Map a model location (``('body', 'offences', 1, 'code')``) to a canonical XPath."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from cjx.errors import input_name
from cjx.model import BODY_TYPES, Body, Envelope

__all__ = ["canonical_xpath"]


def canonical_xpath(loc: tuple[int | str, ...], body: type[Body] | None = None) -> str:
    from ._canonical import _NS, _fields  # noqa: PLC0415 - the mapping lives there

    def local(tag: str) -> str:
        return tag[len(_NS) :] if tag.startswith(_NS) else tag

    parts = ["", "Envelope"]
    cls: type[BaseModel] | None = Envelope
    item_tag: str | None = None
    item_model: type[BaseModel] | None = None
    for step in loc:
        if isinstance(step, int):
            if item_tag is not None:
                parts.append(f"{local(item_tag)}[{step + 1}]")
            cls, item_tag = item_model, None
            continue
        if cls is None:
            parts.append(input_name(str(step)))
            continue
        if typing.get_origin(cls) is not None:  # pragma: no cover - parametrised generics
            cls = typing.get_origin(cls)
        match = next((f for f in _fields(cls) if f.name == step), None)
        if match is None:
            # a body class name used as a tagged-union location, or an unknown field
            candidate: Any = next((b for b in BODY_TYPES.values() if b.__name__ == step), None)
            if candidate is not None:
                parts.append(step)
                cls = candidate
            else:  # a name from the input, not the model: masked unless a schema declares it
                parts.append(input_name(local(str(step))))
                cls = None
            continue
        parts.append(local(match.tag))
        if match.is_body:
            target = body
            if target is None:
                cls = None
                continue
            parts.append(target.__name__)
            cls = target
        elif match.item_tag is not None:
            item_tag, item_model = match.item_tag, match.model
            cls = None
        else:
            cls = match.model
    return "/".join(parts)
