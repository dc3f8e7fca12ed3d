"""The production person index: PostgreSQL through psycopg 3, shared by many processes.

* The tables live in the first schema of the connection's ``search_path`` (``public`` unless the
  URL says ``?options=-csearch_path%3Dname``), so several indexes can share one database.
* Every write is one transaction. Before it reads a person it takes
  ``pg_advisory_xact_lock(person id)`` for each person involved, in ascending order (no
  deadlocks between cjx writers), then reads the persons again: if one changed while it waited
  (another writer joined or split it), it rolls back and starts again. Readers take no lock and
  see one snapshot (``REPEATABLE READ READ ONLY``), sent in one round trip (pipeline mode).
* New identifiers are inserted before the locked transaction, each in its own statement with
  ``ON CONFLICT DO NOTHING``, so two writers adding the same identifier never wait on each
  other's uncommitted row while holding a person lock.
* Migrations run under an advisory lock of their own, in one transaction (PostgreSQL's DDL is
  transactional): several services starting at once apply each migration once.
* A lost connection is a :class:`~cjx.errors.TransientError`; the next call reconnects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any, Final, TypeVar

import psycopg
import psycopg.errors
from psycopg import conninfo, pq

from cjx.errors import ConfigurationError, TransientError

from ._engine import Database, Row, Statement
from ._ident import Ident
from ._schema import migrations

__all__ = ["CONNECT_TIMEOUT", "PostgresDatabase"]

T = TypeVar("T")

#: Seconds to wait for the server when connecting; a service then retries the message later.
CONNECT_TIMEOUT: Final = 10
#: Attempts of one write whose persons keep changing under it (each attempt is a few ms).
_log = logging.getLogger("cjx.identity")

MAX_ATTEMPTS: Final = 50
#: Writes of one process before it first refreshes the planner's statistics; the next
#: refresh comes after twice as many, and so on, at most ANALYZE_MOST writes apart.
ANALYZE_FIRST: Final = 200
ANALYZE_MOST: Final = 50_000
#: The advisory lock key of migrations. Person locks use person ids, which are positive.
MIGRATION_LOCK: Final = -0x636A78_1D


_SCHEMA_TABLE, MIGRATIONS = migrations(
    {
        "id": "bigserial PRIMARY KEY",
        "ref": "bigint",
        "text": "text",
        "uuid": "uuid",
        "time": "timestamptz",
        "flag": "smallint",
        "now": "now()",
    }
)

_NEW_IDENTIFIER = (
    "INSERT INTO identity_identifier (id, scheme, value, person, former)"
    " SELECT n, %s, %s, n, 0 FROM (SELECT nextval('identity_identifier_id_seq') AS n) s"
    " ON CONFLICT (scheme, value) DO NOTHING"
)
_SEQUENCES: Final = (
    ("identity_identifier", "identity_identifier_id_seq"),
    ("identity_link", "identity_link_id_seq"),
    ("identity_conflict", "identity_conflict_id_seq"),
)

_RETRY: Final = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


def _sql(text: str) -> str:
    """The engine's ``?`` placeholders as psycopg's ``%s`` (no SQL here holds a ``%``)."""
    return text.replace("?", "%s")


class _Tx:
    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.connection.execute(_sql(sql), params).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(_sql(sql), params)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(_sql(sql), list(rows))


class PostgresDatabase(Database):
    """An index in the PostgreSQL database that ``url`` names (``postgresql://...``)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        try:
            self._info = conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise ConfigurationError(
                "the PostgreSQL URL of the person index is not valid"
            ) from None
        self._connection: psycopg.Connection[Any] | None = None
        self._writes = 0
        self._analyze_at = ANALYZE_FIRST
        self._connect()

    def describe(self) -> str:
        info = self._info
        user = f"{info['user']}@" if info.get("user") else ""
        port = f":{info['port']}" if info.get("port") else ""
        return f"postgresql://{user}{info.get('host', '')}{port}/{info.get('dbname', '')}"

    def _connect(self) -> psycopg.Connection[Any]:
        connection = self._connection
        if connection is not None and not connection.closed and not connection.broken:
            return connection
        try:
            connection = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="cjx-identity",
            )
        except psycopg.Error as exc:
            raise TransientError(
                f"cannot connect to the person index at {self.describe()}: {_reason(exc)}"
            ) from exc
        self._connection = connection
        return connection

    def close(self) -> None:
        with self.lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _fail(self, exc: psycopg.Error) -> Exception:
        if isinstance(exc, psycopg.errors.UndefinedTable):
            return ConfigurationError(
                f"the person index at {self.describe()} has no schema (cjx identity migrate)"
            )
        return TransientError(f"the person index at {self.describe()} failed: {_reason(exc)}")

    def _rollback(self, connection: psycopg.Connection[Any]) -> None:
        if connection.closed or connection.broken:
            return
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            connection.execute("ROLLBACK")

    def _transaction(
        self, work: Callable[[psycopg.Connection[Any]], T], *, begin: bool = True
    ) -> T:
        """``work`` in one transaction (``BEGIN`` ... ``COMMIT``), errors translated.

        ``begin=False``: ``work`` sends the ``BEGIN`` itself (in a pipeline with its first
        statements, saving a round trip).
        """
        with self.lock:
            connection = self._connect()
            try:
                if begin:
                    connection.execute("BEGIN")
                result = work(connection)
                connection.execute("COMMIT")
            except BaseException as exc:
                self._rollback(connection)
                if isinstance(exc, psycopg.Error) and not isinstance(exc, _RETRY):
                    raise self._fail(exc) from exc
                raise
            return result

    def schema_version(self) -> int:
        def work(connection: psycopg.Connection[Any]) -> int:
            (exists,) = connection.execute("SELECT to_regclass('identity_schema')").fetchone() or (
                None,
            )
            if exists is None:
                return 0
            row = connection.execute("SELECT COALESCE(MAX(version), 0) FROM identity_schema")
            return int((row.fetchone() or (0,))[0])

        return self._transaction(work)

    def migrate(self) -> int:
        def work(connection: psycopg.Connection[Any]) -> int:
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            connection.execute(_SCHEMA_TABLE)
            row = connection.execute("SELECT COALESCE(MAX(version), 0) FROM identity_schema")
            current = int((row.fetchone() or (0,))[0])
            for version, name, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        connection.execute(statement)
                    connection.execute(
                        "INSERT INTO identity_schema (version, name) VALUES (%s, %s)",
                        (version, name),
                    )
            return max(current, MIGRATIONS[-1][0])

        return self._transaction(work)

    def read(self, statements: Sequence[Statement]) -> list[list[Row]]:
        with self.lock:
            connection = self._connect()
            try:
                with connection.pipeline():
                    connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    cursors = [connection.execute(_sql(q), p) for q, p in statements]
                    connection.execute("COMMIT")
                return [c.fetchall() for c in cursors]
            except psycopg.Error as exc:
                self._rollback(connection)
                raise self._fail(exc) from exc

    def stream(self, statements: Sequence[Statement]) -> Iterator[tuple[int, Row]]:
        with self.lock:
            connection = self._connect()
            try:
                connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                for n, (sql, params) in enumerate(statements):
                    with connection.cursor(name=f"cjx_identity_export_{n}") as cursor:
                        cursor.itersize = 5000
                        cursor.execute(_sql(sql), params)
                        for row in cursor:
                            yield n, row
                connection.execute("COMMIT")
            except psycopg.Error as exc:
                self._rollback(connection)
                raise self._fail(exc) from exc
            finally:
                self._rollback(connection)

    def write(self, idents: Collection[Ident], work: Callable[[Any], T]) -> T:
        ordered = sorted(idents)
        where = " OR ".join("(scheme = %s AND value = %s)" for _ in ordered) or "false"
        params = [p for i in ordered for p in (i.scheme.value, i.value)]
        # Locks the persons in ascending order (the subquery's order), returning them.
        lock = (
            "SELECT s.person, pg_advisory_xact_lock(s.person)::text FROM (SELECT DISTINCT person"
            f" FROM identity_identifier WHERE {where} ORDER BY person) s"
        )
        check = f"SELECT DISTINCT person FROM identity_identifier WHERE {where}"
        with self.lock:
            connection = self._connect()
            try:
                if ordered:  # each identifier its own person unless known (one round trip)
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            _NEW_IDENTIFIER, [(i.scheme.value, i.value) for i in ordered]
                        )
            except psycopg.Error as exc:
                self._rollback(connection)
                raise self._fail(exc) from exc
            for attempt in range(MAX_ATTEMPTS):

                def locked(connection: psycopg.Connection[Any]) -> tuple[bool, T | None]:
                    # One round trip: lock what the first statement sees, then look again with
                    # a fresh snapshot (read committed): the people must not have changed while
                    # the locks were awaited.
                    with connection.pipeline():
                        connection.execute("BEGIN")
                        held = connection.execute(lock, params)
                        now = connection.execute(check, params)
                    if {r[0] for r in held.fetchall()} != {r[0] for r in now.fetchall()}:
                        return False, None  # a person changed while we waited: start again
                    return True, work(_Tx(connection))

                try:
                    done, result = self._transaction(locked, begin=False)
                except _RETRY:
                    done = False
                if done:
                    self._writes += 1
                    if self._writes >= self._analyze_at:
                        self._analyze()
                    return result  # type: ignore[return-value]
                time.sleep(0.001 * (attempt + 1))
        raise TransientError(
            f"the person index at {self.describe()} is too busy: the people of one write kept "
            f"changing ({MAX_ATTEMPTS} attempts)"
        )

    def bulk_load(
        self, identifiers: Sequence[Row], links: Sequence[Row], conflicts: Sequence[Row]
    ) -> None:
        def work(connection: psycopg.Connection[Any]) -> None:
            connection.execute(
                "LOCK TABLE identity_identifier, identity_link, identity_conflict"
                " IN SHARE ROW EXCLUSIVE MODE"
            )
            if connection.execute("SELECT 1 FROM identity_identifier LIMIT 1").fetchone():
                raise ConfigurationError("an import needs an empty person index")
            with connection.cursor() as cursor:
                for table, columns, rows in (
                    ("identity_identifier", "id, scheme, value, person, former", identifiers),
                    (
                        "identity_link",
                        "id, a, b, kind, merge, message_id, learnt_at, actor, reason,"
                        " retracted_at, retracted_by, retraction_reason",
                        links,
                    ),
                    (
                        "identity_conflict",
                        "id, code, a, b, kind, message_id, recorded_at, actor, reason, link,"
                        " clashes",
                        conflicts,
                    ),
                ):
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                for table, sequence in _SEQUENCES:
                    connection.execute(
                        f"SELECT setval('{sequence}',"
                        f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )

        self._transaction(work)
        with self.lock:
            self._analyze()

    def _analyze(self) -> None:
        """Refresh the planner's statistics of the index's tables (call with the lock held).

        A growing index must not rely on autovacuum for them: where it is off or slow, the
        planner goes on believing the tables are as small as when they were made, and resolves
        a person by scanning every active link (each write slower than the last). So each
        process analyses the tables itself, after 200 writes, then 400 more, 800 more... at
        most 50,000 apart. ANALYZE samples a bounded number of rows: a few milliseconds here.
        """
        self._analyze_at = self._writes + min(max(self._writes, ANALYZE_FIRST), ANALYZE_MOST)
        try:
            connection = self._connect()
            for table, _ in _SEQUENCES:
                connection.execute(f"ANALYZE {table}")
        except psycopg.Error as exc:  # statistics are an optimisation: never fail a write
            _log.warning(
                "could not refresh the person index's statistics",
                extra={"cjx": {"event": "analyze-failed", "reason": _reason(exc)}},
            )


def _reason(exc: psycopg.Error) -> str:
    """The server's or driver's message, first line only (no query text, no parameters)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
