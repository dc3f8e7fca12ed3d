"""How fast could a libra-spi translation be without the model? A design probe, not a translation.

Run from the repository root (not part of the test suite; about a minute)::

    .venv/bin/python bench/design_floor.py              # CPU clock, both messages
    .venv/bin/python bench/design_floor.py --clock wall --case sample

Issue 10's bar on the court sample asks (d) for a tenth of xmlschema's time (about 265 µs). The
one design that could skip most of (d)'s Python work is a writer of clean messages straight from
the tree (as ``cjx_nomis_cde.clean_line`` is for the flat-file rows): canonical XML and the
body's JSON (for the message id) written during one walk, with no model. This script times the
floor of that design, so that the decision about it rests on a figure rather than a guess:

* (a) the floor of issue 10's bar: lxml parse and XSD (as ``bench/throughput.py``'s (a));
* (b) its peer, xmlschema (as ``bench/throughput.py``'s (b));
* (d) ``cjx.pipeline.translate`` to canonical XML, today's design;
* (p) **the probe**: cjx's own hardened parse, schema-location hints and source XSD, then one walk
  of every element with a table lookup, a strip and a printable-ASCII check per leaf, an XML and a
  JSON fragment per leaf, both joined, the message id from the JSON (SHA-256 and UUIDv5, cjx's
  own function) and the envelope's header text. It checks **nothing** the model checks
  (identifiers, dates, codes, cardinalities, lengths), writes no nesting and no field order, and
  makes no envelope object: a real writer of that design does all of it and costs more;
* (m) what the envelope *objects* cost on top of such a writer, were ``translate`` to keep
  returning them as it does today: the body model from the writer's JSON by pydantic-core
  (``CaseResulted.model_validate_json``) and the envelope around it by the trusted construction
  ``make_envelope`` uses, with the message id the writer has already made (the probe's (m) is
  checked to equal the decoded envelope).

Figures are medians of interleaved repetitions, GC on, with the load average. A floor, not an
estimate: a working prototype of the design, with the checks, measured 0.89 of (d) on the sample
(``docs/performance.md``, "What the sample's bar would take").
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
for extra in (REPO / "src", REPO / "adapters", HERE):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

import large_case  # noqa: E402
import xmlschema  # noqa: E402
from lxml import etree  # noqa: E402

from cjx.codec import parse_xml, schema_location_hints  # noqa: E402
from cjx.model import CaseResulted, SubjectId, SubjectScheme, Timestamp  # noqa: E402
from cjx.model._envelope import _parametrise, message_id_text_from_json  # noqa: E402
from cjx.pipeline import translate  # noqa: E402
from cjx.validation import lxml_schema  # noqa: E402
from cjx_libra_spi import adapter  # noqa: E402
from cjx_libra_spi._decode import DELIVER_XSD, _occurred_at, _source  # noqa: E402

FIXED_NOW: Final = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)
CLOCKS: Final = {"wall": time.perf_counter, "cpu": time.process_time}


def fixed_clock() -> dt.datetime:
    return FIXED_NOW


def stages(data: bytes) -> dict[str, Callable[[], object]]:
    hardened = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    floor_xsd = etree.XMLSchema(etree.parse(str(REPO / "schemas" / DELIVER_XSD), hardened))
    peer = xmlschema.XMLSchema(str(REPO / "schemas" / DELIVER_XSD))
    source_xsd = lxml_schema(DELIVER_XSD)

    # the probe's table, made once: every leaf's tag -> its fragments' fixed parts
    table: dict[Any, tuple[str, str, str]] = {}
    for el in parse_xml(data).iter():
        if isinstance(el.tag, str) and len(el) == 0 and (el.text or "").strip():
            name = el.tag.rsplit("}", 1)[-1]
            table[el.tag] = (f"      <{name}>", f"</{name}>\n", f'"{name}":"')

    def a() -> object:
        root = etree.fromstring(data, hardened)
        if not floor_xsd.validate(root):
            raise AssertionError("the message is not valid")
        return root

    def b() -> object:
        if not peer.is_valid(io.BytesIO(data), use_location_hints=False):
            raise AssertionError("the message is not valid")
        return None

    def d() -> object:
        outcome = translate(
            data, from_format="libra-spi", to_format="canonical-xml", clock=fixed_clock
        )
        if not outcome.outputs:
            raise AssertionError(str(outcome.report))
        return outcome.outputs[0]

    def p() -> object:
        root = parse_xml(data)
        schema_location_hints(root, data=data)
        if not source_xsd.validate(root):
            raise AssertionError("the message is not valid")
        xml: list[str] = []
        js: list[str] = []
        get = table.get
        for el in root.iter():
            spec = get(el.tag)
            if spec is None:
                continue
            text = (el.text or "").strip()
            if not (text.isascii() and text.isprintable()):
                raise AssertionError("not the clean case")
            opened, closed, key = spec
            xml.append(f"{opened}{text}{closed}")
            js.append(f'{key}{text}"')
        body_json = "{" + ",".join(js) + "}"
        message_id = message_id_text_from_json("libra-spi", "ID", "court.case-resulted", body_json)
        produced = Timestamp.from_datetime(fixed_clock())
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n<Envelope>\n"
            f"  <MessageId>{message_id}</MessageId>\n  <ProducedAt>{produced}</ProducedAt>\n"
            + "".join(xml)
            + "</Envelope>\n"
        ).encode()

    envelope = adapter.decode(data, clock=fixed_clock)[0]
    body_json = envelope.body.model_dump_json(exclude_defaults=True)
    validate_json = CaseResulted.model_validate_json
    construct = _parametrise(CaseResulted).model_construct
    known_id = envelope.message_id

    def m() -> object:
        body = validate_json(body_json)
        defendant = body.defendant
        subject = [SubjectId.model_construct(scheme=SubjectScheme.ASN, value=str(defendant.asn))]
        if defendant.pnc_id is not None:
            subject.append(
                SubjectId.model_construct(scheme=SubjectScheme.PNC, value=str(defendant.pnc_id))
            )
        return construct(
            message_id=known_id,
            message_type=CaseResulted.message_type,
            schema_version=CaseResulted.schema_version,
            occurred_at=_occurred_at(body.hearing.date, body.hearing.time),
            produced_at=Timestamp.from_datetime(fixed_clock()),
            correlation_id=envelope.correlation_id,
            causation_id=None,
            source=_source(body.hearing.court),
            subject=tuple(subject),
            classification=envelope.classification,
            body=body,
        )

    if m() != envelope:
        raise SystemExit("(m) does not give the decoded envelope back")
    return {"a": a, "b": b, "d": d, "p": p, "m": m}


LABELS: Final = {
    "a": "lxml parse + XSD (floor)",
    "b": "xmlschema validate (peer)",
    "d": "cjx translate (today)",
    "p": "probe: clean writer's floor",
    "m": "envelope objects from JSON",
}


def measure(
    funcs: dict[str, Callable[[], object]],
    *,
    clock: Callable[[], float],
    repeats: int,
    target: float,
) -> dict[str, float]:
    """µs per call, median of interleaved repetitions of about ``target`` seconds each."""
    loops: dict[str, int] = {}
    for key, func in funcs.items():
        for _ in range(20):  # warm-up: schema caches, validators
            func()
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < 0.1:
            func()
            n += 1
        loops[key] = max(1, round(n * target / 0.1))
    times: dict[str, list[float]] = {key: [] for key in funcs}
    for _ in range(repeats):
        for key, func in funcs.items():
            t0 = clock()
            for _ in range(loops[key]):
                func()
            times[key].append((clock() - t0) / loops[key] * 1e6)
    return {key: statistics.median(values) for key, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", choices=("sample", "large", "both"), default="both")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="cpu")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--target", type=float, default=0.3, help="seconds per repetition")
    args = ap.parse_args(argv)
    cases = {"sample": large_case.SAMPLE.read_bytes(), "large": large_case.build()}
    for name, data in cases.items():
        if args.case not in (name, "both"):
            continue
        before = os.getloadavg()
        us = measure(
            stages(data), clock=CLOCKS[args.clock], repeats=args.repeats, target=args.target
        )
        after = os.getloadavg()
        need = min(us["a"] / 0.25, us["b"] / 10)
        print(f"\n{name} ({args.clock} clock, load {before[0]:.2f} -> {after[0]:.2f})")
        for key, label in LABELS.items():
            print(f"  ({key}) {label:<30} {us[key]:>9.1f} µs")
        print(f"  the bar needs (d) at or under {need:.1f} µs (min of (a)/0.25 and (b)/10)")
        print(
            f"  (p) + (m), the floor with envelope objects: {us['p'] + us['m']:.1f} µs "
            "(timed apart: lower than in one sequence)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
