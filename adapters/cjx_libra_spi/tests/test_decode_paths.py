"""The quick reading and the careful reading of a court result give exactly the same results.

``decode`` reads a message the source schema accepts with nothing to report in one quick pass,
and falls back to the careful reading (the identifier pass, the cardinality pass, then a builder
that remembers every source path) at the first thing that would be reported. These tests hold
the two to the same outcome, envelope or report, on every sample, on messages changed to hit
each reason to fall back, and on generated court results, changed or not.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from tests import strategies as s

from cjx.errors import ValidationFailed
from cjx_libra_spi import LIBRA_NS, _decode, adapter, envelope_for
from cjx_libra_spi.tests.test_properties import case_results

HERE = Path(__file__).parent
SAMPLES = sorted((HERE / "fixtures" / "samples").glob("*.xml")) + sorted(
    (HERE / "fixtures" / "constructed").glob("*.xml")
)
NS = {"DC": LIBRA_NS}


def fixed_clock() -> dt.datetime:
    return dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def outcome(data: bytes, *, quick: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The envelope and report of ``data`` (or the report of its rejection), one way."""
    with monkeypatch.context() as patch:
        patch.setattr(_decode, "_QUICK_READING", quick)
        try:
            translation = adapter.translate(data, source="in", clock=fixed_clock)
        except ValidationFailed as exc:
            return ("rejected", exc.report)
    return ("accepted", translation.envelopes, translation.report)


def assert_same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> Any:
    quick = outcome(data, quick=True, monkeypatch=monkeypatch)
    careful = outcome(data, quick=False, monkeypatch=monkeypatch)
    assert quick == careful
    return quick


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_both_readings_agree_on_every_sample(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(sample.read_bytes(), monkeypatch)


def test_the_quick_reading_is_taken_for_a_clean_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message with nothing to report never reaches the careful builder."""
    modes: list[bool] = []
    real = _decode._Builder.__init__

    def spy(self: Any, base: str, **mode: bool) -> None:
        modes.append(mode["careful"])
        real(self, base, **mode)

    monkeypatch.setattr(_decode._Builder, "__init__", spy)
    adapter.decode((HERE / "fixtures/samples/core-input-message-001.xml").read_bytes())
    assert modes == [False]
    modes.clear()
    short_asn = (
        (HERE / "fixtures/samples/core-input-message-001.xml")
        .read_bytes()
        .replace(b">1101ZD0100000448754K<", b">11/01ZD/01/448754K<")
    )
    (envelope,) = adapter.decode(short_asn)
    assert modes == [False, True]  # normalised: reported, so read carefully
    assert str(envelope.body.defendant.asn) == "1101ZD0100000448754K"


# --- every reason to fall back, on real samples ---------------------------------------------

Mutation = Callable[[etree._Element], None]


def _all(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.findall(path, NS)
    assert found, path
    return found


def set_text(path: str, text: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _all(root, path)[0].text = text

    return mutate


def duplicate(path: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        original = _all(root, path)[0]
        original.addnext(copy.deepcopy(original))

    return mutate


def remove(path: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        found = _all(root, path)[0]
        parent = found.getparent()
        assert parent is not None
        parent.remove(found)

    return mutate


def add(path: str, tag: str, text: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        etree.SubElement(_all(root, path)[0], f"{{{LIBRA_NS}}}{tag}").text = text

    return mutate


D = ".//DC:Defendant"
MUTATIONS: dict[str, Mutation] = {
    "asn normalised (short form)": set_text(f"{D}/DC:ProsecutorReference", "11/01ZD/01/448754K"),
    "asn check character": set_text(f"{D}/DC:ProsecutorReference", "1101ZD0100000448754A"),
    "asn empty": set_text(f"{D}/DC:ProsecutorReference", " "),
    "asn missing": remove(f"{D}/DC:ProsecutorReference"),
    "asn twice": duplicate(f"{D}/DC:ProsecutorReference"),
    "pti-urn lower case": set_text(".//DC:Case/DC:PTIURN", "01zd0303208"),
    "pti-urn garbage": set_text(".//DC:Case/DC:PTIURN", "XX"),
    "court lower case": set_text(".//DC:Hearing/DC:CourtHearingLocation", "b01ef01"),
    "court empty": set_text(".//DC:Hearing/DC:CourtHearingLocation", ""),
    "pnc garbage": add(".//DC:PersonDefendant", "PNCidentifier", "200800000GGG"),
    "pnc short form": add(".//DC:PersonDefendant", "PNCidentifier", "12/394773H"),
    "offence code lower case": set_text(".//DC:OffenceCode", "sx03001a"),
    "offence code empty": set_text(".//DC:OffenceCode", ""),
    "two individual defendants": duplicate(f"{D}/DC:CourtIndividualDefendant"),
    "two pleas": duplicate(".//DC:Offence/DC:Plea"),
    "no plea": remove(".//DC:Offence/DC:Plea"),
    "two result codes": duplicate(".//DC:Result/DC:ResultCode"),
    "two result texts": duplicate(".//DC:Result/DC:ResultText"),
    "unknown gender code": set_text(".//DC:Gender", "7"),
    "unknown plea code": set_text(".//DC:Offence/DC:Plea", "9"),
    "psa code out of the model's range": set_text(".//DC:PSAcode", "123456"),
    "sequence number out of range": set_text(".//DC:OffenceSequenceNumber", "1000"),
    "time with a fraction": set_text(".//DC:Hearing/DC:TimeOfHearing", "10:00:00.5"),
    "over-long given name": set_text(".//DC:PersonGivenName1", "A" * 256),
    "empty family name": set_text(".//DC:PersonFamilyName", ""),
    "address line 1 empty": set_text(".//DC:AddressLine1", ""),
    "sparse address": remove(".//DC:AddressLine2"),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS), ids=str)
def test_both_readings_agree_on_every_reason_to_fall_back(
    mutation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = etree.fromstring((HERE / "fixtures/samples/core-input-message-001.xml").read_bytes())
    MUTATIONS[mutation](root)
    assert_same(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), monkeypatch)


DURATION = ".//DC:Duration"
DURATION_MUTATIONS: dict[str, Mutation] = {
    "two duration values": duplicate(f"{DURATION}/DC:DurationValue"),
    "unknown duration unit": set_text(f"{DURATION}/DC:DurationUnit", "Q"),
    "start date": add(DURATION, "DurationStartDate", "2011-02-03"),
    "two outcomes": duplicate(".//DC:Result/DC:Outcome"),
}


@pytest.mark.parametrize("mutation", list(DURATION_MUTATIONS), ids=str)
def test_both_readings_agree_on_durations(mutation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = HERE / "fixtures/samples/029-drive-disqualification-duration-only-input-message-2.xml"
    root = etree.fromstring(sample.read_bytes())
    DURATION_MUTATIONS[mutation](root)
    assert_same(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), monkeypatch)


# --- generated court results, as they are and changed --------------------------------------


def _elements(root: etree._Element) -> Iterator[etree._Element]:
    rcm = root.find(".//DC:ResultedCaseMessage", NS)
    assert rcm is not None
    yield from rcm.iter(f"{{{LIBRA_NS}}}*")


@st.composite
def changed(draw: st.DrawFn, root: etree._Element) -> None:
    """Change one element of the ResultedCaseMessage: its text, a copy of it, or its removal."""
    elements = list(_elements(root))
    target = draw(st.sampled_from(elements))
    parent = target.getparent()
    action = draw(st.sampled_from(["text", "copy", "remove"]))
    if action == "text" and len(target) == 0:
        target.text = draw(
            st.sampled_from(["", " ", "x", "0", "9", "Y", "1000", "2011-02-30", "ab/cd", "A" * 300])
        )
    elif action == "copy" and parent is not None:
        target.addnext(copy.deepcopy(target))
    elif parent is not None and parent.tag != f"{{{LIBRA_NS}}}ResultedCaseMessage":
        parent.remove(target)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=case_results, data=st.data())
def test_both_readings_agree_on_generated_messages(
    body: Any, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = envelope_for(body, correlation_id="GENERATED", clock=s.FIXED_CLOCK)
    root = etree.fromstring(adapter.encode(message))
    if data.draw(st.booleans()):
        data.draw(changed(root))
    assert_same(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), monkeypatch)
