"""Building blocks for any adapter: values read into issues, a body built with its issues.

A decoder reports every issue of an input together (docs/adapters.md), so each step returns
its issues instead of raising; :func:`raise_for_errors` ends the decoder:

* :func:`read_identifier` (in :mod:`cjx.adapter._json_records`) and :func:`read_timestamp` read
  one member of a mapping (a JSON object, a CSV row from :class:`csv.DictReader`...) with the
  type's own codes (``noms.format``, ``timestamp.format``...) at the pointer given; absent, null
  and empty are alike;
* :func:`read_fields` reads several such members at once, each with its type;
* :func:`build_body` builds a body from values already read, turning pydantic's errors into
  issues at the source's paths (``paths`` maps a model field to the source path it came from);
* :func:`has_errors` says whether any issue rejects (build nothing from a part that has one);
* :func:`raise_for_errors` raises :class:`~cjx.errors.ValidationFailed` with every issue when
  any is an error.

Issues themselves are made with :func:`cjx.errors.error`, :func:`~cjx.errors.warning` and
:func:`~cjx.errors.information`: a stable code, a path, and what was expected, never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pydantic

from cjx.codec import issues_from_pydantic, json_pointer
from cjx.errors import Issue, Report, Severity, ValidationFailed, error
from cjx.model import Body, Identifier, Timestamp, TimestampError

__all__ = ["build_body", "has_errors", "raise_for_errors", "read_fields", "read_timestamp"]

B = TypeVar("B", bound=Body)


def read_timestamp(
    document: Any, key: str, *, pointer: str, required: bool
) -> tuple[Timestamp | None, list[Issue]]:
    """``(timestamp or None, issues)`` for ``document[key]``, RFC 3339 text with an offset
    (``timestamp.format``, ``timestamp.missing``); absent, null and empty alike."""
    raw = document.get(key) if isinstance(document, Mapping) else None
    if raw is None or raw == "":
        if not required:
            return None, []
        return None, [error("timestamp.missing", pointer, "a date-time is required")]
    if not isinstance(raw, str):
        return None, [error("timestamp.format", pointer, "a date-time must be text")]
    try:
        return Timestamp.parse(raw), []
    except TimestampError as exc:
        return None, [error(exc.code, pointer, exc.message)]


def read_fields(
    document: Any,
    kinds: Mapping[str, type[Identifier] | type[Timestamp]],
    *,
    base_path: str = "",
    optional: Iterable[str] = (),
) -> tuple[dict[str, Any], list[Issue]]:
    """``(values, issues)``: each member ``key`` of ``document`` read as ``kinds[key]`` (an
    identifier type or :class:`~cjx.model.Timestamp`) at the pointer ``base_path/key``; members
    in ``optional`` may be absent. ``values`` holds the members read without an error."""
    # the local import avoids a cycle: _json_records imports this package's protocol module
    from cjx.adapter._json_records import read_identifier  # noqa: PLC0415

    maybe = set(optional)
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    for key, kind in kinds.items():
        pointer = f"{base_path}/{key}"
        value: Any
        if issubclass(kind, Timestamp):
            value, found = read_timestamp(document, key, pointer=pointer, required=key not in maybe)
        else:
            value, found = read_identifier(
                kind, document, key, pointer=pointer, required=key not in maybe
            )
        issues += found
        if value is not None:
            values[key] = value
    return values, issues


def build_body(
    body_type: type[B],
    values: Mapping[str, Any],
    *,
    paths: Mapping[str, str] | Callable[[tuple[int | str, ...]], str] | None = None,
) -> tuple[B | None, list[Issue]]:
    """``(body or None, issues)``: ``body_type`` built from ``values`` (model field names), each
    pydantic error an issue at the source path of its field. ``paths`` maps a top-level field
    name to that path (other locations fall back to a JSON pointer of the model location), or
    is a function of the whole location."""
    try:
        return body_type.model_validate(dict(values)), []
    except pydantic.ValidationError as exc:
        return None, issues_from_pydantic(exc, path_for=_path_for(paths))


def _path_for(
    paths: Mapping[str, str] | Callable[[tuple[int | str, ...]], str] | None,
) -> Callable[[tuple[int | str, ...]], str]:
    if paths is None:
        return json_pointer
    if callable(paths):
        return paths
    table = paths

    def path_for(location: tuple[int | str, ...]) -> str:
        head = location[0] if location else ""
        if isinstance(head, str) and head in table:
            return table[head] + json_pointer(location[1:])
        return json_pointer(location)

    return path_for


def has_errors(issues: Iterable[Issue]) -> bool:
    """Whether any of ``issues`` rejects the input (information and warnings do not)."""
    return any(i.severity is Severity.ERROR for i in issues)


def raise_for_errors(source: str, issues: Iterable[Issue]) -> None:
    """Raise :class:`~cjx.errors.ValidationFailed` with every issue when any is an error."""
    found = tuple(issues)
    if has_errors(found):
        raise ValidationFailed(Report(source, found))
