"""The export format of the person index: JSON lines, one record a line (docs/identity.md).

The first record is the header ``{"type": "header", "format": "cjx-identity", "version": 1}``.
Then every link in id order (retracted ones included, with their retraction) and every conflict
in id order. Identifiers are written ``scheme:value``, times in ISO 8601 with an offset, message
ids as UUIDs. Nothing else is needed: which person each identifier belongs to and which are
former follow from the active links, so an import rebuilds them.

An import reads records (already parsed from JSON by the caller, with ``cjx.codec.load_json``)
and checks each one; every problem is collected into one report whose paths are JSON pointers
into the sequence of records (``/3/a`` is the ``a`` of the fourth record, the header being
``/0``). Values are never echoed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cjx.errors import Issue, Report, ValidationFailed, error
from cjx.model import IdentifierError

from ._ident import Ident, Scheme
from ._records import Clash, Conflict, ConflictCode, Link, LinkKind, Retraction

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "Imported",
    "clashes_from_json",
    "clashes_to_json",
    "conflict_record",
    "header_record",
    "link_record",
    "parse_records",
]

EXPORT_FORMAT: Final = "cjx-identity"
EXPORT_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import wrote."""

    identifiers: int
    links: int
    conflicts: int


def header_record() -> dict[str, Any]:
    return {"type": "header", "format": EXPORT_FORMAT, "version": EXPORT_VERSION}


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def link_record(link: Link) -> dict[str, Any]:
    r = link.retraction
    return {
        "type": "link",
        "id": link.id,
        "a": str(link.a),
        "b": str(link.b),
        "kind": link.kind.value,
        "message_id": _id(link.message_id),
        "learnt_at": _time(link.learnt_at),
        "actor": link.actor,
        "reason": link.reason,
        "retracted_at": _time(r.at) if r else None,
        "retracted_by": r.by if r else None,
        "retraction_reason": r.reason if r else None,
    }


def _clash_dict(clash: Clash) -> dict[str, Any]:
    return {
        "scheme": clash.scheme.value,
        "a_value": str(clash.a_value),
        "b_value": str(clash.b_value),
        "a_links": list(clash.a_links),
        "b_links": list(clash.b_links),
        "a_messages": [str(m) for m in clash.a_messages],
        "b_messages": [str(m) for m in clash.b_messages],
    }


def conflict_record(conflict: Conflict) -> dict[str, Any]:
    return {
        "type": "conflict",
        "id": conflict.id,
        "code": conflict.code.value,
        "a": str(conflict.a),
        "b": str(conflict.b),
        "kind": conflict.kind.value,
        "message_id": _id(conflict.message_id),
        "recorded_at": _time(conflict.recorded_at),
        "actor": conflict.actor,
        "reason": conflict.reason,
        "link": conflict.link,
        "clashes": [_clash_dict(c) for c in conflict.clashes],
    }


def clashes_to_json(clashes: Iterable[Clash]) -> str:
    """The stored form of a conflict's clashes (a JSON array of the export's clash objects)."""
    return json.dumps([_clash_dict(c) for c in clashes], separators=(",", ":"))


def clashes_from_json(text: str) -> tuple[Clash, ...]:
    """Read clashes back from the index's own storage (written by :func:`clashes_to_json`)."""
    return tuple(_clash(item) for item in json.loads(text))


def _clash(item: Mapping[str, Any]) -> Clash:
    return Clash(
        scheme=Scheme(item["scheme"]),
        a_value=Ident.parse(item["a_value"]),
        b_value=Ident.parse(item["b_value"]),
        a_links=tuple(int(n) for n in item["a_links"]),
        b_links=tuple(int(n) for n in item["b_links"]),
        a_messages=tuple(uuid.UUID(m) for m in item["a_messages"]),
        b_messages=tuple(uuid.UUID(m) for m in item["b_messages"]),
    )


class _Reader:
    """Reads one record's fields, collecting an issue for each bad one."""

    def __init__(
        self, record: Mapping[str, Any], index: int, issues: list[Issue], seen: dict[str, Any]
    ) -> None:
        self.record = record
        self.base = f"/{index}"
        self.issues = issues
        self.seen = seen  # text -> value already read (an export repeats identifiers and ids)

    def fail(self, name: str, code: str, message: str) -> None:
        self.issues.append(error(code, f"{self.base}/{name}", message))

    def ident(self, name: str) -> Ident | None:
        raw = self.record.get(name)
        if not isinstance(raw, str):
            self.fail(name, "identity.export.field", "expected an identifier SCHEME:VALUE")
            return None
        known = self.seen.get(raw)
        if isinstance(known, Ident):
            return known
        try:
            self.seen[raw] = value = Ident.parse(raw)
            return value
        except IdentifierError as exc:
            self.fail(name, exc.code, exc.message)
            return None

    def integer(self, name: str, *, optional: bool = False) -> int | None:
        raw = self.record.get(name)
        if raw is None and optional:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            self.fail(name, "identity.export.field", "expected a positive integer")
            return None
        return raw

    def text(self, name: str, *, optional: bool = True) -> str | None:
        raw = self.record.get(name)
        if raw is None and optional:
            return None
        if not isinstance(raw, str) or not raw:
            self.fail(name, "identity.export.field", "expected non-empty text")
            return None
        return raw

    def time(self, name: str, *, optional: bool = False) -> datetime | None:
        raw = self.record.get(name)
        if raw is None and optional:
            return None
        try:
            value = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            self.fail(name, "identity.export.field", "expected an ISO 8601 time with an offset")
            return None
        return value

    def message_id(self, name: str = "message_id") -> uuid.UUID | None:
        raw = self.record.get(name)
        if raw is None:
            return None
        known = self.seen.get(raw)
        if isinstance(known, uuid.UUID):
            return known
        try:
            if isinstance(raw, str):
                self.seen[raw] = value = uuid.UUID(raw)
                return value
        except ValueError:
            pass
        self.fail(name, "identity.export.field", "expected a UUID")
        return None

    def kind(self) -> LinkKind | None:
        try:
            return LinkKind(str(self.record.get("kind")))
        except ValueError:
            self.fail("kind", "identity.export.field", "expected learnt, manual or merge")
            return None

    def unknown_fields(self, known: frozenset[str]) -> None:
        for name in sorted(set(self.record) - known):
            self.fail(name, "identity.export.unknown-field", "this record type has no such field")


_LINK_FIELDS: Final = frozenset(
    {"type", "id", "a", "b", "kind", "message_id", "learnt_at", "actor", "reason"}
    | {"retracted_at", "retracted_by", "retraction_reason"}
)
_CONFLICT_FIELDS: Final = frozenset(
    {"type", "id", "code", "a", "b", "kind", "message_id", "recorded_at", "actor", "reason"}
    | {"link", "clashes"}
)


def _link(r: _Reader) -> Link | None:
    r.unknown_fields(_LINK_FIELDS)
    values = (r.integer("id"), r.ident("a"), r.ident("b"), r.kind(), r.time("learnt_at"))
    message_id, actor, reason = r.message_id(), r.text("actor"), r.text("reason")
    at = r.time("retracted_at", optional=True)
    by, why = r.text("retracted_by"), r.text("retraction_reason")
    if (at is None) != (by is None) or (at is None) != (why is None):
        r.fail("retracted_at", "identity.export.retraction", "a retraction needs when, who, why")
    if message_id is None and actor is None:
        r.fail("actor", "identity.export.provenance", "a link needs a message id or an actor")
    link_id, a, b, kind, learnt_at = values
    if link_id is None or a is None or b is None or kind is None or learnt_at is None:
        return None
    if a == b:
        r.fail("b", "identity.export.field", "a link joins two different identifiers")
        return None
    if kind is not LinkKind.MERGE and str(b) < str(a):
        a, b = b, a
    retraction = Retraction(at, by, why) if at and by and why else None
    return Link(link_id, a, b, kind, message_id, learnt_at, actor, reason, retraction)


def _conflict(r: _Reader) -> Conflict | None:
    r.unknown_fields(_CONFLICT_FIELDS)
    try:
        code: ConflictCode | None = ConflictCode(str(r.record.get("code")))
    except ValueError:
        code = None
        r.fail("code", "identity.export.field", "not a conflict code of the person index")
    conflict_id, a, b, kind = r.integer("id"), r.ident("a"), r.ident("b"), r.kind()
    recorded_at = r.time("recorded_at")
    message_id, actor, reason = r.message_id(), r.text("actor"), r.text("reason")
    link = r.integer("link", optional=True)
    clashes: list[Clash] = []
    raw = r.record.get("clashes")
    if not isinstance(raw, list):
        r.fail("clashes", "identity.export.field", "expected a list of clashes")
        raw = []
    for n, item in enumerate(raw):
        try:
            clashes.append(_clash(item))
        except (KeyError, TypeError, ValueError, IdentifierError):
            r.fail(f"clashes/{n}", "identity.export.field", "not a clash of the export format")
    if conflict_id is None or a is None or b is None or kind is None or code is None:
        return None
    if recorded_at is None:
        return None
    return Conflict(
        conflict_id, code, a, b, kind, message_id, recorded_at, actor, reason, link, tuple(clashes)
    )


def parse_records(records: Iterable[Any], *, source: str) -> tuple[list[Link], list[Conflict]]:
    """Check and read an export; raise ``ValidationFailed`` with every problem found."""
    issues: list[Issue] = []
    links: list[Link] = []
    conflicts: list[Conflict] = []
    positions: list[int] = []
    seen: dict[str, Any] = {}
    seen_links: set[int] = set()
    seen_conflicts: set[int] = set()
    count = 0
    for n, record in enumerate(records):
        count += 1
        if not isinstance(record, Mapping):
            issues.append(error("identity.export.record", f"/{n}", "expected a JSON object"))
            continue
        kind = record.get("type")
        if n == 0:
            if dict(record) != header_record():
                issues.append(
                    error(
                        "identity.export.header",
                        "/0",
                        f"expected the header {json.dumps(header_record())}",
                    )
                )
            continue
        reader = _Reader(record, n, issues, seen)
        if kind == "link":
            link = _link(reader)
            if link is not None:
                if link.id in seen_links:
                    reader.fail("id", "identity.export.duplicate", "two links have this id")
                seen_links.add(link.id)
                links.append(link)
        elif kind == "conflict":
            conflict = _conflict(reader)
            if conflict is not None:
                if conflict.id in seen_conflicts:
                    reader.fail("id", "identity.export.duplicate", "two conflicts have this id")
                seen_conflicts.add(conflict.id)
                conflicts.append(conflict)
                positions.append(n)
        else:
            reader.fail("type", "identity.export.record", "expected header, link or conflict")
    if count == 0:
        issues.append(error("identity.export.header", "", "the export is empty (no header)"))
    for n, conflict in zip(positions, conflicts, strict=True):
        if conflict.link is not None and conflict.link not in seen_links:
            issues.append(
                error(
                    "identity.export.reference",
                    f"/{n}/link",
                    "the conflict names a link the export does not hold",
                )
            )
    if issues:
        raise ValidationFailed(Report(source, tuple(issues)))
    return links, conflicts
