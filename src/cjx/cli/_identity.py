"""``cjx identity``: the person index from the command line. Scripts rely on it, so it is exact.

::

    cjx identity link      --index URL [--by WHO] [--reason TEXT] [--merge] A B
    cjx identity show      --index URL [--format text|json] [--provenance] A
    cjx identity retract   --index URL --reason TEXT [--by WHO] A B
    cjx identity conflicts --index URL [--format text|json]
    cjx identity export    --index URL [--output FILE] [--force] [--umask]
    cjx identity import    --index URL FILE
    cjx identity migrate   --index URL

``URL`` is ``sqlite:///PATH`` or ``postgresql://...``; ``CJX_IDENTITY_URL``, when set, overrides
``--index`` (and makes it optional). An identifier is ``SCHEME:VALUE`` with a scheme of ``pnc``,
``cro``, ``noms``, ``crn``, ``asn``, ``book`` (book number) or ``booking`` (booking id); values
are normalised and checked. ``show --format json`` prints ``{"identifiers": [...],
"conflicts": [...]}``: the identifiers include A, sorted, normalised; each conflict is an export
record. ``--provenance`` adds ``former`` and ``links``.

Exit status: 0 done; 1 a link that contradicts the index (the conflict is named and recorded), a
retraction with nothing to retract, or the index unreachable; 2 bad input (an identifier, a URL,
an import file) or misuse. Passwords in URLs are never printed; reads (show, conflicts, export)
never create an index.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cjx._files import open_file
from cjx.codec import load_json
from cjx.errors import ConfigurationError, TransientError, ValidationFailed
from cjx.identity import (
    INDEX_URL_VARIABLE,
    Conflict,
    Ident,
    Link,
    PersonIndex,
    conflict_record,
    link_record,
    open_index,
    url_from_environment,
)
from cjx.model import IdentifierError
from cjx.transport import redact_url

from ._inputs import UsageError

__all__ = ["dispatch", "index_url"]

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


def index_url(option: str | None) -> str | None:
    """The index URL: ``CJX_IDENTITY_URL`` if set (a note says so when ``--index`` differs),
    else ``--index``; ``None`` when neither is given."""
    given = url_from_environment(None)
    if given and option and option != given:
        print(
            f"cjx: {INDEX_URL_VARIABLE} ({redact_url(given)}) overrides --index",
            file=sys.stderr,
        )
    return given or option


def _url(args: argparse.Namespace) -> str:
    url = index_url(args.index)
    if not url:
        raise UsageError(f"give --index URL (or set {INDEX_URL_VARIABLE})")
    return str(url)


def _ident(text: str, name: str) -> Ident:
    try:
        return Ident.parse(text)
    except IdentifierError as exc:
        raise UsageError(f"{name}: {exc.code}: {exc.message}") from None


def _actor(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "cjx identity"


def dispatch(args: argparse.Namespace) -> int:
    command = args.identity_command
    # Check what the command line says before touching the index.
    idents = [_ident(args.a, "A")] if hasattr(args, "a") else []
    if hasattr(args, "b"):
        idents.append(_ident(args.b, "B"))
    if command == "import" and args.file != "-" and not Path(args.file).is_file():
        raise UsageError(f"{args.file}: no such file")
    url = _url(args)
    writes = command in ("link", "retract", "import", "migrate")
    try:
        with open_index(url, migrate=writes) as index:
            return _COMMANDS[command](index, args, idents)
    except ConfigurationError as exc:
        raise UsageError(f"person index {redact_url(url)}: {exc}") from None
    except TransientError as exc:
        print(f"cjx: person index {redact_url(url)}: {exc}", file=sys.stderr)
        return EXIT_REJECTED


def _link(index: PersonIndex, args: argparse.Namespace, idents: list[Ident]) -> int:
    a, b = idents
    if a == b:
        raise UsageError("A and B are the same identifier")
    applied = index.link(a, b, actor=_actor(args), reason=args.reason, merge=args.merge)
    if applied.conflict is not None:
        print(f"cjx: {applied.conflict.describe()}", file=sys.stderr)
        return EXIT_REJECTED
    assert applied.link is not None
    state = "linked" if applied.new else "already linked"
    print(f"{state}: {applied.link.a} - {applied.link.b} ({_provenance(applied.link)})")
    return EXIT_OK


def _show(index: PersonIndex, args: argparse.Namespace, idents: list[Ident]) -> int:
    person = index.resolve(idents[0])
    if args.format == "json":
        body: dict[str, Any] = {
            "identifiers": [str(i) for i in person.identifiers],
            "conflicts": [conflict_record(c) for c in person.conflicts],
        }
        if args.provenance:
            body["former"] = sorted(str(i) for i in person.former)
            body["links"] = [link_record(link) for link in person.links]
        print(json.dumps(body, indent=2))
        return EXIT_OK
    for ident in person.identifiers:
        notes = []
        if ident == person.query:
            notes.append("asked")
        if ident in person.former:
            notes.append("former")
        print(f"{ident}" + (f"  ({', '.join(notes)})" if notes else ""))
    if person.links:
        print("links:")
        for link in person.links:
            print(f"  {_link_line(link)}")
    if person.conflicts:
        print("conflicts:")
        for conflict in person.conflicts:
            print(f"  {_conflict_line(conflict)}")
    return EXIT_OK


def _retract(index: PersonIndex, args: argparse.Namespace, idents: list[Ident]) -> int:
    a, b = idents
    done = index.retract(a, b, actor=_actor(args), reason=args.reason)
    if not done:
        print(f"cjx: no active link joins {a.masked()} and {b.masked()}", file=sys.stderr)
        return EXIT_REJECTED
    for link in done:
        print(f"retracted: {_link_line(link)}")
    return EXIT_OK


def _conflicts(index: PersonIndex, args: argparse.Namespace, _idents: list[Ident]) -> int:
    found = index.conflicts()
    if args.format == "json":
        print(json.dumps([conflict_record(c) for c in found], indent=2))
    else:
        for conflict in found:
            print(_conflict_line(conflict))
        print(f"{len(found)} conflict(s)")
    return EXIT_OK


def _export(index: PersonIndex, args: argparse.Namespace, _idents: list[Ident]) -> int:
    lines = (json.dumps(record, separators=(",", ":")) + "\n" for record in index.export())
    if args.output is None:
        for line in lines:
            sys.stdout.write(line)
        sys.stdout.flush()
        return EXIT_OK
    # the index holds personal data: written as every cjx output (0600, never through a
    # symlink, never over a file unless --force), whole or not at all
    with open_file(args.output, force=args.force, private=not args.umask) as out:
        out.writelines(line.encode("utf-8") for line in lines)
    return EXIT_OK


def _records(name: str) -> Iterator[Any]:
    stream = sys.stdin if name == "-" else Path(name).open(encoding="utf-8")  # noqa: SIM115
    with stream:
        for n, line in enumerate(stream, start=1):
            if line.strip():
                yield load_json(line, source=f"{name} line {n}")


def _import(index: PersonIndex, args: argparse.Namespace, _idents: list[Ident]) -> int:
    try:
        done = index.import_records(_records(args.file), source=args.file)
    except ValidationFailed as exc:
        print(exc.report.to_text(), file=sys.stderr)
        return EXIT_USAGE
    print(
        f"imported {done.links} links, {done.conflicts} conflicts, {done.identifiers} identifiers"
    )
    return EXIT_OK


def _migrate(index: PersonIndex, _args: argparse.Namespace, _idents: list[Ident]) -> int:
    print(f"{index!r}: schema version {index.schema_version}")
    return EXIT_OK


_COMMANDS = {
    "link": _link,
    "show": _show,
    "retract": _retract,
    "conflicts": _conflicts,
    "export": _export,
    "import": _import,
    "migrate": _migrate,
}


def _provenance(link: Link) -> str:
    who = f"message {link.message_id}" if link.message_id else f"by {link.actor}"
    why = f", {link.reason}" if link.reason else ""
    return f"link {link.id}, {link.kind.value} {who} at {link.learnt_at.isoformat()}{why}"


def _link_line(link: Link) -> str:
    arrow = " merged into " if link.former is not None else " - "
    line = f"{link.a}{arrow}{link.b}  ({_provenance(link)})"
    if link.retraction is not None:
        r = link.retraction
        line += f"  retracted by {r.by} at {r.at.isoformat()}: {r.reason}"
    return line


def _conflict_line(conflict: Conflict) -> str:
    who = f"message {conflict.message_id}" if conflict.message_id else f"by {conflict.actor}"
    clashes = "; ".join(f"{c.scheme.value} {c.a_value} vs {c.b_value}" for c in conflict.clashes)
    tail = f": {clashes}" if clashes else (f": link {conflict.link}" if conflict.link else "")
    return (
        f"conflict {conflict.id} {conflict.code.value}: {conflict.a} - {conflict.b}"
        f" ({conflict.kind.value} {who} at {conflict.recorded_at.isoformat()}){tail}"
    )
