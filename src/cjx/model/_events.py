"""Prison, identity and probation messages (DESIGN.md section 3).

These facts come from the merged service's domain events. Each body also keeps the event's
publication details (``event_version``, ``description``, ``published_at``, ``detail_url``) so that
an adapter can write the event back exactly; they are optional for a producer that has none.
Empty strings in the source stay empty strings.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cjx.model._base import Body, CanonicalModel, SafeText
from cjx.model._codes import CurrentLocation, CurrentPrisonStatus, ReceiveReason, ReleaseReason
from cjx.model._identifiers import Crn, NomsNumber, PrisonId
from cjx.model._timestamp import Timestamp

__all__ = [
    "CodedValue",
    "EventBody",
    "IdentifiersLinked",
    "PersonMerged",
    "PrisonerReceived",
    "PrisonerReleased",
    "RegistrationAdded",
    "SentenceDatesChanged",
]

Digits = Annotated[str, Field(pattern=r"^[0-9]{1,20}$")]
Text = Annotated[SafeText, Field(max_length=4000)]


class EventBody(Body):
    """Publication details shared by event-sourced bodies."""

    event_version: Annotated[int, Field(ge=1)] = 1
    """The version of the source event's schema."""
    description: Text | None = None
    """The source event's own description, in words."""
    published_at: Timestamp | None = None
    """When the source published the event."""
    detail_url: Annotated[SafeText, Field(min_length=1, max_length=2048)] | None = None
    """The URL the source gives for the event's details."""


class _Movement(EventBody):
    noms_number: NomsNumber
    """The prisoner's NOMS number."""
    prison_id: PrisonId
    """The prison the prisoner was received into or left."""
    current_location: CurrentLocation
    """Where the prisoner is now."""
    current_prison_status: CurrentPrisonStatus
    """Whether the prisoner is now under prison care."""
    movement_reason_code: Annotated[SafeText, Field(max_length=64)]
    """NOMIS's code of the reason for the movement."""
    details: Text
    """The source's details of the movement, in words (may be empty)."""


class PrisonerReceived(_Movement):
    """A prisoner was received into prison."""

    message_type = "custody.prisoner-received"
    reason: ReceiveReason
    """Why the prisoner was received."""


class PrisonerReleased(_Movement):
    """A prisoner left prison (released, transferred, sent to court...)."""

    message_type = "custody.prisoner-released"
    reason: ReleaseReason
    """Why the prisoner left."""


class SentenceDatesChanged(EventBody):
    """A prisoner's sentence dates were recalculated in NOMIS."""

    message_type = "custody.sentence-dates-changed"
    noms_number: NomsNumber
    """The prisoner's NOMS number."""
    booking_id: Digits
    """The NOMIS booking whose sentence dates changed."""
    sentence_calculation_id: Digits
    """The NOMIS sentence calculation that changed them."""


class PersonMerged(EventBody):
    """Two prisoner records were merged: ``removed_noms_number`` into ``retained_noms_number``."""

    message_type = "identity.person-merged"
    retained_noms_number: NomsNumber
    """The NOMS number that remains."""
    removed_noms_number: NomsNumber
    """The NOMS number merged into it, which no longer exists."""
    booking_id: Digits
    """The NOMIS booking of the merged record."""


class IdentifiersLinked(EventBody):
    """A probation case (CRN) was matched to a prison booking (NOMS number, book number)."""

    message_type = "identity.identifiers-linked"
    crn: Crn
    """The probation case reference number (Delius)."""
    noms_number: NomsNumber
    """The prisoner's NOMS number it was matched to."""
    booking_number: Annotated[SafeText, Field(max_length=64)]
    """The prison book number it was matched to."""


class CodedValue(CanonicalModel):
    """A code with its description; either may be empty in the source."""

    code: Annotated[SafeText, Field(max_length=64)]
    """The code."""
    description: Text
    """The code's description, in words."""


class RegistrationAdded(EventBody):
    """A registration (a risk flag such as high RoSH) was added to a probation case."""

    message_type = "probation.registration-added"
    crn: Crn
    """The probation case reference number (Delius)."""
    register_type: CodedValue
    """The register the registration is on (such as high RoSH)."""
    category: CodedValue
    """The registration's category."""
    level: CodedValue
    """The registration's level."""
    registration_id: Digits
    """Delius's id of the registration."""
    registration_date: Timestamp
    """The date-time of the registration."""
    created_at: Timestamp
    """When the registration was recorded in Delius."""
