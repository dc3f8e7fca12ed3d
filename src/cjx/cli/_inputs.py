"""Command-line inputs: files, directories (recursed) and ``-`` for standard input."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Input", "UsageError", "check_directory", "check_file", "collect", "read"]

STDIN = "-"


class UsageError(Exception):
    """The command line is wrong: exit status 2."""


@dataclass(frozen=True, slots=True)
class Input:
    """One input: its display name, its file (``None`` for standard input) and output stem."""

    name: str
    path: Path | None

    @property
    def stem(self) -> str:
        return self.path.stem if self.path is not None else "stdin"


def _walk(directory: Path) -> Iterator[Path]:
    """Files below ``directory``, sorted; hidden entries and symlinked directories skipped
    (a link back up the tree would otherwise visit the same files again and again)."""
    for child in sorted(directory.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            if not child.is_symlink():
                yield from _walk(child)
        elif child.is_file():
            yield child


def collect(paths: Sequence[str]) -> list[Input]:
    """Expand the PATH arguments; a path that does not exist is a usage error."""
    inputs: list[Input] = []
    stdin_seen = False
    for raw in paths:
        if raw == STDIN:
            if stdin_seen:
                raise UsageError("standard input (-) can be given only once")
            stdin_seen = True
            inputs.append(Input("<stdin>", None))
            continue
        path = Path(raw)
        if path.is_dir():
            inputs.extend(Input(str(p), p) for p in _walk(path))
        elif path.is_file():
            inputs.append(Input(str(path), path))
        else:
            raise UsageError(f"no such file or directory: {raw}")
    return inputs


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()  # pragma: no cover - a relative path's parents end at "."


def check_directory(path: Path, option: str) -> None:
    """A directory that exists or can be created: else a usage error, before any work."""
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise UsageError(f"{option} {path}: {existing} is not a directory")


def check_file(path: Path, option: str) -> None:
    """A file path that can be written (its directory exists or can be created)."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory")
    check_directory(path.parent, option)


def read(item: Input) -> bytes:
    if item.path is None:
        return sys.stdin.buffer.read()
    return item.path.read_bytes()
