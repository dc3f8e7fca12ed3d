"""What the person index hands out: links, conflicts, people and bookings. Frozen values.

A **link** says that two identifiers belong to one person, and keeps its provenance: the
canonical message that taught it (or, for a manual link, who made it and why) and when. A
**merge** link also says that its ``a`` side (the removed NOMS number) is now a former identifier
of the person whose ``b`` side was retained. A retracted link stays, with who retracted it, when
and why; it no longer joins anything.

A **conflict** is a link the index refused, kept with both sides: the identifiers each side
holds for the contested scheme and the links (and so the message ids) that taught them. A
**person** is everything the active links join, seen from one identifier.
"""

from __future__ import annotations

import enum
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from cjx.errors import Issue

from ._ident import Ident, Scheme

__all__ = [
    "Applied",
    "Booking",
    "Claim",
    "Clash",
    "Conflict",
    "ConflictCode",
    "Learnt",
    "Link",
    "LinkKind",
    "Person",
    "Retraction",
]


class LinkKind(enum.StrEnum):
    LEARNT = "learnt"  # taught by a canonical message
    MANUAL = "manual"  # made by a person or a tool (``cjx identity link``)
    MERGE = "merge"  # a merge: ``a`` was removed, ``b`` retained (taught by a message or by hand)


class ConflictCode(enum.StrEnum):
    """Why a link was refused (or why a retraction left a person contradicting itself)."""

    #: joining would give one person two current values of a single-valued scheme
    SINGLE_VALUED = "identity.conflict.single-valued"
    #: a booking id paired with two book numbers, or a book number with two booking ids
    BOOKING_PAIR = "identity.conflict.booking-pair"
    #: a message teaches again a link that was retracted (a manual link re-makes it)
    RETRACTED = "identity.conflict.retracted"
    #: a merge would leave the person with NOMS numbers but no current one (merges in a cycle)
    MERGE_CYCLE = "identity.conflict.merge-cycle"
    #: a retraction left one person with two current values of a single-valued scheme
    AFTER_RETRACTION = "identity.conflict.after-retraction"


@dataclass(frozen=True, slots=True)
class Claim:
    """One link a message (or an operator) asserts: ``a`` and ``b`` belong to one person.

    For a merge (``merge=True``) ``a`` is the removed identifier, which becomes former, and ``b``
    the retained one.
    """

    a: Ident
    b: Ident
    merge: bool = False

    @property
    def key(self) -> tuple[Ident, Ident, bool]:
        """Identifies the claim: ordinary links are undirected, merges are not."""
        if self.merge or str(self.a) <= str(self.b):
            return (self.a, self.b, self.merge)
        return (self.b, self.a, self.merge)


@dataclass(frozen=True, slots=True)
class Retraction:
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link between two identifiers, with its provenance. Ordinary links have ``a < b``."""

    id: int
    a: Ident
    b: Ident
    kind: LinkKind
    message_id: uuid.UUID | None
    learnt_at: datetime
    actor: str | None = None
    reason: str | None = None
    retraction: Retraction | None = None

    @property
    def active(self) -> bool:
        return self.retraction is None

    @property
    def former(self) -> Ident | None:
        """The identifier this link made former (the removed side of a merge)."""
        return self.a if self.kind is LinkKind.MERGE else None

    def other(self, ident: Ident) -> Ident:
        return self.b if ident == self.a else self.a

    def provenance(self) -> str:
        """``message <id>`` or ``manual by <actor>``: who taught the link (no personal data)."""
        if self.message_id is not None:
            return f"message {self.message_id}"
        return f"manual by {self.actor}"


@dataclass(frozen=True, slots=True)
class Clash:
    """One contested scheme of a conflict: the value each side holds and who taught it.

    ``a_value`` is what the person of the refused link's ``a`` holds (``b_value`` the same for
    ``b``). The links are the active links that brought each value into its person when the
    conflict was recorded; a value with none is the refused link's own identifier.
    """

    scheme: Scheme
    a_value: Ident
    b_value: Ident
    a_links: tuple[int, ...] = ()
    b_links: tuple[int, ...] = ()
    a_messages: tuple[uuid.UUID, ...] = ()
    b_messages: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class Conflict:
    """A refused link (or a contradiction a retraction left), kept with both sides."""

    id: int
    code: ConflictCode
    a: Ident
    b: Ident
    kind: LinkKind
    message_id: uuid.UUID | None
    recorded_at: datetime
    actor: str | None = None
    reason: str | None = None
    link: int | None = None  # the retracted link this conflict is about, if any
    clashes: tuple[Clash, ...] = ()

    def describe(self) -> str:
        """One line naming the conflict, identifiers masked (safe for logs and errors)."""
        head = f"conflict {self.id} ({self.code.value}): {self.a.masked()} - {self.b.masked()}"
        if self.code is ConflictCode.RETRACTED:
            return f"{head}: that link was retracted (link {self.link}) and is not made again"
        if self.code is ConflictCode.MERGE_CYCLE:
            return f"{head}: the merge would leave no current {self.a.scheme.value} number"
        parts = [
            f"{c.scheme.value} {c.a_value.masked()} ({_taught(c.a_links, c.a_messages)})"
            f" against {c.b_value.masked()} ({_taught(c.b_links, c.b_messages)})"
            for c in self.clashes
        ]
        return f"{head}: " + "; ".join(parts) if parts else head


def _taught(links: tuple[int, ...], messages: tuple[uuid.UUID, ...]) -> str:
    if messages:
        return ("message " if len(messages) == 1 else "messages ") + ", ".join(map(str, messages))
    if links:
        return ("link " if len(links) == 1 else "links ") + ", ".join(map(str, links))
    return "the refused link itself"


@dataclass(frozen=True, slots=True)
class Applied:
    """What became of one claim: linked (new or already known), or refused with a conflict."""

    claim: Claim
    link: Link | None
    new: bool = False
    conflict: Conflict | None = None


@dataclass(frozen=True, slots=True)
class Learnt:
    """What the index learnt from one message.

    ``issues`` name identifiers of the message that the index could not read (they were left
    out; the rest was learnt). Paths are JSON pointers into the canonical message.
    """

    message_id: uuid.UUID
    applied: tuple[Applied, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def new_links(self) -> tuple[Link, ...]:
        return tuple(a.link for a in self.applied if a.new and a.link is not None)

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return tuple(a.conflict for a in self.applied if a.conflict is not None)


@dataclass(frozen=True, slots=True)
class Person:
    """One person as the index knows them, seen from ``query``.

    ``identifiers`` holds every identifier the active links join to ``query`` (and ``query``
    itself), sorted by their ``scheme:value`` text; ``former`` those a merge removed. ``links``
    are the active links among them, with their provenance; ``conflicts`` every conflict that
    names one of them. An identifier the index does not know is a person of one identifier.
    """

    query: Ident
    identifiers: tuple[Ident, ...]
    former: frozenset[Ident] = frozenset()
    links: tuple[Link, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    _adjacent: dict[Ident, list[Link]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def others(self) -> tuple[Ident, ...]:
        """The person's other identifiers (what ``resolve`` is asked for)."""
        return tuple(i for i in self.identifiers if i != self.query)

    def values(self, scheme: Scheme) -> tuple[Ident, ...]:
        """Every identifier of ``scheme``, former ones included."""
        return tuple(i for i in self.identifiers if i.scheme is scheme)

    def current(self, scheme: Scheme) -> Ident | None:
        """The one current (not former) identifier of ``scheme``; ``None`` when there is none.

        ``None`` too when there are several, which only a retraction can leave behind and which
        is then a recorded conflict: a caller must not pick one.
        """
        found = [i for i in self.identifiers if i.scheme is scheme and i not in self.former]
        return found[0] if len(found) == 1 else None

    def path(self, to: Ident) -> tuple[Link, ...]:
        """The active links from ``query`` to ``to`` (shortest; empty when ``to`` is ``query``).

        The first link of the path is the one nearest ``query``. Raises ``KeyError`` when ``to``
        is not one of the person's identifiers.
        """
        if to not in self.identifiers:
            raise KeyError(str(to))
        if not self._adjacent:
            for link in self.links:
                self._adjacent.setdefault(link.a, []).append(link)
                self._adjacent.setdefault(link.b, []).append(link)
        came_by: dict[Ident, Link | None] = {self.query: None}
        queue = deque([self.query])
        while queue:
            here = queue.popleft()
            if here == to:
                break
            for link in self._adjacent.get(here, ()):
                there = link.other(here)
                if there not in came_by:
                    came_by[there] = link
                    queue.append(there)
        steps: list[Link] = []
        here = to
        while (step := came_by[here]) is not None:
            steps.append(step)
            here = step.other(here)
        return tuple(reversed(steps))

    def taught_by(self, to: Ident) -> tuple[uuid.UUID, ...]:
        """The ids of the messages whose links join ``query`` to ``to`` (manual links have none)."""
        return tuple(link.message_id for link in self.path(to) if link.message_id is not None)


@dataclass(frozen=True, slots=True)
class Booking:
    """A NOMIS booking as the index knows it: what a rule needs to address a custody.

    ``book_number`` is the book number directly linked to the booking id (the pair a prisoner
    record teaches), ``noms_number`` the person's current NOMS number. Either is ``None`` when
    unknown; a booking is ``resolved`` only with both (a booking linked to one of the two is
    unresolved). ``person`` is seen from the booking id, so ``person.taught_by(...)`` names the
    messages behind each.
    """

    booking_id: Ident
    book_number: Ident | None
    noms_number: Ident | None
    person: Person

    @property
    def resolved(self) -> bool:
        return self.book_number is not None and self.noms_number is not None
