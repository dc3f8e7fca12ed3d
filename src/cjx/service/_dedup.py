"""De-duplication stores: the inputs a service has already carried forward (DESIGN.md rule 5).

Rules kept here and in the service that uses them (the security review's findings 2 and 9):

* **An input is known by its id and its body.** A store remembers ``(key, digest)`` pairs: the
  key is the input's ``message_id`` (a SHA-256 of the body when it has none), the digest a
  SHA-256 of the body. A redelivery (same id, same body) is a duplicate; the same id with a
  different body is a *reused id*: processed like any new input, and counted and logged as
  such, never silently dropped.
* **Only what got through is recorded.** A service records an input once its outputs are
  confirmed by the broker. A dead-lettered or retried input is not recorded, so a corrected
  resend with the same id (or a replay from the dlq) is processed.
* **A store belongs to one service.** Two services sharing one SQLite file would drop each
  other's inputs: the configuration refuses it, and the file itself records its owner and
  refuses another (:class:`SqliteDedup`).

The memory store forgets the oldest inputs beyond its capacity and everything when the process
ends; :class:`SqliteDedup` survives restarts.
"""

from __future__ import annotations

import enum
import sqlite3
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, runtime_checkable

from cjx.errors import ConfigurationError

__all__ = ["DedupStore", "MemoryDedup", "Seen", "SqliteDedup"]


class Seen(enum.Enum):
    """What a store knows of an input."""

    NEW = "new"  # neither its id nor its body has been carried forward
    DONE = "done"  # this id with this body was carried forward: a redelivery
    REUSED = "reused"  # this id was carried forward with another body


@runtime_checkable
class DedupStore(Protocol):
    def seen(self, key: str, digest: str) -> Seen: ...

    def add(self, key: str, digest: str) -> None: ...

    def __contains__(self, key: str) -> bool: ...


class MemoryDedup:
    """The last ``capacity`` inputs, in memory (an LRU by insertion)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._done: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._ids: dict[str, int] = {}  # bodies remembered per key

    def seen(self, key: str, digest: str) -> Seen:
        if (key, digest) in self._done:
            return Seen.DONE
        return Seen.REUSED if key in self._ids else Seen.NEW

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._done)

    def add(self, key: str, digest: str) -> None:
        if self.capacity <= 0:
            return
        pair = (key, digest)
        if pair in self._done:
            self._done.move_to_end(pair)
            return
        self._done[pair] = None
        self._ids[key] = self._ids.get(key, 0) + 1
        while len(self._done) > self.capacity:
            (old, _), _ = self._done.popitem(last=False)
            left = self._ids[old] - 1
            if left:
                self._ids[old] = left
            else:
                del self._ids[old]


class SqliteDedup:
    """Inputs kept in an SQLite file, so de-duplication survives a restart; oldest pruned.

    With ``service``, the file is that service's: the first service to open it records its
    name, and opening it for another raises :class:`~cjx.errors.ConfigurationError`.
    """

    def __init__(self, path: Path, capacity: int, *, service: str | None = None) -> None:
        self.capacity = capacity
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS owner (service TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS inputs (n INTEGER PRIMARY KEY AUTOINCREMENT, "
            "key TEXT NOT NULL, digest TEXT NOT NULL, UNIQUE (key, digest))"
        )
        if service is not None:
            self._claim(path, service)
        self._added = 0

    def _claim(self, path: Path, service: str) -> None:
        row = self._db.execute("SELECT service FROM owner").fetchone()
        if row is None:
            self._db.execute("INSERT INTO owner (service) VALUES (?)", (service,))
        elif row[0] != service:
            self._db.close()
            raise ConfigurationError(
                f"dedup_path {path} holds the de-duplication records of service {row[0]!r}, "
                f"not {service!r}: give each service a file of its own"
            )

    def seen(self, key: str, digest: str) -> Seen:
        same, any_body = self._db.execute(
            "SELECT COALESCE(MAX(digest = ?), 0), COUNT(*) FROM inputs WHERE key = ?",
            (digest, key),
        ).fetchone()
        if same:
            return Seen.DONE
        return Seen.REUSED if any_body else Seen.NEW

    def __contains__(self, key: str) -> bool:
        row = self._db.execute("SELECT 1 FROM inputs WHERE key = ? LIMIT 1", (key,)).fetchone()
        return row is not None

    def add(self, key: str, digest: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO inputs (key, digest) VALUES (?, ?)", (key, digest))
        self._added += 1
        if self._added % 1000 == 0:
            self._db.execute(
                "DELETE FROM inputs WHERE n <= (SELECT MAX(n) FROM inputs) - ?", (self.capacity,)
            )

    def close(self) -> None:
        self._db.close()
