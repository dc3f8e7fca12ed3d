"""De-duplication stores: the input ids a service has already carried forward (DESIGN.md rule 5).

A service marks an input done once everything it caused (outputs, or its dead letter) is
confirmed by the broker, before it acknowledges the input. A redelivery of a done input is
acknowledged without a second output. The memory store forgets the oldest ids beyond its
capacity and forgets everything when the process ends; :class:`SqliteDedup` survives restarts.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["DedupStore", "MemoryDedup", "SqliteDedup"]


@runtime_checkable
class DedupStore(Protocol):
    def __contains__(self, key: str) -> bool: ...

    def add(self, key: str) -> None: ...


class MemoryDedup:
    """The last ``capacity`` keys, in memory (an LRU by insertion)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        if self.capacity <= 0:
            return
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.capacity:
            self._keys.popitem(last=False)


class SqliteDedup:
    """Keys kept in an SQLite file, so de-duplication survives a restart; oldest pruned."""

    def __init__(self, path: Path, capacity: int) -> None:
        self.capacity = capacity
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS done (n INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE)"
        )
        self._added = 0

    def __contains__(self, key: str) -> bool:
        row = self._db.execute("SELECT 1 FROM done WHERE key = ?", (key,)).fetchone()
        return row is not None

    def add(self, key: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO done (key) VALUES (?)", (key,))
        self._added += 1
        if self._added % 1000 == 0:
            self._db.execute(
                "DELETE FROM done WHERE n <= (SELECT MAX(n) FROM done) - ?", (self.capacity,)
            )

    def close(self) -> None:
        self._db.close()
