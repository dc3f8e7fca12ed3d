"""Translation from one format to another through the canonical model, with both gates.

``translate(data, from_format=..., to_format=...)`` runs:

1. the source adapter's ``translate``: the source schema gate, identifier checks, the model;
2. the canonical gate: each envelope's canonical XML is validated by the canonical XSD (lxml),
   unless the input was canonical XML, which the reader has just validated so;
3. the target adapter's ``encode``.

It never raises for bad input: the :class:`Outcome` says what happened, with a report of every
issue. Only a misuse (an unknown format name) raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cjx.adapter import Adapter, CanonicalXml, get_adapter
from cjx.errors import CjxError, Report, ValidationFailed, error
from cjx.model import Clock, Envelope, system_clock
from cjx.validation import canonical_gate, free_text_issues

__all__ = ["Outcome", "translate"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one input became: encoded outputs (one per message) and the report."""

    source: str
    envelopes: tuple[Envelope[Any], ...]
    outputs: tuple[bytes, ...]
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok


def translate(
    data: bytes,
    *,
    from_format: str | Adapter,
    to_format: str | Adapter,
    source: str = "<input>",
    clock: Clock = system_clock,
) -> Outcome:
    """Translate one input; bad input gives a rejected outcome, never an exception."""
    reader = get_adapter(from_format) if isinstance(from_format, str) else from_format
    writer = get_adapter(to_format) if isinstance(to_format, str) else to_format
    try:
        translation = reader.translate(data, source=source, clock=clock)
    except ValidationFailed as exc:
        return Outcome(source, (), (), exc.report)
    issues = [*translation.report.issues, *free_text_issues(data, translation.envelopes)]
    outputs: list[bytes] = []
    # canonical XML input has just passed the canonical XSD on its way in: gating it again
    # would encode, parse and validate the same message a second time
    gated = isinstance(reader, CanonicalXml)
    for envelope in translation.envelopes:
        text: bytes | None = None
        if not gated:
            text, gate = canonical_gate(envelope)
            if gate:
                issues.extend(gate)
                continue
        if envelope.message_type not in writer.encodes:
            issues.append(
                error(
                    "translate.unsupported-message-type",
                    "",
                    f"format {writer.name} cannot encode message type {envelope.message_type}",
                )
            )
            continue
        try:
            if isinstance(writer, CanonicalXml) and text is not None:
                # the gated bytes are the output: do not encode them again
                outputs.append(text)
            else:
                outputs.append(writer.encode(envelope))
        except ValidationFailed as exc:
            issues.extend(exc.report.issues)
        except (CjxError, ValueError) as exc:
            issues.append(error("translate.encode", "", f"{writer.name} cannot encode it: {exc}"))
    report = Report(source, tuple(issues))
    if not report.ok:
        return Outcome(source, translation.envelopes, (), report)
    return Outcome(source, translation.envelopes, tuple(outputs), report)
