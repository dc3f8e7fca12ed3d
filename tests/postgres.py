"""The real PostgreSQL for the person index tests: availability, a database of their own.

On a machine with no server the PostgreSQL tests skip with a clear reason. Under CI
(``CI=true``) a missing server fails the run instead. Only loopback is ever contacted. Each test
session creates a database ``cjx_test_<random>`` and drops it at the end; each index inside it
lives in a schema of its own (``?options=-csearch_path=...``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

HOST = "127.0.0.1"
PORT = 5432
USER = os.environ.get("CJX_TEST_POSTGRES_USER", "postgres")
#: An existing database to connect to while creating and dropping the test database.
ADMIN_DATABASE = os.environ.get("CJX_TEST_POSTGRES_DATABASE", "test")


def _answering() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=2):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    """Skip (or, under CI, fail) unless PostgreSQL answers on loopback and psycopg is there."""
    problem = None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        problem = "psycopg is not installed (pip install -e '.[dev]')"
    if problem is None and not _answering():
        problem = (
            f"PostgreSQL is not answering at {HOST}:{PORT}; start it to run the person index "
            "tests on PostgreSQL"
        )
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    pytest.skip(problem)


def url_for(database: str, schema: str | None = None) -> str:
    url = f"postgresql://{USER}@{HOST}:{PORT}/{database}"
    if schema is not None:
        url += "?options=" + quote(f"-csearch_path={schema}", safe="")
    return url


@contextlib.contextmanager
def own_database(prefix: str = "cjx_test") -> Iterator[str]:
    """A database of its own for the block (skips without a server, fails under CI)."""
    import psycopg

    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url_for(ADMIN_DATABASE), autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(url_for(ADMIN_DATABASE), autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_schema(database: str) -> str:
    """A fresh, empty schema in ``database``; the URL of an index that lives in it."""
    import psycopg

    schema = f"s{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url_for(database), autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return url_for(database, schema)
