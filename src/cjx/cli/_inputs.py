"""Command-line inputs: files, directories (recursed) and ``-`` for standard input.

An input is never read whole before its size is known (the security review's finding 17): a
file's size is taken from ``stat`` and standard input is read up to one byte past the limit;
an input over :func:`max_input_bytes` (or ``--max-input-bytes``) is refused
(:class:`TooLarge`) without reading the rest.

A path may also be a pipe or a device (``/dev/stdin``, ``<(cat f.xml)``, which is
``/dev/fd/63``): it is read like standard input, up to the limit. Files found in a directory
are ``listed``: ``--include`` and ``--exclude`` globs select among them (matched against the
path below the directory given, and against the file name), and one that no installed format
recognises is skipped, not rejected (see :func:`recognised`). A file named on the command line
is always taken.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cjx.errors import Report, error

__all__ = [
    "Input",
    "TooLarge",
    "UsageError",
    "check_directory",
    "check_file",
    "collect",
    "max_input_bytes",
    "parse_size",
    "read",
    "recognised",
]

STDIN = "-"


class TooLarge(Exception):
    """The input is larger than any format cjx reads takes; it was not read."""

    def __init__(self, item: Input, size: int | None, limit: int) -> None:
        told = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
        super().__init__(f"{item.name} is {told}; the largest input cjx reads is {limit:,} bytes")
        self.report = Report(
            item.name,
            (
                error(
                    "input.too-large",
                    "/",
                    f"the input is {told}; the largest input any format takes is {limit:,} "
                    "bytes (it was not read)",
                ),
            ),
        )


class UsageError(Exception):
    """The command line is wrong: exit status 2."""


@dataclass(frozen=True, slots=True)
class Input:
    """One input: its display name, its file (``None`` for standard input) and output stem.

    ``below`` is its folder below the directory argument it was found in (``None`` for a path
    named on the command line): ``--keep-tree`` writes its outputs there, and a listed file no
    format recognises is skipped."""

    name: str
    path: Path | None
    below: PurePosixPath | None = None

    @property
    def stem(self) -> str:
        return self.path.stem if self.path is not None else "stdin"

    @property
    def listed(self) -> bool:
        return self.below is not None


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


def _selected(relative: PurePosixPath, include: Sequence[str], exclude: Sequence[str]) -> bool:
    def matches(pattern: str) -> bool:
        return fnmatch.fnmatchcase(str(relative), pattern) or fnmatch.fnmatchcase(
            relative.name, pattern
        )

    if include and not any(matches(p) for p in include):
        return False
    return not any(matches(p) for p in exclude)


def _readable_special(path: Path) -> bool:
    """A pipe, socket or character device (``/dev/stdin``, ``/dev/fd/63``, ``/dev/null``)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def collect(
    paths: Sequence[str], *, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Input]:
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
            for found in _walk(path):
                relative = PurePosixPath(found.relative_to(path).as_posix())
                if _selected(relative, include, exclude):
                    inputs.append(Input(str(found), found, relative.parent))
        elif path.is_file() or _readable_special(path):
            inputs.append(Input(str(path), path))
        else:
            raise UsageError(f"no such file or directory: {raw}")
    return inputs


def recognised(item: Input, data: bytes) -> bool:
    """Whether ``item`` is to be processed: always when named on the command line, and when
    found in a directory only if some installed format recognises its content."""
    if not item.listed:
        return True
    from cjx.adapter import sniff  # noqa: PLC0415 - the registry loads the adapters

    return sniff(data) is not None


_SIZE = re.compile(r"^([0-9]+)([KMG]i?B?|B)?$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def parse_size(text: str) -> int:
    """``10485760``, ``512K``, ``10M``, ``1G`` (powers of 1024) as a number of bytes."""
    match = _SIZE.match(text.strip())
    if match is None or int(match.group(1)) < 1:
        raise ValueError("expected a positive number of bytes, such as 1048576, 512K or 10M")
    unit = (match.group(2) or "")[:1].upper()
    return int(match.group(1)) * _UNITS[unit]


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


def max_input_bytes() -> int:
    """The largest size limit of any registered format (``max_size``): 10 MiB for XML."""
    from cjx.adapter import adapters  # noqa: PLC0415 - the registry loads the adapters
    from cjx.codec import DEFAULT_MAX_JSON_SIZE, DEFAULT_MAX_XML_SIZE  # noqa: PLC0415

    limits = [getattr(a, "max_size", 0) for a in adapters().values()]
    return max([DEFAULT_MAX_XML_SIZE, DEFAULT_MAX_JSON_SIZE, *[n for n in limits if n]])


def read(item: Input, limit: int | None = None) -> bytes:
    """The input's bytes; :class:`TooLarge` (without reading it all) when over ``limit``."""
    limit = max_input_bytes() if limit is None else limit
    if item.path is None:
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(item, None, limit)
        return data
    with item.path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        size = info.st_size
        if stat.S_ISREG(info.st_mode) and size > limit:
            raise TooLarge(item, size, limit)
        data = handle.read(limit + 1)  # a file growing meanwhile is still read only so far
    if len(data) > limit:
        raise TooLarge(item, len(data), limit)
    return data
