"""One CDE row <-> ``custody.prisoner-record`` (the rules; :mod:`._format` holds the table).

Decoding a row (a line without its line end):

1. The row is split on ``|`` and every ``"`` is removed (the layout's parser strips them all);
   a row without exactly 153 fields is rejected, ``nomis-cde.field-count``, and read no
   further.
2. Each carried field (:data:`~._format.FIELDS`) is read by its kind; an empty value is
   absent. Identifiers are checked with their own codes (``noms.*``, ``book-number.*``,
   ``cro.*``, and ``pnc.*`` for every PNC of the ``~`` list); ``DD/MM/YYYY`` dates must be
   calendar dates (``date.format``), and ``31/12/2999`` is no date (absent, never a date in
   2999); the custody status must be one of the layout's (``nomis-cde.custody-status``);
   flags and the height must read as the layout writes them (``nomis-cde.value``). A missing
   NOMS number is ``noms.missing``.
3. The body is validated by the model; its errors name the field they came from.

Every issue's path names the field (``field 48 pnc_f48``); the caller names the row in the
report's source. No issue echoes a value.

Encoding writes the 153 fields back: the carried ones from the record, field 1 from the
envelope's ``occurred_at`` (the extract date), field 12 (the age) computed from the date of birth
and the extract date, and the fields not carried left empty. A record holding what a row cannot
(a mark on a part of the body other than the head or body, a second primary offence, a second
address...) is refused, ``nomis-cde.not-carried``. Decoding the written row gives the same
record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

import pydantic

from cjx.errors import Issue, error
from cjx.model import (
    BookNumber,
    CroNumber,
    IdentifierError,
    NomsNumber,
    PncId,
    PrisonerRecord,
    split_gender,
)
from cjx.model import gender_text_of as _gender_text_of

from ._format import CUSTODY_STATUSES, FIELD_COUNT, FIELDS, FORMAT_NAME, NO_DATE, field_path

__all__ = [
    "DecodedRow",
    "calendar_date",
    "decode_fields",
    "encode_fields",
    "split_row",
    "unquote",
]

FIELD_COUNT_CODE: Final = f"{FORMAT_NAME}.field-count"
CUSTODY_STATUS_CODE: Final = f"{FORMAT_NAME}.custody-status"
VALUE_CODE: Final = f"{FORMAT_NAME}.value"
NOT_CARRIED_CODE: Final = f"{FORMAT_NAME}.not-carried"

#: The earliest extract date read (see :func:`decode_fields`).
FIRST_EXTRACT_DATE: Final = dt.date(1900, 1, 1)
_STATUS_TEXT: Final = {codes: text for text, codes in CUSTODY_STATUSES.items()}
_YOUTH: Final = {"YP": True, "N": False}
_MARK_PARTS: Final = {62: "Head", 63: "Body"}


def unquote(line: str) -> str:
    """The row with every ``"`` removed (the layout's parser strips them all)."""
    return line.replace('"', "") if '"' in line else line


def split_row(line: str) -> list[str]:
    """The row's values: split on ``|``, every ``"`` removed."""
    return unquote(line).split("|")


class DecodedRow:
    """What one row became: the record (``None`` when rejected), the extract date and issues."""

    __slots__ = ("extract_date", "issues", "record")

    def __init__(
        self, record: PrisonerRecord | None, extract_date: dt.date | None, issues: list[Issue]
    ) -> None:
        self.record = record
        self.extract_date = extract_date
        self.issues = issues


def calendar_date(text: str) -> dt.date | None:
    """The calendar date ``text`` writes as ``DD/MM/YYYY``, else ``None`` (the decoder's
    reading of every date field; ``31/12/2999`` is a date here, the callers' "no date")."""
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        day, month, year = text[:2], text[3:5], text[6:]
        if day.isdigit() and month.isdigit() and year.isdigit() and day.isascii():
            try:
                return dt.date(int(year), int(month), int(day))
            except ValueError:
                pass
    return None


def _date(text: str, position: int, issues: list[Issue]) -> dt.date | None:
    if text == NO_DATE:
        return None
    value = calendar_date(text)
    if value is None:
        issues.append(error("date.format", field_path(position), "expected a date DD/MM/YYYY"))
    return value


def _identifier(
    kind: type[NomsNumber] | type[BookNumber] | type[CroNumber],
    text: str,
    position: int,
    issues: list[Issue],
) -> str | None:
    try:
        return kind.parse(text)
    except IdentifierError as exc:
        issues.append(error(exc.code, field_path(position), exc.message))
        return None


def _set(fields: dict[str, Any], group: str, name: str, value: Any) -> None:
    fields.setdefault(group, {})[name] = value


def _date_into(
    fields: dict[str, Any], key: tuple[str, bool], text: str, position: int, issues: list[Issue]
) -> None:
    name, part = key
    value = _date(text, position, issues)
    if value is None:
        return
    dates = fields.setdefault("sentence", {}).setdefault("dates", {})
    dates[name] = {"reported": value} if part else value


#: Sentence key dates: position -> (SentenceDates field, whether it is a SentenceDate).
_KEY_DATES: Final = {
    65: ("release_date", False),
    67: ("sentence_expiry", True),
    68: ("home_detention_curfew_eligibility", True),
    69: ("home_detention_curfew_actual", True),
    70: ("parole_eligibility", True),
    71: ("conditional_release", True),
    72: ("non_parole", True),
    73: ("licence_expiry", True),
    153: ("topup_supervision_expiry", True),
}
#: Plain values: position -> (group or "", field, kind).
_PLAIN: Final = {
    2: ("location", "prison_name"),
    3: ("location", "prison_id"),
    7: ("personal_details", "last_name"),
    8: ("personal_details", "first_name"),
    9: ("personal_details", "middle_names"),
    14: ("personal_details", "nationality"),
    15: ("personal_details", "ethnicity"),
    16: ("personal_details", "religion"),
    17: ("personal_details", "marital_status"),
    19: ("location", "cell_location"),
    25: ("status", "imprisonment_status_description"),
    26: ("status", "category"),
    56: ("physical_details", "hair_colour"),
    57: ("physical_details", "left_eye_colour"),
    58: ("physical_details", "right_eye_colour"),
    59: ("physical_details", "build"),
    60: ("physical_details", "shape_of_face"),
    61: ("physical_details", "facial_hair"),
    134: ("location", "previous_prison_id"),
    140: ("location", "last_movement_reason_code"),
}
_PLAIN_DATES: Final = {
    13: ("personal_details", "date_of_birth"),
    23: ("sentence", "reception_date"),
    136: ("location", "last_movement_date"),
}
#: Body location -> field position, for model errors (the longest prefix wins).
_LOCATIONS: Final[dict[tuple[str, ...], int]] = {
    ("noms_number",): 4,
    ("identifiers", "book_number"): 6,
    ("identifiers", "cro_number"): 10,
    ("identifiers", "pnc_number"): 48,
    ("identifiers", "recorded_identifiers"): 48,
    ("personal_details", "gender"): 5,
    ("personal_details", "gender_text"): 5,
    ("personal_details", "youth_offender"): 11,
    ("status",): 24,
    ("status", "imprisonment_status_description"): 25,
    ("status", "category"): 26,
    ("incentive_level",): 20,
    ("alerts",): 148,
    ("physical_details", "height_centimetres"): 54,
    ("physical_details", "marks"): 62,
    ("contact_details",): 94,
    ("sentence", "convicted_offences"): 43,
    **{(group, name): pos for pos, (group, name) in _PLAIN.items()},
    **{(group, name): pos for pos, (group, name) in _PLAIN_DATES.items()},
    **{("sentence", "dates", name): pos for pos, (name, _) in _KEY_DATES.items()},
}


def path_for(loc: tuple[int | str, ...]) -> str:
    """The issue path of the field a body location (a model error's) came from."""
    for size in range(len(loc), 0, -1):
        position = _LOCATIONS.get(tuple(str(p) for p in loc[:size]))
        if position is not None:
            return field_path(position)
    return "row"


def decode_fields(values: list[str]) -> DecodedRow:
    """Decode one row's values (:func:`split_row`) to a record, with every issue."""
    issues: list[Issue] = []
    if len(values) != FIELD_COUNT:
        issues.append(
            error(
                FIELD_COUNT_CODE,
                "row",
                f"expected {FIELD_COUNT} fields separated by '|', found {len(values)}",
            )
        )
        return DecodedRow(None, None, issues)
    v = values
    extract_date = _date(v[0], 1, issues) if v[0] else None
    if not v[0]:
        issues.append(error("date.missing", field_path(1), "the extract date is required"))
    elif extract_date is not None and extract_date < FIRST_EXTRACT_DATE:
        # before 1900 Europe/London's offset may not be whole minutes (its local mean time
        # until 1847), so such a day has no instant an envelope can carry
        issues.append(error("date.format", field_path(1), "expected an extract date from 1900"))
        extract_date = None
    fields: dict[str, Any] = {}
    if v[3]:
        fields["noms_number"] = _identifier(NomsNumber, v[3], 4, issues)
    else:
        issues.append(error("noms.missing", field_path(4), "NOMS number is required"))
    for position, (group, name) in _PLAIN.items():
        text = v[position - 1]
        if text:
            _set(fields, group, name, text)
    for position, (group, name) in _PLAIN_DATES.items():
        text = v[position - 1]
        if text:
            value = _date(text, position, issues)
            if value is not None:
                _set(fields, group, name, value)
    for position, (name, part) in _KEY_DATES.items():
        text = v[position - 1]
        if text:
            _date_into(fields, (name, part), text, position, issues)
    if v[4]:
        gender, gender_text = split_gender(v[4])
        if gender is not None:
            _set(fields, "personal_details", "gender", gender)
        if gender_text is not None:
            _set(fields, "personal_details", "gender_text", gender_text)
    if v[5]:
        _set(fields, "identifiers", "book_number", _identifier(BookNumber, v[5], 6, issues))
    if v[9]:
        _set(fields, "identifiers", "cro_number", _identifier(CroNumber, v[9], 10, issues))
    if v[47]:
        _pncs(fields, v[47], issues)
    if v[10]:
        youth = _YOUTH.get(v[10])
        if youth is None:
            issues.append(error(VALUE_CODE, field_path(11), "expected YP or N"))
        else:
            _set(fields, "personal_details", "youth_offender", youth)
    if v[19]:
        fields["incentive_level"] = {"level": {"description": v[19]}}
    if v[23]:
        status = CUSTODY_STATUSES.get(v[23])
        if status is None:
            issues.append(
                error(
                    CUSTODY_STATUS_CODE,
                    field_path(24),
                    "expected a custody status of the layout (Active-In, Active-Out, ...)",
                )
            )
        else:
            _set(fields, "status", "booking_status", {"activity": status[0], "in_out": status[1]})
    offences = [
        {"offence_code": code, "primary_sentence": primary}
        for text, primary in ((v[42], True), (v[146], False))
        if text
        for code in text.split("~")
    ]
    if offences:
        _set(fields, "sentence", "convicted_offences", offences)
    if v[53]:
        height = _height(v[53])
        if height is None:
            issues.append(error(VALUE_CODE, field_path(54), "expected a height in metres (1.78)"))
        else:
            _set(fields, "physical_details", "height_centimetres", height)
    marks = [
        {"body_part": part, "comment": comment}
        for position, part in _MARK_PARTS.items()
        if v[position - 1]
        for comment in v[position - 1].split("~")
    ]
    if marks:
        _set(fields, "physical_details", "marks", marks)
    if v[147]:
        alerts = []
        for index, item in enumerate(v[147].split("~")):
            kind, sep, code = item.partition("-")
            if not sep or not kind or not code:
                issues.append(
                    error(
                        VALUE_CODE,
                        field_path(148),
                        f"alert {index + 1} of the list: expected TYPE-CODE",
                    )
                )
                continue
            alerts.append({"alert_type": kind, "alert_code": code, "active": True})
        fields["alerts"] = alerts
    home = v[93:100]
    if any(home):
        address: dict[str, Any] = {"primary_address": True}
        lines = ", ".join(part for part in home[:5] if part)
        if lines:
            address["full_address"] = lines
        if home[5]:
            address["postal_code"] = home[5]
        if home[6]:
            address["phone_numbers"] = [{"number": home[6]}]
        fields["contact_details"] = {"addresses": [address]}
    if issues:
        return DecodedRow(None, extract_date, issues)
    try:
        record = PrisonerRecord.model_validate(fields)
    except pydantic.ValidationError as exc:
        from cjx.codec import issues_from_pydantic  # noqa: PLC0415 - not needed at start-up

        issues.extend(issues_from_pydantic(exc, path_for=path_for))
        return DecodedRow(None, extract_date, issues)
    return DecodedRow(record, extract_date, issues)


def _height(text: str) -> int | None:
    whole, sep, fraction = text.partition(".")
    if not whole.isdigit() or not whole.isascii() or len(whole) > 1:
        return None
    if sep and (not fraction.isdigit() or not fraction.isascii() or len(fraction) > 2):
        return None
    return int(whole) * 100 + int(fraction.ljust(2, "0") if sep else "0")


def _pncs(fields: dict[str, Any], text: str, issues: list[Issue]) -> None:
    recorded = []
    first: dict[str, str] | None = None
    for index, item in enumerate(text.split("~")):
        try:
            pnc = PncId.parse(item)
        except IdentifierError as exc:
            issues.append(
                error(exc.code, field_path(48), f"PNC {index + 1} of the list: {exc.message}")
            )
            continue
        if first is None:
            first = {"pnc": pnc} if item == pnc else {"pnc": pnc, "written": item}
        recorded.append({"type": "PNC", "value": item})
    if first is not None:
        identifiers = fields.setdefault("identifiers", {})
        identifiers["pnc_number"] = first
        identifiers["recorded_identifiers"] = recorded


# --- encoding -------------------------------------------------------------------------------


def _write_date(value: dt.date | None) -> str:
    return "" if value is None else f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _age(birth: dt.date | None, on: dt.date) -> str:
    if birth is None:
        return ""
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return str(years)


def encode_fields(
    record: PrisonerRecord, extract_date: dt.date, refuse: Callable[[str, str], None]
) -> list[str]:
    """The row's 153 values for ``record``; ``refuse(path, message)`` is called for each part
    of the record a row cannot hold (``nomis-cde.not-carried``): a value holding the layout's
    separators, or any group the written row does not give back. ``changed_groups`` (1.2) is
    not written and not refused: it is about the message, and a row is the person's state."""
    values = _encode_fields(record, extract_date, refuse)
    for value, field in zip(values, FIELDS, strict=True):
        if any(c in value for c in '|"\r\n'):
            refuse(f"/body ({field.path})", "a value holds a separator of the layout")
            return values
    again = decode_fields(list(values)).record
    if again is None:
        refuse("/body", "the written row does not decode")
    elif again != record:
        for group in record.differing_groups(again):
            refuse(f"/body/{group}", "a row cannot hold this group as the record has it")
        if again.index_document_class != record.index_document_class:
            refuse("/body/index_document_class", "a row has no field for it")
    return values


def _encode_fields(
    record: PrisonerRecord, extract_date: dt.date, refuse: Callable[[str, str], None]
) -> list[str]:
    v = [""] * FIELD_COUNT
    v[0] = _write_date(extract_date)
    v[3] = str(record.noms_number)
    groups: dict[str, Any] = {
        name: getattr(record, name)
        for name in ("personal_details", "location", "status", "physical_details", "sentence")
    }
    for position, (group, name) in _PLAIN.items():
        model = groups[group]
        value = getattr(model, name) if model is not None else None
        if value is not None:
            v[position - 1] = str(value)
    for position, (group, name) in _PLAIN_DATES.items():
        model = groups[group]
        v[position - 1] = _write_date(getattr(model, name) if model is not None else None)
    sentence = record.sentence
    dates = sentence.dates if sentence is not None else None
    if dates is not None:
        for position, (name, part) in _KEY_DATES.items():
            value = getattr(dates, name)
            if part and value is not None:
                if value.calculated is not None or value.override is not None:
                    refuse("/body/sentence/dates", f"{name}: a row carries the reported date only")
                value = value.reported
            v[position - 1] = _write_date(value)
        carried = {name for name, _ in _KEY_DATES.values()}
        for name in type(dates).model_fields:
            if name not in carried and getattr(dates, name) is not None:
                refuse("/body/sentence/dates", f"{name}: a row has no field for it")
    details = record.personal_details
    if details is not None:
        v[4] = _gender_text_of(details.gender, details.gender_text) or ""
        if details.youth_offender is not None:
            v[10] = "YP" if details.youth_offender else "N"
        v[11] = _age(details.date_of_birth, extract_date)
    identifiers = record.identifiers
    if identifiers is not None:
        v[5] = identifiers.book_number or ""
        v[9] = identifiers.cro_number or ""
        recorded = identifiers.recorded_identifiers or ()
        if any(str(r.type) != "PNC" for r in recorded):
            refuse("/body/identifiers/recorded_identifiers", "a row carries PNC IDs only")
        v[47] = "~".join(r.value for r in recorded)
        if identifiers.pnc_number is not None and (
            not recorded or recorded[0].value != identifiers.pnc_number.text
        ):
            refuse("/body/identifiers/pnc_number", "a row's PNC is the first of its list")
    if record.incentive_level is not None:
        level = record.incentive_level.level
        v[19] = (level.description if level is not None else None) or ""
    status = record.status
    if status is not None and status.booking_status is not None:
        booking = status.booking_status
        text = _STATUS_TEXT.get((str(booking.activity), str(booking.in_out)))
        if text is None:
            refuse("/body/status/booking_status", "a row has no custody status for it")
        v[23] = text or ""
    if sentence is not None and sentence.convicted_offences is not None:
        primary = [o.offence_code for o in sentence.convicted_offences if o.primary_sentence]
        other = [o.offence_code for o in sentence.convicted_offences if not o.primary_sentence]
        if len(primary) > 1:
            refuse("/body/sentence/convicted_offences", "a row has one highest-ranked offence")
        v[42] = "~".join(str(c) for c in primary if c)
        v[146] = "~".join(str(c) for c in other if c)
    physical = record.physical_details
    if physical is not None:
        if physical.height_centimetres is not None:
            metres, centimetres = divmod(physical.height_centimetres, 100)
            v[53] = f"{metres}.{centimetres:02d}"
        for position, body_part in _MARK_PARTS.items():
            v[position - 1] = "~".join(
                m.comment or "" for m in physical.marks or () if m.body_part == body_part
            )
        if any(m.body_part not in _MARK_PARTS.values() for m in physical.marks or ()):
            refuse("/body/physical_details/marks", "a row holds marks of the head and body only")
    if record.alerts is not None:
        v[147] = "~".join(f"{a.alert_type}-{a.alert_code}" for a in record.alerts)
    contact = record.contact_details
    if contact is not None and contact.addresses:
        if len(contact.addresses) > 1:
            refuse("/body/contact_details/addresses", "a row holds one home address")
        address = contact.addresses[0]
        v[93] = address.full_address or ""
        v[98] = address.postal_code or ""
        phones = address.phone_numbers or ()
        v[99] = phones[0].number if phones else ""
    return v
