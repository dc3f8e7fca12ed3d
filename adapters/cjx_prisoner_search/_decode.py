"""A Prisoner document (REST response or stored index document) -> ``custody.prisoner-record``.

Rules kept here, in the order they run; every issue found is reported together:

1. The bytes: size limit, UTF-8, JSON syntax, duplicate keys, an object at the top
   (:func:`cjx.adapter.read_json_object`).
2. The source schema (``prisoner.schema.json``): ``schema.*`` errors. A member the schema does
   not know, at any depth, is information, ``prisoner-search.unknown-field`` at its pointer, and
   is not carried: hmpps-prisoner-search grows, and a new member must not stop the traffic.
3. Identifiers, always, even where the schema reported an issue too: ``prisonerNumber``
   (``noms.*``; missing or null is ``noms.missing``), ``croNumber`` (``cro.*``), ``bookNumber``
   (``book-number.*``), the three PNC members (``pnc.*``, each kept as written, so a short or
   unpadded form is not "normalised" but carried), and every recorded identifier of type PNC
   or CRO (``pnc.*``, ``cro.*`` at ``/identifiers/N/value``).
4. Values the schema accepted but cjx must still judge: integers written without a fraction
   (``schema.type``), calendar dates (``date.format``), local date-times (Europe/London:
   ``local-datetime.format``, ``local-datetime.nonexistent``; ``local-datetime.ambiguous`` is a
   warning). A code of an open list cjx does not know, and a gender text it cannot read, are
   kept and reported as warnings (``prisoner-search.unknown-code``). ``null`` is absent.
5. The canonical body is built only from a document with no error (pydantic's errors mapped
   back to the document's pointers). Contradictions are warnings,
   ``prisoner-search.contradiction``, never fixes: ``status``'s in/out part against
   ``inOutStatus``; the three PNC members naming different PNC IDs; the sentence dates against
   their documented derivation (:meth:`cjx.model.SentenceDates.contradictions`).
6. The envelope: ``subject`` the NOMS number, then the PNC ID, the CRO number and the booking
   (``BOOKING``) where present; ``source`` ``{nomis, prisoner-search}``; no correlation id; and
   ``occurred_at`` the clock's time (the document carries no time of its own). The message id
   digests the body, so the same record read twice has the same id.

Messages never echo values from the input; identifiers appear only masked.
"""

from __future__ import annotations

from typing import Any, Final

import pydantic

from cjx.adapter import read_identifier, read_record
from cjx.codec import issues_from_pydantic
from cjx.errors import Issue, Report, Severity, ValidationFailed, error, warning
from cjx.model import (
    BookingActivity,
    BookNumber,
    Clock,
    CroNumber,
    Envelope,
    Identifier,
    IdentifierError,
    InOutStatus,
    NomsNumber,
    PrisonerRecord,
    RecordedIdentifier,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    WrittenPnc,
    check_code,
    make_envelope,
    read_date,
    read_local_datetime,
    split_gender,
)

from ._format import FORMAT_NAME, MEMBERS, SCHEMA, SYSTEM, Member, pointer_for

__all__ = ["decode"]

CONTRADICTION: Final = f"{FORMAT_NAME}.contradiction"
UNKNOWN_CODE: Final = f"{FORMAT_NAME}.unknown-code"
_IDENTIFIER_KINDS: Final = frozenset({"noms", "cro", "book-number", "pnc", "recorded-value"})
#: Kinds whose value the schema's acceptance makes the body's value, as sent.
_AS_SENT: Final = frozenset({"text", "code", "bool"})
_PNC_MEMBERS: Final = tuple(m for m in MEMBERS if m.kind == "pnc")
_IDENTIFIERS: Final[dict[str, type[Identifier]]] = {
    "noms": NomsNumber,
    "cro": CroNumber,
    "book-number": BookNumber,
}


def decode(
    data: bytes, *, source: str, clock: Clock, max_size: int
) -> tuple[Envelope[Any], Report]:
    """The envelope and the report (information, warnings); ``ValidationFailed`` otherwise."""
    document, issues = read_record(data, schema=SCHEMA, format_name=FORMAT_NAME, max_size=max_size)
    if document is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    reader = _Reader({i.path for i in issues if i.severity is Severity.ERROR}, issues)
    fields = reader.members(MEMBERS, document, "")
    if any(i.severity is Severity.ERROR for i in issues):
        raise ValidationFailed(Report(source, tuple(issues)))

    try:
        body = PrisonerRecord.model_validate(fields)
    except pydantic.ValidationError as exc:
        issues.extend(issues_from_pydantic(exc, path_for=pointer_for))
        raise ValidationFailed(Report(source, tuple(issues))) from exc
    issues.extend(_contradictions(body))
    envelope = make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(clock()),
        source=Source(system=SYSTEM, format=FORMAT_NAME),
        subject=_subject(body),
        clock=clock,
    )
    return envelope, Report(source, tuple(issues))


class _Reader:
    """Reads members into the body's nested fields, collecting issues."""

    def __init__(self, reported: set[str], issues: list[Issue]) -> None:
        self.reported = reported
        self.issues = issues

    def members(
        self, members: tuple[Member, ...], obj: dict[str, Any], base: str
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        reported = self.reported
        for member in members:
            raw = obj.get(member.key)
            kind = member.kind
            if raw is None:
                if kind == "noms":
                    pointer = f"{base}/{member.key}"
                    self.issues.append(error("noms.missing", pointer, "NOMS number is required"))
                continue
            if kind in _AS_SENT and not reported:  # the common case, kept fast
                _place(fields, member.loc, raw)
                continue
            pointer = f"{base}/{member.key}"
            if pointer in reported and kind not in _IDENTIFIER_KINDS:
                continue
            for loc, value in self.read(member, raw, pointer, obj):
                _place(fields, loc, value)
        return fields

    def read(
        self, member: Member, raw: Any, pointer: str, obj: dict[str, Any]
    ) -> list[tuple[tuple[str, ...], Any]]:
        """``(location, value)`` pairs for one present member (none when it is in error)."""
        kind, loc = member.kind, member.loc
        value: Any = raw
        issue: Issue | None = None
        if kind in ("int", "long"):
            if type(raw) is not int:
                issue = error("schema.type", pointer, "expected an integer without a fraction")
        elif kind == "date":
            value, issue = read_date(raw, pointer)
        elif kind == "datetime":
            value, issue = read_local_datetime(raw, pointer)
        elif kind == "open":
            assert member.codes is not None
            value, issue = check_code(member.codes, raw, pointer, format_name=FORMAT_NAME)
        elif kind in ("noms", "cro", "book-number"):
            identifier = _IDENTIFIERS[kind]
            value, found = read_identifier(
                identifier, obj, member.key, pointer=pointer, required=False
            )
            self.issues.extend(found)
        elif kind == "pnc":
            value, issue = _written_pnc(raw, pointer)
        elif kind == "recorded-value":
            issue = _recorded_value(raw, obj.get("type"), pointer)
        elif kind == "booking-id":
            value = int(raw) if isinstance(raw, str) else None
        elif kind == "gender":
            return self.gender(loc, raw, pointer)
        elif kind == "status":
            value = self.status(raw, pointer)
        elif kind == "object":
            assert member.item is not None
            value = (
                self.members(member.item.members, raw, pointer) if isinstance(raw, dict) else None
            )
        elif kind == "list":
            assert member.item is not None
            value = self.items(member.item.members, raw, pointer)
        if issue is not None:
            self.issues.append(issue)
            if issue.severity is Severity.ERROR:
                return []
        return [] if value is None else [(loc, value)]

    def items(self, members: tuple[Member, ...], raw: Any, pointer: str) -> list[Any] | None:
        if not isinstance(raw, list):
            return None
        return [
            self.members(members, item, f"{pointer}/{index}")
            for index, item in enumerate(raw)
            if isinstance(item, dict)
        ]

    def gender(
        self, loc: tuple[str, ...], raw: Any, pointer: str
    ) -> list[tuple[tuple[str, ...], Any]]:
        if not isinstance(raw, str):
            return []
        gender, text = split_gender(raw)
        if gender is None:
            self.issues.append(
                warning(
                    UNKNOWN_CODE,
                    pointer,
                    "this gender is not a NOMIS description or code cjx can read as one of its "
                    "genders; it is kept as sent",
                )
            )
        parent = loc[:-1]
        found: list[tuple[tuple[str, ...], Any]] = []
        if gender is not None:
            found.append(((*parent, "gender"), gender))
        if text is not None:
            found.append(((*parent, "gender_text"), text))
        return found

    def status(self, raw: Any, pointer: str) -> dict[str, Any] | None:
        if not isinstance(raw, str):
            return None
        activity_code, in_out_code = raw.split(" ")
        activity, first = check_code(
            BookingActivity, activity_code, pointer, format_name=FORMAT_NAME
        )
        in_out, second = check_code(InOutStatus, in_out_code, pointer, format_name=FORMAT_NAME)
        self.issues.extend(i for i in (first, second) if i is not None)
        return {"activity": activity, "in_out": in_out}


def _place(fields: dict[str, Any], loc: tuple[str, ...], value: Any) -> None:
    if len(loc) == 1:
        fields[loc[0]] = value
        return
    node = fields
    for part in loc[:-1]:
        node = node.setdefault(part, {})
    node[loc[-1]] = value


def _written_pnc(raw: Any, pointer: str) -> tuple[WrittenPnc | None, Issue | None]:
    """A PNC member kept as written; its own codes (``pnc.*``) when it is not a PNC ID."""
    if not isinstance(raw, str):
        return None, error("pnc.format", pointer, "PNC ID must be text")
    try:
        return WrittenPnc.of(raw), None
    except IdentifierError as exc:
        return None, error(exc.code, pointer, exc.message)
    except pydantic.ValidationError:  # a form PncId reads but WrittenPnc cannot keep
        return None, error("pnc.format", pointer, "PNC ID is not written in a form cjx keeps")


def _recorded_value(raw: Any, kind: Any, pointer: str) -> Issue | None:
    """A recorded PNC or CRO identifier must be valid (kept as recorded either way)."""
    if not isinstance(kind, str) or not isinstance(raw, str):
        return None
    try:
        RecordedIdentifier.check_value(kind, raw)
    except IdentifierError as exc:
        return error(exc.code, pointer, exc.message)
    return None


def _contradictions(body: PrisonerRecord) -> list[Issue]:
    found: list[Issue] = []
    status = body.status
    if (
        status is not None
        and status.booking_status is not None
        and status.in_out_status is not None
        and str(status.booking_status.in_out) != str(status.in_out_status)
    ):
        found.append(
            warning(
                CONTRADICTION,
                "/status",
                "the in/out part of status does not agree with inOutStatus",
            )
        )
    identifiers = body.identifiers
    if identifiers is not None:
        present = [
            (m, getattr(identifiers, m.loc[-1]))
            for m in _PNC_MEMBERS
            if getattr(identifiers, m.loc[-1]) is not None
        ]
        found.extend(
            warning(
                CONTRADICTION,
                f"/{member.key}",
                f"this PNC member names another PNC ID than {present[0][0].key}",
            )
            for member, written in present[1:]
            if written.pnc != present[0][1].pnc
        )
    if body.sentence is not None and body.sentence.dates is not None:
        found.extend(
            warning(CONTRADICTION, pointer_for(("sentence", "dates", *loc)), rule)
            for loc, rule in body.sentence.dates.contradictions()
        )
    return found


def _subject(body: PrisonerRecord) -> list[SubjectId]:
    subject = [SubjectId(scheme=SubjectScheme.NOMS, value=body.noms_number)]
    identifiers = body.identifiers
    if identifiers is None:
        return subject
    pnc = identifiers.pnc
    if pnc is not None:
        subject.append(SubjectId(scheme=SubjectScheme.PNC, value=pnc))
    if identifiers.cro_number is not None:
        subject.append(SubjectId(scheme=SubjectScheme.CRO, value=identifiers.cro_number))
    if identifiers.booking_id is not None:
        subject.append(SubjectId(scheme=SubjectScheme.BOOKING, value=str(identifiers.booking_id)))
    return subject
