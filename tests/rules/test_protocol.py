"""The rule protocol: ids, headers, the registry and routing, and the layer rule."""

from __future__ import annotations

import ast
import sys
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.identity.envelopes import about

from cjx import _entry_points
from cjx.errors import ConfigurationError, Report
from cjx.model import (
    BODY_TYPES,
    MESSAGE_ID_NAMESPACE,
    Clock,
    Envelope,
    KeyDatesReplaced,
    ReleaseDates,
    Source,
)
from cjx.rules import (
    RULE_MESSAGE_ID_NAMESPACE,
    RULE_NAME_PATTERN,
    Derivation,
    Rule,
    RuleIndex,
    _registry,
    get_rule,
    route,
    rule_message_id,
    rules,
)

names = st.from_regex(RULE_NAME_PATTERN, fullmatch=True)


# --- ids ------------------------------------------------------------------------------------


@given(rule=names, input_id=st.uuids(), position=st.integers(0, 9))
def test_rule_ids_are_deterministic_and_distinct(
    rule: str, input_id: uuid.UUID, position: int
) -> None:
    made = rule_message_id(rule, input_id, position)
    assert made == rule_message_id(rule, input_id, position)
    assert made.version == 5
    assert made != rule_message_id(rule, input_id, position + 1)
    assert made != rule_message_id(rule + "x", input_id, position)
    assert made != rule_message_id(rule, uuid.UUID(int=input_id.int ^ 1), position)


@given(rule=names, input_id=st.uuids(), position=st.integers(0, 9))
def test_a_rule_id_is_not_what_an_adapter_would_make_of_the_same_text(
    rule: str, input_id: uuid.UUID, position: int
) -> None:
    """Adapter ids are UUIDv5 in the model's namespace, rule ids in their own: even the very
    name a rule id digests gives another id in the adapters' namespace."""
    name = "\x1f".join(("rule", rule, str(input_id), str(position)))
    assert rule_message_id(rule, input_id, position) == uuid.uuid5(RULE_MESSAGE_ID_NAMESPACE, name)
    assert rule_message_id(rule, input_id, position) != uuid.uuid5(MESSAGE_ID_NAMESPACE, name)
    assert RULE_MESSAGE_ID_NAMESPACE != MESSAGE_ID_NAMESPACE


def test_the_longest_rule_name_is_a_source_format() -> None:
    longest = "r" * 59
    assert RULE_NAME_PATTERN.fullmatch(longest)
    assert not RULE_NAME_PATTERN.fullmatch(longest + "r")
    Source(system="cjx", format=f"rule.{longest}")  # the model accepts it


def test_a_message_of_a_type_the_rule_does_not_take_is_a_misuse() -> None:
    with pytest.raises(ConfigurationError, match="does not take"):
        get_rule("release-dates-to-key-dates").derive(about("A1234BC"), _NoIndex())


# --- the registry ---------------------------------------------------------------------------


def test_the_shipped_rules_are_registered() -> None:
    shipped = rules()
    assert list(shipped) == ["enrich-subject", "index", "release-dates-to-key-dates"]
    assert shipped["release-dates-to-key-dates"].consumes == {ReleaseDates.message_type}
    assert shipped["release-dates-to-key-dates"].produces == {KeyDatesReplaced.message_type}
    assert shipped["index"].index_use == "learn"
    assert shipped["index"].consumes == set(BODY_TYPES)


def test_an_unknown_rule_names_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="known rules: enrich-subject, index"):
        get_rule("nope")


class _EntryPoint:
    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value, self._value = name, f"pkg:{name}", value

    def load(self) -> Any:
        if isinstance(self._value, Exception):
            raise self._value
        return self._value


class _Copy(Rule):
    name: ClassVar[str] = "copy-release-dates"
    consumes: ClassVar[frozenset[str]] = frozenset({ReleaseDates.message_type})
    produces: ClassVar[frozenset[str]] = frozenset({KeyDatesReplaced.message_type})
    description: ClassVar[str] = "a second route to the key dates"

    def apply(self, envelope: Envelope[Any], index: RuleIndex, clock: Clock) -> Derivation:
        return Derivation((), Report("x"))


def test_a_broken_entry_point_is_listed_and_the_rest_keep_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class _Named(_Copy):
        name: ClassVar[str] = "Not A Name"

    points = [
        _EntryPoint("fails", ImportError("no such module")),
        _EntryPoint("not-a-rule", object()),
        _EntryPoint("misnamed", _Copy()),
        _EntryPoint("Not A Name", _Named()),
        _EntryPoint("copy-release-dates", _Copy()),
    ]
    monkeypatch.setattr(
        _entry_points, "entry_points", lambda group: points if group == "cjx.rules" else []
    )
    monkeypatch.setattr(_registry, "_rules", None)
    monkeypatch.setattr(_registry, "_broken", {})
    assert list(rules()) == ["copy-release-dates"]
    assert set(_registry.broken()) == {"fails", "not-a-rule", "misnamed", "Not A Name"}
    with pytest.raises(ConfigurationError, match="is broken: entry point pkg:fails failed"):
        get_rule("fails")


# --- routing --------------------------------------------------------------------------------


def test_route_finds_the_rule_that_makes_what_the_target_encodes() -> None:
    delius = frozenset({KeyDatesReplaced.message_type})
    assert route(ReleaseDates.message_type, delius) is get_rule("release-dates-to-key-dates")
    # enrich-subject makes a copy of its input's type, never a key-date replacement from it
    assert get_rule("enrich-subject").makes(ReleaseDates.message_type) == {
        ReleaseDates.message_type,
        "identity.subject-enriched",
    }
    assert route(ReleaseDates.message_type, frozenset({"custody.prisoner-released"})) is None


def test_two_rules_on_one_route_are_a_misuse_not_a_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_registry, "_rules", {**rules(), "copy-release-dates": _Copy()})
    with pytest.raises(ConfigurationError, match="copy-release-dates, release-dates-to-key"):
        route(ReleaseDates.message_type, frozenset({KeyDatesReplaced.message_type}))


class _NoIndex:
    """An index that must not be asked (the rule refuses the input first)."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the index was asked: {name}")


# --- the layer rule -------------------------------------------------------------------------


def test_rules_import_only_the_model_the_errors_and_the_index_types() -> None:
    """DESIGN.md section 1: ``cjx.rules`` may import ``cjx.model`` and ``cjx.errors``; the
    person index's value types and protocol come from ``cjx.identity`` (itself only model and
    errors). Rules open nothing: the index is passed in."""
    package = Path(__file__).parents[2] / "src" / "cjx" / "rules"
    allowed = {"cjx.model", "cjx.errors", "cjx.identity", "cjx._entry_points"}
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found = [node.module]
                if node.module == "cjx.identity":
                    assert "open_index" not in {a.name for a in node.names}, path.name
            else:
                continue
            for name in found:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                assert name in allowed, f"{path.name} imports {name}"
