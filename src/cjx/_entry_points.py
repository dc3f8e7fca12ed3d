"""Loading one entry-point group of plug-ins (adapters, rules): what loaded, and what is broken.

Standard library only, so every layer's registry can use it. A broken entry point is never
skipped silently: it comes back in ``broken`` with the reason (it failed to import, is not an
instance of the expected class, registers under another name than its own, or fails the
caller's own check), and the others load as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

__all__ = ["load_group"]


def load_group(
    group: str,
    kind: type[Any],
    *,
    noun: str,
    check: Callable[[Any], str | None] = lambda _: None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every ``kind`` instance of ``group`` by its ``name``, and the broken entry points' reasons.

    ``noun`` names what an instance's ``name`` is (``format``, ``rule``) in the reasons.
    """
    found: dict[str, Any] = {}
    broken: dict[str, str] = {}
    article = "an" if kind.__name__[:1] in "AEIOU" else "a"
    for ep in entry_points(group=group):
        try:
            obj: Any = ep.load()
        except Exception as exc:
            broken[ep.name] = f"entry point {ep.value} failed to load: {exc!r}"
            continue
        if not isinstance(obj, kind):
            broken[ep.name] = f"entry point {ep.value} is not {article} {kind.__name__} instance"
        elif obj.name != ep.name:
            broken[ep.name] = f"entry point {ep.value} names {noun} {obj.name!r}"
        elif (problem := check(obj)) is not None:
            broken[ep.name] = problem
        else:
            found[ep.name] = obj
    return found, broken
