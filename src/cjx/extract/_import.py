"""``cjx extract import``: stream a whole CDE extract into canonical messages.

The file is read line by line and never held whole: memory stays flat whatever its size (the
only state growing with the file is the NOMS-number index, 8 bytes a row, see
:class:`RowIndex`). Each row is decoded by the ``nomis-cde`` adapter (:func:`cjx_nomis_cde.
decode_row`); with ``jobs > 1`` chunks of rows are decoded by that many processes and written
in the file's order.

* Accepted rows go to a :class:`Sink` (NDJSON, one file per record, or the broker).
* Rejected rows go to the rejects file, one JSON object a line: ``row`` (1-based), ``issues``
  (each ``code``, ``path``, ``message``) and ``line`` (the operator's own line, as read).
* A NOMS number on a second row rejects that row (``extract.duplicate-key``); the first stands
  and the issue names both rows.
* Every ``checkpoint_every`` rows the outputs are flushed to disk and a checkpoint written
  (the input's offset, the outputs' sizes, the counts). Run again with the same arguments, the
  import truncates its outputs to the checkpoint and carries on from there; the message ids
  are digests of the records, so a row written twice downstream has the same id both times.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import signal
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Final, Protocol

from cjx.model import NomsNumber

__all__ = [
    "CHECK_CODES",
    "DUPLICATE_CODE",
    "ImportSummary",
    "RowIndex",
    "Sink",
    "decode_lines",
    "import_extract",
]

DUPLICATE_CODE: Final = "extract.duplicate-key"
#: Issue codes of identifiers that failed their check character.
CHECK_CODES: Final = frozenset({"pnc.check-character", "cro.check-character"})
#: Positions (1-based) of the layout's date fields, watched for far-future dates.
DATE_POSITIONS: Final = (13, 23, 27, 32, 40, 41, 65, 67, 68, 69, 70, 71, 72, 73, 74, 77, 153)
FAR_FUTURE_YEAR: Final = 2100
_FAR_TEXT: Final = f"{FAR_FUTURE_YEAR:04d}"
#: A year of FAR_FUTURE_YEAR (2100) or later ending a field (the test holds it to the year).
_FAR: Final = re.compile(r"/(?:2[1-9]|[3-9][0-9])[0-9]{2}(?:\||$)")
CHUNK: Final = 2000
#: New containers between two young collections while an import decodes (the default is 700).
_YOUNG_COLLECTION: Final = 20_000
EXAMPLES: Final = 5


class Sink(Protocol):
    """Where accepted messages go."""

    def resume(self, position: int) -> None:
        """Go back to ``position`` (a :meth:`flush` result) before writing again."""
        ...

    def write(self, noms: str, message: bytes) -> None: ...

    def flush(self) -> int:
        """Hand what was written on (to the operating system, or to the broker and its
        confirms); returns the position to resume from once :meth:`sync` has made it durable."""
        ...

    def sync(self) -> None:
        """Make what :meth:`flush` handed on durable. Called on a thread of its own while the
        import goes on writing, so it must not touch what :meth:`write` uses (an ``fsync`` of
        the file's descriptor is fine)."""
        ...

    def close(self) -> None: ...


def _noms_key(text: str) -> int | None:
    """A NOMS number as an integer below 2**28 (``None`` when it is not one)."""
    if len(text) != 7 or not NomsNumber._form.fullmatch(text):
        return None
    digits = int(text[1:5])
    return (
        (((ord(text[0]) - 65) * 10_000 + digits) * 26 + ord(text[5]) - 65) * 26 + ord(text[6]) - 65
    )


class RowIndex:
    """NOMS number -> first row, in an open-addressing table of 64-bit words (8 bytes a slot,
    half full at most): about 16 bytes a row, where a ``dict`` would take over 100. A key's
    first slot is the top bits of its 32-bit Fibonacci hash (the low bits of the product
    would follow the key's low bits, and NOMS numbers that share them would cluster)."""

    def __init__(self) -> None:
        self._slots = array("Q", bytes(8 * 1024))
        self._shift = 32 - 10  # 2**10 slots
        self._used = 0

    def first_row(self, noms: str, row: int) -> int | None:
        """The row ``noms`` was first seen on, or ``None`` (and ``row`` is recorded)."""
        key = _noms_key(noms)
        if key is None:
            return None
        slots = self._slots
        mask = len(slots) - 1
        index = ((key * _FIBONACCI) & 0xFFFFFFFF) >> self._shift
        tag = (key + 1) << 32
        while True:
            word = slots[index]
            if word == 0:
                slots[index] = tag | row
                self._used += 1
                if self._used * 2 > len(slots):
                    self._grow()
                return None
            if word >> 32 == key + 1:
                return word & 0xFFFFFFFF
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._slots = slots = array("Q", bytes(16 * len(old)))
        self._shift -= 1
        mask = len(slots) - 1
        for word in old:
            if word:
                index = ((((word >> 32) - 1) * _FIBONACCI) & 0xFFFFFFFF) >> self._shift
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = word


#: 2**32 divided by the golden ratio (Knuth's multiplicative hash).
_FIBONACCI: Final = 2654435769


@dataclass
class ImportSummary:
    """What an import saw: the report's and the exit code's source."""

    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[int]] = field(default_factory=dict)
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    check_failures: Counter[str] = field(default_factory=Counter)
    far_future: Counter[str] = field(default_factory=Counter)
    no_date: Counter[str] = field(default_factory=Counter)

    def count_issue(self, code: str, row: int) -> None:
        self.codes[code] += 1
        rows = self.examples.setdefault(code, [])
        if len(rows) < EXAMPLES:
            rows.append(row)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "codes": dict(self.codes),
            "examples": self.examples,
            "duplicates": [list(pair) for pair in self.duplicates[:1000]],
            "duplicate_count": self.codes.get(DUPLICATE_CODE, 0),
            "check_failures": dict(self.check_failures),
            "far_future": dict(self.far_future),
            "no_date": dict(self.no_date),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportSummary:
        summary = cls(rows=data["rows"], accepted=data["accepted"], rejected=data["rejected"])
        summary.codes.update(data["codes"])
        summary.examples = {k: list(v) for k, v in data["examples"].items()}
        summary.duplicates = [(a, b) for a, b in data["duplicates"]]
        summary.check_failures.update(data["check_failures"])
        summary.far_future.update(data["far_future"])
        summary.no_date.update(data["no_date"])
        return summary


#: A decoded row: (noms text or "", message or None, issues [(code, path, message)], dates).
Decoded = tuple[str, bytes | None, list[tuple[str, str, str]], list[tuple[str, bool]]]


def decode_lines(lines: list[str]) -> list[Decoded]:
    """Decode a chunk of rows (a worker's unit with ``jobs > 1``). A clean row's line is
    written by the adapter's writer for clean rows (:func:`cjx_nomis_cde.clean_line`, the same
    bytes as the model's); every other row is decoded by the model, with its issues."""
    from cjx_nomis_cde import (  # noqa: PLC0415
        FIELDS,
        clean_line,
        decode_fields,
        message_line,
        unquote,
    )

    watched = [(position - 1, FIELDS[position - 1].path) for position in DATE_POSITIONS]
    count = len(FIELDS)
    decoded_lines: list[Decoded] = []
    for row_text in lines:
        line = unquote(row_text)
        values = line.split("|")
        noms = values[3] if len(values) > 3 else ""
        dates: list[tuple[str, bool]] = []
        if len(values) == count:
            # a far-future date needs "/" and a year of 2100 or more at a field's end: a line
            # of ASCII without that has none (checked in C, so the fields are looked at in
            # the few lines that might)
            might = not line.isascii() or _FAR.search(line) is not None
            for index, path in watched if might else ():
                text = values[index]
                # a year of FAR_FUTURE_YEAR or later (four digits compare as their numbers;
                # the comparison first, as few dates pass it)
                if (
                    len(text) == 10
                    and text[6:] >= _FAR_TEXT
                    and text[6:].isdecimal()  # what int() reads (isdigit() takes "²")
                    and int(text[6:]) >= FAR_FUTURE_YEAR
                ):
                    dates.append((path, text == "31/12/2999"))
            written = clean_line(values, line)
            if written is not None:
                decoded_lines.append((noms, written, [], dates))
                continue
        decoded = decode_fields(values)
        issues = [(i.code, i.path, i.message) for i in decoded.issues]
        if decoded.record is None or decoded.extract_date is None:
            decoded_lines.append((noms, None, issues, dates))
        else:
            message = message_line(decoded.record, decoded.extract_date)
            decoded_lines.append((noms, message, issues, dates))
    return decoded_lines


def _chunks(handle: Any, limit: int) -> Iterator[tuple[list[str], list[bytes], int]]:
    """``(texts, raw lines, end offset)`` chunks of at most ``limit`` lines."""
    while raws := list(islice(handle, limit)):
        yield [raw.decode("utf-8", "replace").rstrip("\r\n") for raw in raws], raws, handle.tell()


@dataclass
class Checkpoint:
    """Where a run stands, for resuming it (a JSON file beside the output)."""

    path: Path
    fingerprint: str

    def load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        if data.get("fingerprint") != self.fingerprint:
            raise ValueError(
                f"{self.path} is the checkpoint of another run (other arguments or another "
                "input): remove it to start again"
            )
        return dict(data)

    def text(self, state: dict[str, Any]) -> str:
        """The checkpoint file's text for ``state`` (made when the state is taken: the
        summary it holds goes on changing)."""
        return json.dumps({"fingerprint": self.fingerprint, **state})

    def write(self, text: str) -> None:
        """Write the checkpoint durably: a file beside it, synced, renamed over it, and the
        directory synced (a crash leaves the old checkpoint or the new one, whole)."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def fingerprint(source: Path, arguments: list[str]) -> str:
    """The run's identity: the input (path, size, first bytes) and its arguments."""
    stat = source.stat()
    with source.open("rb") as handle:
        head = handle.read(65536)
    digest = hashlib.sha256()
    for part in (str(source.resolve()), str(stat.st_size), *arguments):
        digest.update(part.encode() + b"\0")
    digest.update(head)
    return digest.hexdigest()


def import_extract(
    source: Path,
    sink: Sink,
    *,
    rejects: Any,
    checkpoint: Checkpoint,
    jobs: int = 1,
    checkpoint_every: int = 10_000,
    progress: Callable[[ImportSummary, int, int], None] | None = None,
    kill_at: int | None = None,
) -> ImportSummary:
    """Import ``source`` into ``sink``, rejects to the binary file ``rejects``; resumes from
    ``checkpoint`` when it holds a state. ``progress(summary, offset, size)`` is called per
    chunk. ``kill_at`` (the tests' kill) ends the process with SIGKILL at that row.

    While it runs, the process's cyclic garbage collector runs less often
    (:func:`_fewer_collections`); two imports on two threads of one process at once may leave
    it so."""
    with _fewer_collections():
        return _import(
            source,
            sink,
            rejects=rejects,
            checkpoint=checkpoint,
            jobs=jobs,
            checkpoint_every=checkpoint_every,
            progress=progress,
            kill_at=kill_at,
        )


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector runs less often while rows are decoded: a row makes a few
    dozen short-lived lists and tuples, and at the default (a young collection every 700 new
    containers) the collector walks each chunk's surviving rows again and again. Cycles are
    still collected; a young generation of 20,000 containers is a few MiB at most. Measured
    about 4 % faster on 100,000 rows (docs/performance.md)."""
    before = gc.get_threshold()
    gc.set_threshold(_YOUNG_COLLECTION, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _import(
    source: Path,
    sink: Sink,
    *,
    rejects: Any,
    checkpoint: Checkpoint,
    jobs: int,
    checkpoint_every: int,
    progress: Callable[[ImportSummary, int, int], None] | None,
    kill_at: int | None,
) -> ImportSummary:
    size = source.stat().st_size
    state = checkpoint.load()
    index = RowIndex()
    summary = ImportSummary()
    offset = 0
    with source.open("rb") as handle:
        if state is not None:
            summary = ImportSummary.from_json(state["summary"])
            offset = state["offset"]
            sink.resume(state["sink"])
            rejects.truncate(state["rejects_size"])
            rejects.seek(state["rejects_size"])
            row = 0
            while handle.tell() < offset:  # rebuild the NOMS-number index
                row += 1
                values = handle.readline().decode("utf-8", "replace").replace('"', "")
                parts = values.split("|", 4)
                if len(parts) > 3:
                    index.first_row(parts[3], row)
        handle.seek(offset)
        chunks = _chunks(handle, CHUNK)
        saver = _Saver()
        executor = (
            ProcessPoolExecutor(jobs, initializer=_watch_parent, initargs=(os.getpid(),))
            if jobs > 1
            else None
        )
        try:
            if executor is not None:
                pairs: Iterator[tuple[list[Decoded], tuple[list[str], list[bytes], int]]] = (
                    (result, chunk) for result, chunk in _ordered(executor, chunks, jobs)
                )
            else:
                pairs = ((decode_lines(chunk[0]), chunk) for chunk in chunks)
            since = summary.rows
            for results, (_texts, raws, end) in pairs:
                for (noms, message, found, dates), raw in zip(results, raws, strict=True):
                    issues = found
                    summary.rows += 1
                    row = summary.rows
                    if row == kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)
                    for where, none in dates:
                        (summary.no_date if none else summary.far_future)[where] += 1
                    first = index.first_row(noms, row) if noms else None
                    if first is not None:
                        issues = [
                            *issues,
                            (
                                DUPLICATE_CODE,
                                "field 4 nomis_id_f4",
                                f"row {row}: this NOMS number is on row {first} already; "
                                "the first row stands",
                            ),
                        ]
                        summary.duplicates.append((first, row))
                    if message is not None and not issues_are_errors(issues):
                        sink.write(noms, message)
                        summary.accepted += 1
                        continue
                    summary.rejected += 1
                    for code, _path, _message in issues:
                        summary.count_issue(code, row)
                        if code in CHECK_CODES:
                            summary.check_failures[code] += 1
                    rejects.write(_reject(row, issues, raw))
                if progress is not None:
                    progress(summary, end, size)
                if summary.rows - since >= checkpoint_every:
                    since = summary.rows
                    saver.save(checkpoint, sink, rejects, end, summary)
            saver.wait()
        finally:
            if executor is not None:
                executor.shutdown(cancel_futures=True)
            saver.wait(quiet=True)
    sink.flush()
    sink.sync()
    rejects.flush()
    os.fsync(rejects.fileno())
    checkpoint.remove()
    return summary


def _watch_parent(parent: int) -> None:
    """In a worker: end when the import that started it is gone (killed: nothing else
    would end a worker waiting for its next chunk). The worker's collector runs as the
    import's does (:func:`_fewer_collections`)."""
    gc.set_threshold(_YOUNG_COLLECTION, *gc.get_threshold()[1:])

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def issues_are_errors(issues: list[tuple[str, str, str]]) -> bool:
    """Whether a row's issues reject it (the adapter reports errors only)."""
    return bool(issues)


def _ordered(
    executor: ProcessPoolExecutor,
    chunks: Iterator[tuple[list[str], list[bytes], int]],
    jobs: int,
) -> Iterator[tuple[list[Decoded], tuple[list[str], list[bytes], int]]]:
    """The chunks' results in the file's order, at most ``2 * jobs`` chunks in flight."""
    pending: list[tuple[Any, tuple[list[str], list[bytes], int]]] = []
    for chunk in chunks:
        pending.append((executor.submit(decode_lines, chunk[0]), chunk))
        if len(pending) >= 2 * jobs:
            future, done = pending.pop(0)
            yield future.result(), done
    for future, done in pending:
        yield future.result(), done


def _reject(row: int, issues: list[tuple[str, str, str]], raw: bytes) -> bytes:
    document = {
        "row": row,
        "issues": [{"code": c, "path": f"row {row}, {p}", "message": m} for c, p, m in issues],
        "line": raw.decode("utf-8", "replace").rstrip("\r\n"),
    }
    return json.dumps(document, ensure_ascii=False).encode() + b"\n"


class _Saver:
    """Writes checkpoints, their ``fsync`` calls off the import's thread.

    A checkpoint names the input's offset, the outputs' sizes and the counts at the end of a
    chunk. :meth:`save` takes them on the import's thread (the sink's :meth:`Sink.flush`, the
    rejects' buffer, the summary's JSON), then a thread of its own makes both outputs durable
    and only then writes the checkpoint, while the import goes on decoding. One save is in
    flight at a time. A run killed before a save ends resumes from the checkpoint before it:
    the outputs are truncated to that one's sizes, and the rows after it are read again.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def save(
        self, checkpoint: Checkpoint, sink: Sink, rejects: Any, offset: int, summary: ImportSummary
    ) -> None:
        self.wait()
        position = sink.flush()
        rejects.flush()
        # the text now, on this thread: the summary goes on changing while the thread runs
        text = checkpoint.text(
            {
                "offset": offset,
                "sink": position,
                "rejects_size": rejects.tell(),
                "summary": summary.as_json(),
            }
        )

        def durable() -> None:
            try:
                sink.sync()
                os.fsync(rejects.fileno())
                checkpoint.write(text)
            except BaseException as exc:  # raised on the import's thread by wait()
                self._error = exc

        thread = threading.Thread(target=durable, name="cjx-checkpoint", daemon=True)
        thread.start()
        self._thread = thread  # only once started: wait() joins it

    def wait(self, *, quiet: bool = False) -> None:
        """Until the save in flight is written; its error raised (unless ``quiet``)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None and not quiet:
            raise error
