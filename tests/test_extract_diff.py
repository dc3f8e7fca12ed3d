"""``cjx extract diff`` on a crafted pair of files: the expected change list."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cjx.extract import generate_rows
from cjx.validation import validate_canonical_json


def test_diff_of_a_crafted_pair(tmp_path: Path) -> None:
    """OLD has people a..e; NEW (next day, another order, ages moved on) drops one, adds one,
    moves one cell, changes one CRD and releases one: exactly those changes are emitted."""
    rows = [r.line.split("|") for r in generate_rows(6, seed=21)]
    old, new = rows[:5], [list(r) for r in rows[:5]]
    for values in new:
        values[0] = "06/01/2026"  # the extract date moves on: not a change
        values[11] = str(int(values[11]) + 1)  # nor is the age
    new[1][18] = "Z-9-999"  # location
    new[2][70] = "01/01/2031"  # sentence (CRD)
    new[2][72] = "02/01/2031"
    new[3][23] = "INACTIVE-Out"  # status: a release
    del new[4]  # removed
    new.append(rows[5])  # new prisoner
    new.reverse()  # grouped otherwise: order does not matter
    (tmp_path / "old.dat").write_text("".join("|".join(v) + "\n" for v in old))
    (tmp_path / "new.dat").write_text("".join("|".join(v) + "\n" for v in new))
    out = tmp_path / "diff.ndjson"
    result = subprocess.run(  # noqa: PLW1510 - the test reads the exit code
        [sys.executable, "-m", "cjx", "extract", "diff", str(tmp_path / "old.dat"),
         str(tmp_path / "new.dat"), "--out", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["new"] == 1
    assert summary["changed"] == 3
    assert summary["removed"] == 1
    assert summary["unchanged"] == 1
    assert summary["changed_groups"] == {"location": 1, "sentence": 1, "status": 1}
    messages = [json.loads(line) for line in out.read_text().splitlines()]
    records = [m for m in messages if m["message_type"] == "custody.prisoner-record"]
    assert sorted(m["body"]["noms_number"] for m in records) == sorted(
        [rows[1][3], rows[2][3], rows[3][3], rows[5][3]]
    )
    # each record names the groups that changed (version 1.2); a new person, every group
    every_group = [
        "identifiers", "personal-details", "alerts", "status", "location", "sentence",
        "restricted-patient", "incentive-level", "physical-details", "contact-details",
    ]  # fmt: skip
    named = {m["body"]["noms_number"]: m["body"]["changed_groups"] for m in records}
    assert named == {
        rows[1][3]: ["location"],
        rows[2][3]: ["sentence"],
        rows[3][3]: ["status"],
        rows[5][3]: every_group,
    }
    assert {m["schema_version"] for m in records} == {"1.2"}
    for message in records:  # valid as the version it says, and as a 1.1 reader reads it
        assert validate_canonical_json(json.dumps(message)).ok
        assert validate_canonical_json(json.dumps(message), version="1.1").ok
    (left,) = [m for m in messages if m["message_type"] == "custody.prisoner-left-extract"]
    assert left["body"] == {
        "noms_number": rows[4][3],
        "last_listed": "2026-01-05",
        "first_missing": "2026-01-06",
    }
    again = tmp_path / "again.ndjson"
    subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "cjx", "extract", "diff", str(tmp_path / "old.dat"),
         str(tmp_path / "new.dat"), "--out", str(again)],
        capture_output=True,
    )  # fmt: skip
    ids = [json.loads(line)["message_id"] for line in again.read_text().splitlines()]
    assert ids == [m["message_id"] for m in messages]
