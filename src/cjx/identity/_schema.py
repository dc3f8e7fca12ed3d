"""The index's tables, written once for both databases, and their versioned migrations.

Each migration is ``(version, name, statements)``; append, never edit: an index records in
``identity_schema`` which versions it has applied, and ``migrate`` applies the rest in order, in
one transaction. The statements name column types by role (``{id}``, ``{ref}``, ``{text}``,
``{uuid}``, ``{time}``, ``{flag}``); each database fills them in with its own types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["MIGRATIONS", "SCHEMA_TABLE", "SCHEMA_VERSION", "Migration", "migrations"]

Migration = tuple[int, str, tuple[str, ...]]

#: The schema version this cjx writes.
SCHEMA_VERSION: Final = 1

#: Which migrations an index has applied (created before any migration runs).
SCHEMA_TABLE: Final = """CREATE TABLE IF NOT EXISTS identity_schema (
    version {ref} PRIMARY KEY,
    name {text} NOT NULL,
    applied_at {time} NOT NULL DEFAULT {now}
)"""

MIGRATIONS: Final[tuple[Migration, ...]] = (
    (
        1,
        "identifiers, links, conflicts",
        (
            """CREATE TABLE identity_identifier (
                id {id},
                scheme {text} NOT NULL,
                value {text} NOT NULL,
                person {ref} NOT NULL,
                former {flag} NOT NULL DEFAULT 0,
                UNIQUE (scheme, value)
            )""",
            "CREATE INDEX identity_identifier_person ON identity_identifier (person)",
            """CREATE TABLE identity_link (
                id {id},
                a {ref} NOT NULL REFERENCES identity_identifier (id),
                b {ref} NOT NULL REFERENCES identity_identifier (id),
                kind {text} NOT NULL CHECK (kind IN ('learnt', 'manual', 'merge')),
                merge {flag} NOT NULL CHECK (merge IN (0, 1)),
                message_id {uuid},
                learnt_at {time} NOT NULL,
                actor {text},
                reason {text},
                retracted_at {time},
                retracted_by {text},
                retraction_reason {text},
                CHECK (a <> b),
                CHECK (message_id IS NOT NULL OR actor IS NOT NULL)
            )""",
            "CREATE UNIQUE INDEX identity_link_active ON identity_link (a, b, merge)"
            " WHERE retracted_at IS NULL",
            "CREATE INDEX identity_link_a ON identity_link (a)",
            "CREATE INDEX identity_link_b ON identity_link (b)",
            """CREATE TABLE identity_conflict (
                id {id},
                code {text} NOT NULL,
                a {ref} NOT NULL REFERENCES identity_identifier (id),
                b {ref} NOT NULL REFERENCES identity_identifier (id),
                kind {text} NOT NULL,
                message_id {uuid},
                recorded_at {time} NOT NULL,
                actor {text},
                reason {text},
                link {ref} REFERENCES identity_link (id),
                clashes {text} NOT NULL
            )""",
            "CREATE UNIQUE INDEX identity_conflict_message"
            " ON identity_conflict (message_id, a, b, code) WHERE message_id IS NOT NULL",
            "CREATE INDEX identity_conflict_a ON identity_conflict (a)",
            "CREATE INDEX identity_conflict_b ON identity_conflict (b)",
        ),
    ),
)
assert MIGRATIONS[-1][0] == SCHEMA_VERSION


def migrations(types: Mapping[str, str]) -> tuple[str, tuple[Migration, ...]]:
    """The schema table and the migrations with ``types`` filled in."""
    return SCHEMA_TABLE.format_map(types), tuple(
        (version, name, tuple(s.format_map(types) for s in statements))
        for version, name, statements in MIGRATIONS
    )
