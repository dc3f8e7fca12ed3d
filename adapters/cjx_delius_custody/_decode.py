"""A community-api Conviction (bare, or composed into a custody record) -> one
``probation.custody-record`` envelope.

Rules kept here, in the order they run; every issue found is reported together:

1. The bytes: size limit, UTF-8, JSON syntax, duplicate keys, an object at the top
   (:func:`cjx.adapter.read_json_object`).
2. The form: an object with a ``conviction`` member is a composed custody record
   (``custody-record.schema.json``), any other a bare Conviction (``conviction.schema.json``).
   The source schema gives ``schema.*`` errors; a member it does not know, at any depth, is
   information, ``delius-custody.unknown-field`` at its pointer, and is not carried.
3. Identifiers, always, even where the schema reported an issue too, with their own codes at
   their pointers: ``otherIds`` (``crn.*``, required there: ``crn.missing``; ``pnc.*``,
   ``cro.*``, ``noms.*``, ``book-number.*``), the custody's ``bookingNumber``
   (``book-number.*``), the court appearance's ``crn`` and each offence's Home Office code
   (``ho-offence-code.*``). A value written differently from its canonical form is accepted
   and reported as information (``<scheme>.normalised``).
4. Values the schema accepted, skipping pointers it flagged: integers must be written without a
   fraction (``schema.type``); dates are calendar dates (``date.format``); local date-times are
   Europe/London wall-clock times (``local-datetime.*``: a time the clocks skip is an error, one
   they repeat a warning); a code of an open list (custodial status, length unit) cjx does not
   know is kept and reported as a warning (``delius-custody.unknown-code``); ``null`` is
   absent.
5. SentenceStatus's length unit is read under either spelling: ``lengthUnit`` (community-api's
   model) or ``lengthUnits`` (court-case-service's fixture), the latter reported as information
   (``delius-custody.normalised``; encoding writes ``lengthUnit``). Both at once is an error,
   ``delius-custody.conflicting-members``.
6. The CRN: ``otherIds.crn``, else the one the caller supplied (the adapter's ``crn`` option:
   a bare Conviction's CRN is in the URL it was fetched from). A CRN in the document that is
   not the caller's, or a court appearance's CRN that is not the record's, means the parts are
   about different people: error ``delius-custody.crn-mismatch``.
7. The body is built only from a document with no error; contradictions within it are warnings,
   never fixes (``delius-custody.contradiction``, see :func:`_contradictions`).
8. The envelope: ``subject`` the record's CRN (else the court appearance's), NOMS number, PNC
   and CRO, where known; with none of them the message is ordered by the book number, else the
   conviction id (``CustodyRecord.fallback_ordering_key``). ``source`` ``{delius,
   delius-custody}``, no correlation id, ``occurred_at`` the clock's time (a record read over
   REST carries no time of its own); the message id digests the body.

Messages never echo values from the input; identifiers appear only masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

import pydantic

from cjx.adapter import read_identifier, read_json_object
from cjx.codec import issues_from_pydantic
from cjx.errors import Issue, Report, Severity, ValidationFailed, error, information, warning
from cjx.model import (
    Clock,
    Crn,
    CustodyRecord,
    Envelope,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    check_code,
    make_envelope,
    read_date,
    read_local_datetime,
)
from cjx.validation import json_schema_issues, json_validator

from ._format import (
    COMPOSED_SCHEMA,
    CONVICTION,
    CONVICTION_SCHEMA,
    FORMAT_NAME,
    IDS,
    KEY_DATES,
    LENGTH_UNIT_SPELLINGS,
    LICENCE_CONDITION,
    SENTENCE_STATUS,
    SYSTEM,
    Kind,
    Member,
    Shape,
)

__all__ = ["decode", "pointer_for"]

CONTRADICTION: Final = f"{FORMAT_NAME}.contradiction"
CRN_MISMATCH: Final = f"{FORMAT_NAME}.crn-mismatch"


def decode(
    data: bytes, *, source: str, clock: Clock, max_size: int, crn: Crn | None = None
) -> tuple[Envelope[Any], Report]:
    """The envelope and the report (information, warnings); ``ValidationFailed`` otherwise.

    ``crn`` is the CRN the caller fetched the record for, when it knows it."""
    document, issues = read_json_object(data, max_size=max_size)
    if document is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    composed = "conviction" in document
    issues.extend(
        json_schema_issues(
            json_validator(COMPOSED_SCHEMA if composed else CONVICTION_SCHEMA),
            document,
            unknown_field_code=f"{FORMAT_NAME}.unknown-field",
        )
    )
    base = "/conviction" if composed else ""
    reader = _Reader({i.path for i in issues if i.severity is Severity.ERROR}, issues)
    fields: dict[str, Any] = {}
    if composed:
        fields.update(reader.object(IDS, document.get("otherIds"), "/otherIds"))
        conditions = reader.list(
            LICENCE_CONDITION, document.get("licenceConditions"), "/licenceConditions"
        )
        if conditions is not None:
            fields["licence_conditions"] = {"conditions": conditions}
        status = document.get("sentenceStatus")
        if isinstance(status, dict):
            fields["sentence_status"] = reader.sentence_status(status)
    raw = document.get("conviction") if composed else document
    fields["conviction"] = reader.object(CONVICTION, raw, base)
    issues.extend(_crns(fields, crn, base))
    if any(i.severity is Severity.ERROR for i in issues):
        raise ValidationFailed(Report(source, tuple(issues)))

    try:
        body = CustodyRecord.model_validate(fields)
    except pydantic.ValidationError as exc:
        issues.extend(issues_from_pydantic(exc, path_for=lambda loc: pointer_for(loc, base)))
        raise ValidationFailed(Report(source, tuple(issues))) from exc
    issues.extend(warning(CONTRADICTION, path, rule) for path, rule in _contradictions(body, base))
    envelope = make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(clock()),
        source=Source(system=SYSTEM, format=FORMAT_NAME),
        subject=subject_of(body),
        clock=clock,
    )
    return envelope, Report(source, tuple(issues))


def subject_of(body: CustodyRecord) -> list[SubjectId]:
    """The person identifiers of a record: CRN (the record's, else its court appearance's),
    NOMS number, PNC ID, CRO number, where known."""
    appearance = body.conviction.court_appearance
    crn = body.crn or (appearance.crn if appearance is not None else None)
    found = [
        (SubjectScheme.CRN, crn),
        (SubjectScheme.NOMS, body.noms_number),
        (SubjectScheme.PNC, body.pnc_id),
        (SubjectScheme.CRO, body.cro_number),
    ]
    return [SubjectId(scheme=scheme, value=value) for scheme, value in found if value is not None]


@dataclass
class _Reader:
    """Reads community-api objects into the canonical fields, recording issues."""

    reported: set[str]  # pointers the schema already flagged with an error
    issues: list[Issue] = field(default_factory=list)

    def object(self, shape: Shape, raw: Any, pointer: str) -> dict[str, Any]:
        """The canonical fields of one object (``{}`` when it is not an object)."""
        if not isinstance(raw, dict):
            return {}
        fields: dict[str, Any] = {}
        for member in shape.members:
            value = self.member(member, raw, f"{pointer}/{member.key}")
            if value is not None:
                fields[member.field] = value
        return fields

    def list(self, shape: Shape, raw: Any, pointer: str) -> list[dict[str, Any]] | None:
        if not isinstance(raw, list) or pointer in self.reported:
            return None
        return [self.object(shape, item, f"{pointer}/{i}") for i, item in enumerate(raw)]

    def member(self, member: Member, parent: Mapping[str, Any], pointer: str) -> Any:
        if member.kind is Kind.IDENTIFIER:  # always, with the identifier's own codes
            assert member.identifier is not None
            value, found = read_identifier(
                member.identifier, parent, member.key, pointer=pointer, required=member.required
            )
            self.issues.extend(found)
            return value
        raw = parent.get(member.key)
        if raw is None or pointer in self.reported:
            return None
        if member.kind is Kind.OBJECT:
            assert member.shape is not None
            return self.object(member.shape, raw, pointer)
        if member.kind is Kind.LIST:
            assert member.shape is not None
            return self.list(member.shape, raw, pointer)
        if member.kind is Kind.KEY_DATES:
            return self.key_dates(raw, pointer)
        return self.scalar(member, raw, pointer)

    def scalar(self, member: Member, raw: Any, pointer: str) -> Any:
        issue: Issue | None = None
        value: Any = raw
        if member.kind is Kind.INTEGER and type(raw) is not int:
            value, issue = (
                None,
                error("schema.type", pointer, "expected an integer without a fraction"),
            )
        elif member.kind is Kind.DATE:
            value, issue = read_date(raw, pointer)
        elif member.kind is Kind.LOCAL_DATETIME:
            value, issue = read_local_datetime(raw, pointer)
        elif member.kind is Kind.DECIMAL:
            value = Decimal(raw) if type(raw) is int else Decimal(repr(raw))
        elif member.kind is Kind.CODE:
            assert member.codes is not None
            value, issue = check_code(member.codes, raw, pointer, format_name=FORMAT_NAME)
        if issue is not None:
            self.issues.append(issue)
        return value

    def key_dates(self, raw: Any, pointer: str) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            return None
        dates = []
        for key, code in KEY_DATES.items():
            at = f"{pointer}/{key}"
            value = raw.get(key)
            if value is None or at in self.reported:
                continue
            date, issue = read_date(value, at)
            if issue is not None:
                self.issues.append(issue)
            if date is not None:
                dates.append({"code": code, "date": date})
        return {"dates": dates}

    def sentence_status(self, raw: dict[str, Any]) -> dict[str, Any]:
        """SentenceStatus, its length unit read under either spelling (see the module rules)."""
        pointer = "/sentenceStatus"
        fields = self.object(SENTENCE_STATUS, raw, pointer)
        model, fixture = LENGTH_UNIT_SPELLINGS
        if raw.get(fixture) is None:
            return fields
        at = f"{pointer}/{fixture}"
        if raw.get(model) is not None:
            self.issues.append(
                error(
                    f"{FORMAT_NAME}.conflicting-members",
                    at,
                    f"both {model} (community-api's spelling) and {fixture} are sent; "
                    "cjx cannot tell which one holds the unit",
                )
            )
            return fields
        unit = SENTENCE_STATUS.by_field["length_unit"]
        value = self.member(Member(fixture, unit.field, unit.kind, codes=unit.codes), raw, at)
        if value is not None:
            fields[unit.field] = value
            self.issues.append(
                information(
                    f"{FORMAT_NAME}.normalised",
                    at,
                    f"the length unit is spelt {fixture} (as in court-case-service's fixture); "
                    f"it is read as community-api's {model}, and written so",
                )
            )
        return fields


def _crns(fields: dict[str, Any], supplied: Crn | None, base: str) -> list[Issue]:
    """The record's CRN from the caller where the document has none; disagreements."""
    issues: list[Issue] = []
    record = fields.get("crn")
    if supplied is not None:
        if record is not None and record != supplied:
            issues.append(
                error(
                    CRN_MISMATCH,
                    "/otherIds/crn",
                    "the OffenderDetail's CRN is not the CRN the record was fetched for "
                    f"({supplied.masked()}): its parts are about different people",
                )
            )
        fields["crn"] = record = supplied
    appearance = fields["conviction"].get("court_appearance", {}).get("crn")
    if record is not None and appearance is not None and appearance != record:
        issues.append(
            error(
                CRN_MISMATCH,
                f"{base}/courtAppearance/crn",
                "the court appearance's CRN is not the record's: the conviction is about "
                "another person",
            )
        )
    return issues


def pointer_for(loc: tuple[int | str, ...], base: str) -> str:
    """The document's pointer for a location in the canonical body."""
    if not loc:
        return ""
    head, rest = loc[0], loc[1:]
    if head == "conviction":
        return base + _walk(CONVICTION, rest)
    if head == "licence_conditions":
        items = rest[1:] if rest[:1] == ("conditions",) else ()
        if not items:
            return "/licenceConditions"
        return f"/licenceConditions/{items[0]}" + _walk(LICENCE_CONDITION, items[1:])
    if head == "sentence_status":
        return "/sentenceStatus" + _walk(SENTENCE_STATUS, rest)
    return "/otherIds" + _walk(IDS, loc)


def _walk(shape: Shape, loc: tuple[int | str, ...]) -> str:
    if not loc:
        return ""
    member = shape.by_field.get(str(loc[0]))
    if member is None:
        return ""
    pointer = f"/{member.key}"
    rest = loc[1:]
    if member.kind is Kind.OBJECT and member.shape is not None:
        return pointer + _walk(member.shape, rest)
    if member.kind is Kind.LIST and member.shape is not None and rest:
        return f"{pointer}/{rest[0]}" + _walk(member.shape, rest[1:])
    return pointer


def _contradictions(body: CustodyRecord, base: str) -> list[tuple[str, str]]:
    """``(pointer, rule)`` for what the record says against itself (warnings, never fixed):

    * an offence whose id says main (``M``) or additional (``A``) and whose ``mainOffence``
      says the other; more than one main offence;
    * an offence's Home Office code that is not its main category and sub category written
      together;
    * offences of one conviction with different ``offenderId`` values;
    * a SentenceStatus whose sentence id, custodial type or licence expiry date is not the
      conviction's (its sentence's id, its custody's status, its custody's LED key date).
    """
    found: list[tuple[str, str]] = []
    conviction = body.conviction
    offences = f"{base}/offences"
    mains = 0
    for i, offence in enumerate(conviction.offences):
        mains += offence.main_offence is True
        if (
            offence.offence_id is not None
            and offence.main_offence is not None
            and (offence.offence_id[0] == "M") != offence.main_offence
        ):
            found.append(
                (
                    f"{offences}/{i}/mainOffence",
                    "mainOffence disagrees with the offence id (M: main, A: additional)",
                )
            )
        detail = offence.detail
        if (
            detail is not None
            and None not in (detail.code, detail.main_category_code, detail.sub_category_code)
            and detail.code != f"{detail.main_category_code}{detail.sub_category_code}"
        ):
            found.append(
                (
                    f"{offences}/{i}/detail/code",
                    "the Home Office offence code is not the main category and sub category "
                    "codes written together",
                )
            )
    if mains > 1:
        found.append((offences, "more than one offence is the main offence"))
    offenders = {o.offender_id for o in conviction.offences if o.offender_id is not None}
    if len(offenders) > 1:
        found.append((offences, "the offences of one conviction name different offenderIds"))
    found.extend(_status_contradictions(body))
    return found


def _status_contradictions(body: CustodyRecord) -> list[tuple[str, str]]:
    status = body.sentence_status
    if status is None:
        return []
    found: list[tuple[str, str]] = []
    conviction = body.conviction
    sentence_id = conviction.sentence.sentence_id if conviction.sentence is not None else None
    if None not in (status.sentence_id, sentence_id) and status.sentence_id != sentence_id:
        found.append(("/sentenceStatus/sentenceId", "the SentenceStatus is of another sentence"))
    custody = conviction.custody
    custodial = custody.status.code if custody is not None and custody.status else None
    reported = status.custodial_type.code if status.custodial_type is not None else None
    if None not in (custodial, reported) and str(custodial) != str(reported):
        found.append(
            (
                "/sentenceStatus/custodialType/code",
                "the SentenceStatus's custodial type is not the custody's status",
            )
        )
    key_dates = custody.key_dates.dates if custody is not None and custody.key_dates else ()
    expiry = next((k.date for k in key_dates if str(k.code) == "LED"), None)
    if None not in (expiry, status.licence_expiry_date) and expiry != status.licence_expiry_date:
        found.append(
            (
                "/sentenceStatus/licenceExpiryDate",
                "the SentenceStatus's licence expiry date is not the custody's LED key date",
            )
        )
    return found
