"""Golden files and round-trip laws for adapters of JSON record formats (version 1.1).

An adapter's ``tests/golden/`` holds, for every fixture ``NAME.input.json``:

* accepted: ``NAME.canonical.json`` (:func:`cjx.codec.encode_json` of the decoded envelope, with
  :func:`fixed_clock`) and ``NAME.reencoded.json`` (exactly what ``encode`` writes), and
  ``NAME.expected-issues.json`` when the report is not empty (information, warnings);
* rejected: ``NAME.expected-issues.json`` only.

``expected-issues.json`` lists every issue as ``{"severity", "code", "path"}``, sorted: the exact
codes and paths (messages may be reworded without touching golden files).

Set ``CJX_REGENERATE_GOLDEN=1`` to rewrite the golden files after an intended change, then
review the diff: ``CJX_REGENERATE_GOLDEN=1 pytest adapters/cjx_<format>``.

The round-trip laws, for every accepted fixture: ``encode(decode(x))`` is ``x`` as a JSON value
after the null rule (:func:`cjx.adapter.without_nulls`) and without the members reported as
unknown (``<format>.unknown-field``: not carried, by design), and ``decode(encode(m)) == m``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cjx.adapter import Adapter, without_nulls
from cjx.codec import decode_json, encode_json, json_pointer
from cjx.errors import Report, ValidationFailed
from cjx.model import Envelope

REGENERATE = os.environ.get("CJX_REGENERATE_GOLDEN") == "1"


def fixed_clock() -> dt.datetime:
    """``occurred_at`` and ``produced_at`` of every message in the golden files."""
    return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def name_of(fixture: Path) -> str:
    return fixture.name.removesuffix(".input.json")


def fixtures(golden: Path) -> list[Path]:
    return sorted(golden.glob("*.input.json"))


def compare_or_write(path: Path, actual: bytes | None) -> None:
    """``actual`` is what the golden file must hold; ``None``: the file must not exist."""
    if REGENERATE:
        if actual is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(actual)
    if actual is None:
        assert not path.exists(), f"{path.name} should not exist (CJX_REGENERATE_GOLDEN=1)"
        return
    assert path.exists(), f"golden file {path.name} is missing (CJX_REGENERATE_GOLDEN=1)"
    assert path.read_bytes() == actual, f"{path.name} differs from its golden file"


def issues_document(report: Report) -> bytes | None:
    """The golden form of a report's issues, or ``None`` when there are none."""
    if not report.issues:
        return None
    items = sorted(
        ({"severity": i.severity.value, "code": i.code, "path": i.path} for i in report.issues),
        key=lambda i: (i["path"], i["code"], i["severity"]),
    )
    return (json.dumps(items, indent=1) + "\n").encode()


@dataclass(frozen=True)
class Outcome:
    """What the adapter made of one fixture."""

    report: Report
    envelope: Envelope[Any] | None  # the decoded envelope when accepted

    @property
    def accepted(self) -> bool:
        return self.envelope is not None


def outcome(adapter: Adapter, fixture: Path) -> Outcome:
    try:
        translation = adapter.translate(
            fixture.read_bytes(), source=fixture.name, clock=fixed_clock
        )
    except ValidationFailed as exc:
        return Outcome(exc.report, None)
    (envelope,) = translation.envelopes
    return Outcome(translation.report, envelope)


def check_golden(adapter: Adapter, fixture: Path) -> Outcome:
    """The fixture's outcome equals its golden files (or rewrites them); returns it."""
    golden, name = fixture.parent, name_of(fixture)
    result = outcome(adapter, fixture)
    compare_or_write(golden / f"{name}.expected-issues.json", issues_document(result.report))
    if not result.accepted:
        assert result.report.errors
        compare_or_write(golden / f"{name}.canonical.json", None)
        compare_or_write(golden / f"{name}.reencoded.json", None)
        return result
    assert result.report.ok
    assert result.envelope is not None
    compare_or_write(golden / f"{name}.canonical.json", encode_json(result.envelope) + b"\n")
    compare_or_write(golden / f"{name}.reencoded.json", adapter.encode(result.envelope))
    return result


def member_pointers(value: Any, reported: list[str]) -> list[str]:
    """The real JSON pointers of the members ``reported`` names. A report masks a member name
    no shipped schema declares (:func:`cjx.errors.input_name`): each reported pointer is matched
    to the member of ``value`` whose pointer a report would write so."""
    real: dict[str, str] = {}
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(value, ())]
    while stack:
        node, loc = stack.pop()
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in items:
            here = (*loc, key)
            plain = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in here)
            real.setdefault(json_pointer(here), plain)
            stack.append((child, here))
    return [real[pointer] for pointer in reported]


def remove_pointers(value: Any, pointers: list[str]) -> Any:
    """``value`` without the members at ``pointers`` (JSON pointers to object members)."""
    out = json.loads(json.dumps(value))
    for pointer in pointers:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        node = out
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]
    return out


def check_round_trips(adapter: Adapter, fixture: Path, unknown_field_code: str) -> None:
    """Both round-trip laws on one accepted fixture (see the module notes)."""
    data = fixture.read_bytes()
    result = outcome(adapter, fixture)
    assert result.envelope is not None, result.report.to_text()
    encoded = adapter.encode(result.envelope)
    unknown = [i.path for i in result.report.issues if i.code == unknown_field_code]
    normalised = [i for i in result.report.issues if i.code.endswith(".normalised")]
    document = without_nulls(json.loads(data))
    expected = remove_pointers(document, member_pointers(document, unknown))
    if normalised:
        # a value written differently from its canonical form comes back canonical: the
        # re-encoded document is then a fixed point
        (again,) = adapter.decode(encoded, clock=fixed_clock)
        assert adapter.encode(again) == encoded
    else:
        assert json.loads(encoded) == expected
    (again,) = adapter.decode(encoded, clock=fixed_clock)
    assert again == result.envelope
    golden = fixture.parent / f"{name_of(fixture)}.canonical.json"
    assert decode_json(golden.read_bytes()) == result.envelope


def json_documents(golden: Path) -> list[Any]:
    """Every golden input that is a JSON object, for the mutation properties."""
    found = []
    for fixture in fixtures(golden):
        try:
            value = json.loads(fixture.read_bytes())
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def check_mutated(adapter: Adapter, data: bytes) -> None:
    """A (mutated) input is accepted, and then encodable back, or rejected with an error;
    anything but :class:`ValidationFailed` propagates and fails the test."""
    report = adapter.validate(data)
    if report.ok:
        for envelope in adapter.decode(data, clock=fixed_clock):
            adapter.encode(envelope)
    else:
        assert report.errors
