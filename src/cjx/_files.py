"""The one way cjx writes a file (translate outputs, reports, demo outputs, schema and AsyncAPI
exports, person index exports).

Files cjx writes hold personal data (a translated court result names a person, their date of
birth and address), so every one is written by :func:`write_file` (or :func:`open_file`, for
output written in pieces), which keep these rules:

* **Private by default.** A new file is created ``0600`` (owner read and write only). With
  ``--umask`` (``private=False``) it gets the usual ``0666`` less the process umask instead, for
  a folder shared on purpose; files holding no personal data (exported schemas) are created so.
* **No planted symlink is followed.** A new file is opened with ``O_CREAT | O_EXCL |
  O_NOFOLLOW``: if the name already exists, as a file or as a symlink pointing anywhere, nothing
  is written through it.
* **Nothing is overwritten unless asked.** An existing file is an error (:class:`FileExists`)
  unless ``force``; then the content is written to a new private file in the same folder and
  renamed over the name, which replaces a symlink itself rather than the file it points to.
* A folder cjx creates for outputs is created ``0700`` (``0777`` less the umask with
  ``private=False``); inside the output folder the user named, a folder that is a symlink is
  refused (:func:`make_directory`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

__all__ = ["PRIVATE_FILE_MODE", "FileExists", "make_directory", "open_file", "write_file"]

#: Owner read and write: the mode of every file cjx writes unless told otherwise.
PRIVATE_FILE_MODE: Final = 0o600
_PRIVATE_DIRECTORY_MODE: Final = 0o700
_FLAGS: Final = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class FileExists(FileExistsError):
    """The output exists already (as a file or a symlink) and ``--force`` was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists; give --force to replace it (nothing was written to it)")
        self.path = path


def _umask() -> int:
    current = os.umask(0o077)
    os.umask(current)
    return current


@contextlib.contextmanager
def open_file(path: Path, *, force: bool = False, private: bool = True) -> Iterator[BinaryIO]:
    """A binary handle on a new ``path``, under the rules of this module, for output written in
    pieces (an export); :func:`write_file` for bytes at hand. On an exception nothing is left:
    the new file, or the temporary one ``force`` writes, is removed."""
    mode = PRIVATE_FILE_MODE if private else 0o666 & ~_umask()
    if force:
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(21, "Is a directory", str(path))
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        written = Path(name)
    else:
        try:
            fd = os.open(path, _FLAGS, mode)
        except FileExistsError:
            raise FileExists(path) from None
        written = path
    try:
        os.fchmod(fd, mode)  # O_CREAT applies the umask too; this keeps the mode exact
        with os.fdopen(fd, "wb") as handle:
            yield handle
        if force:
            written.replace(path)  # renames over the name: a symlink is replaced, not followed
    except BaseException:
        with contextlib.suppress(OSError):
            written.unlink()
        raise


def write_file(path: Path, data: bytes, *, force: bool = False, private: bool = True) -> None:
    """Create ``path`` holding ``data`` under the rules of this module."""
    with open_file(path, force=force, private=private) as handle:
        handle.write(data)


def make_directory(base: Path, relative: str = "", *, private: bool = True) -> Path:
    """Create the output folder ``base`` (a symlink the user named is followed) and, inside it,
    the folders of ``relative`` one by one, refusing any that is a symlink; returns the last."""
    mode = _PRIVATE_DIRECTORY_MODE if private else 0o777
    base.mkdir(mode=mode, parents=True, exist_ok=True)
    folder = base
    for part in Path(relative).parts:
        folder = folder / part
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=mode)
        if not stat.S_ISDIR(folder.lstat().st_mode):  # lstat: a symlink is not a folder
            raise NotADirectoryError(
                20,
                "not a real folder (a symlink?); cjx writes outputs only into folders it "
                "made or was given",
                str(folder),
            )
    return folder
