"""The adapter registry: the ``cjx.adapters`` entry-point group plus the canonical forms.

A third party adds a system by installing a package that declares, in its ``pyproject.toml``::

    [project.entry-points."cjx.adapters"]
    my-format = "my_package:adapter"      # an Adapter instance

Entry points are loaded once, lazily. A broken entry point is never silently skipped: it is listed
by :func:`broken` (and ``cjx formats``), and asking for that format raises
:class:`~cjx.errors.ConfigurationError` with the reason, while every other format keeps working.
"""

from __future__ import annotations

import threading

from cjx._entry_points import load_group
from cjx._input import InputData, input_bytes
from cjx.codec import load_json, parse_xml
from cjx.errors import ConfigurationError, Report, UnknownFormat, ValidationFailed, error
from cjx.model import Clock, system_clock

from ._canonical import CanonicalJson, CanonicalXml
from ._protocol import Adapter, Translation

__all__ = [
    "ENTRY_POINT_GROUP",
    "adapters",
    "broken",
    "get_adapter",
    "register",
    "sniff",
    "validate",
]

ENTRY_POINT_GROUP = "cjx.adapters"

_lock = threading.Lock()
_adapters: dict[str, Adapter] | None = None
_broken: dict[str, str] = {}


def _load() -> dict[str, Adapter]:
    global _adapters  # noqa: PLW0603 - the lazily built registry
    if _adapters is not None:  # built: no lock needed to read it
        return _adapters
    with _lock:
        if _adapters is None:
            found: dict[str, Adapter]
            found, failed = load_group(ENTRY_POINT_GROUP, Adapter, noun="format")
            _broken.update(failed)
            for builtin in (CanonicalXml(), CanonicalJson()):
                found.setdefault(builtin.name, builtin)
            _adapters = found
        return _adapters


def register(adapter: Adapter) -> None:
    """Register an adapter in this process (tests, or applications without packaging)."""
    _load()[adapter.name] = adapter


def adapters() -> dict[str, Adapter]:
    """Every registered adapter by format name, sorted."""
    return dict(sorted(_load().items()))


def broken() -> dict[str, str]:
    """Adapters whose entry point failed to load, with the reason."""
    _load()
    return dict(_broken)


def get_adapter(name: str) -> Adapter:
    """The registered adapter of format ``name`` (``cjx formats`` lists them).

    Raises :class:`~cjx.errors.UnknownFormat` (naming the known formats) for a name nobody
    registered, and :class:`~cjx.errors.ConfigurationError` for one whose entry point failed.
    """
    if not isinstance(name, str):
        raise TypeError(f"get_adapter() takes a format name, not {type(name).__name__}")
    try:
        return _load()[name]
    except KeyError:
        if name in _broken:
            raise ConfigurationError(f"adapter {name!r} is broken: {_broken[name]}") from None
        known = ", ".join(sorted(_load()))
        raise UnknownFormat(f"unknown format {name!r}; known formats: {known}") from None


def sniff(data: InputData) -> Adapter | None:
    """The adapter whose format ``data`` looks like, canonical forms first; ``None`` when no
    installed format recognises it (:func:`validate` then reports ``format.unknown``)."""
    data = input_bytes(data, "sniff")
    ordered = sorted(_load().values(), key=lambda a: (not a.name.startswith("canonical"), a.name))
    for adapter in ordered:
        if adapter.sniff(data):
            return adapter
    return None


def validate(
    data: InputData,
    *,
    format: str | None = None,
    source: str = "<input>",
    detailed: bool = False,
    clock: Clock = system_clock,
) -> Report:
    """Validate ``data`` as ``format`` or, when ``None``, as whatever format it looks like.

    An input that matches no known format is invalid (``format.unknown``), not an error.
    ``data`` is the input's content, as bytes or str (:mod:`cjx._input`).
    """
    data = input_bytes(data, "validate")
    adapter = get_adapter(format) if format else sniff(data)
    if adapter is None:
        if not data.strip():
            return Report(source, (error("input.empty", "", "input is empty"),))
        well_formed = _well_formedness(data, source)
        if well_formed is not None:
            return well_formed
        return Report(
            source,
            (
                error(
                    "format.unknown",
                    "",
                    "the input matches no known format; expected one of: "
                    + ", ".join(sorted(_load())),
                ),
            ),
        )
    return adapter.validate(data, source=source, detailed=detailed, clock=clock)


#: The first two bytes of XML or JSON written in UTF-16 without a byte order mark.
_UTF16_MARKUP = (b"<\x00", b"\x00<", b"{\x00", b"\x00{", b"[\x00", b"\x00[")


def _well_formedness(data: bytes, source: str) -> Report | None:
    """For input that looks like XML or JSON but no known format: its syntax issues, if any.

    Hostile XML (a DTD, entities, excessive depth) is named as such rather than as an unknown
    format; the hardened parser is used, so nothing is expanded or fetched. JSON goes through
    :func:`~cjx.codec.load_json`, so hostile JSON (deep nesting, duplicate keys, ``NaN``, too
    large) gets its ``json.*`` code too.
    """
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if data.startswith((b"\xff\xfe", b"\xfe\xff", *_UTF16_MARKUP)):
        # UTF-16 or UTF-32: name the encoding, whichever markup it holds
        text = data.decode("utf-16", "replace").lstrip("\ufeff \t\r\n")[:1]
        kind = "json" if text in ("{", "[") else "xml"
        issue = error(f"{kind}.encoding", "", "the input is UTF-16 or UTF-32; expected UTF-8")
        return Report(source, (issue,))
    if head == b"<":
        try:
            parse_xml(data, source=source)
        except ValidationFailed as exc:
            return exc.report
    elif head in (b"{", b"["):
        try:
            load_json(data, source=source)
        except ValidationFailed as exc:
            return exc.report
    return None


def translate(
    data: bytes,
    *,
    from_format: str,
    source: str = "<input>",
    clock: Clock = system_clock,
    detailed: bool = False,
) -> Translation:
    """Decode ``data`` with the ``from_format`` adapter."""
    return get_adapter(from_format).translate(data, source=source, clock=clock, detailed=detailed)
