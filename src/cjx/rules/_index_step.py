"""``index``: the step that feeds the person index from the traffic.

Every message goes to :meth:`cjx.identity.PersonIndex.learn`, which applies what the message
teaches in one transaction: the extractor of its type in :data:`cjx.identity.EXTRACTORS`
(``identity.identifiers-linked``, ``identity.person-merged``, and the record types as their
entries are added) and the identifiers its subject names. Rules kept here:

* This is the one rule with an effect: it **writes** the index (``index_use = "learn"``) and
  makes no message. Learning is idempotent (a link is kept once, a redelivered message's conflict
  is recorded once), so a redelivery is harmless.
* It does **not** learn from what a rule made (:func:`~cjx.rules.is_derived`): those messages
  carry what the index itself said (an enriched subject, a custody found through it), and
  learning them back would make the index its own teacher (and re-make, as "taught by a
  message", links an operator retracted). Information ``rule.derived-input``.
* What the index could not read (an identifier it left out) and every link it refused (a
  conflict, recorded in the index) are warnings in the report, identifiers masked; the service
  logs them. Neither stops the message.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final, Literal

from cjx.errors import Report, warning
from cjx.model import BODY_TYPES, Clock, Envelope

from ._protocol import Derivation, Rule, RuleIndex, is_derived

__all__ = ["IndexStep"]

NAME: Final = "index"


class IndexStep(Rule):
    """Feeds the person index from every message (see the module rules)."""

    name: ClassVar[str] = NAME
    consumes: ClassVar[frozenset[str]] = frozenset(BODY_TYPES)
    produces: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = (
        "every message -> the person index learns the links it teaches (no output)"
    )
    index_use: ClassVar[Literal["look-up", "learn"]] = "learn"

    def apply(self, envelope: Envelope[Any], index: RuleIndex, clock: Clock) -> Derivation:
        if is_derived(envelope):
            return self.derived_input(envelope)
        learnt = index.learn(envelope)
        refused = [warning(c.code.value, "", c.describe()) for c in learnt.conflicts]
        return Derivation((), Report(self.input_name(envelope), (*learnt.issues, *refused)))
