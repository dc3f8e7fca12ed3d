"""The PostgreSQL index keeps the planner's statistics fresh itself.

This machine's PostgreSQL runs with autovacuum off, as some do. An index that relied on it
would be planned for ever as the empty tables it started as: resolving a person then scans every
active link, and each write is slower than the last (the 5,000-person journey took minutes
longer). The index analyses its tables after its first 200 writes, then at growing intervals.
"""

from __future__ import annotations

import psycopg
import pytest
from tests import postgres
from tests.identity.test_concurrency import crn, noms

from cjx.identity import Ident, Scheme, open_index
from cjx.identity._postgres import ANALYZE_FIRST

pytestmark = pytest.mark.postgresql


def _analysed(url: str) -> dict[str, bool]:
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables"
            " WHERE relname IN ('identity_identifier', 'identity_link')"
        ).fetchall()
    return {str(name): bool(done) for name, done in rows}


def test_the_index_analyses_its_tables_as_they_grow() -> None:
    with postgres.own_database("cjx_stats") as database:
        url = postgres.url_for(database)
        with open_index(url) as index:
            for i in range(ANALYZE_FIRST - 1):
                index.link(
                    Ident(Scheme.NOMS, noms(i)), Ident(Scheme.CRN, crn("X", i)), actor="tester"
                )
            # not analysed yet (autovacuum would set last_autoanalyze, not last_analyze)
            assert _analysed(url) == {"identity_identifier": False, "identity_link": False}
            index.link(
                Ident(Scheme.NOMS, noms(ANALYZE_FIRST)),
                Ident(Scheme.CRN, crn("X", ANALYZE_FIRST)),
                actor="tester",
            )
            assert _analysed(url) == {"identity_identifier": True, "identity_link": True}
            with psycopg.connect(url, autocommit=True) as connection:
                (tuples,) = connection.execute(
                    "SELECT reltuples FROM pg_class WHERE relname = 'identity_link'"
                ).fetchone() or (0,)
            assert tuples >= ANALYZE_FIRST  # the planner now knows the table's size
