"""Decoding: the CRN a caller supplies, the ordering key of a record without one, exact dates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.golden import fixed_clock

from cjx.errors import ConfigurationError, ValidationFailed
from cjx.model import SubjectId, SubjectScheme
from cjx_delius_custody import adapter

GOLDEN = Path(__file__).parent / "golden"
CUSTODIAL = GOLDEN / "shared.getConviction_X142620-0-custodial.input.json"
COMMUNITY = GOLDEN / "shared.conviction_X320741_2500295343.input.json"


def _document(path: Path) -> Any:
    return json.loads(path.read_bytes())


def test_a_bare_conviction_names_no_person_and_is_ordered_by_its_book_number() -> None:
    (envelope,) = adapter.decode(CUSTODIAL.read_bytes(), clock=fixed_clock)
    assert envelope.subject == ()
    assert envelope.body.crn is None
    assert envelope.body.book_number == "38353A"
    assert envelope.ordering_key == "BOOK-NUMBER:38353A"


def test_a_bare_conviction_without_a_book_number_is_ordered_by_its_conviction_id() -> None:
    (envelope,) = adapter.decode(COMMUNITY.read_bytes(), clock=fixed_clock)
    assert envelope.body.book_number is None
    assert envelope.ordering_key == "DELIUS-EVENT:2500295343"


def test_the_caller_supplies_the_crn_of_a_bare_conviction() -> None:
    """community-api puts the CRN in the URL; ``crn`` carries it into the record."""
    reader = adapter.with_options({"crn": "x320741"})
    (envelope,) = reader.decode(COMMUNITY.read_bytes(), clock=fixed_clock)
    assert envelope.body.crn == "X320741"
    assert envelope.subject == (SubjectId(scheme=SubjectScheme.CRN, value="X320741"),)
    assert envelope.ordering_key == "CRN:X320741"
    assert adapter.crn is None  # the registered adapter is not changed
    assert "X320741" not in repr(reader)


def test_a_supplied_crn_that_is_not_the_documents_is_a_mismatch() -> None:
    document = {"otherIds": {"crn": "X142620"}, "conviction": _document(CUSTODIAL)}
    reader = adapter.with_options({"crn": "X320741"})
    with pytest.raises(ValidationFailed) as caught:
        reader.decode(json.dumps(document).encode())
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("delius-custody.crn-mismatch", "/otherIds/crn")
    ]
    assert "X142620" not in caught.value.report.to_text()


def test_a_supplied_crn_agreeing_with_the_document_is_no_issue() -> None:
    document = {"otherIds": {"crn": "X142620"}, "conviction": _document(CUSTODIAL)}
    translation = adapter.with_options({"crn": "X142620"}).translate(json.dumps(document).encode())
    assert translation.report.issues == ()
    assert translation.envelopes[0].ordering_key == "CRN:X142620"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"crn": "X12345"}, "option crn: crn.format"),
        ({"crn": ""}, "option crn: crn.missing"),
        ({"book": "38353A"}, "has no option book"),
    ],
)
def test_a_bad_option_is_a_configuration_error(options: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        adapter.with_options(options)
    assert expected in str(caught.value)
    assert "X12345" not in str(caught.value)


def test_no_option_gives_the_adapter_back() -> None:
    assert adapter.with_options({}) is adapter


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2019-03-18T00:00:00", "2019-03-18T00:00:00+00:00"),
        ("2019-07-18T00:00:00", "2019-07-18T00:00:00+01:00"),
        ("2019-07-18T00:00", "2019-07-18T00:00+01:00"),
    ],
)
def test_an_offence_date_is_kept_exactly(text: str, canonical: str) -> None:
    """Delius sends the offence date as a local date-time at midnight: its text and precision
    come back, and the canonical form carries London's offset."""
    document = _document(CUSTODIAL)
    document["offences"][0]["offenceDate"] = text
    (envelope,) = adapter.decode(json.dumps(document).encode(), clock=fixed_clock)
    assert envelope.body.conviction.offences[0].offence_date.isoformat() == canonical
    assert json.loads(adapter.encode(envelope))["offences"][0]["offenceDate"] == text


def test_a_fixture_spelling_of_the_length_unit_is_read_and_written_as_community_apis() -> None:
    document = {"conviction": _document(COMMUNITY), "sentenceStatus": {"lengthUnits": "Months"}}
    translation = adapter.translate(json.dumps(document).encode(), clock=fixed_clock)
    assert [i.code for i in translation.report.issues] == ["delius-custody.normalised"]
    envelope = translation.envelopes[0]
    assert envelope.body.sentence_status.length_unit == "Months"
    assert json.loads(adapter.encode(envelope))["sentenceStatus"] == {"lengthUnit": "Months"}
