"""docs/adapters.md section 5: the CSV adapter outside cjx runs as written, with its own schema.

The review's CSV adapter (five columns, one message type) took about 100 lines, most of them
building issues by hand, and could not use the schema gate with a schema of its own
(``FileNotFoundError ... is missing from <cjx>/schemas``; without ``$id``, ``KeyError``).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import cjx
from cjx.adapter import _registry, register

ROOT = Path(__file__).parents[1]
GOOD = (
    b"noms,prison,received_at,reason,movement_id\n"
    b"A1234BC,MDI,2024-06-11T17:36:56+01:00,ADMISSION,mv-1\n"
    b"G7305UX,LEI,2024-06-12T09:00:00Z,TRANSFERRED,mv-2\n"
)


def _blocks() -> tuple[str, str]:
    text = (ROOT / "docs" / "adapters.md").read_text()
    section = text[text.index("## 5. An adapter outside cjx") :]
    python = re.search(r"```python\n(.*?)```", section, re.S)
    schema = re.search(r"```json\n(.*?)```", section, re.S)
    assert python is not None
    assert schema is not None
    return python.group(1), schema.group(1)


@pytest.fixture
def gate_csv(tmp_path: Path) -> Iterator[ModuleType]:
    code, schema = _blocks()
    package = tmp_path / "cjx_gate_csv"
    package.mkdir()
    (package / "__init__.py").write_text(code)
    (package / "row.schema.json").write_text(schema)
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("cjx_gate_csv")
        register(module.adapter)
        yield module
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("cjx_gate_csv", None)
        _registry._load().pop("gate-csv", None)


def test_the_documented_csv_adapter_is_short() -> None:
    code, _ = _blocks()
    assert len(code.strip().splitlines()) <= 72


def test_the_csv_adapter_translates_every_row(gate_csv: ModuleType) -> None:
    assert cjx.validate(GOOD).ok  # recognised by content
    outcome = cjx.translate(GOOD, to_format="canonical-json")
    assert outcome.ok, outcome.report.to_text()
    assert [e.body.noms_number for e in outcome.envelopes] == ["A1234BC", "G7305UX"]
    assert [e.correlation_id for e in outcome.envelopes] == ["mv-1", "mv-2"]
    assert outcome.envelopes[1].ordering_key == "NOMS:G7305UX"


def test_the_csv_adapter_reports_each_issue_at_its_line_and_column(gate_csv: ModuleType) -> None:
    bad = (
        b"noms,prison,received_at,reason,movement_id\n"
        b"A1234B9,MDI,2024-06-11T17:36:56+01:00,ADMISSION,mv-1\n"
        b"A1234BC,MDI,yesterday,ESCAPED,mv-2\n"
        b"A1234BC,MDI,2024-06-11T17:36:56Z,ADMISSION,\n"
    )
    report = cjx.validate(bad)
    found = {(i.code, i.path) for i in report.errors}
    assert ("noms.format", "/2/noms") in found
    assert ("timestamp.format", "/3/received_at") in found
    assert ("schema.enum", "/3/reason") in found
    assert ("schema.min-length", "/4/movement_id") in found
    assert "A1234B9" not in report.to_text()  # the value is never echoed
    with pytest.raises(cjx.ValidationFailed):
        cjx.get_adapter("gate-csv").decode(bad)


def test_an_extra_column_is_named_masked_and_rejected(gate_csv: ModuleType) -> None:
    extra = GOOD.replace(b"mv-1\n", b"mv-1,A9999ZZ\n")
    report = cjx.validate(extra)
    assert not report.ok
    assert any(i.path.startswith("/2") for i in report.errors), report.to_text()
    assert "A9999ZZ" not in report.to_text()


def test_a_path_schema_without_id_or_dialect_works(tmp_path: Path) -> None:
    """A third party's schema, outside cjx's schemas/: it was a FileNotFoundError, and without
    ``$id`` a KeyError."""
    from cjx.validation import json_schema_issues, json_validator, lxml_schema, xsd_issues

    schema = tmp_path / "thing.schema.json"
    schema.write_text('{"type": "object", "properties": {"zorblax": {"type": "integer"}}}')
    issues = json_schema_issues(json_validator(schema), {"zorblax": "x"})
    assert [(i.code, i.path) for i in issues] == [("schema.type", "/zorblax")]  # shown as is
    xsd = tmp_path / "thing.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="quux" type="xs:integer"/></xs:schema>'
    )
    root = cjx.codec.parse_xml(b"<quux>x</quux>")
    assert [i.path for i in xsd_issues(lxml_schema(xsd), root)] == ["/quux"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        json_validator(tmp_path / "missing.schema.json")
