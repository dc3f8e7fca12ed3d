"""The prisoner record (``custody.prisoner-record``, version 1.1): groups, gender, written PNC
IDs, recorded identifiers, and empty lists kept apart from absent ones."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
from hypothesis import given
from tests.strategies import gender_texts, pnc_spellings, texts

from cjx.codec import decode_json
from cjx.model import (
    CHANGE_GROUPS,
    GENDER_DESCRIPTIONS,
    ChangeGroup,
    Gender,
    IdentifierError,
    PersonalDetails,
    PrisonerAlert,
    PrisonerIdentifiers,
    PrisonerLocation,
    PrisonerRecord,
    RecordedIdentifier,
    WrittenPnc,
    gender_text_of,
    message_id_for,
    read_gender,
    split_gender,
)

EXAMPLE = Path(__file__).parent / "fixtures/canonical/prisoner-record.json"

#: hmpps-prisoner-search's DiffCategory values (categoriesChanged of prisoner.updated events).
HMPPS_CATEGORIES = (
    "IDENTIFIERS",
    "PERSONAL_DETAILS",
    "ALERTS",
    "STATUS",
    "LOCATION",
    "SENTENCE",
    "RESTRICTED_PATIENT",
    "INCENTIVE_LEVEL",
    "PHYSICAL_DETAILS",
    "CONTACT_DETAILS",
)


def _example() -> PrisonerRecord:
    body = decode_json(EXAMPLE.read_bytes()).body
    assert isinstance(body, PrisonerRecord)
    return body


def test_change_groups_are_hmpps_categories_and_body_fields() -> None:
    """Each group is a categoriesChanged name in lower case with hyphens and a body field;
    every body field but the NOMS number, the index document's class and the changed groups
    is a group. ChangeGroup (version 1.2's changed_groups) names the same groups, in order."""
    assert list(CHANGE_GROUPS) == [c.lower().replace("_", "-") for c in HMPPS_CATEGORIES]
    fields = set(PrisonerRecord.model_fields) - {
        "noms_number",
        "index_document_class",
        "changed_groups",
    }
    assert set(CHANGE_GROUPS.values()) == fields
    assert [group.value for group in ChangeGroup] == list(CHANGE_GROUPS)


def test_changed_groups_name_each_group_once_in_order() -> None:
    """changed_groups (1.2): absent by default; kept in the groups' order; a group named twice
    is refused; empty (nothing changed) stays apart from absent; a group it names is never
    itself a change between two records."""
    record = _example().model_copy(update={"changed_groups": None})
    assert PrisonerRecord(noms_number=record.noms_number).changed_groups is None
    named = PrisonerRecord(noms_number="A1234BC", changed_groups=["location", "alerts"])
    assert named.changed_groups == (ChangeGroup.ALERTS, ChangeGroup.LOCATION)
    assert PrisonerRecord(noms_number="A1234BC", changed_groups=[]).changed_groups == ()
    with pytest.raises(pydantic.ValidationError, match="at most once"):
        PrisonerRecord(noms_number="A1234BC", changed_groups=["alerts", "alerts"])
    with pytest.raises(pydantic.ValidationError):
        PrisonerRecord(noms_number="A1234BC", changed_groups=["Alerts"])
    assert record.differing_groups(named.model_copy(update={"noms_number": record.noms_number}))
    assert (
        record.differing_groups(record.model_copy(update={"changed_groups": (ChangeGroup.ALERTS,)}))
        == ()
    )


def test_differing_groups_names_the_groups_that_differ() -> None:
    record = _example()
    assert record.differing_groups(record) == ()
    moved = record.model_copy(
        update={"location": PrisonerLocation(prison_id="LEI", prison_name="HMP Leeds")}
    )
    assert record.differing_groups(moved) == ("location",)
    alerted = moved.model_copy(update={"alerts": (PrisonerAlert(alert_type="H", alert_code="HA"),)})
    assert record.differing_groups(alerted) == ("alerts", "location")
    assert record.differing_groups(record.model_copy(update={"index_document_class": "a.B"})) == ()


def test_a_group_holds_at_least_one_value() -> None:
    with pytest.raises(pydantic.ValidationError, match="holds at least one value"):
        PrisonerLocation()
    with pytest.raises(pydantic.ValidationError, match="holds at least one value"):
        PrisonerRecord(noms_number="A1234AA", identifiers={})
    assert PersonalDetails(aliases=()).aliases == ()  # an empty list is a value


def test_an_empty_list_is_not_an_absent_one() -> None:
    """``[]`` and absent are different records, with different message ids."""
    absent = PrisonerRecord(noms_number="A1234AA")
    empty = PrisonerRecord(noms_number="A1234AA", alerts=())
    assert absent != empty
    ids = {message_id_for("prisoner-search", None, absent.message_type, b) for b in (absent, empty)}
    assert len(ids) == 2


@pytest.mark.parametrize(
    ("text", "gender", "gender_text"),
    [
        ("Male", Gender.MALE, None),
        ("Female", Gender.FEMALE, None),
        ("Not Known / Not Recorded", Gender.NOT_KNOWN, None),
        ("Not Specified (Indeterminate)", Gender.NOT_SPECIFIED, None),
        ("M", Gender.MALE, "M"),
        ("ns", Gender.NOT_SPECIFIED, "ns"),
        ("MALE", Gender.MALE, "MALE"),
        (" Female ", Gender.FEMALE, " Female "),
        ("Refused", None, "Refused"),
    ],
)
def test_gender_is_read_and_the_text_kept_unless_it_is_the_description(
    text: str, gender: Gender | None, gender_text: str | None
) -> None:
    assert split_gender(text) == (gender, gender_text)
    assert read_gender(text) is gender
    assert gender_text_of(gender, gender_text) == text
    PersonalDetails(gender=gender, gender_text=gender_text)  # a valid pair


@given(gender_texts | texts(1, 20))
def test_gender_text_always_comes_back(text: str) -> None:
    gender, gender_text = split_gender(text)
    assert gender_text_of(gender, gender_text) == text
    assert PersonalDetails(gender=gender, gender_text=gender_text).gender is gender


def test_gender_and_text_must_agree() -> None:
    with pytest.raises(pydantic.ValidationError, match="reading of gender_text"):
        PersonalDetails(gender=Gender.FEMALE, gender_text="M")
    with pytest.raises(pydantic.ValidationError, match="reading of gender_text"):
        PersonalDetails(gender=Gender.MALE, gender_text="Refused")
    with pytest.raises(pydantic.ValidationError, match="left out"):
        PersonalDetails(gender=Gender.MALE, gender_text=GENDER_DESCRIPTIONS[Gender.MALE])
    assert PersonalDetails(gender=Gender.MALE).gender_text is None


def test_a_written_pnc_keeps_the_text_and_reads_as_the_pnc() -> None:
    short = WrittenPnc.of("12/394773H")
    assert (short.pnc, short.written, short.text) == ("2012/0394773H", "12/394773H", "12/394773H")
    canonical = WrittenPnc.of("2012/0394773H")
    assert (canonical.written, canonical.text) == (None, "2012/0394773H")
    assert WrittenPnc.of("2012/394773H").pnc == short.pnc
    with pytest.raises(IdentifierError) as caught:
        WrittenPnc.of("12/394773I")
    assert caught.value.code == "pnc.format"
    with pytest.raises(IdentifierError) as caught:
        WrittenPnc.of("2014/009773W")
    assert caught.value.code == "pnc.check-character"
    with pytest.raises(pydantic.ValidationError, match="same PNC ID"):
        WrittenPnc(pnc="2012/0394773H", written="79/163001B")


@given(pnc_spellings())
def test_every_spelling_of_a_pnc_comes_back(text: str) -> None:
    written = WrittenPnc.of(text)
    assert written.text == text
    assert WrittenPnc.model_validate(written.model_dump()) == written


def test_the_record_pnc_is_the_pnc_number_else_the_long_else_the_short_form() -> None:
    short, other = WrittenPnc.of("12/394773H"), WrittenPnc.of("1979/0163001B")
    assert PrisonerIdentifiers(pnc_number_canonical_short=short).pnc == short.pnc
    both = PrisonerIdentifiers(pnc_number_canonical_short=short, pnc_number_canonical_long=other)
    assert both.pnc == other.pnc
    assert PrisonerIdentifiers(pnc_number=short, pnc_number_canonical_long=other).pnc == short.pnc


def test_recorded_pnc_and_cro_identifiers_are_checked_others_kept_as_recorded() -> None:
    assert RecordedIdentifier(type="PNC", value="12/394773H").value == "12/394773H"
    assert RecordedIdentifier(type="NINO", value="anything at all").value == "anything at all"
    for kind, value, code in (("PNC", "12/394773I", "pnc.format"), ("CRO", "29913/12L", "cro")):
        with pytest.raises(pydantic.ValidationError) as caught:
            RecordedIdentifier(type=kind, value=value)
        assert caught.value.errors()[0]["type"].startswith(code)
