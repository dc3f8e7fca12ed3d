"""The person index on both backends for the rule tests (the fixtures of ``tests/identity``)."""

from tests.identity.conftest import (  # noqa: F401 - pytest finds fixtures by name here
    backend,
    index,
    index_url,
    new_url,
    pg_database,
)
