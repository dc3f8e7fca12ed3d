"""Person index benchmark: resolve latency and learning rate with 1,000,000 links.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/identity.py                    # SQLite and PostgreSQL, 1,000,000 links
    .venv/bin/python bench/identity.py --links 100000     # quicker
    .venv/bin/python bench/identity.py --backend sqlite   # one backend
    .venv/bin/python bench/identity.py --json             # the same, machine-readable

PostgreSQL is the server at 127.0.0.1:5432 (``--pg-admin-url`` names a database to connect to
while creating the benchmark's own database, ``cjx_bench_<random>``, dropped at the end). SQLite
is a file in a temporary directory, deleted at the end.

For each backend:

1. **Load.** ``links / 4`` synthetic people, each with a NOMS number linked to a CRN, a PNC ID
   and a book number, and the book number to its booking id (four links, all "learnt" with a
   message id), are loaded through ``import_records`` (the bulk path the export's import uses:
   every record checked and every identifier normalised, then COPY or ``executemany`` in one
   transaction).
2. **Resolve.** ``--lookups`` random identifiers of loaded people (all schemes) are resolved one
   at a time with ``index.resolve``, interleaved with the **floor**: the same identifier's row
   fetched with a bare SQL query (``SELECT id, person, former FROM identity_identifier WHERE
   scheme = ? AND value = ?``) on the raw driver (sqlite3, psycopg with a prepared statement),
   over a connection of its own. p50 and p99 of each, and their ratios.
3. **Learn.** ``--messages`` new ``identity.identifiers-linked`` messages (built beforehand) are
   learnt one by one (each a transaction: two new links, their people joined, conflicts checked),
   interleaved in blocks with the floor: one bare ``INSERT`` of a row into a table of the same
   shape, committed on its own. Then the same messages again (a redelivery: nothing new to learn).

The load average is printed with every figure: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
for extra in (REPO / "src", REPO / "adapters"):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

from cjx.identity import Ident, PersonIndex, Scheme, open_index  # noqa: E402
from cjx.model import (  # noqa: E402
    IdentifiersLinked,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    check_character,
    make_envelope,
)

FLOOR_QUERY: Final = (
    "SELECT id, person, former FROM identity_identifier WHERE scheme = ? AND value = ?"
)
FLOOR_TABLE: Final = (
    "CREATE TABLE bench_floor (id {pk}, a TEXT NOT NULL, b TEXT NOT NULL, message_id TEXT,"
    " learnt_at TEXT NOT NULL, UNIQUE (a, b))"
)
FLOOR_INSERT: Final = "INSERT INTO bench_floor (a, b, message_id, learnt_at) VALUES (?, ?, ?, ?)"
LEARNT_AT: Final = "2025-05-20T08:13:00+00:00"
SOURCE: Final = Source(system="delius", format="hmpps-events")
OCCURRED: Final = Timestamp.parse("2025-05-20T09:12:44.081+01:00")
_B36: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def loadavg() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --- synthetic people ---------------------------------------------------------------------------


def noms(i: int) -> str:
    letters, digits = divmod(i, 10_000)
    a, rest = divmod(letters, 26 * 26)
    return f"{chr(65 + a)}{digits:04d}{chr(65 + rest // 26)}{chr(65 + rest % 26)}"


def crn(i: int) -> str:
    return f"{chr(65 + i // 1_000_000)}{i % 1_000_000:06d}"


def pnc(i: int) -> str:
    yy, serial = 10 + i // 10_000_000, i % 10_000_000
    return f"20{yy:02d}/{serial:07d}{check_character(f'{yy:02d}{serial:07d}')}"


def book(i: int) -> str:
    digits = []
    for _ in range(6):
        i, r = divmod(i, 36)
        digits.append(_B36[r])
    return "".join(reversed(digits))


def booking(i: int) -> str:
    return str(1_000_000 + i)


def person(i: int) -> dict[Scheme, str]:
    return {
        Scheme.NOMS: noms(i),
        Scheme.CRN: crn(i),
        Scheme.PNC: pnc(i),
        Scheme.BOOK: book(i),
        Scheme.BOOKING: booking(i),
    }


def records(people: int) -> Iterator[dict[str, Any]]:
    """An export of ``people`` people, four links each, as ``cjx identity export`` writes it."""
    yield {"type": "header", "format": "cjx-identity", "version": 1}
    n = 0
    for i in range(people):
        p = person(i)
        message = str(uuid.UUID(int=i + 1))
        for a, b in (
            (f"crn:{p[Scheme.CRN]}", f"noms:{p[Scheme.NOMS]}"),
            (f"noms:{p[Scheme.NOMS]}", f"pnc:{p[Scheme.PNC]}"),
            (f"book:{p[Scheme.BOOK]}", f"noms:{p[Scheme.NOMS]}"),
            (f"book:{p[Scheme.BOOK]}", f"booking:{p[Scheme.BOOKING]}"),
        ):
            n += 1
            yield {
                "type": "link",
                "id": n,
                "a": a,
                "b": b,
                "kind": "learnt",
                "message_id": message,
                "learnt_at": LEARNT_AT,
                "actor": None,
                "reason": None,
                "retracted_at": None,
                "retracted_by": None,
                "retraction_reason": None,
            }


def envelopes(first: int, count: int) -> list[Any]:
    def clock() -> dt.datetime:
        return dt.datetime(2025, 5, 20, 8, 13, tzinfo=dt.UTC)

    out = []
    for i in range(first, first + count):
        p = person(i)
        out.append(
            make_envelope(
                IdentifiersLinked(
                    crn=p[Scheme.CRN], noms_number=p[Scheme.NOMS], booking_number=p[Scheme.BOOK]
                ),
                occurred_at=OCCURRED,
                source=SOURCE,
                subject=[
                    SubjectId(scheme=SubjectScheme.CRN, value=p[Scheme.CRN]),
                    SubjectId(scheme=SubjectScheme.NOMS, value=p[Scheme.NOMS]),
                ],
                correlation_id=f"bench-{i}",
                clock=clock,
            )
        )
    return out


# --- backends -----------------------------------------------------------------------------------


class Backend:
    name: str
    url: str

    def floor_lookup(self) -> Callable[[str, str], Any]:
        raise NotImplementedError

    def floor_insert(self) -> Callable[[str, str, str], None]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class Sqlite(Backend):
    name = "sqlite"

    def __init__(self) -> None:
        self.directory = tempfile.TemporaryDirectory(prefix="cjx-bench-identity-")
        self.url = f"sqlite:///{self.directory.name}/index.db"
        self.path = f"{self.directory.name}/index.db"

    def _connect(self) -> Any:
        import sqlite3  # noqa: PLC0415

        connection = sqlite3.connect(self.path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")  # as the index's own connection
        return connection

    def floor_lookup(self) -> Callable[[str, str], Any]:
        connection = self._connect()

        def lookup(scheme: str, value: str) -> Any:
            return connection.execute(FLOOR_QUERY, (scheme, value)).fetchone()

        return lookup

    def floor_insert(self) -> Callable[[str, str, str], None]:
        connection = self._connect()
        connection.execute(FLOOR_TABLE.format(pk="INTEGER PRIMARY KEY"))

        def insert(a: str, b: str, message_id: str) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(FLOOR_INSERT, (a, b, message_id, LEARNT_AT))
            connection.execute("COMMIT")

        return insert

    def close(self) -> None:
        self.directory.cleanup()


class Postgres(Backend):
    name = "postgresql"

    def __init__(self, admin_url: str) -> None:
        import psycopg  # noqa: PLC0415

        self.admin_url = admin_url
        self.database = f"cjx_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        base, _, _ = admin_url.rpartition("/")
        self.url = f"{base}/{self.database}"

    def _connect(self) -> Any:
        import psycopg  # noqa: PLC0415

        return psycopg.connect(self.url, autocommit=True)

    def floor_lookup(self) -> Callable[[str, str], Any]:
        connection = self._connect()
        query = FLOOR_QUERY.replace("?", "%s")

        def lookup(scheme: str, value: str) -> Any:
            return connection.execute(query, (scheme, value), prepare=True).fetchone()

        return lookup

    def floor_insert(self) -> Callable[[str, str, str], None]:
        connection = self._connect()
        connection.execute(FLOOR_TABLE.format(pk="bigserial PRIMARY KEY"))
        query = FLOOR_INSERT.replace("?", "%s")

        def insert(a: str, b: str, message_id: str) -> None:
            with connection.transaction():
                connection.execute(query, (a, b, message_id, LEARNT_AT), prepare=True)

        return insert

    def close(self) -> None:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


# --- measuring ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(backend: Backend, links: int, lookups: int, messages: int) -> dict[str, Any]:
    people = links // 4
    result: dict[str, Any] = {"backend": backend.name, "links": people * 4, "people": people}
    index: PersonIndex = open_index(backend.url)
    try:
        result["load_loadavg"] = loadavg()
        started = time.perf_counter()
        imported = index.import_records(records(people), source="bench")
        result["load_seconds"] = time.perf_counter() - started
        result["identifiers"] = imported.identifiers
        result["load_links_per_second"] = imported.links / result["load_seconds"]

        # resolve against the floor, interleaved, same identifiers
        rng = random.Random(20250520)
        sample = []
        for _ in range(lookups):
            scheme = rng.choice(list(Scheme.__members__.values()))
            if scheme is Scheme.CRO or scheme is Scheme.ASN:
                scheme = Scheme.NOMS
            sample.append(Ident(scheme, person(rng.randrange(people))[scheme]))
        floor = backend.floor_lookup()
        for ident in sample[:500]:  # warm-up: prepared statements, caches
            index.resolve(ident)
            floor(ident.scheme.value, ident.value)
        result["resolve_loadavg"] = loadavg()
        ours: list[float] = []
        bare: list[float] = []
        clock = time.perf_counter_ns
        for n, ident in enumerate(sample):
            scheme, value = ident.scheme.value, ident.value
            if n % 2:
                t0 = clock()
                found = index.resolve(ident)
                t1 = clock()
                row = floor(scheme, value)
                t2 = clock()
                ours.append((t1 - t0) / 1000)
                bare.append((t2 - t1) / 1000)
            else:
                t0 = clock()
                row = floor(scheme, value)
                t1 = clock()
                found = index.resolve(ident)
                t2 = clock()
                bare.append((t1 - t0) / 1000)
                ours.append((t2 - t1) / 1000)
            assert row is not None
            assert len(found.identifiers) == 5
        for name, values in (("resolve", ours), ("floor", bare)):
            result[f"{name}_p50_us"] = percentile(values, 0.50)
            result[f"{name}_p99_us"] = percentile(values, 0.99)
        result["resolve_p50_ratio"] = result["resolve_p50_us"] / result["floor_p50_us"]
        result["resolve_p99_ratio"] = result["resolve_p99_us"] / result["floor_p99_us"]

        # learning against the floor, in interleaved blocks
        fresh = envelopes(people, messages)
        insert = backend.floor_insert()
        result["learn_loadavg"] = loadavg()
        learn_seconds = floor_seconds = 0.0
        per_message: list[float] = []
        block = 100
        for start in range(0, messages, block):
            chunk = fresh[start : start + block]
            t0 = time.perf_counter()
            for envelope in chunk:
                m0 = time.perf_counter()
                learnt = index.learn(envelope)
                per_message.append((time.perf_counter() - m0) * 1e6)
                assert len(learnt.new_links) == 2, learnt
            t1 = time.perf_counter()
            for envelope in chunk:
                body = envelope.body
                insert(f"crn:{body.crn}", f"noms:{body.noms_number}", str(envelope.message_id))
            t2 = time.perf_counter()
            learn_seconds += t1 - t0
            floor_seconds += t2 - t1
        result["learn_messages_per_second"] = messages / learn_seconds
        result["learn_links_per_second"] = 2 * messages / learn_seconds
        result["learn_p50_us"] = percentile(per_message, 0.50)
        result["learn_p99_us"] = percentile(per_message, 0.99)
        result["floor_inserts_per_second"] = messages / floor_seconds
        result["learn_ratio"] = (
            result["learn_messages_per_second"] / result["floor_inserts_per_second"]
        )
        t0 = time.perf_counter()
        for envelope in fresh:
            assert index.learn(envelope).new_links == ()
        result["relearn_messages_per_second"] = messages / (time.perf_counter() - t0)
        result["end_loadavg"] = loadavg()
    finally:
        index.close()
    return result


def report(results: list[dict[str, Any]]) -> None:
    for r in results:
        print(
            f"\n{r['backend']}: {r['links']:,} links, {r['people']:,} people, "
            f"{r['identifiers']:,} identifiers"
        )
        print(
            f"  load (import_records)  {r['load_seconds']:8.1f} s   "
            f"{r['load_links_per_second']:>10,.0f} links/s        load average {r['load_loadavg']}"
        )
        print(
            f"  resolve                p50 {r['resolve_p50_us']:8.1f} µs  p99 "
            f"{r['resolve_p99_us']:8.1f} µs   load average {r['resolve_loadavg']}"
        )
        print(
            f"  floor (bare SELECT)    p50 {r['floor_p50_us']:8.1f} µs  p99 "
            f"{r['floor_p99_us']:8.1f} µs"
        )
        print(
            f"  resolve / floor        p50 {r['resolve_p50_ratio']:8.1f} ×   p99 "
            f"{r['resolve_p99_ratio']:8.1f} ×"
        )
        print(
            f"  learn                  {r['learn_messages_per_second']:8,.0f} msg/s "
            f"({r['learn_links_per_second']:,.0f} links/s), p50 {r['learn_p50_us']:,.0f} µs, "
            f"p99 {r['learn_p99_us']:,.0f} µs   load average {r['learn_loadavg']}"
        )
        print(
            f"  floor (bare INSERT)    {r['floor_inserts_per_second']:8,.0f} commits/s   "
            f"learn / floor {r['learn_ratio']:.2f}"
        )
        print(
            f"  relearn (redelivery)   {r['relearn_messages_per_second']:8,.0f} msg/s"
            f"   load average at the end {r['end_loadavg']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get(
            "CJX_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = args.backend or ["sqlite", "postgresql"]
    if not args.json:
        print(
            f"person index benchmark: {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average {loadavg()}"
        )
    results = []
    for name in chosen:
        backend: Backend = Sqlite() if name == "sqlite" else Postgres(args.pg_admin_url)
        with contextlib.ExitStack() as stack:
            stack.callback(backend.close)
            results.append(measure(backend, args.links, args.lookups, args.messages))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
