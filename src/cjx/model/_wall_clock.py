"""Local date-times (no offset) read from NOMIS, Delius and CVL, and dates; written back exactly.

Rules kept here, the one place they live; every adapter reports the same codes:

* A local date-time is Europe/London wall-clock time (:data:`LONDON`). Its text is
  ``YYYY-MM-DDTHH:MM`` with optional ``:SS`` and 1 to 9 fraction digits
  (:data:`LOCAL_DATETIME_PATTERN`): ``2013-12-02T20:00``, ``2018-01-21T15:00:00``,
  ``2020-01-13T11:33:23.666789``.
* Reading it (:func:`read_local_datetime`) gives a :class:`~cjx.model.Timestamp` at the offset
  Europe/London had at that moment (``+00:00`` or ``+01:00``), with the source's precision: the
  seconds unwritten when the source wrote none, the same number of fraction digits.
* A wall-clock time the spring-forward gap skips (``2024-03-31T01:30``) names no instant: error
  ``local-datetime.nonexistent``. One the autumn fold repeats (``2024-10-27T01:30``) names two:
  warning ``local-datetime.ambiguous``, and the earlier instant (British Summer Time, ``+01:00``)
  is chosen. Nothing is lost: writing it back gives the same wall-clock text.
* A text that is not such a date-time, or not a calendar date and time, is
  ``local-datetime.format``; so is one before 1 December 1847, when London kept local mean time
  (an offset of -0:01:15, which no whole-minute offset can carry).
* Writing (:func:`format_local_datetime`) gives the wall-clock text at Europe/London of the
  timestamp's instant, with its precision. For a timestamp read by :func:`read_local_datetime`
  that is exactly the source's text. A timestamp at another offset is converted first. The later
  instant of a fold is written as the same text as the earlier one: the source format cannot
  tell them apart either.
* A date is ``YYYY-MM-DD`` and a calendar date (:func:`read_date`, ``date.format``); it is a
  :class:`datetime.date`, never a date-time.

Messages describe the rule, never the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Final
from zoneinfo import ZoneInfo

from cjx.errors import Issue, error, warning

from ._timestamp import Timestamp, TimestampError

__all__ = [
    "DATE_TEXT_PATTERN",
    "LOCAL_DATETIME_PATTERN",
    "LONDON",
    "LocalDateTimeError",
    "format_local_datetime",
    "parse_local_datetime",
    "read_date",
    "read_local_datetime",
]

#: The zone of every local date-time cjx reads (the sources are the courts, prisons and
#: probation of England and Wales).
LONDON: Final = ZoneInfo("Europe/London")

#: A local date-time as NOMIS, Delius and CVL write it: to the minute, second or fraction.
LOCAL_DATETIME_PATTERN: Final = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
)
#: A date as every source writes it.
DATE_TEXT_PATTERN: Final = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

_LOCAL: Final = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
)
_DATE: Final = re.compile(DATE_TEXT_PATTERN)
_MINUTE: Final = dt.timedelta(minutes=1)


class LocalDateTimeError(ValueError):
    """A local date-time that cannot be placed in time. ``code`` is ``local-datetime.*``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_local_datetime(text: str, *, zone: ZoneInfo = LONDON) -> tuple[Timestamp, bool]:
    """``(timestamp, ambiguous)`` for a local date-time; :class:`LocalDateTimeError` otherwise.

    ``ambiguous`` is true when the wall-clock time occurs twice (the autumn fold); the
    timestamp is then the earlier instant.
    """
    m = _LOCAL.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise LocalDateTimeError(
            "local-datetime.format",
            "expected a local date-time YYYY-MM-DDTHH:MM, with optional :SS and fraction",
        )
    day, hours, minutes, seconds, fraction = m.groups()
    try:
        naive = dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time(int(hours), int(minutes), int(seconds or 0))
        )
    except ValueError:
        raise LocalDateTimeError(
            "local-datetime.format", "not a calendar date and time of day"
        ) from None
    earlier = naive.replace(tzinfo=zone, fold=0)
    later = naive.replace(tzinfo=zone, fold=1)
    offset = earlier.utcoffset()
    if offset is None or offset % _MINUTE:
        raise LocalDateTimeError(
            "local-datetime.format",
            "a local date-time before December 1847 has no whole-minute offset in Europe/London",
        )
    back = earlier.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != naive:
        raise LocalDateTimeError(
            "local-datetime.nonexistent",
            "this wall-clock time does not exist in Europe/London (the clocks go forward past it)",
        )
    ambiguous = later.utcoffset() != offset
    digits = len(fraction or "")
    try:
        stamp = Timestamp(
            earlier,
            nanos=int(fraction.ljust(9, "0")) if fraction else 0,
            digits=digits,
            seconds=seconds is not None,
        )
    except TimestampError as exc:  # pragma: no cover - the pattern admits no such value
        raise LocalDateTimeError("local-datetime.format", exc.message) from None
    return stamp, ambiguous


def read_local_datetime(
    raw: object, path: str | Callable[[], str], *, zone: ZoneInfo = LONDON
) -> tuple[Timestamp | None, Issue | None]:
    """For adapters: ``(timestamp or None, issue or None)`` for one source value at ``path``.

    The issue is an error (``local-datetime.format``, ``local-datetime.nonexistent``) with no
    timestamp, or a warning (``local-datetime.ambiguous``) with the earlier instant.
    """
    try:
        stamp, ambiguous = parse_local_datetime(raw, zone=zone)  # type: ignore[arg-type]
    except LocalDateTimeError as exc:
        return None, error(exc.code, path() if callable(path) else path, exc.message)
    if not ambiguous:
        return stamp, None
    return stamp, warning(
        "local-datetime.ambiguous",
        path() if callable(path) else path,
        "this wall-clock time occurs twice in Europe/London (the clocks go back); the earlier "
        "instant, British Summer Time, is taken",
    )


def format_local_datetime(stamp: Timestamp, *, zone: ZoneInfo = LONDON) -> str:
    """The wall-clock text of ``stamp`` at ``zone``, with its precision and no offset.

    :class:`LocalDateTimeError` (``local-datetime.format``) for an instant the zone cannot
    write with a whole-minute offset (before December 1847) or outside years 1 to 9999.
    """
    try:
        local = stamp.to_datetime().astimezone(zone)
    except OverflowError:
        local = None
    offset = local.utcoffset() if local is not None else None
    if local is None or offset is None or offset % _MINUTE:
        raise LocalDateTimeError(
            "local-datetime.format",
            "this instant has no whole-minute wall-clock time in Europe/London",
        )
    text = local.replace(tzinfo=None, microsecond=0).isoformat(
        timespec="seconds" if stamp.seconds_written else "minutes"
    )
    if stamp.fraction_digits:
        text += "." + str(stamp.nanosecond).rjust(9, "0")[: stamp.fraction_digits]
    return text


def read_date(raw: object, path: str | Callable[[], str]) -> tuple[dt.date | None, Issue | None]:
    """For adapters: ``(date or None, issue or None)``: ``YYYY-MM-DD``, a calendar date."""
    if isinstance(raw, str) and _DATE.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw), None
        except ValueError:
            pass
    return None, error(
        "date.format", path() if callable(path) else path, "expected a calendar date YYYY-MM-DD"
    )
