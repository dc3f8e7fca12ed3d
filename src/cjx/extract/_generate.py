"""Synthetic NOMIS CDE extracts: ``cjx extract generate`` (the data of the tests, bench, demo).

Every person is invented: surnames start ``SYNTHETIC-``, prisons are real NOMIS-style codes but
people and addresses are not, and postcodes use the ``ZZ99`` area (no real area). Identifiers
are valid (check characters right); dates are related as a sentence's are (the sentence starts
before the release dates; LED after CRD; SED after CRD). The layout's quirks appear: quoted
values, ``31/12/2999`` for "none", ``~`` lists, short-form PNC IDs, empty fields.

A share of rows (``defects``) carries one defect each, of a named kind (:data:`DEFECT_KINDS`).
The file is grouped by prison, not sorted by NOMS number. Everything is drawn from
``random.Random(seed)``: the same arguments give the same bytes.

:func:`next_day` makes the next day's file from an older one, streaming: a share of rows
changes (a move, a new release date, a release...), some people leave, some arrive.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from typing import Final

from cjx.model import check_character

__all__ = ["DEFECT_KINDS", "GeneratedRow", "generate_rows", "next_day"]

#: Each defect kind and the issue code the import rejects it with.
DEFECT_KINDS: Final[dict[str, str]] = {
    "bad-pnc-check": "pnc.check-character",
    "short-row": "nomis-cde.field-count",
    "unknown-custody-status": "nomis-cde.custody-status",
    "impossible-date": "date.format",
    "duplicate-noms": "extract.duplicate-key",
}

FIELDS: Final = 153
NO_DATE: Final = "31/12/2999"
_PRISONS: Final = (
    "ALI", "BAI", "BFI", "BMI", "BWI", "CFI", "DMI", "DWI", "EEI", "EXI",
    "FMI", "GHI", "HLI", "HMI", "LEI", "LPI", "MDI", "NMI", "PVI", "RNI",
    "SLI", "SWI", "WDI", "WEI", "WWI",
)  # fmt: skip
_FORENAMES: Final = (
    "ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL", "INDIA",
    "JULIET", "KILO", "LIMA", "MIKE", "NOVEMBER", "OSCAR", "PAPA", "QUEBEC", "ROMEO",
)  # fmt: skip
_SYLLABLES: Final = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "po", "da", "fe")
_STATUSES: Final = (
    ("Active-In", 90),
    ("Active-Out", 4),
    ("Active-In Transit", 2),
    ("INACTIVE-Out", 3),
    ("Active-UAL", 1),
)
_ETHNICITIES: Final = (
    "White: British",
    "Asian/Asian British: Indian",
    "Black/Black British: Caribbean",
    "Mixed: White and Asian",
    "Other: Any other background",
)
_RELIGIONS: Final = ("No Religion", "Church of England", "Roman Catholic", "Muslim", "Sikh")
_INCENTIVES: Final = ("Basic", "Standard", "Enhanced")
_CATEGORIES: Final = ("A", "B", "C", "D")
_OFFENCES: Final = ("TH68001", "TH68010", "RT88001", "SX56001", "CD71001", "PU86001")
_ALERTS: Final = ("X-XA", "V-V45", "P-PC1", "H-HA", "S-SR")
_HAIR: Final = ("Black", "Brown", "Blonde", "Grey", "Bald")
_EYES: Final = ("Blue", "Brown", "Green", "Hazel")
_NOMS_SPACE: Final = 25 * 10_000 * 26 * 26  # first letter A..Y; Z is left for next_day


class GeneratedRow:
    """One line of a generated file and its defect kind (``None``: a valid row)."""

    __slots__ = ("defect", "line", "noms")

    def __init__(self, line: str, defect: str | None, noms: str) -> None:
        self.line = line
        self.defect = defect
        self.noms = noms


def _letters(n: int, count: int) -> str:
    out = []
    for _ in range(count):
        n, r = divmod(n, 26)
        out.append(chr(65 + r))
    return "".join(reversed(out))


def _noms(index: int, seed: int) -> str:
    value = (index * 2654435761 + seed * 7919) % _NOMS_SPACE  # a prime: a permutation
    value, tail = divmod(value, 676)
    first, digits = divmod(value, 10_000)
    return f"{chr(65 + first)}{digits:04d}{_letters(tail, 2)}"


def _pnc(rng: random.Random) -> tuple[str, str]:
    """A valid PNC ID in long form and as written (long, or short form)."""
    year = rng.randint(1985, 2024)
    serial = rng.randint(1, 999_999)
    yy = f"{year % 100:02d}"
    check = check_character(yy + f"{serial:07d}")
    long = f"{year}/{serial:07d}{check}"
    if year >= 2000 and rng.random() < 0.3:
        return long, f"{yy}/{serial}{check}"
    return long, long


def _bad_check(written: str) -> str:
    check = written[-1]
    alphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"
    return written[:-1] + alphabet[(alphabet.index(check) + 5) % len(alphabet)]


def _cro(rng: random.Random) -> str:
    serial = rng.randint(1, 999_999)
    yy = f"{rng.randint(80, 99):02d}"
    return f"{serial}/{yy}{check_character(yy + f'{serial:06d}')}"


def _date(value: dt.date | None) -> str:
    return NO_DATE if value is None else value.strftime("%d/%m/%Y")


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _person(rng: random.Random, noms: str, prison: str, extract: dt.date) -> list[str]:
    """A valid row's 153 values."""
    v = [""] * FIELDS
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20_000))
    length = rng.randint(180, 6_000)
    start = extract - dt.timedelta(days=rng.randint(1, length // 2))
    crd = start + dt.timedelta(days=length // 2)
    sed = start + dt.timedelta(days=length)
    led = sed if rng.random() < 0.7 else crd + dt.timedelta(days=rng.randint(1, length // 2 + 1))
    hdced = crd - dt.timedelta(days=rng.randint(14, 135)) if rng.random() < 0.4 else None
    ped = crd - dt.timedelta(days=rng.randint(30, 400)) if rng.random() < 0.2 else None
    v[0] = _date(extract)
    v[2] = prison
    v[3] = noms
    v[4] = "M" if rng.random() < 0.95 else "F"
    v[5] = f"{_letters(rng.randint(0, 675), 2)}{rng.randint(0, 9999):04d}"
    v[6] = "SYNTHETIC-" + "".join(rng.choice(_SYLLABLES) for _ in range(3)).upper()
    v[7] = rng.choice(_FORENAMES)
    v[8] = rng.choice(_FORENAMES) if rng.random() < 0.6 else ""
    v[9] = _cro(rng) if rng.random() < 0.7 else ""
    v[10] = "YP" if _age(birth, extract) < 21 else "N"
    v[11] = str(_age(birth, extract))
    v[12] = _date(birth)
    v[13] = "British" if rng.random() < 0.85 else "Irish"
    v[14] = rng.choice(_ETHNICITIES)
    v[15] = rng.choice(_RELIGIONS)
    v[16] = rng.choice(("Single-not married/in civil partnership", "Married", ""))
    v[18] = f"{rng.choice('ABCDEFGH')}-{rng.randint(1, 4)}-{rng.randint(1, 40):03d}"
    v[19] = rng.choice(_INCENTIVES)
    v[22] = _date(start)
    v[23] = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]
    v[24] = "Sentenced - fixed length of time"
    v[25] = rng.choice(_CATEGORIES)
    v[26] = _date(extract + dt.timedelta(days=rng.randint(30, 365)))
    years, rest = divmod(length, 365)
    v[27], v[28], v[29] = str(years), str(rest // 30), str(rest % 30)
    v[31] = _date(min(d for d in (crd, hdced, ped) if d is not None))
    v[42] = rng.choice(_OFFENCES)
    pncs = [_pnc(rng)[1] for _ in range(1 if rng.random() < 0.9 else 2)]
    v[47] = "~".join(pncs)
    v[53] = f"1.{rng.randint(50, 99):02d}"
    v[55], v[56] = rng.choice(_HAIR), rng.choice(_EYES)
    v[57], v[58] = v[56], rng.choice(("Medium", "Slight", "Heavy"))
    v[63] = str(length)
    v[66] = _date(sed)
    v[67] = _date(hdced) if hdced else ""
    v[69] = _date(ped) if ped else (NO_DATE if rng.random() < 0.1 else "")
    v[70] = _date(crd)
    v[72] = _date(led)
    v[73] = _date(start)
    if rng.random() < 0.5:
        v[61] = "Scar on left cheek"
    v[93] = f"{rng.randint(1, 200)} Synthetic Street"
    v[95] = "Testtown"
    v[98] = f"ZZ99 {rng.randint(1, 9)}{_letters(rng.randint(0, 675), 2)}"
    v[135] = _date(start)
    v[136], v[137], v[138] = f"{rng.randint(0, 23):02d}", f"{rng.randint(0, 59):02d}", "00"
    v[139] = "24" if rng.random() < 0.5 else "I"
    v[146] = "~".join(rng.sample(_OFFENCES, rng.randint(0, 2)))
    v[147] = "~".join(rng.sample(_ALERTS, rng.randint(0, 2)))
    if rng.random() < 0.1:
        v[152] = _date(led + dt.timedelta(days=365))
    if rng.random() < 0.2:  # the layout's quoting quirk
        for index in (6, 7, 18):
            if v[index]:
                v[index] = f'"{v[index]}"'
    return v


def _defective(rng: random.Random, v: list[str], kind: str, earlier: str) -> list[str]:
    if kind == "bad-pnc-check":
        v[47] = _bad_check(v[47].split("~")[0])
    elif kind == "short-row":
        v = v[: rng.randint(20, FIELDS - 1)]
    elif kind == "unknown-custody-status":
        v[23] = "Active-Elsewhere"
    elif kind == "impossible-date":
        v[12] = f"31/02/{v[12][-4:]}"
    elif kind == "duplicate-noms":
        v[3] = earlier
    return v


def generate_rows(
    rows: int,
    *,
    seed: int,
    defects: float = 0.0,
    kinds: Iterable[str] = tuple(DEFECT_KINDS),
    extract_date: dt.date = dt.date(2026, 1, 5),
) -> Iterator[GeneratedRow]:
    """``rows`` generated rows, grouped by prison; ``defects`` is the share (0..1) of rows with
    a defect, of the ``kinds`` named, drawn in turn."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
    kinds = tuple(kinds)
    unknown = set(kinds) - set(DEFECT_KINDS)
    if unknown:
        raise ValueError(f"unknown defect kinds: {', '.join(sorted(unknown))}")
    per_prison = max(1, -(-rows // len(_PRISONS)))
    defect_index = 0
    first_noms = ""
    for index in range(rows):
        prison = _PRISONS[min(index // per_prison, len(_PRISONS) - 1)]
        noms = _noms(index, seed)
        values = _person(rng, noms, prison, extract_date)
        defect = None
        if kinds and index > 0 and rng.random() < defects:
            defect = kinds[defect_index % len(kinds)]
            defect_index += 1
            values = _defective(rng, values, defect, first_noms)
        first_noms = first_noms or noms
        yield GeneratedRow("|".join(values), defect, values[3] if len(values) > 3 else noms)


def next_day(lines: Iterable[str], *, seed: int, changes: float) -> Iterator[str]:
    """The next day's extract from an older one's lines: the date moves on a day (ages with
    it), ``changes`` (0..1) of the rows change (a cell move, an incentive level, new release
    dates, a release), about a tenth as many people leave and as many arrive (NOMS numbers
    starting ``Z``, in the prison of the row they follow)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            continue
        v = line.split("|")
        if len(v) != FIELDS:
            yield line  # a defective row stays as it was
            continue
        try:
            extract = dt.datetime.strptime(v[0], "%d/%m/%Y").date() + dt.timedelta(days=1)
            birth = dt.datetime.strptime(v[12].strip('"'), "%d/%m/%Y").date()
        except ValueError:
            yield line
            continue
        v[0] = _date(extract)
        v[11] = str(_age(birth, extract))
        draw = rng.random()
        if draw < changes / 10:
            continue  # left the extract
        if draw < changes:
            _change(rng, v, extract)
        yield "|".join(v)
        if rng.random() < changes / 10:
            noms = f"Z{rng.randint(0, 9999):04d}{_letters(rng.randint(0, 675), 2)}"
            yield "|".join(_person(rng, noms, v[2], extract))


def _change(rng: random.Random, v: list[str], extract: dt.date) -> None:
    kind = rng.randrange(5)
    if kind == 0:
        v[18] = f"{rng.choice('ABCDEFGH')}-{rng.randint(1, 4)}-{rng.randint(1, 40):03d}"
    elif kind == 1:
        v[19] = rng.choice(_INCENTIVES)
    elif kind == 2 and v[70]:  # a new CRD (and the LED after it)
        crd = dt.datetime.strptime(v[70], "%d/%m/%Y").date() + dt.timedelta(days=rng.randint(1, 60))
        v[70] = _date(crd)
        led = dt.datetime.strptime(v[72], "%d/%m/%Y").date() if v[72] else crd
        v[72] = _date(max(led, crd + dt.timedelta(days=1)))
    elif kind == 3:  # released
        v[23] = "INACTIVE-Out"
        v[64] = _date(extract - dt.timedelta(days=1))
        v[65] = "Conditional Release (CJA03)"
    else:
        v[147] = "~".join(rng.sample(_ALERTS, rng.randint(0, 3)))
