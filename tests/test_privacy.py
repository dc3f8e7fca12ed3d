"""Reports never contain the offending personal data (DESIGN.md section 5).

Each case puts one sentinel value (a name, a date of birth, an address, an amount, a value that
imitates the schema library's own wording...) into one field of a real message, so that the
message breaks a schema rule. The library (``validate``, fast and ``detailed``) and the CLI
(``cjx validate --format json`` and ``--detailed``) reject it with the expected code, and no
issue message, path, standard output or standard error holds any part of the sentinel.

Schema issue messages are built from the kind of error and from the schema side only (element
name, facet, expected type, pattern, set of values, limit); see ``cjx.validation._schemas``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import cjx
from cjx.errors import Report
from cjx.service import HEADER_ERROR_REPORT, ServiceConfig
from cjx.transport import (
    CANONICAL,
    INBOUND,
    Binding,
    Exchange,
    Message,
    Queue,
    Topology,
    dlq_name,
)

ROOT = Path(__file__).parents[1]
LIBRA_SAMPLE = ROOT / "adapters/cjx_libra_spi/tests/fixtures/samples/core-input-message-001.xml"
CANONICAL_SAMPLE = ROOT / "tests/fixtures/canonical/case-resulted-person.xml"
HMPPS_SAMPLE = ROOT / "adapters/cjx_hmpps_events/tests/golden/shared.registration-added.input.json"
LIBRA_NS = "http://www.dca.gov.uk/xmlschemas/libra"
CANONICAL_NS = "urn:cjx:canonical:1"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

# No part of any sentinel below may appear in a report.
FORBIDDEN = ("SECRET", "QUOTE", "&AMP", "1948", "11/11")
CLI_TIMEOUT = 120  # seconds; a hang guard only


def assert_no_personal_data(text: str) -> None:
    for fragment in FORBIDDEN:
        assert fragment not in text, f"{fragment!r} leaked into {text!r}"


def assert_report_is_clean(report: Report) -> None:
    for issue in report.issues:
        assert_no_personal_data(issue.message)
        assert_no_personal_data(issue.path)


def run_cli(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``cjx validate ARGS .`` in ``directory``, so printed paths are the bare file names."""
    return subprocess.run(
        [sys.executable, "-m", "cjx", "validate", *args, "."],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


# --- mutations of an XML message ------------------------------------------------------------

Mutation = Callable[[etree._Element], None]


def set_text(namespace: str, name: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = root.find(f".//{{{namespace}}}{name}")
        assert element is not None, name
        element.text = value

    return mutate


def add_after(namespace: str, name: str, tag: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = root.find(f".//{{{namespace}}}{name}")
        assert element is not None, name
        element.addnext(etree.Element(tag))

    return mutate


def set_attribute(namespace: str, name: str, attribute: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = root.find(f".//{{{namespace}}}{name}")
        assert element is not None, name
        element.set(attribute, value)

    return mutate


def mutated(sample: Path, mutation: Mutation) -> bytes:
    root = etree.fromstring(sample.read_bytes())
    mutation(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class Case:
    """One broken field: its mutation and the codes of the fast and the detailed validator."""

    id: str
    mutation: Mutation
    code: str
    detailed_code: str


def libra(name: str, value: str, code: str, detailed_code: str, label: str = "") -> Case:
    return Case(f"{name}-{label}", set_text(LIBRA_NS, name, value), code, detailed_code)


LONG_NAME = "SECRETA'SECRETB" * 20  # 300 characters; names and address lines allow 255
LIBRA_CASES = [
    libra("Birthdate", "SECRETA'SECRETB-11", "schema.datatype", "schema.pattern", "apostrophe"),
    libra("Birthdate", "11/11/1948", "schema.datatype", "schema.pattern", "uk-date"),
    libra("Birthdate", "SECRET&AMP", "schema.datatype", "schema.pattern", "ampersand"),
    libra("Gender", 'SECRET"QUOTE', "schema.enumeration", "schema.invalid", "quote"),
    libra("PersonFamilyName", LONG_NAME, "schema.length", "schema.length", "too-long"),
    libra("PersonGivenName1", "SECRET&AMP" * 30, "schema.length", "schema.length", "too-long"),
    libra("AddressLine1", 'SECRET"QUOTE, 1948 ' * 20, "schema.length", "schema.length", "long"),
    libra("DateOfHearing", "SECRET&AMP", "schema.datatype", "schema.pattern", "ampersand"),
    libra("DateOfHearing", "11/11/1948", "schema.datatype", "schema.pattern", "uk-date"),
    libra("TimeOfHearing", "SECRETA'SECRETB", "schema.pattern", "schema.pattern", "apostrophe"),
    libra("PSAcode", "SECRET'", "schema.datatype", "schema.datatype", "apostrophe"),
    libra("PSAcode", "x'1948", "schema.datatype", "schema.datatype", "int-literal"),
    libra("ResultAmountSterling", 'SECRET"QUOTE', "schema.datatype", "schema.datatype", "text"),
    libra("ResultAmountSterling", "1948.111", "schema.digits", "schema.invalid", "digits"),
    libra("OffenceSequenceNumber", "SECRETA'SECRETB", "schema.datatype", "schema.datatype", "text"),
    libra("OffenceSequenceNumber", "-1948", "schema.datatype", "schema.invalid", "negative"),
    libra("BailStatus", "SECRET}", "schema.enumeration", "schema.invalid", "brace"),
    libra("ModeOfTrial", "S'ECRET\nSECRET", "schema.pattern", "schema.pattern", "newline"),
    # values that imitate the schema library's own wording around them
    libra(
        "Birthdate",
        "SECRET' is not a valid value of the atomic type 'SECRET",
        "schema.datatype",
        "schema.pattern",
        "mimic-type",
    ),
    libra(
        "TimeOfHearing",
        "SECRET' is not accepted by the pattern 'SECRET",
        "schema.pattern",
        "schema.pattern",
        "mimic-pattern",
    ),
    libra(
        "Gender",
        "SECRET' is not an element of the set {'SECRET'}. 1948",
        "schema.enumeration",
        "schema.invalid",
        "mimic-set",
    ),
    libra(
        "PersonFamilyName",
        "SECRET'; this exceeds the allowed maximum length of '1948'." * 6,
        "schema.length",
        "schema.length",
        "mimic-length",
    ),
    Case(
        "hostile-namespace",
        add_after(LIBRA_NS, "Gender", "{urn:SECRET'1948}Extra"),
        "schema.content",
        "schema.content",
    ),
]

CANONICAL_CASES = [
    Case(
        "FamilyName-too-long",
        set_text(CANONICAL_NS, "FamilyName", LONG_NAME),
        "schema.length",
        "schema.length",
    ),
    Case(
        "BirthDate-uk-date",
        set_text(CANONICAL_NS, "BirthDate", "11/11/1948"),
        "schema.datatype",
        "schema.pattern",
    ),
    Case(
        "BirthDate-apostrophe",
        set_text(CANONICAL_NS, "BirthDate", "SECRETA'SECRETB"),
        "schema.datatype",
        "schema.pattern",
    ),
    Case(
        "Gender-quote",
        set_text(CANONICAL_NS, "Gender", 'SECRET"QUOTE'),
        "schema.enumeration",
        "schema.invalid",
    ),
    Case(
        "Street-too-long",
        set_text(CANONICAL_NS, "Street", "SECRET&AMP" * 30),
        "schema.length",
        "schema.length",
    ),
    Case(
        "Amount-text",
        set_text(CANONICAL_NS, "Amount", "SECRET&AMP"),
        "schema.datatype",
        "schema.pattern",
    ),
    Case(
        "PsaCode-apostrophe",
        set_text(CANONICAL_NS, "PsaCode", "SECRET'1948"),
        "schema.datatype",
        "schema.datatype",
    ),
]


def _case_id(case: Case) -> str:
    return case.id


# --- library --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", LIBRA_CASES, ids=_case_id)
def test_libra_reports_never_contain_the_value(case: Case) -> None:
    """A libra-spi message with one bad field is rejected, fast and detailed, without its value."""
    data = mutated(LIBRA_SAMPLE, case.mutation)
    adapter = cjx.get_adapter("libra-spi")
    fast = adapter.validate(data)
    detailed = adapter.validate(data, detailed=True)
    assert not fast.ok
    assert not detailed.ok
    assert case.code in fast.codes
    assert case.detailed_code in detailed.codes
    assert_report_is_clean(fast)
    assert_report_is_clean(detailed)


@pytest.mark.parametrize("case", CANONICAL_CASES, ids=_case_id)
def test_canonical_reports_never_contain_the_value(case: Case) -> None:
    """A canonical XML message with one bad field is rejected by the canonical XSD without it."""
    data = mutated(CANONICAL_SAMPLE, case.mutation)
    fast = cjx.validate(data)
    detailed = cjx.validate(data, detailed=True)
    assert not fast.ok
    assert not detailed.ok
    assert case.code in fast.codes
    assert case.detailed_code in detailed.codes
    assert_report_is_clean(fast)
    assert_report_is_clean(detailed)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("occurredAt", "SECRETA'SECRETB"),
        ("occurredAt", "11/11/1948"),
        ("registrationDate", 'SECRET"QUOTE'),
        ("registrationDate", "11/11/1948"),
        ("registrationId", "SECRET&AMP"),
    ],
)
def test_hmpps_event_reports_never_contain_the_value(where: str, value: str) -> None:
    """An HMPPS event with a field that breaks its JSON Schema pattern is rejected without it."""
    event: dict[str, Any] = json.loads(HMPPS_SAMPLE.read_text(encoding="utf-8"))
    if where in event:
        event[where] = value
    else:
        event["additionalInformation"][where] = value
    data = json.dumps(event).encode()
    for report in (cjx.validate(data), cjx.validate(data, detailed=True)):
        assert not report.ok
        assert "schema.pattern" in report.codes
        assert_report_is_clean(report)


#: (format, path of the member to replace, sentinel, expected code or None when still valid).
#: Personal data (names, dates of birth, addresses, free text, identifiers) is never shown.
RECORD_CASES: list[tuple[str, str, Any, str | None]] = [
    ("prison-api-sentence", "sentenceExpiryDate", "11/11/1948", "schema.pattern"),
    ("prison-api-sentence", "sentenceExpiryDate", "1948-02-30", "date.format"),
    ("prison-api-sentence", "nonDtoReleaseDateType", 'SECRET"QUOTE', "schema.pattern"),
    ("prison-api-sentence", "bookingId", "SECRET&AMP", "schema.type"),
    ("prison-api-sentence", "releaseDate", "SECRETA'SECRETB", "schema.pattern"),
    ("delius-key-dates", "nomsNumber", "SECRET1948", "noms.format"),
    ("delius-key-dates", "bookingNumber", "SECRET&AMP", "book-number.format"),
    ("delius-key-dates", "bookingNumber", "S1948Q", None),  # valid: reported masked, if at all
    ("delius-key-dates", "keyDates/sentenceExpiryDate", "11/11/1948", "schema.pattern"),
    ("delius-key-dates", "keyDates/licenceExpiryDate", "1948-11-31", "date.format"),
    ("prisoner-search", "lastName", 'SECRETA"QUOTE' * 400, "schema.max-length"),
    ("prisoner-search", "dateOfBirth", "11/11/1948", "schema.pattern"),
    ("prisoner-search", "dateOfBirth", "1948-02-30", "date.format"),
    ("prisoner-search", "aliases/0/dateOfBirth", "1948-11-31", "date.format"),
    ("prisoner-search", "addresses/0/fullAddress", "SECRET&AMP, 1948 " * 300, "schema.max-length"),
    ("prisoner-search", "addresses/0/startDate", "SECRET 11/11/1948", "schema.pattern"),
    ("prisoner-search", "emailAddresses/0/email", ["SECRET@1948"], "schema.type"),
    ("prisoner-search", "currentIncentive/dateTime", "1948-11-11T25:00", "local-datetime.format"),
    ("prisoner-search", "prisonerNumber", "SECRET&AMP", "noms.format"),
    ("prisoner-search", "pncNumber", "SECRET1948", "pnc.format"),
    ("prisoner-search", "identifiers/0/value", "48/11111SECRET", "pnc.format"),
    ("prisoner-search", "bookNumber", "S1948Q", None),  # valid: reported masked, if at all
    ("prisoner-search", "gender", 'SECRET"QUOTE', None),  # valid: an unreadable gender, kept
    ("prisoner-search", "identifiers/2/value", "SECRET1948", None),  # valid: a NINO as recorded
    ("prisoner-search", "dischargeDetails", "SECRET 11/11/1948", None),  # valid: free text
    ("delius-custody", "otherIds/crn", "SECRET1948", "crn.format"),
    ("delius-custody", "otherIds/pncNumber", "11/11/1948", "pnc.format"),
    ("delius-custody", "otherIds/croNumber", "SECRET&AMP", "cro.format"),
    ("delius-custody", "otherIds/niNumber", "SECRET&AMP", "schema.max-length"),
    ("delius-custody", "otherIds/niNumber", "SECRET194", None),  # valid: carried, never shown
    ("delius-custody", "otherIds/immigrationNumber", "SECRET\u0001QUOTE", "text.characters"),
    ("delius-custody", "conviction/orderManagers/0/name", "SECRET\u0001", "text.characters"),
    (
        "delius-custody",
        "conviction/sentence/additionalSentences/0/notes",
        "SECRET\u0002QUOTE 11/11/1948",
        "text.characters",
    ),
    (
        "delius-custody",
        "licenceConditions/0/licenceConditionNotes",
        "SECRET\u0003",
        "text.characters",
    ),
    ("delius-custody", "conviction/offences/0/offenceDate", "11/11/1948", "schema.pattern"),
    (
        "delius-custody",
        "conviction/offences/0/offenceDate",
        "1948-11-31T00:00:00",
        "local-datetime.format",
    ),
    ("delius-custody", "conviction/custody/bookingNumber", "SECRET&AMP", "book-number.format"),
    ("delius-custody", "conviction/courtAppearance/crn", "SECRET1948", "crn.format"),
    ("delius-custody", "conviction/custody/status/code", 'SECRET"QUOTE', "schema.pattern"),
    ("delius-custody", "sentenceStatus/sentenceDate", "11/11/1948", "schema.pattern"),
    # CVL licence conditions are free text filled in with names and addresses
    ("cvl-licence", "conditions/AP/bespoke/0/text", "SECRET\u0007QUOTE 11/11", "text.characters"),
    (
        "cvl-licence",
        "conditions/AP/additional/0/text",
        "SECRET ROAD 1948 " * 300,
        "schema.max-length",
    ),
    ("cvl-licence", "conditions/AP/bespoke/1/text", "SECRET PERSON, 11/11 SECRET ROAD", None),
    ("cvl-licence", "conditions/AP/additional/1/restrictions/0", 'SECRET"QUOTE', "schema.pattern"),
    ("cvl-licence", "conditions/PSS/standard/0/code", "", "schema.min-length"),
    ("cvl-licence", "licenceStartDate", "11/11/1948", "schema.pattern"),
    ("cvl-licence", "createdDateTime", "1948-11-31T10:00:00", "local-datetime.format"),
    ("cvl-licence", "approvedDateTime", "1948-11-11T00:00:00", None),  # a day: information
    ("cvl-licence", "crn", "SECRET1948", "crn.format"),
    ("cvl-licence", "approvedByUsername", "SECRET&AMP", None),
]
RECORD_SAMPLES = {
    "prison-api-sentence": ROOT
    / "adapters/cjx_prison_api_sentence/tests/golden/shared.getSentenceDetail_1200835.input.json",
    "delius-key-dates": ROOT
    / "adapters/cjx_delius_key_dates/tests/golden/handover.A5089DY-38339A.input.json",
    "prisoner-search": ROOT
    / "adapters/cjx_prisoner_search/tests/golden/every-member-rest-response.input.json",
    "delius-custody": ROOT / "adapters/cjx_delius_custody/tests/golden/every-member.input.json",
    "cvl-licence": ROOT / "adapters/cjx_cvl_licence/tests/golden/every-member.input.json",
}


def _record_case(fmt: str, where: str, value: Any) -> bytes:
    """The format's sample with the member at ``where`` set to ``value``."""
    document: dict[str, Any] = json.loads(RECORD_SAMPLES[fmt].read_bytes())
    *parents, last = where.split("/")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("fmt", "where", "value", "code"), RECORD_CASES, ids=[f"{c[0]}:{c[1]}" for c in RECORD_CASES]
)
def test_record_reports_never_contain_the_value(
    fmt: str, where: str, value: Any, code: str | None
) -> None:
    """A prison or probation record with one bad member is rejected as its format, fast and
    detailed, without the member's value in any issue; recognised by content (a ``bookingId``
    that is text is not prison-api's), its report is as clean."""
    data = _record_case(fmt, where, value)
    adapter = cjx.get_adapter(fmt)
    for report in (adapter.validate(data), adapter.validate(data, detailed=True)):
        assert report.ok is (code is None)
        if code is not None:
            assert code in report.codes
        assert_report_is_clean(report)
    assert_report_is_clean(cjx.validate(data))


def test_record_cli_never_prints_the_values(tmp_path: Path) -> None:
    """`cjx validate` (text and JSON, detailed) over every record case prints no sentinel."""
    for index, (fmt, where, value, _) in enumerate(RECORD_CASES):
        (tmp_path / f"case-{index}.json").write_bytes(_record_case(fmt, where, value))
    for args in (("--format", "json"), ("--detailed",)):
        run = run_cli(tmp_path, *args)
        assert run.returncode == 1, run.stderr
        assert_no_personal_data(run.stdout)
        assert_no_personal_data(run.stderr)


def test_unresolvable_xsi_type_is_reported_not_raised() -> None:
    """An xsi:type naming no schema type is an issue on both paths; its value is not shown."""
    data = mutated(LIBRA_SAMPLE, set_attribute(LIBRA_NS, "Gender", XSI_TYPE, "SECRET1948"))
    adapter = cjx.get_adapter("libra-spi")
    fast = adapter.validate(data)
    detailed = adapter.validate(data, detailed=True)
    assert "schema.type" in fast.codes
    assert "schema.invalid" in detailed.codes
    assert_report_is_clean(fast)
    assert_report_is_clean(detailed)


# --- CLI ------------------------------------------------------------------------------------
#
# One run of each CLI form validates every case's file at once; each case then checks its own
# input's entry, and every run's whole output is checked for leaks.


@dataclass(frozen=True)
class CliRuns:
    json: dict[str, dict[str, Any]]  # input name -> its entry, `--format json`
    detailed_json: dict[str, dict[str, Any]]  # the same with `--detailed`
    detailed_text: dict[str, str]  # input name -> its block of `--detailed` text output


def _entries(run: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    assert run.returncode == 1, run.stderr
    return {Path(entry["path"]).name: entry for entry in json.loads(run.stdout)["inputs"]}


def _blocks(run: subprocess.CompletedProcess[str], names: Iterable[str]) -> dict[str, str]:
    assert run.returncode == 1, run.stderr
    blocks: dict[str, str] = {}
    wanted = set(names)
    current = None
    for line in run.stdout.splitlines():
        if not line.startswith(" "):  # "PATH: INVALID" heads each input's block
            name = Path(line.rsplit(": ", 1)[0]).name
            current = name if name in wanted else None
        if current is not None:
            blocks[current] = blocks.get(current, "") + line + "\n"
    return blocks


def _run_all(
    directory: Path, sample: Path, cases: list[Case], *, fast_json: bool = True
) -> CliRuns:
    directory.mkdir()
    names = []
    for case in cases:
        name = f"{case.id}.xml"
        (directory / name).write_bytes(mutated(sample, case.mutation))
        names.append(name)
    runs = [run_cli(directory, "--detailed", "--format", "json")]
    runs.append(run_cli(directory, "--detailed"))
    if fast_json:
        runs.append(run_cli(directory, "--format", "json"))
    for run in runs:
        assert_no_personal_data(run.stdout)
        assert_no_personal_data(run.stderr)
    return CliRuns(
        json=_entries(runs[2]) if fast_json else {},
        detailed_json=_entries(runs[0]),
        detailed_text=_blocks(runs[1], names),
    )


@pytest.fixture(scope="module")
def libra_cli(tmp_path_factory: pytest.TempPathFactory) -> CliRuns:
    return _run_all(tmp_path_factory.mktemp("privacy") / "libra", LIBRA_SAMPLE, LIBRA_CASES)


@pytest.fixture(scope="module")
def canonical_cli(tmp_path_factory: pytest.TempPathFactory) -> CliRuns:
    directory = tmp_path_factory.mktemp("privacy") / "canonical"
    return _run_all(directory, CANONICAL_SAMPLE, CANONICAL_CASES, fast_json=False)


def _codes(entry: dict[str, Any]) -> set[str]:
    return {issue["code"] for issue in entry["issues"]}


@pytest.mark.parametrize("case", LIBRA_CASES, ids=_case_id)
def test_libra_cli_never_prints_the_value(case: Case, libra_cli: CliRuns) -> None:
    """`cjx validate --format json` and `--detailed` reject the input and print no sentinel."""
    name = f"{case.id}.xml"
    assert libra_cli.json[name]["status"] == "rejected"
    assert case.code in _codes(libra_cli.json[name])
    assert libra_cli.detailed_json[name]["status"] == "rejected"
    assert case.detailed_code in _codes(libra_cli.detailed_json[name])
    assert libra_cli.detailed_text[name].split("\n")[0].endswith(f"{name}: INVALID")
    assert case.detailed_code in libra_cli.detailed_text[name]


@pytest.mark.parametrize("case", CANONICAL_CASES, ids=_case_id)
def test_canonical_cli_never_prints_the_value(case: Case, canonical_cli: CliRuns) -> None:
    """`cjx validate --detailed` rejects a canonical message with a bad field and hides it."""
    name = f"{case.id}.xml"
    assert canonical_cli.detailed_json[name]["status"] == "rejected"
    assert case.detailed_code in _codes(canonical_cli.detailed_json[name])
    assert canonical_cli.detailed_text[name].split("\n")[0].endswith(f"{name}: INVALID")
    assert case.detailed_code in canonical_cli.detailed_text[name]


async def test_licence_conditions_stay_out_of_service_logs_and_dead_letters(
    memory_broker: Any, cjx_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """An inbound ``cvl-licence`` service carries a licence's condition texts (names and
    addresses filled into the policy's placeholders) exactly into the canonical message, and
    never into its logs (at DEBUG) or a dead letter's report: one licence is translated (with a
    contradiction warning), one is dead-lettered for a control character in a condition."""
    caplog.set_level("DEBUG")
    name = "privacy-licence-in"
    tap = "privacy-licence-tap"
    await memory_broker.declare(
        Topology(
            (Exchange(CANONICAL),),
            (Queue(tap),),
            (Binding(tap, CANONICAL, "licence.licence-record.v1"),),
        )
    )
    await cjx_service(ServiceConfig(name=name, role="inbound", format="cvl-licence"))
    secret = "SECRET PERSON, 11/11 SECRET ROAD"
    carried = _record_case("cvl-licence", "conditions/AP/bespoke/1/text", secret)
    document = json.loads(carried)
    document["licenceType"] = "PSS"  # a contradiction: a warning in the report
    await memory_broker.publish(
        INBOUND, "cvl-licence", Message(body=json.dumps(document).encode(), message_id="l-1")
    )
    refused = _record_case("cvl-licence", "conditions/AP/bespoke/0/text", f"{secret}\u0007")
    await memory_broker.publish(INBOUND, "cvl-licence", Message(body=refused, message_id="l-2"))

    async def first(queue: str) -> Any:
        for _ in range(400):
            delivery = await memory_broker.get(queue)
            if delivery is not None:
                return delivery
            await asyncio.sleep(0.025)
        raise AssertionError(f"nothing arrived on {queue}")

    translated = await first(tap)
    assert secret.encode() in translated.message.body  # carried exactly
    dead = await first(dlq_name(name))
    assert dead.message.body == refused  # the original bytes
    report = str(dead.message.headers.get(HEADER_ERROR_REPORT))
    assert "text.characters" in report
    assert_no_personal_data(report)
    assert_no_personal_data(caplog.text)
    assert caplog.records, "the service logged nothing: the check above proves nothing"
