"""Identifiers normalise and check themselves exactly as DESIGN.md section 4 specifies."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import IDENTIFIER_TEXTS, asn_texts, cro_texts, pnc_texts

from cjx.model import (
    CHECK_ALPHABET,
    Asn,
    BookNumber,
    Crn,
    CroNumber,
    Identifier,
    IdentifierError,
    NomsNumber,
    OffenceCode,
    OuCode,
    PncId,
    PrisonId,
    PtiUrn,
    check_character,
)


def _error(cls: type[Identifier], raw: Any) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        cls.parse(raw)
    return caught.value


# --- the check character --------------------------------------------------------------------


def test_check_alphabet_is_23_letters_without_i_o_s_and_z_first() -> None:
    """The alphabet is A to Z without I, O and S, with Z first."""
    assert CHECK_ALPHABET == "ZABCDEFGHJKLMNPQRTUVWXY"
    assert len(CHECK_ALPHABET) == 23
    assert set(CHECK_ALPHABET) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") - set("IOS")


@pytest.mark.parametrize(
    ("number", "expected"),
    [("0", "Z"), ("1", "A"), ("22", "Y"), ("23", "Z"), ("1011100000448754", "K")],
)
def test_check_character_is_the_number_modulo_23_in_the_alphabet(
    number: str, expected: str
) -> None:
    """The check character indexes the alphabet with the number modulo 23."""
    assert check_character(number) == expected


# --- ASN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("1101ZD0100000448754K", "1101ZD0100000448754K"),  # 20 characters
        ("11A01ZD0100000448754K", "11A01ZD0100000448754K"),  # 21: top-level OU letter
        ("1101ZD01410791W", "1101ZD0100000410791W"),  # short form, padded to 11 digits
        ("11/01ZD/01/410791W", "1101ZD0100000410791W"),  # slashes stripped
        ("11 01ZD 01 410791W", "1101ZD0100000410791W"),  # spaces stripped
        ("1101zd01410791w", "1101ZD0100000410791W"),  # upper-cased
        ("1101ZD010000000410791W", None),  # 22 characters: not padded, not valid
    ],
)
def test_asn_forms(raw: str, canonical: str | None) -> None:
    """ASNs of 20 or 21 characters stand; short forms are padded; other lengths fail."""
    if canonical is None:
        assert _error(Asn, raw).code == "asn.format"
    else:
        assert Asn.parse(raw) == canonical


def test_asn_long_and_short_forms_share_the_check_number() -> None:
    """The 21-character form drops the character after the year before checking."""
    assert Asn.parse("11A01ZD0100000448754K") == "11A01ZD0100000448754K"
    assert _error(Asn, "11A01ZD0100000448754L").code == "asn.check-character"


def test_asn_leaves_a_full_length_value_unpadded() -> None:
    """A 20-character value is left as it is, even with leading zeros in its sequence."""
    assert Asn.normalisation_of("1101ZD0100000448754K") is None


@pytest.mark.parametrize("raw", ["BROKEN_ASN", "XXXXXXXXX", "1101ZD01", "1101ZD0100000448754"])
def test_asn_garbage_is_a_format_error(raw: str) -> None:
    """Values that cannot be an ASN fail with ``asn.format``."""
    assert _error(Asn, raw).code == "asn.format"


def test_asn_wrong_check_character() -> None:
    """A well-formed ASN with the wrong check character fails with ``asn.check-character``."""
    assert _error(Asn, "1101ZD0100000448754L").code == "asn.check-character"


def test_asn_short_form_is_checked_after_padding() -> None:
    """Padding does not change the check number: the short form checks like the long one."""
    assert _error(Asn, "1101ZD01410791X").code == "asn.check-character"


def test_asn_force_and_system_letters_are_left_out_of_the_check_number() -> None:
    """Force and system codes count only when both characters are digits."""
    # force "AB" and system "CD" are letters: number = year 24 + sequence
    number = "24" + "00000012345"
    asn = f"24ABZZCD00000012345{check_character(number)}"
    assert Asn.parse(asn) == asn


@pytest.mark.parametrize("raw", ["", "   "])
def test_empty_asn_is_missing(raw: str) -> None:
    """An empty ASN is reported as ``asn.missing``."""
    assert _error(Asn, raw).code == "asn.missing"


# --- PNC ID ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("1979/0163001B", "1979/0163001B"),
        ("2003/0011985X", "2003/0011985X"),
        ("12/394773H", "2012/0394773H"),  # short form: serial padded to 7, 12 -> 2012
        ("19790163001B", "1979/0163001B"),  # no slash
        ("1979/0163001b", "1979/0163001B"),  # upper-cased
        ("79/163001B", "1979/0163001B"),
        ("2012/394773H", "2012/0394773H"),  # long form, serial unpadded (prisoner-search)
        ("2014/9773K", "2014/0009773K"),
    ],
)
def test_pnc_forms(raw: str, canonical: str) -> None:
    """PNC IDs in long, slash-less and short forms normalise to ``YYYY/NNNNNNNC``."""
    assert PncId.parse(raw) == canonical


def test_often_copied_pnc_example_is_invalid() -> None:
    """``2004/0012345U`` is invalid: its check character should be another letter."""
    assert _error(PncId, "2004/0012345U").code == "pnc.check-character"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("00/1234567V", "2000/1234567V"),
        ("38/1234567Y", "2038/1234567Y"),
        ("39/1234567N", "1939/1234567N"),
        ("99/1234567B", "1999/1234567B"),
    ],
)
def test_pnc_century_pivot_is_fixed_at_38(raw: str, canonical: str) -> None:
    """Short years 00 to 38 are 20YY and 39 to 99 are 19YY, whatever the current year."""
    assert PncId.parse(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12/394773I", "pnc.format"),  # I is not in the check alphabet (prisoner-search fixture)
        ("2012/394773I", "pnc.format"),
        ("2014/009773W", "pnc.check-character"),  # prisoner-search fixture: should end in K
        ("1979/01630B", "pnc.check-character"),  # unpadded serial: read, then checked
    ],
)
def test_pnc_values_seen_in_the_prison_records_fail_with_a_pnc_code(raw: str, code: str) -> None:
    """The negative PNC examples of the prison fixtures are rejected under ``pnc.``."""
    assert _error(PncId, raw).code == code


def test_pnc_long_form_with_an_unpadded_serial_is_reported_as_normalised() -> None:
    """``2012/394773H`` is valid and written differently from its canonical form."""
    value, issue = PncId.check("2012/394773H", "/pncNumberCanonicalLong")
    assert value == "2012/0394773H"
    assert issue is not None
    assert (issue.code, issue.path) == ("pnc.normalised", "/pncNumberCanonicalLong")


@pytest.mark.parametrize("raw", ["ABCD/0163001B", "1979-0163001B", "19790163001", "1979/12345678B"])
def test_pnc_garbage_is_a_format_error(raw: str) -> None:
    """Values that are not a PNC ID in any accepted form fail with ``pnc.format``."""
    assert _error(PncId, raw).code == "pnc.format"


# --- CRO number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("065656/91H", "065656/91H"),
        ("65656/91H", "65656/91H"),  # serial not padded in the text; padded for the check
        ("SF05/482703J", "SF05/482703J"),
        ("sf05/482703j", "SF05/482703J"),
    ],
)
def test_cro_forms(raw: str, canonical: str) -> None:
    """CRO numbers in standard and SF forms are valid and upper-cased."""
    assert CroNumber.parse(raw) == canonical


@pytest.mark.parametrize("raw", ["065656/91J", "SF05/482703H"])
def test_cro_wrong_check_character(raw: str) -> None:
    """A CRO number with the wrong check character fails with ``cro.check-character``."""
    assert _error(CroNumber, raw).code == "cro.check-character"


@pytest.mark.parametrize("raw", ["1234567/91H", "SF5/482703J", "065656-91H", "XX05/482703J"])
def test_cro_garbage_is_a_format_error(raw: str) -> None:
    """Values in neither CRO form fail with ``cro.format``."""
    assert _error(CroNumber, raw).code == "cro.format"


# --- format-only identifiers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "raw", "canonical"),
    [
        (NomsNumber, "A8513EA", "A8513EA"),
        (NomsNumber, "a8513ea", "A8513EA"),
        (Crn, "X757129", "X757129"),
        (Crn, " x757129 ", "X757129"),
        (PtiUrn, "01ZD0303208", "01ZD0303208"),
        (PtiUrn, "  01zd0303208  ", "01ZD0303208"),
        (PtiUrn, "01ZD123", "01ZD123"),
        (OuCode, "B01EF01", "B01EF01"),
        (OuCode, "b01ef01", "B01EF01"),
        (OuCode, "01EF01", "01EF01"),
        (OuCode, "Z01EF01", "Z01EF01"),
        (PrisonId, "SWI", "SWI"),
        (PrisonId, "swi", "SWI"),
        (OffenceCode, "TH68001", "TH68001"),
        (OffenceCode, "SX03001A", "SX03001A"),
        (OffenceCode, "COML025", "COML025"),
        (OffenceCode, "th68001", "TH68001"),
        (BookNumber, "38339A", "38339A"),
        (BookNumber, "V61585", "V61585"),
        (BookNumber, " a00113 ", "A00113"),
    ],
)
def test_format_only_identifiers_are_upper_cased(
    cls: type[Identifier], raw: str, canonical: str
) -> None:
    """NOMS, CRN, PTI-URN, OU code, prison id and offence code are upper-cased and trimmed."""
    assert cls.parse(raw) == canonical
    assert type(cls.parse(raw)) is cls


@pytest.mark.parametrize(
    ("cls", "raw", "code"),
    [
        (NomsNumber, "A851EA", "noms.format"),
        (NomsNumber, "18513EA", "noms.format"),
        (Crn, "X75712", "crn.format"),
        (Crn, "XX57129", "crn.format"),
        (PtiUrn, "01ZD03", "pti-urn.format"),
        (PtiUrn, "01ZD030320800", "pti-urn.format"),
        (OuCode, "K01EF01", "ou-code.format"),
        (OuCode, "B01EF", "ou-code.format"),
        (PrisonId, "SW1", "prison-id.format"),
        (PrisonId, "SWIX", "prison-id.format"),
        (OffenceCode, "TH68001XX", "offence-code.format"),
        (OffenceCode, "TH-68001", "offence-code.format"),
        (NomsNumber, "", "noms.missing"),
        (Crn, " ", "crn.missing"),
        (PtiUrn, "", "pti-urn.missing"),
        (OuCode, "", "ou-code.missing"),
        (PrisonId, "", "prison-id.missing"),
        (BookNumber, "38339", "book-number.format"),
        (BookNumber, "38339A1", "book-number.format"),
        (BookNumber, "3833-A", "book-number.format"),
        (BookNumber, "", "book-number.missing"),
    ],
)
def test_format_errors_use_the_identifiers_own_code(
    cls: type[Identifier], raw: str, code: str
) -> None:
    """Each identifier reports failures under its own code prefix."""
    error = _error(cls, raw)
    assert error.code == code
    assert error.code.startswith(cls.scheme + ".")


@pytest.mark.parametrize("cls", Identifier.__subclasses__(), ids=lambda c: c.__name__)
def test_non_text_is_a_format_error(cls: type[Identifier]) -> None:
    """A value that is not text fails with the identifier's format code."""
    assert _error(cls, 1234567).code == f"{cls.scheme}.format"


@pytest.mark.parametrize(
    ("cls", "raw"),
    [
        (Asn, "1101ZD0100000448754L"),
        (Asn, "SECRET-ASN-VALUE"),
        (PncId, "2004/0012345U"),
        (CroNumber, "065656/91J"),
        (NomsNumber, "SECRETNOMS"),
    ],
)
def test_error_messages_never_echo_the_value(cls: type[Identifier], raw: str) -> None:
    """Messages describe the expected form, never the rejected value."""
    error = _error(cls, raw)
    assert raw not in str(error)
    assert raw not in error.message


def test_normalisation_is_reported_separately_from_validity() -> None:
    """``normalisation_of`` gives the canonical value only when the input differs from it."""
    assert Asn.normalisation_of("1101ZD01410791W") == "1101ZD0100000410791W"
    assert Asn.normalisation_of("1101ZD0100000410791W") is None
    assert PncId.normalisation_of("12/394773H") == "2012/0394773H"


def test_identifiers_mask_themselves() -> None:
    """Only the first and last two characters survive masking."""
    assert Asn.parse("1101ZD0100000448754K").masked() == "11****************4K"
    assert repr(NomsNumber.parse("A8513EA")) == "NomsNumber('A8513EA')"


# --- properties -----------------------------------------------------------------------------


@given(
    st.sampled_from(sorted(IDENTIFIER_TEXTS)).flatmap(
        lambda name: st.tuples(st.just(IDENTIFIER_TEXTS[name][0]), IDENTIFIER_TEXTS[name][1])
    )
)
def test_valid_identifiers_parse_to_themselves(case: tuple[type[Identifier], str]) -> None:
    """A valid identifier in canonical form parses to itself (normalisation is idempotent)."""
    cls, text = case
    assert cls.parse(text) == text
    assert cls.normalisation_of(text) is None
    assert cls.parse(text.lower()) == text


_CHECKED = st.one_of(
    st.tuples(st.just(Asn), asn_texts()),
    st.tuples(st.just(PncId), pnc_texts()),
    st.tuples(st.just(CroNumber), cro_texts()),
)


@given(_CHECKED, st.sampled_from(CHECK_ALPHABET))
def test_changing_the_check_character_always_fails(
    case: tuple[type[Identifier], str], replacement: str
) -> None:
    """Any other check character than the computed one is rejected as a check-character error."""
    cls, text = case
    if replacement == text[-1]:
        replacement = CHECK_ALPHABET[(CHECK_ALPHABET.index(replacement) + 1) % 23]
    assert _error(cls, text[:-1] + replacement).code == f"{cls.scheme}.check-character"


@given(asn_texts(long_form=False))
def test_short_asn_forms_pad_back_to_the_full_form(asn: str) -> None:
    """Dropping the sequence's leading zeros gives a short form that pads back to the ASN."""
    sequence = asn[8:19].lstrip("0") or "0"
    short = asn[:8] + sequence + asn[19]
    if 10 <= len(short) <= 19:
        assert Asn.parse(short) == asn


# --- the constructor checks as parse does (issue 13: ``Asn("garbage")`` built an invalid ASN) --


@pytest.mark.parametrize("name", sorted(IDENTIFIER_TEXTS))
def test_constructing_an_identifier_checks_it(name: str) -> None:
    cls = IDENTIFIER_TEXTS[name][0]
    with pytest.raises(IdentifierError) as caught:
        cls("garbage!")
    assert caught.value.code == f"{cls.scheme}.format"
    with pytest.raises(IdentifierError):
        cls("")


def test_the_constructor_normalises_and_rejects_a_wrong_check_character() -> None:
    assert Asn("1101zd0100000448754k") == Asn.parse("1101ZD0100000448754K")
    assert type(Asn("1101ZD0100000448754K")) is Asn
    with pytest.raises(IdentifierError, match="check character") as caught:
        Asn("1101ZD0100000448754A")
    assert caught.value.code == "asn.check-character"
    with pytest.raises(TypeError, match="abstract"):
        Identifier("x")


@given(
    st.sampled_from(sorted(IDENTIFIER_TEXTS)).flatmap(
        lambda name: st.tuples(st.just(IDENTIFIER_TEXTS[name][0]), IDENTIFIER_TEXTS[name][1])
    )
)
def test_constructor_equals_parse_and_survives_copying(case: tuple[type[Identifier], str]) -> None:
    cls, text = case
    value = cls(text.lower())
    assert value == cls.parse(text)
    assert type(value) is cls
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value
