"""What a schema comparison finds: changes, their rules and the verdict.

Every rule has one fixed kind. Only three rules are ``compatible``; everything else changes what
some reader accepts and is ``breaking`` (docs/versioning.md explains each rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "RULES",
    "Change",
    "Comparison",
    "Kind",
    "SchemaDiffError",
    "render_json",
    "render_junit",
    "render_text",
    "verdict",
]


class Kind(StrEnum):
    COMPATIBLE = "compatible"
    BREAKING = "breaking"


class SchemaDiffError(Exception):
    """The comparison could not run (exit status 2): unreadable or unsupported schemas."""


_C, _B = Kind.COMPATIBLE, Kind.BREAKING

#: Every rule ``cjx schema diff`` reports, with its kind and what it means. Stable codes: tools
#: may match on them. docs/versioning.md carries the same table.
RULES: Final[dict[str, tuple[Kind, str]]] = {
    "message-type.added": (_C, "a new message type; OLD readers never receive it (routing)"),
    "field.added-optional": (
        _C,
        "an optional field where OLD declares an extension point that admits it",
    ),
    "extension-point.added": (_C, "an extension point (xs:any, open object) was added"),
    "message-type.removed": (_B, "a message type was removed"),
    "field.removed": (_B, "a field was removed"),
    "field.added-required": (_B, "a required field was added"),
    "field.added-closed": (
        _B,
        "an optional field was added to a type OLD declares without an extension point",
    ),
    "field.made-required": (_B, "an optional field became required"),
    "field.made-optional": (_B, "a required field became optional"),
    "type.changed": (_B, "the type changed to an unrelated one"),
    "type.narrowed": (_B, "the type now accepts fewer values"),
    "type.widened": (_B, "the type now accepts more values"),
    "enum.member-removed": (_B, "an enumeration lost a member"),
    "enum.member-added": (_B, "an enumeration gained a member"),
    "enum.introduced": (_B, "values are now limited to an enumeration"),
    "enum.lifted": (_B, "values are no longer limited to an enumeration"),
    "pattern.added": (_B, "a pattern now constrains the values"),
    "pattern.removed": (_B, "a pattern no longer constrains the values"),
    "pattern.changed": (_B, "a pattern changed"),
    "format.changed": (_B, "a JSON Schema format was added, removed or changed"),
    "limit.tightened": (_B, "a length, range, digit or occurrence limit became stricter"),
    "limit.loosened": (_B, "a length, range, digit or occurrence limit became laxer"),
    "limit.changed": (_B, "a limit changed in a way that is neither (multipleOf)"),
    "choice.option-added": (_B, "a choice (xs:choice, anyOf, oneOf) gained an option"),
    "choice.option-removed": (_B, "a choice (xs:choice, anyOf, oneOf) lost an option"),
    "union.member-added": (_B, "a union type gained a member type"),
    "union.member-removed": (_B, "a union type lost a member type"),
    "order.changed": (_B, "elements of a sequence are in another order"),
    "content.changed": (_B, "the content model changed (sequence, choice, all, simple, mixed)"),
    "extension-point.removed": (_B, "an extension point was removed"),
    "extension-point.changed": (_B, "an extension point admits other content"),
    "default.changed": (_B, "a default changed: an absent field means something else"),
    "fixed.changed": (_B, "a fixed value was added, removed or changed"),
    "nillable.changed": (_B, "xsi:nil is now allowed or no longer allowed"),
    "root.added": (_B, "a new global element (document root) was declared"),
    "root.removed": (_B, "a global element (document root) was removed"),
    "namespace.changed": (_B, "the target namespace, $id or element form changed"),
    "keyword.changed": (_B, "a schema keyword the tool does not reason about changed"),
}


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: where (a JSON pointer into the schema, or an XPath-like message path for
    an XSD), which rule, and why it matters."""

    rule: str
    path: str
    message: str
    schema: str = ""  # "json-schema" or "xsd"

    def __post_init__(self) -> None:
        if self.rule not in RULES:  # pragma: no cover - a programming error
            raise ValueError(f"unknown schema diff rule {self.rule!r}")

    @property
    def kind(self) -> Kind:
        return RULES[self.rule][0]

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "path": self.path,
            "rule": self.rule,
            "message": self.message,
            "schema": self.schema,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """The changes between one OLD and one NEW schema of the same kind."""

    schema: str  # "json-schema" or "xsd"
    old: str
    new: str
    changes: tuple[Change, ...]

    @property
    def verdict(self) -> Kind:
        return verdict(self.changes)


def verdict(changes: Iterable[Change]) -> Kind:
    """``breaking`` when any change is, else ``compatible`` (also when nothing changed)."""
    return _B if any(c.kind is _B for c in changes) else _C


def _all(comparisons: Sequence[Comparison]) -> list[Change]:
    return [c for comparison in comparisons for c in comparison.changes]


def render_json(comparisons: Sequence[Comparison]) -> dict[str, object]:
    """``{"verdict", "changes": [{"kind", "path", "rule", "message", "schema"}], "compared"}``."""
    changes = _all(comparisons)
    return {
        "verdict": verdict(changes).value,
        "changes": [c.as_dict() for c in changes],
        "compared": [
            {"schema": c.schema, "old": c.old, "new": c.new, "verdict": c.verdict.value}
            for c in comparisons
        ],
    }


def render_text(comparisons: Sequence[Comparison]) -> str:
    lines: list[str] = []
    for comparison in comparisons:
        lines.append(f"{comparison.schema}: {comparison.old} -> {comparison.new}")
        for c in comparison.changes:
            lines.append(f"  {c.kind.value:<10} {c.rule:<22} {c.path}")
            lines.append(f"  {'':<10} {c.message}")
        if not comparison.changes:
            lines.append("  no changes that affect validation")
        breaking = sum(c.kind is _B for c in comparison.changes)
        lines.append(
            f"  {comparison.verdict.value}: {breaking} breaking, "
            f"{len(comparison.changes) - breaking} compatible"
        )
    lines.append(f"verdict: {verdict(_all(comparisons)).value}")
    return "\n".join(lines) + "\n"


def render_junit(comparisons: Sequence[Comparison], *, suite: str = "cjx.schema-diff") -> str:
    """One test case a change (breaking ones fail); a comparison with no change is one pass."""
    cases: list[str] = []
    failures = 0
    for comparison in comparisons:
        classname = quoteattr(f"{suite}.{comparison.schema}")
        if not comparison.changes:
            name = quoteattr(f"{comparison.old} -> {comparison.new}: no changes")
            cases.append(f"  <testcase classname={classname} name={name}/>")
        for c in comparison.changes:
            name = quoteattr(f"{c.rule} at {c.path}")
            if c.kind is _C:
                cases.append(f"  <testcase classname={classname} name={name}/>")
                continue
            failures += 1
            cases.append(
                f"  <testcase classname={classname} name={name}>\n"
                f"    <failure type={quoteattr(c.rule)} message={quoteattr(c.message)}>"
                f"{escape(c.message)}</failure>\n  </testcase>"
            )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name={quoteattr(suite)} tests="{len(cases)}" failures="{failures}" '
        'errors="0" skipped="0">\n' + "\n".join(cases) + "\n</testsuite>\n"
    )
