"""Golden files and round-trip laws for the ``libra-spi`` adapter.

Every sample in ``fixtures/samples/`` (real messages) and ``fixtures/constructed/`` (built from
one to show what the samples do not, such as address lines 1, 2 and 5) has golden files in
``golden/``:

* an accepted sample: ``NAME.canonical.json`` (the canonical JSON of what it decodes to, with a
  fixed clock), ``NAME.reencoded.xml`` (what encoding that gives back) and ``NAME.issues.json``
  (the information issues, such as normalised identifiers);
* a rejected sample: ``NAME.rejected.json``, the exact sorted list of ``[code, path]`` pairs.

Set ``CJX_REGENERATE_GOLDEN=1`` to rewrite them after an intended change, then review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cjx.codec import decode_json, encode_json, parse_xml
from cjx.errors import ValidationFailed
from cjx.model import Asn, OffenceCode, OuCode, PncId, PtiUrn
from cjx.validation import lxml_schema, xmlschema_issues, xmlschema_schema, xsd_issues
from cjx_libra_spi import LIBRA_NS, adapter

HERE = Path(__file__).parent
SAMPLES = sorted((HERE / "fixtures" / "samples").glob("*.xml"))
CONSTRUCTED = sorted((HERE / "fixtures" / "constructed").glob("*.xml"))
INPUTS = SAMPLES + CONSTRUCTED
GOLDEN = HERE / "golden"
REGENERATE = os.environ.get("CJX_REGENERATE_GOLDEN") == "1"


def fixed_clock() -> dt.datetime:
    return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def _compare_or_write(path: Path, actual: bytes) -> None:
    if REGENERATE:
        path.write_bytes(actual)
    assert path.exists(), f"golden file {path.name} is missing (CJX_REGENERATE_GOLDEN=1)"
    assert path.read_bytes() == actual, f"{path.name} differs from its golden file"


def test_every_sample_is_here() -> None:
    """All 46 shared samples are kept, with their licence."""
    assert len(SAMPLES) == 46
    assert (HERE / "fixtures" / "samples" / "LICENSE").read_text().startswith("MIT License")


def test_constructed_messages_are_here() -> None:
    assert [p.name for p in CONSTRUCTED] == [
        "sparse-address-lines.xml",
        "sparse-given-names-and-email.xml",
    ]
    assert (HERE / "fixtures" / "constructed" / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.parametrize("sample", INPUTS, ids=lambda p: p.stem)
def test_sample_behaves_as_its_golden_file_says(sample: Path) -> None:
    """Each sample decodes to its golden canonical message, or is rejected with its issues."""
    data = sample.read_bytes()
    stem = sample.stem
    try:
        translation = adapter.translate(data, source=sample.name, clock=fixed_clock)
    except ValidationFailed as exc:
        rejected = sorted([i.code, i.path] for i in exc.report.errors)
        text = json.dumps(rejected, indent=1) + "\n"
        _compare_or_write(GOLDEN / f"{stem}.rejected.json", text.encode())
        assert not (GOLDEN / f"{stem}.canonical.json").exists()
        return
    assert not (GOLDEN / f"{stem}.rejected.json").exists(), f"{stem} should be rejected"
    (envelope,) = translation.envelopes
    _compare_or_write(GOLDEN / f"{stem}.canonical.json", encode_json(envelope) + b"\n")
    info = [[i.severity.value, i.code, i.path] for i in translation.report.issues]
    _compare_or_write(GOLDEN / f"{stem}.issues.json", (json.dumps(info, indent=1) + "\n").encode())
    _compare_or_write(GOLDEN / f"{stem}.reencoded.xml", adapter.encode(envelope))


def test_golden_outcomes_cover_the_designed_rejections() -> None:
    """The deliberately broken samples are the rejected ones, each for its own reason."""
    rejected = {p.name.removesuffix(".rejected.json") for p in GOLDEN.glob("*.rejected.json")}
    assert rejected == {
        "214-multiple-to-single-ccr-switch-input-message",  # PNC 200800000GGG
        "405-fix-exceptions-multiple-attempts-input-message",  # ASN check character
        "conductor-invalid-input-message",  # an offence without OffenceCode
        "core-input-message-routedata-invalid-002",  # the same, as RouteData
        "core-input-message-routedata-invalid-001",  # truncated XML
        "core-input-message-001-variations",  # wrong namespace; court code 0413
    }
    reasons = {
        p.name.removesuffix(".rejected.json"): {c for c, _ in json.loads(p.read_text())}
        for p in GOLDEN.glob("*.rejected.json")
    }
    assert reasons["214-multiple-to-single-ccr-switch-input-message"] == {"pnc.format"}
    assert reasons["405-fix-exceptions-multiple-attempts-input-message"] == {"asn.check-character"}
    assert reasons["conductor-invalid-input-message"] == {"schema.content", "offence-code.missing"}
    assert reasons["core-input-message-routedata-invalid-001"] == {"xml.truncated"}
    assert reasons["core-input-message-001-variations"] == {"schema.content", "ou-code.format"}


# --- round-trip laws ------------------------------------------------------------------------

_IDENTIFIERS: dict[str, Any] = {
    "ProsecutorReference": Asn.parse,
    "PNCidentifier": PncId.parse,
    "PTIURN": PtiUrn.parse,
    "CourtHearingLocation": OuCode.parse,
    "OffenceCode": OffenceCode.parse,
}
_INTEGERS = {
    "PSAcode",
    "OffenceSequenceNumber",
    "ConvictingCourt",
    "ResultCode",
    "PenaltyPoints",
    "DurationValue",
    "SecondaryDurationValue",
    "AlcoholLevelAmount",
}
_TIMES = {"TimeOfHearing", "OffenceStartTime", "OffenceEndTime"}


def _normal_value(name: str, text: str) -> Any:
    if name in _IDENTIFIERS:
        return str(_IDENTIFIERS[name](text))
    if name in _INTEGERS:
        return int(text)
    if name == "ResultAmountSterling":
        return Decimal(text)
    if name in _TIMES:
        return dt.time.fromisoformat(text)
    return text


def normalised(element: etree._Element) -> Any:
    """An element as comparable data: children grouped by name (order within a name kept),
    leaf values normalised by type, empty optional leaves dropped."""
    children = [c for c in element if isinstance(c.tag, str)]
    name = etree.QName(element).localname
    if not children:
        return _normal_value(name, (element.text or "").strip())
    grouped: dict[str, list[Any]] = {}
    for child in children:
        value = normalised(child)
        child_name = etree.QName(child).localname
        if value == "" and child_name not in ("ResultText", "OffenceWording"):
            continue
        grouped.setdefault(child_name, []).append(value)
    return {"@" + k: v for k, v in sorted(element.attrib.items())} | grouped


def _source_rcm(data: bytes) -> tuple[etree._Element, str]:
    root = parse_xml(data)
    if etree.QName(root).localname == "RouteData":
        ns = {"r": "http://schemas.cjse.gov.uk/common/operations"}
        content = root.xpath("string(//r:DataStreamContent)", namespaces=ns)
        correlation = root.xpath("string(//r:CorrelationID)", namespaces=ns)
        return parse_xml(str(content).strip().encode()), str(correlation).strip()
    rcm = root.find(f".//{{{LIBRA_NS}}}ResultedCaseMessage")
    assert rcm is not None
    ident = root.findtext(
        "{http://schemas.cjse.gov.uk/messages/messaging/2006-05}MessageIdentifier"
    )
    return rcm, (ident or "").strip()


ACCEPTED = [p for p in INPUTS if not (GOLDEN / f"{p.stem}.rejected.json").exists()]


@pytest.mark.parametrize("sample", ACCEPTED, ids=lambda p: p.stem)
def test_encode_decode_reproduces_every_element_and_value(sample: Path) -> None:
    """encode(decode(x)) has the same elements and values as x, and its message identifier."""
    data = sample.read_bytes()
    (envelope,) = adapter.decode(data, source=sample.name, clock=fixed_clock)
    again = adapter.encode(envelope)
    source_rcm, source_id = _source_rcm(data)
    encoded_rcm, encoded_id = _source_rcm(again)
    assert normalised(encoded_rcm) == normalised(source_rcm)
    assert encoded_id == source_id


@pytest.mark.parametrize("sample", ACCEPTED, ids=lambda p: p.stem)
def test_decode_encode_gives_the_same_canonical_message(sample: Path) -> None:
    """decode(encode(m)) == m, and the canonical JSON golden file decodes to m as well."""
    (envelope,) = adapter.decode(sample.read_bytes(), clock=fixed_clock)
    (again,) = adapter.decode(adapter.encode(envelope), clock=fixed_clock)
    assert again == envelope
    assert decode_json((GOLDEN / f"{sample.stem}.canonical.json").read_bytes()) == envelope


@pytest.mark.parametrize("sample", ACCEPTED, ids=lambda p: p.stem)
def test_reencoded_message_is_valid_under_both_validators(sample: Path) -> None:
    """What encoding writes is valid under the DeliverRequest XSD, in lxml and in xmlschema."""
    root = parse_xml((GOLDEN / f"{sample.stem}.reencoded.xml").read_bytes())
    relative = "formats/libra-spi/deliver-request.xsd"
    assert xsd_issues(lxml_schema(relative), root) == []
    assert xmlschema_issues(xmlschema_schema(relative), root) == []


@pytest.mark.parametrize("sample", INPUTS, ids=lambda p: p.stem)
def test_lxml_and_xmlschema_agree_on_every_sample(sample: Path) -> None:
    """The detailed validator (xmlschema) and the hot path (lxml) give the same verdict."""
    fast = adapter.validate(sample.read_bytes())
    detailed = adapter.validate(sample.read_bytes(), detailed=True)
    assert fast.ok == detailed.ok
    assert {i.code for i in fast.errors if not i.code.startswith("schema.")} == {
        i.code for i in detailed.errors if not i.code.startswith("schema.")
    }
    assert {i.path for i in fast.errors} == {i.path for i in detailed.errors}


def test_sparse_address_lines_keep_their_places() -> None:
    """Lines 1, 2 and 5 stay lines 1, 2 and 5: in the model and canonical JSON (blank places 3
    and 4) and in the SPI written back (the postcode in line 5 used to come back in line 3)."""
    data = (HERE / "fixtures" / "constructed" / "sparse-address-lines.xml").read_bytes()
    (envelope,) = adapter.decode(data, clock=fixed_clock)
    lines = envelope.body.defendant.address.lines
    assert lines == ("Scenario1 Address Line 1", "Scenario1 Address Line 2", " ", " ", "ZZ99 9ZZ")
    canonical = json.loads((GOLDEN / "sparse-address-lines.canonical.json").read_text())
    assert canonical["body"]["defendant"]["address"]["lines"][2:] == [" ", " ", "ZZ99 9ZZ"]
    rcm, _ = _source_rcm(adapter.encode(envelope))
    simple = rcm.find(f".//{{{LIBRA_NS}}}SimpleAddress")
    assert simple is not None
    assert [(etree.QName(el).localname, el.text) for el in simple] == [
        ("AddressLine1", "Scenario1 Address Line 1"),
        ("AddressLine2", "Scenario1 Address Line 2"),
        ("AddressLine5", "ZZ99 9ZZ"),
    ]
