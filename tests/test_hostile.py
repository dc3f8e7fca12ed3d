"""Hostile input (issue 2, section 7; DESIGN.md section 9).

Each input is refused with exit status 1 and a clear ``xml.*`` issue, with no traceback, no
local file read and no network fetch. A listening socket on loopback catches any attempted
fetch; a secret file catches any local read. Every command also runs under a hang guard
(a subprocess timeout), which is not a timing assertion.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cjx.adapter import get_adapter
from cjx.codec import DEFAULT_MAX_XML_SIZE, parse_xml
from cjx.errors import ValidationFailed

DELIVER = "http://schemas.cjse.gov.uk/messages/deliver/2006-05"
SECRET = "cjx-secret-do-not-read-7f3a"
HANG_GUARD_SECONDS = 120


class Listener:
    """A TCP server on loopback that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def hostile_inputs(port: int, secret: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, the expected issue code)."""
    url = f"http://127.0.0.1:{port}"
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return {
        "billion-laughs": (
            (
                '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">' + laughs + "]>"
                f'<DeliverRequest xmlns="{DELIVER}">&l9;</DeliverRequest>'
            ).encode(),
            "xml.doctype",
        ),
        "external-entity-file": (
            (
                f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
                f'<DeliverRequest xmlns="{DELIVER}">&x;</DeliverRequest>'
            ).encode(),
            "xml.doctype",
        ),
        "external-entity-http": (
            (
                f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "{url}/x">]>'
                f'<DeliverRequest xmlns="{DELIVER}">&x;</DeliverRequest>'
            ).encode(),
            "xml.doctype",
        ),
        "external-dtd": (
            (
                f'<?xml version="1.0"?><!DOCTYPE DeliverRequest SYSTEM "{url}/d.dtd">'
                f'<DeliverRequest xmlns="{DELIVER}"/>'
            ).encode(),
            "xml.doctype",
        ),
        "parameter-entity": (
            (
                f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>'
                f'<DeliverRequest xmlns="{DELIVER}"/>'
            ).encode(),
            "xml.doctype",
        ),
        "xinclude": (
            (
                f'<DeliverRequest xmlns="{DELIVER}" xmlns:xi="http://www.w3.org/2001/XInclude">'
                f'<xi:include href="file://{secret}" parse="text"/>'
                f'<xi:include href="{url}/inc.xml"/></DeliverRequest>'
            ).encode(),
            "xml.xinclude",
        ),
        "schema-location-elsewhere": (
            (
                f'<DeliverRequest xmlns="{DELIVER}" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:schemaLocation="{DELIVER} {url}/evil.xsd"/>'
            ).encode(),
            "xml.schema-location",
        ),
        "deep-nesting": (
            f'<DeliverRequest xmlns="{DELIVER}">'.encode()
            + b"<a>" * 5000
            + b"</a>" * 5000
            + b"</DeliverRequest>",
            "xml.too-deep",
        ),
        "over-size-limit": (
            f'<DeliverRequest xmlns="{DELIVER}"><!--'.encode()
            + b"x" * (DEFAULT_MAX_XML_SIZE + 1)
            + b"--></DeliverRequest>",
            "xml.too-large",
        ),
        "invalid-utf8": (
            f'<?xml version="1.0" encoding="UTF-8"?><DeliverRequest xmlns="{DELIVER}">'.encode()
            + b"\xc3\x28\xff"
            + b"</DeliverRequest>",
            "xml.encoding",
        ),
        "empty": (b"", "xml.empty"),
        "truncated": (
            f'<?xml version="1.0"?><DeliverRequest xmlns="{DELIVER}"><msg:Mess'.encode(),
            "xml.truncated",
        ),
        "binary-garbage": (bytes(range(256)) * 4, "xml.encoding"),
        "text-garbage": (b"\x01\x02 not xml at all \xfe", "xml.not-xml"),
        "doctype-after-tag-like-comment": (
            (
                f'<?xml version="1.0"?><!-- <x> --><!DOCTYPE d SYSTEM "file://{secret}">'
                f'<DeliverRequest xmlns="{DELIVER}">&x;</DeliverRequest>'
            ).encode(),
            "xml.doctype",
        ),
        "doctype-after-tag-like-pi": (
            (
                f'<?xml version="1.0"?><?pi <b?><!DOCTYPE d SYSTEM "{url}/d.dtd">'
                f'<DeliverRequest xmlns="{DELIVER}">&x;</DeliverRequest>'
            ).encode(),
            "xml.doctype",
        ),
        "utf16-with-doctype": (
            (
                f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d SYSTEM "file://{secret}">'
                f'<DeliverRequest xmlns="{DELIVER}">&x;</DeliverRequest>'
            ).encode("utf-16"),
            "xml.encoding",
        ),
        "utf7-with-doctype": (
            (
                '<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE d +AFs-+ADw-!ENTITY x '
                f"SYSTEM +ACI-file://{secret}+ACI-+AD4-+AF0-+AD4-"
                f'<DeliverRequest xmlns="{DELIVER}">&x;</DeliverRequest>'
            ).encode(),
            "xml.encoding",
        ),
        "xinclude-namespace-by-character-reference": (
            (
                f'<DeliverRequest xmlns="{DELIVER}" '
                'xmlns:xi="http://www.w3.org/2001/XInclud&#x65;">'
                f'<xi:include href="file://{secret}" parse="text"/></DeliverRequest>'
            ).encode(),
            "xml.xinclude",
        ),
        "schema-location-absolute-path": (
            (
                f'<DeliverRequest xmlns="{DELIVER}" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:schemaLocation="{DELIVER} /etc/evil.xsd"/>'
            ).encode(),
            "xml.schema-location",
        ),
        "undeclared-entity": (
            f'<DeliverRequest xmlns="{DELIVER}">&x;</DeliverRequest>'.encode(),
            "xml.entity",
        ),
        "no-namespace-schema-location": (
            (
                f'<DeliverRequest xmlns="{DELIVER}" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:noNamespaceSchemaLocation="{url}/evil.xsd"/>'
            ).encode(),
            "xml.schema-location",
        ),
    }


NAMES = list(hostile_inputs(1, Path("/x")))


@pytest.mark.parametrize("name", NAMES)
def test_library_refuses_hostile_input(name: str, listener: Listener, secret_file: Path) -> None:
    """The libra-spi adapter raises ValidationFailed with the expected code, fetching nothing."""
    data, code = hostile_inputs(listener.port, secret_file)[name]
    with pytest.raises(ValidationFailed) as caught:
        get_adapter("libra-spi").translate(data, source=name)
    report = caught.value.report
    assert code in report.codes
    assert not report.ok
    for issue in report.issues:
        assert SECRET not in issue.message
        assert issue.message
    assert listener.connections == 0


@pytest.mark.parametrize("name", NAMES)
def test_cli_refuses_hostile_input(
    name: str, listener: Listener, secret_file: Path, tmp_path: Path
) -> None:
    """`cjx translate` and `cjx validate` exit 1 with a clear issue and no traceback (a file
    over every format's limit is refused before it is read: ``input.too-large``)."""
    data, code = hostile_inputs(listener.port, secret_file)[name]
    code = "input.too-large" if code == "xml.too-large" else code
    path = tmp_path / f"{name}.xml"
    path.write_bytes(data)
    report = tmp_path / "report.json"
    translate = subprocess.run(
        [
            sys.executable,
            "-m",
            "cjx",
            "translate",
            "--from",
            "libra-spi",
            "--to",
            "canonical-json",
            "--report",
            str(report),
            str(path),
        ],
        capture_output=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )
    assert translate.returncode == 1, translate.stderr
    assert b"Traceback" not in translate.stderr
    assert translate.stdout == b""
    assert SECRET.encode() not in translate.stderr
    (entry,) = json.loads(report.read_text())["inputs"]
    assert entry["status"] == "rejected"
    assert code in {i["code"] for i in entry["issues"]}

    validate = subprocess.run(
        [sys.executable, "-m", "cjx", "validate", "--format", "json", str(path)],
        capture_output=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )
    assert validate.returncode == 1, validate.stderr
    assert b"Traceback" not in validate.stderr
    assert SECRET.encode() not in validate.stdout
    (entry,) = json.loads(validate.stdout)["inputs"]
    assert entry["status"] == "rejected"
    # Sniffing by content: empty input and garbage match no format; the rest are named.
    expected = {
        "empty": "input.empty",
        "binary-garbage": "format.unknown",
        "text-garbage": "format.unknown",
    }.get(name, code)
    assert expected in {i["code"] for i in entry["issues"]}
    assert listener.connections == 0


def test_embedded_route_data_payload_gets_the_same_parser(listener: Listener) -> None:
    """A DTD smuggled inside RouteData's escaped DataStreamContent is refused too."""
    inner = (
        f'<!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:{listener.port}/x">]>'
        '<DC:ResultedCaseMessage xmlns:DC="http://www.dca.gov.uk/xmlschemas/libra">&x;'
        "</DC:ResultedCaseMessage>"
    )
    escaped = inner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    route = (
        '<RouteData xmlns="http://schemas.cjse.gov.uk/common/operations">'
        "<RequestFromSystem><CorrelationID>c</CorrelationID></RequestFromSystem>"
        f"<DataStream><DataStreamContent>{escaped}</DataStreamContent></DataStream>"
        "</RouteData>"
    ).encode()
    with pytest.raises(ValidationFailed) as caught:
        get_adapter("libra-spi").translate(route)
    assert "xml.doctype" in caught.value.report.codes
    assert listener.connections == 0


def test_size_limit_is_configurable() -> None:
    """The limit is a parameter: a small one refuses a document a default one accepts."""
    doc = b"<a>" + b"x" * 100 + b"</a>"
    assert parse_xml(doc).tag == "a"
    with pytest.raises(ValidationFailed) as caught:
        parse_xml(doc, max_size=50)
    assert caught.value.report.codes == ("xml.too-large",)


def test_relative_schema_location_in_real_messages_is_ignored_not_fetched() -> None:
    """Real Libra messages carry a local-path schemaLocation: reported as information only."""
    sample = (
        Path(__file__).parents[1]
        / "adapters/cjx_libra_spi/tests/fixtures/samples/core-input-message-001.xml"
    ).read_bytes()
    report = get_adapter("libra-spi").validate(sample)
    assert report.ok
    assert "xml.schema-location-ignored" in report.codes


def test_the_parser_itself_opens_no_external_resource(tmp_path: Path) -> None:
    """Defence in depth: even handed a DTD (which parse_xml refuses first), the parser's
    resolver answers every external resource with nothing. A FIFO as the DTD would block a
    parser that opened it; the subprocess's hang guard turns that into a failure."""
    fifo = tmp_path / "dtd.fifo"
    os.mkfifo(fifo)
    script = (
        "from lxml import etree; from cjx.codec._xmlparse import _parser;"
        f"doc = b'<!DOCTYPE r SYSTEM \"file://{fifo}\"><r>&x;</r>';"
        "r = None\n"
        "try:\n    r = etree.fromstring(doc, _parser())\n"
        "except etree.XMLSyntaxError:\n    pass\n"
        "print('done')"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=False
    )
    assert done.stdout.strip() == b"done", done.stderr


def test_comments_inside_text_do_not_cut_values_short() -> None:
    """Text interrupted by a comment or processing instruction is read whole."""
    root = parse_xml(b"<a><b>SEX<!-- x -->OFFENCE</b><c><!-- c -->Travel<?pi x?> more</c></a>")
    assert [child.text for child in root] == ["SEXOFFENCE", "Travel more"]


def test_a_thread_s_parser_is_kept_while_it_succeeds_and_replaced_after_a_failure() -> None:
    """One hardened parser per thread (DESIGN.md): the same one for documents that parse, a new
    one after any document it fails on, and each thread its own."""
    from cjx.codec import _xmlparse

    parse_xml(b"<a/>")
    first = _xmlparse._local.parser[1]
    parse_xml(b"<b><c/></b>")
    assert _xmlparse._local.parser[1] is first
    with pytest.raises(ValidationFailed):
        parse_xml(b"<a><b></a>")
    parse_xml(b"<a/>")
    assert _xmlparse._local.parser[1] is not first
    elsewhere: list[object] = []
    thread = threading.Thread(
        target=lambda: (parse_xml(b"<a/>"), elsewhere.append(_xmlparse._local.parser[1]))
    )
    thread.start()
    thread.join(HANG_GUARD_SECONDS)
    assert elsewhere
    assert elsewhere[0] is not _xmlparse._local.parser[1]


def test_each_failure_is_reported_as_its_own_document_s() -> None:
    """Documents that parse (one with a libxml2 warning) and documents that fail, in turn on one
    thread: each failure names its own kind of error, not an earlier document's."""
    warned = b'<a xmlns="not-absolute"><b/></a>'  # a relative namespace URI: a warning
    cases = [
        (b"<a><b></a>", "xml.not-well-formed"),
        (b"<a>&undeclared;</a>", "xml.entity"),
        (b"<a><b>", "xml.truncated"),
    ]
    for bad, code in cases + cases[::-1]:
        parse_xml(warned)
        with pytest.raises(ValidationFailed) as caught:
            parse_xml(bad)
        assert caught.value.report.codes == (code,)
