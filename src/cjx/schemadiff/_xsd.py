"""Compare two XSDs (XML Schema 1.0) through xmlschema's component model.

The walk starts at the global elements and follows each element's type: complex types through
their content model (``xs:sequence``, ``xs:choice``, ``xs:all``, nested and derived by
extension, with minOccurs/maxOccurs), their attributes and wildcards; simple types through their
restriction chain (enumeration, pattern, length, minLength/maxLength, min/max inclusive and
exclusive, totalDigits, fractionDigits, whiteSpace), unions and lists, down to the built-in type
they restrict. Paths are message paths (``/Envelope/Body/CaseResulted/Defendant/PncId``); a named
type shared by several elements is compared once, at the first path that reaches it, and the
message names the type.

Nested groups of the same kind with one occurrence are the same content model as their parts (an
``xs:extension`` of a sequence is a sequence of sequences), so they are flattened first. Elements
are matched by qualified name, wildcards in order, nested groups by the element names they share.

The message-type catalogue is the root element's ``MessageType`` enumeration and ``Body`` choice:
a member or option only in NEW is ``message-type.added``, one only in OLD
``message-type.removed``.

Extension points are wildcards (``xs:any``, ``xs:anyAttribute``) with ``processContents`` lax or
skip: an optional element added where OLD has one that admits its namespace is
``field.added-optional``; anywhere else it is ``field.added-closed`` (the v1.0 XSD has none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import xmlschema
from xmlschema.validators import (
    XsdAnyAttribute,
    XsdAnyElement,
    XsdAtomicBuiltin,
    XsdAttribute,
    XsdElement,
    XsdEnumerationFacets,
    XsdGroup,
    XsdList,
    XsdPatternFacets,
    XsdUnion,
)

from cjx.schemadiff._changes import Change, SchemaDiffError

__all__ = ["compare_xsds", "load_xsd"]

_XS: Final = "{http://www.w3.org/2001/XMLSchema}"
_SCHEMA: Final = "xsd"
#: facet -> True when a larger value is stricter (a lower bound), False for an upper bound
_BOUNDS: Final = {
    "minLength": True,
    "maxLength": False,
    "minInclusive": True,
    "minExclusive": True,
    "maxInclusive": False,
    "maxExclusive": False,
    "totalDigits": False,
    "fractionDigits": False,
}
CATALOGUE_TYPE_ELEMENT: Final = "MessageType"
CATALOGUE_BODY_ELEMENT: Final = "Body"


def load_xsd(path: Path) -> xmlschema.XMLSchema:
    """An XSD through xmlschema, sandboxed to its folder, defused; SchemaDiffError if it fails."""
    try:
        return xmlschema.XMLSchema(str(path.resolve()), allow="sandbox", defuse="always")
    except (xmlschema.XMLSchemaException, OSError, ValueError, SyntaxError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SchemaDiffError(f"{path} is not a usable XSD: {first}") from None


def _local(name: str | None) -> str:
    if not name:
        return ""
    return name.rsplit("}", 1)[-1]


def _namespace(name: str | None) -> str:
    if name and name.startswith("{"):
        return name[1:].split("}", 1)[0]
    return ""


def _type_label(xsd_type: Any) -> str:
    name = getattr(xsd_type, "name", None)
    if name:
        return _local(name) if not name.startswith(_XS) else "xs:" + _local(name)
    return "an anonymous type"


def _occurs(value: int | None) -> str:
    return "unbounded" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class _Facets:
    """The effective restriction of a simple type, collected along its chain."""

    builtin: str
    enumeration: tuple[str, ...] | None
    patterns: tuple[str, ...]
    bounds: dict[str, Any]
    white_space: str | None


def _builtin_ancestry(xsd_type: Any) -> list[str]:
    names: list[str] = []
    current = xsd_type
    while current is not None:
        if isinstance(current, XsdAtomicBuiltin) and current.name:
            names.append(current.name)
        current = getattr(current, "base_type", None)
    return names


def _facets(xsd_type: Any) -> _Facets:
    enumeration: tuple[str, ...] | None = None
    patterns: list[str] = []
    bounds: dict[str, Any] = {}
    white_space: str | None = None
    current = xsd_type
    builtin = ""
    while current is not None:
        if isinstance(current, XsdAtomicBuiltin):
            builtin = current.name or ""
            break
        for name, facet in (getattr(current, "facets", None) or {}).items():
            local = _local(name) if name else ""
            if isinstance(facet, XsdEnumerationFacets):
                if enumeration is None:
                    enumeration = tuple(str(v) for v in facet.enumeration)
            elif isinstance(facet, XsdPatternFacets):
                patterns.append(" | ".join(sorted(facet.regexps)))
            elif local == "whiteSpace":
                white_space = white_space or str(facet.value)
            elif local == "length":
                for bound in ("minLength", "maxLength"):
                    _tighten(bounds, bound, facet.value)
            elif local in _BOUNDS:
                _tighten(bounds, local, facet.value)
        current = getattr(current, "base_type", None)
    return _Facets(builtin, enumeration, tuple(sorted(patterns)), bounds, white_space)


def _tighten(bounds: dict[str, Any], facet: str, value: Any) -> None:
    if facet not in bounds:
        bounds[facet] = value
    elif _BOUNDS[facet]:
        bounds[facet] = max(bounds[facet], value)
    else:
        bounds[facet] = min(bounds[facet], value)


def _flatten(group: XsdGroup) -> list[Any]:
    """The particles of ``group``, with nested groups of the same kind occurring once inlined."""
    out: list[Any] = []
    for particle in group:
        if (
            isinstance(particle, XsdGroup)
            and particle.model == group.model
            and particle.min_occurs == 1
            and particle.max_occurs == 1
        ):
            out.extend(_flatten(particle))
        else:
            out.append(particle)
    return out


def _element_names(particle: Any) -> set[str]:
    if isinstance(particle, XsdElement):
        return {particle.name or ""}
    if isinstance(particle, XsdGroup):
        names: set[str] = set()
        for child in particle:
            names |= _element_names(child)
        return names
    return set()


def _emptiable(particle: Any) -> bool:
    if isinstance(particle, XsdGroup):
        return bool(particle.is_emptiable())
    return bool(particle.min_occurs == 0)


def _extension_point(particle: Any) -> bool:
    return isinstance(particle, XsdAnyElement | XsdAnyAttribute) and particle.process_contents in (
        "lax",
        "skip",
    )


class _Walk:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._seen: set[tuple[str, str]] = set()

    def emit(self, rule: str, path: str, message: str) -> None:
        self.changes.append(Change(rule, path or "/", message, _SCHEMA))

    def _first_visit(self, old: Any, new: Any) -> bool:
        old_name, new_name = getattr(old, "name", None), getattr(new, "name", None)
        if not old_name or not new_name:
            return True
        key = (f"{type(old).__name__}:{old_name}", f"{type(new).__name__}:{new_name}")
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    # -- elements --------------------------------------------------------------------------

    def element(self, old: XsdElement, new: XsdElement, path: str, role: str = "") -> None:
        name = _local(new.name)
        if bool(old.nillable) != bool(new.nillable):
            self.emit("nillable.changed", path, f"{name}: nillable became {bool(new.nillable)}")
        if old.default != new.default:
            self.emit(
                "default.changed", path, f"{name}: default {old.default!r} became {new.default!r}"
            )
        if old.fixed != new.fixed:
            self.emit("fixed.changed", path, f"{name}: fixed {old.fixed!r} became {new.fixed!r}")
        self.type(old.type, new.type, path, role)

    def type(self, old: Any, new: Any, path: str, role: str = "") -> None:
        if not self._first_visit(old, new):
            return
        old_simple, new_simple = old.is_simple(), new.is_simple()
        if old_simple and new_simple:
            self.simple(old, new, path, role)
            return
        if old_simple != new_simple:
            self.emit(
                "type.changed",
                path,
                f"{_type_label(old)} became {_type_label(new)}: simple and complex content",
            )
            return
        self.complex(old, new, path, role)

    def complex(self, old: Any, new: Any, path: str, role: str) -> None:
        label = _type_label(new)
        if bool(old.mixed) != bool(new.mixed):
            self.emit("content.changed", path, f"{label}: mixed content became {new.mixed}")
        self.attributes(old, new, path, label)
        old_simple, new_simple = old.has_simple_content(), new.has_simple_content()
        if old_simple and new_simple:
            self.simple(old.content, new.content, path, role)
        elif old_simple != new_simple:
            self.emit("content.changed", path, f"{label}: simple content and element content")
        elif isinstance(old.content, XsdGroup) and isinstance(new.content, XsdGroup):
            self.group(old.content, new.content, path, label, role)

    def attributes(self, old: Any, new: Any, path: str, label: str) -> None:
        old_attributes = {k: v for k, v in old.attributes.items() if isinstance(v, XsdAttribute)}
        new_attributes = {k: v for k, v in new.attributes.items() if isinstance(v, XsdAttribute)}
        old_any = next((v for v in old.attributes.values() if isinstance(v, XsdAnyAttribute)), None)
        new_any = next((v for v in new.attributes.values() if isinstance(v, XsdAnyAttribute)), None)
        for key in sorted(old_attributes.keys() | new_attributes.keys(), key=str):
            here = f"{path}/@{_local(str(key))}"
            before, after = old_attributes.get(key), new_attributes.get(key)
            if before is not None and after is not None:
                self._use(before.use == "required", after.use == "required", here, label)
                if before.default != after.default:
                    self.emit("default.changed", here, f"{label}: attribute default changed")
                if before.fixed != after.fixed:
                    self.emit("fixed.changed", here, f"{label}: attribute fixed value changed")
                self.type(before.type, after.type, here)
            elif before is not None:
                self.emit("field.removed", here, f"{label}: attribute removed")
            elif after is not None:
                if after.use == "required":
                    self.emit("field.added-required", here, f"{label}: required attribute added")
                elif (
                    old_any is not None
                    and _extension_point(old_any)
                    and (old_any.is_namespace_allowed(_namespace(after.name)))
                ):
                    self.emit(
                        "field.added-optional",
                        here,
                        f"{label}: optional attribute added where OLD's xs:anyAttribute admits it",
                    )
                else:
                    self.emit(
                        "field.added-closed",
                        here,
                        f"{label}: optional attribute added; OLD has no xs:anyAttribute for it, "
                        "so OLD readers reject it",
                    )
        self._wildcards(old_any, new_any, f"{path}/@*", label)

    def _use(self, old_required: bool, new_required: bool, path: str, label: str) -> None:
        if old_required and not new_required:
            self.emit(
                "field.made-optional",
                path,
                f"{label}: became optional; OLD readers reject NEW messages without it",
            )
        elif new_required and not old_required:
            self.emit(
                "field.made-required",
                path,
                f"{label}: became required; NEW readers reject OLD messages without it",
            )

    def _wildcards(self, old: Any, new: Any, path: str, label: str) -> None:
        if old is None and new is None:
            return
        if old is None:
            self.emit("extension-point.added", path, f"{label}: extension point added")
        elif new is None:
            self.emit(
                "extension-point.removed",
                path,
                f"{label}: extension point removed; content later minor versions may add "
                "there would be rejected",
            )
        elif (
            sorted(old.namespace) != sorted(new.namespace)
            or old.process_contents != new.process_contents
        ):
            self.emit(
                "extension-point.changed",
                path,
                f"{label}: wildcard namespace={sorted(old.namespace)} "
                f"processContents={old.process_contents} became "
                f"namespace={sorted(new.namespace)} processContents={new.process_contents}",
            )

    # -- content models --------------------------------------------------------------------

    def occurs(self, old: Any, new: Any, path: str, what: str) -> None:
        if old.min_occurs != new.min_occurs:
            if old.min_occurs == 0:
                self.emit(
                    "field.made-required",
                    path,
                    f"{what} became required (minOccurs {old.min_occurs} -> {new.min_occurs}): "
                    "NEW readers reject OLD messages without it",
                )
            elif new.min_occurs == 0:
                self.emit(
                    "field.made-optional",
                    path,
                    f"{what} became optional (minOccurs {old.min_occurs} -> 0): OLD readers "
                    "reject NEW messages without it",
                )
            else:
                rule = "limit.tightened" if new.min_occurs > old.min_occurs else "limit.loosened"
                self.emit(rule, path, f"{what}: minOccurs {old.min_occurs} became {new.min_occurs}")
        if old.max_occurs != new.max_occurs:
            tighter = old.max_occurs is None or (
                new.max_occurs is not None and new.max_occurs < old.max_occurs
            )
            self.emit(
                "limit.tightened" if tighter else "limit.loosened",
                path,
                f"{what}: maxOccurs {_occurs(old.max_occurs)} became {_occurs(new.max_occurs)}",
            )

    def group(self, old: XsdGroup, new: XsdGroup, path: str, label: str, role: str = "") -> None:
        if old.model != new.model:
            self.emit(
                "content.changed",
                path,
                f"{label}: an xs:{old.model} became an xs:{new.model}",
            )
            return
        old_parts, new_parts = _flatten(old), _flatten(new)
        pairs = _pair(old_parts, new_parts)
        paired_old = {i for i, _ in pairs}
        paired_new = {j for _, j in pairs}
        if old.model == "sequence":
            in_new_order = [i for i, _ in sorted(pairs, key=lambda p: p[1])]
            if in_new_order != sorted(in_new_order):
                self.emit(
                    "order.changed",
                    path,
                    f"{label}: elements of the sequence are in another order; XML readers "
                    "check order",
                )
        for i, j in pairs:
            self.particle(old_parts[i], new_parts[j], path, label, role)
        for i, particle in enumerate(old_parts):
            if i not in paired_old:
                self.removed(particle, path, label, old.model, role)
        for j, particle in enumerate(new_parts):
            if j not in paired_new:
                slot = _slot(pairs, j, len(old_parts))
                wildcards = [p for p in old_parts[slot[0] + 1 : slot[1]] if _extension_point(p)]
                self.added(
                    particle,
                    path=path,
                    label=label,
                    model=old.model,
                    role=role,
                    wildcards=wildcards,
                )

    def particle(self, old: Any, new: Any, path: str, label: str, role: str) -> None:
        if isinstance(old, XsdElement) and isinstance(new, XsdElement):
            here = f"{path}/{_local(new.name)}"
            self.occurs(old, new, here, f"element {_local(new.name)} of {label}")
            child_role = ""
            if role == "root":
                local = _local(new.name)
                if local == CATALOGUE_TYPE_ELEMENT:
                    child_role = "catalogue-enumeration"
                elif local == CATALOGUE_BODY_ELEMENT:
                    child_role = "catalogue-choice"
            self.element(old, new, here, child_role)
        elif isinstance(old, XsdAnyElement) and isinstance(new, XsdAnyElement):
            here = f"{path}/xs:any"
            self.occurs(old, new, here, f"the wildcard of {label}")
            self._wildcards(old, new, here, label)
        elif isinstance(old, XsdGroup) and isinstance(new, XsdGroup):
            here = f"{path}/xs:{new.model}"
            self.occurs(old, new, here, f"an xs:{new.model} of {label}")
            self.group(old, new, path, label, "")

    def removed(self, particle: Any, path: str, label: str, model: str, role: str) -> None:
        if isinstance(particle, XsdAnyElement):
            self.emit(
                "extension-point.removed",
                f"{path}/xs:any",
                f"{label}: wildcard removed; content later minor versions may add there would "
                "be rejected",
            )
            return
        names = ", ".join(sorted(_local(n) for n in _element_names(particle)))
        here = f"{path}/{_local(particle.name)}" if isinstance(particle, XsdElement) else path
        if role == "catalogue-choice":
            self.emit("message-type.removed", here, f"body {names} removed: NEW readers reject it")
        elif model == "choice":
            self.emit("choice.option-removed", here, f"{label}: choice option {names} removed")
        else:
            self.emit(
                "field.removed",
                here,
                f"{label}: {names} removed; NEW readers reject OLD messages that carry it, and "
                "what it meant is lost",
            )

    def added(
        self,
        particle: Any,
        *,
        path: str,
        label: str,
        model: str,
        role: str,
        wildcards: list[Any],
    ) -> None:
        if isinstance(particle, XsdAnyElement):
            self.emit("extension-point.added", f"{path}/xs:any", f"{label}: wildcard added")
            return
        names = sorted(_element_names(particle))
        shown = ", ".join(_local(n) for n in names)
        here = f"{path}/{_local(particle.name)}" if isinstance(particle, XsdElement) else path
        if role == "catalogue-choice":
            self.emit(
                "message-type.added",
                here,
                f"body {shown} added: OLD readers are not sent the new message type "
                "(routing keys name it) and ignore it if they are",
            )
        elif model == "choice":
            self.emit(
                "choice.option-added",
                here,
                f"{label}: choice option {shown} added; OLD readers reject NEW messages with it",
            )
        elif not _emptiable(particle):
            self.emit(
                "field.added-required",
                here,
                f"{label}: required {shown} added; NEW readers reject OLD messages without it",
            )
        elif any(all(w.is_namespace_allowed(_namespace(n)) for n in names) for w in wildcards):
            self.emit(
                "field.added-optional",
                here,
                f"{label}: optional {shown} added where OLD's wildcard admits it",
            )
        else:
            self.emit(
                "field.added-closed",
                here,
                f"{label}: optional {shown} added, but OLD has no extension point (xs:any) "
                "that admits it here, so OLD readers reject NEW messages that carry it",
            )

    # -- simple types ----------------------------------------------------------------------

    def simple(self, old: Any, new: Any, path: str, role: str = "") -> None:
        label = _type_label(new)
        if isinstance(old, XsdUnion) or isinstance(new, XsdUnion):
            self.union(old, new, path, label)
            return
        if isinstance(old, XsdList) != isinstance(new, XsdList):
            self.emit("type.changed", path, f"{_type_label(old)} became {label}: list and atom")
            return
        if isinstance(old, XsdList):
            self.type(old.item_type, new.item_type, path)
        before, after = _facets(old), _facets(new)
        self.builtin(old, new, path, label)
        self.enumeration(before.enumeration, after.enumeration, path, label, role)
        self.patterns(before.patterns, after.patterns, path, label)
        for facet, larger_is_stricter in _BOUNDS.items():
            a, b = before.bounds.get(facet), after.bounds.get(facet)
            if a == b:
                continue
            tighter = a is None or (b is not None and (b > a) == larger_is_stricter)
            self.emit(
                "limit.tightened" if tighter else "limit.loosened",
                path,
                f"{label}: {facet} {a} became {b}",
            )
        if before.white_space != after.white_space:
            self.emit(
                "keyword.changed",
                path,
                f"{label}: whiteSpace {before.white_space} became {after.white_space}",
            )

    def builtin(self, old: Any, new: Any, path: str, label: str) -> None:
        old_name, new_name = _facets(old).builtin, _facets(new).builtin
        if old_name == new_name:
            return
        old_line, new_line = _builtin_ancestry(old), _builtin_ancestry(new)
        text = f"{label}: base xs:{_local(old_name)} became xs:{_local(new_name)}"
        if new_name in old_line:
            self.emit("type.widened", path, f"{text}; OLD readers reject the new values")
        elif old_name in new_line:
            self.emit("type.narrowed", path, f"{text}; NEW readers reject some OLD values")
        else:
            self.emit("type.changed", path, text)

    def enumeration(
        self,
        old: tuple[str, ...] | None,
        new: tuple[str, ...] | None,
        path: str,
        label: str,
        role: str,
    ) -> None:
        if old == new:
            return
        if old is None:
            self.emit("enum.introduced", path, f"{label}: values are now limited to a list")
            return
        if new is None:
            self.emit("enum.lifted", path, f"{label}: values are no longer limited to a list")
            return
        catalogue = role == "catalogue-enumeration"
        for value in sorted(set(old) - set(new)):
            if catalogue:
                self.emit(
                    "message-type.removed", path, f"message type {value!r} removed from {label}"
                )
            else:
                self.emit(
                    "enum.member-removed",
                    path,
                    f"{label}: member {value!r} removed; NEW readers reject OLD messages with it",
                )
        for value in sorted(set(new) - set(old)):
            if catalogue:
                self.emit(
                    "message-type.added",
                    path,
                    f"message type {value!r} added to {label}: OLD readers are not sent it",
                )
            else:
                self.emit(
                    "enum.member-added",
                    path,
                    f"{label}: member {value!r} added; OLD readers reject NEW messages with it",
                )

    def patterns(self, old: tuple[str, ...], new: tuple[str, ...], path: str, label: str) -> None:
        if old == new:
            return
        if not old:
            self.emit("pattern.added", path, f"{label}: pattern {' & '.join(new)!r} added")
        elif not new:
            self.emit("pattern.removed", path, f"{label}: pattern {' & '.join(old)!r} removed")
        else:
            self.emit(
                "pattern.changed",
                path,
                f"{label}: pattern {' & '.join(old)!r} became {' & '.join(new)!r}",
            )

    def union(self, old: Any, new: Any, path: str, label: str) -> None:
        if not (isinstance(old, XsdUnion) and isinstance(new, XsdUnion)):
            self.emit("type.changed", path, f"{_type_label(old)} became {label}: union and atom")
            return
        old_members = list(old.member_types)
        new_members = list(new.member_types)
        for index, (a, b) in enumerate(zip(old_members, new_members, strict=False)):
            if _type_label(a) == _type_label(b) or not (a.name or b.name):
                self.type(a, b, f"{path}", role="")
            else:
                self.emit(
                    "type.changed",
                    path,
                    f"{label}: member type {index + 1} {_type_label(a)} became {_type_label(b)}",
                )
        for member in old_members[len(new_members) :]:
            self.emit(
                "union.member-removed", path, f"{label}: member type {_type_label(member)} removed"
            )
        for member in new_members[len(old_members) :]:
            self.emit(
                "union.member-added", path, f"{label}: member type {_type_label(member)} added"
            )


def _slot(pairs: list[tuple[int, int]], j: int, old_length: int) -> tuple[int, int]:
    """The OLD positions around NEW particle ``j``: between the nearest paired neighbours."""
    before = [i for i, k in pairs if k < j]
    after = [i for i, k in pairs if k > j]
    return (max(before) if before else -1, min(after) if after else old_length)


def _pair(old: list[Any], new: list[Any]) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    new_free = set(range(len(new)))
    by_name = {p.name: j for j, p in enumerate(new) if isinstance(p, XsdElement)}
    for i, particle in enumerate(old):
        if isinstance(particle, XsdElement) and particle.name in by_name:
            j = by_name[particle.name]
            pairs.append((i, j))
            new_free.discard(j)
    old_wild = [i for i, p in enumerate(old) if isinstance(p, XsdAnyElement)]
    new_wild = [j for j, p in enumerate(new) if isinstance(p, XsdAnyElement)]
    for i, j in zip(old_wild, new_wild, strict=False):
        pairs.append((i, j))
        new_free.discard(j)
    for i, particle in enumerate(old):
        if not isinstance(particle, XsdGroup):
            continue
        names = _element_names(particle)
        candidates = [
            (len(names & _element_names(new[j])), j)
            for j in sorted(new_free)
            if isinstance(new[j], XsdGroup) and new[j].model == particle.model
        ]
        candidates = [c for c in candidates if c[0] > 0] or (
            candidates if len(candidates) == 1 else []
        )
        if candidates:
            _, j = max(candidates)
            pairs.append((i, j))
            new_free.discard(j)
    return sorted(pairs)


_FOREIGN: Final = frozenset(
    {
        "http://www.w3.org/2001/XMLSchema",
        "http://www.w3.org/2001/XMLSchema-instance",
        "http://www.w3.org/XML/1998/namespace",
    }
)


def _globals(schema: xmlschema.XMLSchema) -> Iterator[tuple[str, XsdElement]]:
    for name, element in sorted(schema.elements.items()):
        yield _local(name), element


def _extension_declarations(schema: xmlschema.XMLSchema) -> dict[str, XsdElement]:
    """Global elements of other namespaces (imported schemas): content for extension points."""
    target = schema.target_namespace or ""
    return {
        name: element
        for name, element in schema.maps.elements.items()
        if _namespace(name) not in _FOREIGN and _namespace(name) != target
    }


def _wildcards(schema: xmlschema.XMLSchema) -> list[Any]:
    """Every element wildcard that is an extension point, reachable from the global elements."""
    found: list[Any] = []
    seen: set[int] = set()
    stack: list[Any] = [e.type for e in schema.elements.values()]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, XsdAnyElement):
            if _extension_point(item):
                found.append(item)
        elif isinstance(item, XsdGroup):
            stack.extend(item)
        elif isinstance(item, XsdElement):
            stack.append(item.type)
        elif getattr(item, "is_complex", lambda: False)() and isinstance(item.content, XsdGroup):
            stack.append(item.content)
    return found


#: The most element paths one schema is walked for (a schema of deeply shared types could have
#: very many): past it, every path counts as one OLD has (the safe side).
_MAX_PLACES: Final = 200_000


def _places(schema: xmlschema.XMLSchema) -> dict[str, Any] | None:
    """Every element path reachable from the global elements -> the element's type (a
    recursive type is entered once per path); None when there are more than _MAX_PLACES."""
    out: dict[str, Any] = {}
    stack: list[tuple[str, Any, frozenset[int]]] = [
        (f"/{_local(name)}", element, frozenset()) for name, element in schema.elements.items()
    ]
    while stack:
        path, element, entered = stack.pop()
        xsd_type = element.type
        out[path] = xsd_type
        if len(out) > _MAX_PLACES:
            return None
        if id(xsd_type) in entered or not getattr(xsd_type, "is_complex", lambda: False)():
            continue
        content = xsd_type.content
        if not isinstance(content, XsdGroup):
            continue
        inner = entered | {id(xsd_type)}
        groups = [content]
        while groups:
            for particle in groups.pop():
                if isinstance(particle, XsdGroup):
                    groups.append(particle)
                elif isinstance(particle, XsdElement):
                    stack.append((f"{path}/{_local(particle.name)}", particle, inner))
    return out


def _admits(xsd_type: Any, namespace: str) -> bool:
    """Whether the content of ``xsd_type`` has an extension point admitting ``namespace``."""
    if not getattr(xsd_type, "is_complex", lambda: False)():
        return False
    content = xsd_type.content
    groups = [content] if isinstance(content, XsdGroup) else []
    while groups:
        for particle in groups.pop():
            if isinstance(particle, XsdGroup):
                groups.append(particle)
            elif (
                isinstance(particle, XsdAnyElement)
                and _extension_point(particle)
                and particle.is_namespace_allowed(namespace)
            ):
                return True
    return False


def compare_xsds(old: xmlschema.XMLSchema, new: xmlschema.XMLSchema) -> list[Change]:
    """Every change from ``old`` to ``new``, in walk order."""
    walk = _Walk()
    if old.target_namespace != new.target_namespace:
        walk.emit(
            "namespace.changed",
            "/",
            f"targetNamespace {old.target_namespace!r} became {new.target_namespace!r}: "
            "another schema (major)",
        )
        return walk.changes
    for attribute in ("element_form_default", "attribute_form_default"):
        if getattr(old, attribute) != getattr(new, attribute):
            walk.emit("namespace.changed", "/", f"{attribute} changed")
    old_roots, new_roots = dict(_globals(old)), dict(_globals(new))
    for name in sorted(old_roots.keys() | new_roots.keys()):
        path = f"/{name}"
        if name in old_roots and name in new_roots:
            walk.element(old_roots[name], new_roots[name], path, role="root")
        elif name in old_roots:
            walk.emit("root.removed", path, f"global element {name} removed")
        else:
            walk.emit(
                "root.added",
                path,
                f"global element {name} added: a new kind of document OLD readers reject",
            )
    _compare_extensions(walk, old, new)
    return walk.changes


def _only_in_new_places(
    old_places: dict[str, Any] | None, new_places: dict[str, Any] | None, namespace: str
) -> bool:
    """Whether NEW admits elements of ``namespace`` only at element paths OLD does not have
    (OLD is then never sent content that holds them)."""
    if old_places is None or new_places is None:
        return False
    admitting = [p for p, t in new_places.items() if _admits(t, namespace)]
    return bool(admitting) and all(p not in old_places for p in admitting)


def _compare_extensions(walk: _Walk, old: xmlschema.XMLSchema, new: xmlschema.XMLSchema) -> None:
    """Elements declared in other namespaces: what later minors add at extension points.

    A lax wildcard validates such an element against its global declaration when the reader has
    one, and skips it when not, so an OLD reader accepts a declaration it has never seen when one
    of its extension points admits the namespace. An OLD without any (1.0) is not sent the
    element either when every NEW extension point that admits it is at an element path OLD
    does not have: in a message type OLD lacks (1.2's ChangedGroups against 1.0).
    """
    before, after = _extension_declarations(old), _extension_declarations(new)
    wildcards = _wildcards(old)
    old_places = new_places = None
    if after.keys() - before.keys():
        old_places, new_places = _places(old), _places(new)
    for name in sorted(before.keys() | after.keys()):
        path = f"/{name}"
        if name in before and name in after:
            walk.element(before[name], after[name], path)
        elif name in before:
            walk.emit(
                "field.removed",
                path,
                f"extension element {name} is no longer declared; NEW readers skip it unchecked",
            )
        elif any(w.is_namespace_allowed(_namespace(name)) for w in wildcards):
            walk.emit(
                "field.added-optional",
                path,
                f"extension element {name} declared; OLD readers skip it at their extension "
                "points (processContents lax or skip)",
            )
        elif _only_in_new_places(old_places, new_places, _namespace(name)):
            walk.emit(
                "field.added-optional",
                path,
                f"extension element {name} declared; every NEW extension point that admits it "
                "is in content OLD does not have (new message types, which OLD readers are not "
                "sent)",
            )
        else:
            walk.emit(
                "field.added-closed",
                path,
                f"extension element {name} declared, but no OLD extension point admits its "
                "namespace: OLD readers reject it",
            )
