"""The embedded person index: one SQLite file, nothing to start.

* WAL journal, so readers never wait for the writer; ``synchronous=FULL``, so a link the index
  said it learnt survives a power cut (a service acknowledges its input after learning).
* Every write is one ``BEGIN IMMEDIATE`` transaction: it takes the file's write lock before it
  reads anything, so writers in several threads or processes on one host run one at a time and
  conflict detection cannot race. A writer waits up to :data:`BUSY_TIMEOUT` seconds for the lock.
* Reads run in a deferred transaction, so one look-up sees one snapshot.
* Not for a network file system (SQLite's locks are not reliable there); use PostgreSQL to share
  an index between hosts.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from cjx.errors import ConfigurationError, TransientError

from ._engine import Database, Row, Statement
from ._ident import Ident
from ._schema import migrations

__all__ = ["BUSY_TIMEOUT", "SqliteDatabase"]

T = TypeVar("T")

#: Seconds a writer waits for another process's write transaction; writes are short, so a
#: longer wait means something is stuck, and the caller should retry later (TransientError).
BUSY_TIMEOUT: Final = 30.0

_SCHEMA_TABLE, MIGRATIONS = migrations(
    {
        "id": "INTEGER PRIMARY KEY",
        "ref": "INTEGER",
        "text": "TEXT",
        "uuid": "TEXT",
        "time": "TEXT",
        "flag": "INTEGER",
        "now": "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    }
)

_NEW_IDENTIFIER = (
    "INSERT INTO identity_identifier (id, scheme, value, person, former)"
    " SELECT n, ?, ?, n, 0 FROM (SELECT IFNULL((SELECT MAX(id) FROM identity_identifier), 0) + 1"
    " AS n) WHERE true ON CONFLICT (scheme, value) DO NOTHING"  # a bare MAX(id) reads one row
)


def _param(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


_PLAIN: Final = (str, int, type(None))


def _params(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(v if type(v) in _PLAIN else _param(v) for v in values)


class _Tx:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.connection.execute(sql, _params(params)).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql, _params(params))

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.connection.executemany(sql, (_params(r) for r in rows))


class SqliteDatabase(Database):
    """An index in the SQLite file ``path`` (``:memory:`` for a private one in memory)."""

    def __init__(self, path: str, *, create: bool = True) -> None:
        super().__init__()
        self.path = path
        if path == ":memory:" or create:
            target, uri = path, False
        else:
            if not Path(path).is_file():
                raise ConfigurationError(f"there is no person index at {path}")
            target, uri = f"file:{Path(path).resolve()}?mode=rw", True
        try:
            self.connection = sqlite3.connect(
                target,
                timeout=BUSY_TIMEOUT,
                isolation_level=None,
                check_same_thread=False,
                uri=uri,
            )
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise ConfigurationError(f"cannot open the person index at {path}: {exc}") from exc

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def close(self) -> None:
        with self.lock:
            self.connection.close()

    def _fail(self, exc: sqlite3.Error) -> Exception:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return TransientError(f"the person index at {self.path} is busy: {exc}")
        if isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc):
            return ConfigurationError(
                f"the person index at {self.path} has no schema (cjx identity migrate)"
            )
        return TransientError(f"the person index at {self.path} failed: {exc}")

    def schema_version(self) -> int:
        with self.lock:
            try:
                found = self.connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'identity_schema'"
                ).fetchone()
                if found is None:
                    return 0
                (version,) = self.connection.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM identity_schema"
                ).fetchone()
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc
            return int(version)

    def migrate(self) -> int:
        def work(tx: _Tx) -> int:
            tx.run(_SCHEMA_TABLE)
            (current,) = tx.query("SELECT COALESCE(MAX(version), 0) FROM identity_schema")[0]
            for version, name, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        tx.run(statement)
                    tx.run(
                        "INSERT INTO identity_schema (version, name) VALUES (?, ?)", (version, name)
                    )
            return max(int(current), MIGRATIONS[-1][0])

        return self._transaction(work)

    def _transaction(self, work: Callable[[_Tx], T]) -> T:
        with self.lock:
            try:
                self.connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc
            try:
                result = work(_Tx(self.connection))
                self.connection.execute("COMMIT")
            except BaseException as exc:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._fail(exc) from exc
                raise
            return result

    def read(self, statements: Sequence[Statement]) -> list[list[Row]]:
        with self.lock:
            try:
                self.connection.execute("BEGIN")
                try:
                    return [
                        self.connection.execute(sql, _params(params)).fetchall()
                        for sql, params in statements
                    ]
                finally:
                    self.connection.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

    def stream(self, statements: Sequence[Statement]) -> Iterator[tuple[int, Row]]:
        with self.lock:
            try:
                self.connection.execute("BEGIN")
                try:
                    for n, (sql, params) in enumerate(statements):
                        for row in self.connection.execute(sql, _params(params)):
                            yield n, row
                finally:
                    self.connection.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

    def write(self, idents: Collection[Ident], work: Callable[[Any], T]) -> T:
        def run(tx: _Tx) -> T:
            tx.run_many(_NEW_IDENTIFIER, [(i.scheme.value, i.value) for i in sorted(idents)])
            return work(tx)

        return self._transaction(run)

    def bulk_load(
        self, identifiers: Sequence[Row], links: Sequence[Row], conflicts: Sequence[Row]
    ) -> None:
        def work(tx: _Tx) -> None:
            if tx.query("SELECT 1 FROM identity_identifier LIMIT 1"):
                raise ConfigurationError("an import needs an empty person index")
            tx.run_many(
                "INSERT INTO identity_identifier (id, scheme, value, person, former)"
                " VALUES (?, ?, ?, ?, ?)",
                identifiers,
            )
            tx.run_many(
                "INSERT INTO identity_link (id, a, b, kind, merge, message_id, learnt_at, actor,"
                " reason, retracted_at, retracted_by, retraction_reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                links,
            )
            tx.run_many(
                "INSERT INTO identity_conflict (id, code, a, b, kind, message_id, recorded_at,"
                " actor, reason, link, clashes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                conflicts,
            )

        self._transaction(work)
        with self.lock:
            self.connection.execute("ANALYZE")  # the planner's statistics for the new rows
            # the bulk load went to the write-ahead log: move it into the database file now
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
