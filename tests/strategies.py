"""Shared hypothesis strategies: valid canonical messages and their parts.

Every strategy here produces values the model accepts as they are, in canonical form, so that
``parse(x) == x`` and a round trip through either wire form gives back an equal model:

* identifiers are built from their parts, with the check character computed by
  :func:`cjx.model.check_character` (never by copying the code under test);
* timestamps are written as text with 0 to 9 fraction digits and ``Z`` or an offset, and parsed;
  wall-clock timestamps (version 1.1) are Europe/London wall-clock times built with ``zoneinfo``
  (never with the code under test), to the minute, second or fraction, skipping the
  spring-forward gap and taking the earlier instant of the autumn fold, as a source's would be;
* open codes (version 1.1) are a known member or any other code token;
* text is any Unicode XML 1.0 can carry (no C0 controls but tab, newline and carriage return, no
  surrogates, no U+FFFE/U+FFFF), within the model's length limits;
* envelopes come from :func:`cjx.model.make_envelope` with :data:`FIXED_CLOCK`.

Settings: the ``cjx`` profile (modest example counts, no deadline; slow CI machines vary) is
loaded unless ``HYPOTHESIS_PROFILE`` names another registered one (``cjx-thorough``).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import string
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cjx.model import (
    CODE_PATTERN,
    LONDON,
    Address,
    AlcoholLevel,
    Asn,
    BailStatus,
    Body,
    BookNumber,
    CaseResulted,
    CodedValue,
    CourtCase,
    Crn,
    CroNumber,
    CurrentLocation,
    CurrentPrisonStatus,
    Defendant,
    Duration,
    DurationUnit,
    Envelope,
    Finding,
    Gender,
    Hearing,
    IdentifiersLinked,
    KeyDate,
    KeyDateCode,
    KeyDatesReplaced,
    NextHearing,
    NomsNumber,
    NonDtoReleaseDateType,
    Offence,
    OffenceCode,
    OffenceDateCode,
    Organisation,
    OuCode,
    Person,
    PersonMerged,
    Plea,
    PncId,
    Presence,
    PrisonerReceived,
    PrisonerReleased,
    PrisonId,
    PtiUrn,
    ReceiveReason,
    RegistrationAdded,
    ReleaseDates,
    ReleaseReason,
    Result,
    SentenceDate,
    SentenceDates,
    SentenceDatesChanged,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    check_character,
    make_envelope,
)

settings.register_profile(
    "cjx",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("cjx-thorough", settings.get_profile("cjx"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cjx"))

T = TypeVar("T")

#: ``produced_at`` of every generated envelope, so that equal inputs give equal messages.
FIXED_INSTANT = dt.datetime(2024, 6, 11, 17, 36, 56, 123456, tzinfo=dt.UTC)


def FIXED_CLOCK() -> dt.datetime:
    return FIXED_INSTANT


DIGITS = string.digits
UPPER = string.ascii_uppercase
UPPER_DIGITS = UPPER + DIGITS


def chars(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=size, max_size=size)


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


# --- identifiers ----------------------------------------------------------------------------


@st.composite
def asn_texts(draw: st.DrawFn, *, long_form: bool | None = None) -> str:
    """A valid ASN in canonical form: 20 characters, or 21 with a top-level OU letter."""
    year = draw(chars(DIGITS, 2))
    long = draw(st.booleans()) if long_form is None else long_form
    top = draw(chars(UPPER_DIGITS, 1)) if long else ""
    force = draw(st.one_of(chars(DIGITS, 2), chars(UPPER_DIGITS, 2)))
    unit = draw(chars(UPPER_DIGITS, 2))
    system = draw(st.one_of(chars(DIGITS, 2), chars(UPPER_DIGITS, 2)))
    sequence = draw(chars(DIGITS, 11))
    number = (
        (force if force.isdigit() else "") + (system if system.isdigit() else "") + year + sequence
    )
    return f"{year}{top}{force}{unit}{system}{sequence}{check_character(number)}"


@st.composite
def pnc_texts(draw: st.DrawFn) -> str:
    """A valid PNC ID, ``YYYY/NNNNNNNC``."""
    year = draw(st.integers(1900, 2099))
    serial = draw(chars(DIGITS, 7))
    return f"{year}/{serial}{check_character(f'{year % 100:02d}{serial}')}"


@st.composite
def cro_texts(draw: st.DrawFn) -> str:
    """A valid CRO number, standard ``N{1,6}/YYC`` or ``SFYY/N{1,6}C``."""
    year = draw(chars(DIGITS, 2))
    serial = draw(st.text(DIGITS, min_size=1, max_size=6))
    if draw(st.booleans()):
        return f"SF{year}/{serial}{check_character(year + serial)}"
    return f"{serial}/{year}{check_character(year + serial.rjust(6, '0'))}"


noms_texts = st.builds(
    lambda a, b, c: a + b + c, chars(UPPER, 1), chars(DIGITS, 4), chars(UPPER, 2)
)
crn_texts = st.builds(lambda a, b: a + b, chars(UPPER, 1), chars(DIGITS, 6))
pti_urn_texts = st.builds(
    lambda a, b: a + b, chars(UPPER_DIGITS, 4), st.text(DIGITS, min_size=3, max_size=7)
)
ou_code_texts = st.builds(
    lambda a, b: a + b,
    st.text("ABCDEFGHIJZ" + DIGITS, max_size=1),
    chars(UPPER_DIGITS, 6),
)
prison_id_texts = chars(UPPER, 3)
book_number_texts = chars(UPPER_DIGITS, 6)
offence_code_texts = st.text(UPPER_DIGITS, min_size=1, max_size=8)

asns = asn_texts().map(Asn.parse)
pnc_ids = pnc_texts().map(PncId.parse)
cro_numbers = cro_texts().map(CroNumber.parse)
noms_numbers = noms_texts.map(NomsNumber.parse)
crns = crn_texts.map(Crn.parse)
pti_urns = pti_urn_texts.map(PtiUrn.parse)
ou_codes = ou_code_texts.map(OuCode.parse)
prison_ids = prison_id_texts.map(PrisonId.parse)
offence_codes = offence_code_texts.map(OffenceCode.parse)
book_numbers = book_number_texts.map(BookNumber.parse)
#: NOMIS booking ids: any 64-bit integer, negative ones included (prison-api's test data).
booking_ids = st.integers(-(2**63), 2**63 - 1)

#: (identifier type, strategy of valid canonical texts) for every checked identifier.
IDENTIFIER_TEXTS: dict[str, tuple[type[Any], st.SearchStrategy[str]]] = {
    "asn": (Asn, asn_texts()),
    "pnc": (PncId, pnc_texts()),
    "cro": (CroNumber, cro_texts()),
    "noms": (NomsNumber, noms_texts),
    "crn": (Crn, crn_texts),
    "pti-urn": (PtiUrn, pti_urn_texts),
    "ou-code": (OuCode, ou_code_texts),
    "prison-id": (PrisonId, prison_id_texts),
    "offence-code": (OffenceCode, offence_code_texts),
    "book-number": (BookNumber, book_number_texts),
}

# --- time -----------------------------------------------------------------------------------

#: Offsets in minutes east of UTC: every value the model accepts (up to 23:59 either way).
offset_minutes = st.integers(-(23 * 60 + 59), 23 * 60 + 59)


@st.composite
def timestamp_texts(draw: st.DrawFn) -> str:
    """An RFC 3339 text with 0 to 9 fraction digits and ``Z`` or an offset (never naive)."""
    moment = draw(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
    text = moment.replace(microsecond=0).isoformat(timespec="seconds")
    digits = draw(st.integers(0, 9))
    if digits:
        text += "." + draw(chars(DIGITS, digits))
    if draw(st.booleans()):
        return text + "Z"
    minutes = draw(offset_minutes)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{rest:02d}"


timestamps = timestamp_texts().map(Timestamp.parse)


@st.composite
def wall_clock_timestamps(draw: st.DrawFn) -> Timestamp:
    """A Europe/London wall-clock time as a source writes it, read as a timestamp: the offset
    London had then, to the minute, the second or 1 to 9 fraction digits. Wall-clock times the
    spring-forward gap skips are not drawn; the fold gives its earlier instant (fold=0)."""
    naive = draw(
        st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2199, 12, 31))
    )
    precision = draw(st.sampled_from(["minutes", "seconds", "fraction"]))
    naive = naive.replace(microsecond=0)
    if precision == "minutes":
        naive = naive.replace(second=0)
    aware = naive.replace(tzinfo=LONDON)
    if aware.astimezone(dt.UTC).astimezone(LONDON).replace(tzinfo=None) != naive:
        naive += dt.timedelta(hours=1)  # out of the gap (it is at most an hour long)
        aware = naive.replace(tzinfo=LONDON)
    digits = draw(st.integers(1, 9)) if precision == "fraction" else 0
    nanos = draw(st.integers(0, 10**digits - 1)) * 10 ** (9 - digits) if digits else 0
    return Timestamp(aware, nanos=nanos, digits=digits, seconds=precision != "minutes")


dates = st.dates()
times = st.times().map(lambda t: t.replace(microsecond=0))

# --- text -----------------------------------------------------------------------------------

#: Characters XML 1.0 cannot carry: C0 controls but tab, newline, carriage return; U+FFFE/F.
NOT_XML_CHARACTERS = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"
xml_characters = st.characters(exclude_categories=["Cs"], exclude_characters=NOT_XML_CHARACTERS)


def texts(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Unicode text XML 1.0 can carry (the model's limits are larger than ``max_size``)."""
    return st.text(xml_characters, min_size=min_size, max_size=max_size)


short_texts = texts(1, 30)
free_texts = texts(0, 60)
digit_ids = st.text(DIGITS, min_size=1, max_size=20)

# --- envelope parts -------------------------------------------------------------------------

sources = st.builds(
    Source,
    system=texts(1, 20),
    format=st.from_regex(r"[a-z0-9][a-z0-9.-]{0,20}", fullmatch=True),
    organisation=optional(ou_codes),
)


def _subject(scheme: SubjectScheme, values: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return values.map(lambda v: SubjectId(scheme=scheme, value=v))


subject_ids = st.one_of(
    _subject(SubjectScheme.ASN, asn_texts()),
    _subject(SubjectScheme.PNC, pnc_texts()),
    _subject(SubjectScheme.CRO, cro_texts()),
    _subject(SubjectScheme.NOMS, noms_texts),
    _subject(SubjectScheme.CRN, crn_texts),
    _subject(SubjectScheme.BOOKING, digit_ids),
    _subject(SubjectScheme.PERSON, texts(1, 64)),
)

E = TypeVar("E", bound=enum.StrEnum)


def open_codes(codes: type[E]) -> st.SearchStrategy[E | str]:
    """A code of an open list: a known member, or any other code token (kept as sent)."""
    known = {m.value for m in codes}
    unknown = st.from_regex(CODE_PATTERN, fullmatch=True).filter(lambda t: t not in known)
    return st.one_of(st.sampled_from(codes), unknown)


# --- court.case-resulted --------------------------------------------------------------------

amounts = st.integers(0, 10**12 - 1).map(lambda n: Decimal(n).scaleb(-2))

hearings = st.builds(
    Hearing,
    court=ou_codes,
    psa_code=st.integers(0, 99999),
    date=dates,
    time=times,
)

people = st.builds(
    Person,
    title=optional(short_texts),
    given_names=st.lists(short_texts, max_size=3).map(tuple),
    family_name=short_texts,
    birth_date=optional(dates),
    gender=st.sampled_from(Gender),
    nationality=optional(short_texts),
    email_addresses=st.lists(short_texts, max_size=2).map(tuple),
    telephone_home=optional(short_texts),
    telephone_business=optional(short_texts),
    telephone_mobile=optional(short_texts),
)

organisations = st.builds(Organisation, name=short_texts)

addresses = st.one_of(
    st.builds(Address, lines=st.lists(short_texts, max_size=5).map(tuple)),
    st.builds(
        Address,
        paon=optional(short_texts),
        street=optional(short_texts),
        locality=optional(short_texts),
        town=optional(short_texts),
        usrn=optional(short_texts),
        administrative_area=optional(short_texts),
        postcode=optional(short_texts),
    ),
)


@st.composite
def defendants(draw: st.DrawFn) -> Defendant:
    is_person = draw(st.booleans())
    return Defendant(
        asn=draw(asns),
        pnc_id=draw(optional(pnc_ids)),
        person=draw(people) if is_person else None,
        organisation=None if is_person else draw(organisations),
        address=draw(addresses),
        presence=draw(st.sampled_from(Presence)),
        bail_status=draw(st.sampled_from(BailStatus)),
        bail_conditions=draw(optional(free_texts)),
        reason_for_bail_conditions_or_custody=draw(optional(free_texts)),
    )


durations = st.builds(
    Duration,
    value=optional(st.integers(0, 10**6)),
    unit=optional(st.sampled_from(DurationUnit)),
    secondary_value=optional(st.integers(0, 10**6)),
    secondary_unit=optional(st.sampled_from(DurationUnit)),
    start_dates=st.lists(dates, max_size=2).map(tuple),
    end_dates=st.lists(dates, max_size=2).map(tuple),
)

next_hearings = st.builds(
    NextHearing,
    court=optional(ou_codes),
    date=dates,
    time=times,
    reason=optional(free_texts),
    bail_status=optional(st.sampled_from(BailStatus)),
)

results = st.builds(
    Result,
    code=optional(st.integers(1000, 9999)),
    text=free_texts,
    qualifiers=st.lists(st.text(UPPER_DIGITS, min_size=1, max_size=2), max_size=3).map(tuple),
    amount=optional(amounts),
    penalty_points=optional(st.integers(0, 99)),
    duration=optional(durations),
    next_hearing=optional(next_hearings),
)

offences = st.builds(
    Offence,
    sequence=st.integers(0, 999),
    code=offence_codes,
    wording=free_texts,
    title=optional(free_texts),
    date_code=st.sampled_from(OffenceDateCode),
    start_date=dates,
    start_time=optional(times),
    end_date=optional(dates),
    end_time=optional(times),
    location=optional(free_texts),
    arrest_date=optional(dates),
    charge_date=optional(dates),
    alcohol_level=optional(
        st.builds(AlcoholLevel, amount=st.integers(0, 10**4), method=chars(UPPER, 1))
    ),
    recorded_conviction_date=optional(dates),
    initiated_date=dates,
    plea=st.sampled_from(Plea),
    plea_source_code=optional(chars(DIGITS, 1)),
    mode_of_trial=optional(st.sampled_from([f"0{n}" for n in range(1, 10)])),
    final_disposal=st.booleans(),
    conviction_date=optional(dates),
    convicting_court=optional(st.integers(0, 99999)),
    finding=optional(st.sampled_from(Finding)),
    results=st.lists(results, max_size=3).map(tuple),
)

case_resulted_bodies = st.builds(
    CaseResulted,
    hearing=hearings,
    case=st.builds(CourtCase, pti_urn=pti_urns),
    defendant=defendants(),
    offences=st.lists(offences, max_size=3).map(tuple),
)

# --- events ---------------------------------------------------------------------------------

_event_fields: dict[str, st.SearchStrategy[Any]] = {
    "event_version": st.integers(1, 10),
    "description": optional(free_texts),
    "published_at": optional(timestamps),
    "detail_url": optional(texts(1, 80)),
}
_movement_fields: dict[str, st.SearchStrategy[Any]] = {
    **_event_fields,
    "noms_number": noms_numbers,
    "prison_id": prison_ids,
    "current_location": st.sampled_from(CurrentLocation),
    "current_prison_status": st.sampled_from(CurrentPrisonStatus),
    "movement_reason_code": texts(0, 16),
    "details": free_texts,
}

prisoner_received_bodies = st.builds(
    PrisonerReceived, reason=st.sampled_from(ReceiveReason), **_movement_fields
)
prisoner_released_bodies = st.builds(
    PrisonerReleased, reason=st.sampled_from(ReleaseReason), **_movement_fields
)
sentence_dates_changed_bodies = st.builds(
    SentenceDatesChanged,
    noms_number=noms_numbers,
    booking_id=digit_ids,
    sentence_calculation_id=digit_ids,
    **_event_fields,
)
person_merged_bodies = st.builds(
    PersonMerged,
    retained_noms_number=noms_numbers,
    removed_noms_number=noms_numbers,
    booking_id=digit_ids,
    **_event_fields,
)
identifiers_linked_bodies = st.builds(
    IdentifiersLinked,
    crn=crns,
    noms_number=noms_numbers,
    booking_number=texts(0, 16),
    **_event_fields,
)
coded_values = st.builds(CodedValue, code=texts(0, 64), description=free_texts)
registration_added_bodies = st.builds(
    RegistrationAdded,
    crn=crns,
    register_type=coded_values,
    category=coded_values,
    level=coded_values,
    registration_id=digit_ids,
    registration_date=timestamps,
    created_at=timestamps,
    **_event_fields,
)

# --- version 1.1: custody.release-dates ----------------------------------------------------


@st.composite
def sentence_dates(draw: st.DrawFn) -> SentenceDate:
    """One NOMIS sentence date: a non-empty choice of reported, calculated and override."""
    parts = draw(
        st.sets(st.sampled_from(["reported", "calculated", "override"]), min_size=1, max_size=3)
    )
    return SentenceDate(**{part: draw(dates) for part in parts})


sentence_date_sets = st.builds(
    SentenceDates,
    **{
        name: optional(sentence_dates())
        for name, info in SentenceDates.model_fields.items()
        if "SentenceDate" in str(info.annotation)
    },
    sentence_start_date=optional(dates),
    non_dto_release_date=optional(dates),
    non_dto_release_date_type=optional(open_codes(NonDtoReleaseDateType)),
    confirmed_release_date=optional(dates),
    release_date=optional(dates),
    topup_supervision_start_date=optional(dates),
    home_detention_curfew_end_date=optional(dates),
    additional_days_awarded=optional(st.integers(-(2**31), 2**31 - 1)),
)

release_dates_bodies = st.builds(ReleaseDates, booking_id=booking_ids, dates=sentence_date_sets)

# --- version 1.1: probation.key-dates-replaced ----------------------------------------------


@st.composite
def key_dates_replaced_bodies(draw: st.DrawFn) -> KeyDatesReplaced:
    """A replacement: a non-empty scope of distinct codes, and dates for some of them."""
    scope = draw(st.lists(open_codes(KeyDateCode), min_size=1, max_size=12, unique_by=str))
    dated = draw(st.lists(st.sampled_from(scope), max_size=len(scope), unique_by=str))
    return KeyDatesReplaced(
        noms_number=draw(noms_numbers),
        book_number=draw(book_numbers),
        scope=tuple(scope),
        key_dates=tuple(KeyDate(code=code, date=draw(dates)) for code in dated),
    )


#: A strategy of valid bodies for every message type of version 1.
BODIES: dict[str, st.SearchStrategy[Any]] = {
    CaseResulted.message_type: case_resulted_bodies,
    PrisonerReceived.message_type: prisoner_received_bodies,
    PrisonerReleased.message_type: prisoner_released_bodies,
    SentenceDatesChanged.message_type: sentence_dates_changed_bodies,
    PersonMerged.message_type: person_merged_bodies,
    IdentifiersLinked.message_type: identifiers_linked_bodies,
    RegistrationAdded.message_type: registration_added_bodies,
    # 1.1
    ReleaseDates.message_type: release_dates_bodies,
    KeyDatesReplaced.message_type: key_dates_replaced_bodies(),
}
bodies: st.SearchStrategy[Body] = st.one_of(*BODIES.values())


@st.composite
def envelopes(draw: st.DrawFn, body: st.SearchStrategy[Body] | None = None) -> Envelope[Any]:
    """A valid envelope around a body (any message type unless ``body`` is given)."""
    return make_envelope(
        draw(bodies if body is None else body),
        occurred_at=draw(timestamps),
        source=draw(sources),
        subject=draw(st.lists(subject_ids, max_size=4)),
        correlation_id=draw(optional(texts(1, 40))),
        causation_id=draw(optional(st.uuids())),
        classification=draw(st.sampled_from(["OFFICIAL-SENSITIVE", "OFFICIAL"]) | texts(1, 20)),
        clock=FIXED_CLOCK,
    )


def envelopes_of(message_type: str) -> st.SearchStrategy[Envelope[Any]]:
    return envelopes(BODIES[message_type])


# --- hostile input: documents with parts replaced or removed ---------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def _locations(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [loc]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _locations(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _locations(value, (*loc, index))
    return found


@st.composite
def mutated_json(draw: st.DrawFn, document: Any) -> Any:
    """A copy of ``document`` (a JSON value) with one to three members replaced or removed."""
    document = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        locations = _locations(document)[1:]
        if not locations:
            break
        *parents, last = draw(st.sampled_from(locations))
        parent = document
        for step in parents:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[last]
        else:
            parent[last] = draw(json_values)
    return document


__all__ = [
    "BODIES",
    "FIXED_CLOCK",
    "FIXED_INSTANT",
    "IDENTIFIER_TEXTS",
    "NOT_XML_CHARACTERS",
    "asn_texts",
    "asns",
    "book_number_texts",
    "book_numbers",
    "booking_ids",
    "json_values",
    "key_dates_replaced_bodies",
    "mutated_json",
    "open_codes",
    "release_dates_bodies",
    "sentence_date_sets",
    "sentence_dates",
    "wall_clock_timestamps",
    "bodies",
    "cro_texts",
    "crn_texts",
    "envelopes",
    "envelopes_of",
    "noms_texts",
    "pnc_texts",
    "texts",
    "timestamp_texts",
    "timestamps",
]
