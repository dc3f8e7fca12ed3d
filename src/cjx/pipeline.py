"""Translation from one format to another through the canonical model.

``translate(data, from_format=..., to_format=...)`` runs:

1. the reader's ``translate``: for a source format, its schema gate, identifier checks and the
   model; for canonical input, the canonical gate (XSD or JSON Schema) and the model. Every
   message cjx *reads* passes its gate (DESIGN.md section 5, as changed by issue 10);
2. the writer's ``encode``, whose bytes are the output.

What cjx has *just written* is not parsed and validated again: the writers are proven by the
lockstep and round-trip property tests instead. ``verify=True`` (or the environment variable
``CJX_VERIFY_OUTPUT=1``, which the test suite sets) reads every output back through the gate of
its own format (``writer.translate``), and for a canonical output also checks that it reads back
as the very message it was written from. A failure is a ``translate.verify`` error: a defect of
cjx, never of the input.

It never raises for bad input: the :class:`Outcome` says what happened, with a report of every
issue. Only a misuse (an unknown format name) raises.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Final

from cjx.adapter import Adapter, CanonicalJson, CanonicalXml, get_adapter
from cjx.errors import CjxError, Issue, Report, ValidationFailed, error
from cjx.model import Clock, Envelope, system_clock

__all__ = ["VERIFY_VARIABLE", "Outcome", "translate", "verify_by_default"]

#: Set to ``1`` (or ``true``, ``yes``, ``on``) to verify every output by default.
VERIFY_VARIABLE: Final = "CJX_VERIFY_OUTPUT"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})


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


def verify_by_default() -> bool:
    """Whether ``translate`` verifies its outputs when not told (``CJX_VERIFY_OUTPUT``)."""
    return os.environ.get(VERIFY_VARIABLE, "").strip().lower() in _TRUE


def translate(
    data: bytes,
    *,
    from_format: str | Adapter,
    to_format: str | Adapter,
    source: str = "<input>",
    clock: Clock = system_clock,
    verify: bool | None = None,
) -> Outcome:
    """Translate one input; bad input gives a rejected outcome, never an exception.

    ``verify`` reads every output back through its own format's gate (off by default; ``None``
    takes :func:`verify_by_default`).
    """
    reader = get_adapter(from_format) if isinstance(from_format, str) else from_format
    writer = get_adapter(to_format) if isinstance(to_format, str) else to_format
    if verify is None:
        verify = verify_by_default()
    try:
        translation = reader.translate(data, source=source, clock=clock)
    except ValidationFailed as exc:
        return Outcome(source, (), (), exc.report)
    issues = list(translation.report.issues)
    outputs: list[bytes] = []
    for envelope in translation.envelopes:
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
            output = writer.encode(envelope)
        except ValidationFailed as exc:
            issues.extend(exc.report.issues)
            continue
        except (CjxError, ValueError) as exc:
            issues.append(error("translate.encode", "", f"{writer.name} cannot encode it: {exc}"))
            continue
        if verify:
            issues.extend(_verify(output, envelope, writer, clock))
        outputs.append(output)
    report = Report(source, tuple(issues))
    if not report.ok:
        return Outcome(source, translation.envelopes, (), report)
    return Outcome(source, translation.envelopes, tuple(outputs), report)


def _verify(output: bytes, envelope: Envelope[Any], writer: Adapter, clock: Clock) -> list[Issue]:
    """The output read back through its own format's gate; canonical output must also read back
    as ``envelope``. Issues name the path in the output, not in the input."""
    try:
        again = writer.translate(output, source=str(envelope.message_id), clock=clock)
    except ValidationFailed as exc:
        return [
            error(
                "translate.verify",
                issue.path,
                f"the {writer.name} that cjx wrote fails its own gate ({issue.code}: "
                f"{issue.message}; the path is in the output); this is a defect of cjx",
            )
            for issue in exc.report.errors
        ]
    if isinstance(writer, CanonicalXml | CanonicalJson) and again.envelopes != (envelope,):
        return [
            error(
                "translate.verify",
                "",
                f"the {writer.name} that cjx wrote does not read back as the message it was "
                "written from; this is a defect of cjx",
            )
        ]
    return []
