"""Where an import's (or a diff's) accepted messages go: NDJSON, one file each, or a broker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:  # the NDJSON sink (the import's usual) needs neither at start-up
    from cjx.adapter import Adapter

__all__ = ["DirectorySink", "NdjsonSink"]


class NdjsonSink:
    """Canonical JSON, one message a line, into one file."""

    def __init__(self, path: Path, *, resume: bool) -> None:
        self.path = path
        self.handle: BinaryIO = path.open("r+b" if resume else "wb")

    def resume(self, position: int) -> None:
        self.handle.truncate(position)
        self.handle.seek(position)

    def write(self, noms: str, message: bytes) -> None:
        self.handle.write(message + b"\n")

    def flush(self) -> int:
        self.handle.flush()
        return self.handle.tell()

    def sync(self) -> None:
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()


class DirectorySink:
    """One file per record, in another format (``--to``): ``<NOMS number><extension>``.
    Writing a record again replaces its file with the same bytes, so resuming needs nothing."""

    def __init__(self, directory: Path, adapter: Adapter) -> None:
        self.directory = directory
        self.adapter = adapter
        directory.mkdir(parents=True, exist_ok=True)

    def resume(self, position: int) -> None:
        pass

    def write(self, noms: str, message: bytes) -> None:
        from cjx.codec import decode_json  # noqa: PLC0415

        envelope = decode_json(message)
        data = self.adapter.encode(envelope)
        name = f"{noms}{self.adapter.extension}"
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(data)
        temporary.replace(self.directory / name)

    def flush(self) -> int:
        return 0

    def sync(self) -> None:
        """Nothing. Each file is written whole and renamed into place, so none is ever half
        written; the files are not synced (a crash can lose the last ones written, and a
        re-run with the same arguments writes them again: resuming needs nothing here)."""

    def close(self) -> None:
        pass
