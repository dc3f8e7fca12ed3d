"""Golden files and the round-trip laws of the ``nomis-cde`` adapter (one row each).

Every fixture ``NAME.input.dat`` is one row; accepted ones have ``NAME.canonical.json`` and
``NAME.reencoded.dat`` (exactly what ``encode`` writes), rejected ones ``NAME.expected-issues.json``
only. ``CJX_REGENERATE_GOLDEN=1`` rewrites them. No real CDE file is public: the rows are
synthetic (``cjx extract generate``) or designed from the layout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.golden import compare_or_write, fixed_clock, issues_document

from cjx.codec import encode_json
from cjx.errors import Report, ValidationFailed
from cjx.model import PrisonerRecord
from cjx_nomis_cde import FIELDS, adapter, decode_row

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = sorted(GOLDEN.glob("*.input.dat"))
REJECTED = {
    "alert-without-type": {("nomis-cde.value", "field 148 active_alerts_f148")},
    "book-number-format": {("book-number.format", "field 6 prison_no_f6")},
    "control-character-in-name": {("text.characters", "field 7 surname_f7")},
    "cro-check-character": {("cro.check-character", "field 10 cro_f10")},
    "date-iso-not-layout": {("date.format", "field 13 dob_f13")},
    "defect-bad-pnc-check": {("pnc.check-character", "field 48 pnc_f48")},
    "defect-impossible-date": {("date.format", "field 13 dob_f13")},
    "defect-short-row": {("nomis-cde.field-count", "row")},
    "defect-unknown-custody-status": {("nomis-cde.custody-status", "field 24 custody_status_f24")},
    "height-not-metres": {("nomis-cde.value", "field 54 height_metres_f54")},
    "noms-format": {("noms.format", "field 4 nomis_id_f4")},
    "noms-missing": {("noms.missing", "field 4 nomis_id_f4")},
    "second-pnc-check-character": {("pnc.check-character", "field 48 pnc_f48")},
    "youth-flag-unknown": {("nomis-cde.value", "field 11 adult_yp_f11")},
}


def name_of(fixture: Path) -> str:
    return fixture.name.removesuffix(".input.dat")


@pytest.mark.parametrize("fixture", FIXTURES, ids=name_of)
def test_fixture_behaves_as_its_golden_files_say(fixture: Path) -> None:
    """Each row decodes to its golden canonical message and re-encoding, or is rejected with
    exactly its golden issues (codes and paths), and exactly the designed ones."""
    name = name_of(fixture)
    report: Report | None = None
    try:
        translation = adapter.translate(fixture.read_bytes(), source=name, clock=fixed_clock)
    except ValidationFailed as exc:
        report = exc.report
    if report is not None:
        compare_or_write(GOLDEN / f"{name}.expected-issues.json", issues_document(report))
        compare_or_write(GOLDEN / f"{name}.canonical.json", None)
        assert {(i.code, i.path) for i in report.issues} == REJECTED[name]
        return
    assert name not in REJECTED
    (envelope,) = translation.envelopes
    compare_or_write(GOLDEN / f"{name}.expected-issues.json", issues_document(translation.report))
    compare_or_write(GOLDEN / f"{name}.canonical.json", encode_json(envelope) + b"\n")
    compare_or_write(GOLDEN / f"{name}.reencoded.dat", adapter.encode(envelope))


@pytest.mark.parametrize(
    "fixture", [f for f in FIXTURES if name_of(f) not in REJECTED], ids=name_of
)
def test_round_trip_laws(fixture: Path) -> None:
    """decode(encode(m)) == m; encode(decode(x)) is x field by field, except the fields not
    carried (empty), quotes (removed), ``31/12/2999`` (empty) and the home address's lines
    (one line)."""
    data = fixture.read_bytes()
    (envelope,) = adapter.translate(data, clock=fixed_clock).envelopes
    written = adapter.encode(envelope)
    (again,) = adapter.translate(written, clock=fixed_clock).envelopes
    assert again == envelope
    given = data.decode().rstrip("\n").replace('"', "").split("|")
    back = written.decode().rstrip("\n").split("|")
    for field, before, after in zip(FIELDS, given, back, strict=True):
        if field.kind is None and field.position not in (1, 12):
            assert after == "", field.path
        elif field.kind == "address":
            continue
        elif before == "31/12/2999":
            assert after == "", field.path
        else:
            assert after == before, field.path


def test_every_carried_field_lands_where_the_table_says() -> None:
    """The designed row filling every carried field: each is in the record."""
    row = (GOLDEN / "every-carried-field.input.dat").read_text().rstrip("\n")
    record = decode_row(row).record
    assert record is not None
    assert record.identifiers is not None
    assert [r.value for r in record.identifiers.recorded_identifiers or ()] == [
        "12/394773H",
        "2012/0394773H",
    ]
    assert record.identifiers.pnc == "2012/0394773H"
    assert record.physical_details is not None
    assert [(m.body_part, m.comment) for m in record.physical_details.marks or ()] == [
        ("Head", "Scar on chin"),
        ("Head", "Mole"),
        ("Body", "Tattoo on arm"),
    ]
    assert record.contact_details is not None
    (address,) = record.contact_details.addresses or ()
    assert (
        address.full_address == "Flat 1, 2 Synthetic Street, Locality, Testtown, Testshire, England"
    )
    assert address.postal_code == "ZZ99 1AA"
    dump = record.model_dump(exclude_none=True)
    assert set(dump) == {
        "noms_number",
        "identifiers",
        "personal_details",
        "alerts",
        "status",
        "location",
        "sentence",
        "incentive_level",
        "physical_details",
        "contact_details",
    }


def test_no_date_is_absent_never_a_date_in_2999() -> None:
    record = decode_row((GOLDEN / "no-date-2999-is-absent.input.dat").read_text().rstrip()).record
    assert record is not None
    assert "2999" not in record.model_dump_json()


def test_a_record_a_row_cannot_hold_is_refused() -> None:
    """Encoding refuses what it would drop (``nomis-cde.not-carried``), naming the group."""
    (envelope,) = adapter.translate(
        (GOLDEN / "generated-valid-row.input.dat").read_bytes(), clock=fixed_clock
    ).envelopes
    body: PrisonerRecord = envelope.body
    assert body.status is not None
    changed = body.model_copy(update={"status": body.status.model_copy(update={"csra": "High"})})
    with pytest.raises(ValidationFailed) as caught:
        adapter.encode(envelope.model_copy(update={"body": changed}))
    assert [(i.code, i.path) for i in caught.value.report.issues] == [
        ("nomis-cde.not-carried", "/body/status")
    ]


def test_the_table_names_all_153_fields_once() -> None:
    assert [f.position for f in FIELDS] == list(range(1, 154))
    assert len({f.name for f in FIELDS}) == 153
    assert all(f.where for f in FIELDS)


def test_the_documentation_table_is_the_layout_table() -> None:
    """``docs/formats/nomis-cde.md`` lists the 153 fields exactly as ``FIELDS`` says."""
    doc = (Path(__file__).parents[3] / "docs" / "formats" / "nomis-cde.md").read_text()
    rows = [line for line in doc.splitlines() if line.startswith("| ") and line[2].isdigit()]
    expected = [
        f"| {f.position} | `{f.name}` | {f.kind or 'not carried'} | "
        f"{('`' + f.where + '`') if f.kind else f.where} |"
        for f in FIELDS
    ]
    assert rows == expected
