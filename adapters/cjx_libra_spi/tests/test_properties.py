"""Property: ``decode(encode(m)) == m`` for every court result the adapter can encode.

"Can encode" means what SPI can carry: text without leading or trailing white space (SPI values
are trimmed) and without carriage returns (XML turns them into line feeds), empty optional text
absent, and the header this adapter gives every message (``envelope_for``). The encoded message
is also valid under the DeliverRequest XSD.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import strategies as s

from cjx.codec import parse_xml
from cjx.model import (
    BLANK_PLACE,
    Address,
    AlcoholLevel,
    BailStatus,
    CaseResulted,
    CourtCase,
    Defendant,
    Duration,
    DurationUnit,
    Finding,
    Gender,
    Hearing,
    NextHearing,
    Offence,
    OffenceDateCode,
    Organisation,
    Person,
    Plea,
    Presence,
    Result,
)
from cjx.validation import lxml_schema, xsd_issues
from cjx_libra_spi import LIBRA_NS, adapter, envelope_for

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "core-input-message-001.xml"

_NOT_SPI = "\r" + "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")
_chars = st.characters(exclude_categories=["Cs"], exclude_characters=_NOT_SPI + "\ufffe\uffff")


def _trimmed(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return (
        st.text(_chars, min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda t: len(t) >= min_size)
    )


words = _trimmed(1, 30)
free = _trimmed(0, 60)


def maybe(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


times = st.times().map(lambda t: t.replace(microsecond=0))
dates = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31))

people = st.builds(
    Person,
    title=maybe(words),
    given_names=s.places(words, 3),
    family_name=words,
    birth_date=maybe(dates),
    gender=st.sampled_from(list(Gender)),
    nationality=maybe(words),
    email_addresses=s.places(words, 2),
    telephone_home=maybe(words),
    telephone_business=maybe(words),
    telephone_mobile=maybe(words),
)
#: SPI AddressLine1 to AddressLine5, sparse more often than not (lines 1, 2 and 5...).
address_lines = s.places(words, 5).filter(bool)
addresses = st.one_of(
    st.builds(Address, lines=address_lines),
    st.builds(
        Address,
        paon=maybe(words),
        street=maybe(words),
        locality=maybe(words),
        town=maybe(words),
        usrn=maybe(words),
        administrative_area=maybe(words),
        postcode=maybe(words),
    ),
)


@st.composite
def defendants(draw: st.DrawFn) -> Defendant:
    person = draw(st.booleans())
    return Defendant(
        asn=draw(s.asns),
        pnc_id=draw(maybe(s.pnc_ids)),
        person=draw(people) if person else None,
        organisation=None if person else draw(st.builds(Organisation, name=words)),
        address=draw(addresses),
        presence=draw(st.sampled_from(list(Presence))),
        bail_status=draw(st.sampled_from(list(BailStatus))),
        bail_conditions=draw(maybe(free.filter(bool))) if person else None,
        reason_for_bail_conditions_or_custody=(draw(maybe(free.filter(bool))) if person else None),
    )


units = st.sampled_from(list(DurationUnit))
results = st.builds(
    Result,
    code=maybe(st.integers(1000, 9999)),
    text=free,
    qualifiers=st.lists(st.from_regex(r"[A-Z0-9]{1,2}", fullmatch=True), max_size=3).map(tuple),
    amount=maybe(st.integers(0, 10**8).map(lambda n: Decimal(n).scaleb(-2))),
    penalty_points=maybe(st.integers(0, 99)),
    duration=maybe(
        st.builds(
            Duration,
            value=maybe(st.integers(0, 999)),
            unit=maybe(units),
            secondary_value=maybe(st.integers(0, 999)),
            secondary_unit=maybe(units),
            start_dates=st.lists(dates, max_size=2).map(tuple),
            end_dates=st.lists(dates, max_size=2).map(tuple),
        )
    ),
    next_hearing=maybe(
        st.builds(
            NextHearing,
            court=maybe(s.ou_codes),
            date=dates,
            time=times,
            reason=maybe(free.filter(bool)),
            bail_status=maybe(st.sampled_from(list(BailStatus))),
        )
    ),
)


@st.composite
def offences(draw: st.DrawFn) -> Offence:
    plea = draw(st.sampled_from(list(Plea)))
    has_end = draw(st.booleans())
    return Offence(
        sequence=draw(st.integers(0, 999)),
        code=draw(s.offence_codes),
        wording=draw(free),
        title=draw(maybe(words)),
        date_code=draw(st.sampled_from(list(OffenceDateCode))),
        start_date=draw(dates),
        start_time=draw(maybe(times)),
        end_date=draw(dates) if has_end else None,
        end_time=draw(maybe(times)) if has_end else None,
        location=draw(maybe(words)),
        arrest_date=draw(maybe(dates)),
        charge_date=draw(maybe(dates)),
        alcohol_level=draw(
            maybe(
                st.builds(
                    AlcoholLevel,
                    amount=st.integers(0, 9999),
                    method=st.from_regex(r"[A-Z]", fullmatch=True),
                )
            )
        ),
        recorded_conviction_date=draw(maybe(dates)),
        initiated_date=draw(dates),
        plea=plea,
        plea_source_code="6" if plea is Plea.GUILTY and draw(st.booleans()) else None,
        mode_of_trial=draw(maybe(st.from_regex(r"0[1-9]", fullmatch=True))),
        final_disposal=draw(st.booleans()),
        conviction_date=draw(maybe(dates)),
        convicting_court=draw(maybe(st.integers(0, 99999))),
        finding=draw(maybe(st.sampled_from(list(Finding)))),
        results=tuple(draw(st.lists(results, max_size=3))),
    )


case_results = st.builds(
    CaseResulted,
    hearing=st.builds(
        Hearing, court=s.ou_codes, psa_code=st.integers(0, 99999), date=dates, time=times
    ),
    case=st.builds(CourtCase, pti_urn=s.pti_urns),
    defendant=defendants(),
    offences=st.lists(offences(), max_size=3).map(tuple),
)
correlation_ids = st.none() | st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=case_results, correlation_id=correlation_ids)
def test_decode_of_encode_is_the_same_message(
    body: CaseResulted, correlation_id: str | None
) -> None:
    """Any court result this adapter can carry survives encode then decode unchanged."""
    message = envelope_for(body, correlation_id=correlation_id, clock=s.FIXED_CLOCK)
    data = adapter.encode(message)
    assert xsd_issues(lxml_schema("formats/libra-spi/deliver-request.xsd"), parse_xml(data)) == []
    (again,) = adapter.decode(data, clock=s.FIXED_CLOCK)
    if correlation_id is None:
        # Without a source id the canonical message id stands in as MessageIdentifier.
        assert again.correlation_id == str(message.message_id)
        assert again.body == message.body
    else:
        assert again == message


@settings(max_examples=60, deadline=None)
@given(lines=address_lines, given=s.places(words, 3), emails=s.places(words, 2))
def test_numbered_elements_keep_their_numbers(
    lines: tuple[str, ...],
    given: tuple[str, ...],
    emails: tuple[str, ...],
) -> None:
    """Address line n, given name n and email address n are written as element n and read back
    into place n, whatever places are absent (a postcode in line 5 stays in line 5); an absent
    place is the blank place in the model and no element in SPI."""
    sample = adapter.decode(SAMPLE.read_bytes(), clock=s.FIXED_CLOCK)[0]
    defendant = sample.body.defendant
    assert defendant.person is not None
    person = defendant.person.model_copy(update={"given_names": given, "email_addresses": emails})
    changed = defendant.model_copy(update={"address": Address(lines=lines), "person": person})
    body = sample.body.model_copy(update={"defendant": changed})
    message = envelope_for(body, correlation_id="PLACES", clock=s.FIXED_CLOCK)
    root = parse_xml(adapter.encode(message))
    for prefix, values in (
        ("AddressLine", lines),
        ("PersonGivenName", given),
        ("EmailAddress", emails),
    ):
        written = {
            int(name[len(prefix) :]): (el.text or "")
            for el in root.iter(f"{{{LIBRA_NS}}}*")
            if (name := str(el.tag).split("}")[1]).startswith(prefix) and name[-1].isdigit()
        }
        expected = {n: v for n, v in enumerate(values, start=1) if v != BLANK_PLACE}
        if prefix == "AddressLine" and values[0] == BLANK_PLACE:
            expected[1] = ""  # the format requires line 1: written empty, read as absent
        assert written == expected
    (again,) = adapter.decode(adapter.encode(message), clock=s.FIXED_CLOCK)
    assert again.body.defendant.address.lines == lines
    assert again.body.defendant.person is not None
    assert again.body.defendant.person.given_names == given
    assert again.body.defendant.person.email_addresses == emails
