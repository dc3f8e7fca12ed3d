"""An aware timestamp that keeps its source precision (to the nanosecond) and its offset.

Python's ``datetime`` stops at microseconds and forgets whether UTC was written ``Z`` or
``+00:00``; sources such as HMPPS events write nanoseconds and both spellings. A
:class:`Timestamp` writes back exactly the text it was read from (after upper-casing ``T`` and
``Z``): the same instant, the same offset, the same number of fractional digits. Naive values
(no offset) are rejected: the rule neither XSD nor JSON Schema can state fully, enforced here.

Equality compares the instant, the offset, the fraction digits, whether the seconds are
written and the UTC spelling, so two timestamps are equal exactly when they are written the same.
Ordering compares instants only.

Version 1.1 adds one precision: **seconds not written** (``2013-12-02T20:00+00:00``). NOMIS,
Delius and CVL write local date-times to the minute; a :data:`WallClockTimestamp` field keeps
that precision so that encoding gives back the source's text. Only such fields accept it: a
:class:`Timestamp` field (every version 1.0 field) requires the seconds, and
:data:`TIMESTAMP_PATTERN` is unchanged.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import total_ordering
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "TIMESTAMP_PATTERN",
    "WALL_CLOCK_TIMESTAMP_PATTERN",
    "Timestamp",
    "TimestampError",
    "WallClockTimestamp",
]

#: The text form: an RFC 3339 date-time with 0 to 9 fractional digits and a mandatory offset.
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
#: The text form of a :data:`WallClockTimestamp`: as above, or to the minute (seconds not written).
WALL_CLOCK_TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
_PARSE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<h>[0-9]{2}):(?P<m>[0-9]{2})"
    r"(?::(?P<s>[0-9]{2})(?:\.(?P<frac>[0-9]{1,9}))?)?(?P<off>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Fixed-offset zones by minutes east of UTC, made once each (at most 24 * 60 * 2 of them).
_ZONES: dict[int, timezone] = {}


class TimestampError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@total_ordering
class Timestamp:
    """An aware instant with nanosecond precision, its offset and its written precision."""

    __slots__ = ("_digits", "_local", "_nanos", "_offset", "_seconds", "_text", "_zulu")

    _local: datetime  # wall-clock time at the offset, to the second, aware
    _nanos: int  # 0..999_999_999
    _digits: int  # fractional digits written, 0..9
    _offset: int  # minutes east of UTC
    _zulu: bool  # offset zero written as Z
    _seconds: bool  # seconds written (False: to the minute, only for WallClockTimestamp)
    _text: str | None  # the text form, made on first use (the value never changes)

    def __init__(
        self,
        local: datetime,
        *,
        nanos: int = 0,
        digits: int = 0,
        zulu: bool = False,
        seconds: bool = True,
    ) -> None:
        offset = local.utcoffset()
        if offset is None:
            raise TimestampError("timestamp.naive", "timestamp has no offset (naive)")
        if not 0 <= nanos < 1_000_000_000 or not 0 <= digits <= 9:
            raise TimestampError("timestamp.format", "fraction out of range")
        if nanos % (10 ** (9 - digits)):
            raise TimestampError("timestamp.format", "fraction has more digits than declared")
        if offset % timedelta(minutes=1):
            raise TimestampError("timestamp.format", "offset is not a whole number of minutes")
        if not seconds and (local.second or digits):
            raise TimestampError(
                "timestamp.format", "a timestamp without seconds must be at a whole minute"
            )
        minutes = int(offset.total_seconds()) // 60
        zone = _ZONES.get(minutes)
        if zone is None:
            zone = _ZONES[minutes] = timezone(timedelta(minutes=minutes))
        self._local = local.replace(microsecond=0, tzinfo=zone)
        self._nanos = nanos
        self._digits = digits
        self._offset = minutes
        self._zulu = zulu and minutes == 0
        self._seconds = seconds
        self._text = None

    # construction ---------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str, *, seconds_optional: bool = False) -> Timestamp:
        """Read RFC 3339 text; ``seconds_optional`` also reads ``...T20:00+00:00`` (to the
        minute), the precision only :data:`WallClockTimestamp` fields accept."""
        m = _PARSE.fullmatch(text.strip())
        if m is None or (m["s"] is None and not seconds_optional):
            raise TimestampError(
                "timestamp.format", "expected an ISO 8601 date-time such as 2024-06-11T17:36:56Z"
            )
        off = m["off"]
        if off is None:
            raise TimestampError("timestamp.naive", "timestamp has no offset (naive)")
        try:
            day = date.fromisoformat(m["date"])
            clock = time(int(m["h"]), int(m["m"]), int(m["s"] or 0))
        except ValueError:
            raise TimestampError("timestamp.format", "date or time out of range") from None
        if off in "Zz":
            tz: tzinfo = UTC
        else:
            sign = 1 if off[0] == "+" else -1
            hours, minutes = int(off[1:3]), int(off[4:6])
            if hours > 23 or minutes > 59:
                raise TimestampError("timestamp.format", "offset out of range")
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        frac = m["frac"] or ""
        return cls(
            datetime.combine(day, clock, tz),
            nanos=int(frac.ljust(9, "0")) if frac else 0,
            digits=len(frac),
            zulu=off in "Zz",
            seconds=m["s"] is not None,
        )

    @classmethod
    def from_datetime(cls, value: datetime, *, zulu: bool = False) -> Timestamp:
        """From an aware ``datetime``; microseconds become 6 digits (none when zero)."""
        if value.tzinfo is None or value.utcoffset() is None:
            raise TimestampError("timestamp.naive", "timestamp has no offset (naive)")
        micro = value.microsecond
        return cls(value, nanos=micro * 1000, digits=6 if micro else 0, zulu=zulu)

    # views ----------------------------------------------------------------------------------

    @property
    def nanosecond(self) -> int:
        """Nanoseconds past the second (0 to 999 999 999)."""
        return self._nanos

    @property
    def fraction_digits(self) -> int:
        return self._digits

    @property
    def offset_minutes(self) -> int:
        return self._offset

    @property
    def seconds_written(self) -> bool:
        """False for a wall-clock time written to the minute (``2013-12-02T20:00``)."""
        return self._seconds

    def utcoffset(self) -> timedelta:
        return timedelta(minutes=self._offset)

    def to_datetime(self) -> datetime:
        """The aware ``datetime`` at the same offset, truncated to microseconds."""
        return self._local.replace(microsecond=self._nanos // 1000)

    def epoch_nanoseconds(self) -> int:
        seconds = int((self._local - _EPOCH).total_seconds())
        return seconds * 1_000_000_000 + self._nanos

    def isoformat(self) -> str:
        text = self._text
        if text is None:
            text = self._text = self._format()
        return text

    def _format(self) -> str:
        # not strftime("%Y"): it writes years before 1000 with fewer than four digits
        text = self._local.replace(tzinfo=None).isoformat(
            timespec="seconds" if self._seconds else "minutes"
        )
        if self._digits:
            text += "." + str(self._nanos).rjust(9, "0")[: self._digits]
        if self._zulu:
            return text + "Z"
        sign = "+" if self._offset >= 0 else "-"
        hours, minutes = divmod(abs(self._offset), 60)
        return f"{text}{sign}{hours:02d}:{minutes:02d}"

    __str__ = isoformat

    def __repr__(self) -> str:
        return f"Timestamp({self.isoformat()!r})"

    def _key(self) -> tuple[int, int, int, bool, bool]:
        return (self.epoch_nanoseconds(), self._offset, self._digits, self._zulu, self._seconds)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timestamp):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: Timestamp) -> bool:
        if not isinstance(other, Timestamp):
            return NotImplemented
        return self.epoch_nanoseconds() < other.epoch_nanoseconds()

    def __hash__(self) -> int:
        return hash(self._key())

    def same_instant(self, other: Timestamp) -> bool:
        return self.epoch_nanoseconds() == other.epoch_nanoseconds()

    # pydantic -------------------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return _core_schema(seconds_optional=False)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": f"^{TIMESTAMP_PATTERN}$",
            "description": "RFC 3339 date-time with an offset and 0 to 9 fractional digits; "
            "the source's precision and offset are kept",
        }


def _core_schema(*, seconds_optional: bool) -> core_schema.CoreSchema:
    def validate(value: Any) -> Timestamp:
        if isinstance(value, Timestamp):
            if not (value.seconds_written or seconds_optional):
                raise PydanticCustomError(
                    "timestamp.format", "expected a timestamp with seconds (HH:MM:SS)"
                )
            return value
        try:
            if isinstance(value, datetime):
                return Timestamp.from_datetime(value)
            if isinstance(value, str):
                return Timestamp.parse(value, seconds_optional=seconds_optional)
        except TimestampError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
        raise PydanticCustomError("timestamp.format", "expected a date-time string")

    return core_schema.no_info_plain_validator_function(
        validate,
        serialization=core_schema.plain_serializer_function_ser_schema(
            Timestamp.isoformat, return_schema=core_schema.str_schema(), when_used="always"
        ),
    )


class _WallClock:
    """Annotation metadata of :data:`WallClockTimestamp` (seconds may be unwritten)."""

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return _core_schema(seconds_optional=True)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": f"^{WALL_CLOCK_TIMESTAMP_PATTERN}$",
            "description": "RFC 3339 date-time with an offset, read from a source's local "
            "wall-clock time (the offset of Europe/London at that moment added); seconds may be "
            "unwritten, 0 to 9 fractional digits; the source's precision is kept",
        }


#: A timestamp read from a source's local (offset-less) date-time: the same as
#: :class:`Timestamp`, but written to the minute when the source wrote no seconds
#: (``2013-12-02T20:00+00:00``). For version 1.1 fields; see :mod:`cjx.model._wall_clock`.
WallClockTimestamp = Annotated[Timestamp, _WallClock()]
