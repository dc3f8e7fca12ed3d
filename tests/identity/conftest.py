"""Fixtures for the person index tests: each contract test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests import postgres

from cjx.identity import PersonIndex, open_index


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database for this session, dropped at the end (skips without a server, fails in CI)."""
    with postgres.own_database() as name:
        yield name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes the URL of a fresh, empty index on the backend under test, each time it is called."""
    if backend == "sqlite":
        counter = itertools.count()
        return lambda: f"sqlite:///{tmp_path}/index-{next(counter)}.db"
    database = request.getfixturevalue("pg_database")
    return lambda: postgres.new_schema(database)


@pytest.fixture
def index_url(new_url: Callable[[], str]) -> str:
    return new_url()


@pytest.fixture
def index(index_url: str) -> Iterator[PersonIndex]:
    with open_index(index_url) as opened:
        yield opened
