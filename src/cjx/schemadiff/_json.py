"""Compare two JSON Schemas (draft 2020-12, the canonical schema's dialect; draft-07 keywords too).

The walk follows both schemas side by side from the root, through ``$ref`` (local JSON pointers),
``properties``/``required``/``additionalProperties``, ``items``, ``anyOf``/``oneOf``/``allOf``,
``if``/``then``/``else`` and ``not``, and compares the value keywords it meets (``type``,
``enum``/``const``, ``pattern``, ``format``, the limits, ``default``). Each shared ``$defs`` entry
is compared once, at its own pointer; the message names the first message type and message path
that reaches it.

The message-type catalogue (the canonical schema's top level: ``properties.message_type.enum``
and one ``allOf`` branch ``if message_type == X then $ref`` per type) is compared per message
type: a type only in NEW is ``message-type.added``, one only in OLD ``message-type.removed``.

Extension points: an object whose ``additionalProperties`` is not ``false`` admits unknown members,
so an optional property added there is ``field.added-optional``; where OLD is closed
(``additionalProperties: false``, as everywhere in v1.0) it is ``field.added-closed``.

Inside ``if`` and ``not`` any difference changes the outcome in a direction the walk does not
track, so every change found there is breaking.

Anything else (a keyword the walk does not interpret) is compared for equality and reported as
``keyword.changed`` when it differs: the tool errs on the side of ``breaking``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from cjx.schemadiff._changes import RULES, Change, Kind, SchemaDiffError

__all__ = ["compare_json_schemas"]

_ANNOTATIONS: Final = frozenset(
    {
        "title",
        "description",
        "$comment",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$defs",
        "definitions",
        "$schema",
        "$id",
        "$anchor",
        "contentMediaType",
        "contentEncoding",
    }
)
#: limit keyword -> True when a larger value is stricter (a minimum), False for a maximum
_LIMITS: Final = {
    "minLength": True,
    "maxLength": False,
    "minimum": True,
    "maximum": False,
    "exclusiveMinimum": True,
    "exclusiveMaximum": False,
    "minItems": True,
    "maxItems": False,
    "minProperties": True,
    "maxProperties": False,
    "minContains": True,
    "maxContains": False,
}
_HANDLED: Final = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "default",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "anyOf",
        "oneOf",
        "allOf",
        "if",
        "then",
        "else",
        "not",
        "uniqueItems",
        "multipleOf",
        *_LIMITS,
    }
)
_ALL_TYPES: Final = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
_SCHEMA = "json-schema"


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _short(value: Any, limit: int = 80) -> str:
    text = _dump(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_ref(v) for v in node)
    return False


@dataclass(frozen=True, slots=True)
class _At:
    """Where the walk is: pointers into both schemas, and the message it describes."""

    old: str
    new: str
    message_type: str = ""
    instance: str = ""
    strict: bool = False

    def child(self, *tokens: str | int, instance: str | None = None) -> _At:
        suffix = "".join("/" + _escape(t) for t in tokens)
        return replace(
            self,
            old=self.old + suffix,
            new=self.new + suffix,
            instance=self.instance if instance is None else self.instance + instance,
        )

    def where(self) -> str:
        """The message type and message path, for the change's message (may be empty)."""
        if self.message_type:
            return f"{self.message_type} {self.instance or '/'}"
        return self.instance


class _Walk:
    def __init__(self, old_doc: Any, new_doc: Any) -> None:
        self.old_doc = old_doc
        self.new_doc = new_doc
        self.changes: list[Change] = []
        self._seen: set[tuple[str, str, bool]] = set()

    # -- reporting -------------------------------------------------------------------------

    def emit(self, rule: str, at: _At, message: str, *, removed: bool = False) -> None:
        if at.strict and RULES[rule][0] is Kind.COMPATIBLE:
            message = f"{message}; inside if/not, where any change alters the outcome"
            rule = "keyword.changed"
        path = (at.old if removed else at.new) or "/"
        where = at.where()
        text = f"{message} ({where})" if where else message
        self.changes.append(Change(rule, path, text, _SCHEMA))

    # -- references ------------------------------------------------------------------------

    @staticmethod
    def _resolve(doc: Any, ref: str) -> tuple[Any, str]:
        if not ref.startswith("#"):
            raise SchemaDiffError(f"$ref {ref!r} points outside the schema; only local refs")
        node = doc
        pointer = ref[1:]
        for token in pointer.split("/")[1:] if pointer else []:
            key = _unescape(token)
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif isinstance(node, dict) and key in node:
                node = node[key]
            else:
                raise SchemaDiffError(f"$ref {ref!r} does not resolve")
        return node, pointer

    def _deref(self, doc: Any, node: Any, pointer: str) -> tuple[Any, str, bool]:
        """Follow a bare ``$ref`` (one with annotations at most); (node, pointer, was a ref)."""
        followed = False
        for _ in range(64):
            if not (isinstance(node, dict) and "$ref" in node):
                break
            if set(node) - _ANNOTATIONS - {"$ref"}:
                break  # $ref with constraints beside it: compared as both
            node, pointer = self._resolve(doc, node["$ref"])
            followed = True
        else:
            raise SchemaDiffError("$ref chain does not end (64 steps)")
        return node, pointer, followed

    # -- the walk --------------------------------------------------------------------------

    def compare(self, old: Any, new: Any, at: _At) -> None:
        old, old_ptr, old_ref = self._deref(self.old_doc, old, at.old)
        new, new_ptr, new_ref = self._deref(self.new_doc, new, at.new)
        at = replace(at, old=old_ptr, new=new_ptr)
        if old_ref or new_ref:
            key = (old_ptr, new_ptr, at.strict)
            if key in self._seen:
                return
            self._seen.add(key)
        if old == new and not _has_ref(old):
            return
        if isinstance(old, bool) or isinstance(new, bool):
            self._booleans(old, new, at)
            return
        if not isinstance(old, dict) or not isinstance(new, dict):
            raise SchemaDiffError(f"{at.new or '/'}: a schema must be an object or a boolean")
        if "$ref" in old or "$ref" in new:
            self._ref_with_siblings(old, new, at)
            return
        self._types(old, new, at)
        self._enums(old, new, at)
        self._strings(old, new, at)
        self._limits(old, new, at)
        self._objects(old, new, at)
        self._arrays(old, new, at)
        self._combinators(old, new, at)
        self._conditions(old, new, at)
        for key in sorted((old.keys() | new.keys()) - _HANDLED - _ANNOTATIONS):
            if old.get(key) != new.get(key) or _has_ref(old.get(key)):
                self.emit(
                    "keyword.changed",
                    at.child(key),
                    f"{key} changed from {_short(old.get(key))} to {_short(new.get(key))}",
                )

    def _booleans(self, old: Any, new: Any, at: _At) -> None:
        def accepts_all(s: Any) -> bool:
            return s is True or s == {}

        def accepts_none(s: Any) -> bool:
            return s is False

        if (accepts_all(old) and not accepts_all(new)) or accepts_none(new):
            self.emit("type.narrowed", at, "the schema now accepts fewer values")
        elif accepts_none(old) or accepts_all(new):
            self.emit("type.widened", at, "the schema now accepts more values")
        else:  # pragma: no cover - one side is a boolean, so one branch above applies
            self.emit("type.changed", at, "the schema changed")

    def _ref_with_siblings(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        # {"$ref": X, constraints...} means allOf [X, constraints]: compare both parts.
        def parts(node: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
            target = {"$ref": node["$ref"]} if "$ref" in node else {}
            return target, {k: v for k, v in node.items() if k != "$ref"}

        old_target, old_rest = parts(old)
        new_target, new_rest = parts(new)
        self.compare(old_target, new_target, at)
        self.compare(old_rest, new_rest, at)

    # -- value keywords --------------------------------------------------------------------

    def _types(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        def expand(node: dict[str, Any]) -> frozenset[str]:
            declared = node.get("type")
            if declared is None:
                return _ALL_TYPES
            names = set(declared if isinstance(declared, list) else [declared])
            if "number" in names:
                names.add("integer")
            return frozenset(names)

        before, after = expand(old), expand(new)
        if before == after:
            return
        text = f"type {_short(old.get('type', 'any'))} became {_short(new.get('type', 'any'))}"
        if after < before:
            self.emit("type.narrowed", at.child("type"), f"{text}: OLD values may be rejected")
        elif after > before:
            self.emit("type.widened", at.child("type"), f"{text}: OLD readers reject new values")
        else:
            self.emit("type.changed", at.child("type"), text)

    def _enums(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        def members(node: dict[str, Any]) -> dict[str, Any] | None:
            if "const" in node:
                return {_dump(node["const"]): node["const"]}
            if "enum" in node:
                return {_dump(v): v for v in node["enum"]}
            return None

        before, after = members(old), members(new)
        keyword = "enum" if "enum" in new or "enum" in old else "const"
        if before is None and after is not None:
            self.emit("enum.introduced", at.child(keyword), "values are now limited to a list")
        elif before is not None and after is None:
            self.emit("enum.lifted", at.child(keyword), "values are no longer limited to a list")
        elif before is not None and after is not None:
            for key in sorted(before.keys() - after.keys()):
                self.emit(
                    "enum.member-removed",
                    at.child(keyword),
                    f"member {key} removed: a NEW reader rejects OLD messages with it",
                    removed=True,
                )
            for key in sorted(after.keys() - before.keys()):
                self.emit(
                    "enum.member-added",
                    at.child(keyword),
                    f"member {key} added: an OLD reader rejects NEW messages with it",
                )

    def _strings(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        before, after = old.get("pattern"), new.get("pattern")
        if before != after:
            if before is None:
                self.emit("pattern.added", at.child("pattern"), f"pattern {after!r} added")
            elif after is None:
                self.emit("pattern.removed", at.child("pattern"), f"pattern {before!r} removed")
            else:
                self.emit(
                    "pattern.changed",
                    at.child("pattern"),
                    f"pattern {before!r} became {after!r}",
                )
        if old.get("format") != new.get("format"):
            self.emit(
                "format.changed",
                at.child("format"),
                f"format {old.get('format')!r} became {new.get('format')!r}",
            )
        if old.get("default", _MISSING) != new.get("default", _MISSING):
            self.emit(
                "default.changed",
                at.child("default"),
                f"default {_short(old.get('default'))} became {_short(new.get('default'))}",
            )

    def _limits(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        for keyword, larger_is_stricter in _LIMITS.items():
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if before is None:
                tighter = True
            elif after is None:
                tighter = False
            else:
                tighter = (after > before) == larger_is_stricter
            rule = "limit.tightened" if tighter else "limit.loosened"
            self.emit(rule, at.child(keyword), f"{keyword} {before} became {after}")
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            rule = "limit.tightened" if new.get("uniqueItems") else "limit.loosened"
            self.emit(rule, at.child("uniqueItems"), "uniqueItems changed")
        if old.get("multipleOf") != new.get("multipleOf"):
            self.emit(
                "limit.changed",
                at.child("multipleOf"),
                f"multipleOf {old.get('multipleOf')} became {new.get('multipleOf')}",
            )

    # -- objects ---------------------------------------------------------------------------

    def _objects(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        old_props: dict[str, Any] = old.get("properties", {})
        new_props: dict[str, Any] = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        old_extra = old.get("additionalProperties", True)
        for name in sorted(old_props.keys() | new_props.keys()):
            here = at.child("properties", name, instance=f"/{name}")
            if name in old_props and name in new_props:
                if name in old_required and name not in new_required:
                    self.emit(
                        "field.made-optional",
                        here,
                        f"field {name!r} became optional: OLD readers reject NEW messages "
                        "without it",
                    )
                elif name in new_required and name not in old_required:
                    self.emit(
                        "field.made-required",
                        here,
                        f"field {name!r} became required: NEW readers reject OLD messages "
                        "without it",
                    )
                self.compare(old_props[name], new_props[name], here)
            elif name in old_props:
                self.emit(
                    "field.removed",
                    here,
                    f"field {name!r} removed: NEW readers reject OLD messages that carry it, "
                    "and what it meant is lost",
                    removed=True,
                )
            elif name in new_required:
                self.emit(
                    "field.added-required",
                    here,
                    f"required field {name!r} added: NEW readers reject OLD messages without it",
                )
            elif old_extra is False:
                self.emit(
                    "field.added-closed",
                    here,
                    f"optional field {name!r} added to an object OLD closes "
                    "(additionalProperties: false): OLD readers reject NEW messages with it",
                )
            else:
                before = len(self.changes)
                if isinstance(old_extra, dict):
                    # OLD judges unknown members by its additionalProperties schema
                    self.compare(old_extra, new_props[name], here)
                if len(self.changes) == before:
                    self.emit(
                        "field.added-optional",
                        here,
                        f"optional field {name!r} added where OLD admits unknown members",
                    )
        for name in sorted((old_required ^ new_required) - old_props.keys() - new_props.keys()):
            here = at.child("required")
            if name in new_required:
                self.emit("field.made-required", here, f"{name!r} is now required")
            else:
                self.emit("field.made-optional", here, f"{name!r} is no longer required")
        self._extension_point(old, new, at)

    def _extension_point(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        before = old.get("additionalProperties", True)
        after = new.get("additionalProperties", True)
        here = at.child("additionalProperties")
        if before is False and after is not False:
            self.emit(
                "extension-point.added",
                here,
                "the object now admits unknown members (an extension point)",
            )
        elif before is not False and after is False:
            self.emit(
                "extension-point.removed",
                here,
                "the object no longer admits unknown members: content later minor versions "
                "may add there would be rejected",
            )
        elif isinstance(before, dict) and isinstance(after, dict):
            self.compare(before, after, here)
        elif before != after:
            self.emit(
                "extension-point.changed",
                here,
                f"additionalProperties {_short(before)} became {_short(after)}",
            )
        if old.get("patternProperties") != new.get("patternProperties") or _has_ref(
            old.get("patternProperties")
        ):
            self.emit(
                "keyword.changed",
                at.child("patternProperties"),
                "patternProperties changed (not compared member by member)",
            )

    # -- arrays ----------------------------------------------------------------------------

    def _arrays(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        before, after = old.get("items"), new.get("items")
        if isinstance(before, list) or isinstance(after, list):
            # draft-07 tuple form: same as prefixItems
            self._tuple(before or [], after or [], at.child("items"))
        elif before is not None or after is not None:
            self.compare(
                {} if before is None else before,
                {} if after is None else after,
                at.child("items", instance="/*"),
            )
        if "prefixItems" in old or "prefixItems" in new:
            self._tuple(old.get("prefixItems", []), new.get("prefixItems", []), at)

    def _tuple(self, old: list[Any], new: list[Any], at: _At) -> None:
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            self.compare(a, b, at.child(index, instance=f"/{index}"))
        if len(old) != len(new):
            self.emit(
                "keyword.changed",
                at,
                f"the tuple's positional schemas went from {len(old)} to {len(new)}",
            )

    # -- combinators -----------------------------------------------------------------------

    def _combinators(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        for keyword in ("anyOf", "oneOf", "allOf"):
            before: list[Any] = old.get(keyword, [])
            after: list[Any] = new.get(keyword, [])
            if not before and not after:
                continue
            pairs, gone, came = _match_branches(before, after)
            for i, j in pairs:
                self.compare(
                    before[i],
                    after[j],
                    replace(at.child(keyword, j), old=f"{at.old}/{keyword}/{i}"),
                )
            for i in gone:
                if keyword == "allOf":
                    self.emit(
                        "keyword.changed",
                        at.child(keyword, i),
                        "an allOf constraint was removed",
                        removed=True,
                    )
                else:
                    self.emit(
                        "choice.option-removed",
                        at.child(keyword, i),
                        f"{keyword} option {_short(before[i])} removed",
                        removed=True,
                    )
            for j in came:
                if keyword == "allOf":
                    self.emit("keyword.changed", at.child(keyword, j), "an allOf constraint added")
                else:
                    self.emit(
                        "choice.option-added",
                        at.child(keyword, j),
                        f"{keyword} option {_short(after[j])} added",
                    )

    def _conditions(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        if "if" in old or "if" in new:
            strict = replace(at.child("if"), strict=True)
            self.compare(old.get("if", True), new.get("if", True), strict)
            for keyword in ("then", "else"):
                self.compare(old.get(keyword, True), new.get(keyword, True), at.child(keyword))
        if "not" in old and "not" in new:
            self.compare(old["not"], new["not"], replace(at.child("not"), strict=True))
        elif "not" in old or "not" in new:
            self.emit(
                "keyword.changed",
                at.child("not"),
                "a 'not' constraint was " + ("added" if "not" in new else "removed"),
            )


_MISSING: Final = object()


def _branch_key(branch: Any) -> str:
    if isinstance(branch, dict) and "$ref" in branch and not set(branch) - _ANNOTATIONS - {"$ref"}:
        return "$ref:" + str(branch["$ref"])
    return _dump(branch)


def _match_branches(
    old: list[Any], new: list[Any]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair equal branches (same $ref or same text), then the rest by position."""
    free = list(range(len(new)))
    pairs: list[tuple[int, int]] = []
    unmatched: list[int] = []
    for i, branch in enumerate(old):
        key = _branch_key(branch)
        j = next((j for j in free if _branch_key(new[j]) == key), None)
        if j is None:
            unmatched.append(i)
        else:
            free.remove(j)
            pairs.append((i, j))
    for i, j in zip(list(unmatched), list(free), strict=False):
        pairs.append((i, j))
        unmatched.remove(i)
        free.remove(j)
    return sorted(pairs), unmatched, free


@dataclass(frozen=True, slots=True)
class _Catalogue:
    """The top-level message-type dispatch: discriminator, allowed values, branch per type."""

    field: str
    branches: Mapping[str, tuple[Any, int]]  # message type -> (then schema, allOf index)


def _catalogue(doc: Any) -> _Catalogue | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("allOf"), list):
        return None
    field_name: str | None = None
    branches: dict[str, tuple[Any, int]] = {}
    for index, branch in enumerate(doc["allOf"]):
        condition = branch.get("if") if isinstance(branch, dict) else None
        if not isinstance(condition, dict) or "then" not in branch:
            return None
        properties = condition.get("properties", {})
        if len(properties) != 1:
            return None
        ((name, test),) = properties.items()
        if not isinstance(test, dict) or "const" not in test:
            return None
        if field_name not in (None, name):
            return None
        field_name = name
        branches[str(test["const"])] = (branch["then"], index)
    if field_name is None:
        return None
    return _Catalogue(field_name, branches)


def _without_catalogue(doc: dict[str, Any], catalogue: _Catalogue) -> dict[str, Any]:
    rest = {k: v for k, v in doc.items() if k != "allOf"}
    properties = dict(rest.get("properties", {}))
    selector = dict(properties.get(catalogue.field, {}))
    selector.pop("enum", None)
    properties[catalogue.field] = selector
    rest["properties"] = properties
    return rest


def _iter_types(catalogue: _Catalogue) -> Iterator[str]:
    yield from sorted(catalogue.branches)


def compare_json_schemas(old: Any, new: Any) -> list[Change]:
    """Every change from ``old`` to ``new`` (parsed JSON Schemas), in walk order."""
    walk = _Walk(old, new)
    root = _At("", "")
    if isinstance(old, dict) and isinstance(new, dict):
        if old.get("$id") != new.get("$id"):
            walk.emit(
                "namespace.changed",
                root.child("$id"),
                f"$id {old.get('$id')!r} became {new.get('$id')!r}: another schema (major)",
            )
        if old.get("$schema") != new.get("$schema"):
            walk.emit(
                "keyword.changed",
                root.child("$schema"),
                f"dialect {old.get('$schema')!r} became {new.get('$schema')!r}",
            )
    old_catalogue, new_catalogue = _catalogue(old), _catalogue(new)
    if old_catalogue is None or new_catalogue is None or old_catalogue.field != new_catalogue.field:
        walk.compare(old, new, root)
        return walk.changes
    walk.compare(
        _without_catalogue(old, old_catalogue), _without_catalogue(new, new_catalogue), root
    )
    selector = f"/properties/{_escape(old_catalogue.field)}/enum"
    for message_type in _iter_types(old_catalogue):
        if message_type not in new_catalogue.branches:
            _, index = old_catalogue.branches[message_type]
            walk.emit(
                "message-type.removed",
                _At(f"/allOf/{index}", ""),
                f"message type {message_type!r} removed: NEW readers reject it",
                removed=True,
            )
    for message_type in _iter_types(new_catalogue):
        then, index = new_catalogue.branches[message_type]
        if message_type not in old_catalogue.branches:
            walk.emit(
                "message-type.added",
                _At("", f"/allOf/{index}"),
                f"message type {message_type!r} added: OLD readers are not sent it "
                "(routing keys name the type) and ignore it if they are",
            )
            continue
        old_then, old_index = old_catalogue.branches[message_type]
        walk.compare(
            old_then,
            then,
            _At(f"/allOf/{old_index}/then", f"/allOf/{index}/then", message_type=message_type),
        )
    for doc, catalogue, side in ((old, old_catalogue, "OLD"), (new, new_catalogue, "NEW")):
        enum = doc.get("properties", {}).get(catalogue.field, {}).get("enum")
        if enum is not None and set(map(str, enum)) != set(catalogue.branches):
            walk.emit(
                "keyword.changed",
                _At(selector, selector),
                f"{side}'s {catalogue.field} enumeration does not agree with its if/then branches",
            )
    return walk.changes
