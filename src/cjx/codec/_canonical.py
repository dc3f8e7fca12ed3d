"""Canonical XML and JSON: the model's two wire forms, both directions.

Rules kept here (DESIGN.md section 2):

* JSON keys are the model's snake_case field names; ``None`` values are left out.
* XML elements are the UpperCamelCase of the same names in :data:`CANONICAL_NS`; a repeated
  field is a plural wrapper holding one element per item (``<Offences><Offence>``), left out when
  empty; an optional field that is ``None`` is left out; empty text is an empty element.
* A repeated field that may be absent (``tuple[...] | None``, version 1.1: a list a source may
  send empty or not at all) is left out when ``None`` and written as an empty wrapper
  (``<Aliases/>``) when empty, so that the two stay apart in XML as in JSON (``[]``).
* The body is one element inside ``<Body>`` named after its class (``<CaseResulted>``).
* Decoding checks nothing the schemas check; use :mod:`cjx.validation` for reports. Decoding
  errors are translated into :class:`~cjx.errors.ValidationFailed` at this one boundary.
* JSON is read only by :func:`~cjx.codec.load_json` (size limit, UTF-8, depth, duplicate keys,
  no ``NaN``); its top level must be an object (``json.type``).
* A field a later minor added at an extension point (:class:`cjx.model.Extension`, version
  1.2's ``PrisonerRecord.changed_groups``) is written, with its items, in the extension
  namespace :data:`cjx.model.EXTENSION_NS` (prefix ``ext``, declared on the element), after the
  type's own elements: where a reader of an earlier minor has its lax wildcard. It may appear
  once; a second one is an error (the XSD's wildcard cannot say so).
* Reading a later minor (``tolerant=True``, docs/versioning.md): at the extension points, the
  types first released after 1.0 (:func:`cjx.model.extension_types`), elements of the extension
  namespace :data:`cjx.model.EXTENSION_NS` and undeclared JSON members are what a later minor
  added there, and are skipped; so are the extension fields of minors later than ``reader``
  (a reader pinned to an earlier release reads what that release declares). Anywhere else, and
  in any message read without ``tolerant``, unknown content is reported as a field the model
  forbids.

The XML mapping is derived once per model class from its fields, so the XSD, the JSON Schema and
the code stay in lockstep through the tests in ``tests/test_lockstep.py``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Final, Union

import pydantic
from lxml import etree
from pydantic import BaseModel

from cjx._input import InputData, input_bytes
from cjx.errors import Issue, Report, ValidationFailed, error
from cjx.model import (
    BODY_TYPES,
    EXTENSION_NS,
    Body,
    Envelope,
    Timestamp,
    XmlItem,
    envelope_type,
    extension_fields,
    extension_types,
)
from cjx.model._base import CanonicalModel

from ._json import DEFAULT_MAX_JSON_SIZE, load_json
from ._pydantic_errors import issues_from_pydantic
from ._xmlparse import DEFAULT_MAX_XML_SIZE, parse_xml, schema_location_hints
from ._xmlpath import canonical_xpath

__all__ = [
    "CANONICAL_NS",
    "decode_json",
    "decode_xml",
    "decode_xml_element",
    "encode_json",
    "encode_xml",
    "encode_xml_element",
    "schema_hint_issues",
    "xml_name",
]

CANONICAL_NS: Final = "urn:cjx:canonical:1"
_NS = "{" + CANONICAL_NS + "}"
_EXT: Final = "{" + EXTENSION_NS + "}"
#: The prefix of the extension namespace in canonical XML (declared on each such element).
EXT_PREFIX: Final = "ext"
_BODY_BY_ELEMENT: dict[str, type[Body]] = {_NS + cls.__name__: cls for cls in BODY_TYPES.values()}


def xml_name(field_name: str) -> str:
    """``pti_urn`` -> ``PtiUrn``."""
    return "".join(part[:1].upper() + part[1:] for part in field_name.split("_"))


# --- the per-class mapping ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    name: str  # python field name
    tag: str  # qualified element name
    model: type[BaseModel] | None  # nested model type (item type for repeated fields)
    item_tag: str | None  # qualified item element name when repeated
    is_body: bool = False
    keep_empty: bool = False  # a repeated field that may be None: empty is an empty wrapper
    since: str | None = None  # the later minor that added it at an extension point


def _nullable(annotation: Any) -> bool:
    """Whether ``annotation`` (possibly ``Annotated``) admits ``None``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return type(None) in typing.get_args(annotation)
    return False


def _unwrap(annotation: Any) -> tuple[Any, XmlItem | None]:
    item: XmlItem | None = None
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            for meta in args[1:]:
                if isinstance(meta, XmlItem):
                    item = meta
            annotation = args[0]
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation, item


@cache
def _fields(cls: type[BaseModel]) -> tuple[_Field, ...]:
    out: list[_Field] = []
    added = extension_fields(cls)
    for name, info in cls.model_fields.items():
        annotation, item = _unwrap(info.annotation)
        for meta in info.metadata:
            if isinstance(meta, XmlItem):
                item = meta
        since = added.get(name)
        ns = _NS if since is None else _EXT
        tag = ns + xml_name(name)
        if since is None and out and out[-1].since is not None:  # pragma: no cover
            raise TypeError(f"{cls.__name__}.{name}: extension fields come last")
        if name == "body" and issubclass(cls, Envelope):
            out.append(_Field(name, tag, None, None, is_body=True))
            continue
        if typing.get_origin(annotation) is tuple:
            if item is None:  # pragma: no cover - a model definition error
                raise TypeError(f"{cls.__name__}.{name} is repeated but has no XmlItem")
            inner, _ = _unwrap(typing.get_args(annotation)[0])
            model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
            keep = _nullable(info.annotation)
            out.append(_Field(name, tag, model, ns + item.name, keep_empty=keep, since=since))
        else:
            model = (
                annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel)
                else None
            )
            out.append(_Field(name, tag, model, None, since=since))
        if since is not None and model is not None:  # pragma: no cover - a definition error
            raise TypeError(f"{cls.__name__}.{name}: an extension field holds text values")
    return tuple(out)


# --- encoding -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, str):  # includes identifiers and str enums
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.time, Timestamp)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, enum.Enum)):
        return str(value.value if isinstance(value, enum.Enum) else value)
    raise TypeError(f"cannot write {type(value).__name__} as canonical XML text")


_TEXT_BY_TYPE: dict[type, Any] = {}


def _fast_text(value: Any) -> str:
    kind = type(value)
    convert = _TEXT_BY_TYPE.get(kind)
    if convert is None:
        if kind is str or kind is int:
            convert = str
        elif issubclass(kind, enum.Enum):
            convert = _enum_text
        elif issubclass(kind, str) or kind is Decimal or kind is bool:
            convert = _text
        elif issubclass(kind, (dt.date, dt.time, Timestamp)):
            convert = kind.isoformat
        else:
            convert = _text
        _TEXT_BY_TYPE[kind] = convert
    return convert(value)


def _enum_text(value: enum.Enum) -> str:
    return str(value.value)


def _encode_into(parent: etree._Element, obj: BaseModel) -> None:
    sub = etree.SubElement
    _text = _fast_text
    for f in _fields(type(obj)):
        value = getattr(obj, f.name)
        if value is None:
            continue
        if f.is_body:
            body = sub(parent, f.tag)
            _encode_into(sub(body, _NS + type(value).__name__), value)
        elif f.item_tag is not None:
            if not value and not f.keep_empty:
                continue
            if f.since is not None:
                wrapper = sub(parent, f.tag, nsmap={EXT_PREFIX: EXTENSION_NS})
            else:
                wrapper = sub(parent, f.tag)
            for item in value:
                child = sub(wrapper, f.item_tag)
                if f.model is not None:
                    _encode_into(child, item)
                else:
                    child.text = _text(item)
        elif f.model is not None:
            _encode_into(sub(parent, f.tag), value)
        elif f.since is not None:
            sub(parent, f.tag, nsmap={EXT_PREFIX: EXTENSION_NS}).text = _text(value)
        else:
            sub(parent, f.tag).text = _text(value)


# Text writer: the same document as _encode_into, written as lxml's pretty_print would write it,
# without building an element per field (lxml's SubElement costs about 0.9 us per element).
_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
_ROOT_OPEN = f'<Envelope xmlns="{CANONICAL_NS}">'
#: What XML 1.0 cannot carry in text (C0 controls but tab, line feed and carriage return, lone
#: surrogates, U+FFFE and U+FFFF); lxml refuses it, and so does the text writer.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_XML_MESSAGE: Final = (
    "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"
)


def _scalar_converter(annotation: Any) -> str:
    """The expression (over ``v``) that writes a scalar of this type as canonical XML text."""
    kind, _ = _unwrap(annotation)
    if isinstance(kind, type):
        if issubclass(kind, bool):
            return '("true" if v else "false")'
        if issubclass(kind, enum.StrEnum):
            return "v"  # formats as its value (str.__format__), without reading .value
        if issubclass(kind, enum.Enum):
            return "v.value"
        if issubclass(kind, str):  # text and identifiers: most need no escaping at all
            return (
                '(v if "&" not in v and "<" not in v and ">" not in v and v.isprintable() '
                "else _escape(v))"
            )
        if issubclass(kind, int):
            return "str(v)"
        if issubclass(kind, Decimal):
            return 'format(v, "f")'
        if issubclass(kind, (dt.date, dt.time, Timestamp)):
            return "v.isoformat()"
    return "_escape(_fast_text(v))"


@cache
def _writer(cls: type[BaseModel]) -> Callable[[list[str], Any, str], None]:
    """A function that appends the canonical XML lines of one ``cls`` instance.

    Generated once per model class from its fields, so that writing a message costs one
    dictionary read and one string per field, with no per-field dispatch (DESIGN.md section 2
    layout; the same document lxml's pretty printer writes for :func:`encode_xml_element`).
    A nested model is written by its own class's writer (``_writer(type(v))``), with an empty
    element when it writes nothing.
    """
    local = len(_NS)
    # a model's field values are in its instance dictionary: one subscript per field, where an
    # attribute read goes through pydantic's __getattr__ hook
    lines = ["def write(out, obj, pad):", "    inner = pad + '  '", "    fields = obj.__dict__"]

    def nested(indent: str, tag: str, at: str, within: str) -> None:
        lines.extend(
            f"{indent}{line}"
            for line in (
                f"out.append(f'{{{at}}}<{tag}>')",
                "mark = len(out)",
                f"_writer(type(v))(out, v, {within})",
                "if len(out) == mark:",
                f"    out[-1] = f'{{{at}}}<{tag}/>'",
                "else:",
                f"    out.append(f'{{{at}}}</{tag}>')",
            )
        )

    declare = f' xmlns:{EXT_PREFIX}="{EXTENSION_NS}"'
    for f in _fields(cls):
        tag = f.tag[local:]
        opening = tag  # the start tag's name and the declarations it carries
        if f.since is not None:
            tag = f"{EXT_PREFIX}:{f.tag[len(_EXT) :]}"
            opening = tag + declare
        lines.append(f"    v = fields[{f.name!r}]")
        if f.is_body:
            lines += [
                "    if v is not None:",
                f"        out.append(f'{{pad}}<{tag}>')",
                "        name = type(v).__name__",
                "        out.append(f'{inner}<{name}>')",
                "        mark = len(out)",
                "        _writer(type(v))(out, v, inner + '  ')",
                "        if len(out) == mark:",
                "            out[-1] = f'{inner}<{name}/>'",
                "        else:",
                "            out.append(f'{inner}</{name}>')",
                f"        out.append(f'{{pad}}</{tag}>')",
            ]
        elif f.item_tag is not None:
            item = f.item_tag[local:]
            if f.since is not None:
                item = f"{EXT_PREFIX}:{f.item_tag[len(_EXT) :]}"
            if f.keep_empty:
                lines += [
                    "    if v is not None and not v:",
                    f"        out.append(f'{{pad}}<{opening}/>')",
                ]
            lines += [
                "    if v:",
                f"        out.append(f'{{pad}}<{opening}>')",
                "        for v in v:",
            ]
            if f.model is not None:
                nested("            ", item, "inner", "inner + '  '")
            else:
                info = cls.model_fields[f.name]
                item_type = typing.get_args(_unwrap(info.annotation)[0])[0]
                convert = _scalar_converter(item_type)
                lines.append(f"            out.append(f'{{inner}}<{item}>{{{convert}}}</{item}>')")
            lines.append(f"        out.append(f'{{pad}}</{tag}>')")
        elif f.model is not None:
            lines.append("    if v is not None:")
            nested("        ", tag, "pad", "inner")
        else:
            convert = _scalar_converter(cls.model_fields[f.name].annotation)
            lines += [
                "    if v is not None:",
                f"        out.append(f'{{pad}}<{opening}>{{{convert}}}</{tag}>')",
            ]
    namespace: dict[str, Any] = {"_writer": _writer, "_escape": _escape, "_fast_text": _fast_text}
    exec("\n".join(lines), namespace)  # noqa: S102 - code generated from the model's own fields
    return namespace["write"]  # type: ignore[no-any-return]


def _escape(text: str) -> str:
    """Element text: markup escaped, carriage returns kept as references (as lxml writes them);
    ValueError for characters XML cannot carry (what lxml raises), looked for only in text that
    is not all printable."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if not text.isprintable():  # line breaks, controls, surrogates...: the rare case
        if _NOT_XML.search(text) is not None:
            raise ValueError(_NOT_XML_MESSAGE)
        if "\r" in text:
            text = text.replace("\r", "&#13;")
    return text


def _encode_text(envelope: Envelope[Any]) -> bytes:
    out = [_ROOT_OPEN]
    _writer(type(envelope))(out, envelope, "\n  ")
    out.append("\n</Envelope>\n")
    return "".join(out).encode()


def encode_xml_element(envelope: Envelope[Any]) -> etree._Element:
    """The canonical XML of ``envelope`` as an lxml element (``<Envelope>``)."""
    root = etree.Element(_NS + "Envelope", nsmap={None: CANONICAL_NS})
    _encode_into(root, envelope)
    return root


def _envelope(value: object, function: str) -> None:
    if not isinstance(value, Envelope):
        raise TypeError(
            f"{function}() takes a cjx Envelope (make_envelope or an adapter's decode), "
            f"not {type(value).__name__}"
        )


def encode_xml(envelope: Envelope[Any], *, pretty: bool = True) -> bytes:
    """Canonical XML bytes, UTF-8 with an XML declaration."""
    _envelope(envelope, "encode_xml")
    if pretty:
        return _DECLARATION + _encode_text(envelope)
    return etree.tostring(
        encode_xml_element(envelope), xml_declaration=True, encoding="UTF-8", pretty_print=False
    )


def encode_json(envelope: Envelope[Any], *, indent: int | None = 2) -> bytes:
    """Canonical JSON bytes (UTF-8), ``None`` values left out."""
    _envelope(envelope, "encode_json")
    return envelope.model_dump_json(exclude_none=True, indent=indent).encode()


# --- decoding -------------------------------------------------------------------------------


def _minor(version: str) -> int:
    return int(version.split(".")[1])


class _Repeated(Exception):
    """An extension element that appears twice in one place (at ``path``)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _element_path(element: etree._Element) -> str:
    """``/Envelope/Body/PrisonerRecord/ext:ChangedGroups``: where an element is."""
    names: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        qname = etree.QName(node)
        prefix = f"{EXT_PREFIX}:" if qname.namespace == EXTENSION_NS else ""
        names.append(prefix + qname.localname)
        node = node.getparent()
    return "/" + "/".join(reversed(names))


def _decode_children(
    element: etree._Element,
    cls: type[BaseModel],
    tolerant: bool = False,
    reader: str | None = None,
) -> dict[str, Any]:
    by_tag = _tag_index(cls)
    data: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions
        f = by_tag.get(tag)
        if f is not None and f.since is not None:
            if tolerant and reader is not None and _minor(f.since) > _minor(reader):
                continue  # added after the release this reader was built on: not known to it
            if f.name in data:
                raise _Repeated(_element_path(child))
        if f is None:
            if tolerant and tag.startswith(_EXT) and cls in extension_types():
                continue  # what a later minor added at this extension point
            # Unknown elements are reported as a field the model forbids.
            data[tag] = None
            continue
        if f.is_body:
            inner = next((c for c in child if isinstance(c.tag, str)), None)
            body_cls = _BODY_BY_ELEMENT.get(str(inner.tag)) if inner is not None else None
            if inner is None or body_cls is None:
                data[f.name] = {"__unknown_body__": None}
            else:
                data[f.name] = _decode_children(inner, body_cls, tolerant, reader)
        elif f.item_tag is not None:
            items = [c for c in child if isinstance(c.tag, str)]
            if f.model is not None:
                data[f.name] = [_decode_children(c, f.model, tolerant, reader) for c in items]
            else:
                data[f.name] = [c.text or "" for c in items]
        elif f.model is not None:
            data[f.name] = _decode_children(child, f.model, tolerant, reader)
        else:
            data[f.name] = child.text or ""
    return data


@cache
def _field_models(cls: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """Each field's model type (the item type of a repeated field), when it has exactly one."""
    out: dict[str, type[BaseModel] | None] = {}
    for name, info in cls.model_fields.items():
        found: list[type[BaseModel]] = []
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                found.append(annotation)
            else:
                stack.extend(typing.get_args(annotation))
        out[name] = found[0] if len(set(found)) == 1 else None
    return out


def _without_extensions(data: Any, cls: type[BaseModel], reader: str | None = None) -> Any:
    """``data`` less the members a later minor added at extension points (JSON, tolerant): the
    ones the model does not have, and those of minors later than ``reader`` when it is given."""
    if not isinstance(data, dict):
        return data
    open_type = cls in extension_types()
    models = _field_models(cls)
    added = extension_fields(cls)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in models:
            if not open_type:
                out[key] = value  # reported as a field the model forbids
            continue
        since = added.get(key)
        if since is not None and reader is not None and _minor(since) > _minor(reader):
            continue  # added after the release this reader was built on
        model = models[key]
        if model is None:
            out[key] = value
        elif isinstance(value, list):
            out[key] = [_without_extensions(item, model, reader) for item in value]
        else:
            out[key] = _without_extensions(value, model, reader)
    return out


@cache
def _tag_index(cls: type[BaseModel]) -> dict[str, _Field]:
    return {f.tag: f for f in _fields(cls)}


def decode_xml_element(
    root: etree._Element,
    *,
    source: str = "<input>",
    tolerant: bool = False,
    reader: str | None = None,
) -> Envelope[Any]:
    """Build the envelope from a parsed canonical ``<Envelope>`` element (``tolerant``: a later
    minor's, whose extension-point content is skipped, and with it the fields of minors after
    ``reader``, the release a pinned reader was built on; module docstring)."""
    if root.tag != _NS + "Envelope":
        raise ValidationFailed(
            Report(
                source,
                (
                    error(
                        "canonical.root",
                        "/",
                        f"root element is not {{{CANONICAL_NS}}}Envelope",
                    ),
                ),
            )
        )
    try:
        data = _decode_children(root, Envelope, tolerant, reader)
    except _Repeated as exc:
        message = "an extension element appears at most once in one place"
        raise ValidationFailed(
            Report(source, (error("schema.content", exc.path, message),))
        ) from None
    body = root.find(f"{_NS}Body")
    inner = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    message_type = data.get("message_type")
    expected = BODY_TYPES.get(message_type) if isinstance(message_type, str) else None
    if inner is not None and expected is not None and inner.tag != _NS + expected.__name__:
        name = str(inner.tag).removeprefix(_NS)
        raise ValidationFailed(
            Report(
                source,
                (
                    error(
                        "canonical.body-mismatch",
                        f"/Envelope/Body/{name}",
                        f"MessageType {message_type} needs a {expected.__name__} body",
                    ),
                ),
            )
        )
    return _validate(data, source, pointer_style=False)


def schema_hint_issues(root: etree._Element) -> list[Issue]:
    """Canonical XML carries no schema location hints: each one is an ``xml.schema-location``
    error (cjx never follows them; a document that names where to fetch its schema is not one
    cjx wrote)."""
    return [
        error(
            "xml.schema-location",
            path,
            "schema location hints are not followed; canonical XML must not carry them",
        )
        for path, _ in schema_location_hints(root)
    ]


def decode_xml(
    data: InputData, *, source: str = "<input>", max_size: int = DEFAULT_MAX_XML_SIZE
) -> Envelope[Any]:
    """Parse canonical XML (bytes, or str: encoded as UTF-8) with the hardened parser into an
    envelope."""
    data = input_bytes(data, "decode_xml")
    root = parse_xml(data, source=source, max_size=max_size)
    hints = schema_hint_issues(root)
    if hints:
        raise ValidationFailed(Report(source, tuple(hints)))
    return decode_xml_element(root, source=source)


def decode_json(
    data: InputData, *, source: str = "<input>", max_size: int = DEFAULT_MAX_JSON_SIZE
) -> Envelope[Any]:
    """Parse canonical JSON (the hardened reader, :func:`~cjx.codec.load_json`) into an
    envelope."""
    if not isinstance(data, str):
        data = input_bytes(data, "decode_json")
    obj = load_json(data, source=source, max_size=max_size)
    if not isinstance(obj, dict):
        raise ValidationFailed(Report(source, (error("json.type", "", "expected a JSON object"),)))
    return _validate(obj, source, pointer_style=True)


def _validate(
    data: dict[str, Any],
    source: str,
    *,
    pointer_style: bool,
    tolerant: bool = False,
    reader: str | None = None,
) -> Envelope[Any]:
    message_type = data.get("message_type")
    cls: type[CanonicalModel]
    if isinstance(message_type, str) and message_type in BODY_TYPES:
        cls = envelope_type(message_type)
        if tolerant and pointer_style:  # JSON of a later minor (XML skipped them already)
            data = _without_extensions(data, cls, reader)
    else:
        path = "/message_type" if pointer_style else "/Envelope/MessageType"
        raise ValidationFailed(
            Report(
                source,
                (
                    error(
                        "canonical.unknown-message-type",
                        path,
                        f"expected one of: {', '.join(sorted(BODY_TYPES))}",
                    ),
                ),
            )
        )
    try:
        return cls.model_validate(data)
    except pydantic.ValidationError as exc:
        if pointer_style:
            issues = issues_from_pydantic(exc)
        else:
            body = BODY_TYPES[message_type]
            issues = issues_from_pydantic(exc, path_for=lambda loc: canonical_xpath(loc, body))
        raise ValidationFailed(Report(source, tuple(issues))) from exc
