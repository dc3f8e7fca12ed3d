"""``probation.custody-record`` (version 1.1): the rules its model keeps, in both wire forms."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from lxml import etree
from tests.strategies import FIXED_CLOCK, envelopes_of

from cjx.codec import decode_json, decode_xml, encode_json, encode_xml
from cjx.errors import ValidationFailed
from cjx.model import (
    AdditionalSentence,
    Conviction,
    CustodyKeyDates,
    CustodyRecord,
    DeliusCustody,
    DeliusLicenceConditions,
    Envelope,
    HomeOfficeOffenceCode,
    IdentifierError,
    KeyDate,
    KeyDateCode,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
)
from cjx.validation import (
    CANONICAL_JSON_SCHEMA,
    CANONICAL_XSD,
    json_schema_issues,
    json_validator,
    lxml_schema,
    xsd_issues,
)

EXAMPLE = Path(__file__).parent / "fixtures/canonical/custody-record.json"


def _envelope(body: CustodyRecord, subject: tuple[SubjectId, ...] = ()) -> Envelope[Any]:
    return make_envelope(
        body,
        occurred_at=Timestamp.parse("2024-06-25T09:00:02+01:00"),
        source=Source(system="delius", format="delius-custody"),
        subject=subject,
        clock=FIXED_CLOCK,
    )


def _both_forms(envelope: Envelope[Any]) -> tuple[Envelope[Any], Envelope[Any]]:
    xml, js = encode_xml(envelope), encode_json(envelope)
    assert xsd_issues(lxml_schema(CANONICAL_XSD), etree.fromstring(xml)) == []
    assert json_schema_issues(json_validator(CANONICAL_JSON_SCHEMA), json.loads(js)) == []
    return decode_xml(xml), decode_json(js)


@settings(max_examples=100)
@given(envelopes_of(CustodyRecord.message_type))
def test_custody_records_round_trip_through_both_forms(envelope: Envelope[Any]) -> None:
    """Every custody record is valid canonical XML and JSON and decodes back equal."""
    assert _both_forms(envelope) == (envelope, envelope)


def _custody(**fields: Any) -> CustodyRecord:
    return CustodyRecord(
        conviction=Conviction(conviction_id=1, event_number="1", custody=DeliusCustody(**fields))
    )


def test_an_empty_set_of_key_dates_is_not_an_absent_one() -> None:
    """community-api's ``"keyDates": {}`` (none) and no keyDates (not sent) stay apart."""
    empty, absent = _custody(key_dates=CustodyKeyDates()), _custody()
    assert empty != absent
    for body in (empty, absent):
        assert _both_forms(_envelope(body)) == (_envelope(body), _envelope(body))


def test_no_licence_conditions_is_not_unfetched_licence_conditions() -> None:
    none = CustodyRecord(
        conviction=Conviction(conviction_id=1, event_number="1"),
        licence_conditions=DeliusLicenceConditions(),
    )
    assert none.licence_conditions is not None
    assert _both_forms(_envelope(none))[0].body.licence_conditions == DeliusLicenceConditions()


def test_a_custodys_key_dates_are_a_set_in_the_lists_order() -> None:
    dates = CustodyKeyDates(
        dates=(
            KeyDate(code="ZZZ", date=dt.date(2030, 1, 1)),
            KeyDate(code=KeyDateCode.POM_HANDOVER, date=dt.date(2027, 5, 19)),
            KeyDate(code=KeyDateCode.AUTOMATIC_CONDITIONAL_RELEASE, date=dt.date(2027, 9, 19)),
        )
    )
    assert [str(k.code) for k in dates.dates] == ["ACR", "POM2", "ZZZ"]
    with pytest.raises(ValueError, match="more than once"):
        CustodyKeyDates(dates=(dates.dates[0], dates.dates[0]))


def test_a_duplicate_key_date_in_canonical_json_is_a_model_invariant() -> None:
    obj = json.loads(EXAMPLE.read_bytes())
    dates = obj["body"]["conviction"]["custody"]["key_dates"]["dates"]
    dates.append(dict(dates[0]))
    with pytest.raises(ValidationFailed) as caught:
        decode_json(json.dumps(obj).encode())
    assert caught.value.report.codes == ("canonical.invariant",)


def test_a_record_without_person_identifiers_is_ordered_by_book_number_else_conviction() -> None:
    with_book = _custody(book_number="38353A")
    assert _envelope(with_book).ordering_key == "BOOK-NUMBER:38353A"
    assert _envelope(_custody()).ordering_key == "DELIUS-EVENT:1"
    crn = (SubjectId(scheme=SubjectScheme.CRN, value="X142620"),)
    assert _envelope(with_book, crn).ordering_key == "CRN:X142620"


@pytest.mark.parametrize(
    ("given", "held"),
    [("100.50", "100.5"), ("1E+2", "100"), ("-0.00", "0"), ("0.0000001", "0.0000001")],
)
def test_amounts_are_held_in_their_shortest_plain_form(given: str, held: str) -> None:
    amount = AdditionalSentence(amount=Decimal(given)).amount
    assert amount is not None
    assert format(amount, "f") == held
    assert json.loads(AdditionalSentence(amount=Decimal(given)).model_dump_json())["amount"] == held


@pytest.mark.parametrize(
    ("text", "code"), [("1200", "ho-offence-code.format"), ("TH68010", "ho-offence-code.format")]
)
def test_a_home_office_offence_code_is_five_digits(text: str, code: str) -> None:
    assert HomeOfficeOffenceCode.parse("01200") == "01200"
    with pytest.raises(IdentifierError) as caught:
        HomeOfficeOffenceCode.parse(text)
    assert caught.value.code == code
