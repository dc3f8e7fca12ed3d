"""The person index: which identifiers belong to one person, learnt from the traffic.

Prison and probation name one person differently (NOMS number and booking, CRN, PNC ID...); no
system holds every link. The index keeps **links between identifiers and their provenance,
never names, dates of birth or addresses**::

    from cjx.identity import Ident, Scheme, open_index

    with open_index("sqlite:///people.db") as index:      # or postgresql://host/db
        index.learn(envelope)                              # identity.identifiers-linked, ...
        person = index.resolve(Ident.parse("noms:A1234BC"))
        crn = person.current(Scheme.CRN)                   # None when not known
        person.taught_by(crn)                              # the message ids behind the link
        booking = index.booking(1200835)                   # book number + current NOMS number
        index.conflicts()                                  # refused links, both sides kept

The rules (see docs/identity.md for the whole story):

* Identifiers: PNC ID, CRO number, NOMS number, CRN, ASN, book number and booking id
  (:class:`Scheme`), normalised and checked by the identifier types of :mod:`cjx.model`. A
  booking is two identifiers, the book number and the booking id, linked to each other (the only
  pair kept one to one) and to the person.
* A person holds at most one current PNC ID, CRO number, NOMS number and CRN; ASNs, book numbers
  and booking ids are many. A NOMS number removed by a merge is a former identifier.
* A link that contradicts the index is refused and kept as a :class:`Conflict`; a link is
  retracted with who, when and why, and nothing is ever deleted.
* Backends behind one protocol (:class:`PersonIndex`): SQLite (embedded, one file) and
  PostgreSQL (production, shared by many processes), both race-free.

This layer imports only :mod:`cjx.model` and :mod:`cjx.errors` (and psycopg, for PostgreSQL).
"""

from __future__ import annotations

import os
from typing import Final

from cjx.errors import ConfigurationError
from cjx.model import Clock, system_clock

from ._engine import PersonIndex, SqlIndex
from ._export import EXPORT_FORMAT, EXPORT_VERSION, Imported, conflict_record, link_record
from ._ident import SINGLE_VALUED, SUBJECT_SCHEMES, Ident, Scheme, subject_ident
from ._learn import EXTRACTORS, Extractor, claims_of, from_subject, pair, read, star
from ._records import (
    Applied,
    Booking,
    Claim,
    Clash,
    Conflict,
    ConflictCode,
    Learnt,
    Link,
    LinkKind,
    Person,
    Retraction,
)
from ._schema import SCHEMA_VERSION

__all__ = [
    # opening an index
    "open_index",
    "url_from_environment",
    "INDEX_URL_VARIABLE",
    "PersonIndex",
    "SCHEMA_VERSION",
    # identifiers
    "Ident",
    "Scheme",
    "SINGLE_VALUED",
    "SUBJECT_SCHEMES",
    "subject_ident",
    # what the index hands out
    "Person",
    "Booking",
    "Link",
    "LinkKind",
    "Retraction",
    "Conflict",
    "ConflictCode",
    "Clash",
    "Claim",
    "Applied",
    "Learnt",
    "Imported",
    # learning from messages
    "EXTRACTORS",
    "Extractor",
    "claims_of",
    "from_subject",
    "star",
    "pair",
    "read",
    # the export format
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "link_record",
    "conflict_record",
]

#: The environment variable that overrides the index URL a command or service is given.
INDEX_URL_VARIABLE: Final = "CJX_IDENTITY_URL"


def url_from_environment(url: str | None) -> str | None:
    """``CJX_IDENTITY_URL`` when it is set (it overrides ``url``), else ``url``."""
    return os.environ.get(INDEX_URL_VARIABLE) or url


def open_index(url: str, *, migrate: bool = True, clock: Clock = system_clock) -> PersonIndex:
    """Open the person index at ``url``: ``sqlite:///PATH`` or ``postgresql://...``.

    ``sqlite:///people.db`` is a path relative to the working directory and
    ``sqlite:////var/lib/cjx/people.db`` an absolute one (four slashes), as in SQLAlchemy;
    ``sqlite:///:memory:`` is a private index in memory. ``postgresql://`` (or ``postgres://``)
    URLs are libpq's; the index's tables go in the first schema of the ``search_path``.

    With ``migrate`` (the default) the schema is created or brought up to date (versioned, in
    one transaction); without it an index whose schema is missing or old is refused
    (``ConfigurationError``), and a SQLite file that does not exist is not created. An index
    written by a newer cjx (a higher schema version) is always refused. Errors never show the
    URL's password.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    index: SqlIndex
    if scheme == "sqlite":
        from ._sqlite import SqliteDatabase  # noqa: PLC0415

        path = url.split("://", 1)[1]
        if not path.startswith("/") or path == "/":
            raise ConfigurationError(
                "a SQLite index URL is sqlite:///PATH (sqlite:////ABSOLUTE/PATH)"
            )
        index = SqlIndex(SqliteDatabase(path[1:], create=migrate), clock=clock)
    elif scheme in ("postgresql", "postgres"):
        try:
            from ._postgres import PostgresDatabase  # noqa: PLC0415 - psycopg only when asked
        except ImportError:
            raise ConfigurationError(
                "a PostgreSQL person index needs psycopg: pip install 'cjx[postgresql]'"
            ) from None
        index = SqlIndex(PostgresDatabase(url), clock=clock)
    else:
        raise ConfigurationError(
            "a person index URL starts with sqlite:/// or postgresql:// (CJX_IDENTITY_URL)"
        )
    try:
        version = index.schema_version
        if version > SCHEMA_VERSION:
            raise ConfigurationError(
                f"{index!r} has schema version {version}; this cjx knows "
                f"up to {SCHEMA_VERSION} (upgrade cjx)"
            )
        if version < SCHEMA_VERSION:
            if not migrate:
                raise ConfigurationError(
                    f"{index!r} has schema version {version}, this cjx "
                    f"needs {SCHEMA_VERSION}: run `cjx identity migrate`"
                )
            index.migrate()
    except BaseException:
        index.close()
        raise
    return index
