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
    description: Text | None = None
    published_at: Timestamp | None = None
    detail_url: Annotated[SafeText, Field(min_length=1, max_length=2048)] | None = None


class _Movement(EventBody):
    noms_number: NomsNumber
    prison_id: PrisonId
    current_location: CurrentLocation
    current_prison_status: CurrentPrisonStatus
    movement_reason_code: Annotated[SafeText, Field(max_length=64)]
    details: Text


class PrisonerReceived(_Movement):
    """A prisoner was received into prison."""

    message_type = "custody.prisoner-received"
    reason: ReceiveReason


class PrisonerReleased(_Movement):
    """A prisoner left prison (released, transferred, sent to court...)."""

    message_type = "custody.prisoner-released"
    reason: ReleaseReason


class SentenceDatesChanged(EventBody):
    message_type = "custody.sentence-dates-changed"
    noms_number: NomsNumber
    booking_id: Digits
    sentence_calculation_id: Digits


class PersonMerged(EventBody):
    """Two prisoner records were merged: ``removed_noms_number`` into ``retained_noms_number``."""

    message_type = "identity.person-merged"
    retained_noms_number: NomsNumber
    removed_noms_number: NomsNumber
    booking_id: Digits


class IdentifiersLinked(EventBody):
    """A probation case (CRN) was matched to a prison booking (NOMS number, book number)."""

    message_type = "identity.identifiers-linked"
    crn: Crn
    noms_number: NomsNumber
    booking_number: Annotated[SafeText, Field(max_length=64)]


class CodedValue(CanonicalModel):
    """A code with its description; either may be empty in the source."""

    code: Annotated[SafeText, Field(max_length=64)]
    description: Text


class RegistrationAdded(EventBody):
    """A registration (a risk flag such as high RoSH) was added to a probation case."""

    message_type = "probation.registration-added"
    crn: Crn
    register_type: CodedValue
    category: CodedValue
    level: CodedValue
    registration_id: Digits
    registration_date: Timestamp
    created_at: Timestamp
