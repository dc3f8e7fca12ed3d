"""A tolerant decoder for AMQP field tables: one bad header never takes a connection down.

Imported only by :mod:`cjx.transport.amqp` (the boundary with aio-pika, aiormq and pamqp).

aiormq decodes every frame in its connection's reader task with pamqp. pamqp's table decoder
recurses once per nesting level and lets ``datetime.fromtimestamp``'s error escape, so a message
whose headers hold a table nested 1,500 deep (``RecursionError``) or one timestamp out of range
(``ValueError``, 9 bytes) makes the reader raise; aiormq then closes the connection, the broker
delivers the same message again to the re-registered consumer, and the cycle repeats until the
queue's delivery limit (51 reconnects per message, every in-flight input of every service of
the process returned each time). ``docs/security.md`` has the upstream report.

:func:`install` replaces pamqp's decoders of field tables, field arrays, timestamps and short
strings, process-wide, with ones that never raise on what a sender wrote:

* a table or array nested deeper than :data:`MAX_TABLE_DEPTH` is skipped by its length prefix and
  read as :class:`~cjx.transport.Undecodable` (the whole header that holds it);
* a timestamp no ``datetime`` can hold is read as :class:`~cjx.transport.Undecodable`;
* a field type pamqp does not know, or a length past the end of its table, makes the rest of
  that table undecodable (its length prefix says where the table ends);
* table keys and short strings (``message_id``, ``type``...) that are not UTF-8 are decoded with
  replacement characters instead of failing the frame.

Everything else decodes to exactly what pamqp gives (``bytearray`` for byte arrays, ``bytes`` for
a long string that is not UTF-8), and the decoding is iterative over entries with explicit
offsets, linear in the size of the table (pamqp copies the rest of the table for every entry).
"""

from __future__ import annotations

import datetime
import decimal
import struct
from collections.abc import Callable
from typing import Any, Final

from pamqp import decode

from cjx.transport._base import Undecodable

__all__ = ["MAX_TABLE_DEPTH", "field_array", "field_table", "install", "short_str", "timestamp"]

#: How deep tables and arrays may nest in a header. RabbitMQ's own ``x-death`` is three levels;
#: nothing cjx or a reasonable sender writes comes near 32.
MAX_TABLE_DEPTH: Final = 32

_U8 = struct.Struct(">B")
_I8 = struct.Struct(">b")
_I16 = struct.Struct(">h")
_U16 = struct.Struct(">H")
_I32 = struct.Struct(">l")
_U32 = struct.Struct(">L")
_DEC = struct.Struct(">Bi")
_I64 = struct.Struct(">q")
_U64 = struct.Struct(">Q")
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")

_NESTED = frozenset(b"FA")
_VOID = frozenset(b"V\x00")
_TOO_DEEP = f"tables nested deeper than {MAX_TABLE_DEPTH} levels"


class _Broken(Exception):
    """The rest of the enclosing table cannot be read (an unknown type, a bad length)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _TooDeep(Exception):
    """A nested table or array past MAX_TABLE_DEPTH: its top-level header is undecodable."""


def _time(raw: int) -> datetime.datetime | Undecodable:
    seconds: float = raw
    if raw > 0xFFFFFFFF:  # pamqp's rule: anything after the year 2106 is milliseconds
        seconds = raw / 1000.0
    try:
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return Undecodable("a timestamp out of range")


def _sized(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """(start, stop) of a value with a 32-bit length prefix at ``pos``."""
    if pos + 4 > end:
        raise _Broken("a length past the end of its table")
    stop = pos + 4 + _U32.unpack_from(buf, pos)[0]
    if stop > end:
        raise _Broken("a length past the end of its table")
    return pos + 4, stop


def _fixed(pos: int, end: int, size: int) -> None:
    if pos + size > end:
        raise _Broken("a value past the end of its table")


def _value(buf: bytes, pos: int, end: int, depth: int) -> tuple[Any, int]:
    """The value whose type octet is at ``pos``, and the position after it."""
    if pos >= end:
        raise _Broken("a value past the end of its table")
    kind = buf[pos]
    pos += 1
    if kind == 0x53:  # S: long string
        start, stop = _sized(buf, pos, end)
        raw = buf[start:stop]
        try:
            return raw.decode("utf-8"), stop
        except UnicodeDecodeError:
            return raw, stop
    if kind in _NESTED:  # F: table, A: array
        start, stop = _sized(buf, pos, end)
        if depth >= MAX_TABLE_DEPTH:
            raise _TooDeep
        if kind == 0x46:
            return _table(buf, start, stop, depth + 1), stop
        return _array(buf, start, stop, depth + 1), stop
    if kind == 0x78:  # x: byte array
        start, stop = _sized(buf, pos, end)
        return bytearray(buf[start:stop]), stop
    if kind == 0x54:  # T: timestamp
        _fixed(pos, end, 8)
        return _time(_U64.unpack_from(buf, pos)[0]), pos + 8
    fixed = _FIXED.get(kind)
    if fixed is not None:
        size, read = fixed
        _fixed(pos, end, size)
        return read(buf, pos), pos + size
    if kind in _VOID:  # V: void (and NUL, seen in the wild)
        return None, pos
    raise _Broken(f"a field of unknown type {chr(kind)!r}")


def _decimal(buf: bytes, pos: int) -> decimal.Decimal:
    places, raw = _DEC.unpack_from(buf, pos)
    return decimal.Decimal(int(raw)) * (decimal.Decimal(10) ** -int(places))


_FIXED: dict[int, tuple[int, Callable[[bytes, int], Any]]] = {
    0x74: (1, lambda b, p: bool(_U8.unpack_from(b, p)[0])),  # t
    0x62: (1, lambda b, p: _I8.unpack_from(b, p)[0]),  # b
    0x42: (1, lambda b, p: _U8.unpack_from(b, p)[0]),  # B
    0x73: (2, lambda b, p: _I16.unpack_from(b, p)[0]),  # s
    0x75: (2, lambda b, p: _U16.unpack_from(b, p)[0]),  # u
    0x49: (4, lambda b, p: _I32.unpack_from(b, p)[0]),  # I
    0x69: (4, lambda b, p: _U32.unpack_from(b, p)[0]),  # i
    0x6C: (8, lambda b, p: _I64.unpack_from(b, p)[0]),  # l
    0x4C: (8, lambda b, p: _I64.unpack_from(b, p)[0]),  # L
    0x66: (4, lambda b, p: _F32.unpack_from(b, p)[0]),  # f
    0x64: (8, lambda b, p: _F64.unpack_from(b, p)[0]),  # d
    0x44: (5, _decimal),  # D
}


def _table(buf: bytes, pos: int, end: int, depth: int) -> dict[str, Any]:
    """The entries of a table. In a frame's own table (depth 1), a header nested too deep
    becomes one Undecodable value and the next header is read after it (its length says
    where); deeper down, that is the enclosing header's business."""
    table: dict[str, Any] = {}
    while pos < end:
        width = buf[pos]
        if pos + 1 + width > end:
            table["?"] = Undecodable("a key past the end of its table")
            break
        key = buf[pos + 1 : pos + 1 + width].decode("utf-8", "replace")
        pos += 1 + width
        start = pos
        try:
            table[key], pos = _value(buf, pos, end, depth)
        except _TooDeep:
            if depth > 1:
                raise
            table[key] = Undecodable(_TOO_DEEP)
            pos = _sized(buf, start + 1, end)[1]  # a table or array: skipped whole
        except _Broken as exc:
            table[key] = Undecodable(exc.reason + "; the rest of its table is left out")
            break
    return table


def _array(buf: bytes, pos: int, end: int, depth: int) -> list[Any]:
    items: list[Any] = []
    while pos < end:
        try:
            item, pos = _value(buf, pos, end, depth)
        except _Broken as exc:
            items.append(Undecodable(exc.reason + "; the rest of its array is left out"))
            break
        items.append(item)
    return items


def field_table(value: bytes) -> tuple[int, dict[str, Any]]:
    """pamqp's ``decode.field_table``, tolerant: (bytes consumed, table)."""
    if len(value) < 4:
        raise ValueError("Could not unpack data")  # a frame cut short: not the sender's doing
    stop = 4 + _U32.unpack_from(value, 0)[0]
    if stop > len(value):
        raise ValueError("Field table length exceeds available data")
    return stop, _table(value, 4, stop, 1)


def field_array(value: bytes) -> tuple[int, list[Any]]:
    """pamqp's ``decode.field_array``, tolerant: (bytes consumed, list)."""
    if len(value) < 4:
        raise ValueError("Could not unpack data")
    stop = 4 + _U32.unpack_from(value, 0)[0]
    if stop > len(value):
        raise ValueError("Field array length exceeds available data")
    try:
        return stop, _array(value, 4, stop, 1)
    except _TooDeep:
        return stop, [Undecodable(_TOO_DEEP)]


def timestamp(value: bytes) -> tuple[int, datetime.datetime | Undecodable]:
    """pamqp's ``decode.timestamp``, tolerant: an out-of-range value is Undecodable."""
    if len(value) < 8:
        raise ValueError("Could not unpack timestamp value")
    return 8, _time(_U64.unpack_from(value, 0)[0])


def short_str(value: bytes) -> tuple[int, str]:
    """pamqp's ``decode.short_str``, tolerant: bytes that are not UTF-8 are replaced."""
    if not value:
        raise ValueError("Could not unpack short string value")
    length = value[0]
    return length + 1, value[1 : length + 1].decode("utf-8", "replace")


def install() -> None:
    """Put the tolerant decoders where pamqp looks them up (idempotent, process-wide)."""
    methods: dict[str, Callable[..., Any]] = decode.METHODS
    mapping: dict[bytes, Callable[..., Any]] = decode.TABLE_MAPPING
    methods["table"] = field_table
    methods["array"] = field_array
    methods["timestamp"] = timestamp
    methods["shortstr"] = short_str
    mapping[b"F"] = field_table
    mapping[b"A"] = field_array
    mapping[b"T"] = timestamp
