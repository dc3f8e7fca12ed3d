"""Rules: canonical messages derived from canonical messages, with the person index.

A **rule** is a pure, synchronous function from one canonical message (plus the person index's
answers) to zero or more canonical messages::

    from cjx.identity import open_index
    from cjx.rules import get_rule

    with open_index("sqlite:///people.db", migrate=False) as index:
        derivation = get_rule("release-dates-to-key-dates").derive(envelope, index)
        derivation.envelopes      # probation.key-dates-replaced, causation_id = envelope's id
        derivation.report         # information and warnings

Outputs have deterministic ids (UUIDv5 over the rule's name, the input's id and the output's
position, in a namespace of their own), ``causation_id`` = the input's id and ``source``
``{cjx, rule.<name>}``. A missing link raises :class:`~cjx.errors.IdentityUnresolved`
(``identity.unresolved``, the identifier masked); an unreachable index
:class:`~cjx.errors.TransientError`. Rules are registered in the ``cjx.rules`` entry-point group
and listed by ``cjx rules``; ``docs/rules.md`` tells the whole story.

The rules cjx ships:

* ``release-dates-to-key-dates``: ``custody.release-dates`` -> ``probation.key-dates-replaced``;
* ``enrich-subject``: a message -> a copy with the person's other identifiers in its subject,
  and an ``identity.subject-enriched`` record of where each came from;
* ``index``: every message -> the person index learns from it (no output).

This layer imports :mod:`cjx.model`, :mod:`cjx.errors` and the person index's types
(:mod:`cjx.identity`, itself only model and errors); it opens nothing.
"""

from __future__ import annotations

from typing import Final

from ._enrich import EnrichSubject
from ._index_step import IndexStep
from ._key_dates import MAPPING, KeyDateSource, ReleaseDatesToKeyDates, key_dates
from ._protocol import (
    RULE_MESSAGE_ID_NAMESPACE,
    RULE_NAME_PATTERN,
    RULE_SYSTEM,
    Derivation,
    Rule,
    RuleIndex,
    derived_envelope,
    is_derived,
    rule_message_id,
    rule_source,
)
from ._registry import ENTRY_POINT_GROUP, broken, get_rule, register, route, rules

__all__ = [
    # the protocol
    "Rule",
    "RuleIndex",
    "Derivation",
    "RULE_MESSAGE_ID_NAMESPACE",
    "RULE_NAME_PATTERN",
    "RULE_SYSTEM",
    "rule_message_id",
    "rule_source",
    "derived_envelope",
    "is_derived",
    # the registry
    "ENTRY_POINT_GROUP",
    "rules",
    "broken",
    "get_rule",
    "register",
    "route",
    # the rules cjx ships (the instances the entry points name)
    "ReleaseDatesToKeyDates",
    "EnrichSubject",
    "IndexStep",
    "MAPPING",
    "KeyDateSource",
    "key_dates",
    "release_dates_to_key_dates",
    "enrich_subject",
    "index_step",
]

release_dates_to_key_dates: Final = ReleaseDatesToKeyDates()
enrich_subject: Final = EnrichSubject()
index_step: Final = IndexStep()
