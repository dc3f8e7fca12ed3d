"""The non-ISO dates of probation events: Java ``Date.toString()`` text (FORMAT.md).

``registrationDate`` and ``createdDateAndTime`` are written like ``Fri Jun 14 09:06:52 BST 2024``:
day name, month name, two-digit day, ``hh:mm:ss``, zone abbreviation, four-digit year. Rules kept
here, and only here:

* Two zone abbreviations exist, each a fixed offset: ``BST`` is +01:00 and ``GMT`` is +00:00.
  Any other abbreviation is rejected when reading; any other offset is rejected when writing.
* Day and month names are the fixed English abbreviations, never the locale's.
* The day name must be the weekday of the date. Java never writes anything else, and the name
  is computed again when writing, so a wrong one could not survive the round trip.
* The text has whole seconds: a value with a fraction cannot be written.
* A ``GMT`` value is read as ``+00:00``, never as ``Z``. A ``Z`` value is written as ``GMT`` and so
  comes back as ``+00:00``: the same instant and offset, which FORMAT.md counts as the same.

Errors are :class:`~cjx.model.TimestampError` values: ``timestamp.format`` when reading,
``hmpps-events.legacy-date`` when a canonical value cannot be written in this form. Messages
never echo the value.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Final

from cjx.model import Timestamp, TimestampError

__all__ = ["LEGACY_DATE_ZONES", "format_legacy_date", "parse_legacy_date"]

#: Zone abbreviation -> offset in minutes east of UTC. Fixed offsets, not a time zone database:
#: the producer writes Europe/London's abbreviation, and these two are all it can write.
LEGACY_DATE_ZONES: Final[dict[str, int]] = {"BST": 60, "GMT": 0}
_ZONE_BY_OFFSET: Final = {offset: name for name, offset in LEGACY_DATE_ZONES.items()}

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_PATTERN: Final = re.compile(
    r"(?P<day>[A-Z][a-z]{2}) (?P<month>[A-Z][a-z]{2}) (?P<dd>[0-9]{2}) "
    r"(?P<h>[0-9]{2}):(?P<m>[0-9]{2}):(?P<s>[0-9]{2}) (?P<zone>[A-Z]{3}) (?P<year>[0-9]{4})"
)
_EXAMPLE: Final = "Fri Jun 14 09:06:52 BST 2024"


def parse_legacy_date(text: str) -> Timestamp:
    """``Fri Jun 14 09:06:52 BST 2024`` -> ``Timestamp('2024-06-14T09:06:52+01:00')``."""
    m = _PATTERN.fullmatch(text)
    if m is None or m["day"] not in _DAYS or m["month"] not in _MONTHS:
        raise TimestampError("timestamp.format", f"expected a date written like {_EXAMPLE}")
    offset = LEGACY_DATE_ZONES.get(m["zone"])
    if offset is None:
        raise TimestampError(
            "timestamp.format",
            f"zone abbreviation must be one of {', '.join(LEGACY_DATE_ZONES)}",
        )
    try:
        local = datetime(
            int(m["year"]),
            _MONTHS.index(m["month"]) + 1,
            int(m["dd"]),
            int(m["h"]),
            int(m["m"]),
            int(m["s"]),
            tzinfo=timezone(timedelta(minutes=offset)),
        )
    except ValueError:
        raise TimestampError("timestamp.format", "date or time out of range") from None
    if _DAYS[local.weekday()] != m["day"]:
        raise TimestampError("timestamp.format", "day name is not the weekday of the date")
    return Timestamp(local)


def format_legacy_date(value: Timestamp) -> str:
    """The inverse of :func:`parse_legacy_date`; ``hmpps-events.legacy-date`` when impossible."""
    zone = _ZONE_BY_OFFSET.get(value.offset_minutes)
    if zone is None:
        raise TimestampError(
            "hmpps-events.legacy-date",
            "offset must be +01:00 (BST) or +00:00 (GMT) to be written in this form",
        )
    if value.nanosecond or value.fraction_digits:
        raise TimestampError(
            "hmpps-events.legacy-date", "a fraction of a second cannot be written in this form"
        )
    local = value.to_datetime()
    return (
        f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day:02d} "
        f"{local:%H:%M:%S} {zone} {local.year:04d}"
    )
