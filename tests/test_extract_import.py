"""``cjx extract import`` and ``generate`` end to end (subprocesses: the kill is real)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from cjx.extract import DEFECT_KINDS, generate_rows

CJX = [sys.executable, "-m", "cjx"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CJX, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _write(path: Path, rows: int, seed: int, defects: float = 0.0) -> list[str | None]:
    generated = list(generate_rows(rows, seed=seed, defects=defects))
    path.write_text("".join(r.line + "\n" for r in generated))
    return [r.defect for r in generated]


def test_generate_is_deterministic_and_synthetic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        result = _run(
            "extract", "generate", "--rows", "50", "--seed", "4", "--out", str(tmp_path / name)
        )
        assert result.returncode == 0, result.stderr
    data = (tmp_path / "a").read_bytes()
    assert data == (tmp_path / "b").read_bytes()
    lines = data.decode().splitlines()
    assert len(lines) == 50
    assert all(line.split("|")[6].strip('"').startswith("SYNTHETIC-") for line in lines)


def test_every_defect_kind_is_rejected_with_its_code(tmp_path: Path) -> None:
    """Each defect kind of the generator rejects its row with its own code; the valid rows
    are accepted; exit 1; the rejects name row numbers and hold the operator's line."""
    source = tmp_path / "x.dat"
    defects = _write(source, 400, seed=11, defects=0.1)
    assert set(defects) - {None} == set(DEFECT_KINDS)
    out = tmp_path / "x.ndjson"
    result = _run("extract", "import", str(source), "--out", str(out))
    assert result.returncode == 1, result.stderr
    rejects = [json.loads(line) for line in Path(f"{out}.rejects.ndjson").read_text().splitlines()]
    lines = source.read_text().splitlines()
    assert {r["row"] for r in rejects} == {i + 1 for i, d in enumerate(defects) if d}
    for reject in rejects:
        kind = defects[reject["row"] - 1]
        assert kind is not None
        assert DEFECT_KINDS[kind] in {i["code"] for i in reject["issues"]}
        assert reject["line"] == lines[reject["row"] - 1]
        assert all(i["path"].startswith(f"row {reject['row']}, ") for i in reject["issues"])
        if kind == "duplicate-noms":
            assert "row 1 " in reject["issues"][-1]["message"]
    messages = out.read_text().splitlines()
    assert len(messages) == defects.count(None)


def test_exit_codes(tmp_path: Path) -> None:
    source = tmp_path / "ok.dat"
    _write(source, 30, seed=2)
    assert (
        _run("extract", "import", str(source), "--out", str(tmp_path / "o.ndjson")).returncode == 0
    )
    assert (
        _run(
            "extract", "import", str(tmp_path / "missing.dat"), "--out", str(tmp_path / "m")
        ).returncode
        == 2
    )
    # the output exists and there is no checkpoint: it is not overwritten
    assert (
        _run("extract", "import", str(source), "--out", str(tmp_path / "o.ndjson")).returncode == 2
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_resume_after_a_kill_at_a_random_row(tmp_path: Path, jobs: str) -> None:
    """Killed (SIGKILL) at a random row and re-run with the same arguments: every row's
    message once, in order, no message id missing or twice; the rejects once each."""
    source = tmp_path / "big.dat"
    _write(source, 25_000, seed=5, defects=0.01)
    reference = tmp_path / "ref.ndjson"
    assert (
        _run("extract", "import", str(source), "--out", str(reference), "-j", jobs).returncode == 1
    )
    out = tmp_path / "out.ndjson"
    kill_at = random.Random(jobs).randint(10_001, 24_000)
    killed = _run(
        "extract", "import", str(source), "--out", str(out), "-j", jobs,
        env={"CJX_EXTRACT_TEST_KILL_AT_ROW": str(kill_at)},
    )  # fmt: skip
    assert killed.returncode == -9
    assert Path(f"{out}.checkpoint.json").exists()
    resumed = _run("extract", "import", str(source), "--out", str(out), "-j", jobs)
    assert resumed.returncode == 1, resumed.stderr
    assert json.loads(resumed.stdout)["resumed"] is True

    def ids(path: Path) -> list[str]:
        return [json.loads(line)["message_id"] for line in path.read_text().splitlines()]

    assert ids(out) == ids(reference)
    assert len(set(ids(out))) == len(ids(out))
    assert (
        Path(f"{out}.rejects.ndjson").read_text() == Path(f"{reference}.rejects.ndjson").read_text()
    )
    assert not Path(f"{out}.checkpoint.json").exists()


def test_out_dir_writes_one_file_per_record(tmp_path: Path) -> None:
    source = tmp_path / "s.dat"
    _write(source, 5, seed=9)
    result = _run(
        "extract", "import", str(source), "--out-dir", str(tmp_path / "d"), "--to", "canonical-json"
    )
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "d").glob("*.json"))) == 5


def test_the_far_future_search_finds_exactly_the_years_from_the_limit() -> None:
    """The import looks at a row's date fields for far-future years only when a search of the
    whole line finds such a year at a field's end: it finds every one, and no earlier year."""
    from cjx.extract._import import _FAR, FAR_FUTURE_YEAR

    for year in range(10_000):
        far = year >= FAR_FUTURE_YEAR
        for line in (f"a|01/01/{year:04d}|b", f"a|01/01/{year:04d}"):
            assert (_FAR.search(line) is not None) is far, line


@pytest.mark.parametrize(
    ("written", "counted"),
    [
        ("01/01/2150", True),
        ('"01/01/2150"', True),
        ('01/01/21"50', True),
        ("01/01/\u0662\u0661\u0665\u0660", True),  # Arabic-Indic digits: int() reads them
        ("31/12/2999", True),
        ("01/01/\u00b2100", False),  # a superscript two: a digit, but no number int() reads
        ("01/01/2099", False),
        ("", False),
    ],
)
def test_far_future_dates_are_counted_however_they_are_written(written: str, counted: bool) -> None:
    from cjx.extract._import import decode_lines

    values = next(iter(generate_rows(1, seed=9))).line.split("|")
    values[66] = written  # field 67, the sentence expiry date
    ((_noms, _message, _issues, dates),) = decode_lines(["|".join(values)])
    assert [path for path, _none in dates] == (["field 67 sed_f67"] if counted else [])


def test_the_row_index_finds_every_first_row() -> None:
    """The NOMS-number index (an open-addressing table) against a dict, through its growth."""
    from cjx.extract._import import RowIndex

    rng = random.Random(5)
    index = RowIndex()
    expected: dict[str, int] = {}
    for row in range(1, 30_001):
        noms = (
            f"{rng.choice('ABGR')}{rng.randrange(10_000):04d}{rng.choice('AZ')}{rng.choice('AZ')}"
        )
        assert index.first_row(noms, row) == expected.get(noms)
        expected.setdefault(noms, row)
    assert index.first_row("not a NOMS number", 1) is None


def test_a_checkpoint_that_cannot_be_made_durable_stops_the_import(tmp_path: Path) -> None:
    """Checkpoints are made durable off the import's thread: a failure there (a full disk,
    here a sink whose sync fails) is raised by the import, and no checkpoint names it."""
    from cjx.extract._import import Checkpoint, import_extract
    from cjx.extract._sinks import NdjsonSink

    class FailingSync(NdjsonSink):
        syncs = 0

        def sync(self) -> None:  # the first (a checkpoint's, on the saver's thread) fails
            self.syncs += 1
            if self.syncs == 1:
                raise OSError(28, "No space left on device")

    source = tmp_path / "extract.dat"
    _write(source, 30, seed=3)
    checkpoint = Checkpoint(tmp_path / "run.checkpoint.json", "test")
    sink = FailingSync(tmp_path / "out.ndjson", resume=False)
    with (tmp_path / "rejects.ndjson").open("wb") as rejects, pytest.raises(OSError, match="space"):
        import_extract(source, sink, rejects=rejects, checkpoint=checkpoint, checkpoint_every=10)
    sink.close()
    assert checkpoint.load() is None


def test_the_import_gives_the_collector_its_thresholds_back(tmp_path: Path) -> None:
    """The collector runs less often during an import, and as before after it."""
    import gc

    from cjx.extract._import import Checkpoint, import_extract
    from cjx.extract._sinks import NdjsonSink

    before = gc.get_threshold()
    source = tmp_path / "extract.dat"
    _write(source, 5, seed=4)
    seen: list[int] = []
    sink = NdjsonSink(tmp_path / "out.ndjson", resume=False)
    with (tmp_path / "rejects.ndjson").open("wb") as rejects:
        import_extract(
            source,
            sink,
            rejects=rejects,
            checkpoint=Checkpoint(tmp_path / "c.json", "test"),
            progress=lambda *_: seen.append(gc.get_threshold()[0]),
        )
    sink.close()
    assert seen
    assert seen[0] > before[0]
    assert gc.get_threshold() == before


def test_a_checkpoint_holds_the_summary_as_it_was_at_its_rows(tmp_path: Path) -> None:
    """A checkpoint is written on a thread of its own while the import goes on: it must hold
    the counts and examples of the rows before it, not of rows read while it was written, or
    a resumed run counts those rows twice."""
    import time

    from cjx.extract._import import Checkpoint, import_extract
    from cjx.extract._sinks import NdjsonSink

    lines = [r.line for r in generate_rows(8000, seed=3)]
    for i in (4000, 4001):  # rows 4001 and 4002, just after the first checkpoint, are short
        lines[i] = "|".join(lines[i].split("|")[:10])
    source = tmp_path / "extract.dat"
    source.write_text("".join(line + "\n" for line in lines))

    class SlowDisk(NdjsonSink):
        written = 0

        def sync(self) -> None:
            time.sleep(0.3)  # the import goes on meanwhile
            super().sync()

        def write(self, noms: str, message: bytes) -> None:
            self.written += 1
            if self.written == 7000:
                raise KeyboardInterrupt  # Ctrl-C after the rows the test needs
            super().write(noms, message)

    checkpoint = Checkpoint(tmp_path / "run.checkpoint.json", "test")
    out = tmp_path / "out.ndjson"
    sink = SlowDisk(out, resume=False)
    with (tmp_path / "rejects").open("wb") as rejects, pytest.raises(KeyboardInterrupt):
        import_extract(source, sink, rejects=rejects, checkpoint=checkpoint, checkpoint_every=4000)
    sink.close()
    state = checkpoint.load()
    assert state is not None
    assert state["summary"]["rows"] == 4000
    assert state["summary"]["examples"] == {}
    resumed = NdjsonSink(out, resume=True)
    with (tmp_path / "rejects").open("r+b") as kept:
        summary = import_extract(
            source, resumed, rejects=kept, checkpoint=checkpoint, checkpoint_every=4000
        )
    resumed.close()
    assert summary.examples == {"nomis-cde.field-count": [4001, 4002]}
    assert summary.codes["nomis-cde.field-count"] == 2
