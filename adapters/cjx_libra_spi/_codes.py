"""SPI code lists <-> canonical enums (FORMAT.md "Code lists").

The mapping is owned here and nowhere else. Where SPI has two codes for one meaning (plea ``1``
and ``6`` both mean guilty), :data:`PLEA_DEFAULT_CODE` names the code written back by default and
the canonical ``plea_source_code`` keeps any other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, TypeVar

from cjx.model import (
    BailStatus,
    DurationUnit,
    Finding,
    Gender,
    OffenceDateCode,
    Plea,
    Presence,
)

E = TypeVar("E", bound=StrEnum)

GENDER: Final = {
    "0": Gender.NOT_KNOWN,
    "1": Gender.MALE,
    "2": Gender.FEMALE,
    "9": Gender.NOT_SPECIFIED,
}
PRESENCE: Final = {"Y": Presence.PRESENT, "N": Presence.NOT_PRESENT, "A": Presence.REPRESENTED}
BAIL_STATUS: Final = {
    "U": BailStatus.UNCONDITIONAL_BAIL,
    "B": BailStatus.CONDITIONAL_BAIL,
    "C": BailStatus.CUSTODY,
    "P": BailStatus.POLICE_CUSTODY,
    "A": BailStatus.NOT_APPLICABLE,
    "L": BailStatus.LOCAL_AUTHORITY_ACCOMMODATION,
    "S": BailStatus.SECURE_ACCOMMODATION,
}
PLEA: Final = {
    "1": Plea.GUILTY,
    "2": Plea.NOT_GUILTY,
    "3": Plea.NO_PLEA,
    "4": Plea.CONSENTS,
    "5": Plea.OPPOSES,
    "6": Plea.GUILTY,
    "7": Plea.ADMITS,
    "8": Plea.DENIES,
}
#: The SPI code written for each plea when the source's own code was the default one.
PLEA_DEFAULT_CODE: Final = {
    Plea.GUILTY: "1",
    Plea.NOT_GUILTY: "2",
    Plea.NO_PLEA: "3",
    Plea.CONSENTS: "4",
    Plea.OPPOSES: "5",
    Plea.ADMITS: "7",
    Plea.DENIES: "8",
}
FINDING: Final = {
    "G": Finding.GUILTY,
    "N": Finding.NOT_GUILTY,
    "A": Finding.GUILTY_OF_ALTERNATIVE,
    "O": Finding.NO_CONVICTION,
    "C": Finding.CAUTION,
}
OFFENCE_DATE_CODE: Final = {
    "1": OffenceDateCode.ON,
    "2": OffenceDateCode.BEFORE,
    "3": OffenceDateCode.AFTER,
    "4": OffenceDateCode.BETWEEN,
    "5": OffenceDateCode.ON_OR_ABOUT,
    "6": OffenceDateCode.ON_OR_BEFORE,
}
DURATION_UNIT: Final = {
    "D": DurationUnit.DAYS,
    "W": DurationUnit.WEEKS,
    "M": DurationUnit.MONTHS,
    "Y": DurationUnit.YEARS,
    "H": DurationUnit.HOURS,
    "S": DurationUnit.SESSIONS,
    "L": DurationUnit.LIFE,
}


def reverse(mapping: dict[str, E]) -> dict[E, str]:
    """Canonical value -> SPI code (the first code listed wins for shared meanings)."""
    out: dict[E, str] = {}
    for code, value in mapping.items():
        out.setdefault(value, code)
    return out


GENDER_CODE: Final = reverse(GENDER)
PRESENCE_CODE: Final = reverse(PRESENCE)
BAIL_STATUS_CODE: Final = reverse(BAIL_STATUS)
FINDING_CODE: Final = reverse(FINDING)
OFFENCE_DATE_CODE_CODE: Final = reverse(OFFENCE_DATE_CODE)
DURATION_UNIT_CODE: Final = reverse(DURATION_UNIT)
