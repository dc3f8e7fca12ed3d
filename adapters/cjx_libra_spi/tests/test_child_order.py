"""Child order within a parent is free; cardinalities are still enforced.

FORMAT.md: real messages do not always keep the documented child order, so every parent accepts
its children in any order. Parents whose children all occur at most once are ``xs:all`` in
``resulted-case-message.xsd``; parents with a repeating child or a choice (Defendant, Offence,
Result, Duration) are a repeated choice there, and the decoder enforces their cardinalities.

Each case takes ``core-input-message-001.xml``, changes it with lxml, and translates the result.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from cjx.errors import ValidationFailed
from cjx_libra_spi import LIBRA_NS, adapter

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "core-input-message-001.xml"
NS = {"DC": LIBRA_NS}

Mutation = Callable[[etree._Element], None]


def fixed_clock() -> dt.datetime:
    return dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def _mutated(mutation: Mutation) -> bytes:
    root = etree.fromstring(SAMPLE.read_bytes())
    mutation(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def move_before(child: str, anchor: str) -> Mutation:
    """Move the first ``child`` to just before its sibling ``anchor`` (paths from the root)."""

    def mutate(root: etree._Element) -> None:
        moving = _one(root, child)
        target = _one(root, anchor)
        assert moving.getparent() is target.getparent(), (child, anchor)
        target.addprevious(moving)  # lxml moves the element: it leaves its old place

    return mutate


def move_first(child: str) -> Mutation:
    """Make the first ``child`` the first child of its parent."""

    def mutate(root: etree._Element) -> None:
        moving = _one(root, child)
        parent = moving.getparent()
        assert parent is not None
        parent.insert(0, moving)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for mutation in mutations:
            mutation(root)

    return mutate


def duplicate(child: str) -> Mutation:
    """Add a copy of the first ``child`` right after it."""

    def mutate(root: etree._Element) -> None:
        original = _one(root, child)
        original.addnext(copy.deepcopy(original))

    return mutate


def remove(child: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        found = _one(root, child)
        parent = found.getparent()
        assert parent is not None
        parent.remove(found)

    return mutate


OFFENCE = ".//DC:Offence"
REORDERED = {
    "Offence: Plea before InitiatedDate, Result before BaseOffenceDetails": both(
        move_before(f"{OFFENCE}/DC:Plea", f"{OFFENCE}/DC:InitiatedDate"),
        move_before(f"{OFFENCE}/DC:Result", f"{OFFENCE}/DC:BaseOffenceDetails"),
    ),
    "Defendant: Offence before ProsecutorReference": move_before(
        ".//DC:Defendant/DC:Offence", ".//DC:Defendant/DC:ProsecutorReference"
    ),
    "Session: Case before CourtHearing": move_before(
        ".//DC:Session/DC:Case", ".//DC:Session/DC:CourtHearing"
    ),
    "Hearing: TimeOfHearing first": move_first(".//DC:Hearing/DC:TimeOfHearing"),
    "PersonName: PersonFamilyName first": move_first(".//DC:PersonName/DC:PersonFamilyName"),
    "Result: ResultText before ResultCode": move_before(
        ".//DC:Result/DC:ResultText", ".//DC:Result/DC:ResultCode"
    ),
    "OffenceTiming: OffenceStart before OffenceDateCode": move_before(
        ".//DC:OffenceTiming/DC:OffenceStart", ".//DC:OffenceTiming/DC:OffenceDateCode"
    ),
}


def test_the_original_sample_is_accepted() -> None:
    """The unchanged sample is accepted, so every case below changes only what it names."""
    (envelope,) = adapter.translate(SAMPLE.read_bytes(), clock=fixed_clock).envelopes
    assert envelope.body.offences


@pytest.mark.parametrize("mutation", REORDERED.values(), ids=REORDERED.keys())
def test_reordered_children_decode_to_the_same_body(mutation: Mutation) -> None:
    """A message with children out of the documented order decodes to the original's body."""
    data = _mutated(mutation)
    assert data != SAMPLE.read_bytes()
    (original,) = adapter.translate(SAMPLE.read_bytes(), clock=fixed_clock).envelopes
    (reordered,) = adapter.translate(data, clock=fixed_clock).envelopes
    assert reordered.body == original.body
    assert adapter.validate(data, detailed=True).ok
    assert adapter.validate(data).ok


REJECTED = [
    pytest.param(duplicate(f"{OFFENCE}/DC:Plea"), "schema.cardinality", id="Offence: two Plea"),
    pytest.param(
        remove(".//DC:Defendant/DC:ProsecutorReference"), "asn.missing", id="Defendant: no ASN"
    ),
    pytest.param(
        remove(".//DC:Defendant/DC:CourtIndividualDefendant"),
        "schema.cardinality",
        id="Defendant: neither individual nor corporate",
    ),
    pytest.param(
        duplicate(".//DC:Result/DC:ResultText"),
        "schema.cardinality",
        id="Result: two ResultText",
    ),
]


@pytest.mark.parametrize(("mutation", "code"), REJECTED)
def test_cardinality_violations_are_still_rejected(mutation: Mutation, code: str) -> None:
    """Free order does not mean free cardinality: these messages are rejected, by name."""
    data = _mutated(mutation)
    for detailed in (False, True):
        with pytest.raises(ValidationFailed) as caught:
            adapter.translate(data, clock=fixed_clock, detailed=detailed)
        assert code in {i.code for i in caught.value.report.errors}
