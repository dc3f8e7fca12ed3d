"""``cjx identity``: the command line scripts rely on, on both backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cjx.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["identity", *argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_url_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CJX_IDENTITY_URL", raising=False)


def test_link_then_show_as_json(capsys: pytest.CaptureFixture[str], index_url: str) -> None:
    code, out, _ = run(capsys, "link", "--index", index_url, "noms:a1234bc", "crn:x320741")
    assert code == 0
    assert "linked: crn:X320741 - noms:A1234BC" in out
    code, out, _ = run(capsys, "show", "--index", index_url, "--format", "json", "noms:A1234BC")
    assert code == 0
    assert json.loads(out) == {"identifiers": ["crn:X320741", "noms:A1234BC"], "conflicts": []}
    code, out, _ = run(capsys, "link", "--index", index_url, "crn:X320741", "noms:A1234BC")
    assert (code, out.split(":")[0]) == (0, "already linked")


def test_show_includes_the_asked_identifier_even_when_unknown(
    capsys: pytest.CaptureFixture[str], index_url: str
) -> None:
    run(capsys, "migrate", "--index", index_url)
    code, out, _ = run(capsys, "show", "--index", index_url, "--format", "json", "pnc:12/394773H")
    assert code == 0
    assert json.loads(out) == {"identifiers": ["pnc:2012/0394773H"], "conflicts": []}


def test_show_as_text_and_with_provenance(
    capsys: pytest.CaptureFixture[str], index_url: str
) -> None:
    run(
        capsys,
        "link",
        "--index",
        index_url,
        "--by",
        "ops",
        "--reason",
        "ticket 7",
        "noms:A1234BC",
        "crn:X320741",
    )
    run(capsys, "link", "--index", index_url, "--merge", "noms:B2345CD", "noms:A1234BC")
    code, out, _ = run(capsys, "show", "--index", index_url, "crn:X320741")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == ["crn:X320741  (asked)", "noms:A1234BC", "noms:B2345CD  (former)"]
    assert any("manual by ops" in line and "ticket 7" in line for line in lines)
    code, out, _ = run(
        capsys, "show", "--index", index_url, "--format", "json", "--provenance", "crn:X320741"
    )
    shown = json.loads(out)
    assert shown["former"] == ["noms:B2345CD"]
    assert [(x["a"], x["b"], x["kind"], x["actor"]) for x in shown["links"]] == [
        ("crn:X320741", "noms:A1234BC", "manual", "ops"),
        ("noms:B2345CD", "noms:A1234BC", "merge", shown["links"][1]["actor"]),
    ]


def test_a_contradicting_link_exits_1_naming_the_conflict(
    capsys: pytest.CaptureFixture[str], index_url: str
) -> None:
    run(capsys, "link", "--index", index_url, "noms:A1234BC", "crn:X320741")
    code, out, err = run(capsys, "link", "--index", index_url, "noms:A1234BC", "crn:Y318842")
    assert code == 1
    assert out == ""
    assert "conflict 1 (identity.conflict.single-valued)" in err
    assert "crn:Y3***42" in err
    assert "Y318842" not in err
    code, out, _ = run(capsys, "conflicts", "--index", index_url, "--format", "json")
    (conflict,) = json.loads(out)
    assert (conflict["a"], conflict["b"]) == ("crn:Y318842", "noms:A1234BC")
    assert conflict["clashes"][0]["b_value"] == "crn:X320741"
    code, out, _ = run(capsys, "conflicts", "--index", index_url)
    assert code == 0
    assert out.splitlines()[-1] == "1 conflict(s)"
    code, out, _ = run(capsys, "show", "--index", index_url, "--format", "json", "crn:Y318842")
    assert json.loads(out)["conflicts"] == [conflict]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["link", "noms:A1234B", "crn:X320741"], "A: noms.format"),
        (["link", "noms:A1234BC", "prison:X320741"], "B: identity.scheme"),
        (["show", "A1234BC"], "A: identity.identifier-form"),
        (["link", "noms:A1234BC", "noms:a1234bc"], "the same identifier"),
        (["show", "book:12345"], "A: book-number.format"),
        (["show", "booking:x1"], "A: booking-id.format"),
        (["retract", "noms:A1234BC", "crn:X320741"], "--reason"),
        (["import", "no-such-file.jsonl"], "no such file"),
    ],
)
def test_bad_input_exits_2_without_echoing_values(
    capsys: pytest.CaptureFixture[str], index_url: str, argv: list[str], says: str
) -> None:
    code, _out, err = run(capsys, argv[0], "--index", index_url, *argv[1:])
    assert code == 2
    assert says in err
    for arg in argv[1:]:
        value = arg.partition(":")[2]
        assert len(value) < 3 or value not in err


def test_an_index_url_is_required_and_must_be_known(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "show", "noms:A1234BC")
    assert code == 2
    assert "--index" in err
    code, _, err = run(capsys, "show", "--index", "mysql://u:pw@h/db", "noms:A1234BC")
    assert code == 2
    assert "sqlite:///" in err
    missing = tmp_path / "missing.db"
    code, _, err = run(capsys, "show", "--index", f"sqlite:///{missing}", "noms:A1234BC")
    assert code == 2
    assert "no person index" in err
    assert not missing.exists()  # reading never creates an index


def test_passwords_are_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://cjx:s3cr3t-pw@127.0.0.1:1/nothing"
    code, out, err = run(capsys, "show", "--index", url, "noms:A1234BC")
    assert code == 1  # the index is unreachable: not the caller's fault
    assert "s3cr3t-pw" not in out + err
    assert "postgresql://cjx:***@127.0.0.1:1/nothing" in err


def test_the_environment_overrides_the_index_option(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    new_url: Callable[[], str],
) -> None:
    chosen, ignored = new_url(), new_url()
    monkeypatch.setenv("CJX_IDENTITY_URL", chosen)
    code, _, err = run(capsys, "link", "--index", ignored, "noms:A1234BC", "crn:X320741")
    assert code == 0
    assert "CJX_IDENTITY_URL" in err
    code, out, _ = run(capsys, "show", "--format", "json", "crn:X320741")  # no --index needed
    assert json.loads(out)["identifiers"] == ["crn:X320741", "noms:A1234BC"]
    monkeypatch.delenv("CJX_IDENTITY_URL")
    run(capsys, "migrate", "--index", ignored)
    code, out, _ = run(capsys, "show", "--index", ignored, "--format", "json", "crn:X320741")
    assert json.loads(out)["identifiers"] == ["crn:X320741"]


def test_retract_keeps_an_audit_record(capsys: pytest.CaptureFixture[str], index_url: str) -> None:
    run(capsys, "link", "--index", index_url, "noms:A1234BC", "crn:X320741")
    code, out, _ = run(
        capsys,
        "retract",
        "--index",
        index_url,
        "--by",
        "ops",
        "--reason",
        "wrong person",
        "crn:X320741",
        "noms:A1234BC",
    )
    assert code == 0
    assert "retracted by ops" in out
    assert "wrong person" in out
    code, _, err = run(
        capsys, "retract", "--index", index_url, "--reason", "again", "crn:X320741", "noms:A1234BC"
    )
    assert code == 1
    assert "no active link" in err
    code, out, _ = run(capsys, "export", "--index", index_url)
    (link,) = [json.loads(line) for line in out.splitlines()][1:]
    assert (link["retracted_by"], link["retraction_reason"]) == ("ops", "wrong person")


def test_export_and_import_round_trip(
    capsys: pytest.CaptureFixture[str], new_url: Callable[[], str], tmp_path: Path
) -> None:
    source, copy = new_url(), new_url()
    run(capsys, "link", "--index", source, "noms:A1234BC", "crn:X320741")
    run(capsys, "link", "--index", source, "noms:A1234BC", "crn:Y318842")
    run(capsys, "link", "--index", source, "book:38339A", "booking:-12")
    run(capsys, "retract", "--index", source, "--reason", "r", "book:38339A", "booking:-12")
    exported = tmp_path / "index.jsonl"
    assert run(capsys, "export", "--index", source, "--output", str(exported))[0] == 0
    code, out, _ = run(capsys, "import", "--index", copy, str(exported))
    assert code == 0
    assert out.strip() == "imported 2 links, 1 conflicts, 5 identifiers"
    again = tmp_path / "again.jsonl"
    run(capsys, "export", "--index", copy, "--output", str(again))
    assert again.read_text() == exported.read_text()
    code, _, err = run(capsys, "import", "--index", copy, str(exported))
    assert code == 2
    assert "empty" in err


def test_a_broken_import_file_exits_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], index_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"type": "header", "format": "cjx-identity", "version": 1}\n{"type": \n')
    code, _, err = run(capsys, "import", "--index", index_url, str(broken))
    assert code == 2
    assert "line 2" in err
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text('{"type": "header", "format": "cjx-identity", "version": 2}\n')
    code, _, err = run(capsys, "import", "--index", index_url, str(wrong))
    assert code == 2
    assert "identity.export.header" in err
    code, out, _ = run(capsys, "export", "--index", index_url)
    assert out.splitlines() == ['{"type":"header","format":"cjx-identity","version":1}']
