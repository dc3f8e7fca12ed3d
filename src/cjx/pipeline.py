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

When the target cannot encode a message's type but a registered rule makes, from that type, one
it can (``custody.release-dates`` to ``delius-key-dates``: ``release-dates-to-key-dates``), the
rule runs between steps 1 and 2 (:func:`apply_rules`), with the person index it is given.

It never raises for bad input: the :class:`Outcome` says what happened, with a report of every
issue (a link the index lacks is ``identity.unresolved``). Only a misuse (an unknown format
name, two rules that fit one route) raises, and an index that cannot be reached
(:class:`~cjx.errors.TransientError`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from cjx._input import InputData, input_bytes
from cjx.adapter import (
    Adapter,
    CanonicalJson,
    CanonicalXml,
    Translation,
    get_adapter,
    sniff,
    validate,
)
from cjx.errors import CjxError, IdentityUnresolved, Issue, Report, ValidationFailed, error
from cjx.model import Clock, Envelope, system_clock
from cjx.rules import RuleIndex, route
from cjx.validation import canonical_gate, free_text_issues

__all__ = ["VERIFY_VARIABLE", "Outcome", "apply_rules", "translate", "verify_by_default"]

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
    data: InputData,
    *,
    from_format: str | Adapter | None = None,
    to_format: str | Adapter,
    source: str = "<input>",
    clock: Clock = system_clock,
    verify: bool | None = None,
    index: RuleIndex | None = None,
    select: Callable[[Envelope[Any]], bool] | None = None,
) -> Outcome:
    """Translate one input; bad input gives a rejected outcome, never an exception.

    ``select`` keeps only the decoded messages it returns true for (an outbound service's
    ``where``); when it keeps none, the outcome is accepted with no envelopes and no outputs.

    ``verify`` reads every output back through its own format's gate (off by default; ``None``
    takes :func:`verify_by_default`). ``index`` is the person index for the look-ups of a rule
    the translation needs: without one, no rule runs (:func:`apply_rules`).

    ``data`` is the input's content, as bytes or str. Without ``from_format`` the source format
    is recognised by content, as :func:`cjx.validate` does; an input no format recognises is
    rejected with the same report (``format.unknown``, or what is wrong with its syntax).
    """
    data = input_bytes(data, "translate")
    writer = get_adapter(to_format) if isinstance(to_format, str) else to_format
    if from_format is None:
        sniffed = sniff(data)
        if sniffed is None:
            return Outcome(source, (), (), validate(data, source=source))
        from_format = sniffed
    reader = get_adapter(from_format) if isinstance(from_format, str) else from_format
    if verify is None:
        verify = verify_by_default()
    try:
        translation = reader.translate(data, source=source, clock=clock)
    except ValidationFailed as exc:
        return Outcome(source, (), (), exc.report)
    if select is not None:
        chosen = tuple(e for e in translation.envelopes if select(e))
        if len(chosen) < len(translation.envelopes):
            translation = Translation(chosen, translation.report)
    translation = apply_rules(
        translation,
        writer,
        index=index,
        source=source,
        clock=clock,
        # canonical input has passed the canonical gate on its way in; what cjx has just built
        # from a source is gated only when verifying (docs/validation.md)
        gated=isinstance(reader, CanonicalXml | CanonicalJson) or not verify,
    )
    issues = [*translation.report.issues, *free_text_issues(data, translation.envelopes)]
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


def apply_rules(
    translation: Translation,
    writer: Adapter,
    *,
    index: RuleIndex | None,
    source: str,
    clock: Clock,
    gated: bool,
) -> Translation:
    """Each message whose type ``writer`` cannot encode, replaced by what a rule makes of it.

    The rule is :func:`cjx.rules.route`'s: the one registered rule that takes the message's type
    and makes a type ``writer`` encodes. Rules run only with an ``index``; without one, and for a
    message no rule fits, the translation is unchanged (encoding then reports
    ``translate.unsupported-message-type``, as it always did). A message a rule takes passes the
    canonical gate first unless ``gated`` (a canonical reader has just validated it, or it was
    built from a source message and its output is not being verified); a link the index lacks
    rejects it (``identity.unresolved``); the rule's warnings join the report.
    """
    if index is None:
        return translation
    routes = [
        (e, None if e.message_type in writer.encodes else route(e.message_type, writer.encodes))
        for e in translation.envelopes
    ]
    if all(rule is None for _, rule in routes):
        return translation
    issues = list(translation.report.issues)
    envelopes: list[Envelope[Any]] = []
    for envelope, rule in routes:
        if rule is None:
            envelopes.append(envelope)
            continue
        if not gated:
            gate = canonical_gate(envelope)[1]
            if gate:
                issues.extend(gate)
                continue
        try:
            derivation = rule.derive(envelope, index, clock=clock)
        except IdentityUnresolved as exc:
            issues.extend(exc.report.issues)
            continue
        issues.extend(derivation.report.issues)
        envelopes.extend(derivation.envelopes)
    return Translation(tuple(envelopes), Report(source, tuple(issues)))
