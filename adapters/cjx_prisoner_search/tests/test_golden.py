"""Golden files and the round-trip laws on every fixture of the ``prisoner-search`` adapter.

See ``tests/golden.py`` for the layout; ``CJX_REGENERATE_GOLDEN=1`` rewrites the golden files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.golden import check_golden, check_round_trips, fixtures, name_of, outcome

from cjx.model import GENDER_DESCRIPTIONS, Gender, PrisonerRecord
from cjx_prisoner_search import MEMBERS, adapter

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FIXTURES = fixtures(GOLDEN)
ACCEPTED = [f for f in FIXTURES if (GOLDEN / f"{name_of(f)}.canonical.json").exists()]


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_fixture_behaves_as_its_golden_files_say(fixture: Path) -> None:
    """Each fixture decodes to its golden canonical message and re-encoding, or is rejected
    with exactly its golden issues (codes and paths)."""
    check_golden(adapter, fixture)


def test_golden_outcomes_are_the_designed_ones() -> None:
    """The two valid shared samples and the designed valid documents are accepted; the third
    shared sample (a PNC and a CRO number whose check characters are wrong) and every other
    designed document are rejected."""
    accepted = {name_of(f) for f in FIXTURES if outcome(adapter, f).accepted}
    assert accepted == {
        "shared.get_prisoner_A7089EY",
        "shared.released",
        "every-member-index-document",
        "every-member-rest-response",
        "prisoner-number-only",
        "explicit-nulls",
        "nested-nulls",
        "empty-lists-kept-apart-from-absent-ones",
        "index-document-with-valid-identifiers",
        "pnc-written-forms-kept",
        "pnc-forms-disagree",
        "status-contradicts-in-out-status",
        "unknown-codes-kept",
        "gender-texts",
        "gender-text-cjx-cannot-read",
        "unknown-members-not-carried",
        "local-datetimes-precision",
        "local-datetime-ambiguous",
        "negative-booking-id-test-data",
    }
    assert len(FIXTURES) - len(accepted) == 22


@pytest.mark.parametrize("fixture", ACCEPTED, ids=name_of)
def test_round_trip_laws(fixture: Path) -> None:
    """encode(decode(x)) is x as a JSON value (after the null rule, unknown members left out);
    decode(encode(m)) == m."""
    check_round_trips(adapter, fixture, "prisoner-search.unknown-field")


@pytest.mark.parametrize(
    ("golden", "source"),
    [
        ("shared.get_prisoner_A7089EY", "hmpps-prisoner-search__get_prisoner_A7089EY.json"),
        ("shared.released", "hmpps-prisoner-search-indexer__released.json"),
        (
            "shared.prisonerA9999RB.index-document",
            "hmpps-prisoner-search__prisonerA9999RB.index-document.json",
        ),
    ],
)
def test_shared_inputs_are_the_verbatim_samples(golden: str, source: str) -> None:
    """The shared golden inputs are byte-for-byte the verbatim fixtures."""
    data = (HERE / "fixtures" / source).read_bytes()
    assert (GOLDEN / f"{golden}.input.json").read_bytes() == data


@pytest.mark.parametrize("name", ["every-member-index-document", "every-member-rest-response"])
def test_every_member_is_carried(name: str) -> None:
    """A document holding every member (and every member of every nested object) decodes
    with no issue, and re-encoding gives back the same document, member order included."""
    data = (GOLDEN / f"{name}.input.json").read_bytes()
    translation = adapter.translate(data)
    assert translation.report.issues == ()
    document = json.loads(data)
    again = json.loads(adapter.encode(translation.envelopes[0]))
    assert again == document
    assert list(again) == list(document)
    keys = {m.key for m in MEMBERS} - ({"_class"} if name.endswith("rest-response") else set())
    assert set(document) == keys

    def nested(members: tuple[object, ...], value: object) -> None:
        for member in members:
            item = getattr(member, "item", None)
            if item is None:
                continue
            key = member.key  # type: ignore[attr-defined]
            inner = value[key] if isinstance(value, dict) else None
            objects = inner if isinstance(inner, list) else [inner]
            assert set().union(*objects) == {m.key for m in item.members}, key
            for obj in objects:
                nested(item.members, obj)

    nested(MEMBERS, document)


def test_the_index_document_keeps_its_class_and_the_rest_response_has_none() -> None:
    """``_class`` is carried (``index_document_class``) and written back first; a REST
    response has none and none is written."""
    stored = outcome(adapter, GOLDEN / "index-document-with-valid-identifiers.input.json")
    rest = outcome(adapter, GOLDEN / "shared.get_prisoner_A7089EY.input.json")
    assert stored.envelope is not None
    assert rest.envelope is not None
    assert stored.envelope.body.index_document_class == (
        "uk.gov.justice.digital.hmpps.prisonersearch.model.PrisonerB"
    )
    assert next(iter(json.loads(adapter.encode(stored.envelope)))) == "_class"
    assert rest.envelope.body.index_document_class is None
    assert "_class" not in json.loads(adapter.encode(rest.envelope))


def test_the_shared_sample_with_a_wrong_check_letter_is_rejected_for_its_identifiers() -> None:
    """PNC 2014/009773W (its check letter should be K) in all three forms, and CRO 29913/12L
    (its check letter should be R): rejected with the identifiers' own codes, nothing else."""
    result = outcome(adapter, GOLDEN / "shared.prisonerA9999RB.index-document.input.json")
    assert not result.accepted
    assert {(i.code, i.path) for i in result.report.issues} == {
        ("pnc.check-character", "/pncNumber"),
        ("pnc.check-character", "/pncNumberCanonicalShort"),
        ("pnc.check-character", "/pncNumberCanonicalLong"),
        ("cro.check-character", "/croNumber"),
    }


def test_pnc_forms_are_kept_as_written_and_read_as_one_pnc() -> None:
    """``12/394773H`` and ``2012/394773H`` are the same PNC ID: the subject carries it in
    canonical form, the body each text as written, and no normalisation is reported (nothing
    is normalised away)."""
    result = outcome(adapter, GOLDEN / "shared.get_prisoner_A7089EY.input.json")
    assert result.envelope is not None
    body: PrisonerRecord = result.envelope.body
    assert body.identifiers is not None
    assert body.identifiers.pnc == "2012/0394773H"
    assert body.identifiers.pnc_number is not None
    assert body.identifiers.pnc_number.text == "12/394773H"
    assert ("PNC", "2012/0394773H") in {(s.scheme, s.value) for s in result.envelope.subject}
    assert not [i for i in result.report.issues if i.code == "pnc.normalised"]


def test_gender_is_read_and_its_text_kept() -> None:
    """NOMIS descriptions are read as the canonical gender and not repeated; codes and other
    spellings are read and kept; a text cjx cannot read is kept with a warning."""
    result = outcome(adapter, GOLDEN / "gender-texts.input.json")
    assert result.envelope is not None
    details = result.envelope.body.personal_details
    assert (details.gender, details.gender_text) == (Gender.MALE, "M")
    aliases = details.aliases
    assert [(a.gender, a.gender_text) for a in aliases] == [
        (Gender.NOT_SPECIFIED, None),
        (Gender.FEMALE, "FEMALE"),
        (Gender.NOT_KNOWN, None),
    ]
    assert GENDER_DESCRIPTIONS[Gender.NOT_SPECIFIED] == "Not Specified (Indeterminate)"
    unread = outcome(adapter, GOLDEN / "gender-text-cjx-cannot-read.input.json")
    assert unread.envelope is not None
    details = unread.envelope.body.personal_details
    assert (details.gender, details.gender_text) == (None, "Refused")
    assert [(i.code, i.path) for i in unread.report.issues] == [
        ("prisoner-search.unknown-code", "/gender")
    ]
