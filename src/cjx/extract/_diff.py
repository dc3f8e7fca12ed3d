"""``cjx extract diff OLD NEW``: two daily extracts -> canonical messages for what changed.

Memory is bounded: each file is streamed once into a temporary SQLite database on disk (one
row a person: the NOMS number, the row number and the record's canonical JSON), and the two
tables are then walked side by side in NOMS-number order. Neither file is held in memory, and
their order (grouped by prison) does not matter.

What it emits, in NOMS-number order, one canonical message a line:

* a person in NEW and not in OLD: their ``custody.prisoner-record``, with every group named
  in ``changed_groups`` (all of it is new);
* a person whose record differs: their new ``custody.prisoner-record``, with the groups that
  differ (:meth:`cjx.model.PrisonerRecord.differing_groups`) named in ``changed_groups``
  (version 1.2 of the record), and counted in the summary;
* then a person in OLD and not in NEW: ``custody.prisoner-left-extract`` (the last extract
  date that listed them, and the first that did not).

The extract date and the age are not in the record, so they are never a change. A message id
digests the record, so running the same diff again emits the same ids. Rows either file
rejects (the import's rules, and a NOMS number on a second row of a file) go to the rejects
file with the file's name, and count.

Changed release dates travel in the prisoner record, ``sentence`` named as changed; never as
``custody.release-dates``, which is keyed by the NOMIS booking id that a CDE row does not carry
(docs/extracts.md).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

from cjx.codec import encode_json
from cjx.model import (
    ChangeGroup,
    NomsNumber,
    PrisonerLeftExtract,
    PrisonerRecord,
    Source,
    SubjectId,
    SubjectScheme,
    make_envelope,
)

__all__ = ["diff_extracts"]


def _load(db: sqlite3.Connection, table: str, path: Path, rejects: BinaryIO) -> Counter[str]:
    from cjx_nomis_cde import clean_body, decode_fields, unquote  # noqa: PLC0415

    counts: Counter[str] = Counter()
    db.execute(f"CREATE TABLE {table} (noms TEXT PRIMARY KEY, row INTEGER, record TEXT, day TEXT)")
    batch: list[tuple[str, int, str, str]] = []
    with path.open("rb") as handle:
        for row, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            unquoted = unquote(line)
            values = unquoted.split("|")
            # a clean row's record JSON without the model (the same text: see clean_body, which
            # takes the row as the import does, without its ")
            clean = clean_body(values, unquoted)
            if clean is not None:
                batch.append((clean.noms, row, clean.body, clean.extract_date))
            else:
                decoded = decode_fields(values)
                record = decoded.record
                if record is None or decoded.extract_date is None:
                    counts["rejected"] += 1
                    issues = [(i.code, i.path, i.message) for i in decoded.issues]
                    _reject(rejects, path, row, issues, line)
                    continue
                batch.append(
                    (
                        str(record.noms_number),
                        row,
                        record.model_dump_json(exclude_none=True),
                        decoded.extract_date.isoformat(),
                    )
                )
            if len(batch) >= 5000:
                counts["rejected"] += _insert(db, table, batch, path, rejects)
                batch = []
    counts["rejected"] += _insert(db, table, batch, path, rejects)
    return counts


def _insert(
    db: sqlite3.Connection,
    table: str,
    batch: list[tuple[str, int, str, str]],
    path: Path,
    rejects: BinaryIO,
) -> int:
    rejected = 0
    for item in batch:
        try:
            db.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", item)  # noqa: S608
        except sqlite3.IntegrityError:
            (first,) = db.execute(f"SELECT row FROM {table} WHERE noms = ?", (item[0],)).fetchone()  # noqa: S608
            message = f"row {item[1]}: this NOMS number is on row {first} already"
            _reject(
                rejects,
                path,
                item[1],
                [("extract.duplicate-key", "field 4 nomis_id_f4", message)],
                None,
            )
            rejected += 1
    return rejected


def _reject(
    rejects: BinaryIO, path: Path, row: int, issues: list[tuple[str, str, str]], line: str | None
) -> None:
    document: dict[str, Any] = {
        "file": path.name,
        "row": row,
        "issues": [{"code": c, "path": f"row {row}, {p}", "message": m} for c, p, m in issues],
    }
    if line is not None:
        document["line"] = line
    rejects.write(json.dumps(document, ensure_ascii=False).encode() + b"\n")


def _left(noms: str, last_listed: dt.date, first_missing: dt.date) -> bytes:
    from cjx_nomis_cde import extract_instant  # noqa: PLC0415

    body = PrisonerLeftExtract(
        noms_number=NomsNumber(noms), last_listed=last_listed, first_missing=first_missing
    )
    envelope = make_envelope(
        body,
        occurred_at=extract_instant(first_missing),
        source=Source(system="nomis", format="nomis-cde"),
        subject=[SubjectId(scheme=SubjectScheme.NOMS, value=NomsNumber(noms))],
    )
    return encode_json(envelope, indent=None)


def diff_extracts(old: Path, new: Path, *, sink: Any, rejects: BinaryIO) -> dict[str, Any]:
    """Write the change messages of ``old`` -> ``new`` to ``sink``; the summary."""
    from cjx_nomis_cde import message_line  # noqa: PLC0415

    summary: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="cjx-diff-") as work:
        db = sqlite3.connect(Path(work) / "diff.sqlite")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -16000")  # 16 MB, whatever the files' size
        summary.update(_load(db, "old", old, rejects))
        summary.update(_load(db, "new", new, rejects))
        db.commit()
        query = (
            "SELECT new.noms, new.record, new.day, old.record FROM new "
            "LEFT JOIN old ON old.noms = new.noms ORDER BY new.noms"
        )
        for _noms, record_json, day, old_json in db.execute(query):
            if old_json == record_json:
                summary["unchanged"] += 1
                continue
            record = PrisonerRecord.model_validate_json(record_json)
            if old_json is None:
                summary["new"] += 1
                changed: tuple[str, ...] = tuple(ChangeGroup)  # a new person: every group
            else:
                before = PrisonerRecord.model_validate_json(old_json)
                changed = before.differing_groups(record)
                if not changed:
                    summary["unchanged"] += 1
                    continue
                summary["changed"] += 1
                groups.update(changed)
            record = record.model_copy(
                update={"changed_groups": tuple(ChangeGroup(name) for name in changed)}
            )
            sink.write(str(record.noms_number), message_line(record, dt.date.fromisoformat(day)))
        new_day = db.execute("SELECT max(day) FROM new").fetchone()[0]
        gone = db.execute(
            "SELECT old.noms, old.day FROM old LEFT JOIN new ON new.noms = old.noms "
            "WHERE new.noms IS NULL ORDER BY old.noms"
        )
        for noms, day in gone:
            summary["removed"] += 1
            if new_day is None or new_day <= day:
                continue  # no later extract date to name: counted only
            sink.write(
                noms, _left(noms, dt.date.fromisoformat(day), dt.date.fromisoformat(new_day))
            )
        db.close()
    return {
        "new": summary["new"],
        "changed": summary["changed"],
        "unchanged": summary["unchanged"],
        "removed": summary["removed"],
        "rejected": summary["rejected"],
        "changed_groups": dict(groups),
    }
