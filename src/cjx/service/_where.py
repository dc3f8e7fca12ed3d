"""Content-based routing: an outbound service's ``where``, compiled once per message type.

::

    [[services]]
    name = "police-01-out"
    role = "outbound"
    format = "libra-spi"
    subscribe = ["court.case-resulted.v1"]
    destination = "police-01"
    where = { "hearing.court" = { prefix = "B01" } }

Each key is a canonical field path: field names joined by dots, from the message body (the
``body`` of the envelope), as in canonical JSON. Each value is a table of operators, all of
which must hold; several paths must all hold too:

* ``equals = V``: the field is ``V``;
* ``in = [V, ...]``: the field is one of them;
* ``prefix = "P"`` (or ``["P", "Q"]``): the field's text starts with one of them;
* ``not = { ... }``: none of the operators in the table holds (``not = { in = [...] }``).

``V`` is text for a text field (identifiers, codes, enumerations; a date as ``YYYY-MM-DD``), a
whole number for a number field, ``true``/``false`` for a flag. A field left out of a message
(an optional one) has no value: ``equals``, ``in`` and ``prefix`` do not hold, ``not`` does.

Every path is checked against the pydantic model of every message type the service subscribes
to when the configuration is loaded: a field that does not exist, a path that goes through a
list (``offences.code``: which offence?), a table (``hearing``) rather than a field, or an
operand of the wrong kind is a :class:`~cjx.errors.ConfigurationError` naming the service, the
path and the fields there are.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from cjx.errors import ConfigurationError
from cjx.model import BODY_TYPES, Envelope
from cjx.transport import topic_matches

if TYPE_CHECKING:
    from cjx.service._config import ServiceConfig

__all__ = [
    "OPERATORS",
    "Condition",
    "Selector",
    "compile_where",
    "parse_where",
    "produced_routing_keys",
    "subscribed_types",
    "unselected_watch",
]

Operator = Literal["equals", "in", "prefix"]
#: The operators of a field's table; ``not`` holds a table of the others.
OPERATORS: tuple[str, ...] = ("equals", "in", "prefix", "not")
Kind = Literal["text", "number", "flag"]
Scalar = str | int | bool


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of one field: ``path`` ``operator`` ``operand``, negated by ``not``."""

    path: str
    operator: Operator
    operand: Scalar | tuple[Scalar, ...]
    negated: bool = False

    def __str__(self) -> str:
        text = f"{self.path} {self.operator} {self.operand!r}"
        return f"not ({text})" if self.negated else text


def produced_routing_keys() -> dict[str, str]:
    """Every routing key cjx publishes on ``cjx.canonical``, with its message type
    (``court.case-resulted.v1`` -> ``court.case-resulted``)."""
    return {cls.routing_key(): message_type for message_type, cls in BODY_TYPES.items()}


def subscribed_types(pattern: str) -> list[str]:
    """The message types whose routing key ``pattern`` matches, in the model's order."""
    return [t for key, t in produced_routing_keys().items() if topic_matches(pattern, key)]


def _types_of(service: ServiceConfig) -> list[str]:
    return sorted({t for pattern in service.subscribe for t in subscribed_types(pattern)})


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | bool)


def _operators(
    table: Mapping[str, Any], path: str, where: str, *, negated: bool
) -> list[Condition]:
    conditions: list[Condition] = []
    for name, value in table.items():
        at = f"{where}: where {path!r} {name}"
        if name == "not" and not negated:
            if not isinstance(value, Mapping) or not value:
                raise ConfigurationError(
                    f"{at} must be a table of operators, such as {{ in = [...] }}"
                )
            conditions.extend(_operators(value, path, where, negated=True))
        elif name == "equals":
            if not _scalar(value):
                raise ConfigurationError(f"{at} must be text, a whole number or true/false")
            conditions.append(Condition(path, "equals", value, negated))
        elif name == "in":
            if not isinstance(value, list) or not value or not all(_scalar(v) for v in value):
                raise ConfigurationError(f'{at} must be a list of values, such as ["A", "B"]')
            conditions.append(Condition(path, "in", tuple(value), negated))
        elif name == "prefix":
            prefixes = value if isinstance(value, list) else [value]
            if not prefixes or not all(isinstance(p, str) and p for p in prefixes):
                raise ConfigurationError(f"{at} must be text, or a list of texts")
            operand = prefixes[0] if len(prefixes) == 1 else tuple(prefixes)
            conditions.append(Condition(path, "prefix", operand, negated))
        else:
            known = ", ".join(o for o in OPERATORS if not (negated and o == "not"))
            raise ConfigurationError(
                f"{where}: where {path!r}: unknown operator {name!r} (known: {known})"
            )
    return conditions


def parse_where(value: Any, where: str) -> tuple[Condition, ...]:
    """The conditions of a TOML ``where`` table (its shape only: the paths are checked against
    the model by :func:`compile_where`)."""
    if not isinstance(value, Mapping) or not value:
        raise ConfigurationError(
            f"{where}: where must be a table of field paths, such as "
            f'where = {{ "hearing.court" = {{ prefix = "B01" }} }}'
        )
    conditions: list[Condition] = []
    for path, table in value.items():
        parts = path.split(".")
        if not all(p.isidentifier() for p in parts):
            raise ConfigurationError(
                f"{where}: where {path!r} is not a field path (field names joined by dots)"
            )
        if not isinstance(table, Mapping) or not table:
            raise ConfigurationError(
                f"{where}: where {path!r} must be a table of operators, such as "
                '{ prefix = "B01" } (operators: ' + ", ".join(OPERATORS) + ")"
            )
        conditions.extend(_operators(table, path, where, negated=False))
    return tuple(conditions)


# -- checking a path against the model ---------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type inside Annotated/Optional, whether None is allowed)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional


def _kind(leaf: Any) -> tuple[Kind, Callable[[Any], Any] | None] | None:
    """How a leaf's value is compared: its kind and a conversion to text (None: as it is)."""
    if not isinstance(leaf, type):
        return None
    if issubclass(leaf, bool):
        return "flag", None
    if issubclass(leaf, enum.Enum):
        if issubclass(leaf, str):
            return "text", None
        return "text", lambda v: str(v.value)
    if issubclass(leaf, str):
        return "text", None
    if issubclass(leaf, int):
        return "number", None
    if issubclass(leaf, dt.date | dt.time):  # datetime is a date
        return "text", lambda v: v.isoformat()
    return None


def _resolve(model: type[BaseModel], path: str, message_type: str, where: str) -> Any:
    """The leaf annotation at ``path`` in ``model``, or ConfigurationError saying what is there."""
    current: Any = model
    walked: list[str] = []
    for part in path.split("."):
        fields = current.model_fields
        if part not in fields:
            place = ".".join(walked) or "the body"
            raise ConfigurationError(
                f"{where}: where {path!r}: {message_type} has no field {part!r} in {place} "
                f"(its fields: {', '.join(fields)})"
            )
        walked.append(part)
        annotation, _ = _unwrap(fields[part].annotation)
        if typing.get_origin(annotation) in (tuple, list) or annotation in (tuple, list):
            raise ConfigurationError(
                f"{where}: where {path!r}: {'.'.join(walked)} of {message_type} is a list; "
                "where selects on single fields only"
            )
        current = annotation
        is_model = isinstance(current, type) and issubclass(current, BaseModel)
        if not is_model and len(walked) < len(path.split(".")):
            raise ConfigurationError(
                f"{where}: where {path!r}: {'.'.join(walked)} of {message_type} is a "
                "single value, with no fields below it"
            )
    if isinstance(current, type) and issubclass(current, BaseModel):
        raise ConfigurationError(
            f"{where}: where {path!r} of {message_type} is a group of fields; name one of "
            f"them: {', '.join(f'{path}.{f}' for f in current.model_fields)}"
        )
    return current


_KIND_WORDS = {"text": "text", "number": "a whole number", "flag": "true or false"}


def _fits(value: Scalar, kind: Kind) -> bool:
    if kind == "flag":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


BodyTest = Callable[[Any], bool]


def _test(condition: Condition, convert: Callable[[Any], Any] | None) -> BodyTest:
    """A test of a body for one condition (None anywhere on the path: no value)."""
    get = attrgetter(condition.path)

    def value_of(body: Any) -> Any:
        try:
            value = get(body)
        except AttributeError:  # an optional group left out: None has no fields
            return None
        return value if value is None or convert is None else convert(value)

    operand = condition.operand
    holds: BodyTest
    if condition.operator == "prefix":
        prefixes = operand if isinstance(operand, tuple) else (operand,)

        def holds(body: Any) -> bool:
            value = value_of(body)
            return value is not None and bool(value.startswith(prefixes))

    elif condition.operator == "equals":

        def holds(body: Any) -> bool:
            return bool(value_of(body) == operand)

    else:
        choices = frozenset(operand) if isinstance(operand, tuple) else frozenset((operand,))

        def holds(body: Any) -> bool:
            value = value_of(body)
            return value is not None and value in choices

    if condition.negated:
        positive = holds

        def holds(body: Any) -> bool:
            return not positive(body)

    return holds


def _all(tests: Sequence[BodyTest]) -> BodyTest:
    if len(tests) == 1:
        return tests[0]

    def holds(body: Any) -> bool:
        return all(test(body) for test in tests)

    return holds


def compile_where(
    conditions: Sequence[Condition], message_types: Sequence[str], where: str
) -> Selector:
    """The selector of ``conditions`` for each of ``message_types``; ConfigurationError when a
    path does not exist on one of them or an operand does not suit its field."""
    tests: dict[str, BodyTest] = {}
    for message_type in message_types:
        model = BODY_TYPES[message_type]
        compiled: list[BodyTest] = []
        for condition in conditions:
            leaf = _resolve(model, condition.path, message_type, where)
            found = _kind(leaf)
            if found is None:
                raise ConfigurationError(
                    f"{where}: where {condition.path!r} of {message_type} is a "
                    f"{getattr(leaf, '__name__', leaf)}; where compares text, whole numbers, "
                    "true/false and dates only"
                )
            kind, convert = found
            operands = (
                condition.operand if isinstance(condition.operand, tuple) else (condition.operand,)
            )
            if condition.operator == "prefix" and kind != "text":
                raise ConfigurationError(
                    f"{where}: where {condition.path!r}: prefix needs a text field, and it is "
                    f"{_KIND_WORDS[kind]} in {message_type}"
                )
            if not all(_fits(v, kind) for v in operands):
                raise ConfigurationError(
                    f"{where}: where {condition.path!r} {condition.operator}: the field is "
                    f"{_KIND_WORDS[kind]} in {message_type}, so the value must be too"
                )
            compiled.append(_test(condition, convert))
        tests[message_type] = _all(compiled)
    return Selector(tests, tuple(conditions))


@dataclass(frozen=True, slots=True)
class Selector:
    """Whether an envelope is for this destination: the compiled test of its message type."""

    tests: Mapping[str, BodyTest]
    conditions: tuple[Condition, ...]

    def __call__(self, envelope: Envelope[Any]) -> bool:
        test = self.tests.get(envelope.message_type)
        # a type the service did not subscribe to is not judged here: it is encoded (or
        # dead-lettered, as any type its format cannot encode) as without a where
        return True if test is None else test(envelope.body)

    def __str__(self) -> str:
        return " and ".join(str(c) for c in self.conditions)


def unselected_watch(
    service: ServiceConfig, peers: Sequence[ServiceConfig]
) -> dict[str, tuple[Selector, ...]]:
    """For each message type this service reports when no destination selects it: the
    selectors of the other outbound services of the configuration subscribed to that type.

    The first outbound service in the file subscribed to a type reports for it, so a message
    selected by none is counted once, whichever services decline it. A type that some service
    takes without a ``where`` is always selected, and is not watched. ``peers`` are the
    configuration's services (this one among them); with none, the service is alone.
    """
    everyone = [p for p in peers if p.role == "outbound"] or [service]
    watch: dict[str, tuple[Selector, ...]] = {}
    for message_type in _types_of(service):
        takers = [p for p in everyone if message_type in _types_of(p)]
        if not takers or takers[0].name != service.name or any(not p.where for p in takers):
            continue
        watch[message_type] = tuple(
            compile_where(p.where, [message_type], f"service {p.name!r}")
            for p in takers
            if p.name != service.name
        )
    return watch
