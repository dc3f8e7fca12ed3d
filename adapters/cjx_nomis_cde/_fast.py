"""The bulk import's writer for clean rows: a row's message line without the model.

:func:`clean_line` writes the same bytes as ``message_line(decode_fields(values).record, ...)``
(the canonical JSON line of the row's envelope) for the rows it can prove the model accepts,
and returns ``None`` for every other row, which then takes the full path (the decoder, the
model and its reports). It skips the two costly steps of the full path, the nested dictionary
and the model's validation, and serialises the body directly.

What it takes as proof, field by field (anything else is ``None``):

* **Text.** The whole row is printable (``str.isprintable``; printable ASCII is checked as
  bytes) and holds no backslash, and it is
  shorter than any text's limit: then every text value passes the model's text rule (no
  character XML 1.0 cannot carry, at most 4,000 characters) and its JSON is the text itself
  between quotes (nothing to escape: the split has removed every ``"``).
* **Codes** (prison, category, movement reason, offence, alert) match the model's code
  pattern; those seen are remembered (a bounded cache of codes: reference data, not people's).
* **Dates** read by the decoder's own reading (:func:`~._codec.calendar_date`;
  ``31/12/2999`` is no date); the text of each date read is remembered (a bounded cache).
* **Identifiers** are read by their own types, as the decoder does (a text already in the
  canonical form by its pattern and check character, which is what ``parse`` does to it); a
  PNC's written form must match the model's pattern for it. Identifiers are never remembered.
* **The rest** (gender, the youth flag, the custody status, the height, alerts, marks, the
  address) is read by the decoder's own rules; each value the decoder would report is ``None``.
  Heights read are remembered (a bounded cache).

:func:`clean_body` is the same without the envelope's line: the record's canonical JSON, which
``cjx extract diff`` stores and compares.

The body's fields come in the model's order (the order ``model_dump_json`` writes):
:data:`ORDER` lists what this writer writes, group by group, and a test holds it to the
model's fields. The property tests hold every line it writes to the full path's, byte for
byte, on generated rows, rows with every defect of the generator and rows with random values
in every field; a row it declines costs one pass of the checks above on top of the full path.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Final, NamedTuple

from cjx.model import (
    DEFAULT_CLASSIFICATION,
    BookNumber,
    Clock,
    CroNumber,
    IdentifierError,
    NomsNumber,
    PncId,
    PrisonerRecord,
    Timestamp,
    message_id_text_from_json,
    split_gender,
    system_clock,
)
from cjx.model._open_codes import CODE_PATTERN
from cjx.model._prisoner import BookingStatus

from ._codec import FIRST_EXTRACT_DATE, _height, calendar_date
from ._format import CUSTODY_STATUSES, FIELD_COUNT, FORMAT_NAME, NO_DATE, SYSTEM

__all__ = ["ORDER", "CleanBody", "clean_body", "clean_line"]

#: What the writer writes, in the model's order: the record's fields, then each group's.
ORDER: Final[dict[str, tuple[str, ...]]] = {
    "": (
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
    ),
    "identifiers": ("pnc_number", "cro_number", "book_number", "recorded_identifiers"),
    "personal_details": (
        "first_name",
        "middle_names",
        "last_name",
        "date_of_birth",
        "gender",
        "gender_text",
        "ethnicity",
        "youth_offender",
        "marital_status",
        "religion",
        "nationality",
    ),
    "status": ("booking_status", "category", "imprisonment_status_description"),
    "location": (
        "last_movement_reason_code",
        "last_movement_date",
        "prison_id",
        "prison_name",
        "previous_prison_id",
        "cell_location",
    ),
    "sentence": ("reception_date", "dates", "convicted_offences"),
    "sentence.dates": (
        "sentence_expiry",
        "conditional_release",
        "non_parole",
        "licence_expiry",
        "home_detention_curfew_eligibility",
        "parole_eligibility",
        "home_detention_curfew_actual",
        "topup_supervision_expiry",
        "release_date",
    ),
    "physical_details": (
        "height_centimetres",
        "hair_colour",
        "right_eye_colour",
        "left_eye_colour",
        "facial_hair",
        "shape_of_face",
        "build",
        "marks",
    ),
}

#: Below every text's limit (4,000 characters), so no value of the row can pass it.
_LONGEST_ROW: Final = 4000
_CACHE_LIMIT: Final = 100_000
_CODE: Final = re.compile(CODE_PATTERN)
#: The printable ASCII characters (space to ``~``) but the backslash, as bytes.
_PRINTABLE_ASCII: Final = bytes(c for c in range(0x20, 0x7F) if c != ord("\\"))
_PNC_TEXT: Final = re.compile(r"[0-9A-Za-z/ ]{1,64}")
_BOOKINGS: Final = {
    text: BookingStatus.model_validate({"activity": activity, "in_out": in_out}).model_dump_json()
    for text, (activity, in_out) in CUSTODY_STATUSES.items()
}
_YOUTH: Final = {"YP": "true", "N": "false"}
#: Sentence key dates (SentenceDates order): ``(index, JSON before the date, JSON after it)``;
#: all but the release date are SentenceDates (``{"reported": ...}``).
_KEY_DATES: Final = tuple(
    (
        position - 1,
        f'"{name}":{{"reported":"' if reported else f'"{name}":"',
        '"}' if reported else '"',
    )
    for name, position, reported in (
        ("sentence_expiry", 67, True),
        ("conditional_release", 71, True),
        ("non_parole", 72, True),
        ("licence_expiry", 73, True),
        ("home_detention_curfew_eligibility", 68, True),
        ("parole_eligibility", 70, True),
        ("home_detention_curfew_actual", 69, True),
        ("topup_supervision_expiry", 153, True),
        ("release_date", 65, False),
    )
)
_TYPE: Final = PrisonerRecord.message_type
_HEAD: Final = (
    f'"message_type":"{_TYPE}","schema_version":"{PrisonerRecord.schema_version}","occurred_at":"'
)
_SOURCE: Final = f'"source":{{"system":"{SYSTEM}","format":"{FORMAT_NAME}"}},"subject":['
_CLASSIFICATION: Final = f'"classification":"{DEFAULT_CLASSIFICATION}","body":'

#: Codes seen to match the pattern (`x in _codes or _is_code(x)`: no call for a known one).
_codes: set[str] = set()
_dates: dict[str, str] = {}
#: Height text (``1.78``) -> its JSON member (a few hundred distinct values in an estate).
_heights: dict[str, str] = {}


def _is_code(text: str) -> bool:
    if _CODE.fullmatch(text) is None:
        return False
    if len(_codes) >= _CACHE_LIMIT:
        _codes.clear()
    _codes.add(text)
    return True


def _iso(text: str) -> str | None:
    """``YYYY-MM-DD`` for a ``DD/MM/YYYY`` calendar date, else ``None``."""
    iso = _dates.get(text)
    if iso is None:
        date = calendar_date(text)
        if date is None:
            return None
        iso = date.isoformat()
        if len(_dates) >= _CACHE_LIMIT:
            _dates.clear()
        _dates[text] = iso
    return iso


def _identifier(
    kind: type[NomsNumber] | type[BookNumber] | type[CroNumber] | type[PncId], text: str
) -> str:
    """``str(kind.parse(text))``: a text already in the identifier's canonical form (as nearly
    every row's are) is checked by the form's pattern and the check character alone, which is
    what ``parse`` does to it (a test holds the two equal)."""
    if kind._form.fullmatch(text) is not None:
        kind._check(text)
        return text
    return str(kind.parse(text))


@lru_cache(maxsize=64)
def _extract_date(text: str) -> tuple[str, str] | None:
    """An extract date's ``YYYY-MM-DD`` and the envelope's ``occurred_at`` for it (``None``
    when it is not one the decoder reads)."""
    from cjx_nomis_cde import extract_instant  # noqa: PLC0415

    iso = _iso(text) if text != NO_DATE else None
    if iso is None or dt.date.fromisoformat(iso) < FIRST_EXTRACT_DATE:
        return None
    return iso, extract_instant(dt.date.fromisoformat(iso)).isoformat()


@lru_cache(maxsize=64)
def _gender(text: str) -> str:
    gender, gender_text = split_gender(text)
    parts = []
    if gender is not None:
        parts.append(f'"gender":"{gender.value}"')
    if gender_text is not None:
        parts.append(f'"gender_text":"{gender_text}"')
    return ",".join(parts)


def clean_line(values: list[str], line: str, *, clock: Clock = system_clock) -> bytes | None:
    """The message line of a row (``values``, split from ``line``, the row without its line
    end and its ``"``) when the row is clean, else ``None``: see the module."""
    clean = clean_body(values, line)
    if clean is None:
        return None
    body_json = clean.body
    message_id = message_id_text_from_json(FORMAT_NAME, None, _TYPE, body_json)
    if clock is system_clock:  # UTC: datetime's own text is the Timestamp's
        produced = dt.datetime.now(dt.UTC).isoformat()
    else:
        produced = Timestamp.from_datetime(clock()).isoformat()
    return (
        f'{{"message_id":"{message_id}",{_HEAD}{clean.occurred}","produced_at":"{produced}",'
        f"{_SOURCE}{clean.subject}],{_CLASSIFICATION}{body_json}}}"
    ).encode()


class CleanBody(NamedTuple):
    """What :func:`clean_body` read of a clean row."""

    noms: str
    """The NOMS number (as the model holds it)."""
    extract_date: str
    """The extract date, ``YYYY-MM-DD``."""
    body: str
    """The record's canonical JSON: ``record.model_dump_json(exclude_none=True)``."""
    occurred: str
    """The envelope's ``occurred_at``."""
    subject: str
    """The envelope's subject identifiers, as JSON objects joined by commas."""


def clean_body(values: list[str], line: str) -> CleanBody | None:
    """The record's canonical JSON and what the envelope needs of a clean row, else ``None``
    (the part of :func:`clean_line` the diff uses)."""
    if len(values) != FIELD_COUNT or len(line) >= _LONGEST_ROW:
        return None
    if line.isascii():
        # printable ASCII but the backslash: nothing is left when those bytes are deleted
        if line.encode().translate(None, _PRINTABLE_ASCII):
            return None
    elif not line.isprintable() or "\\" in line:
        return None
    v = values
    extract = _extract_date(v[0]) if v[0] else None
    noms_text = v[3]
    if extract is None or not noms_text:
        return None
    try:
        noms = _identifier(NomsNumber, noms_text)
        book = _identifier(BookNumber, v[5]) if v[5] else None
        cro = _identifier(CroNumber, v[9]) if v[9] else None
    except IdentifierError:
        return None
    body = [f'{{"noms_number":"{noms}"']
    subject = f'{{"scheme":"NOMS","value":"{noms}"}}'

    # identifiers
    parts: list[str] = []
    if v[47]:
        recorded = []
        first = None
        for item in v[47].split("~"):
            if not _PNC_TEXT.fullmatch(item):
                return None
            try:
                pnc = _identifier(PncId, item)
            except IdentifierError:
                return None
            if first is None:
                first = pnc
                if item == pnc:
                    parts.append(f'"pnc_number":{{"pnc":"{pnc}"}}')
                else:
                    parts.append(f'"pnc_number":{{"pnc":"{pnc}","written":"{item}"}}')
            recorded.append(f'{{"type":"PNC","value":"{item}"}}')
        subject += f',{{"scheme":"PNC","value":"{first}"}}'
    if cro is not None:
        parts.append(f'"cro_number":"{cro}"')
        subject += f',{{"scheme":"CRO","value":"{cro}"}}'
    if book is not None:
        parts.append(f'"book_number":"{book}"')
    if v[47]:
        parts.append(f'"recorded_identifiers":[{",".join(recorded)}]')
    if parts:
        body.append(f'"identifiers":{{{",".join(parts)}}}')

    # personal details
    parts = []
    if v[7]:
        parts.append(f'"first_name":"{v[7]}"')
    if v[8]:
        parts.append(f'"middle_names":"{v[8]}"')
    if v[6]:
        parts.append(f'"last_name":"{v[6]}"')
    if v[12] and v[12] != NO_DATE:
        iso = _dates.get(v[12]) or _iso(v[12])
        if iso is None:
            return None
        parts.append(f'"date_of_birth":"{iso}"')
    if v[4]:
        gender = _gender(v[4])
        if gender:
            parts.append(gender)
    if v[14]:
        parts.append(f'"ethnicity":"{v[14]}"')
    if v[10]:
        youth = _YOUTH.get(v[10])
        if youth is None:
            return None
        parts.append(f'"youth_offender":{youth}')
    if v[16]:
        parts.append(f'"marital_status":"{v[16]}"')
    if v[15]:
        parts.append(f'"religion":"{v[15]}"')
    if v[13]:
        parts.append(f'"nationality":"{v[13]}"')
    if parts:
        body.append(f'"personal_details":{{{",".join(parts)}}}')

    # alerts
    if v[147]:
        alerts = []
        for item in v[147].split("~"):
            kind, sep, code = item.partition("-")
            if not (
                sep and (kind in _codes or _is_code(kind)) and (code in _codes or _is_code(code))
            ):
                return None
            alerts.append(f'{{"alert_type":"{kind}","alert_code":"{code}","active":true}}')
        body.append(f'"alerts":[{",".join(alerts)}]')

    # status
    parts = []
    if v[23]:
        booking = _BOOKINGS.get(v[23])
        if booking is None:
            return None
        parts.append(f'"booking_status":{booking}')
    if v[25]:
        if not (v[25] in _codes or _is_code(v[25])):
            return None
        parts.append(f'"category":"{v[25]}"')
    if v[24]:
        parts.append(f'"imprisonment_status_description":"{v[24]}"')
    if parts:
        body.append(f'"status":{{{",".join(parts)}}}')

    # location
    parts = []
    if v[139]:
        if not (v[139] in _codes or _is_code(v[139])):
            return None
        parts.append(f'"last_movement_reason_code":"{v[139]}"')
    if v[135] and v[135] != NO_DATE:
        iso = _dates.get(v[135]) or _iso(v[135])
        if iso is None:
            return None
        parts.append(f'"last_movement_date":"{iso}"')
    if v[2]:
        if not (v[2] in _codes or _is_code(v[2])):
            return None
        parts.append(f'"prison_id":"{v[2]}"')
    if v[1]:
        parts.append(f'"prison_name":"{v[1]}"')
    if v[133]:
        if not (v[133] in _codes or _is_code(v[133])):
            return None
        parts.append(f'"previous_prison_id":"{v[133]}"')
    if v[18]:
        parts.append(f'"cell_location":"{v[18]}"')
    if parts:
        body.append(f'"location":{{{",".join(parts)}}}')

    # sentence
    parts = []
    if v[22] and v[22] != NO_DATE:
        iso = _dates.get(v[22]) or _iso(v[22])
        if iso is None:
            return None
        parts.append(f'"reception_date":"{iso}"')
    dates = []
    for index, head, tail in _KEY_DATES:
        text = v[index]
        if text and text != NO_DATE:
            iso = _dates.get(text) or _iso(text)
            if iso is None:
                return None
            dates.append(f"{head}{iso}{tail}")
    if dates:
        parts.append(f'"dates":{{{",".join(dates)}}}')
    if v[42] or v[146]:
        offences = []
        for text, primary in ((v[42], "true"), (v[146], "false")):
            if text:
                for code in text.split("~"):
                    if not (code in _codes or _is_code(code)):
                        return None
                    offences.append(f'{{"offence_code":"{code}","primary_sentence":{primary}}}')
        parts.append(f'"convicted_offences":[{",".join(offences)}]')
    if parts:
        body.append(f'"sentence":{{{",".join(parts)}}}')

    # incentive level
    if v[19]:
        body.append(f'"incentive_level":{{"level":{{"description":"{v[19]}"}}}}')

    # physical details
    parts = []
    if v[53]:
        height = _heights.get(v[53])
        if height is None:
            centimetres = _height(v[53])
            if centimetres is None:
                return None
            if len(_heights) >= _CACHE_LIMIT:
                _heights.clear()
            height = _heights[v[53]] = f'"height_centimetres":{centimetres}'
        parts.append(height)
    if v[55]:
        parts.append(f'"hair_colour":"{v[55]}"')
    if v[57]:
        parts.append(f'"right_eye_colour":"{v[57]}"')
    if v[56]:
        parts.append(f'"left_eye_colour":"{v[56]}"')
    if v[60]:
        parts.append(f'"facial_hair":"{v[60]}"')
    if v[59]:
        parts.append(f'"shape_of_face":"{v[59]}"')
    if v[58]:
        parts.append(f'"build":"{v[58]}"')
    if v[61] or v[62]:
        marks = [
            f'{{"body_part":"{part}","comment":"{comment}"}}'
            for part, text in (("Head", v[61]), ("Body", v[62]))
            if text
            for comment in text.split("~")
        ]
        parts.append(f'"marks":[{",".join(marks)}]')
    if parts:
        body.append(f'"physical_details":{{{",".join(parts)}}}')

    # contact details: the home address
    home = v[93:100]
    if any(home):
        parts = []
        lines = ", ".join(filter(None, home[:5]))
        if lines:
            parts.append(f'"full_address":"{lines}"')
        if home[5]:
            parts.append(f'"postal_code":"{home[5]}"')
        parts.append('"primary_address":true')
        if home[6]:
            parts.append(f'"phone_numbers":[{{"number":"{home[6]}"}}]')
        body.append(f'"contact_details":{{"addresses":[{{{",".join(parts)}}}]}}')

    return CleanBody(noms, extract[0], ",".join(body) + "}", extract[1], subject)
