"""What a canonical message teaches the person index: a table of extractors by message type.

An **extractor** is a function ``(envelope) -> Iterable[Claim | Issue]``. It yields a
:class:`Claim` for each pair of identifiers the message says belong to one person, and an
``Issue`` (a warning, path a JSON pointer into the canonical message, value never echoed) for
each identifier it had to leave out because the index cannot read it. It is pure: no I/O, no
index look-ups, nothing but the envelope.

Every message goes through two: the one registered for its type in :data:`EXTRACTORS` (if any)
and :func:`from_subject`, which links the identifiers the envelope's ``subject`` names (a subject
names one person, so two or more identifiers there are a link). Claims are de-duplicated, merges
first, and the index applies all of a message's claims in one transaction.

A new message type that carries identifiers gets an entry here, for example (canonical v1.1)::

    def _prisoner_record(envelope: Envelope[Any]) -> Iterator[Claim | Issue]:
        body = envelope.body
        noms = Ident(Scheme.NOMS, str(body.noms_number))
        yield from star(noms, [read(Scheme.PNC, body.pnc, "/body/pnc"), ...])
        yield from pair(read(Scheme.BOOK, ...), read(Scheme.BOOKING, ...))

    EXTRACTORS["custody.prisoner-record"] = _prisoner_record
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

from cjx.errors import Issue, warning
from cjx.model import (
    CustodyRecord,
    Envelope,
    IdentifierError,
    IdentifiersLinked,
    PersonMerged,
    PrisonerRecord,
)

from ._ident import Ident, Scheme, subject_ident
from ._records import Claim

__all__ = ["EXTRACTORS", "Extractor", "claims_of", "from_subject", "pair", "read", "star"]

Extractor = Callable[[Envelope[Any]], Iterable[Claim | Issue]]


def read(scheme: Scheme, raw: object, path: str) -> Ident | Issue | None:
    """``raw`` as an identifier of ``scheme``; an ``Issue`` when it is invalid, ``None`` if absent.

    For extractors: a field the index cannot read is left out with a warning, never a failure
    (the message itself passed the canonical gate; the index is only less informed).
    """
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str | int):
        return warning(f"{scheme.value}.format", path, "not an identifier; left out of the index")
    try:
        return Ident.of(scheme, raw)
    except IdentifierError as exc:
        return warning(exc.code, path, f"{exc.message}; left out of the person index")


def star(
    anchor: Ident | Issue | None, others: Iterable[Ident | Issue | None]
) -> Iterator[Claim | Issue]:
    """Link ``anchor`` to each of ``others``; pass issues through, skip what is absent."""
    rest = list(others)
    for item in (anchor, *rest):
        if isinstance(item, Issue):
            yield item
    if not isinstance(anchor, Ident):
        return
    for other in rest:
        if isinstance(other, Ident) and other != anchor:
            yield Claim(anchor, other)


def pair(book: Ident | Issue | None, booking: Ident | Issue | None) -> Iterator[Claim | Issue]:
    """Link a book number to its booking id: the one pair the index keeps 1 to 1."""
    yield from star(book, [booking])


def from_subject(envelope: Envelope[Any]) -> Iterator[Claim | Issue]:
    """Link every identifier the subject names to its first (the subject names one person)."""
    found: list[Ident | Issue | None] = []
    for n, subject in enumerate(envelope.subject):
        try:
            found.append(subject_ident(subject))
        except IdentifierError as exc:
            found.append(
                warning(exc.code, f"/subject/{n}/value", f"{exc.message}; left out of the index")
            )
    idents = [i for i in found if isinstance(i, Ident)]
    yield from (i for i in found if isinstance(i, Issue))
    if idents:
        yield from star(idents[0], idents[1:])


def _identifiers_linked(envelope: Envelope[Any]) -> Iterator[Claim | Issue]:
    """``identity.identifiers-linked``: the CRN and the book number, each to the NOMS number."""
    body: IdentifiersLinked = envelope.body
    noms = Ident(Scheme.NOMS, str(body.noms_number))
    yield from star(
        noms,
        [
            Ident(Scheme.CRN, str(body.crn)),
            read(Scheme.BOOK, body.booking_number, "/body/booking_number"),
        ],
    )


def _person_merged(envelope: Envelope[Any]) -> Iterator[Claim | Issue]:
    """``identity.person-merged``: the removed NOMS number merged into the retained one.

    The booking id belongs to the retained record.
    """
    body: PersonMerged = envelope.body
    retained = Ident(Scheme.NOMS, str(body.retained_noms_number))
    removed = Ident(Scheme.NOMS, str(body.removed_noms_number))
    if removed != retained:
        yield Claim(removed, retained, merge=True)
    yield from star(retained, [read(Scheme.BOOKING, body.booking_id, "/body/booking_id")])


def _prisoner_record(envelope: Envelope[Any]) -> Iterator[Claim | Issue]:
    """``custody.prisoner-record``: the current booking (book number with booking id) and the
    PNC ID and CRO number, each to the NOMS number."""
    body: PrisonerRecord = envelope.body
    noms = Ident(Scheme.NOMS, str(body.noms_number))
    ids = body.identifiers
    if ids is None:
        return
    book = read(Scheme.BOOK, ids.book_number, "/body/identifiers/book_number")
    booking = read(Scheme.BOOKING, ids.booking_id, "/body/identifiers/booking_id")
    pnc = ids.pnc
    yield from star(
        noms,
        [
            book,
            booking,
            read(Scheme.PNC, None if pnc is None else str(pnc), "/body/identifiers/pnc_number"),
            read(Scheme.CRO, ids.cro_number, "/body/identifiers/cro_number"),
        ],
    )
    yield from pair(book, booking)


def _custody_record(envelope: Envelope[Any]) -> Iterator[Claim | Issue]:
    """``probation.custody-record``: the CRN, PNC ID, CRO number and the custody's book number,
    each to the NOMS number (the record without a NOMS number teaches what its subject names)."""
    body: CustodyRecord = envelope.body
    if body.noms_number is None:
        return
    noms = Ident(Scheme.NOMS, str(body.noms_number))
    yield from star(
        noms,
        [
            read(Scheme.CRN, body.crn, "/body/crn"),
            read(Scheme.PNC, body.pnc_id, "/body/pnc_id"),
            read(Scheme.CRO, body.cro_number, "/body/cro_number"),
            read(Scheme.BOOK, body.book_number, "/body/conviction/custody/book_number"),
        ],
    )


#: Message type -> its extractor. Add an entry for each message type that carries identifiers.
EXTRACTORS: Final[dict[str, Extractor]] = {
    "identity.identifiers-linked": _identifiers_linked,
    "identity.person-merged": _person_merged,
    "custody.prisoner-record": _prisoner_record,
    "probation.custody-record": _custody_record,
}


def claims_of(envelope: Envelope[Any]) -> tuple[tuple[Claim, ...], tuple[Issue, ...]]:
    """Everything ``envelope`` teaches: its claims (merges first, no repeats) and its issues."""
    claims: dict[tuple[Ident, Ident, bool], Claim] = {}
    issues: list[Issue] = []
    extractor = EXTRACTORS.get(envelope.message_type)
    sources = (
        (extractor(envelope), from_subject(envelope)) if extractor else (from_subject(envelope),)
    )
    for source in sources:
        for item in source:
            if isinstance(item, Claim):
                claims.setdefault(item.key, item)
            elif item not in issues:
                issues.append(item)
    ordered = sorted(claims.values(), key=lambda c: not c.merge)
    return tuple(ordered), tuple(issues)
