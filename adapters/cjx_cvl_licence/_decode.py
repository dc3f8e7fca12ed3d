"""A CVL public licence -> one ``licence.licence-record`` envelope.

Rules kept here, in the order they run; every issue found is reported together:

1. The bytes: size limit, UTF-8, JSON syntax, duplicate keys, an object at the top
   (:func:`cjx.adapter.read_json_object`).
2. The source schema (``licence.schema.json``): ``schema.*`` errors. An additional condition's
   members are those of its ``type`` (CVL's discriminator); a member the schema does not know,
   anywhere (including ``hasImageUpload`` on a ``STANDARD`` condition), is information,
   ``cvl-licence.unknown-field`` at its pointer, and is not carried: CVL grows, and a new member
   must not stop a licence at the gate.
3. Identifiers, always, even where the schema reported an issue too: ``prisonNumber``
   (``noms.*``) and ``crn`` (``crn.*``) at their pointers; missing or null is ``noms.missing`` /
   ``crn.missing``; lower case is accepted and reported as information (``*.normalised``).
4. Values the schema accepted but cjx must still judge, where the schema flagged nothing: ids
   must be integers written without a fraction (``schema.type``); dates calendar dates
   (``date.format``); date-times Europe/London wall-clock times (``local-datetime.*``: a time
   the clocks skip is an error, one they repeat a warning). Codes of the open lists (``kind``,
   ``licenceType``, ``policyVersion``, ``statusCode``, a condition's ``type`` and
   ``restrictions``) that cjx does not know are kept and reported as warnings,
   ``cvl-licence.unknown-code``: a condition of a type cjx does not know is kept whole (its
   code, text and whichever of ``restrictions`` and ``hasImageUpload`` it has), never dropped
   and never the reason a licence is refused. A member that is ``null`` is absent.
5. ``approvedDateTime`` before 2023-04-01 at exactly ``00:00:00`` is CVL's approval without a
   time: it becomes ``approved_on`` (a day), reported as information
   (``cvl-licence.approval-day-only``); any other value is ``approved_at``.
6. The canonical body is built only from a document with no error (a text with characters XML
   cannot carry is ``text.characters`` at its pointer). Contradictions between the licence's
   fields (:meth:`cjx.model.LicenceRecord.contradictions`: the licence type against the
   condition sets present, the PSS period of an AP licence, an approver without an approval,
   an update or approval before the creation) are warnings, ``cvl-licence.contradiction``, at
   the member's pointer, never fixed.
7. The envelope: ``subject`` the NOMS number, the CRN and the booking (``BOOKING``, the NOMIS
   booking id as text), ``source`` ``{cvl, cvl-licence}``, no correlation id (a REST response
   has no message id) and ``occurred_at`` the clock's time. The message id digests the body, so
   the same licence read twice has the same id.

Messages never echo values from the input (condition texts hold names and addresses);
identifiers appear only masked.
"""

from __future__ import annotations

from typing import Any, Final

import pydantic

from cjx.adapter import read_identifier, read_record
from cjx.codec import issues_from_pydantic
from cjx.errors import Issue, Report, Severity, ValidationFailed, error, information, warning
from cjx.model import (
    AdditionalConditionType,
    Clock,
    Crn,
    ElectronicMonitoringType,
    Envelope,
    LicenceRecord,
    NomsNumber,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    approval_day,
    check_code,
    make_envelope,
    read_date,
    read_local_datetime,
)

from ._format import (
    CONDITION_MEMBERS,
    CONDITION_SETS,
    CONDITIONS,
    FORMAT_NAME,
    HEADER,
    SCHEMA,
    SYSTEM,
    TYPE_MEMBERS,
    Member,
    pointer_for,
)

__all__ = ["decode"]

CONTRADICTION: Final = f"{FORMAT_NAME}.contradiction"
APPROVAL_DAY_ONLY: Final = f"{FORMAT_NAME}.approval-day-only"
#: The members an additional condition has only when its type has them.
_OPTIONAL: Final = frozenset({"restrictions", "hasImageUpload"})


def decode(
    data: bytes, *, source: str, clock: Clock, max_size: int
) -> tuple[Envelope[Any], Report]:
    """The envelope and the report (information, warnings); ``ValidationFailed`` otherwise."""
    document, issues = read_record(data, schema=SCHEMA, format_name=FORMAT_NAME, max_size=max_size)
    if document is None:
        raise ValidationFailed(Report(source, tuple(issues)))
    noms, noms_issues = read_identifier(
        NomsNumber, document, "prisonNumber", pointer="/prisonNumber", required=True
    )
    crn, crn_issues = read_identifier(Crn, document, "crn", pointer="/crn", required=True)
    issues.extend(noms_issues + crn_issues)
    reader = _Reader({i.path for i in issues if i.severity is Severity.ERROR}, issues)
    fields = reader.header(document)
    fields[CONDITIONS] = reader.conditions(document.get(CONDITIONS))
    fields.update(noms_number=noms, crn=crn)
    if any(i.severity is Severity.ERROR for i in issues):
        raise ValidationFailed(Report(source, tuple(issues)))

    try:
        body = LicenceRecord.model_validate(fields)
    except pydantic.ValidationError as exc:
        issues.extend(issues_from_pydantic(exc, path_for=pointer_for))
        raise ValidationFailed(Report(source, tuple(issues))) from exc
    issues.extend(
        warning(CONTRADICTION, pointer_for(loc), rule) for loc, rule in body.contradictions()
    )
    envelope = make_envelope(
        body,
        occurred_at=Timestamp.from_datetime(clock()),
        source=Source(system=SYSTEM, format=FORMAT_NAME),
        subject=[
            SubjectId(scheme=SubjectScheme.NOMS, value=body.noms_number),
            SubjectId(scheme=SubjectScheme.CRN, value=body.crn),
            SubjectId(scheme=SubjectScheme.BOOKING, value=str(body.booking_id)),
        ],
        clock=clock,
    )
    return envelope, Report(source, tuple(issues))


class _Reader:
    """Reads the values the schema accepted into canonical fields, adding issues as it goes.

    ``flagged`` holds the pointers the schema (or an identifier check) already reported: a
    value there is not judged again. Every access checks the type it expects first, so that no
    input, however malformed, makes it fail (the schema has reported what is wrong).
    """

    def __init__(self, flagged: set[str], issues: list[Issue]) -> None:
        self.flagged = flagged
        self.issues = issues

    def _add(self, issue: Issue | None) -> None:
        if issue is not None:
            self.issues.append(issue)

    def header(self, document: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for member in HEADER:
            raw = document.get(member.key)
            if raw is None or member.pointer in self.flagged:
                continue
            self._member(member, raw, fields)
        return fields

    def _member(self, member: Member, raw: Any, fields: dict[str, Any]) -> None:
        pointer = member.pointer
        if member.kind in ("noms", "crn"):
            return  # read by read_identifier, always
        if member.kind == "long":
            fields[member.field] = self.long(raw, pointer)
        elif member.kind == "code" and member.codes is not None:
            fields[member.field] = self.code(member.codes, raw, pointer)
        elif member.kind == "date":
            value, issue = read_date(raw, pointer)
            self._add(issue)
            fields[member.field] = value
        elif member.kind in ("datetime", "approval"):
            stamp, issue = read_local_datetime(raw, pointer)
            self._add(issue)
            day = approval_day(stamp) if stamp is not None and member.kind == "approval" else None
            if day is not None:
                self._add(
                    information(
                        APPROVAL_DAY_ONLY,
                        pointer,
                        "an approval before 2023-04-01 has no recorded time: CVL writes the day "
                        "at 00:00:00, which is carried as the day of approval (approved_on), "
                        "not as midnight",
                    )
                )
                fields["approved_on"] = day
            else:
                fields[member.field] = stamp
        else:  # text, boolean: as the schema accepted them
            fields[member.field] = raw

    def long(self, raw: Any, pointer: str) -> Any:
        """An id the schema accepted must also be written as an integer (``1.0`` is not)."""
        if type(raw) is not int and pointer not in self.flagged:
            self._add(error("schema.type", pointer, "expected an integer without a fraction"))
        return raw

    def code(self, codes: Any, raw: Any, pointer: str) -> Any:
        if not isinstance(raw, str) or pointer in self.flagged:
            return raw
        value, issue = check_code(codes, raw, pointer, format_name=FORMAT_NAME)
        self._add(issue)
        return value

    def conditions(self, raw: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if not isinstance(raw, dict):
            return found
        for key, (field, lists) in CONDITION_SETS.items():
            conditions = raw.get(key)
            if not isinstance(conditions, dict):
                continue
            found[field] = {
                name: [
                    self.condition(name, item, f"/{CONDITIONS}/{key}/{name}/{index}")
                    for index, item in enumerate(conditions.get(name) or ())
                ]
                for name in lists
                if isinstance(conditions.get(name), list)
            }
        return found

    def condition(self, kind: str, raw: Any, pointer: str) -> dict[str, Any]:
        """The canonical fields of one condition: its known members, as sent (codes checked)."""
        if not isinstance(raw, dict):
            return {}
        # a known type has its own optional members; one cjx does not know, any it was sent with
        # (a member its type does not have is reported by the schema, and not carried)
        kind_of = raw.get("type") if kind == "additional" else None
        own = TYPE_MEMBERS.get(kind_of, _OPTIONAL) if isinstance(kind_of, str) else _OPTIONAL
        fields: dict[str, Any] = {}
        for key, field in CONDITION_MEMBERS[kind]:
            value = raw.get(key)
            if value is None or (key in _OPTIONAL and key not in own):
                continue
            at = f"{pointer}/{key}"
            if key == "id":
                value = self.long(value, at)
            elif key == "type":
                value = self.code(AdditionalConditionType, value, at)
            elif key == "restrictions" and isinstance(value, list) and at not in self.flagged:
                value = [
                    self.code(ElectronicMonitoringType, code, f"{at}/{index}")
                    for index, code in enumerate(value)
                ]
            fields[field] = value
        return fields
