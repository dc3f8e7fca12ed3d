"""``enrich-subject``: a message about a person gains the person's other known identifiers.

A prisoner release named by NOMS number gains the CRN the person index knows for it, so that a
probation destination can address it. Rules kept here:

* **What is added.** For each identifier of the subject the index keeps (PNC, CRO, NOMS, CRN,
  ASN, booking id; not ``PERSON``), the index's person; from those, the **current** PNC ID, CRO
  number, NOMS number and CRN (:data:`~cjx.model.ENRICHABLE_SCHEMES`) of every scheme the
  subject does not already name. ASNs and booking ids are never added: they name a case or a
  custody, not the person, and would mislead in another message's subject. A scheme the subject
  already names is left alone, even when the index's current value differs (a message naming a
  former NOMS number keeps it). A scheme whose value is unknown, contested (``Person.current``
  is ``None``) or different between the people the subject's identifiers resolve to is not
  added (``enrich-subject.ambiguous`` warns of the last). **Nothing is invented.**
* **Two outputs, or none.** When something is added: output 0 is a copy of the message (same
  type, same body, the subject extended at its end), so every consumer and adapter of that type
  reads it; output 1 is an ``identity.subject-enriched`` record naming the copy and, for each
  added identifier, the subject identifier it was found from, the ids of the messages that
  taught the links on the way, and whether one was made by hand. ``SubjectId`` is a 1.0 type and
  cannot carry that mark itself (docs/versioning.md). When nothing is added there is **no
  output** (information ``enrich-subject.nothing-known``): a copy that adds nothing would be a
  second message with the same content under another id, which every consumer of the type would
  receive twice.
* **No loops.** The rule never enriches what a rule made (:func:`is_derived`: its own copies,
  their records, every other rule's outputs): information ``rule.derived-input``, no output. Its
  outputs are therefore never enriched again, however a service subscribes it, and a redelivered
  input gives the same ids (de-duplicated downstream).
* **Waiting.** With ``requires`` (for a service that must not pass a message on without, say,
  its CRN), a required scheme that the subject lacks and the index cannot add raises
  :class:`~cjx.errors.IdentityUnresolved` (``identity.unresolved`` at ``/subject``, the subject's
  identifiers masked). The registered ``enrich-subject`` requires nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Final

from cjx.errors import IdentityUnresolved, Issue, Report, error, information, warning
from cjx.identity import SUBJECT_SCHEMES, Ident, Person, subject_ident
from cjx.model import (
    BODY_TYPES,
    ENRICHABLE_SCHEMES,
    AddedIdentifier,
    Clock,
    Envelope,
    IdentifierError,
    SubjectEnriched,
    SubjectId,
    SubjectScheme,
)

from ._protocol import Derivation, Rule, RuleIndex, is_derived

__all__ = ["EnrichSubject"]

NAME: Final = "enrich-subject"


class EnrichSubject(Rule):
    """Adds the person's other known identifiers to a message's subject (see the module rules)."""

    name: ClassVar[str] = NAME
    consumes: ClassVar[frozenset[str]] = frozenset(BODY_TYPES) - {SubjectEnriched.message_type}
    produces: ClassVar[frozenset[str]] = frozenset(BODY_TYPES)
    description: ClassVar[str] = (
        "a message about a person -> a copy whose subject gains the person's other known "
        "identifiers (PNC, CRO, NOMS, CRN), and an identity.subject-enriched record of where "
        "each came from"
    )

    def __init__(self, *, requires: Iterable[SubjectScheme] = ()) -> None:
        self.requires = tuple(SubjectScheme(s) for s in requires)

    def makes(self, message_type: str) -> frozenset[str]:
        """A copy of the input's type and the record."""
        if message_type not in self.consumes:
            return frozenset()
        return frozenset({message_type, SubjectEnriched.message_type})

    def apply(self, envelope: Envelope[Any], index: RuleIndex, clock: Clock) -> Derivation:
        if is_derived(envelope):
            return self.derived_input(envelope)
        issues: list[Issue] = []
        people = list(_people(envelope, index, issues))
        present = {s.scheme for s in envelope.subject}
        added: list[AddedIdentifier] = []
        for scheme in ENRICHABLE_SCHEMES:
            if scheme in present:
                continue
            found: dict[Ident, tuple[SubjectId, Person]] = {}
            for subject, person in people:
                value = person.current(SUBJECT_SCHEMES[scheme.value])
                if value is not None:
                    found.setdefault(value, (subject, person))
            if len(found) > 1:
                issues.append(
                    warning(
                        f"{NAME}.ambiguous",
                        "/subject",
                        f"the subject's identifiers belong to people with different "
                        f"{scheme.value} identifiers in the person index; none is added",
                    )
                )
            elif found:
                ((value, (subject, person)),) = found.items()
                links = person.path(value)
                added.append(
                    AddedIdentifier(
                        identifier=SubjectId(scheme=scheme, value=value.value),
                        resolved_from=subject,
                        taught_by=tuple(
                            link.message_id for link in links if link.message_id is not None
                        ),
                        manual=any(link.message_id is None for link in links),
                    )
                )
        self._check_required(envelope, present | {a.identifier.scheme for a in added})
        report = Report(self.input_name(envelope), tuple(issues))
        if not added:
            nothing = information(
                f"{NAME}.nothing-known",
                "/subject",
                "the person index holds no identifier of this person that the subject lacks "
                "and that could be added: nothing is added and no message is made",
            )
            return Derivation((), report.extended([nothing]))
        enriched = (*envelope.subject, *(a.identifier for a in added))
        copy = self.output(envelope, envelope.body, 0, subject=enriched, clock=clock)
        record = self.output(
            envelope,
            SubjectEnriched(enriched_message_id=copy.message_id, added=tuple(added)),
            1,
            subject=enriched,
            clock=clock,
        )
        return Derivation((copy, record), report)

    def _check_required(self, envelope: Envelope[Any], named: set[SubjectScheme]) -> None:
        missing = [s.value for s in self.requires if s not in named]
        if not missing:
            return
        known = ", ".join(_masked(s) for s in envelope.subject) or "no identifier"
        raise IdentityUnresolved(
            Report(
                self.input_name(envelope),
                (
                    error(
                        "identity.unresolved",
                        "/subject",
                        f"the person index knows no {' or '.join(missing)} for {known}",
                    ),
                ),
            )
        )


def _people(
    envelope: Envelope[Any], index: RuleIndex, issues: list[Issue]
) -> Iterable[tuple[SubjectId, Person]]:
    """Each subject identifier the index keeps, with the index's person for it."""
    for n, subject in enumerate(envelope.subject):
        try:
            ident = subject_ident(subject)
        except IdentifierError as exc:
            issues.append(warning(exc.code, f"/subject/{n}/value", f"{exc.message}; not looked up"))
            continue
        if ident is not None:
            yield subject, index.resolve(ident)


def _masked(subject: SubjectId) -> str:
    try:
        ident = subject_ident(subject)
    except IdentifierError:
        ident = None
    if ident is None:
        return f"{subject.scheme.value.lower()}:***"
    return ident.masked()
