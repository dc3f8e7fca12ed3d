"""JSON input: every JSON document cjx reads goes through one hardened reader.

:func:`cjx.codec.load_json` keeps the rules (size limit, empty input, UTF-8, nesting depth, RFC
8259 syntax without ``NaN`` or overflowing numbers, duplicate keys); canonical JSON decoding,
validation, the ``canonical-json`` adapter and ``cjx validate`` on JSON that matches no format
all use it. Each rule is checked here through the library and through the CLI (as a
subprocess, under a hang guard that is not a timing assertion). Messages never contain input
values.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import cjx
from cjx.adapter import CanonicalJson, get_adapter
from cjx.codec import (
    DEFAULT_MAX_JSON_SIZE,
    MAX_JSON_DEPTH,
    MAX_JSON_NUMBER_DIGITS,
    decode_json,
    load_json,
    parse_json_text,
)
from cjx.errors import Issue, Report, ValidationFailed
from cjx.validation import validate_canonical_json

FIXTURES = Path(__file__).parent / "fixtures" / "canonical"
VALID = sorted(FIXTURES.glob("*.json"))
RECEIVED = FIXTURES / "prisoner-received.json"
SENTINEL = "SENTINEL-7Q3Z-DO-NOT-ECHO"
HANG_GUARD_SECONDS = 120


def _received() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(RECEIVED.read_bytes())
    return document


def _canonical_with(raw_member: str) -> bytes:
    """The valid fixture with ``raw_member`` (JSON text) added as its last member."""
    text = RECEIVED.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}")
    return (text[:-1].rstrip() + ",\n  " + raw_member + "\n}\n").encode()


def _load_issues(data: bytes | str, **kwargs: Any) -> list[Issue]:
    with pytest.raises(ValidationFailed) as caught:
        load_json(data, source="test", **kwargs)
    assert caught.value.report.source == "test"
    return list(caught.value.report.issues)


def _pairs(issues: list[Issue] | Report) -> set[tuple[str, str]]:
    return {(i.code, i.path) for i in issues}


def _deep(levels: int, *, closed: bool = True) -> bytes:
    return b"[" * levels + (b"]" * levels if closed else b"")


# Hostile or broken canonical-looking inputs, each with the one code it is rejected with. Every
# one carries the sentinel somewhere a careless message could echo it.
HOSTILE: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "json.empty"),
    "blank": (b" \n\t ", "json.empty"),
    "too-large": (
        _canonical_with(f'"padding": "{SENTINEL}' + " " * DEFAULT_MAX_JSON_SIZE + '"'),
        "json.too-large",
    ),
    "latin-1": (
        _canonical_with(f'"note": "{SENTINEL} cafe"').replace(b"cafe", b"caf\xe9"),
        "json.encoding",
    ),
    "utf-16": (_canonical_with(f'"note": "{SENTINEL}"').decode().encode("utf-16"), "json.encoding"),
    "truncated": (_canonical_with(f'"note": "{SENTINEL}"')[:-40], "json.syntax"),
    "nan": (_canonical_with(f'"{SENTINEL}": NaN'), "json.syntax"),
    "infinity": (_canonical_with(f'"{SENTINEL}": -Infinity'), "json.syntax"),
    "overflowing-number": (_canonical_with(f'"{SENTINEL}": 1e999'), "json.syntax"),
    "too-many-digits": (
        _canonical_with(f'"{SENTINEL}": ' + "7" * (MAX_JSON_NUMBER_DIGITS + 1)),
        "json.syntax",
    ),
    "duplicate-key": (
        _canonical_with(f'"schema_version": "{SENTINEL}"'),
        "json.duplicate-key",
    ),
    "too-deep": (
        _canonical_with(f'"{SENTINEL}": ' + _deep(200_000).decode()),
        "json.too-deep",
    ),
    "too-deep-unclosed": (_deep(200_000, closed=False), "json.too-deep"),
}


def _sniffed_code(name: str) -> str:
    """The code when the format is found by content: UTF-16 JSON is named by its encoding."""
    return HOSTILE[name][1]


# --- the reader ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_rule_rejects_with_its_code(name: str) -> None:
    """Every broken input is refused with exactly one issue, its rule's code."""
    data, code = HOSTILE[name]
    issues = _load_issues(data)
    assert [i.code for i in issues] == [code]
    assert all(i.severity.value == "error" for i in issues)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_messages_never_echo_the_input(name: str) -> None:
    """No issue message, path or exception text contains a value from the input."""
    data, _ = HOSTILE[name]
    with pytest.raises(ValidationFailed) as caught:
        load_json(data, source="test")
    assert SENTINEL not in str(caught.value)
    for issue in caught.value.report.issues:
        assert SENTINEL not in issue.message
        assert SENTINEL not in issue.path


def test_valid_json_is_read_as_the_standard_library_reads_it() -> None:
    """A valid document gives the same value as ``json.loads``, from bytes or text."""
    for fixture in VALID:
        data = fixture.read_bytes()
        assert load_json(data, source=fixture.name) == json.loads(data)
        assert load_json(data.decode(), source=fixture.name) == json.loads(data)


def test_top_level_of_any_type_is_read() -> None:
    """The reader reads any JSON value; requiring an object is the caller's rule."""
    assert load_json(b"[1, 2.5, null]", source="t") == [1, 2.5, None]
    assert load_json(b' "text" ', source="t") == "text"


def test_size_limit_is_one_mebibyte_by_default_and_configurable() -> None:
    """Input over the limit is refused before it is decoded, even when it is not UTF-8."""
    assert DEFAULT_MAX_JSON_SIZE == 1024 * 1024
    data = RECEIVED.read_bytes()
    assert load_json(data, source="t", max_size=len(data)) == json.loads(data)
    assert _pairs(_load_issues(data, max_size=len(data) - 1)) == {("json.too-large", "")}
    assert _pairs(_load_issues(b"\xff" * 100, max_size=99)) == {("json.too-large", "")}


def test_size_of_text_is_counted_in_utf8_bytes() -> None:
    """Text input is measured as the UTF-8 bytes it would be, not in characters."""
    text = '"' + "\u00e9" * 40 + '"'  # 42 characters, 82 bytes
    assert load_json(text, source="t", max_size=82) == "\u00e9" * 40
    assert _pairs(_load_issues(text, max_size=81)) == {("json.too-large", "")}


def test_encoding_issue_names_the_byte_offset() -> None:
    """Non-UTF-8 input is refused at the first bad byte; one leading UTF-8 byte order mark is
    ignored, as in XML (issue 13: it was a syntax error with a Python-specific hint), a second
    one is not."""
    (issue,) = _load_issues(b'{"a": "caf\xe9"}')
    assert issue.code == "json.encoding"
    assert "byte 10" in issue.message
    assert load_json(b'\xef\xbb\xbf{"a": 1}', source="t") == {"a": 1}
    assert load_json('\ufeff{"a": 1}', source="t") == {"a": 1}
    (twice,) = _load_issues(b'\xef\xbb\xbf\xef\xbb\xbf{"a": 1}')
    assert twice.code == "json.syntax"


def test_syntax_issue_names_line_and_column() -> None:
    """A syntax error is reported with its line and column, at the document's root."""
    (issue,) = _load_issues(b'{\n  "a": 1,\n  "b": \n}')
    assert (issue.code, issue.path) == ("json.syntax", "")
    assert "line 4, column 1" in issue.message


@pytest.mark.parametrize(
    "text", ["NaN", "Infinity", "-Infinity", "1e400", "-1E+999", "9" * (MAX_JSON_NUMBER_DIGITS + 1)]
)
def test_numbers_json_cannot_represent_are_syntax_errors(text: str) -> None:
    """NaN, Infinity, numbers that overflow to infinity and overlong integers are refused."""
    (issue,) = _load_issues('{"value": ' + text + "}")
    assert (issue.code, issue.path) == ("json.syntax", "")
    if text[-1].isdigit():
        assert text.lstrip("-") not in issue.message


def test_large_but_representable_numbers_are_read() -> None:
    """Numbers up to the limits are values like any other."""
    digits = "9" * MAX_JSON_NUMBER_DIGITS
    assert load_json(f"[{digits}, 1e308, -0.0]", source="t") == [int(digits), 1e308, -0.0]


def test_duplicate_keys_are_reported_at_their_pointers() -> None:
    """Each key that appears twice in one object is an issue at its JSON pointer; keys no
    shipped schema declares are the sender's own and are masked like identifiers."""
    text = (
        '{"body": {"noms_number": 1, "noms_number": 2}, "offences": [0, {"kk/~/k": 1, '
        '"kk/~/k": 2}], "body": {"noms_number": 3, "noms_number": 4}}'
    )
    issues = _load_issues(text)
    assert _pairs(issues) == {
        ("json.duplicate-key", "/body"),
        ("json.duplicate-key", "/body/noms_number"),
        ("json.duplicate-key", "/offences/1/kk**~1k"),
    }
    assert all(i.message == "key appears more than once in its object" for i in issues)


def test_parse_json_text_returns_duplicates_with_the_last_value() -> None:
    """Callers that report every issue together get the value and the duplicate issues."""
    value, issues = parse_json_text('{"eventType": 1, "eventType": 2}', source="t", base="/Message")
    assert value == {"eventType": 2}
    assert _pairs(list(issues)) == {("json.duplicate-key", "/Message/eventType")}


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_not() -> None:
    """The depth limit counts arrays and objects alike."""
    assert MAX_JSON_DEPTH == 64
    assert load_json(_deep(MAX_JSON_DEPTH), source="t") is not None
    objects = '{"a": ' * (MAX_JSON_DEPTH - 1) + "[]" + "}" * (MAX_JSON_DEPTH - 1)
    assert load_json(objects, source="t") is not None
    assert _pairs(_load_issues(_deep(MAX_JSON_DEPTH + 1))) == {("json.too-deep", "")}
    assert _pairs(_load_issues("{" + objects[:-1] + "}}")) == {("json.too-deep", "")}


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    """Brackets in strings, escaped quotes and escaped backslashes leave the depth alone."""
    tricky = ['"[[[[\\"]]]]"', '"\\\\"', '"{\\u005b"', '"]]]]]]"']
    items = ", ".join(tricky * 40)
    value = load_json(f"[{items}]", source="t")
    assert isinstance(value, list)
    assert len(value) == 160
    hidden = '["]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", '
    deep = hidden + "[" * 70 + "]" * 70 + "]"
    assert _pairs(_load_issues(deep)) == {("json.too-deep", "")}


def test_deep_nesting_never_raises_recursion_error() -> None:
    """Hostile nesting of a whole mebibyte, closed or not, is one json.too-deep issue."""
    for data in (
        b"[" * (DEFAULT_MAX_JSON_SIZE - 1),
        b'{"a":' * (DEFAULT_MAX_JSON_SIZE // 5),
        _deep(DEFAULT_MAX_JSON_SIZE // 2),
    ):
        assert _pairs(_load_issues(data)) == {("json.too-deep", "")}


# --- every path that reads canonical JSON -------------------------------------------------


def _decode(data: bytes) -> Report:
    with pytest.raises(ValidationFailed) as caught:
        decode_json(data, source="test")
    return caught.value.report


def _validate(data: bytes) -> Report:
    return validate_canonical_json(data, source="test")


def _sniffed(data: bytes) -> Report:
    return cjx.validate(data, source="test")


def _adapter(data: bytes) -> Report:
    with pytest.raises(ValidationFailed) as caught:
        get_adapter("canonical-json").translate(data, source="test")
    return caught.value.report


ENTRY_POINTS: dict[str, Callable[[bytes], Report]] = {
    "decode_json": _decode,
    "validate_canonical_json": _validate,
    "cjx.validate": _sniffed,
    "canonical-json adapter": _adapter,
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("name", sorted(set(HOSTILE) - {"empty", "blank"}))
def test_every_canonical_json_path_applies_the_rules(entry: str, name: str) -> None:
    """decode_json, validation, sniffing validation and the adapter reject alike."""
    data, code = HOSTILE[name]
    report = ENTRY_POINTS[entry](data)
    assert not report.ok
    assert report.source == "test"
    assert report.codes == ((_sniffed_code(name),) if entry == "cjx.validate" else (code,))
    assert all(SENTINEL not in i.message for i in report.issues)


@pytest.mark.parametrize(
    "entry", ["decode_json", "validate_canonical_json", "canonical-json adapter"]
)
def test_empty_input_is_json_empty_when_the_format_is_known(entry: str) -> None:
    """Told it is canonical JSON, empty input is json.empty (sniffing says input.empty)."""
    assert ENTRY_POINTS[entry](b"  ").codes == ("json.empty",)
    assert _sniffed(b"  ").codes == ("input.empty",)


def test_duplicate_schema_version_is_no_longer_last_wins() -> None:
    """A canonical message naming schema_version twice is invalid, at /schema_version."""
    data, _ = HOSTILE["duplicate-key"]
    for entry in ENTRY_POINTS.values():
        assert _pairs(entry(data)) == {("json.duplicate-key", "/schema_version")}


def test_json_that_matches_no_format_gets_the_readers_codes() -> None:
    """cjx.validate names hostile JSON that is no known format by its json.* code."""
    assert _sniffed(_deep(200_000)).codes == ("json.too-deep",)
    assert _sniffed(b'{"a": 1, "a": 2}').codes == ("json.duplicate-key",)
    assert _sniffed(b'{"a": NaN}').codes == ("json.syntax",)
    assert _sniffed(b'{"a": 1}').codes == ("format.unknown",)


def test_canonical_json_size_limit_is_configurable() -> None:
    """The canonical-json adapter, decode_json and validation take a max_size."""
    data = RECEIVED.read_bytes()
    small = CanonicalJson(max_size=len(data) - 1)
    with pytest.raises(ValidationFailed) as caught:
        small.translate(data)
    assert caught.value.report.codes == ("json.too-large",)
    assert _decode_codes(data, max_size=len(data) - 1) == ("json.too-large",)
    report = validate_canonical_json(data, max_size=len(data) - 1)
    assert report.codes == ("json.too-large",)


def _decode_codes(data: bytes, **kwargs: Any) -> tuple[str, ...]:
    with pytest.raises(ValidationFailed) as caught:
        decode_json(data, **kwargs)
    return caught.value.report.codes


def test_canonical_json_must_be_an_object() -> None:
    """decode_json reads any JSON value but builds envelopes only from objects."""
    assert _decode_codes(b"[1, 2]") == ("json.type",)


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_canonical_json_still_decodes_and_validates(fixture: Path) -> None:
    """Every canonical JSON fixture decodes, validates and translates as before."""
    data = fixture.read_bytes()
    envelope = decode_json(data, source=fixture.name)
    assert envelope.message_type == json.loads(data)["message_type"]
    assert validate_canonical_json(data, source=fixture.name).ok
    assert cjx.validate(data, source=fixture.name).ok
    (translated,) = get_adapter("canonical-json").translate(data).envelopes
    assert translated == envelope


# --- the CLI ------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cjx", *args],
        capture_output=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )


def _cli_validate(path: Path) -> tuple[subprocess.CompletedProcess[bytes], list[dict[str, str]]]:
    result = _cli("validate", "--format", "json", str(path))
    (entry,) = json.loads(result.stdout)["inputs"]
    return result, entry["issues"]


def _cli_translate(
    path: Path, report: Path
) -> tuple[subprocess.CompletedProcess[bytes], list[dict[str, str]]]:
    result = _cli(
        "translate",
        "--from",
        "canonical-json",
        "--to",
        "canonical-xml",
        "--report",
        str(report),
        str(path),
    )
    (entry,) = json.loads(report.read_text(encoding="utf-8"))["inputs"]
    return result, entry["issues"]


@pytest.mark.parametrize("name", ["too-deep", "too-deep-unclosed"])
def test_cli_refuses_deep_nesting_without_a_traceback(name: str, tmp_path: Path) -> None:
    """`cjx validate` and `cjx translate --from canonical-json` exit 1 with json.too-deep."""
    path = tmp_path / "deep.json"
    path.write_bytes(HOSTILE[name][0])
    validate, issues = _cli_validate(path)
    assert validate.returncode == 1, validate.stderr
    assert b"Traceback" not in validate.stderr
    assert b"RecursionError" not in validate.stderr + validate.stdout
    assert [i["code"] for i in issues] == ["json.too-deep"]

    translate, issues = _cli_translate(path, tmp_path / "report.json")
    assert translate.returncode == 1, translate.stderr
    assert b"Traceback" not in translate.stderr
    assert translate.stdout == b""
    assert [i["code"] for i in issues] == ["json.too-deep"]


@pytest.mark.parametrize(
    "name", ["duplicate-key", "nan", "infinity", "too-large", "latin-1", "utf-16", "truncated"]
)
def test_cli_refuses_broken_canonical_json(name: str, tmp_path: Path) -> None:
    """Duplicate keys, NaN, over-size and non-UTF-8 input exit 1 with their code, no value."""
    data, code = HOSTILE[name]
    path = tmp_path / f"{name}.json"
    path.write_bytes(data)
    validate, issues = _cli_validate(path)
    assert validate.returncode == 1, validate.stderr
    assert b"Traceback" not in validate.stderr
    assert SENTINEL.encode() not in validate.stdout + validate.stderr
    assert [i["code"] for i in issues] == [_sniffed_code(name)]

    translate, issues = _cli_translate(path, tmp_path / "report.json")
    assert translate.returncode == 1, translate.stderr
    assert b"Traceback" not in translate.stderr
    assert SENTINEL.encode() not in translate.stdout + translate.stderr
    assert [i["code"] for i in issues] == [code]


def test_cli_still_translates_valid_canonical_json(tmp_path: Path) -> None:
    """A valid canonical JSON fixture validates and translates with exit status 0."""
    validate, issues = _cli_validate(RECEIVED)
    assert validate.returncode == 0, validate.stderr
    assert issues == []
    translate, issues = _cli_translate(RECEIVED, tmp_path / "report.json")
    assert translate.returncode == 0, translate.stderr
    assert issues == []
    assert b"<Envelope" in translate.stdout
