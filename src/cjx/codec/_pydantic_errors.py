"""The one boundary where pydantic's errors become cjx issues.

Codes: a dotted pydantic error type raised by cjx itself (``asn.check-character``,
``timestamp.naive``) is kept; a model invariant (``value_error``) becomes ``canonical.invariant``;
anything else is structural and becomes ``schema.<type>`` (``schema.missing``). The offending
input is never copied into the message. At most :data:`~cjx.errors.MAX_ISSUES` errors become
issues; one ``report.truncated`` issue counts the rest.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from typing import Any

import pydantic

from cjx.errors import MAX_ISSUES, Issue, error, input_name, more_issues

__all__ = ["code_for", "issues_from_pydantic", "json_pointer"]


def code_for(error_type: str) -> str:
    if "." in error_type:
        return error_type
    if error_type == "value_error":
        return "canonical.invariant"
    return "schema." + error_type.replace("_", "-")


def json_pointer(loc: Iterable[int | str]) -> str:
    """A JSON pointer for a report: a key no shipped schema knows is masked
    (:func:`cjx.errors.input_name`), since a sender may key a map by a person's number."""
    return "".join(
        "/"
        + (str(p) if isinstance(p, int) else input_name(p)).replace("~", "~0").replace("/", "~1")
        for p in loc
    )


def _message(err: Any) -> str:
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "extra_forbidden":
        return "field is not allowed here"
    return msg


def issues_from_pydantic(
    exc: pydantic.ValidationError,
    *,
    path_for: Callable[[tuple[int | str, ...]], str] = json_pointer,
) -> list[Issue]:
    """Every error of ``exc`` as an issue; ``path_for`` maps a location (JSON pointer default)."""
    issues: list[Issue] = []
    for err in exc.errors(include_url=False, include_input=False)[:MAX_ISSUES]:
        loc = typing.cast(tuple[int | str, ...], tuple(err["loc"]))
        issues.append(error(code_for(err["type"]), path_for(loc), _message(err)))
    if exc.error_count() > MAX_ISSUES:
        issues.append(more_issues(exc.error_count() - MAX_ISSUES))
    return issues
