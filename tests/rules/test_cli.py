"""``cjx rules`` and ``cjx translate --index``: the command line's contract for rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cjx.cli import main
from cjx.identity import Ident, open_index

ROOT = Path(__file__).parents[2]
SENTENCE = (
    ROOT
    / "adapters/cjx_prison_api_sentence/tests/golden/shared.getSentenceDetail_1200835.input.json"
)
DELIUS_CALL = ROOT / "adapters/cjx_delius_key_dates/tests/golden/handover.A5089DY-38339A.input.json"
TO_DELIUS = ["translate", "--from", "prison-api-sentence", "--to", "delius-key-dates"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_index_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CJX_IDENTITY_URL", raising=False)


def index_with(path: Path, *links: tuple[str, str]) -> str:
    url = f"sqlite:///{path}"
    with open_index(url) as index:
        for a, b in links:
            index.link(Ident.parse(a), Ident.parse(b), actor="test")
    return url


CUSTODY = (("booking:1200835", "book:38339A"), ("book:38339A", "noms:A5089DY"))


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    assert "release-dates-to-key-dates\n  takes:  custody.release-dates\n" in out
    assert "  makes:  probation.key-dates-replaced\n  index:  look-up\n" in out
    assert "index\n" in out
    assert "  makes:  (no message)\n  index:  learn\n" in out
    code, out, _ = run(["rules", "--format", "json"], capsys)
    listed = json.loads(out)
    assert [r["name"] for r in listed["rules"]] == [
        "enrich-subject",
        "index",
        "release-dates-to-key-dates",
    ]
    assert listed["broken"] == {}


def test_translate_applies_the_rule_with_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's own example: prison-api sentence dates to the Delius key-dates call."""
    url = index_with(tmp_path / "i.db", *CUSTODY)
    code, out, err = run([*TO_DELIUS, "--index", url, str(SENTENCE)], capsys)
    assert (code, err) == (0, "1 translated, 0 rejected; written to standard output\n")
    assert json.loads(out) == json.loads(DELIUS_CALL.read_bytes())


def test_a_missing_link_is_rejected_as_unresolved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = index_with(tmp_path / "i.db", CUSTODY[0])
    report = tmp_path / "report.json"
    code, out, err = run(
        [*TO_DELIUS, "--index", url, "--report", str(report), str(SENTENCE)], capsys
    )
    assert (code, out) == (1, "")
    assert "identity.unresolved" in err
    assert "booking:12***35" in err
    assert "1200835" not in err.replace(str(SENTENCE), "")
    (entry,) = json.loads(report.read_text())["inputs"]
    assert entry["status"] == "rejected"
    assert [(i["code"], i["path"]) for i in entry["issues"]] == [
        ("identity.unresolved", "/body/booking_id")
    ]


def test_a_rule_without_an_index_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*TO_DELIUS, str(SENTENCE)], capsys)
    assert (code, out) == (2, "")
    assert "give --index URL" in err


def test_an_index_that_does_not_exist_is_a_usage_error_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    code, _, err = run([*TO_DELIUS, "--index", f"sqlite:///{missing}", str(SENTENCE)], capsys)
    assert code == 2
    assert "no person index" in err
    assert not missing.exists()


def test_an_unreachable_index_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://cjx:secret@127.0.0.1:1/cjx"  # nothing listens on port 1
    code, out, err = run([*TO_DELIUS, "--index", url, str(SENTENCE)], capsys)
    assert (code, out) == (1, "")
    assert "cannot connect" in err
    assert "secret" not in err


def test_no_rule_needed_never_opens_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    argv = ["translate", "--from", "prison-api-sentence", "--to", "canonical-json"]
    code, out, _ = run([*argv, "--index", missing, str(SENTENCE)], capsys)
    assert code == 0
    assert json.loads(out)["message_type"] == "custody.release-dates"


def test_the_index_variable_overrides_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CJX_IDENTITY_URL", index_with(tmp_path / "i.db", *CUSTODY))
    code, out, err = run(
        [*TO_DELIUS, "--index", f"sqlite:///{tmp_path / 'other.db'}", str(SENTENCE)], capsys
    )
    assert code == 0
    assert "CJX_IDENTITY_URL" in err
    assert "overrides --index" in err
    assert json.loads(out) == json.loads(DELIUS_CALL.read_bytes())
    code, out, _ = run([*TO_DELIUS, str(SENTENCE)], capsys)  # the variable alone suffices
    assert code == 0
