"""Regression tests for the security review (``../shared/reviews/security-review.md``), each built
from its finding's reproduction and named after the finding's number.

Findings about the services and the broker (1, 2, 4, 6, 9, 12, 13 and the event loop) are in
``tests/transport/test_security_review.py``.

Cost is never measured with a clock here (the machine is shared): a finding about time is
checked by counting work that does not depend on the machine's speed, either the lxml element
proxies made while reporting (every element cjx reads gets one) or the Python and C function
calls made, for an input and for one twice its size. Linear work doubles; quadratic work
quadruples.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from tests.messages import COURT

import cjx
from cjx.adapter import get_adapter
from cjx.cli import main
from cjx.codec import _xmlparse
from cjx.errors import Report, error
from cjx.transport import redact_url

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "examples" / "hmpps-events" / "prisoner-received.json"

_OFFENCE_START = COURT.index(b"<DC:Offence>")
_OFFENCE_END = COURT.index(b"</DC:Offence>") + len(b"</DC:Offence>")
OFFENCE = COURT[_OFFENCE_START:_OFFENCE_END]


def with_offences(offence: bytes, n: int) -> bytes:
    """The court example with its one offence replaced by ``n`` copies of ``offence``."""
    return COURT[:_OFFENCE_START] + offence * n + COURT[_OFFENCE_END:]


def python_calls(work: Callable[[], object]) -> int:
    """Function calls (Python and C) made by ``work()``: a count of its work."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


class _Counted(etree.ElementBase):
    """An element class that counts its proxies: lxml makes one each time Python code gets hold
    of an element it is not already holding."""

    made = 0

    def _init(self) -> None:
        type(self).made += 1


@pytest.fixture
def elements_read(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], object]], int]:
    """``count(work)``: the element proxies made by ``work()`` on documents cjx parses."""
    hardened = _xmlparse._parser

    def counting() -> etree.XMLParser:
        parser = hardened()
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(element=_Counted))
        return parser

    monkeypatch.setattr(_xmlparse, "_parser", counting)

    def count(work: Callable[[], object]) -> int:
        _Counted.made = 0
        work()
        return _Counted.made

    return count


def grows_linearly(small: int, large: int) -> bool:
    """Twice the input costs at most 2.5 times the work (quadratic work costs 4 times)."""
    return large <= 2.5 * small


# --- 3: report paths in time proportional to depth --------------------------------------------


def test_finding_03_report_paths_cost_grows_linearly_with_the_document(
    elements_read: Callable[[Callable[[], object]], int],
) -> None:
    """One unexpected attribute on each of n offences: the elements read to report every issue
    double when n doubles (the review: 1,000 offences 30 s, 2,000 offences 117 s)."""
    offence = OFFENCE.replace(b"<DC:Offence>", b'<DC:Offence x="1">')

    def translate(n: int) -> Callable[[], object]:
        def run() -> None:
            outcome = cjx.translate(
                with_offences(offence, n), from_format="libra-spi", to_format="canonical-xml"
            )
            assert not outcome.ok
            assert "schema.attribute" in outcome.report.codes

        return run

    translate(5)()  # schemas loaded, schema names read
    assert grows_linearly(elements_read(translate(200)), elements_read(translate(400)))


def test_finding_03_identifier_issues_under_one_parent_cost_grows_linearly(
    elements_read: Callable[[Callable[[], object]], int],
) -> None:
    """Many identifier issues under one parent (lower-case offence codes): each issue's path
    reads the siblings once, not once per issue (the review: 8,000 offences, 24 s)."""
    code = re.search(rb"<DC:OffenceCode>([^<]*)</DC:OffenceCode>", OFFENCE)
    assert code is not None
    offence = OFFENCE.replace(code.group(1), code.group(1).lower())

    def validate(n: int) -> Callable[[], object]:
        def run() -> None:
            report = get_adapter("libra-spi").validate(with_offences(offence, n))
            assert sum(i.path.endswith("/OffenceCode") for i in report.issues) >= n

        return run

    validate(5)()
    assert grows_linearly(elements_read(validate(200)), elements_read(validate(400)))


def test_finding_03_canonical_xml_paths_cost_grows_linearly(
    elements_read: Callable[[Callable[[], object]], int],
) -> None:
    """The outbound services' reader (canonical XML) resolves libxml2's paths linearly too."""
    canonical = cjx.translate(COURT, from_format="libra-spi", to_format="canonical-xml").outputs[0]
    start = canonical.index(b"<Offence>")
    end = canonical.index(b"</Offence>") + len(b"</Offence>")
    offence = canonical[start:end].replace(b"<Offence>", b'<Offence x="1">')

    def validate(n: int) -> Callable[[], object]:
        data = canonical[:start] + offence * n + canonical[end:]
        return lambda: get_adapter("canonical-xml").validate(data)

    validate(5)()
    assert grows_linearly(elements_read(validate(200)), elements_read(validate(400)))


def test_finding_03_libxml2_paths_resolve_to_the_element_they_name() -> None:
    """The linear resolver finds, for every element of real documents, the element libxml2's
    own path names (prefixed names, default namespaces, no namespace, repeats)."""
    documents = [p.read_bytes() for p in sorted((ROOT / "tests/fixtures/canonical").glob("*.xml"))]
    documents += [COURT, with_offences(OFFENCE, 3)]
    documents.append(
        b'<r xmlns="u"><b/><b xmlns=""/><b/><p:b xmlns:p="v"/><p:b xmlns:p="v"/>'
        b'<q:b xmlns:q="v"/><b xmlns=""/></r>'
    )
    checked = 0
    for data in documents:
        root = _xmlparse.parse_xml(data)
        tree = root.getroottree()
        for element in root.iter():
            assert _xmlparse.resolve_libxml_path(root, tree.getpath(element)) is element
            checked += 1
    assert checked > 500


# --- 5: issues per input are capped ------------------------------------------------------------


def _event_with_identifiers(n: int) -> bytes:
    event = json.loads(EVENT.read_bytes())
    event["personReference"]["identifiers"] = [{}] * n
    return json.dumps(event, separators=(",", ":")).encode()


def _canonical_with_offences(n: int) -> bytes:
    canonical = cjx.translate(COURT, from_format="libra-spi", to_format="canonical-json").outputs[0]
    document = json.loads(canonical)
    document["body"]["offences"] = [{}] * n
    return json.dumps(document, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("make", "fmt"),
    [(_event_with_identifiers, "hmpps-events"), (_canonical_with_offences, "canonical-json")],
    ids=["hmpps-event", "canonical-json"],
)
def test_finding_05_issues_per_input_are_capped(make: Callable[[int], bytes], fmt: str) -> None:
    """3,000 empty items (6,000 and 21,000 issues found before) give 1,000 issues (MAX_ISSUES)
    and one saying there were more; the review's 300,000 took 20 s / 2.3 GB and 97 s / 8 GB."""
    report = get_adapter(fmt).validate(make(3000))
    assert not report.ok
    assert len(report.issues) == 1000 + 1
    assert report.issues[-1].code == "report.truncated"
    assert "more issues not listed" in report.issues[-1].message
    via_translate = cjx.translate(make(3000), from_format=fmt, to_format="canonical-xml")
    assert len(via_translate.report.issues) == 1000 + 1


@pytest.mark.parametrize(
    ("make", "fmt"),
    [(_event_with_identifiers, "hmpps-events"), (_canonical_with_offences, "canonical-json")],
    ids=["hmpps-event", "canonical-json"],
)
def test_finding_05_issues_past_the_cap_are_not_looked_for(
    make: Callable[[int], bytes], fmt: str
) -> None:
    """Once a report is full, more bad items cost only their reading (done in C: the parser and
    jsonschema-rs), not Python work per issue: 10,000 empty items cost about what 5,000 do."""
    adapter = get_adapter(fmt)
    adapter.validate(make(10))
    small = python_calls(lambda: adapter.validate(make(5_000)))
    large = python_calls(lambda: adapter.validate(make(10_000)))
    assert large <= 1.25 * small, (small, large)


def test_finding_05_the_report_itself_keeps_the_cap() -> None:
    """However a report is built, it lists 1,000 issues (MAX_ISSUES) and counts the rest in
    one last issue."""
    report = Report("x", tuple(error("schema.content", f"/a[{n}]", "m") for n in range(5000)))
    assert len(report.issues) == 1000 + 1
    assert report.issues[-1].code == "report.truncated"
    assert report.issues[-1].message.startswith("4,000 more issue(s) not listed")
    again = report.extended([error("x.y", "", "m")])
    assert again.issues[-1].message.startswith("4,001 more issue(s) not listed")
    assert again.omitted == (4001, False)


# --- 7: --detailed is linear --------------------------------------------------------------------


def _session_with_attributes(n: int) -> bytes:
    attributes = b" ".join(b'a%d="x"' % i for i in range(n))
    return COURT.replace(b"<DC:Session>", b"<DC:Session " + attributes + b">", 1)


def test_finding_07_detailed_validation_skips_xmlschema_where_its_cost_is_quadratic() -> None:
    """4,000 attributes on one element (the review: 46 KB, 100 s): the fast validator's issues,
    and a note that the detailed one was not run, with the limit."""
    from cjx.validation._schemas import DETAILED_MAX_ATTRIBUTES

    report = get_adapter("libra-spi").validate(_session_with_attributes(4000), detailed=True)
    assert not report.ok
    assert "schema.detailed-skipped" in report.codes
    skipped = next(i for i in report.issues if i.code == "schema.detailed-skipped")
    assert f"limit of {DETAILED_MAX_ATTRIBUTES}" in skipped.message
    assert skipped.path.endswith("/Session")
    assert "schema.attribute" in report.codes


def test_detailed_validation_still_runs_xmlschema_below_the_limit() -> None:
    """Below the limit the detailed validator reports as before (one issue per attribute)."""
    report = get_adapter("libra-spi").validate(_session_with_attributes(3), detailed=True)
    assert "schema.detailed-skipped" not in report.codes
    assert report.codes.count("schema.attribute") == 3


# --- 8 and 18: files cjx writes -------------------------------------------------------------


@pytest.fixture
def court_file(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "a.xml"
    path.write_bytes(COURT)
    return path


def _translate(court_file: Path, out: Path, *extra: str) -> int:
    argv = ["translate", "--from", "libra-spi", "--to", "canonical-xml", "--out-dir", str(out)]
    return main([*argv, *extra, str(court_file)])


def test_finding_08_translate_never_writes_through_a_planted_symlink(
    court_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A symlink in --out-dir named like an output: exit 2, the file it points to untouched;
    with --force the symlink itself is replaced, never followed."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("victim\n")
    (out / "a.xml").symlink_to(victim)
    assert _translate(court_file, out) == 2
    assert "exists" in capsys.readouterr().err
    assert victim.read_text() == "victim\n"
    assert _translate(court_file, out, "--force") == 0
    assert victim.read_text() == "victim\n"
    assert not (out / "a.xml").is_symlink()
    assert b"CaseResulted" in (out / "a.xml").read_bytes()


def test_finding_08_report_never_written_through_a_planted_symlink(
    court_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--report pointing at a symlink: exit 2, nothing written through it."""
    victim = tmp_path / "victim.txt"
    victim.write_text("victim\n")
    report = tmp_path / "report.json"
    report.symlink_to(victim)
    code = main(
        ["translate", "--from", "libra-spi", "--to", "canonical-xml", "--report", str(report),
         str(court_file)]
    )  # fmt: skip
    assert code == 2
    assert victim.read_text() == "victim\n"
    capsys.readouterr()


def test_finding_08_existing_outputs_are_not_overwritten_without_force(
    court_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing output: exit 2 and nothing written at all; --force replaces it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.xml").write_text("earlier\n")
    assert _translate(court_file, out) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "a.xml").read_text() == "earlier\n"
    assert _translate(court_file, out, "--force") == 0
    assert (out / "a.xml").read_text() != "earlier\n"


def test_finding_18_outputs_are_private_unless_umask_is_asked_for(
    court_file: Path, tmp_path: Path
) -> None:
    """Outputs and reports are created 0600 whatever the umask; --umask follows the umask."""
    old = os.umask(0o022)
    try:
        report = tmp_path / "report.json"
        assert _translate(court_file, tmp_path / "private", "--report", str(report)) == 0
        assert stat.S_IMODE((tmp_path / "private" / "a.xml").stat().st_mode) == 0o600
        assert stat.S_IMODE(report.stat().st_mode) == 0o600
        assert _translate(court_file, tmp_path / "shared", "--umask") == 0
        assert stat.S_IMODE((tmp_path / "shared" / "a.xml").stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_finding_18_demo_outputs_are_private_and_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cjx demo --out-dir`: files 0600; a second run into the same folder needs --force."""
    old = os.umask(0o022)
    try:
        assert main(["demo", "--out-dir", str(tmp_path)]) == 0
        written = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert written
        assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o600}
        assert main(["demo", "--out-dir", str(tmp_path)]) == 2
        assert main(["demo", "--out-dir", str(tmp_path), "--force"]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()


# --- 10: the detailed path accepts nothing the fast path rejects ------------------------------


def test_finding_10_detailed_validation_refuses_non_ascii_digits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Arabic-Indic and fullwidth digits in xs:integer fields: INVALID on both paths."""
    data = (
        COURT.decode()
        .replace("<DC:PSAcode>2576<", "<DC:PSAcode>\u0662\u0665\u0667\u0666<")
        .replace("<DC:OffenceSequenceNumber>001<", "<DC:OffenceSequenceNumber>\uff10\uff10\uff11<")
        .encode()
    )
    path = tmp_path / "digits.xml"
    path.write_bytes(data)
    for detailed in ([], ["--detailed"]):
        assert main(["validate", *detailed, str(path)]) == 1
        assert "schema.datatype" in capsys.readouterr().out
    with pytest.raises(cjx.ValidationFailed):
        get_adapter("libra-spi").translate(data, detailed=True)
    underscore = COURT.replace(b"<DC:PSAcode>2576<", b"<DC:PSAcode>25_76<")
    assert not get_adapter("libra-spi").validate(underscore, detailed=True).ok


# --- 11: names from the input in reports ------------------------------------------------------


SENTINELS = ("JOHN", "SMITH", "A1234BC", "A9999ZZ", "1980")


def _leaks(report: Report) -> list[str]:
    text = json.dumps(report.as_dict())
    return [s for s in SENTINELS if s in text]


def test_finding_11_unknown_json_keys_are_masked() -> None:
    """Unknown and duplicated keys, and keys under a map, never reach a report as written."""
    event = json.loads(EVENT.read_bytes())
    event["JOHN SMITH DOB 1980-01-01"] = 1
    event["A1234BC"] = 2
    event["additionalInformation"]["A9999ZZ-JOHN-SMITH"] = {"x": 1}
    report = get_adapter("hmpps-events").validate(json.dumps(event).encode())
    assert not report.ok
    assert _leaks(report) == []
    duplicated = EVENT.read_bytes().replace(
        b'"eventType"', b'"John Smith 1980-01-01": 1, "John Smith 1980-01-01": 2, "eventType"', 1
    )
    report = get_adapter("hmpps-events").validate(duplicated)
    assert "json.duplicate-key" in report.codes
    assert _leaks(report) == []
    assert "Smith" not in json.dumps(report.as_dict())


@pytest.mark.parametrize("detailed", [False, True], ids=["fast", "detailed"])
def test_finding_11_unknown_xml_names_are_masked(detailed: bool) -> None:
    """Unexpected element and attribute names are masked on both paths."""
    data = COURT.replace(b"<DC:Session>", b'<DC:Session JOHN_SMITH_DOB_19800101="x">', 1)
    data = data.replace(b"</DC:Session>", b"<DC:A1234BC_SMITH/></DC:Session>", 1)
    report = get_adapter("libra-spi").validate(data, detailed=detailed)
    assert {"schema.attribute", "schema.content"} <= set(report.codes)
    assert _leaks(report) == []


@pytest.mark.parametrize(
    "data",
    [
        b"<a>&JOHNSMITH;</a>",
        b"<a><b></JOHNSMITH></a>",
        b'<a JOHNSMITH="1" JOHNSMITH="2"/>',
        b"<JOHNSMITH:a/>",
        b"<a><JOHNSMITH>",
    ],
    ids=["entity", "tag-mismatch", "attribute-redefined", "prefix", "truncated"],
)
def test_finding_11_well_formedness_issues_keep_only_the_position(data: bytes) -> None:
    """libxml2's texts quote names; a report says what kind of error and where only."""
    report = get_adapter("libra-spi").validate(data)
    (issue,) = report.issues
    assert issue.code.startswith("xml.")
    assert "JOHNSMITH" not in issue.message
    assert "line 1, column" in issue.message


def test_names_the_schemas_declare_are_still_shown() -> None:
    """A name the schemas declare is vocabulary, shown as it is (an element out of place)."""
    data = COURT.replace(b"</DC:Session>", b"<DC:Session/></DC:Session>", 1)
    report = get_adapter("libra-spi").validate(data)
    assert any("Element 'Session'" in i.message for i in report.issues)


# --- 14: cjx health asks this machine only ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1@attacker.example/ready",
        "http://localhost.attacker.example/ready",
        "http://127.attacker.example/ready",
        "http://localhost:80@10.0.0.5:9464/ready",
        "http://127.0.0.1:notaport/ready",
    ],
)
def test_finding_14_health_refuses_urls_that_are_not_local(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Parsed, not matched: exit 2 and no request at all."""
    import urllib.request

    def no_request(*args: object, **kwargs: object) -> None:
        raise AssertionError("a request was made")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_request)
    monkeypatch.setattr(urllib.request, "urlopen", no_request)
    assert main(["health", "--url", url]) == 2
    assert "local endpoint" in capsys.readouterr().err


@pytest.fixture
def redirecting() -> Iterator[tuple[str, list[str]]]:
    """A loopback server: /ready redirects to /elsewhere; the paths asked are recorded."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if self.path == "/ready":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/x")
                self.end_headers()
            else:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"secret page\n")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/ready", asked
    finally:
        server.shutdown()
        server.server_close()


def test_finding_14_health_follows_no_redirect(
    redirecting: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A redirect is 'not ready', and the place it names is never asked."""
    url, asked = redirecting
    assert main(["health", "--url", url]) == 1
    out = capsys.readouterr().out
    assert "not ready (302)" in out
    assert "secret page" not in out
    assert asked == ["/ready"]


def test_health_accepts_only_the_local_forms() -> None:
    """127.0.0.0/8, localhost and [::1] are this machine; another scheme or a user is not."""
    from cjx.cli._services import local_url

    for bad in ("https://127.0.0.1:9464/ready", "http://user@127.0.0.1:9464/ready"):
        with pytest.raises(cjx.ConfigurationError):
            local_url(bad)
    for url in ("http://127.0.0.1:9464/ready", "http://localhost:1/x", "http://[::1]:9/r",
                "http://127.1.2.3:9464/ready"):  # fmt: skip
        assert local_url(url) == url


# --- 15: terminal output is escaped -----------------------------------------------------------


def test_finding_15_dlq_list_escapes_what_a_sender_wrote(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Newlines and escape sequences in message ids and types stay on one escaped line."""
    from cjx.cli._services import _print_letters
    from cjx.service._dlq import DeadLetter

    letter = DeadLetter(
        1,
        'id\n{"level": "critical"}\x1b[31m',
        "court.case-resulted\x1b[2J",
        "xml.not-xml",
        "cjx",
        "cjx.inbound",
        "libra-spi\u202e",
        "2026-01-01",
        None,
        4,
        None,
    )
    _print_letters([letter], False, "listed")
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert out.count("\n") == 3  # the header, the letter's line and the count
    assert "\\x1b[31m" in out
    assert "\\x0a" in out


def test_finding_15_reports_escape_file_names_and_messages() -> None:
    """A file named with an escape sequence is shown escaped in text and JUnit reports."""
    from cjx.errors import reports_to_junit

    report = Report("evil\x1b[2J.xml", (error("xml.empty", "/", "input is empty"),))
    assert "\x1b" not in report.to_text()
    assert "\\x1b[2J" in report.to_text()
    assert "\x1b" not in reports_to_junit([report])


# --- 16: the Libra encoder never raises ---------------------------------------------------------


def test_finding_16_a_late_produced_at_is_an_encode_issue_not_a_traceback(
    tmp_path: Path,
) -> None:
    """produced_at after 9999-12-01: `translate.encode`, exit 1, no traceback."""
    canonical = cjx.translate(COURT, from_format="libra-spi", to_format="canonical-json")
    document = json.loads(canonical.outputs[0])
    document["produced_at"] = "9999-12-31T23:59:59Z"
    path = tmp_path / "y9999.json"
    path.write_text(json.dumps(document))
    outcome = cjx.translate(path.read_bytes(), from_format="canonical-json", to_format="libra-spi")
    assert not outcome.ok
    assert "translate.encode" in outcome.report.codes
    done = subprocess.run(
        [sys.executable, "-m", "cjx", "translate", "--from", "canonical-json", "--to",
         "libra-spi", str(path)],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert b"translate.encode" in done.stderr


# --- 17: the size is known before a file is read -------------------------------------------------


def test_finding_17_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    """A 512 MB (sparse) file: exit 1, `input.too-large`, and the process never holds it (the
    review: 590 MB maximum RSS). The high-water mark is the process's own (VmHWM): ru_maxrss
    would also count the test runner that started it."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to read the process's peak memory")
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.truncate(512 * 1024 * 1024)
    script = (
        "import sys\n"
        "from cjx.cli import main\n"
        f"code = main(['validate', '--format', 'json', {str(big)!r}])\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print('PEAK', peak.split()[1], file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 1, done.stderr
    (entry,) = json.loads(done.stdout)["inputs"]
    assert [i["code"] for i in entry["issues"]] == ["input.too-large"]
    peak_kib = int(done.stderr.decode().split("PEAK ")[-1])
    assert peak_kib < 256 * 1024, f"{peak_kib} KiB"


def test_finding_17_standard_input_is_read_only_to_the_limit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From standard input at most the limit and one byte are read; then `input.too-large`."""
    asked: list[int] = []

    class Stdin:
        class buffer:  # noqa: N801 - sys.stdin's attribute
            @staticmethod
            def read(n: int = -1) -> bytes:
                asked.append(n)
                return b" " * (n if n >= 0 else 11 * 1024 * 1024)

    monkeypatch.setattr(sys, "stdin", Stdin)
    assert main(["validate", "--format", "json", "-"]) == 1
    (entry,) = json.loads(capsys.readouterr().out)["inputs"]
    assert [i["code"] for i in entry["issues"]] == ["input.too-large"]
    assert asked == [10 * 1024 * 1024 + 1]


# --- 18: token userinfo, bidi controls ---------------------------------------------------------


def test_finding_18_a_token_userinfo_is_redacted() -> None:
    """`amqp://TOKEN@host/`: the token is never printed."""
    assert "S3cr3tTOKEN" not in redact_url("amqp://S3cr3tTOKEN@127.0.0.1:5672/vhost")
    assert (
        redact_url("amqp://S3cr3tTOKEN@127.0.0.1:5672/vhost") == "amqp://***@127.0.0.1:5672/vhost"
    )
    assert redact_url("amqp://user:pw@host/") == "amqp://user:***@host/"
    from cjx.transport.amqp import AmqpBroker

    broker = AmqpBroker("amqp://S3cr3tTOKEN@127.0.0.1:1/vhost")
    assert "S3cr3tTOKEN" not in repr(broker)
    assert "S3cr3tTOKEN" not in broker._describe(OSError("S3cr3tTOKEN refused"))


@pytest.mark.parametrize(
    "spelling", ["\u202e", "&#x202E;", "&#8238;"], ids=["raw", "hex-reference", "decimal"]
)
def test_finding_18_bidi_controls_in_free_text_are_flagged(spelling: str) -> None:
    """A right-to-left override in a name: translated, and a `text.bidi-control` warning at
    the field; identifiers still refuse it."""
    text = COURT.decode()
    name = re.search(r"<DC:PersonFamilyName>([^<]*)<", text)
    assert name is not None
    data = text.replace(name.group(0), name.group(0)[:-1] + spelling + "<", 1).encode()
    outcome = cjx.translate(data, from_format="libra-spi", to_format="canonical-json")
    assert outcome.ok
    flagged = [i for i in outcome.report.issues if i.code == "text.bidi-control"]
    assert [i.path for i in flagged] == ["/Envelope/Body/CaseResulted/Defendant/Person/FamilyName"]
    assert flagged[0].severity.value == "warning"
    report = get_adapter("libra-spi").validate(data)
    assert report.ok
    assert "text.bidi-control" in report.codes
    assert (
        "text.bidi-control"
        not in cjx.translate(
            COURT, from_format="libra-spi", to_format="canonical-json"
        ).report.codes
    )
