"""The NOMIS CDE offender extract's layout: its 153 fields and where each goes.

This table is the only place the mapping lives; decoding, encoding, the documentation's table
(``docs/formats/nomis-cde.md``) and the tests read it. The positions and names are those of
``ministryofjustice/nomis-reports`` (``app/diff.cde.js``, MIT); no real extract is public, so
the adapter is built from that layout, never from a real file.

Each :class:`Field` names its position (1-based), its name (``pnc_f48``), its kind and where it
goes in ``custody.prisoner-record``; a field of kind ``None`` is not carried, and ``where`` then
says why. Kinds:

* ``text`` (kept exactly), ``code`` (a token), ``date`` (``DD/MM/YYYY``; ``31/12/2999`` is no
  date);
* ``noms``, ``book-number``, ``cro``: identifiers checked with their own codes; ``pnc-list``:
  a ``~``-joined list of PNC IDs, each checked (``pnc.*``) and kept as written;
* ``gender`` (cjx's reading and the text), ``youth`` (``YP``/``N``), ``custody-status``
  (``Active-In``...), ``height`` (metres, two decimals), ``offence`` (an offence code, or a
  ``~`` list of them), ``marks`` (a ``~`` list), ``alerts`` (a ``~`` list of ``TYPE-CODE``),
  ``address`` (the home address block's seven fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CUSTODY_STATUSES",
    "FIELDS",
    "FIELD_COUNT",
    "FORMAT_NAME",
    "NO_DATE",
    "SYSTEM",
    "Field",
    "field_path",
]

FORMAT_NAME: Final = "nomis-cde"
#: ``Source.system`` of the canonical envelope.
SYSTEM: Final = "nomis"
FIELD_COUNT: Final = 153
#: The layout's "no date" (a far-future default): absent in the canonical record.
NO_DATE: Final = "31/12/2999"

#: Custody status text (field 24) -> (booking activity, in/out status) of the record.
CUSTODY_STATUSES: Final[dict[str, tuple[str, str]]] = {
    f"{activity}-{place}": (activity.upper(), code)
    for activity in ("Active", "INACTIVE", "HISTORIC")
    for place, code in (
        ("In", "IN"),
        ("Out", "OUT"),
        ("UAL", "UAL"),
        ("UAL_ECL", "UAL_ECL"),
        ("In Transit", "TRN"),
    )
}


@dataclass(frozen=True, slots=True)
class Field:
    """One positional field: its position, name, kind (``None``: not carried) and where it
    goes in the record (or why it is not carried)."""

    position: int
    name: str
    kind: str | None
    where: str

    @property
    def path(self) -> str:
        """How an issue names the field: ``field 48 pnc_f48``."""
        return f"field {self.position} {self.name}"


def field_path(position: int) -> str:
    """The issue path of the field at ``position`` (1-based)."""
    return FIELDS[position - 1].path


FIELDS: Final[tuple[Field, ...]] = (
    Field(
        1,
        "sysdate_f1",
        None,
        "the envelope's occurred_at (the extract date, 00:00 Europe/London); not in the body",
    ),
    Field(2, "establishment_f2", "text", "location.prison_name"),
    Field(3, "estab_code_f3", "code", "location.prison_id"),
    Field(4, "nomis_id_f4", "noms", "noms_number"),
    Field(5, "gender_f5", "gender", "personal_details.gender / gender_text"),
    Field(6, "prison_no_f6", "book-number", "identifiers.book_number"),
    Field(7, "surname_f7", "text", "personal_details.last_name"),
    Field(8, "forename1_f8", "text", "personal_details.first_name"),
    Field(9, "forename2_f9", "text", "personal_details.middle_names"),
    Field(10, "cro_f10", "cro", "identifiers.cro_number"),
    Field(11, "adult_yp_f11", "youth", "personal_details.youth_offender"),
    Field(
        12,
        "age_f12",
        None,
        "derived from the date of birth and the extract date (changes by "
        "itself); written back by encoding",
    ),
    Field(13, "dob_f13", "date", "personal_details.date_of_birth"),
    Field(14, "nationality_f14", "text", "personal_details.nationality"),
    Field(15, "ethnicity_f15", "text", "personal_details.ethnicity"),
    Field(16, "religion_f16", "text", "personal_details.religion"),
    Field(17, "marital_f17", "text", "personal_details.marital_status"),
    Field(
        18,
        "maternity_status_f18",
        None,
        "health information with no code; the record has no field for it",
    ),
    Field(19, "location_f19", "text", "location.cell_location"),
    Field(20, "incentive_band_f20", "text", "incentive_level.level.description"),
    Field(21, "occupation_v21", None, "no field in the record"),
    Field(22, "transfer_reason_f22", None, "no field in the record (a movement detail)"),
    Field(23, "first_reception_date_f23", "date", "sentence.reception_date"),
    Field(24, "custody_status_f24", "custody-status", "status.booking_status"),
    Field(25, "inmate_status_f25", "text", "status.imprisonment_status_description"),
    Field(26, "sec_cat.level_f26", "code", "status.category"),
    Field(27, "sec_cat.next_review_f27", None, "no field in the record"),
    Field(28, "sentence.years_f28", None, "derived (the effective sentence length)"),
    Field(29, "sentence.months_f29", None, "derived (the effective sentence length)"),
    Field(30, "sentence.days_f30", None, "derived (the effective sentence length)"),
    Field(
        31,
        "previous_prison_no_f31",
        None,
        "earlier bookings' numbers; the record holds the current booking only",
    ),
    Field(32, "earliest_release_date_f32", None, "derived from the key dates the record carries"),
    Field(33, "check_hold.governor_f33", None, "check-hold flags: no field in the record"),
    Field(34, "check_hold.f34", None, "check-hold flags: no field in the record"),
    Field(35, "check_hold.f35", None, "check-hold flags: no field in the record"),
    Field(36, "check_hold.allocation_36", None, "check-hold flags: no field in the record"),
    Field(37, "check_hold.security_37", None, "check-hold flags: no field in the record"),
    Field(38, "check_hold.medical_38", None, "check-hold flags: no field in the record"),
    Field(39, "check_hold.parole_39", None, "check-hold flags: no field in the record"),
    Field(40, "date_of_first_conviction_40", None, "no field in the record"),
    Field(41, "date_first_sentenced_f41", None, "no field in the record"),
    Field(
        42, "f2052_status_42", None, "a flag derived from the active alerts (field 148, carried)"
    ),
    Field(
        43,
        "highest_ranked_offence_f43",
        "offence",
        "sentence.convicted_offences[] (primary_sentence true)",
    ),
    Field(44, "f44", None, "blank in the layout"),
    Field(45, "pending_transfers_f45", None, "no field in the record (a pending movement)"),
    Field(46, "received_from_f46", None, "no field in the record (a pending movement)"),
    Field(
        47,
        "vulnerable_prisoner_alert_f47",
        None,
        "a flag derived from the active alerts (field 148, carried)",
    ),
    Field(
        48,
        "pnc_f48",
        "pnc-list",
        "identifiers.pnc_number (first) and identifiers.recorded_identifiers[] (type PNC, each)",
    ),
    Field(49, "emplmnt_status.discharge_f49", None, "no field in the record"),
    Field(50, "emplmnt_status.reception_f50", None, "no field in the record"),
    Field(
        51,
        "schedule_1_sex_offender_f51",
        None,
        "a flag derived from the active alerts (field 148, carried)",
    ),
    Field(
        52, "sex_offender_f52", None, "a flag derived from the active alerts (field 148, carried)"
    ),
    Field(
        53,
        "supervising_service_f53",
        None,
        "the probation service, not the person: no field in the record",
    ),
    Field(54, "height_metres_f54", "height", "physical_details.height_centimetres (metres x 100)"),
    Field(55, "complexion_f55", None, "no field in the record"),
    Field(56, "hair_f56", "text", "physical_details.hair_colour"),
    Field(57, "left_eye_f57", "text", "physical_details.left_eye_colour"),
    Field(58, "right_eye_f58", "text", "physical_details.right_eye_colour"),
    Field(59, "build_f59", "text", "physical_details.build"),
    Field(60, "face_f60", "text", "physical_details.shape_of_face"),
    Field(61, "facial_hair_f61", "text", "physical_details.facial_hair"),
    Field(62, "marks.head_f62", "marks", "physical_details.marks[] (body_part Head)"),
    Field(63, "marks.body_f63", "marks", "physical_details.marks[] (body_part Body)"),
    Field(64, "sentence_length_f64", None, "derived (effective sentence end - start + 1)"),
    Field(65, "release.date_f65", "date", "sentence.dates.release_date"),
    Field(66, "release.name_f66", None, "no field in the record (release type of a movement)"),
    Field(67, "sed_f67", "date", "sentence.dates.sentence_expiry.reported"),
    Field(68, "hdced_f68", "date", "sentence.dates.home_detention_curfew_eligibility.reported"),
    Field(69, "hdcad_f69", "date", "sentence.dates.home_detention_curfew_actual.reported"),
    Field(70, "ped_f70", "date", "sentence.dates.parole_eligibility.reported"),
    Field(71, "crd_f71", "date", "sentence.dates.conditional_release.reported"),
    Field(72, "npd_f72", "date", "sentence.dates.non_parole.reported"),
    Field(73, "led_f73", "date", "sentence.dates.licence_expiry.reported"),
    Field(74, "date_sec_cat_changed_f74", None, "no field in the record"),
    Field(
        75,
        "rule_45_yoi_rule_46_f75",
        None,
        "a flag derived from the active alerts (field 148, carried)",
    ),
    Field(
        76, "f2052sh.alert_f76", None, "a flag derived from the active alerts (field 148, carried)"
    ),
    Field(77, "f2052sh.start_f77", None, "no field in the record"),
    Field(
        78,
        "discharge.nfa_f78",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        79,
        "discharge.address1_f79",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        80,
        "discharge.address2_f80",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        81,
        "discharge.address3_f81",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        82,
        "discharge.address4_f82",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        83,
        "discharge.address5_f83",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        84,
        "discharge.address6_f84",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        85,
        "discharge.address7_f85",
        None,
        "the discharge address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        86,
        "reception.nfa_f86",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        87,
        "reception.address1_f87",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        88,
        "reception.address2_f88",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        89,
        "reception.address3_f89",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        90,
        "reception.address4_f90",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        91,
        "reception.address5_f91",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        92,
        "reception.address6_f92",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        93,
        "reception.address7_f93",
        None,
        "the reception address: the record's addresses have no type to tell it "
        "from the home address",
    ),
    Field(
        94,
        "home.address1_f94",
        "address",
        "contact_details.addresses[0].full_address (home, primary_address true)",
    ),
    Field(95, "home.address2_f95", "address", "contact_details.addresses[0].full_address"),
    Field(96, "home.address3_f96", "address", "contact_details.addresses[0].full_address"),
    Field(97, "home.address4_f97", "address", "contact_details.addresses[0].full_address"),
    Field(98, "home.address5_f98", "address", "contact_details.addresses[0].full_address"),
    Field(99, "home.address6_f99", "address", "contact_details.addresses[0].postal_code"),
    Field(
        100, "home.address7_f100", "address", "contact_details.addresses[0].phone_numbers[0].number"
    ),
    Field(101, "nok.name_f101", None, "another person's data (next of kin): not carried"),
    Field(102, "nok.nfa_f102", None, "another person's data (next of kin): not carried"),
    Field(103, "nok.address1_f103", None, "another person's data (next of kin): not carried"),
    Field(104, "nok.address2_f104", None, "another person's data (next of kin): not carried"),
    Field(105, "nok.address3_f105", None, "another person's data (next of kin): not carried"),
    Field(106, "nok.address4_f106", None, "another person's data (next of kin): not carried"),
    Field(107, "nok.address5_f107", None, "another person's data (next of kin): not carried"),
    Field(108, "nok.address6_f108", None, "another person's data (next of kin): not carried"),
    Field(109, "nok.address7_f109", None, "another person's data (next of kin): not carried"),
    Field(
        110,
        "prob.name_f110",
        None,
        "the probation offender manager, not the person: no field in the record",
    ),
    Field(
        111,
        "prob.address1_f111",
        None,
        "the probation offender manager's office, not the person: no field in the record",
    ),
    Field(
        112,
        "prob.address2_f112",
        None,
        "the probation offender manager's office, not the person: no field in the record",
    ),
    Field(
        113,
        "prob.address3_f113",
        None,
        "the probation offender manager's office, not the person: no field in the record",
    ),
    Field(
        114,
        "prob.address4_f114",
        None,
        "the probation offender manager's office, not the person: no field in the record",
    ),
    Field(
        115,
        "prob.address5_f115",
        None,
        "the probation offender manager's office, not the person: no field in the record",
    ),
    Field(
        116,
        "prob.address6_f116",
        None,
        "the probation offender manager's office, not the person: no field in the record",
    ),
    Field(
        117,
        "prob.address7_f117",
        None,
        "the probation offender manager's office, not the person: no field in the record",
    ),
    Field(118, "f118", None, "blank in the layout (remarks)"),
    Field(119, "f119", None, "blank in the layout (remarks)"),
    Field(120, "f120", None, "blank in the layout (remarks)"),
    Field(121, "f121", None, "blank in the layout (remarks)"),
    Field(122, "f122", None, "blank in the layout (remarks)"),
    Field(123, "f123", None, "blank in the layout (remarks)"),
    Field(124, "f124", None, "blank in the layout (remarks)"),
    Field(125, "f125", None, "blank in the layout (remarks)"),
    Field(126, "f126", None, "blank in the layout (remarks)"),
    Field(127, "f127", None, "blank in the layout (remarks)"),
    Field(128, "f128", None, "blank in the layout (remarks)"),
    Field(129, "f129", None, "blank in the layout (remarks)"),
    Field(130, "f130", None, "blank in the layout (remarks)"),
    Field(131, "f131", None, "blank in the layout (remarks)"),
    Field(132, "f132", None, "blank in the layout (remarks)"),
    Field(133, "f133", None, "blank in the layout (remarks)"),
    Field(134, "sending_estab_f134", "code", "location.previous_prison_id"),
    Field(135, "reason_f135", None, "no field in the record (a movement detail)"),
    Field(136, "movement.date_f136", "date", "location.last_movement_date"),
    Field(137, "movement.hour_f137", None, "the record keeps the movement's date only"),
    Field(138, "movement.min_f138", None, "the record keeps the movement's date only"),
    Field(139, "movement.sec_f139", None, "the record keeps the movement's date only"),
    Field(140, "movement.code_f140", "code", "location.last_movement_reason_code"),
    Field(141, "court_f141", None, "no field in the record (a movement detail)"),
    Field(142, "escort_f142", None, "no field in the record (a movement detail)"),
    Field(143, "first_out_mov_post_adm_f143", None, "no field in the record"),
    Field(144, "employed_f144", None, "no field in the record"),
    Field(
        145,
        "diary_details_f145",
        None,
        "future diary entries (appointments): no field in the record",
    ),
    Field(146, "licence_type_f146", None, "no field in the record"),
    Field(
        147,
        "other_offences_f147",
        "offence",
        "sentence.convicted_offences[] (primary_sentence false)",
    ),
    Field(148, "active_alerts_f148", "alerts", "alerts[] (alert_type-alert_code, active true)"),
    Field(149, "court.type_f149", None, "no field in the record"),
    Field(150, "court.code_f150", None, "no field in the record"),
    Field(151, "court.name_f151", None, "no field in the record"),
    Field(152, "activity_details_f152", None, "activities: no field in the record"),
    Field(153, "tused_f153", "date", "sentence.dates.topup_supervision_expiry.reported"),
)

assert [f.position for f in FIELDS] == list(range(1, FIELD_COUNT + 1))
