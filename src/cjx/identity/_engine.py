"""The person index over SQL: one algorithm, two databases (``_sqlite``, ``_postgres``).

Invariants this module keeps, in every write transaction:

* **Persons are the connected components of the active links.** Each identifier row carries its
  ``person``: the id of one of the person's identifiers. A link between two people relabels the
  smaller one; a retraction that disconnects a person gives each split-off part the smallest id
  among its identifiers. So a person id is always the id of one of its own identifiers, and no
  two people ever share one.
* **One active link per pair.** A unique index over ``(a, b, merge)`` for active links, and every
  insert is ``ON CONFLICT DO NOTHING``: learning a link twice, or in two processes at once,
  gives one link (the first teacher keeps the provenance).
* **No silent joins.** A link that would give one person two current values of a single-valued
  scheme (PNC, CRO, NOMS, CRN), pair a booking id with a second book number (or a book number
  with a second booking id), leave merged NOMS numbers without a current one, or re-make a link an
  operator retracted (from a message; a manual link re-makes it) is refused and recorded as a
  conflict with both sides. A former identifier (the removed side of a merge) never clashes.
* **Race-free.** Every write is one transaction that holds a lock on each person it reads or
  changes: SQLite takes the database's write lock (``BEGIN IMMEDIATE``); PostgreSQL takes an
  advisory transaction lock per person id, in ascending order, then re-reads the persons and
  starts again if one changed in between. Two processes linking NOMS A to CRN X and to CRN Y at
  the same moment: one links, the other sees that link and records a conflict.
* **History is never deleted.** A retraction marks the link (when, who, why); a refused link is a
  conflict row. Exports carry both.
"""

from __future__ import annotations

import abc
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol, TypeVar

from cjx.errors import ConfigurationError
from cjx.model import Clock, Envelope, system_clock

from ._export import (
    Imported,
    clashes_from_json,
    clashes_to_json,
    conflict_record,
    header_record,
    link_record,
    parse_records,
)
from ._ident import SCHEMES, SINGLE_VALUED, Ident, Scheme
from ._learn import claims_of
from ._records import (
    Applied,
    Booking,
    Claim,
    Clash,
    Conflict,
    ConflictCode,
    Learnt,
    Link,
    LinkKind,
    Person,
    Retraction,
)

__all__ = ["Database", "PersonIndex", "SqlIndex", "Tx"]

T = TypeVar("T")
Row = tuple[Any, ...]
Statement = tuple[str, Sequence[Any]]


class PersonIndex(Protocol):
    """The person index, whatever stores it. :func:`cjx.identity.open_index` gives one."""

    @property
    def schema_version(self) -> int: ...

    def migrate(self) -> int: ...

    def learn(self, envelope: Envelope[Any]) -> Learnt: ...

    def apply(
        self,
        claims: Sequence[Claim],
        *,
        message_id: uuid.UUID | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> tuple[Applied, ...]: ...

    def link(
        self, a: Ident, b: Ident, *, actor: str, reason: str | None = None, merge: bool = False
    ) -> Applied: ...

    def retract(self, a: Ident, b: Ident, *, actor: str, reason: str) -> tuple[Link, ...]: ...

    def resolve(self, ident: Ident) -> Person: ...

    def booking(self, booking_id: int | Ident) -> Booking: ...

    def conflicts(self) -> tuple[Conflict, ...]: ...

    def export(self) -> Iterator[dict[str, Any]]: ...

    def import_records(
        self, records: Iterable[Mapping[str, Any]], *, source: str = "<import>"
    ) -> Imported: ...

    def close(self) -> None: ...

    def __enter__(self) -> PersonIndex: ...

    def __exit__(self, *exc: object) -> None: ...


class Tx(Protocol):
    """One open write transaction."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


class Database(abc.ABC):
    """What the algorithm needs from a database: snapshots, locked writes, a bulk path.

    SQL is written once with ``?`` placeholders; a database converts it if its driver differs.
    Every method is safe to call from several threads (one at a time on the connection).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the index is, for messages: never a password."""

    @abc.abstractmethod
    def schema_version(self) -> int: ...

    @abc.abstractmethod
    def migrate(self) -> int:
        """Apply every migration not yet applied; return the schema version."""

    @abc.abstractmethod
    def read(self, statements: Sequence[Statement]) -> list[list[Row]]:
        """Run the queries in one snapshot; their rows, in order."""

    @abc.abstractmethod
    def stream(self, statements: Sequence[Statement]) -> Iterator[tuple[int, Row]]:
        """Every row of each query, tagged with the query's position, from one snapshot."""

    @abc.abstractmethod
    def write(self, idents: Collection[Ident], work: Callable[[Tx], T]) -> T:
        """Run ``work`` in one transaction that holds the person of every identifier in ``idents``.

        Identifiers not yet known are added first (each a person of its own).
        """

    @abc.abstractmethod
    def bulk_load(
        self,
        identifiers: Sequence[Row],
        links: Sequence[Row],
        conflicts: Sequence[Row],
    ) -> None:
        """Fill an empty index in one transaction (``ConfigurationError`` if it is not empty)."""

    @abc.abstractmethod
    def close(self) -> None: ...


# --- SQL, written once -----------------------------------------------------------------------

_LINK_COLUMNS = (
    "l.id, l.kind, l.message_id, l.learnt_at, l.actor, l.reason, l.retracted_at, l.retracted_by,"
    " l.retraction_reason, ia.scheme, ia.value, ib.scheme, ib.value"
)
_LINKS = (
    f"SELECT {_LINK_COLUMNS} FROM identity_link l"
    " JOIN identity_identifier ia ON ia.id = l.a JOIN identity_identifier ib ON ib.id = l.b"
)
_CONFLICT_COLUMNS = (
    "c.id, c.code, c.kind, c.message_id, c.recorded_at, c.actor, c.reason, c.link, c.clashes,"
    " ia.scheme, ia.value, ib.scheme, ib.value"
)
_CONFLICTS = (
    f"SELECT {_CONFLICT_COLUMNS} FROM identity_conflict c"
    " JOIN identity_identifier ia ON ia.id = c.a JOIN identity_identifier ib ON ib.id = c.b"
)
_PERSON_OF = "(SELECT person FROM identity_identifier WHERE scheme = ? AND value = ?)"
_MEMBER_IDS = f"(SELECT id FROM identity_identifier WHERE person = {_PERSON_OF})"

RESOLVE_MEMBERS: Final = (
    f"SELECT id, scheme, value, former FROM identity_identifier WHERE person = {_PERSON_OF}"
)
RESOLVE_LINKS: Final = f"{_LINKS} WHERE l.a IN {_MEMBER_IDS} AND l.retracted_at IS NULL"
RESOLVE_CONFLICTS: Final = (
    f"{_CONFLICTS} WHERE c.a IN {_MEMBER_IDS} UNION ALL {_CONFLICTS} WHERE c.b IN {_MEMBER_IDS}"
    " ORDER BY 1"  # a conflict inside one person comes twice; resolve() keeps one
)
_KNOWN_LINK = (
    f"{_LINKS} WHERE ia.scheme = ? AND ia.value = ? AND ib.scheme = ? AND ib.value = ?"
    " AND l.merge = ? AND l.retracted_at IS NULL"
)
_ACTIVE = f"{_LINKS} WHERE l.a = ? AND l.b = ? AND l.merge = ? AND l.retracted_at IS NULL"
#: Both sides of a claim (id, person) with the active link between them and the last retracted
#: one, in one query.
_CLAIM_STATE = (
    "SELECT x.id, x.person, y.id, y.person,"
    " (SELECT l.id FROM identity_link l WHERE l.a = x.id AND l.b = y.id AND l.merge = ?"
    " AND l.retracted_at IS NULL),"
    " (SELECT MAX(l.id) FROM identity_link l WHERE l.a = x.id AND l.b = y.id AND l.merge = ?"
    " AND l.retracted_at IS NOT NULL)"
    " FROM identity_identifier x, identity_identifier y"
    " WHERE x.scheme = ? AND x.value = ? AND y.scheme = ? AND y.value = ?"
)
_ROW = "SELECT id, person, former FROM identity_identifier WHERE scheme = ? AND value = ?"
_INSERT_LINK = (
    "INSERT INTO identity_link (a, b, kind, merge, message_id, learnt_at, actor, reason)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (a, b, merge) WHERE retracted_at IS NULL DO NOTHING RETURNING id"
)
_INSERT_CONFLICT = (
    "INSERT INTO identity_conflict"
    " (code, a, b, kind, message_id, recorded_at, actor, reason, link, clashes)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (message_id, a, b, code) WHERE message_id IS NOT NULL DO NOTHING RETURNING id"
)
_TOUCHING = (
    "SELECT id, message_id FROM identity_link WHERE (a = ? OR b = ?) AND retracted_at IS NULL"
    " ORDER BY id"
)
_PARTNERS = (
    "SELECT l.id, l.message_id, o.scheme, o.value FROM identity_link l"
    " JOIN identity_identifier o ON o.id = CASE WHEN l.a = ? THEN l.b ELSE l.a END"
    " WHERE (l.a = ? OR l.b = ?) AND l.merge = 0 AND l.retracted_at IS NULL ORDER BY l.id"
)
_FORMER = (
    "UPDATE identity_identifier SET former = CASE WHEN EXISTS (SELECT 1 FROM identity_link"
    " WHERE a = ? AND merge = 1 AND retracted_at IS NULL) THEN 1 ELSE 0 END WHERE id = ?"
)


def as_uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def as_time(value: Any) -> datetime:
    """An aware UTC time from what the database gives (a datetime, or ISO text from SQLite)."""
    time = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return time if time.tzinfo is UTC else time.astimezone(UTC)


def _link(row: Row) -> Link:
    (link_id, kind, message_id, learnt_at, actor, reason, r_at, r_by, r_why, sa, va, sb, vb) = row
    retraction = Retraction(as_time(r_at), r_by, r_why) if r_at is not None else None
    return Link(
        int(link_id),
        Ident(SCHEMES[sa], va),
        Ident(SCHEMES[sb], vb),
        LinkKind(kind),
        as_uuid(message_id),
        as_time(learnt_at),
        actor,
        reason,
        retraction,
    )


def _conflict(row: Row) -> Conflict:
    (cid, code, kind, message_id, at, actor, reason, link, clashes, sa, va, sb, vb) = row
    return Conflict(
        int(cid),
        ConflictCode(code),
        Ident(SCHEMES[sa], va),
        Ident(SCHEMES[sb], vb),
        LinkKind(kind),
        as_uuid(message_id),
        as_time(at),
        actor,
        reason,
        None if link is None else int(link),
        clashes_from_json(clashes),
    )


@dataclass(frozen=True, slots=True)
class _Member:
    id: int
    ident: Ident
    person: int
    former: bool


class _Union:
    """Union-find over integer ids (path halving); the root of a set is one of its members."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def _now(clock: Clock) -> datetime:
    now = clock()
    if now.tzinfo is None:
        raise ConfigurationError("the person index's clock must give aware datetimes")
    return now.astimezone(UTC)


def _check_actor(actor: str | None, what: str) -> None:
    if not isinstance(actor, str) or not actor.strip():
        raise ConfigurationError(f"{what} needs an actor (who makes it)")


class SqlIndex:
    """The person index over a :class:`Database` (SQLite or PostgreSQL). See the module notes."""

    def __init__(self, db: Database, *, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    def __repr__(self) -> str:
        return f"PersonIndex({self._db.describe()})"

    def __enter__(self) -> SqlIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @property
    def schema_version(self) -> int:
        return self._db.schema_version()

    def migrate(self) -> int:
        return self._db.migrate()

    # --- reading ------------------------------------------------------------------------------

    def resolve(self, ident: Ident) -> Person:
        """The person ``ident`` belongs to: their other identifiers, with provenance."""
        key = (ident.scheme.value, ident.value)
        members, links, conflicts = self._db.read(
            [(RESOLVE_MEMBERS, key), (RESOLVE_LINKS, key), (RESOLVE_CONFLICTS, key + key)]
        )
        if not members:
            return Person(ident, (ident,))
        identifiers = sorted(Ident(SCHEMES[s], v) for _, s, v, _ in members)
        former = frozenset(Ident(SCHEMES[s], v) for _, s, v, f in members if f)
        return Person(
            ident,
            tuple(identifiers),
            former,
            tuple(sorted((_link(r) for r in links), key=lambda link: link.id)),
            tuple(_conflict(r) for r in {r[0]: r for r in conflicts}.values()),
        )

    def booking(self, booking_id: int | Ident) -> Booking:
        """A booking's book number (its direct pair) and its person's current NOMS number."""
        ident = booking_id if isinstance(booking_id, Ident) else Ident.booking(booking_id)
        if ident.scheme is not Scheme.BOOKING:
            raise ConfigurationError("booking() takes a booking id")
        person = self.resolve(ident)
        books = sorted(
            link.other(ident)
            for link in person.links
            if ident in (link.a, link.b)
            and link.kind is not LinkKind.MERGE
            and link.other(ident).scheme is Scheme.BOOK
        )
        return Booking(
            ident,
            books[0] if len(books) == 1 else None,
            person.current(Scheme.NOMS),
            person,
        )

    def conflicts(self) -> tuple[Conflict, ...]:
        """Every conflict recorded, oldest first."""
        (rows,) = self._db.read([(f"{_CONFLICTS} ORDER BY c.id", ())])
        return tuple(_conflict(r) for r in rows)

    # --- learning -----------------------------------------------------------------------------

    def learn(self, envelope: Envelope[Any]) -> Learnt:
        """Learn every link ``envelope`` teaches (see :mod:`cjx.identity._learn`), atomically."""
        claims, issues = claims_of(envelope)
        applied = self.apply(claims, message_id=envelope.message_id) if claims else ()
        return Learnt(envelope.message_id, applied, issues)

    def link(
        self, a: Ident, b: Ident, *, actor: str, reason: str | None = None, merge: bool = False
    ) -> Applied:
        """A manual link (``merge``: ``a`` was merged into ``b``), made by ``actor``."""
        _check_actor(actor, "a manual link")
        if a == b:
            raise ConfigurationError("a link joins two different identifiers")
        if merge and a.scheme is not b.scheme:
            raise ConfigurationError("a merge joins two identifiers of one scheme")
        (applied,) = self.apply([Claim(a, b, merge)], actor=actor, reason=reason)
        return applied

    def apply(
        self,
        claims: Sequence[Claim],
        *,
        message_id: uuid.UUID | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> tuple[Applied, ...]:
        """Apply ``claims`` in one transaction: each is linked, already known, or a conflict.

        With ``message_id`` they were taught by that canonical message; without it they are
        manual and ``actor`` says who made them.
        """
        if message_id is None:
            _check_actor(actor, "a manual link")
        claims = [c for c in claims if c.a != c.b]
        if not claims:
            return ()
        known = self._known(claims)
        if all(link is not None for link in known):
            return tuple(Applied(c, link) for c, link in zip(claims, known, strict=True))
        idents = {i for c in claims for i in (c.a, c.b)}

        def work(tx: Tx) -> tuple[Applied, ...]:
            now = _now(self._clock)
            return tuple(
                self._apply_one(
                    tx, claim, message_id=message_id, actor=actor, reason=reason, now=now
                )
                for claim in claims
            )

        return self._db.write(idents, work)

    def _known(self, claims: Sequence[Claim]) -> list[Link | None]:
        statements: list[Statement] = []
        for claim in claims:
            a, b, merge = claim.key
            statements.append(
                (_KNOWN_LINK, (a.scheme.value, a.value, b.scheme.value, b.value, int(merge)))
            )
        return [_link(rows[0]) if rows else None for rows in self._db.read(statements)]

    def _apply_one(
        self,
        tx: Tx,
        claim: Claim,
        *,
        message_id: uuid.UUID | None,
        actor: str | None,
        reason: str | None,
        now: datetime,
    ) -> Applied:
        x, y, merge = claim.key
        kind = LinkKind.MERGE if merge else LinkKind.LEARNT if message_id else LinkKind.MANUAL
        ((xid, xp, yid, yp, active, gone),) = tx.query(
            _CLAIM_STATE,
            (int(merge), int(merge), x.scheme.value, x.value, y.scheme.value, y.value),
        )
        rx, ry = (int(xid), int(xp)), (int(yid), int(yp))
        if active is not None:
            return Applied(claim, _link(tx.query(f"{_LINKS} WHERE l.id = ?", (active,))[0]))

        def refuse(
            code: ConflictCode, clashes: Sequence[Clash] = (), link: int | None = None
        ) -> Applied:
            conflict = self._record(
                tx,
                code,
                (x, rx[0]),
                (y, ry[0]),
                kind=kind,
                message_id=message_id,
                actor=actor,
                reason=reason,
                now=now,
                clashes=clashes,
                link=link,
            )
            return Applied(claim, None, conflict=conflict)

        if message_id is not None and gone is not None:
            return refuse(ConflictCode.RETRACTED, link=int(gone))
        members = _members(tx, {rx[1], ry[1]})
        if not merge and {x.scheme, y.scheme} == {Scheme.BOOK, Scheme.BOOKING}:
            clashes = _pair_clashes(tx, (x, rx[0]), (y, ry[0]))
            if clashes:
                return refuse(ConflictCode.BOOKING_PAIR, clashes)
        removed = rx[0] if merge else None
        if rx[1] != ry[1]:
            clashes = _single_valued_clashes(tx, members, rx[1], ry[1], removed)
            if clashes:
                return refuse(ConflictCode.SINGLE_VALUED, clashes)
        if merge:
            same = [m for m in members if m.ident.scheme is x.scheme]
            if not any(not m.former and m.id != removed for m in same):
                return refuse(ConflictCode.MERGE_CYCLE)
        inserted = tx.query(
            _INSERT_LINK, (rx[0], ry[0], kind.value, int(merge), message_id, now, actor, reason)
        )
        if not inserted:  # cannot happen while the persons are locked; kept as a safety net
            return Applied(claim, _link(tx.query(_ACTIVE, (rx[0], ry[0], int(merge)))[0]))
        if rx[1] != ry[1]:
            sizes = Counter(m.person for m in members)
            keep, drop = (rx[1], ry[1]) if sizes[rx[1]] >= sizes[ry[1]] else (ry[1], rx[1])
            tx.run("UPDATE identity_identifier SET person = ? WHERE person = ?", (keep, drop))
        if merge:
            tx.run("UPDATE identity_identifier SET former = 1 WHERE id = ?", (rx[0],))
        link = Link(int(inserted[0][0]), x, y, kind, message_id, now, actor, reason)
        return Applied(claim, link, new=True)

    def _record(
        self,
        tx: Tx,
        code: ConflictCode,
        a: tuple[Ident, int],
        b: tuple[Ident, int],
        *,
        kind: LinkKind,
        message_id: uuid.UUID | None,
        actor: str | None,
        reason: str | None,
        now: datetime,
        clashes: Sequence[Clash] = (),
        link: int | None = None,
    ) -> Conflict:
        values = (
            code.value,
            a[1],
            b[1],
            kind.value,
            message_id,
            now,
            actor,
            reason,
            link,
            clashes_to_json(clashes),
        )
        inserted = tx.query(_INSERT_CONFLICT, values)
        params: tuple[Any, ...]
        if inserted:
            where, params = "c.id = ?", (inserted[0][0],)
        else:  # the same message refused the same way before (a redelivery): one conflict
            where = "c.message_id = ? AND c.a = ? AND c.b = ? AND c.code = ?"
            params = (message_id, a[1], b[1], code.value)
        return _conflict(tx.query(f"{_CONFLICTS} WHERE {where}", params)[0])

    # --- retracting ---------------------------------------------------------------------------

    def retract(self, a: Ident, b: Ident, *, actor: str, reason: str) -> tuple[Link, ...]:
        """Retract every active link between ``a`` and ``b`` (an ordinary link and a merge).

        The links stay in the index, marked with when, who and why. Returns what was retracted
        (nothing when no active link joins the two). A person the retraction disconnects splits.
        """
        _check_actor(actor, "a retraction")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigurationError("a retraction needs a reason")

        def work(tx: Tx) -> tuple[Link, ...]:
            now = _now(self._clock)
            ra, rb = _row(tx, a), _row(tx, b)
            rows = tx.query(
                f"{_LINKS} WHERE ((l.a = ? AND l.b = ?) OR (l.a = ? AND l.b = ?))"
                " AND l.retracted_at IS NULL ORDER BY l.id",
                (ra[0], rb[0], rb[0], ra[0]),
            )
            links = [_link(r) for r in rows]
            if not links:
                return ()
            tx.run_many(
                "UPDATE identity_link SET retracted_at = ?, retracted_by = ?,"
                " retraction_reason = ? WHERE id = ?",
                [(now, actor, reason, link.id) for link in links],
            )
            for link in links:
                if link.kind is LinkKind.MERGE:
                    removed = ra[0] if link.a == a else rb[0]
                    tx.run(_FORMER, (removed, removed))
            done = tuple(
                Link(
                    link.id,
                    link.a,
                    link.b,
                    link.kind,
                    link.message_id,
                    link.learnt_at,
                    link.actor,
                    link.reason,
                    Retraction(now, actor, reason),
                )
                for link in links
            )
            self._split(tx, ra[1], link=done[0], actor=actor, reason=reason, now=now)
            return done

        return self._db.write({a, b}, work)

    def _split(
        self, tx: Tx, person: int, *, link: Link, actor: str, reason: str, now: datetime
    ) -> None:
        """Re-form ``person`` from its active links; record any clash the retraction left."""
        members = _members(tx, {person})
        edges = tx.query(
            "SELECT l.a, l.b FROM identity_link l JOIN identity_identifier i ON i.id = l.a"
            " WHERE i.person = ? AND l.retracted_at IS NULL",
            (person,),
        )
        union = _Union()
        for m in members:
            union.find(m.id)
        for x, y in edges:
            union.join(int(x), int(y))
        parts: dict[int, list[_Member]] = {}
        for m in members:
            parts.setdefault(union.find(m.id), []).append(m)
        ids = {m.ident: m.id for m in members}
        for part in parts.values():
            if all(m.id != person for m in part):
                label = min(m.id for m in part)
                tx.run_many(
                    "UPDATE identity_identifier SET person = ? WHERE id = ?",
                    [(label, m.id) for m in part],
                )
            clashes = []
            for scheme in sorted(SINGLE_VALUED):
                current = sorted(m.ident for m in part if m.ident.scheme is scheme and not m.former)
                if len(current) > 1:
                    clashes.append(
                        _clash(
                            tx, scheme, (current[0], ids[current[0]]), (current[1], ids[current[1]])
                        )
                    )
            if clashes:
                self._record(
                    tx,
                    ConflictCode.AFTER_RETRACTION,
                    (link.a, ids[link.a]),
                    (link.b, ids[link.b]),
                    kind=link.kind,
                    message_id=None,
                    actor=actor,
                    reason=reason,
                    now=now,
                    clashes=clashes,
                    link=link.id,
                )

    # --- export and import --------------------------------------------------------------------

    def export(self) -> Iterator[dict[str, Any]]:
        """Every link (retracted ones too) and conflict, as export records, from one snapshot."""
        yield header_record()
        statements: list[Statement] = [
            (f"{_LINKS} ORDER BY l.id", ()),
            (f"{_CONFLICTS} ORDER BY c.id", ()),
        ]
        for which, row in self._db.stream(statements):
            yield link_record(_link(row)) if which == 0 else conflict_record(_conflict(row))

    def import_records(
        self, records: Iterable[Mapping[str, Any]], *, source: str = "<import>"
    ) -> Imported:
        """Load an export into this index, which must be empty (the bulk path: no re-checks).

        The records are checked first (``ValidationFailed`` naming every problem, nothing
        written); persons and former identifiers are rebuilt from the active links.
        """
        links, conflicts = parse_records(records, source=source)
        ids: dict[Ident, int] = {}
        for link in links:
            ids.setdefault(link.a, len(ids) + 1)
            ids.setdefault(link.b, len(ids) + 1)
        for conflict in conflicts:
            ids.setdefault(conflict.a, len(ids) + 1)
            ids.setdefault(conflict.b, len(ids) + 1)
        union = _Union()
        former: set[int] = set()
        for link in links:
            if link.active:
                union.join(ids[link.a], ids[link.b])
                if link.kind is LinkKind.MERGE:
                    former.add(ids[link.a])
        identifier_rows = [
            (n, ident.scheme.value, ident.value, union.find(n), int(n in former))
            for ident, n in ids.items()
        ]
        link_rows = [
            (
                link.id,
                ids[link.a],
                ids[link.b],
                link.kind.value,
                int(link.kind is LinkKind.MERGE),
                link.message_id,
                link.learnt_at,
                link.actor,
                link.reason,
                link.retraction.at if link.retraction else None,
                link.retraction.by if link.retraction else None,
                link.retraction.reason if link.retraction else None,
            )
            for link in links
        ]
        conflict_rows = [
            (
                c.id,
                c.code.value,
                ids[c.a],
                ids[c.b],
                c.kind.value,
                c.message_id,
                c.recorded_at,
                c.actor,
                c.reason,
                c.link,
                clashes_to_json(c.clashes),
            )
            for c in conflicts
        ]
        self._db.bulk_load(identifier_rows, link_rows, conflict_rows)
        return Imported(len(identifier_rows), len(link_rows), len(conflict_rows))


# --- helpers that read inside a write transaction ----------------------------------------------


def _row(tx: Tx, ident: Ident) -> tuple[int, int, bool]:
    (row,) = tx.query(_ROW, (ident.scheme.value, ident.value))
    return int(row[0]), int(row[1]), bool(row[2])


def _members(tx: Tx, persons: Collection[int]) -> list[_Member]:
    marks = ", ".join("?" for _ in persons)
    rows = tx.query(
        "SELECT id, scheme, value, person, former FROM identity_identifier"
        f" WHERE person IN ({marks})",
        tuple(persons),
    )
    return [_Member(int(i), Ident(SCHEMES[s], v), int(p), bool(f)) for i, s, v, p, f in rows]


def _taught(tx: Tx, identifier_id: int) -> tuple[tuple[int, ...], tuple[uuid.UUID, ...]]:
    rows = tx.query(_TOUCHING, (identifier_id, identifier_id))
    ids = tuple(int(r[0]) for r in rows)
    return ids, tuple(m for r in rows if (m := as_uuid(r[1])) is not None)


def _clash(tx: Tx, scheme: Scheme, a: tuple[Ident, int], b: tuple[Ident, int]) -> Clash:
    a_links, a_messages = _taught(tx, a[1])
    b_links, b_messages = _taught(tx, b[1])
    return Clash(scheme, a[0], b[0], a_links, b_links, a_messages, b_messages)


def _single_valued_clashes(
    tx: Tx, members: Sequence[_Member], pa: int, pb: int, removed: int | None
) -> list[Clash]:
    clashes = []
    for scheme in sorted(SINGLE_VALUED):
        sides = [
            sorted(
                (m.ident, m.id)
                for m in members
                if m.person == p and m.ident.scheme is scheme and not m.former and m.id != removed
            )
            for p in (pa, pb)
        ]
        if sides[0] and sides[1]:
            clashes.append(_clash(tx, scheme, sides[0][0], sides[1][0]))
    return clashes


def _pair_clashes(tx: Tx, x: tuple[Ident, int], y: tuple[Ident, int]) -> list[Clash]:
    """A booking id keeps one book number and a book number one booking id."""
    clashes = []
    for this, other, a_side in ((x, y, True), (y, x, False)):
        rows = tx.query(_PARTNERS, (this[1], this[1], this[1]))
        partners = [
            (Ident(SCHEMES[s], v), int(link_id), as_uuid(m))
            for link_id, m, s, v in rows
            if SCHEMES[s] is other[0].scheme and v != other[0].value
        ]
        if not partners:
            continue
        held, link_id, message = partners[0]
        links, messages = (link_id,), (message,) if message else ()
        if a_side:
            clashes.append(Clash(held.scheme, held, other[0], links, (), messages, ()))
        else:
            clashes.append(Clash(held.scheme, other[0], held, (), links, (), messages))
    return clashes
