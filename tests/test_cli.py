"""The ``cjx`` command's contract (issue 2, section 6): outputs, names, reports, exit status."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from lxml import etree

from cjx.adapter import Adapter, Translation, register
from cjx.adapter import _registry as registry
from cjx.cli import main
from cjx.codec import decode_json, decode_xml, encode_json
from cjx.errors import Report
from cjx.model import BODY_TYPES, Clock, Envelope, system_clock
from cjx.pipeline import translate

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "adapters/cjx_libra_spi/tests/fixtures/samples"
GOOD = SAMPLES / "core-input-message-001.xml"
GOOD_ROUTE = SAMPLES / "core-input-message-routedata-001.xml"
BAD = SAMPLES / "405-fix-exceptions-multiple-attempts-input-message.xml"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- translate ------------------------------------------------------------------------------


def test_one_input_without_out_dir_goes_to_stdout(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    """A single input is written to standard output, exit status 0."""
    code = main(["translate", "--from", "libra-spi", "--to", "canonical-xml", str(GOOD)])
    out, _ = capsysbinary.readouterr()
    assert code == 0
    envelope = decode_xml(out)
    assert envelope.message_type == "court.case-resulted"


def test_out_dir_is_created_and_names_follow_the_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """NAME.ext gives DIR/NAME.json; the directory is created; the report lists outputs."""
    out_dir = tmp_path / "new" / "out"
    report = tmp_path / "report.json"
    code, _, _ = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-json",
            "--out-dir",
            str(out_dir),
            "--report",
            str(report),
            str(GOOD),
            str(GOOD_ROUTE),
        ],
        capsys,
    )
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "core-input-message-001.json",
        "core-input-message-routedata-001.json",
    ]
    body = json.loads(report.read_text())
    assert [e["status"] for e in body["inputs"]] == ["ok", "ok"]
    assert body["inputs"][0]["outputs"] == [str(out_dir / "core-input-message-001.json")]
    assert set(body["inputs"][0]) == {"path", "status", "outputs", "issues"}
    decode_json((out_dir / "core-input-message-001.json").read_bytes())


def test_every_input_is_processed_and_a_rejection_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rejected input does not stop the others; exit status 1; its issues are reported."""
    report = tmp_path / "report.json"
    code, _, err = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-xml",
            "--out-dir",
            str(tmp_path / "out"),
            "--report",
            str(report),
            str(BAD),
            str(GOOD),
        ],
        capsys,
    )
    assert code == 1
    entries = json.loads(report.read_text())["inputs"]
    assert [e["status"] for e in entries] == ["rejected", "ok"]
    assert entries[0]["outputs"] == []
    (issue,) = [i for i in entries[0]["issues"] if i["severity"] == "error"]
    assert issue == {
        "severity": "error",
        "code": "asn.check-character",
        "path": "/DeliverRequest/Message/ResultedCaseMessage/Session/Case/Defendant/"
        "ProsecutorReference",
        "message": "ASN check character is wrong",
    }
    assert "1101ZD0100000410804A" not in report.read_text() + err
    assert (tmp_path / "out" / "core-input-message-001.xml").exists()


def test_colliding_outputs_stop_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two inputs that would write the same path: exit 2, no output, no report."""
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(GOOD, tmp_path / sub / "same.xml")
    out_dir = tmp_path / "out"
    report = tmp_path / "report.json"
    code, _, err = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-xml",
            "--out-dir",
            str(out_dir),
            "--report",
            str(report),
            str(tmp_path / "a"),
            str(tmp_path / "b"),
        ],
        capsys,
    )
    assert code == 2
    assert "same.xml" in err
    assert not out_dir.exists()
    assert not report.exists()


def test_directories_are_recursed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory argument means every file below it."""
    nested = tmp_path / "in" / "deeper"
    nested.mkdir(parents=True)
    shutil.copy(GOOD, nested / "one.xml")
    shutil.copy(GOOD_ROUTE, tmp_path / "in" / "two.xml")
    code, _, _ = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "libra-spi",
            "--out-dir",
            str(tmp_path / "out"),
            str(tmp_path / "in"),
        ],
        capsys,
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one.xml", "two.xml"]


@pytest.mark.parametrize(
    "argv",
    [
        ["translate", "--from", "no-such-format", "--to", "canonical-xml", str(GOOD)],
        ["translate", "--from", "libra-spi", "--to", "canonical-xml", "/no/such/file.xml"],
        ["translate", "--from", "libra-spi", "--to", "canonical-xml", str(GOOD), str(BAD)],
        ["translate", "--to", "canonical-xml", str(GOOD)],
        ["validate", "--format", "yaml", str(GOOD)],
        ["no-such-command"],
    ],
    ids=[
        "unknown-format",
        "missing-path",
        "several-to-stdout",
        "missing-from",
        "bad-option",
        "bad-command",
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Misuse of the command exits with status 2 and says why, without a traceback."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    assert code == 2
    assert "error" in err
    assert "Traceback" not in err


def test_stdin_is_read_for_dash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-` reads standard input; with --out-dir it is written as stdin.EXT."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.read_bytes())))
    code, _, _ = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-json",
            "--out-dir",
            str(tmp_path),
            "-",
        ],
        capsys,
    )
    assert code == 0
    assert (tmp_path / "stdin.json").exists()


class _Batch(Adapter):
    """A test adapter whose input is a JSON list of canonical messages (several per input)."""

    name: ClassVar[str] = "test-batch"
    media_type: ClassVar[str] = "application/json"
    extension: ClassVar[str] = ".json"
    decodes: ClassVar[frozenset[str]] = frozenset(BODY_TYPES)
    encodes: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = "test only"

    def sniff(self, data: bytes) -> bool:
        return False

    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        items = json.loads(data)
        envelopes = tuple(decode_json(json.dumps(i)) for i in items)
        return Translation(envelopes, Report(source))

    def encode(self, envelope: Envelope[Any]) -> bytes:
        raise NotImplementedError


@pytest.fixture
def batch_adapter() -> Iterator[None]:
    register(_Batch())
    yield
    registry._load().pop("test-batch", None)


def _batch_of_two(tmp_path: Path) -> Path:
    """A test-batch input holding the canonical forms of two court results."""
    main(["translate", "--from", "libra-spi", "--to", "canonical-json", "--out-dir",
          str(tmp_path / "one"), str(GOOD), str(GOOD_ROUTE)])  # fmt: skip
    items = [json.loads(p.read_text()) for p in sorted((tmp_path / "one").iterdir())]
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps(items))
    return batch


def test_an_input_with_several_messages_gives_numbered_outputs(
    batch_adapter: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """NAME-1, NAME-2... for an input that yields several messages."""
    batch = _batch_of_two(tmp_path)
    capsys.readouterr()
    code, _, _ = run(
        [
            "translate",
            "--from",
            "test-batch",
            "--to",
            "canonical-xml",
            "--out-dir",
            str(tmp_path / "out"),
            str(batch),
        ],
        capsys,
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["batch-1.xml", "batch-2.xml"]


def test_a_message_type_the_target_cannot_encode_is_a_rejection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A canonical court result cannot become an HMPPS event: that input is rejected (exit 1).
    (A pair of formats that can never meet is a usage error: tests/test_cli_devx.py.)"""
    canonical = tmp_path / "court.xml"
    canonical.write_bytes(
        translate(GOOD.read_bytes(), from_format="libra-spi", to_format="canonical-xml").outputs[0]
    )
    report = tmp_path / "r.json"
    code, _, _ = run(
        [
            "translate",
            "--from",
            "canonical-xml",
            "--to",
            "hmpps-events",
            "--report",
            str(report),
            str(canonical),
        ],
        capsys,
    )
    assert code == 1
    (entry,) = json.loads(report.read_text())["inputs"]
    assert [i["code"] for i in entry["issues"] if i["severity"] == "error"] == [
        "translate.unsupported-message-type"
    ]


def test_round_trip_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """libra-spi -> canonical-xml -> canonical-json -> libra-spi keeps the message."""
    steps = [
        ("libra-spi", "canonical-xml"),
        ("canonical-xml", "canonical-json"),
        ("canonical-json", "libra-spi"),
    ]
    current = GOOD
    for n, (src, dst) in enumerate(steps):
        out = tmp_path / f"step{n}"
        code, _, _ = run(
            ["translate", "--from", src, "--to", dst, "--out-dir", str(out), str(current)], capsys
        )
        assert code == 0
        (current,) = list(out.iterdir())
    ns = {"DC": "http://www.dca.gov.uk/xmlschemas/libra"}
    original = etree.parse(str(GOOD)).xpath("count(//DC:Offence)", namespaces=ns)
    final = etree.parse(str(current)).xpath("count(//DC:Offence)", namespaces=ns)
    assert original == final == 3


@pytest.mark.parametrize(
    ("fmt", "sample"),
    [
        (
            "prison-api-sentence",
            "adapters/cjx_prison_api_sentence/tests/golden/every-member.input.json",
        ),
        ("delius-key-dates", "adapters/cjx_delius_key_dates/tests/golden/all-seven.input.json"),
        (
            "prisoner-search",
            "adapters/cjx_prisoner_search/tests/golden/every-member-index-document.input.json",
        ),
        (
            "prisoner-search",
            "adapters/cjx_prisoner_search/tests/golden/shared.get_prisoner_A7089EY.input.json",
        ),
        ("delius-custody", "adapters/cjx_delius_custody/tests/golden/every-member.input.json"),
        ("cvl-licence", "adapters/cjx_cvl_licence/tests/golden/every-member.input.json"),
    ],
)
def test_record_formats_round_trip_through_the_cli(
    fmt: str, sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A version 1.1 record -> canonical XML -> canonical JSON -> back is the same document,
    and `cjx validate` recognises each form by content."""
    steps = [(fmt, "canonical-xml"), ("canonical-xml", "canonical-json"), ("canonical-json", fmt)]
    current = ROOT / sample
    for n, (src, dst) in enumerate(steps):
        out = tmp_path / f"step{n}"
        code, _, err = run(
            ["translate", "--from", src, "--to", dst, "--out-dir", str(out), str(current)], capsys
        )
        assert code == 0, err
        (current,) = list(out.iterdir())
        code, _, _ = run(["validate", str(current)], capsys)
        assert code == 0
    assert json.loads(current.read_bytes()) == json.loads((ROOT / sample).read_bytes())


BARE_CONVICTION = (
    ROOT
    / "adapters/cjx_delius_custody/tests/golden/shared.conviction_X320741_2500295343.input.json"
)


def test_an_option_gives_the_reader_the_crn_of_a_bare_conviction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--option crn=...` is the CRN a bare community-api Conviction was fetched for (the CRN
    is in community-api's URL, not in the document): the record and its subject carry it."""
    argv = ["translate", "--from", "delius-custody", "--to", "canonical-json"]
    code, out, err = run([*argv, "--option", "crn=X320741", str(BARE_CONVICTION)], capsys)
    assert code == 0, err
    message = json.loads(out)
    assert message["body"]["crn"] == "X320741"
    assert message["subject"] == [{"scheme": "CRN", "value": "X320741"}]
    code, out, _ = run([*argv, str(BARE_CONVICTION)], capsys)
    assert code == 0
    assert "crn" not in json.loads(out)["body"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--option", "crn=X12345"], "option crn: crn.format"),
        (["--option", "crn"], "--option expects NAME=VALUE"),
        (["--option", "crn=X320741", "--option", "crn=X320741"], "given twice"),
        (["--option", "book=38353A"], "has no option book"),
    ],
)
def test_bad_options_are_usage_errors(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["translate", "--from", "delius-custody", "--to", "canonical-json", *options]
    code, out, err = run([*argv, str(BARE_CONVICTION)], capsys)
    assert (code, out) == (2, "")
    assert message in err
    assert "X12345" not in err


def test_a_format_without_options_refuses_one(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["translate", "--from", "libra-spi", "--to", "canonical-json", "--option", "crn=X1"]
    code, _, err = run([*argv, str(GOOD)], capsys)
    assert code == 2
    assert "format libra-spi takes no options (given: crn)" in err


# --- validate -------------------------------------------------------------------------------


def _canonical_pair(tmp_path: Path) -> tuple[Path, Path]:
    main(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-xml",
            "--out-dir",
            str(tmp_path / "x"),
            str(GOOD),
        ]
    )
    main(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-json",
            "--out-dir",
            str(tmp_path / "j"),
            str(GOOD),
        ]
    )
    return tmp_path / "x/core-input-message-001.xml", tmp_path / "j/core-input-message-001.json"


def test_validate_recognises_every_format_by_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Canonical XML and JSON and both source formats are recognised; exit 0 when all valid."""
    xml, js = _canonical_pair(tmp_path)
    event = ROOT / "examples/hmpps-events"
    events = sorted(p for p in event.glob("*.json") if not p.name.startswith("invalid"))[:1]
    capsys.readouterr()
    code, out, _ = run(
        ["validate", "--format", "json", str(GOOD), str(xml), str(js), *map(str, events)], capsys
    )
    assert code == 0, out
    assert all(e["status"] == "ok" for e in json.loads(out)["inputs"])


def test_validate_unknown_format_is_invalid_not_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input matching no format makes the run fail with status 1."""
    other = tmp_path / "note.txt"
    other.write_text("hello")
    code, out, _ = run(["validate", str(GOOD), str(other)], capsys)
    assert code == 1
    assert "format.unknown" in out
    assert "1 valid, 1 invalid" in out


def test_validate_junit_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JUnit XML: one test case an input, a failure for each invalid input."""
    code, out, _ = run(["validate", "--format", "junit", str(GOOD), str(BAD)], capsys)
    assert code == 1
    suite = etree.fromstring(out.encode())
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    (failure,) = suite.iter("failure")
    assert failure.get("type") == "asn.check-character"


def test_validate_reports_every_issue_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several faults in one message are all reported."""
    text = GOOD.read_text()
    text = text.replace("1101ZD0100000448754K", "1101ZD0100000448754A")
    text = text.replace("<DC:PTIURN>01ZD0303208</DC:PTIURN>", "<DC:PTIURN>BAD</DC:PTIURN>")
    text = text.replace("<DC:Plea>2</DC:Plea>", "<DC:Plea>9</DC:Plea>", 1)
    bad = tmp_path / "bad.xml"
    bad.write_text(text)
    code, out, _ = run(["validate", "--format", "json", str(bad)], capsys)
    assert code == 1
    codes = {i["code"] for i in json.loads(out)["inputs"][0]["issues"]}
    assert {"asn.check-character", "pti-urn.format", "schema.enumeration"} <= codes


def test_formats_lists_every_installed_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["formats"], capsys)
    assert code == 0
    for name in (
        "libra-spi",
        "hmpps-events",
        "prison-api-sentence",
        "delius-key-dates",
        "prisoner-search",
        "delius-custody",
        "cvl-licence",
        "canonical-xml",
        "canonical-json",
    ):
        assert name in out
    # the names line up however long the longest is
    starts = {line.index("application/") for line in out.splitlines() if "application/" in line}
    assert len(starts) == 1


def test_schema_check_passes_on_the_committed_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["schema", "check"], capsys)
    assert code == 0


def test_schema_export_writes_every_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, _ = run(["schema", "export", str(tmp_path)], capsys)
    assert code == 0
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert "canonical/v1/cjx-canonical.xsd" in written
    assert "canonical/v1/cjx-canonical.schema.json" in written
    assert "formats/libra-spi/deliver-request.xsd" in written
    assert "formats/prison-api-sentence/sentence-calc-dates.schema.json" in written
    assert "formats/delius-key-dates/replace-custody-key-dates.schema.json" in written
    assert "formats/prisoner-search/prisoner.schema.json" in written
    assert "formats/cvl-licence/licence.schema.json" in written
    assert "canonical/v1/cjx-canonical-ext.xsd" in written  # the XSD imports it
    for version in ("1.0", "1.1", "1.2"):  # every released version, frozen
        assert f"canonical/{version}/cjx-canonical.xsd" in written
        assert f"canonical/{version}/cjx-canonical.schema.json" in written
    assert "canonical/1.2/cjx-canonical-ext.xsd" in written
    assert "canonical/1.1/cjx-canonical-ext.xsd" not in written


def test_schema_export_version_1_2_writes_its_three_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--version 1.2`: the JSON Schema, the XSD and the extension namespace's XSD it imports,
    as released; the XSD compiles from the written folder alone."""
    code, _out, _ = run(["schema", "export", "--version", "1.2", str(tmp_path)], capsys)
    assert code == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "canonical/1.2/cjx-canonical-ext.xsd",
        "canonical/1.2/cjx-canonical.schema.json",
        "canonical/1.2/cjx-canonical.xsd",
    ]
    for name in written:
        assert (tmp_path / name).read_bytes() == (ROOT / "schemas" / name).read_bytes()
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema = etree.XMLSchema(etree.parse(str(tmp_path / "canonical/1.2/cjx-canonical.xsd"), parser))
    record = etree.parse(str(ROOT / "tests/fixtures/canonical/prisoner-record.xml"))
    assert schema.validate(record), schema.error_log


def test_schema_export_version_writes_that_release_as_it_shipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--version 1.0` writes v1.0's pair alone, byte for byte as released (git history)."""
    code, _out, _ = run(["schema", "export", "--version", "1.0", str(tmp_path)], capsys)
    assert code == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["canonical/1.0/cjx-canonical.schema.json", "canonical/1.0/cjx-canonical.xsd"]
    shipped = ROOT / "schemas/canonical/1.0"
    for name in ("cjx-canonical.schema.json", "cjx-canonical.xsd"):
        assert (tmp_path / "canonical/1.0" / name).read_bytes() == (shipped / name).read_bytes()
    # v1.0 knows the seven v1.0 message types only
    v10 = json.loads((shipped / "cjx-canonical.schema.json").read_text(encoding="utf-8"))
    assert "custody.prisoner-record" not in v10["properties"]["message_type"]["enum"]
    assert len(v10["properties"]["message_type"]["enum"]) == 7


def test_schema_export_unknown_version_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(["schema", "export", "--version", "1.9", str(tmp_path / "x")], capsys)
    assert code == 2
    assert "'1.9' is not released (known: 1.0, 1.1, 1.2)" in err
    assert not (tmp_path / "x").exists()


def test_demo_ends_as_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo translates every bundled example as examples/demo.toml says; exit 0."""
    code, out, _ = run(["demo", "--out-dir", str(tmp_path)], capsys)
    assert code == 0, out
    assert "ended as expected" in out
    assert any((tmp_path / "canonical").iterdir())


def test_console_script_runs(tmp_path: Path) -> None:
    """The installed `python -m cjx` entry point works end to end."""
    done = subprocess.run(
        [sys.executable, "-m", "cjx", "validate", str(GOOD)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"valid" in done.stdout


def test_encode_json_round_trip_of_cli_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `cjx translate --to canonical-json` writes is exactly encode_json of the message."""
    main(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-json",
            "--out-dir",
            str(tmp_path),
            str(GOOD),
        ]
    )
    data = (tmp_path / "core-input-message-001.json").read_bytes()
    assert encode_json(decode_json(data)) == data


def test_out_dir_over_the_inputs_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Writing translations over their own inputs is a usage error; nothing changes."""
    shutil.copy(GOOD, tmp_path / "a.xml")
    before = (tmp_path / "a.xml").read_bytes()
    code, _, err = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "libra-spi",
            "--out-dir",
            str(tmp_path),
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 2
    assert "overwrite" in err
    assert (tmp_path / "a.xml").read_bytes() == before


@pytest.mark.parametrize("where", ["file-as-out-dir", "dir-as-report"])
def test_unusable_output_paths_are_usage_errors(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --out-dir that is a file, or a --report that is a directory: exit 2, no traceback."""
    blocker = tmp_path / "blocker"
    if where == "file-as-out-dir":
        blocker.write_text("x")
        extra = ["--out-dir", str(blocker)]
    else:
        blocker.mkdir()
        extra = ["--report", str(blocker)]
    code, _, err = run(
        ["translate", "--from", "libra-spi", "--to", "canonical-xml", *extra, str(GOOD)], capsys
    )
    assert code == 2
    assert "Traceback" not in err


def test_report_directory_is_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "new" / "dir" / "report.json"
    code, _, _ = run(
        [
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-xml",
            "--out-dir",
            str(tmp_path / "out"),
            "--report",
            str(report),
            str(GOOD),
        ],
        capsys,
    )
    assert code == 0
    assert json.loads(report.read_text())["inputs"][0]["status"] == "ok"


def test_several_messages_without_out_dir_is_a_usage_error(
    batch_adapter: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several messages cannot share standard output: exit 2, nothing written."""
    batch = _batch_of_two(tmp_path)
    capsys.readouterr()
    code, out, err = run(
        ["translate", "--from", "test-batch", "--to", "canonical-xml", str(batch)], capsys
    )
    assert code == 2
    assert out == ""
    assert "--out-dir" in err


def test_symlinked_directories_are_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A link back up the tree does not make the same file count again."""
    (tmp_path / "in").mkdir()
    shutil.copy(GOOD, tmp_path / "in" / "a.xml")
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in")
    code, out, _ = run(["validate", "--format", "json", str(tmp_path / "in")], capsys)
    assert code == 0
    assert len(json.loads(out)["inputs"]) == 1


@pytest.mark.parametrize(
    "argv_for",
    [
        lambda f: ["translate", "--from", "libra-spi", "--to", "canonical-xml", "--report",
                      str(f), str(f)],
        lambda f: ["translate", "--from", "libra-spi", "--to", "canonical-xml", "--out-dir",
                      str(f / "sub"), str(GOOD)],
        lambda f: ["translate", "--from", "libra-spi", "--to", "canonical-xml", "--report",
                      str(f / "r.json"), str(GOOD)],
        lambda f: ["schema", "export", str(f)],
        lambda f: ["demo", "--out-dir", str(f)],
    ],
    ids=["report-is-the-input", "out-dir-under-a-file", "report-under-a-file",
         "export-to-a-file", "demo-to-a-file"],
)  # fmt: skip
def test_paths_that_cannot_be_written_are_usage_errors(
    argv_for: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2 with a message, before anything is written; the input is left as it was."""
    afile = tmp_path / "a.xml"
    shutil.copy(GOOD, afile)
    before = afile.read_bytes()
    code, _, err = run(argv_for(afile), capsys)
    assert code == 2
    assert "error" in err
    assert "Traceback" not in err
    assert afile.read_bytes() == before
