"""The one hardened XML parser (DESIGN.md section 9).

Every XML input cjx reads, including payloads embedded as escaped text (RouteData), goes through
:func:`parse_xml`. It keeps these rules, each one before the next:

* the size limit (:data:`DEFAULT_MAX_XML_SIZE`, 10 MiB) is checked before parsing;
* only ASCII-compatible encodings are read: a UTF-16 or UTF-32 byte order mark, NUL bytes, or
  a declared encoding other than UTF-8, US-ASCII, ISO-8859-n or windows-125n (UTF-7, for
  instance, can spell ``<!DOCTYPE`` without those bytes) are refused (``xml.encoding``), so
  the byte scans below see every markup character as it is;
* any ``<!DOCTYPE`` anywhere in the bytes is refused (``xml.doctype``) before libxml2 reads a
  byte of it: no DTD, no entity declaration, no billion laughs. (A comment or CDATA section that
  merely mentions ``<!DOCTYPE`` is refused too: the safe side of an ambiguity);
* the parser resolves no entities, loads no DTD, uses no network, keeps libxml2's limits (depth
  256, text node size), and has a resolver that answers every external resource with nothing,
  so even a path libxml2 might take to open a file or URL reads nothing;
* comments and processing instructions are dropped while parsing, so text interrupted by one
  (``SEX<!-- x -->OFFENCE``) is read whole;
* XInclude elements are refused (``xml.xinclude``); cjx never processes them;
* schema location hints (``xsi:schemaLocation``) are never followed (see the adapters).

Failures raise :class:`~cjx.errors.ValidationFailed` with ``xml.*`` codes, never an lxml
exception. Messages name positions and markup, never element text.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any, Final

from lxml import etree

from cjx.errors import Issue, Report, ValidationFailed, error, input_name

__all__ = [
    "DEFAULT_MAX_XML_SIZE",
    "XINCLUDE_NS",
    "XSI_NS",
    "parse_xml",
    "element_path",
    "resolve_libxml_path",
    "schema_location_hints",
]

#: Largest XML input accepted, in bytes. Court results are a few KiB; 10 MiB leaves room for the
#: largest real batches while keeping a hostile input from costing more than a fraction of a second.
DEFAULT_MAX_XML_SIZE: Final = 10 * 1024 * 1024

XINCLUDE_NS: Final = "http://www.w3.org/2001/XInclude"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"

#: Encodings in which every markup character is the ASCII byte (so the byte scans are sound).
_ENCODINGS: Final = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "latin1", "latin-1"}
    | {f"iso-8859-{n}" for n in range(1, 17)}
    | {f"iso8859-{n}" for n in range(1, 17)}
    | {f"windows-{n}" for n in range(1250, 1259)}
    | {f"cp{n}" for n in range(1250, 1259)}
)
_DECLARED_ENCODING = re.compile(
    rb"""(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']"""
)
_local = threading.local()


class _NothingResolver(etree.Resolver):
    """Answers every request for an external resource (DTD, entity) with an empty document."""

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        return self.resolve_string("", context)


_NOTHING = _NothingResolver()


def _parser() -> etree.XMLParser:
    """A new hardened parser (see :func:`_thread_parser` for the one :func:`parse_xml` uses)."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    parser.resolvers.add(_NOTHING)
    return parser


def _thread_parser() -> etree.XMLParser:
    """This thread's hardened parser, made by :func:`_parser` and kept while it parses without
    failing: lxml parsers are not thread-safe, so each thread has its own; one that has raised
    is dropped, so no document's parse follows a failed one on the same parser. (A parser made
    per document cost about 5 us of libxml2 set-up on a 7 KB court message.)"""
    factory = _parser  # looked up on each call: a test may replace it
    kept: tuple[Any, etree.XMLParser] | None = getattr(_local, "parser", None)
    if kept is not None and kept[0] is factory:
        return kept[1]
    parser = factory()
    _local.parser = (factory, parser)
    return parser


#: Byte order marks and first bytes of encodings that are not ASCII-compatible.
_NOT_ASCII_COMPATIBLE = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\x4c\x6f\xa7\x94")


_TRUNCATED = frozenset(
    {
        "ERR_TAG_NOT_FINISHED",
        "ERR_LTSLASH_REQUIRED",
        "ERR_GT_REQUIRED",
        "ERR_DOCUMENT_END",
        "ERR_LITERAL_NOT_FINISHED",
        "ERR_ATTRIBUTE_NOT_FINISHED",
        "ERR_COMMENT_NOT_FINISHED",
        "ERR_CDATA_NOT_FINISHED",
        "ERR_PI_NOT_FINISHED",
    }
)


#: What each kind of well-formedness error means, in words of its own: libxml2's texts quote
#: names from the document (``Entity 'JOHNSMITH' not defined``), so a report keeps only the
#: kind and the position.
_SYNTAX_WORDS: Final = {
    "ERR_UNDECLARED_ENTITY": "a reference names an entity that is not declared",
    "WAR_UNDECLARED_ENTITY": "a reference names an entity that is not declared",
    "ERR_ENTITYREF_SEMICOL_MISSING": "an entity reference is not closed by ';'",
    "ERR_TAG_NAME_MISMATCH": "an end tag does not match its start tag",
    "ERR_ATTRIBUTE_REDEFINED": "an attribute appears twice on one element",
    "NS_ERR_UNDEFINED_NAMESPACE": "a namespace prefix is used without being declared",
    "ERR_NAME_REQUIRED": "a name is expected (an element or attribute name)",
    "ERR_INVALID_CHAR": "a character XML does not allow",
    "ERR_LT_IN_ATTRIBUTE": "a '<' inside an attribute value",
    "ERR_ATTRIBUTE_WITHOUT_VALUE": "an attribute without a value",
    "ERR_SPACE_REQUIRED": "white space is required between attributes",
    "ERR_GT_REQUIRED": "a start tag is not closed by '>'",
    "ERR_LTSLASH_REQUIRED": "an element is not closed",
    "ERR_TAG_NOT_FINISHED": "an element is not closed before the document ends",
    "ERR_DOCUMENT_END": "there is content after the root element",
    "ERR_LITERAL_NOT_FINISHED": "a quoted value is not closed",
    "ERR_ATTRIBUTE_NOT_FINISHED": "an attribute value is not closed",
    "ERR_COMMENT_NOT_FINISHED": "a comment is not closed",
    "ERR_CDATA_NOT_FINISHED": "a CDATA section is not closed",
    "ERR_PI_NOT_FINISHED": "a processing instruction is not closed",
    "ERR_RESERVED_XML_NAME": "a processing instruction uses the reserved name 'xml'",
}
_SYNTAX_DEFAULT: Final = "the document is not well-formed XML"


def _syntax_issue(exc: etree.XMLSyntaxError) -> Issue:
    entries = list(exc.error_log)
    last = entries[-1] if entries else None
    # The last error says why parsing stopped; a document cut short stops at its end.
    name = last.type_name if last is not None else ""
    text = str(exc.msg or exc)  # read for its kind only: it quotes names from the document
    where = f" (line {last.line}, column {last.column})" if last is not None else ""
    words = _SYNTAX_WORDS.get(name, _SYNTAX_DEFAULT)
    if last is not None and name in _TRUNCATED:
        return error(
            "xml.truncated",
            "/",
            f"{words}{where}; the document ends before its root element is closed",
        )
    if "Excessive depth" in text:
        code = "xml.too-deep"
        words = "elements are nested more deeply than the limit of 256"
    elif name == "ERR_RESOURCE_LIMIT" or "huge" in text.lower():
        code = "xml.too-large"
        words = "a text or name is longer than the parser's limit"
    elif "ENCODING" in name or "Invalid bytes" in text or "not proper UTF-8" in text:
        code = "xml.encoding"
        words = "bytes that are not valid in the document's encoding"
    elif "Premature end" in text:
        code = "xml.truncated"
        words = "the document ends too early"
    elif name == "ERR_DOCUMENT_EMPTY":
        code = "xml.not-xml"
        words = "the input does not start with an XML element"
        where = ""
    elif "Entity" in text or "entity" in text:
        code = "xml.entity"
    else:
        code = "xml.not-well-formed"
    return error(code, "/", f"{words}{where}; expected a well-formed XML document")


def parse_xml(
    data: bytes, *, source: str = "<input>", max_size: int = DEFAULT_MAX_XML_SIZE
) -> etree._Element:
    """Parse ``data`` with the hardened parser and return the root element.

    Raises :class:`ValidationFailed` (``xml.*`` codes) for anything but a plain, well-formed,
    DTD-free document within ``max_size`` bytes.
    """
    if len(data) > max_size:
        raise ValidationFailed(
            Report(
                source,
                (
                    error(
                        "xml.too-large",
                        "/",
                        f"input is {len(data)} bytes; the limit is {max_size} bytes",
                    ),
                ),
            )
        )
    if not data or data.isspace():
        raise ValidationFailed(Report(source, (error("xml.empty", "/", "input is empty"),)))
    if data.startswith(_NOT_ASCII_COMPATIBLE) or b"\x00" in data:
        issue = error(
            "xml.encoding",
            "/",
            "the input is UTF-16, UTF-32 or binary; expected UTF-8 (or another ASCII-compatible "
            "encoding) without NUL bytes",
        )
        raise ValidationFailed(Report(source, (issue,)))
    if not _encoding_accepted(data):
        issue = error(
            "xml.encoding",
            "/",
            "the declared encoding is not one cjx reads; expected UTF-8, US-ASCII, "
            "ISO-8859-n or windows-125n",
        )
        raise ValidationFailed(Report(source, (issue,)))
    if b"!" in data and b"<!DOCTYPE" in data:  # a one-byte search first: few messages hold "!"
        raise ValidationFailed(Report(source, (_doctype_issue(),)))
    try:
        root = etree.fromstring(data, _thread_parser())
    except etree.XMLSyntaxError as exc:
        _local.parser = None
        raise ValidationFailed(Report(source, (_syntax_issue(exc),))) from exc
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        _local.parser = None
        issue = error("xml.encoding", "/", f"{exc}; expected UTF-8 encoded bytes")
        raise ValidationFailed(Report(source, (issue,))) from exc
    except BaseException:
        _local.parser = None
        raise
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        # Defence in depth: the byte scan above refuses every DOCTYPE before parsing.
        raise ValidationFailed(Report(source, (_doctype_issue(),)))
    # by parsed namespace, not by bytes: a character reference can spell the namespace (and the
    # walk, in C, costs less than a byte search for what could name it)
    includes = list(root.iter(f"{{{XINCLUDE_NS}}}*"))
    if includes:
        path = element_path(includes[0])
        raise ValidationFailed(
            Report(
                source,
                (
                    error(
                        "xml.xinclude",
                        path,
                        "XInclude is not processed; expected the content itself",
                    ),
                ),
            )
        )
    return root


def _encoding_accepted(data: bytes) -> bool:
    """Whether the encoding ``data`` declares, if any, is one cjx reads.

    A declaration ends at the first ``>``, and so does any match of the pattern: the same few
    declarations (``<?xml version="1.0" encoding="UTF-8"?>``) are read once each."""
    end = data.find(b">", 0, 1024)
    if end < 0 or not data.startswith(b"<?xml"):
        return _declaration_accepted.__wrapped__(data)
    return _declaration_accepted(data[: end + 1])


@lru_cache(maxsize=64)
def _declaration_accepted(head: bytes) -> bool:
    declared = _DECLARED_ENCODING.match(head)
    return not declared or declared.group(1).decode("ascii").lower() in _ENCODINGS


def _doctype_issue() -> Issue:
    return error(
        "xml.doctype",
        "/",
        "document type declarations (DTDs, entities) are not accepted; "
        "expected a document without <!DOCTYPE>",
    )


def schema_location_hints(
    root: etree._Element, *, data: bytes | None = None
) -> list[tuple[str, str]]:
    """Every ``xsi:schemaLocation`` / ``xsi:noNamespaceSchemaLocation`` as (XPath, value).

    With the document's ``data``, the common case (hints only on the root element, or none at
    all) is answered from the root's attributes and a byte count, without walking the tree.
    """
    if data is not None:
        mentions = data.count(b"chemaLocation")
        if not mentions:  # an attribute's name is never a reference: no hint at all
            return []
        on_root = [
            (f"/{etree.QName(root).localname}/@xsi:{attr}", value)
            for attr in ("schemaLocation", "noNamespaceSchemaLocation")
            if (value := root.get(f"{{{XSI_NS}}}{attr}")) is not None
        ]
        if mentions <= len(on_root):
            return on_root
    found: list[tuple[str, str]] = []
    xpaths = getattr(_local, "hint_xpaths", None)
    if xpaths is None:
        # compiled XPath evaluators are not thread-safe: one set per thread
        xpaths = _local.hint_xpaths = tuple(
            (attr, etree.XPath(f"//@xsi:{attr}", namespaces=_XSI))
            for attr in ("schemaLocation", "noNamespaceSchemaLocation")
        )
    for attr, xpath in xpaths:
        # the attribute axis is walked by libxml2 about 4 times faster than //*[@...]
        values = xpath(root)
        assert isinstance(values, list)
        for value in values:
            element = value.getparent()
            found.append((f"{element_path(element)}/@xsi:{attr}", str(value)))
    return found


_XSI: Final = {"xsi": XSI_NS}


#: Documents whose path index a thread keeps (an embedded RouteData document and its envelope).
_INDEXED_DOCUMENTS: Final = 2


class _Children:
    """The element children of one parent, read once: what a path needs to know about each."""

    __slots__ = ("by_name", "elements", "step")

    def __init__(self, parent: etree._Element) -> None:
        self.elements: list[etree._Element] = []
        by_tag: dict[str, list[etree._Element]] = {}
        #: libxml2 names a child by (prefix, local name), or ``*`` in a default namespace
        self.by_name: dict[tuple[str | None, str], list[etree._Element]] = {}
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str):
                continue  # comments and processing instructions (the parser drops both)
            self.elements.append(child)
            by_tag.setdefault(tag, []).append(child)
            namespace, _, local = tag.rpartition("}")
            # a default-namespace child is never named (libxml2 writes ``*``): keep it apart
            # from a child in no namespace, which libxml2 names without a prefix
            prefix = child.prefix if child.prefix is not None or not namespace else "*"
            self.by_name.setdefault((prefix, local), []).append(child)
        self.step: dict[etree._Element, str] = {}
        for tag, same in by_tag.items():
            local = input_name(tag.rpartition("}")[2])
            if len(same) == 1:
                self.step[same[0]] = local
            else:
                for n, child in enumerate(same, start=1):
                    self.step[child] = f"{local}[{n}]"


class _PathIndex:
    """Every parent's children, indexed the first time a path passes through it.

    A path is then as long to build as the element is deep: reporting one issue under each of
    100,000 siblings reads those siblings once, not once per issue (the review found 24 s for
    8,000 identifier issues under one parent). The index assumes the tree does not change while
    it is used: cjx reports on parsed documents, which it never changes.
    """

    __slots__ = ("parents", "root")

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.parents: dict[etree._Element, _Children] = {}

    def children(self, parent: etree._Element, *, fresh: bool = False) -> _Children:
        kids = None if fresh else self.parents.get(parent)
        if kids is None:
            kids = self.parents[parent] = _Children(parent)
        return kids

    def step(self, parent: etree._Element, element: etree._Element) -> str:
        kids = self.children(parent)
        found = kids.step.get(element)
        if found is None:  # a child the index has not seen: read the parent again
            found = self.children(parent, fresh=True).step[element]
        return found


def _path_index(element: etree._Element) -> _PathIndex:
    """This thread's index of ``element``'s document (built on first use, kept for a few)."""
    root = element.getroottree().getroot()
    indexes: list[_PathIndex] | None = getattr(_local, "path_indexes", None)
    if indexes is None:
        indexes = _local.path_indexes = []
    for n, index in enumerate(indexes):
        if index.root is root:
            if n:
                indexes.insert(0, indexes.pop(n))
            return index
    index = _PathIndex(root)
    indexes.insert(0, index)
    del indexes[_INDEXED_DOCUMENTS:]
    return index


def element_path(element: etree._Element) -> str:
    """A readable XPath of ``element``: local names, ``[n]`` where a name repeats.

    ``/DeliverRequest/Message/ResultedCaseMessage/Session/Case/Defendant/Offence[2]/Plea``

    A name no shipped schema declares came from the sender alone and is masked
    (:func:`cjx.errors.input_name`).

    It takes time proportional to the element's depth: each parent's children are read once
    per document (see :class:`_PathIndex`), however many paths pass through it.
    """
    index = _path_index(element)
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        tag = node.tag
        if not isinstance(tag, str):
            parts.append("node()")
        elif parent is None:
            parts.append(input_name(tag.rpartition("}")[2]))
        else:
            parts.append(index.step(parent, node))
        node = parent
    return "/" + "/".join(reversed(parts))


_LIBXML_STEP = re.compile(r"(?:(?P<prefix>[^:\[\]/]+):)?(?P<name>[^:\[\]/]+)(?:\[(?P<n>[0-9]+)\])?")


def resolve_libxml_path(root: etree._Element, path: str) -> etree._Element | None:
    """The element a libxml2 error path names (``/p:A/p:B[3]/*[2]``), or ``None``.

    libxml2 writes a step as ``prefix:name``, or ``*`` for an element in a default namespace,
    with ``[n]`` counting the siblings of that name (of any name for ``*``). Walking the steps
    with the same index :func:`element_path` uses costs time proportional to the depth, where
    evaluating the path as XPath reads every sibling at every step. An attribute or text step
    ends the walk at its element.
    """
    steps = path.split("/")
    if len(steps) < 2 or steps[0]:
        return None
    index = _path_index(root)
    node: etree._Element | None = None
    for step in steps[1:]:
        if step.startswith("@") or step.endswith(")"):
            break  # an attribute, text(), comment() or node(): its element is the answer
        match = _LIBXML_STEP.fullmatch(step)
        if match is None:
            return None
        prefix, name = match["prefix"], match["name"]
        position = int(match["n"] or 1)
        if node is None:  # the root step
            if name != "*" and name != etree.QName(root).localname:
                return None
            node = root
            continue
        kids = index.children(node)
        candidates = kids.elements if name == "*" else kids.by_name.get((prefix, name), [])
        if not 1 <= position <= len(candidates):
            return None
        node = candidates[position - 1]
    return node


_START_TAG = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>")
_XMLNS = re.compile(rb"""xmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def peek_root(data: bytes, *, limit: int = 8192) -> tuple[str, str] | None:
    """The root element's (namespace, local name), read cheaply from the first bytes.

    For recognising a format by content (``cjx validate``), not for trusting it: the document
    is parsed and validated properly afterwards. Skips the declaration, comments and processing
    instructions; ``None`` when no start tag is found in the first ``limit`` bytes.
    """
    head = data[:limit]
    position = 0
    while True:
        start = head.find(b"<", position)
        if start < 0:
            return None
        if head.startswith(b"<?", start):
            position = head.find(b"?>", start)
        elif head.startswith(b"<!--", start):
            position = head.find(b"-->", start)
        elif head.startswith(b"<!", start):
            position = head.find(b">", start)
        else:
            match = _START_TAG.match(head, start)
            if match is None:
                return None
            prefix = (match.group(1) or b"")[:-1]
            namespace = ""
            for declared in _XMLNS.finditer(match.group(3)):
                if (declared.group(1) or b"") == prefix:
                    namespace = (declared.group(2) or declared.group(3) or b"").decode(
                        "utf-8", "replace"
                    )
            return namespace, match.group(2).decode("ascii")
        if position < 0:
            return None
        position += 1
