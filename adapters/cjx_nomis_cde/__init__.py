"""The ``nomis-cde`` adapter: one row of a NOMIS CDE offender extract <->
``custody.prisoner-record``.

Registered in the ``cjx.adapters`` entry-point group as ``nomis-cde``. The input is one row
(one line of ``C_NOMIS_OFFENDER_<DDMMYYYY>_01.dat``: 153 ``|``-separated fields); a whole file
is read by ``cjx extract import`` (:mod:`cjx.extract`), which streams it row by row through
:func:`decode_row`. :mod:`cjx_nomis_cde._format` holds the table of the 153 fields,
:mod:`cjx_nomis_cde._codec` the rules.

Issue codes this adapter adds to the shared ones (``noms.*``, ``book-number.*``, ``cro.*``,
``pnc.*``, ``date.format``, ``schema.*``), each at ``field N name_fN``:

* ``nomis-cde.field-count``: the row does not have 153 fields;
* ``nomis-cde.custody-status``: field 24 is not one of the layout's custody statuses;
* ``nomis-cde.value``: a flag, the height or an alert not written as the layout writes them;
* ``nomis-cde.not-carried`` (encoding): a part of the record a row cannot hold.

The envelope: ``occurred_at`` is the extract date (field 1) at 00:00 Europe/London; ``subject``
the NOMS number, then the first PNC ID and the CRO number; ``source`` ``{nomis, nomis-cde}``.
The message id digests the body, so the same record read twice has the same id.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from cjx.errors import Issue, Report, ValidationFailed, error, input_name
from cjx.model import (
    DEFAULT_CLASSIFICATION,
    Clock,
    Envelope,
    PrisonerRecord,
    Source,
    SubjectId,
    SubjectScheme,
    Timestamp,
    make_envelope,
    message_id_from_json,
    system_clock,
)
from cjx.model._versions import reach

from ._codec import (
    NOT_CARRIED_CODE,
    DecodedRow,
    decode_fields,
    encode_fields,
    split_row,
    unquote,
)
from ._fast import CleanBody, clean_body, clean_line
from ._format import FIELD_COUNT, FIELDS, FORMAT_NAME, SYSTEM, Field

if TYPE_CHECKING:
    from ._adapter import NomisCdeAdapter, adapter

__all__ = [
    "FIELDS",
    "FIELD_COUNT",
    "FORMAT_NAME",
    "CleanBody",
    "DecodedRow",
    "Field",
    "NomisCdeAdapter",
    "adapter",
    "clean_body",
    "clean_line",
    "decode_fields",
    "decode_row",
    "encode_row",
    "envelope_for",
    "extract_instant",
    "message_line",
    "split_row",
    "unquote",
]

LONDON: Final = ZoneInfo("Europe/London")
_SOURCE: Final = Source(system=SYSTEM, format=FORMAT_NAME)


def decode_row(line: str) -> DecodedRow:
    """One row (without its line end) decoded: the record or the issues."""
    return decode_fields(split_row(line))


def extract_instant(extract_date: dt.date) -> Timestamp:
    """The extract's time: its date at 00:00 Europe/London."""
    return Timestamp.from_datetime(
        dt.datetime(extract_date.year, extract_date.month, extract_date.day, tzinfo=LONDON)
    )


def envelope_for(
    record: PrisonerRecord, extract_date: dt.date, *, clock: Clock = system_clock
) -> Envelope[PrisonerRecord]:
    """The canonical envelope of a decoded row."""
    subject = [SubjectId(scheme=SubjectScheme.NOMS, value=record.noms_number)]
    identifiers = record.identifiers
    if identifiers is not None:
        if identifiers.pnc is not None:
            subject.append(SubjectId(scheme=SubjectScheme.PNC, value=identifiers.pnc))
        if identifiers.cro_number is not None:
            subject.append(SubjectId(scheme=SubjectScheme.CRO, value=identifiers.cro_number))
    return make_envelope(
        record,
        occurred_at=extract_instant(extract_date),
        source=_SOURCE,
        subject=subject,
        clock=clock,
    )


def _defaults_are_none(root: type[BaseModel]) -> bool:
    """Whether every optional field of ``root`` and the types it holds defaults to ``None``:
    then the body's canonical JSON (``None`` left out) is also the JSON its message id
    digests (fields at their defaults left out)."""
    models: set[type[BaseModel]] = set()
    reach(root, models)
    return all(
        info.is_required() or info.default is None
        for model in models
        for info in model.model_fields.values()
    )


_SOURCE_JSON: Final = _SOURCE.model_dump_json(exclude_none=True)
_ONE_JSON: Final = _defaults_are_none(PrisonerRecord)


@lru_cache(maxsize=64)
def _occurred_json(extract_date: dt.date) -> str:
    return extract_instant(extract_date).isoformat()


def message_line(
    record: PrisonerRecord, extract_date: dt.date, *, clock: Clock = system_clock
) -> bytes:
    """``encode_json(envelope_for(record, extract_date, clock=clock), indent=None)``, the
    same bytes, written without building the envelope: the bulk import's and the diff's
    writer. The body is serialised once (the line and the message id share it) and the
    header, whose parts are all known to be valid, is formatted directly. The tests hold it
    to the envelope's own canonical JSON."""
    body = record.model_dump_json(exclude_none=True)
    digested = body if _ONE_JSON else record.model_dump_json(exclude_defaults=True)
    message_type = PrisonerRecord.message_type
    message_id = message_id_from_json(FORMAT_NAME, None, message_type, digested)
    subject = [("NOMS", str(record.noms_number))]
    identifiers = record.identifiers
    if identifiers is not None:
        if identifiers.pnc is not None:
            subject.append(("PNC", str(identifiers.pnc)))
        if identifiers.cro_number is not None:
            subject.append(("CRO", str(identifiers.cro_number)))
    subjects = ",".join(
        f'{{"scheme":"{scheme}","value":{json.dumps(value, ensure_ascii=False)}}}'
        for scheme, value in subject
    )
    produced = Timestamp.from_datetime(clock()).isoformat()
    return (
        f'{{"message_id":"{message_id}","message_type":"{message_type}",'
        f'"schema_version":"{PrisonerRecord.schema_version}",'
        f'"occurred_at":"{_occurred_json(extract_date)}","produced_at":"{produced}",'
        f'"source":{_SOURCE_JSON},"subject":[{subjects}],'
        f'"classification":"{DEFAULT_CLASSIFICATION}","body":{body}}}'
    ).encode()


def encode_row(record: PrisonerRecord, extract_date: dt.date) -> str:
    """The row (without a line end) for ``record``; :class:`ValidationFailed`
    (``nomis-cde.not-carried``) when a row cannot hold it."""
    refused: list[Issue] = []
    values = encode_fields(
        record,
        extract_date,
        lambda path, message: refused.append(error(NOT_CARRIED_CODE, path, message)),
    )
    if refused:
        raise ValidationFailed(Report(input_name(str(record.noms_number)), tuple(refused)))
    return "|".join(values)


if not TYPE_CHECKING:  # for mypy, the names come from the imports above

    def __getattr__(name: str) -> Any:
        # the adapter (the cjx.adapters entry point) is made on first use: cjx.adapter, which
        # it subclasses, loads the codecs and schemas, which a bulk import does not need
        if name in ("adapter", "NomisCdeAdapter"):
            from . import _adapter  # noqa: PLC0415

            return getattr(_adapter, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
