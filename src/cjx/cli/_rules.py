"""``cjx rules`` and the person index of ``cjx translate --index``.

::

    cjx rules [--format text|json]

lists every registered rule: its name, the message types it takes and makes, how it uses the
person index, and its description; a rule whose entry point is broken is named on standard
error with the reason (exit 1, as ``cjx formats`` does for adapters).

``cjx translate --index URL`` gives the rules a translation needs their person index
(:class:`LazyIndex`): opened read-only (``migrate=False``: a missing SQLite file or schema is a
usage error, nothing is created) at the first look-up, so a translation that needs no rule never
touches it. ``CJX_IDENTITY_URL`` overrides ``--index``, as for ``cjx identity``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ._inputs import UsageError

if TYPE_CHECKING:  # loaded when used: building the command line needs neither
    from cjx.identity import Booking, Ident, Learnt, Person, PersonIndex
    from cjx.model import Envelope

__all__ = ["LazyIndex", "add_parser", "run"]

EXIT_OK = 0
EXIT_BROKEN = 1


def add_parser(sub: Any) -> None:
    r = sub.add_parser("rules", help="list the rules that derive canonical messages")
    r.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from cjx.rules import broken, rules  # noqa: PLC0415

    listed = [
        {
            "name": rule.name,
            "consumes": sorted(rule.consumes),
            "produces": sorted(rule.produces),
            "index": rule.index_use,
            "description": rule.description,
        }
        for rule in rules().values()
    ]
    if args.format == "json":
        print(json.dumps({"rules": listed, "broken": broken()}, indent=2))
    else:
        for entry in listed:
            print(entry["name"])
            print(f"  takes:  {', '.join(entry['consumes'])}")
            print(f"  makes:  {', '.join(entry['produces']) or '(no message)'}")
            print(f"  index:  {entry['index']}")
            print(f"  {entry['description']}")
    for name, reason in broken().items():
        print(f"{name} BROKEN: {reason}", file=sys.stderr)
    return EXIT_OK if not broken() else EXIT_BROKEN


class LazyIndex:
    """The person index at ``url``, opened at the first call (a :class:`cjx.rules.RuleIndex`).

    ``url`` ``None``: the first call is a usage error naming ``--index``.
    """

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._index: PersonIndex | None = None

    def _opened(self) -> PersonIndex:
        if self._index is None:
            if not self.url:
                raise UsageError(
                    "this translation needs a rule that looks up the person index: give "
                    "--index URL (or set CJX_IDENTITY_URL)"
                )
            from cjx.identity import open_index  # noqa: PLC0415

            self._index = open_index(self.url, migrate=False)
        return self._index

    def resolve(self, ident: Ident) -> Person:
        return self._opened().resolve(ident)

    def booking(self, booking_id: int | Ident) -> Booking:
        return self._opened().booking(booking_id)

    def learn(self, envelope: Envelope[Any]) -> Learnt:
        return self._opened().learn(envelope)

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
