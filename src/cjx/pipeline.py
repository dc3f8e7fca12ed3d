"""Translation from one format to another through the canonical model, with both gates.

``translate(data, from_format=..., to_format=...)`` runs:

1. the source adapter's ``translate``: the source schema gate, identifier checks, the model;
2. the canonical gate: each envelope's canonical XML is validated by the canonical XSD (lxml),
   unless the input was canonical XML, which the reader has just validated so;
3. the target adapter's ``encode``.

When the target cannot encode a message's type but a registered rule makes, from that type, one
it can (``custody.release-dates`` to ``delius-key-dates``: ``release-dates-to-key-dates``), the
rule runs between steps 1 and 3 (:func:`apply_rules`), with the person index it is given.

It never raises for bad input: the :class:`Outcome` says what happened, with a report of every
issue (a link the index lacks is ``identity.unresolved``). Only a misuse (an unknown format
name, two rules that fit one route) raises, and an index that cannot be reached
(:class:`~cjx.errors.TransientError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cjx.adapter import Adapter, CanonicalXml, Translation, get_adapter
from cjx.errors import CjxError, IdentityUnresolved, Report, ValidationFailed, error
from cjx.model import Clock, Envelope, system_clock
from cjx.rules import RuleIndex, route
from cjx.validation import canonical_gate, free_text_issues

__all__ = ["Outcome", "apply_rules", "translate"]


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
    index: RuleIndex | None = None,
) -> Outcome:
    """Translate one input; bad input gives a rejected outcome, never an exception.

    ``index`` is the person index for the look-ups of a rule the translation needs: without
    one, no rule runs (:func:`apply_rules`).
    """
    reader = get_adapter(from_format) if isinstance(from_format, str) else from_format
    writer = get_adapter(to_format) if isinstance(to_format, str) else to_format
    try:
        translation = reader.translate(data, source=source, clock=clock)
    except ValidationFailed as exc:
        return Outcome(source, (), (), exc.report)
    translation = apply_rules(
        translation,
        writer,
        index=index,
        source=source,
        clock=clock,
        gated=isinstance(reader, CanonicalXml),
    )
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
    canonical gate first (unless ``gated``: the canonical XML reader has just validated it); a
    link the index lacks rejects it (``identity.unresolved``); the rule's warnings join the
    report.
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
