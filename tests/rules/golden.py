"""Golden files for rules: a canonical input, the person index it meets, what the rule makes.

``tests/rules/golden/<rule>/`` holds, for every case ``NAME``:

* ``NAME.input.json``: one canonical message (JSON);
* ``NAME.index.json``: the person index before the rule runs,
  ``{"learn": [canonical messages the index learns from, in order], "links": [["a", "b"], ...]}``
  (``links`` are made by hand, ``cjx identity link``: for what no message type teaches yet);
* accepted: ``NAME.outputs.json``, the outputs as a JSON array of canonical messages (``[]``
  when the rule makes none), with :func:`tests.golden.fixed_clock`;
* ``NAME.expected-issues.json`` when the report is not empty, or the rule refused the input
  (``identity.unresolved``): ``{"severity", "code", "path"}`` sorted, as for adapters.

``CJX_REGENERATE_GOLDEN=1`` rewrites them; review the diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.golden import compare_or_write, fixed_clock, issues_document

from cjx.codec import decode_json, encode_json
from cjx.errors import IdentityUnresolved, Report
from cjx.identity import Ident, PersonIndex, open_index
from cjx.model import Envelope
from cjx.rules import Rule

GOLDEN = Path(__file__).parent / "golden"


def cases(rule: str) -> list[Path]:
    return sorted((GOLDEN / rule).glob("*.input.json"))


def envelope_of(value: Any) -> Envelope[Any]:
    return decode_json(json.dumps(value).encode())


@contextmanager
def index_for(case: Path) -> Iterator[PersonIndex]:
    """A private in-memory index holding what ``NAME.index.json`` says."""
    setup_path = case.with_name(case.name.replace(".input.json", ".index.json"))
    setup = json.loads(setup_path.read_bytes()) if setup_path.exists() else {}
    with open_index("sqlite:///:memory:", clock=fixed_clock) as index:
        for message in setup.get("learn", []):
            learnt = index.learn(envelope_of(message))
            assert not learnt.conflicts, [c.describe() for c in learnt.conflicts]
        for a, b in setup.get("links", []):
            applied = index.link(Ident.parse(a), Ident.parse(b), actor="golden")
            assert applied.conflict is None
        yield index


def check_golden(rule: Rule, case: Path) -> tuple[tuple[Envelope[Any], ...], Report]:
    """The rule's outcome on ``case`` equals its golden files (or rewrites them)."""
    name = case.name.removesuffix(".input.json")
    envelope = decode_json(case.read_bytes(), source=case.name)
    with index_for(case) as index:
        try:
            derivation = rule.derive(envelope, index, clock=fixed_clock)
        except IdentityUnresolved as exc:
            compare_or_write(case.with_name(f"{name}.outputs.json"), None)
            compare_or_write(
                case.with_name(f"{name}.expected-issues.json"), issues_document(exc.report)
            )
            return (), exc.report
    outputs = [json.loads(encode_json(e)) for e in derivation.envelopes]
    compare_or_write(
        case.with_name(f"{name}.outputs.json"), (json.dumps(outputs, indent=2) + "\n").encode()
    )
    compare_or_write(
        case.with_name(f"{name}.expected-issues.json"), issues_document(derivation.report)
    )
    return derivation.envelopes, derivation.report
