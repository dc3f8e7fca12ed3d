"""The one hardened XML parser (DESIGN.md section 9).

Every XML input cjx reads, including payloads embedded as escaped text (RouteData), goes through
:func:`parse_xml`. It keeps these rules:

* the size limit (:data:`DEFAULT_MAX_XML_SIZE`, 10 MiB) is checked before parsing;
* entities are never resolved, DTDs never loaded, the network never used, libxml2's "huge tree"
  limits stay on (depth 256, text node size), and any DOCTYPE is rejected, so billion-laughs and
  external entities (file or http) cannot expand or fetch anything;
* XInclude elements are rejected (cjx never processes them);
* schema location hints (``xsi:schemaLocation``) are never followed.

Failures raise :class:`~cjx.errors.ValidationFailed` with ``xml.*`` codes, never an lxml
exception; libxml2's messages name positions and tags, never text content.
"""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

from cjx.errors import Issue, Report, ValidationFailed, error

__all__ = [
    "DEFAULT_MAX_XML_SIZE",
    "XINCLUDE_NS",
    "XSI_NS",
    "parse_xml",
    "schema_location_hints",
]

#: Largest XML input accepted, in bytes. Court results are a few KiB; 10 MiB leaves room for the
#: largest real batches while keeping a hostile input from costing more than a fraction of a second.
DEFAULT_MAX_XML_SIZE: Final = 10 * 1024 * 1024

XINCLUDE_NS: Final = "http://www.w3.org/2001/XInclude"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"

_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _parser() -> etree.XMLParser:
    # A fresh parser per document (under a microsecond): lxml parsers are not thread-safe, and a
    # reused parser's error log carries earlier documents' errors.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
        collect_ids=False,
    )


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


def _syntax_issue(exc: etree.XMLSyntaxError) -> Issue:
    entries = list(exc.error_log)
    last = entries[-1] if entries else None
    # The last error says why parsing stopped; a document cut short stops at its end.
    name = last.type_name if last is not None else ""
    text = str(exc.msg or exc).split(" (<string>")[0]
    if last is not None and name in _TRUNCATED:
        return error(
            "xml.truncated",
            "/",
            f"{last.message} (line {last.line}, column {last.column}); "
            "the document ends before its root element is closed",
        )
    if "Excessive depth" in text:
        code = "xml.too-deep"
        text = "elements are nested more deeply than the limit of 256"
    elif name == "ERR_RESOURCE_LIMIT" or "huge" in text.lower():
        code = "xml.too-large"
    elif "ENCODING" in name or "Invalid bytes" in text or "not proper UTF-8" in text:
        code = "xml.encoding"
    elif "Premature end" in text:
        code = "xml.truncated"
    elif name == "ERR_DOCUMENT_EMPTY":
        code = "xml.not-xml"
        text = "the input does not start with an XML element"
    elif "Entity" in text or "entity" in text:
        code = "xml.entity"
    else:
        code = "xml.not-well-formed"
    return error(code, "/", f"{text}; expected a well-formed XML document")


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
    if not data.strip():
        raise ValidationFailed(Report(source, (error("xml.empty", "/", "input is empty"),)))
    # A DOCTYPE is refused before libxml2 sees its internal subset at all.
    root_start = _ROOT_START.search(data)
    prolog = data[: root_start.start()] if root_start else data
    if b"<!DOCTYPE" in prolog.upper():
        raise ValidationFailed(Report(source, (_doctype_issue(),)))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed(Report(source, (_syntax_issue(exc),))) from exc
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        issue = error("xml.encoding", "/", f"{exc}; expected UTF-8 encoded bytes")
        raise ValidationFailed(Report(source, (issue,))) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        # Reached only by encodings where the byte scan above cannot see "<!DOCTYPE".
        raise ValidationFailed(Report(source, (_doctype_issue(),)))
    includes = list(root.iter(f"{{{XINCLUDE_NS}}}*"))
    if includes:
        path = tree.getpath(includes[0])
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


def _doctype_issue() -> Issue:
    return error(
        "xml.doctype",
        "/",
        "document type declarations (DTDs, entities) are not accepted; "
        "expected a document without <!DOCTYPE>",
    )


def schema_location_hints(root: etree._Element) -> list[tuple[str, str]]:
    """Every ``xsi:schemaLocation`` / ``xsi:noNamespaceSchemaLocation`` as (XPath, value)."""
    found: list[tuple[str, str]] = []
    tree = root.getroottree()
    for attr, xpath in _HINT_XPATHS:
        # the attribute axis is walked by libxml2 about 4 times faster than //*[@...]
        for value in xpath(root):
            element = value.getparent()
            found.append((f"{tree.getpath(element)}/@xsi:{attr}", str(value)))
    return found


_HINT_XPATHS: Final = tuple(
    (attr, etree.XPath(f"//@xsi:{attr}", namespaces={"xsi": XSI_NS}))
    for attr in ("schemaLocation", "noNamespaceSchemaLocation")
)
