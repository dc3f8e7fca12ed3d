"""The CVL public licence's members and where each lives in ``licence.licence-record``.

This table is the only place the mapping lives; decoding and encoding both read it. Members are
listed in the order CVL writes them, which is the order encoding writes them.

* the licence: :data:`HEADER`, one :class:`Member` per member of the top object
  (``id`` -> ``licence_id``, ``statusCode`` -> ``status``, ``prisonNumber`` -> ``noms_number``,
  ``isInPssPeriod`` -> ``in_pss_period``...; ``approvedDateTime`` -> ``approved_at``, or
  ``approved_on`` for an approval before 2023-04-01, which CVL recorded without a time);
* ``conditions``: :data:`CONDITION_SETS`, ``AP`` -> ``conditions.ap`` (``standard``,
  ``additional``, ``bespoke``) and ``PSS`` -> ``conditions.pss`` (``standard``, ``additional``);
* each condition: :data:`CONDITION_MEMBERS` (``hasImageUpload`` -> ``has_image_upload``, the
  others by the same name). An additional condition's ``type`` says which of ``restrictions``
  and ``hasImageUpload`` it has (:data:`TYPE_MEMBERS`); a type cjx does not know has whichever
  it was sent with.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from cjx.model import (
    AdditionalConditionType,
    LicenceKind,
    LicenceStatus,
    LicenceType,
    PolicyVersion,
)

__all__ = [
    "CONDITIONS",
    "CONDITION_MEMBERS",
    "CONDITION_SETS",
    "FORMAT_NAME",
    "HEADER",
    "SCHEMA",
    "SYSTEM",
    "TYPE_MEMBERS",
    "Member",
    "pointer_for",
]

FORMAT_NAME: Final = "cvl-licence"
SCHEMA: Final = "formats/cvl-licence/licence.schema.json"
#: ``Source.system`` of the canonical envelope: the system that holds the licence.
SYSTEM: Final = "cvl"
CONDITIONS: Final = "conditions"


@dataclass(frozen=True, slots=True)
class Member:
    """One member of the licence object and its field of the canonical body."""

    key: str
    field: str
    #: how the value is read and written: ``long``, ``code``, ``text``, ``noms``, ``crn``,
    #: ``approval``, ``datetime``, ``date``, ``boolean``
    kind: str
    #: the open code list of a ``code`` member
    codes: type[enum.StrEnum] | None = None

    @property
    def pointer(self) -> str:
        return f"/{self.key}"


#: The members of the licence, but ``conditions``, in CVL's order.
HEADER: Final[tuple[Member, ...]] = (
    Member("id", "licence_id", "long"),
    Member("kind", "kind", "code", LicenceKind),
    Member("licenceType", "licence_type", "code", LicenceType),
    Member("policyVersion", "policy_version", "code", PolicyVersion),
    Member("version", "version", "text"),
    Member("statusCode", "status", "code", LicenceStatus),
    Member("prisonNumber", "noms_number", "noms"),
    Member("bookingId", "booking_id", "long"),
    Member("crn", "crn", "crn"),
    Member("approvedByUsername", "approved_by_username", "text"),
    Member("approvedDateTime", "approved_at", "approval"),
    Member("createdByUsername", "created_by_username", "text"),
    Member("createdDateTime", "created_at", "datetime"),
    Member("updatedByUsername", "updated_by_username", "text"),
    Member("updatedDateTime", "updated_at", "datetime"),
    Member("licenceStartDate", "licence_start_date", "date"),
    Member("isInPssPeriod", "in_pss_period", "boolean"),
)

#: ``conditions`` member -> (canonical field, its lists: member -> condition kind), CVL's order.
CONDITION_SETS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "AP": ("ap", ("standard", "additional", "bespoke")),
    "PSS": ("pss", ("standard", "additional")),
}

#: Condition kind -> its members (member, canonical field), in CVL's order. An additional
#: condition's last two are written only where its type has them.
CONDITION_MEMBERS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "standard": (("code", "code"), ("text", "text")),
    "additional": (
        ("category", "category"),
        ("type", "type"),
        ("id", "id"),
        ("code", "code"),
        ("text", "text"),
        ("restrictions", "restrictions"),
        ("hasImageUpload", "has_image_upload"),
    ),
    "bespoke": (("text", "text"),),
}

#: Known additional condition type -> the optional members it has.
TYPE_MEMBERS: Final[dict[str, frozenset[str]]] = {
    AdditionalConditionType.STANDARD: frozenset(),
    AdditionalConditionType.ELECTRONIC_MONITORING: frozenset({"restrictions"}),
    AdditionalConditionType.MULTIPLE_EXCLUSION_ZONE: frozenset({"hasImageUpload"}),
    AdditionalConditionType.MULTIPLE_UPLOADS: frozenset({"hasImageUpload"}),
    AdditionalConditionType.SINGLE_UPLOAD: frozenset({"hasImageUpload"}),
}


_HEADER_POINTERS: Final = {
    **{m.field: m.pointer for m in HEADER},
    "approved_on": "/approvedDateTime",
    CONDITIONS: f"/{CONDITIONS}",
}
_SET_KEYS: Final = {field: key for key, (field, _) in CONDITION_SETS.items()}
_MEMBER_KEYS: Final = {
    field: key for members in CONDITION_MEMBERS.values() for key, field in members
}


def pointer_for(loc: tuple[int | str, ...]) -> str:
    """The document's JSON pointer for a location in the canonical body (``("conditions",
    "ap", "additional", 3, "has_image_upload")`` -> ``/conditions/AP/additional/3/
    hasImageUpload``); the closest member for a location inside a value."""
    if not loc:
        return ""
    head = str(loc[0])
    if head != CONDITIONS or len(loc) == 1:
        return _HEADER_POINTERS.get(head, "")
    parts = [CONDITIONS, _SET_KEYS.get(str(loc[1]), str(loc[1]))]
    for index, part in enumerate(loc[2:]):
        if index == 2:  # the member of one condition
            parts.append(_MEMBER_KEYS.get(str(part), str(part)))
        else:  # the list's name, the condition's index, an item's index
            parts.append(str(part))
    return "/" + "/".join(parts)
