"""The rule protocol: one canonical message in, zero or more canonical messages out.

Rules kept here, for every rule:

* A rule is a **synchronous function** of one canonical envelope and the person index's answers
  (:class:`RuleIndex`, passed in, never opened here): no broker, no files, no clock but the one
  it is given. The same input and the same index give the same outputs, byte for byte.
* Every output is a new message: ``causation_id`` is the input's ``message_id``;
  ``correlation_id`` and ``classification`` are the input's; ``occurred_at`` is the input's (the
  fact happened when the input's did); ``produced_at`` is the clock's; ``source`` is
  ``{system: "cjx", format: "rule.<name>"}`` (:func:`rule_source`).
* Every output's ``message_id`` is :func:`rule_message_id` of the rule's name, the input's id
  and the output's position: UUIDv5 in :data:`RULE_MESSAGE_ID_NAMESPACE`, a namespace of its own,
  so it never equals an id an adapter makes (those are UUIDv5 in the model's
  ``MESSAGE_ID_NAMESPACE``; two ids from different namespaces agree only if SHA-1 collides). A
  redelivered input gives the same ids, which downstream de-duplication drops.
* Failures: a link the index does not have (yet) raises :class:`~cjx.errors.IdentityUnresolved`
  (a transient error: the link may come) whose report holds one ``identity.unresolved`` error,
  the identifier masked; an unreachable index raises :class:`~cjx.errors.TransientError` (the
  index's own); an input of a type the rule does not consume is a
  :class:`~cjx.errors.ConfigurationError` (the caller routed it wrongly).
* A rule never takes as input what a rule derived when that could loop: see
  :func:`is_derived`, which ``enrich-subject`` and ``index`` use.
"""

from __future__ import annotations

import abc
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, Protocol

from cjx.errors import ConfigurationError, Report, information
from cjx.identity import Booking, Ident, Learnt, Person
from cjx.model import (
    Body,
    Clock,
    Envelope,
    Source,
    SubjectId,
    Timestamp,
    envelope_type,
    system_clock,
)

__all__ = [
    "RULE_MESSAGE_ID_NAMESPACE",
    "RULE_NAME_PATTERN",
    "RULE_SYSTEM",
    "Derivation",
    "Rule",
    "RuleIndex",
    "derived_envelope",
    "is_derived",
    "rule_message_id",
    "rule_source",
]

#: Namespace of the UUIDv5 ids of rule outputs. Never change it: ids must be stable across
#: releases. It is not the model's ``MESSAGE_ID_NAMESPACE``, so a rule's output can never take
#: the id of a message an adapter made.
RULE_MESSAGE_ID_NAMESPACE: Final = uuid.UUID("f07f1c13-d82c-4d9a-b2d8-ee0730801233")
#: ``Source.system`` of every message a rule makes.
RULE_SYSTEM: Final = "cjx"
#: A rule's name: lower case, digits and hyphens, short enough for ``rule.<name>`` to be a
#: ``Source.format`` (at most 64 characters).
RULE_NAME_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,58}")


def rule_message_id(rule: str, input_id: uuid.UUID, position: int) -> uuid.UUID:
    """The id of output ``position`` (from 0) that rule ``rule`` made of message ``input_id``.

    ``uuid5(RULE_MESSAGE_ID_NAMESPACE, "rule" US name US input-id US position)``, US being the
    unit separator ``\\x1f`` (which a rule name cannot hold).
    """
    name = "\x1f".join(("rule", rule, str(input_id), str(position)))
    return uuid.uuid5(RULE_MESSAGE_ID_NAMESPACE, name)


def rule_source(rule: str) -> Source:
    """``{system: "cjx", format: "rule.<name>"}``: the source of every output of ``rule``."""
    return Source.model_construct(system=RULE_SYSTEM, format=f"rule.{rule}", organisation=None)


def is_derived(envelope: Envelope[Any]) -> bool:
    """Whether a rule made ``envelope`` (its source is ``cjx``/``rule.*``)."""
    source = envelope.source
    return source.system == RULE_SYSTEM and source.format.startswith("rule.")


def derived_envelope(
    rule: str,
    cause: Envelope[Any],
    body: Body,
    position: int,
    *,
    subject: Sequence[SubjectId],
    clock: Clock,
) -> Envelope[Any]:
    """Output ``position`` of ``rule`` for the input ``cause``: the header rules above."""
    fields: dict[str, Any] = {
        "message_id": rule_message_id(rule, cause.message_id, position),
        "message_type": type(body).message_type,
        "schema_version": type(body).schema_version,
        "occurred_at": cause.occurred_at,
        "produced_at": Timestamp.from_datetime(clock()),
        "correlation_id": cause.correlation_id,
        "causation_id": cause.message_id,
        "source": rule_source(rule),
        "subject": tuple(subject),
        "classification": cause.classification,
        "body": body,
    }
    # every part is a validated value (the input passed the canonical gate, the body and the
    # subject identifiers are models): assembling them needs no second validation
    return envelope_type(type(body).message_type).model_construct(**fields)


class RuleIndex(Protocol):
    """What a rule may ask of the person index; :func:`cjx.identity.open_index` gives one.

    Look-ups for every rule; ``learn`` for the ``index`` step alone. Each call is one
    transaction and may raise :class:`~cjx.errors.TransientError` (index unreachable).
    """

    def resolve(self, ident: Ident) -> Person: ...

    def booking(self, booking_id: int | Ident) -> Booking: ...

    def learn(self, envelope: Envelope[Any]) -> Learnt: ...


@dataclass(frozen=True, slots=True)
class Derivation:
    """What a rule made of one input: its outputs (possibly none) and the issues worth knowing.

    The report's issues are information and warnings (paths are JSON pointers into the input);
    a rule that cannot derive raises instead.
    """

    envelopes: tuple[Envelope[Any], ...]
    report: Report


class Rule(abc.ABC):
    """Base class of every rule; subclasses fill in the class attributes and :meth:`apply`."""

    #: The rule's name (:data:`RULE_NAME_PATTERN`), e.g. ``release-dates-to-key-dates``; also
    #: its entry point's name and, as ``rule.<name>``, the source format of its outputs.
    name: ClassVar[str]
    #: Message types it takes and may make.
    consumes: ClassVar[frozenset[str]]
    produces: ClassVar[frozenset[str]]
    #: One line for ``cjx rules``.
    description: ClassVar[str]
    #: ``"look-up"`` or ``"learn"`` (writes the index: the ``index`` step).
    index_use: ClassVar[Literal["look-up", "learn"]] = "look-up"

    def makes(self, message_type: str) -> frozenset[str]:
        """The message types this rule may make from a ``message_type`` message (by default
        :attr:`produces`; a rule whose outputs depend on its input's type narrows it)."""
        return self.produces if message_type in self.consumes else frozenset()

    def derive(
        self, envelope: Envelope[Any], index: RuleIndex, *, clock: Clock = system_clock
    ) -> Derivation:
        """The outputs of this rule for ``envelope``; see the module rules for failures."""
        if envelope.message_type not in self.consumes:
            raise ConfigurationError(
                f"rule {self.name} does not take {envelope.message_type} messages; it takes "
                + ", ".join(sorted(self.consumes))
            )
        return self.apply(envelope, index, clock)

    @abc.abstractmethod
    def apply(self, envelope: Envelope[Any], index: RuleIndex, clock: Clock) -> Derivation:
        """The rule itself; ``envelope`` is of a type it consumes."""

    def output(
        self,
        cause: Envelope[Any],
        body: Body,
        position: int,
        *,
        subject: Sequence[SubjectId],
        clock: Clock,
    ) -> Envelope[Any]:
        """:func:`derived_envelope` for this rule."""
        return derived_envelope(self.name, cause, body, position, subject=subject, clock=clock)

    def derived_input(self, envelope: Envelope[Any]) -> Derivation:
        """No output for an input a rule made, and the information that says so."""
        skipped = information(
            "rule.derived-input",
            "/source",
            f"made by a rule ({envelope.source.format}); {self.name} does not take what rules "
            "derive, so that nothing loops",
        )
        return Derivation((), Report(self.input_name(envelope), (skipped,)))

    @staticmethod
    def input_name(envelope: Envelope[Any]) -> str:
        """How reports name the input: its message id (never its content)."""
        return f"message {envelope.message_id}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
