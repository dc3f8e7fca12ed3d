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
    BLANK_PLACE,
    CODE_PATTERN,
    LONDON,
    AddedIdentifier,
    AdditionalCondition,
    AdditionalConditionType,
    AdditionalSentence,
    Address,
    AlcoholLevel,
    ApConditions,
    Asn,
    BailStatus,
    BespokeCondition,
    Body,
    BodyPartDetail,
    BookingActivity,
    BookingStatus,
    BookNumber,
    CaseResulted,
    ChangeGroup,
    CodedValue,
    ContactDetails,
    ConvictedOffence,
    ConvictedStatus,
    Conviction,
    CourtCase,
    Crn,
    CroNumber,
    CurrentIncentive,
    CurrentLocation,
    CurrentPrisonStatus,
    CustodialStatus,
    CustodialStatusValue,
    CustodyKeyDates,
    CustodyRecord,
    Defendant,
    DeliusCode,
    DeliusCourt,
    DeliusCourtAppearance,
    DeliusCustody,
    DeliusInstitution,
    DeliusLicenceCondition,
    DeliusLicenceConditions,
    DeliusOffence,
    DeliusOffenceDetail,
    DeliusOrderManager,
    DeliusSentence,
    DeliusSentenceStatus,
    Duration,
    DurationUnit,
    ElectronicMonitoringType,
    Envelope,
    Finding,
    Gender,
    Hearing,
    HomeOfficeOffenceCode,
    IdentifiersLinked,
    IncentiveLevel,
    InOutStatus,
    KeyDate,
    KeyDateCode,
    KeyDatesReplaced,
    LegalStatus,
    LengthUnit,
    LicenceConditions,
    LicenceKind,
    LicenceRecord,
    LicenceStatus,
    LicenceType,
    NextHearing,
    NomisIdentifierType,
    NomsNumber,
    NonDtoReleaseDateType,
    Offence,
    OffenceCode,
    OffenceDateCode,
    Organisation,
    OuCode,
    Person,
    PersonalCareNeed,
    PersonalDetails,
    PersonMerged,
    PhysicalDetails,
    Plea,
    PncId,
    PolicyVersion,
    Presence,
    PrisonerAddress,
    PrisonerAlert,
    PrisonerAlias,
    PrisonerEmailAddress,
    PrisonerIdentifiers,
    PrisonerLanguage,
    PrisonerLeftExtract,
    PrisonerLocation,
    PrisonerPhoneNumber,
    PrisonerReceived,
    PrisonerRecord,
    PrisonerReleased,
    PrisonerSentence,
    PrisonerStatus,
    PrisonId,
    PssConditions,
    PtiUrn,
    ReceiveReason,
    RecordedIdentifier,
    RegistrationAdded,
    ReleaseDates,
    ReleaseReason,
    RestrictedPatient,
    Result,
    SentenceDate,
    SentenceDates,
    SentenceDatesChanged,
    SmokerStatus,
    Source,
    StandardCondition,
    SubjectEnriched,
    SubjectId,
    SubjectScheme,
    Timestamp,
    UnpaidWork,
    UnpaidWorkAppointments,
    WrittenPnc,
    check_character,
    make_envelope,
    split_gender,
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


def _in_places(items: list[str | None]) -> tuple[str, ...]:
    while items and items[-1] is None:
        items.pop()
    return tuple(BLANK_PLACE if item is None else item for item in items)


def places(items: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[tuple[str, ...]]:
    """Text in numbered places (address lines, given names): often sparse, with the blank place
    for an absent one anywhere but last (lines 1, 2 and 5 are ``("l1", "l2", " ", " ", "l5")``)."""
    return st.lists(optional(items), max_size=max_size).map(_in_places)


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
ho_offence_code_texts = chars(DIGITS, 5)

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
ho_offence_codes = ho_offence_code_texts.map(HomeOfficeOffenceCode.parse)
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
    "ho-offence-code": (HomeOfficeOffenceCode, ho_offence_code_texts),
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

#: SPI AddressLine1 to AddressLine5 as the model holds them: sparse more often than not.
sparse_address_lines = places(short_texts, 5)

people = st.builds(
    Person,
    title=optional(short_texts),
    given_names=places(short_texts, 3),
    family_name=short_texts,
    birth_date=optional(dates),
    gender=st.sampled_from(Gender),
    nationality=optional(short_texts),
    email_addresses=places(short_texts, 2),
    telephone_home=optional(short_texts),
    telephone_business=optional(short_texts),
    telephone_mobile=optional(short_texts),
)

organisations = st.builds(Organisation, name=short_texts)

addresses = st.one_of(
    st.builds(Address, lines=sparse_address_lines),
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


# --- version 1.1: licence.licence-record ----------------------------------------------------

#: CVL ids (Java ``Long``).
long_ids = st.integers(-(2**63), 2**63 - 1)
#: The last day CVL recorded approvals without a time (the next one, 2023-04-01, has times).
_LAST_DAY_ONLY_APPROVAL = dt.date(2023, 3, 31)


def _is_day_only_approval(stamp: Timestamp) -> bool:
    """Europe/London midnight to the second, no fraction, before 2023-04-01 (built here with
    zoneinfo, not with the model's own function)."""
    local = stamp.to_datetime().astimezone(LONDON)
    return (
        stamp.seconds_written
        and stamp.fraction_digits == 0
        and local.time() == dt.time(0)
        and local.date() <= _LAST_DAY_ONLY_APPROVAL
    )


standard_conditions = st.builds(StandardCondition, code=short_texts, text=free_texts)
bespoke_conditions = st.builds(BespokeCondition, text=free_texts)
_UPLOAD_TYPES = (
    AdditionalConditionType.MULTIPLE_EXCLUSION_ZONE,
    AdditionalConditionType.MULTIPLE_UPLOADS,
    AdditionalConditionType.SINGLE_UPLOAD,
)


@st.composite
def additional_conditions(draw: st.DrawFn) -> AdditionalCondition:
    """An additional condition with the members its type has (any of them for a type cjx does
    not know)."""
    kind = draw(open_codes(AdditionalConditionType))
    restrictions: tuple[Any, ...] = ()
    has_image_upload: bool | None = None
    known = isinstance(kind, AdditionalConditionType)
    if kind == AdditionalConditionType.ELECTRONIC_MONITORING or not known:
        restrictions = tuple(draw(st.lists(open_codes(ElectronicMonitoringType), max_size=3)))
    if kind in _UPLOAD_TYPES:
        has_image_upload = draw(st.booleans())
    elif not known:
        has_image_upload = draw(optional(st.booleans()))
    return AdditionalCondition(
        id=draw(long_ids),
        category=draw(free_texts),
        type=kind,
        code=draw(short_texts),
        text=draw(free_texts),
        restrictions=restrictions,
        has_image_upload=has_image_upload,
    )


def _some(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(strategy, max_size=3).map(tuple)


licence_condition_sets = st.builds(
    LicenceConditions,
    ap=st.builds(
        ApConditions,
        standard=_some(standard_conditions),
        additional=_some(additional_conditions()),
        bespoke=_some(bespoke_conditions),
    ),
    pss=st.builds(
        PssConditions,
        standard=_some(standard_conditions),
        additional=_some(additional_conditions()),
    ),
)


@st.composite
def licence_record_bodies(draw: st.DrawFn) -> LicenceRecord:
    """A CVL licence: approved at a time, on a day (before 2023-04-01), or not approved."""
    approval = draw(st.sampled_from(["at", "on", "none"]))
    return LicenceRecord(
        licence_id=draw(long_ids),
        kind=draw(open_codes(LicenceKind)),
        licence_type=draw(open_codes(LicenceType)),
        policy_version=draw(open_codes(PolicyVersion)),
        version=draw(short_texts),
        status=draw(open_codes(LicenceStatus)),
        noms_number=draw(noms_numbers),
        booking_id=draw(booking_ids),
        crn=draw(crns),
        approved_by_username=draw(optional(short_texts)),
        approved_at=draw(
            wall_clock_timestamps().filter(lambda t: not _is_day_only_approval(t))
            if approval == "at"
            else st.none()
        ),
        approved_on=draw(
            st.dates(max_value=_LAST_DAY_ONLY_APPROVAL) if approval == "on" else st.none()
        ),
        created_by_username=draw(short_texts),
        created_at=draw(optional(wall_clock_timestamps())),
        updated_by_username=draw(optional(short_texts)),
        updated_at=draw(optional(wall_clock_timestamps())),
        licence_start_date=draw(optional(dates)),
        in_pss_period=draw(st.booleans()),
        conditions=draw(licence_condition_sets),
    )


# --- version 1.1: custody.prisoner-record ---------------------------------------------------

codes = st.from_regex(CODE_PATTERN, fullmatch=True)
JAVA_CLASS_NAME = r"[A-Za-z_$][A-Za-z0-9_$]{0,20}(\.[A-Za-z_$][A-Za-z0-9_$]{0,20}){0,5}"
record_texts = texts(0, 30)
java_ints = st.integers(-(2**31), 2**31 - 1)
java_longs = st.integers(-(2**63), 2**63 - 1)


@st.composite
def pnc_spellings(draw: st.DrawFn) -> str:
    """A valid PNC ID as a source may write it: canonical, short (``12/394773H``), long with an
    unpadded serial (``2012/394773H``), without the slash, or with a lower-case check letter."""
    text = draw(pnc_texts())
    year, serial, check = text[:4], text[5:12], text[12]
    unpadded = serial.lstrip("0") or "0"
    forms = [text, f"{year}/{unpadded}{check}", f"{year}{serial}{check}", text.lower()]
    century = "20" if int(year[2:]) <= 38 else "19"
    if year[:2] == century:
        forms.append(f"{year[2:]}/{unpadded}{check}")
    return draw(st.sampled_from(forms))


written_pncs = pnc_spellings().map(WrittenPnc.of)
#: Gender texts as sources write them: NOMIS descriptions and codes in any case, or other text.
gender_texts = st.one_of(
    st.sampled_from(
        [
            *("Male", "Female", "Not Known / Not Recorded", "Not Specified (Indeterminate)"),
            *("M", "F", "NK", "NS", "MALE", "female", "Refused"),
        ]
    ),
    texts(1, 20),
)


def _gender_fields(draw: st.DrawFn) -> dict[str, Any]:
    text = draw(optional(gender_texts))
    gender, gender_text = split_gender(text) if text is not None else (None, None)
    return {"gender": gender, "gender_text": gender_text}


def _group(cls: type[T], fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[T]:
    """A group of a prisoner record: its fields drawn, at least one present."""
    return (
        st.fixed_dictionaries(fields)
        .filter(lambda values: any(v is not None for v in values.values()))
        .map(lambda values: cls(**values))
    )


def _lists(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[tuple[T, ...] | None]:
    """An optional list: absent, empty or holding items (the three stay apart)."""
    return optional(st.lists(strategy, max_size=2).map(tuple))


@st.composite
def recorded_identifiers(draw: st.DrawFn) -> RecordedIdentifier:
    kind = draw(open_codes(NomisIdentifierType))
    if kind == NomisIdentifierType.PNC:
        value = draw(pnc_spellings())
    elif kind == NomisIdentifierType.CRO:
        value = draw(cro_texts())
    else:
        value = draw(texts(1, 30))
    return RecordedIdentifier(
        type=kind,
        value=value,
        issued_date=draw(optional(dates)),
        issued_authority_text=draw(optional(record_texts)),
        created_date_time=draw(optional(wall_clock_timestamps())),
    )


#: The fields an alias shares with the person's details (but gender, drawn as a pair).
_IDENTITY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": optional(record_texts),
    "first_name": optional(record_texts),
    "middle_names": optional(record_texts),
    "last_name": optional(record_texts),
    "date_of_birth": optional(dates),
    "ethnicity": optional(record_texts),
    "race_code": optional(codes),
}


@st.composite
def prisoner_aliases(draw: st.DrawFn) -> PrisonerAlias:
    return PrisonerAlias(**draw(st.fixed_dictionaries(_IDENTITY_FIELDS)), **_gender_fields(draw))


@st.composite
def personal_details(draw: st.DrawFn) -> PersonalDetails:
    fields = {
        **_IDENTITY_FIELDS,
        "youth_offender": optional(st.booleans()),
        "marital_status": optional(record_texts),
        "religion": optional(record_texts),
        "nationality": optional(record_texts),
        "smoker": optional(open_codes(SmokerStatus)),
        "personal_care_needs": _lists(
            st.builds(
                PersonalCareNeed,
                problem_type=optional(codes),
                problem_code=optional(codes),
                problem_status=optional(codes),
                problem_description=optional(record_texts),
                comment_text=optional(record_texts),
                start_date=optional(dates),
                end_date=optional(dates),
            )
        ),
        "languages": _lists(
            st.builds(
                PrisonerLanguage,
                type=optional(codes),
                code=optional(codes),
                read_skill=optional(codes),
                write_skill=optional(codes),
                speak_skill=optional(codes),
                interpreter_requested=optional(st.booleans()),
            )
        ),
        "current_facial_image_id": optional(java_longs),
        "aliases": _lists(prisoner_aliases()),
    }
    values = {**draw(st.fixed_dictionaries(fields)), **_gender_fields(draw)}
    if all(v is None for v in values.values()):
        values["last_name"] = draw(record_texts)
    return PersonalDetails(**values)


body_part_details = st.builds(
    BodyPartDetail, body_part=optional(record_texts), comment=optional(record_texts)
)
phone_numbers = st.builds(PrisonerPhoneNumber, type=optional(codes), number=record_texts)

prisoner_record_bodies = st.builds(
    PrisonerRecord,
    noms_number=noms_numbers,
    identifiers=optional(
        _group(
            PrisonerIdentifiers,
            {
                "pnc_number": optional(written_pncs),
                "pnc_number_canonical_short": optional(written_pncs),
                "pnc_number_canonical_long": optional(written_pncs),
                "cro_number": optional(cro_numbers),
                "booking_id": optional(booking_ids),
                "book_number": optional(book_numbers),
                "recorded_identifiers": _lists(recorded_identifiers()),
            },
        )
    ),
    personal_details=optional(personal_details()),
    alerts=_lists(
        st.builds(
            PrisonerAlert,
            alert_type=codes,
            alert_code=codes,
            active=optional(st.booleans()),
            expired=optional(st.booleans()),
        )
    ),
    status=optional(
        _group(
            PrisonerStatus,
            {
                "booking_status": optional(
                    st.builds(
                        BookingStatus,
                        activity=open_codes(BookingActivity),
                        in_out=open_codes(InOutStatus),
                    )
                ),
                "in_out_status": optional(open_codes(InOutStatus)),
                "csra": optional(record_texts),
                "category": optional(codes),
                "complexity_of_need_level": optional(record_texts),
                "legal_status": optional(open_codes(LegalStatus)),
                "imprisonment_status": optional(codes),
                "imprisonment_status_description": optional(record_texts),
                "convicted_status": optional(open_codes(ConvictedStatus)),
                "recall": optional(st.booleans()),
            },
        )
    ),
    location=optional(
        _group(
            PrisonerLocation,
            {
                "last_movement_type_code": optional(codes),
                "last_movement_reason_code": optional(codes),
                "last_movement_date": optional(dates),
                "prison_id": optional(codes),
                "prison_name": optional(record_texts),
                "last_prison_id": optional(codes),
                "previous_prison_id": optional(codes),
                "previous_prison_leaving_date": optional(dates),
                "cell_location": optional(record_texts),
                "last_admission_date": optional(dates),
                "location_description": optional(record_texts),
            },
        )
    ),
    sentence=optional(
        _group(
            PrisonerSentence,
            {
                "most_serious_offence": optional(record_texts),
                "indeterminate_sentence": optional(st.booleans()),
                "reception_date": optional(dates),
                "dates": optional(
                    sentence_date_sets.filter(
                        lambda d: any(v is not None for v in d.model_dump().values())
                    )
                ),
                "convicted_offences": _lists(
                    st.builds(
                        ConvictedOffence,
                        statute_code=optional(codes),
                        offence_code=optional(codes),
                        offence_description=optional(record_texts),
                        offence_date=optional(dates),
                        latest_booking=optional(st.booleans()),
                        sentence_start_date=optional(dates),
                        primary_sentence=optional(st.booleans()),
                    )
                ),
            },
        )
    ),
    restricted_patient=optional(
        _group(
            RestrictedPatient,
            {
                "is_restricted_patient": optional(st.booleans()),
                "supporting_prison_id": optional(codes),
                "discharged_hospital_id": optional(codes),
                "discharged_hospital_description": optional(record_texts),
                "discharge_date": optional(dates),
                "discharge_details": optional(record_texts),
            },
        )
    ),
    incentive_level=optional(
        _group(
            CurrentIncentive,
            {
                "level": optional(
                    st.builds(
                        IncentiveLevel, code=optional(codes), description=optional(record_texts)
                    )
                ),
                "date_time": optional(wall_clock_timestamps()),
                "next_review_date": optional(dates),
            },
        )
    ),
    physical_details=optional(
        _group(
            PhysicalDetails,
            {
                "height_centimetres": optional(java_ints),
                "weight_kilograms": optional(java_ints),
                "hair_colour": optional(record_texts),
                "right_eye_colour": optional(record_texts),
                "left_eye_colour": optional(record_texts),
                "facial_hair": optional(record_texts),
                "shape_of_face": optional(record_texts),
                "build": optional(record_texts),
                "shoe_size": optional(java_ints),
                "tattoos": _lists(body_part_details),
                "scars": _lists(body_part_details),
                "marks": _lists(body_part_details),
            },
        )
    ),
    contact_details=optional(
        _group(
            ContactDetails,
            {
                "addresses": _lists(
                    st.builds(
                        PrisonerAddress,
                        full_address=optional(record_texts),
                        postal_code=optional(record_texts),
                        start_date=optional(dates),
                        primary_address=optional(st.booleans()),
                        no_fixed_address=optional(st.booleans()),
                        phone_numbers=_lists(phone_numbers),
                    )
                ),
                "email_addresses": _lists(st.builds(PrisonerEmailAddress, email=record_texts)),
                "phone_numbers": _lists(phone_numbers),
            },
        )
    ),
    index_document_class=optional(
        st.from_regex(
            r"[A-Za-z_$][A-Za-z0-9_$]{0,20}(\.[A-Za-z_$][A-Za-z0-9_$]{0,20}){0,5}", fullmatch=True
        )
    ),
    # version 1.2: any set of groups, given in any order (the model keeps them in order)
    changed_groups=optional(st.lists(st.sampled_from(ChangeGroup), unique=True).map(tuple)),
)


# --- version 1.1: probation.custody-record --------------------------------------------------

#: Java ``Long`` values (community-api's ids and counts).
java_longs = st.integers(-(2**63), 2**63 - 1)
delius_texts = texts(0, 30)
delius_codes = st.builds(
    DeliusCode, code=optional(texts(1, 20)), description=optional(delius_texts)
)
custodial_status_values = st.builds(
    CustodialStatusValue,
    code=optional(open_codes(CustodialStatus)),
    description=optional(delius_texts),
)


def _amounts(max_digits: int) -> st.SearchStrategy[Decimal]:
    """Amounts of at most ``max_digits`` significant digits and 10 fraction digits, in their
    shortest plain form (as the model holds them)."""
    return st.integers(0, 10).flatmap(
        lambda places: st.integers(-(10**max_digits - 1), 10**max_digits - 1).map(
            lambda n: Decimal(format(Decimal(n).scaleb(-places).normalize(), "f"))
        )
    )


#: Amounts of additional sentences: any sign, up to 28 integer and 10 fraction digits.
delius_amounts = _amounts(28)
#: Amounts a JSON number read as a binary float gives back exactly: 15 significant digits
#: (what community-api's documents carry through Python's JSON reader).
float_amounts = _amounts(15)


def _optional_model(cls: type[Any], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``cls`` with each field given or left out (absent means null)."""
    return st.builds(cls, **{name: optional(value) for name, value in fields.items()})


@st.composite
def custody_key_date_sets(
    draw: st.DrawFn, codes: st.SearchStrategy[Any] | None = None
) -> CustodyKeyDates:
    """A custody's key dates: distinct codes (any open code unless ``codes`` is given)."""
    chosen = draw(
        st.lists(codes if codes is not None else open_codes(KeyDateCode), max_size=6, unique_by=str)
    )
    return CustodyKeyDates(dates=tuple(KeyDate(code=c, date=draw(dates)) for c in chosen))


@st.composite
def custody_record_bodies(
    draw: st.DrawFn,
    *,
    key_date_codes: st.SearchStrategy[Any] | None = None,
    amounts: st.SearchStrategy[Decimal] = delius_amounts,
) -> CustodyRecord:
    """A probation custody record: any part present or absent, lists possibly empty.

    ``key_date_codes`` and ``amounts`` narrow what an adapter can carry (the key dates of
    community-api's CustodyRelatedKeyDates; amounts a binary float holds exactly)."""
    wall = wall_clock_timestamps()
    detail = _optional_model(
        DeliusOffenceDetail,
        code=ho_offence_codes,
        description=delius_texts,
        abbreviation=delius_texts,
        main_category_code=chars(DIGITS, 3),
        main_category_description=delius_texts,
        main_category_abbreviation=delius_texts,
        ogrs_offence_category=delius_texts,
        sub_category_code=chars(DIGITS, 2),
        sub_category_description=delius_texts,
        sub_category_abbreviation=delius_texts,
        form20_code=delius_texts,
        cjit_code=delius_texts,
    )
    offence = _optional_model(
        DeliusOffence,
        offence_id=st.from_regex(r"[MA][0-9]{1,19}", fullmatch=True),
        main_offence=st.booleans(),
        detail=detail,
        offence_date=wall,
        offence_count=java_longs,
        tics=java_longs,
        verdict=delius_texts,
        offender_id=java_longs,
        created_datetime=wall,
        last_updated_datetime=wall,
    )
    unpaid_work = _optional_model(
        UnpaidWork,
        minutes_ordered=java_longs,
        minutes_completed=java_longs,
        appointments=_optional_model(
            UnpaidWorkAppointments,
            total=java_longs,
            attended=java_longs,
            acceptable_absences=java_longs,
            unacceptable_absences=java_longs,
            no_outcome_recorded=java_longs,
        ),
        status=delius_texts,
    )
    additional = _optional_model(
        AdditionalSentence,
        additional_sentence_id=java_longs,
        type=delius_codes,
        amount=amounts,
        length=java_longs,
        notes=free_texts,
    )
    sentence = st.builds(
        DeliusSentence,
        sentence_id=optional(java_longs),
        description=optional(delius_texts),
        original_length=optional(java_longs),
        original_length_units=optional(open_codes(LengthUnit)),
        second_length=optional(java_longs),
        second_length_units=optional(open_codes(LengthUnit)),
        default_length=optional(java_longs),
        effective_length=optional(java_longs),
        length_in_days=optional(java_longs),
        expected_sentence_end_date=optional(dates),
        unpaid_work=optional(unpaid_work),
        start_date=optional(dates),
        termination_date=optional(dates),
        termination_reason=optional(delius_texts),
        sentence_type=optional(delius_codes),
        additional_sentences=st.lists(additional, max_size=2).map(tuple),
        failure_to_comply_limit=optional(java_longs),
        cja2003_order=optional(st.booleans()),
        legacy_order=optional(st.booleans()),
    )
    institution = _optional_model(
        DeliusInstitution,
        institution_id=java_longs,
        is_establishment=st.booleans(),
        code=texts(1, 6),
        description=delius_texts,
        institution_name=delius_texts,
        establishment_type=delius_codes,
        is_private=st.booleans(),
        noms_prison_institution_code=texts(1, 10),
    )
    custody = _optional_model(
        DeliusCustody,
        book_number=book_numbers,
        institution=institution,
        key_dates=custody_key_date_sets(key_date_codes),
        status=custodial_status_values,
        sentence_start_date=dates,
    )
    court = _optional_model(
        DeliusCourt,
        court_id=java_longs,
        code=delius_texts,
        selectable=st.booleans(),
        court_name=delius_texts,
        telephone_number=delius_texts,
        fax=delius_texts,
        building_name=delius_texts,
        street=delius_texts,
        locality=delius_texts,
        town=delius_texts,
        county=delius_texts,
        postcode=delius_texts,
        country=delius_texts,
        court_type_id=java_longs,
        created_datetime=wall,
        last_updated_datetime=wall,
        probation_area_id=java_longs,
        secure_email_address=delius_texts,
        probation_area=delius_codes,
        court_type=delius_codes,
    )
    appearance = _optional_model(
        DeliusCourtAppearance,
        court_appearance_id=java_longs,
        appearance_date=wall,
        court_code=delius_texts,
        court_name=delius_texts,
        appearance_type=delius_codes,
        crn=crns,
    )
    order_manager = _optional_model(
        DeliusOrderManager,
        probation_area_id=java_longs,
        team_id=java_longs,
        officer_id=java_longs,
        name=delius_texts,
        staff_code=delius_texts,
        date_start_of_allocation=wall,
        date_end_of_allocation=wall,
        grade_code=delius_texts,
        team_code=delius_texts,
        probation_area_code=delius_texts,
    )
    conviction = st.builds(
        Conviction,
        conviction_id=java_longs,
        event_number=st.text(DIGITS, min_size=1, max_size=10),
        active=optional(st.booleans()),
        in_breach=optional(st.booleans()),
        failure_to_comply_count=optional(java_longs),
        breach_end=optional(dates),
        awaiting_psr=optional(st.booleans()),
        conviction_date=optional(dates),
        referral_date=optional(dates),
        offences=st.lists(offence, max_size=2).map(tuple),
        sentence=optional(sentence),
        latest_court_appearance_outcome=optional(delius_codes),
        custody=optional(custody),
        responsible_court=optional(court),
        court_appearance=optional(appearance),
        order_managers=st.lists(order_manager, max_size=2).map(tuple),
    )
    condition = _optional_model(
        DeliusLicenceCondition,
        notes=free_texts,
        start_date=dates,
        commencement_date=dates,
        commencement_notes=free_texts,
        termination_date=dates,
        termination_notes=free_texts,
        created_datetime=wall,
        active=st.booleans(),
        main_category=delius_codes,
        sub_category=delius_codes,
    )
    status = _optional_model(
        DeliusSentenceStatus,
        sentence_id=java_longs,
        custodial_type=custodial_status_values,
        sentence=delius_codes,
        main_offence=delius_codes,
        sentence_date=dates,
        actual_release_date=dates,
        licence_expiry_date=dates,
        pss_end_date=dates,
        length=java_longs,
        length_unit=open_codes(LengthUnit),
    )
    identified = draw(st.booleans())
    return CustodyRecord(
        crn=draw(crns) if identified else None,
        pnc_id=draw(optional(pnc_ids)) if identified else None,
        cro_number=draw(optional(cro_numbers)) if identified else None,
        ni_number=draw(optional(texts(1, 9))) if identified else None,
        noms_number=draw(optional(noms_numbers)) if identified else None,
        immigration_number=draw(optional(texts(1, 20))) if identified else None,
        most_recent_book_number=draw(optional(book_numbers)) if identified else None,
        conviction=draw(conviction),
        licence_conditions=draw(
            optional(
                st.lists(condition, max_size=3).map(
                    lambda c: DeliusLicenceConditions(conditions=tuple(c))
                )
            )
        ),
        sentence_status=draw(optional(status)),
    )


# --- version 1.1: identity.subject-enriched -------------------------------------------------

_enrichable_subject_ids = st.one_of(
    _subject(SubjectScheme.PNC, pnc_texts()),
    _subject(SubjectScheme.CRO, cro_texts()),
    _subject(SubjectScheme.NOMS, noms_texts),
    _subject(SubjectScheme.CRN, crn_texts),
)


@st.composite
def subject_enriched_bodies(draw: st.DrawFn) -> SubjectEnriched:
    """A record of added identifiers: one to four, of distinct enrichable schemes."""
    identifiers = draw(
        st.lists(_enrichable_subject_ids, min_size=1, max_size=4, unique_by=lambda s: s.scheme)
    )
    return SubjectEnriched(
        enriched_message_id=draw(st.uuids()),
        added=tuple(
            AddedIdentifier(
                identifier=identifier,
                resolved_from=draw(subject_ids),
                taught_by=tuple(draw(st.lists(st.uuids(), max_size=3))),
                manual=draw(st.booleans()),
            )
            for identifier in identifiers
        ),
    )


@st.composite
def prisoner_left_extract_bodies(draw: st.DrawFn) -> PrisonerLeftExtract:
    """Who left the daily extract: the last extract date that listed them, and a later one."""
    last = draw(st.dates(max_value=dt.date(9998, 12, 31)))
    gap = draw(st.integers(min_value=1, max_value=400))
    first = min(last + dt.timedelta(days=gap), dt.date(9999, 12, 31))
    return PrisonerLeftExtract(
        noms_number=draw(noms_numbers), last_listed=last, first_missing=first
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
    LicenceRecord.message_type: licence_record_bodies(),
    PrisonerRecord.message_type: prisoner_record_bodies,
    CustodyRecord.message_type: custody_record_bodies(),
    SubjectEnriched.message_type: subject_enriched_bodies(),
    PrisonerLeftExtract.message_type: prisoner_left_extract_bodies(),
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
    "custody_record_bodies",
    "float_amounts",
    "ho_offence_codes",
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
    "additional_conditions",
    "licence_condition_sets",
    "licence_record_bodies",
    "long_ids",
    "mutated_json",
    "open_codes",
    "gender_texts",
    "pnc_spellings",
    "prisoner_record_bodies",
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
