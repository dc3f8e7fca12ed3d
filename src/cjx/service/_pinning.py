"""A consumer pinned to a released schema version (docs/versioning.md, "Unknown message types").

An outbound service built on an earlier minor says so: ``schema_version = "1.0"``. It then

* binds only the message types that release has: each ``subscribe`` pattern is matched against
  the routing keys of the release's own catalogue (the ``message_type`` enumeration of its
  frozen JSON Schema, not the model of this cjx), and a pattern that also matches types of later
  minors (``custody.*.v1``) is expanded into the keys it matches there; a pattern that matches
  none of them is a configuration error;
* reads every message with that release's schemas (:class:`cjx.adapter.CanonicalXml` pinned):
  a type the release does not have, should one still arrive, fails the schema and is
  dead-lettered with its report, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

from cjx.errors import ConfigurationError
from cjx.schema_versions import RELEASED, UnknownVersion, major_of, released
from cjx.transport import topic_matches

__all__ = ["pinned_subscription", "release_catalogue"]


@cache
def release_catalogue(version: str) -> tuple[str, ...]:
    """The message types of release ``version``, from its frozen JSON Schema, sorted."""
    schema = json.loads(released(version).json_schema_path().read_text(encoding="utf-8"))
    return tuple(sorted(schema["properties"]["message_type"]["enum"]))


def pinned_subscription(version: object, subscribe: Sequence[str], where: str) -> tuple[str, ...]:
    """The binding keys of a service pinned to ``version``: ``subscribe`` checked and expanded
    against the release's catalogue (module docstring). ConfigurationError otherwise."""
    if not isinstance(version, str):
        raise ConfigurationError(f'{where}: schema_version must be a string such as "1.0"')
    try:
        released(version)
    except UnknownVersion:
        raise ConfigurationError(
            f"{where}: schema_version {version!r} is not a released version "
            f"(released: {', '.join(RELEASED)})"
        ) from None
    major = major_of(version)
    keys = [f"{message_type}.v{major}" for message_type in release_catalogue(version)]
    bound: list[str] = []
    for pattern in subscribe:
        matched = [key for key in keys if topic_matches(pattern, key)]
        if not matched:
            raise ConfigurationError(
                f"{where}: subscribe key {pattern!r} names no message type of version {version} "
                f"(its types: {', '.join(keys)})"
            )
        if set(matched) == {pattern}:
            bound.append(pattern)
        else:  # a family pattern: only the types this version has
            bound.extend(matched)
    return tuple(dict.fromkeys(bound))
