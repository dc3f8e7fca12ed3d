"""The adapter protocol (DESIGN.md section 6).

An adapter translates one external format to and from canonical messages. It is pure: bytes in,
envelopes out, and back; it never touches a broker. Its laws, tested on every fixture:

* ``encode(decode(x))`` is semantically equal to ``x`` for every valid source message;
* ``decode(encode(m)) == m`` for every canonical message the adapter can encode.

``translate`` is the full call: it returns the envelopes and a report holding the information
issues (such as an identifier that was normalised), and raises
:class:`~cjx.errors.ValidationFailed` with every issue found when the input is rejected.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cjx._input import takes_input
from cjx.errors import ConfigurationError, Report, ValidationFailed
from cjx.model import Clock, Envelope, system_clock
from cjx.validation import canonical_gate, free_text_issues

__all__ = ["Adapter", "Translation"]

_INPUT_METHODS = ("sniff", "translate", "decode", "validate")


@dataclass(frozen=True, slots=True)
class Translation:
    """What one source input became: its envelopes and the issues worth knowing about."""

    envelopes: tuple[Envelope[Any], ...]
    report: Report


class Adapter(abc.ABC):
    """Base class of every adapter; subclasses fill in the class attributes and three methods."""

    #: The format name, e.g. ``libra-spi``; also the AMQP routing key on ``cjx.inbound``.
    name: ClassVar[str]
    #: The media type of the format's bytes.
    media_type: ClassVar[str]
    #: The file extension written by ``cjx translate``, e.g. ``.xml``.
    extension: ClassVar[str]
    #: Message types this adapter produces and accepts.
    decodes: ClassVar[frozenset[str]]
    encodes: ClassVar[frozenset[str]]
    #: One line for ``cjx formats``.
    description: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # every method that reads an input takes bytes or str, and says so when given anything
        # else (a path, say), whoever wrote the adapter: see cjx._input
        super().__init_subclass__(**kwargs)
        for name in _INPUT_METHODS:
            if name in cls.__dict__ and callable(cls.__dict__[name]):
                wrapped = takes_input(cls.__dict__[name], sniffing=name == "sniff")
                setattr(cls, name, wrapped)

    @abc.abstractmethod
    def sniff(self, data: bytes) -> bool:
        """Whether ``data`` looks like this format (cheap; used by ``cjx validate``)."""

    @abc.abstractmethod
    def translate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        clock: Clock = system_clock,
        detailed: bool = False,
    ) -> Translation:
        """Decode ``data`` to envelopes, or raise ValidationFailed with every issue."""

    @abc.abstractmethod
    def encode(self, envelope: Envelope[Any]) -> bytes:
        """The format's bytes for ``envelope``; UnknownMessageType if it cannot be encoded."""

    def with_options(self, options: Mapping[str, str]) -> Adapter:
        """This adapter configured with a caller's options (``cjx translate --option``), as a
        new instance; the registered one is never changed. An adapter takes no option unless
        it overrides this (``delius-custody`` takes ``crn``):
        :class:`~cjx.errors.ConfigurationError` names the ones given."""
        if options:
            raise ConfigurationError(
                f"format {self.name} takes no options (given: {', '.join(sorted(options))})"
            )
        return self

    @takes_input
    def decode(
        self, data: bytes, *, source: str = "<input>", clock: Clock = system_clock
    ) -> list[Envelope[Any]]:
        """``translate`` without the report."""
        return list(self.translate(data, source=source, clock=clock).envelopes)

    @takes_input
    def validate(
        self,
        data: bytes,
        *,
        source: str = "<input>",
        detailed: bool = False,
        clock: Clock = system_clock,
    ) -> Report:
        """Every issue of ``data`` as this format, through both gates (DESIGN.md section 5):
        the source format's schema and rules, then the canonical XSD on what it became; free
        text with a bidirectional control is flagged (``text.bidi-control``, a warning)."""
        try:
            translation = self.translate(data, source=source, clock=clock, detailed=detailed)
        except ValidationFailed as exc:
            return exc.report
        report = translation.report.extended(free_text_issues(data, translation.envelopes))
        if not self.name.startswith("canonical"):  # canonical input was checked as such
            for envelope in translation.envelopes:
                report = report.extended(canonical_gate(envelope)[1])
        return report

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
