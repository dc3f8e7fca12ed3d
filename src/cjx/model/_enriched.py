"""``identity.subject-enriched`` (version 1.1): what the person index added to a subject.

The rule ``enrich-subject`` (:mod:`cjx.rules`) makes two messages of one: a **copy** of the
message whose ``subject`` gained the identifiers the person index knows for that person (same
type, same body: every consumer of the type reads it, so a probation destination can address a
release named by NOMS number), and this **record** of what was added and why. The provenance
cannot travel in the copy: ``SubjectId`` is a version 1.0 type, ``{scheme, value}`` and nothing
more for the whole of major 1 (docs/versioning.md), so it travels beside it, in a message type
of its own that names the copy (``enriched_message_id``); the copy's ``causation_id`` and this
record's both name the original message.

Rules kept here (the model is the one place they are enforced; the schemas state what they can):

* ``added`` holds at least one identifier, and each scheme at most once: a subject names one
  person, who has one current PNC ID, CRO number, NOMS number and CRN.
* An added identifier's scheme is one of those four (the schemes that name a person, not a case
  or a custody: ASNs and booking ids are never added to another message's subject).
* ``taught_by`` lists the ids of the canonical messages whose links join ``resolved_from`` to
  the added identifier, nearest ``resolved_from`` first; ``manual`` says that at least one link
  on the way was made by hand (``cjx identity link``), which has no message id. Both come from the
  index (:meth:`cjx.identity.Person.path`); nothing here is a name, date of birth or address.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from pydantic import Field, model_validator

from cjx.model._base import Body, CanonicalModel, XmlItem
from cjx.model._codes import SubjectScheme
from cjx.model._subject import SubjectId

__all__ = ["ENRICHABLE_SCHEMES", "AddedIdentifier", "SubjectEnriched"]

#: The subject schemes ``enrich-subject`` may add: the single-valued ones that name a person.
ENRICHABLE_SCHEMES: Final = (
    SubjectScheme.PNC,
    SubjectScheme.CRO,
    SubjectScheme.NOMS,
    SubjectScheme.CRN,
)


class AddedIdentifier(CanonicalModel):
    """One identifier the person index added to a subject, and how it was found."""

    identifier: SubjectId
    """The identifier added (its scheme is PNC, CRO, NOMS or CRN)."""
    resolved_from: SubjectId
    """The identifier of the original subject it was found from."""
    taught_by: Annotated[tuple[uuid.UUID, ...], XmlItem("MessageId")] = ()
    """The canonical messages that taught the links on the way, nearest ``resolved_from`` first."""
    manual: bool = False
    """At least one link on the way was made by hand (it has no message id)."""


class SubjectEnriched(Body):
    """``identity.subject-enriched``: the identifiers the index added to a message."""

    message_type = "identity.subject-enriched"
    schema_version = "1.1"

    enriched_message_id: uuid.UUID
    """The id of the enriched copy (the original is this message's ``causation_id``)."""
    added: Annotated[tuple[AddedIdentifier, ...], XmlItem("AddedIdentifier"), Field(min_length=1)]
    """The identifiers the person index added, each with how it was found."""

    @model_validator(mode="after")
    def _one_person(self) -> SubjectEnriched:
        schemes = [a.identifier.scheme for a in self.added]
        if any(s not in ENRICHABLE_SCHEMES for s in schemes):
            raise ValueError("an added identifier is a PNC ID, CRO number, NOMS number or CRN")
        if len(set(schemes)) != len(schemes):
            raise ValueError("a scheme is added at most once (a subject names one person)")
        return self
