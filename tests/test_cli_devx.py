"""The command line, smaller things (issue 13, part 8): each reproduction of the new user's
review, which failed on the code it was made on."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cjx._version import __version__ as cjx_version
from cjx.cli import main

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "adapters/cjx_libra_spi/tests/fixtures/samples"
GOOD = SAMPLES / "core-input-message-001.xml"
CJX = [sys.executable, "-m", "cjx"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A folder as users have them: messages, and a README, a licence and a script."""
    folder = tmp_path / "in"
    (folder / "d1").mkdir(parents=True)
    (folder / "d2").mkdir()
    shutil.copy(GOOD, folder / "d1" / "a.xml")
    shutil.copy(GOOD, folder / "d2" / "a.xml")
    (folder / "README.md").write_text("# notes\n")
    (folder / "LICENSE").write_text("MIT\n")
    (folder / "run.py").write_text("print('hi')\n")
    return folder


# --- directory inputs: only what some format recognises; --include/--exclude -----------------


def test_validate_skips_what_no_format_recognises(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cjx validate examples`` counted README.md, LICENSE and scripts as invalid (exit 1)."""
    code, out, _ = run(["validate", str(mixed)], capsys)
    assert code == 0
    assert out.splitlines()[-1] == "2 valid, 0 invalid, 3 skipped"
    assert f"{mixed / 'README.md'}: skipped (no installed format recognises it)" in out


def test_a_file_named_on_the_command_line_is_always_judged(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["validate", str(mixed / "README.md")], capsys)
    assert code == 1
    assert "format.unknown" in out


def test_include_and_exclude_globs(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "--format", "json", "--include", "*.xml", str(mixed)], capsys)
    assert code == 0
    assert [e["path"] for e in json.loads(out)["inputs"]] == [
        str(mixed / "d1" / "a.xml"),
        str(mixed / "d2" / "a.xml"),
    ]
    code, out, _ = run(["validate", "--format", "json", "--exclude", "d1/*", str(mixed)], capsys)
    statuses = {Path(e["path"]).name: e["status"] for e in json.loads(out)["inputs"]}
    assert statuses == {
        "README.md": "skipped",
        "LICENSE": "skipped",
        "run.py": "skipped",
        "a.xml": "ok",
    }


# --- translate: an impossible pair, the summary, --report -, --keep-tree ---------------------


def test_an_impossible_format_pair_is_one_usage_error(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--from libra-spi --to hmpps-events`` rejected every input one by one."""
    code, _out, err = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "hmpps-events",
            "--out-dir",
            str(mixed.parent / "o"),
            str(mixed),
        ],
        capsys,
    )
    assert code == 2
    assert err.count("cjx: error:") == 1
    assert "--to hmpps-events encodes" in err
    assert not (mixed.parent / "o").exists()


def test_translate_prints_a_summary_and_keeps_the_tree(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``d1/a.xml`` and ``d2/a.xml`` could not be translated together."""
    out_dir = mixed.parent / "out"
    argv = [
        "translate",
        "--from",
        "libra-spi",
        "--to",
        "canonical-json",
        "--out-dir",
        str(out_dir),
        str(mixed),
    ]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "--keep-tree keeps their folders apart" in err
    code, _, err = run([*argv[:1], "--keep-tree", *argv[1:]], capsys)
    assert code == 0, err
    assert sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.json")) == [
        "d1/a.json",
        "d2/a.json",
    ]
    assert err.splitlines()[-1] == "2 translated, 0 rejected, 3 skipped; 2 file(s) written"


def test_report_dash_is_standard_output(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--report -`` wrote a file named ``-``."""
    out_dir = mixed.parent / "out"
    code, out, _ = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-xml",
            "--keep-tree",
            "--out-dir",
            str(out_dir),
            "--report",
            "-",
            "--include",
            "*.xml",
            str(mixed),
        ],
        capsys,
    )
    assert code == 0
    assert out.endswith("}\n")
    assert [e["status"] for e in json.loads(out)["inputs"]] == ["ok", "ok"]
    assert not Path("-").exists()
    code, _, err = run(
        ["translate", "--from", "libra-spi", "--to", "canonical-xml", "--report", "-", str(GOOD)],
        capsys,
    )
    assert code == 2
    assert "--report - needs --out-dir" in err


def test_json_on_standard_output_ends_with_a_newline() -> None:
    done = subprocess.run(
        [*CJX, "translate", "--from", "libra-spi", "--to", "canonical-json", "--quiet", str(GOOD)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(b"}\n")
    assert done.stderr == b""  # --quiet: no summary


# --- paths: process substitution and /dev/stdin ------------------------------------------------


@pytest.mark.skipif(not Path("/dev/stdin").exists(), reason="no /dev/stdin on this system")
def test_dev_stdin_and_process_substitution_are_paths() -> None:
    """``<(cat f.xml)`` gave ``no such file or directory: /dev/fd/63``."""
    done = subprocess.run(
        [*CJX, "validate", "/dev/stdin"],
        input=GOOD.read_bytes(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[-1] == "1 valid, 0 invalid"
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash for process substitution")
    script = f'{" ".join(CJX)} validate <(cat "{GOOD}")'
    done = subprocess.run([bash, "-c", script], capture_output=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[-1] == "1 valid, 0 invalid"


def test_dev_null_is_an_empty_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", os.devnull], capsys)
    assert code == 1
    assert "input.empty" in out


# --- --quiet, --errors-only, colour ----------------------------------------------------------


def test_errors_only_and_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(GOOD.read_bytes().replace(b"448754K", b"448754A"))
    code, out, _ = run(["validate", "--errors-only", str(GOOD), str(bad)], capsys)
    assert code == 1
    assert str(GOOD) not in out  # accepted: not shown
    assert "information" not in out
    assert "asn.check-character" in out
    assert out.splitlines()[-1] == "1 valid, 1 invalid"
    code, out, _ = run(["validate", "--quiet", str(GOOD), str(bad)], capsys)
    assert (code, out) == (1, "")


def test_colour_on_request_and_never_by_default_off_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run(["validate", str(GOOD)], capsys)
    assert "\x1b[" not in out  # captured output is not a terminal
    _, out, _ = run(["validate", "--color", "always", str(GOOD)], capsys)
    assert "\x1b[32mvalid\x1b[0m" in out
    from cjx.cli._render import style_for

    class Tty:
        def isatty(self) -> bool:
            return True

    assert style_for(Tty()).colour  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not style_for(Tty()).colour  # type: ignore[arg-type]


# --- the size limit is an option, checked before reading ---------------------------------------


def test_max_input_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "--max-input-bytes", "1K", str(GOOD)], capsys)
    assert code == 1
    assert "input.too-large" in out
    assert "1,024 bytes" in out
    with pytest.raises(SystemExit) as stopped:
        main(["validate", "--max-input-bytes", "lots", str(GOOD)])
    assert stopped.value.code == 2
    assert "expected a positive number of bytes" in capsys.readouterr().err
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:  # sparse: a 300 MB file that takes no room
        handle.truncate(300 * 1024 * 1024)
    code, out, _ = run(["validate", str(big)], capsys)
    assert code == 1
    assert "input.too-large" in out
    assert "314,572,800 bytes" in out


# --- a UTF-8 byte order mark in JSON, as in XML ------------------------------------------------


@pytest.mark.parametrize(
    "example", sorted(p for p in (ROOT / "examples").rglob("*.json")), ids=lambda p: p.name
)
def test_a_utf8_bom_changes_nothing(example: Path) -> None:
    """JSON with a BOM was ``not valid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig)``."""
    import cjx

    data = example.read_bytes()
    plain, marked = cjx.validate(data), cjx.validate(b"\xef\xbb\xbf" + data)
    assert (marked.ok, marked.codes) == (plain.ok, plain.codes)
    assert cjx.sniff(b"\xef\xbb\xbf" + data) is cjx.sniff(data)


# --- `cjx --version` imports nothing heavy; `import cjx` is lazy ---------------------------


def test_version_imports_neither_the_model_nor_the_formats() -> None:
    """``cjx --version`` imported everything (0.7 s, which adds up in pre-commit)."""
    probe = (
        "import sys\n"
        "from cjx.cli import main\n"
        "assert main(['--version']) == 0\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'lxml', 'xmlschema',"
        " 'jsonschema', 'aio_pika') or m in ('cjx.model', 'cjx.adapter', 'cjx.codec')]\n"
        "print(heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"cjx {cjx_version}", "[]"]


def test_every_public_name_of_cjx_resolves() -> None:
    import cjx

    for name in cjx.__all__:
        assert getattr(cjx, name) is not None, name
    assert set(cjx.__all__) <= set(dir(cjx))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        cjx.nothing  # type: ignore[attr-defined]  # noqa: B018


# --- help on every option, formats listed, shell completion ----------------------------------


def test_every_option_has_help_and_from_to_list_the_formats() -> None:
    """``--from``/``--to``, ``--config``, ``--service``, ``--metrics-host``, ``--log-level``,
    ``--url``, ``--timeout`` and ``schema export DIR`` had no help."""
    import argparse

    from cjx.adapter import adapters
    from cjx.cli import _parser
    from cjx.cli._completion import walk

    parser = _parser()
    missing = [
        f"{' '.join(path)} {action.option_strings or action.dest}"
        for path, sub in walk(parser)
        for action in sub._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert missing == []
    (translate,) = [sub for path, sub in walk(parser) if path == ("translate",)]
    # argparse wraps at the terminal's width, breaking a name at its hyphens: unwrap first
    text = re.sub(r"-\n\s+", "-", translate.format_help())
    for name in adapters():
        assert name in text
    assert "CJX_BROKER_URL" in parser.format_help()


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash to complete in")
def test_bash_completion(tmp_path: Path) -> None:
    script = tmp_path / "cjx.bash"
    done = subprocess.run([*CJX, "completion", "bash"], capture_output=True, check=True)
    script.write_bytes(done.stdout)
    probe = (
        f"source {script}\n"
        'c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _cjx;'
        ' echo "${COMPREPLY[*]}"; }\n'
        "c cjx tr\nc cjx translate --from libra\nc cjx translate --kee\nc cjx schema ''\n"
        "c cjx topology apply --con\nc cjx validate --format ''\n"
    )
    lines = subprocess.run(
        ["bash", "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines == [
        "translate",
        "libra-spi",
        "--keep-tree",
        "export check diff",
        "--config",
        "text json junit",
    ]
    zsh = subprocess.run([*CJX, "completion", "zsh"], capture_output=True, check=True).stdout
    assert zsh.startswith(b"autoload -U +X bashcompinit")


def test_the_identity_parser_names_the_index_variable_of_cjx_identity() -> None:
    """``cjx identity``'s parser is built without loading the person index: the variable it
    names is a copy, held here to the index's own."""
    from cjx.cli import _identity_args
    from cjx.identity import INDEX_URL_VARIABLE

    assert _identity_args.INDEX_URL_VARIABLE == INDEX_URL_VARIABLE


@pytest.mark.parametrize(
    ("arguments", "asks"),
    [
        (["translate", "--help"], True),
        (["translate", "-h"], True),
        (["--he"], True),
        (["dlq", "list", "-vh"], True),
        (["extract", "import", "x.dat", "--out", "x.ndjson"], False),
        (["translate", "--from", "libra-spi", "--to", "canonical-xml", "a.xml"], False),
    ],
)
def test_only_a_help_text_loads_the_format_names(arguments: list[str], asks: bool) -> None:
    from cjx.cli import _asks_for_help

    assert _asks_for_help(arguments) is asks
