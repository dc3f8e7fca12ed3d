"""The exception tree and the validation report.

Every failure cjx raises is a :class:`CjxError`::

    CjxError
    ├── ValidationFailed (also ValueError)   the input is bad; carries a Report
    ├── UnknownFormat (also LookupError)     no adapter or codec for that format name
    ├── UnknownMessageType (also LookupError) no body type for that message type
    ├── ConfigurationError (also ValueError)  the caller misused cjx
    ├── TransportError (also ConnectionError) broker trouble; retryable
    └── TransientError                         a temporary failure of a step; retried later
        └── IdentityUnresolved                 a link the person index does not have (yet)

"The input is bad" (:class:`ValidationFailed`) is kept apart from "you called cjx wrongly"
(:class:`ConfigurationError`), as h11 keeps ``RemoteProtocolError`` apart from
``LocalProtocolError``. Foreign exceptions (lxml, xmlschema, pydantic) are translated at one
boundary each and chained with ``from``.

A :class:`Report` is an ordered list of :class:`Issue` values. An issue names the rule that was
broken (a stable dotted ``code`` such as ``asn.check-character``), where (``path``: an XPath for
XML, a JSON pointer for JSON), and what was expected (``message``). Messages never contain the
offending personal data; identifiers may appear only masked (see :func:`mask`).

**A report is bounded.** It lists at most :data:`MAX_ISSUES` issues; whatever is found beyond
that is counted in one last issue, ``report.truncated`` (see :func:`more_issues`). The cap is
kept here, in :class:`Report` itself, so no path can build an unbounded report; the checkers
that produce issues (the schema validators, the model) also stop early once a report would be
full, so a hostile input cannot make cjx *find* a million issues either.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from cjx._resources import added_schema_names, schema_names
from cjx._text import printable, shown_name

__all__ = [
    "MAX_ISSUES",
    "TRUNCATED",
    "CjxError",
    "ConfigurationError",
    "IdentityUnresolved",
    "Issue",
    "Report",
    "Severity",
    "TransientError",
    "TransportError",
    "UnknownFormat",
    "UnknownMessageType",
    "ValidationFailed",
    "error",
    "information",
    "input_name",
    "mask",
    "more_issues",
    "warning",
]

#: The most issues one report lists. A hostile input can break one rule hundreds of thousands of
#: times (300,000 empty list items fit in 900 KB of JSON), and listing every one cost 20 s and
#: 2.3 GB. A thousand is far more than anyone reads; the rest are counted in one last issue.
MAX_ISSUES: Final = 1000
#: The code of that last issue: how many more issues there were (or that checking stopped).
TRUNCATED: Final = "report.truncated"


class Severity(enum.StrEnum):
    """How much an issue matters. Only ``ERROR`` makes an input invalid."""

    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding about one input. Frozen; do not subclass."""

    severity: Severity
    code: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "path": self.path,
            "message": self.message,
        }


def error(code: str, path: str, message: str) -> Issue:
    """An issue that rejects the input: ``code`` a stable dotted rule name (``noms.format``),
    ``path`` an XPath or JSON pointer into the input, ``message`` what was expected, never the
    value found (:func:`mask` an identifier if one must be named)."""
    return Issue(Severity.ERROR, code, path, message)


def information(code: str, path: str, message: str) -> Issue:
    """An issue worth knowing that does not reject (a normalised identifier, say)."""
    return Issue(Severity.INFORMATION, code, path, message)


def warning(code: str, path: str, message: str) -> Issue:
    """An issue that does not reject but should be looked at (an unknown code kept as it is)."""
    return Issue(Severity.WARNING, code, path, message)


_RANK = {Severity.INFORMATION: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def more_issues(count: int | None, severity: Severity = Severity.ERROR, *, also: int = 0) -> Issue:
    """The last issue of a full report: ``count`` more issues were found and are not listed.

    ``None`` means the checker stopped looking once the report was full, so how many more there
    are is unknown (``also`` counts those other checks found). The counts lead their phrases
    (``1,234 more issue(s)``, ``and 56 more``); :class:`Report` reads them back when it merges
    several such issues into one.
    """
    if count is None:
        text = f"more issues not listed: checking stopped once {MAX_ISSUES:,} had been found"
        if also:
            text += f" (and {also:,} more from other checks)"
    else:
        text = f"{count:,} more issue(s) not listed; a report lists at most {MAX_ISSUES:,}"
    return Issue(severity, TRUNCATED, "", text)


_COUNT = re.compile(r"^([0-9][0-9,]*) more|\(and ([0-9][0-9,]*) more")


def _omitted(issue: Issue) -> tuple[int, bool]:
    """(how many issues ``issue`` stands for, whether checking stopped) for a summary issue."""
    match = _COUNT.search(issue.message)
    if match is None:
        return 0, True
    exact, also = match.groups()
    return int((exact or also).replace(",", "")), exact is None


def _bounded(issues: tuple[Issue, ...]) -> tuple[Issue, ...]:
    """At most MAX_ISSUES issues, then one ``report.truncated`` issue for all the rest."""
    if len(issues) <= MAX_ISSUES and all(i.code != TRUNCATED for i in issues[:-1]):
        return issues  # nothing to cut, and at most one summary, already at the end
    listed: list[Issue] = []
    omitted = 0
    stopped = False
    worst = Severity.INFORMATION
    for issue in issues:
        if issue.code == TRUNCATED:
            count, unknown = _omitted(issue)
            omitted += count
            stopped = stopped or unknown
        elif len(listed) < MAX_ISSUES:
            listed.append(issue)
            continue
        else:
            omitted += 1
        if _RANK[issue.severity] > _RANK[worst]:
            worst = issue.severity
    if not omitted and not stopped:
        return tuple(listed)
    if stopped:
        return (*listed, more_issues(None, worst, also=omitted))
    return (*listed, more_issues(omitted, worst))


@dataclass(frozen=True, slots=True)
class Report:
    """All issues found in one input, in the order they were found; at most
    :data:`MAX_ISSUES` of them, then one ``report.truncated`` issue counting the rest.

    ``source`` names the input (a file name, ``<stdin>`` or a message id), never its content.
    """

    source: str
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        bounded = _bounded(tuple(self.issues))
        if bounded is not self.issues:
            object.__setattr__(self, "issues", bounded)

    @property
    def ok(self) -> bool:
        """True when no issue is an error (information and warnings do not reject)."""
        return not any(i.severity is Severity.ERROR for i in self.issues)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.issues)

    @property
    def omitted(self) -> tuple[int, bool]:
        """(issues found but not listed, whether checking stopped before finding them all),
        as the last ``report.truncated`` issue says; ``(0, False)`` for a complete report."""
        if self.issues and self.issues[-1].code == TRUNCATED:
            return _omitted(self.issues[-1])
        return 0, False

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    def extended(self, issues: Iterable[Issue]) -> Report:
        return Report(self.source, self.issues + tuple(issues))

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.source,
            "status": "ok" if self.ok else "rejected",
            "issues": [i.as_dict() for i in self.issues],
        }

    def to_text(self) -> str:
        """One line per issue, for a terminal: the source name, paths and messages are escaped
        (a file name or an element name may hold control characters)."""
        head = f"{printable(self.source)}: {'valid' if self.ok else 'INVALID'}"
        lines = [head]
        lines.extend(
            f"  {i.severity.value:<11} {i.code:<32} {printable(i.path or '/')}  "
            f"{printable(i.message)}"
            for i in self.issues
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)


def reports_to_junit(reports: Iterable[Report], *, suite: str = "cjx.validate") -> str:
    """Render reports as one JUnit XML test suite: one test case an input, errors as failures."""
    # here, not at the top: xml.sax.saxutils loads urllib.request and http.client (20 ms of
    # every command's start) for two functions only this writer uses
    from xml.sax.saxutils import escape, quoteattr  # noqa: PLC0415

    cases: list[str] = []
    total = failures = 0
    for report in reports:
        total += 1
        name = quoteattr(printable(report.source))
        if report.ok:
            cases.append(f"  <testcase classname={quoteattr(suite)} name={name}/>")
            continue
        failures += 1
        body = "\n".join(
            f"{i.severity.value} {i.code} at {printable(i.path or '/')}: {printable(i.message)}"
            for i in report.issues
        )
        first = report.errors[0]
        cases.append(
            f"  <testcase classname={quoteattr(suite)} name={name}>\n"
            f"    <failure type={quoteattr(first.code)} "
            f"message={quoteattr(printable(first.message))}>"
            f"{escape(body)}</failure>\n  </testcase>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name={quoteattr(suite)} tests="{total}" failures="{failures}" '
        'errors="0" skipped="0">\n' + "\n".join(cases) + "\n</testsuite>\n"
    )


def mask(value: str, *, keep: int = 2) -> str:
    """Mask an identifier for messages and logs: ``1101ZD0100000448754K`` keeps ``11`` and ``4K``.

    Only the first and last ``keep`` characters survive; short values are masked entirely.
    """
    if len(value) <= keep * 2 + 1:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - keep * 2) + value[-keep:]


#: Names the XML Schema instance namespace gives every document.
_XSI_NAMES = frozenset({"schemaLocation", "noNamespaceSchemaLocation", "type", "nil"})


def input_name(name: str) -> str:
    """A name copied from an input (an element, attribute or JSON key) as a report shows it.

    A name the shipped schemas declare is schema vocabulary and shown as it is. Any other name
    came only from the sender, who may have keyed a map by a person's number or written a name
    as an element: it is masked like an identifier (:func:`mask`). Either way it is capped and
    escaped (:func:`cjx._text.shown_name`).
    """
    if name in _XSI_NAMES or name in schema_names() or name in added_schema_names():
        return shown_name(name)
    return shown_name(mask(name))


class CjxError(Exception):
    """Root of every exception cjx raises on purpose."""


class ValidationFailed(CjxError, ValueError):
    """The input is invalid. ``report`` lists every issue found, not only the first."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(_summary(report, "invalid"))


def _summary(report: Report, fallback: str) -> str:
    """``source: code at path: message (and N more)``, from the report's first error."""
    first = report.errors[0] if report.errors else None
    summary = f"{first.code} at {first.path or '/'}: {first.message}" if first else fallback
    more = len(report.errors) - 1
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"{report.source}: {summary}{suffix}"


class UnknownFormat(CjxError, LookupError):
    """No adapter or codec is registered under that format name."""


class UnknownMessageType(CjxError, LookupError):
    """No canonical body type exists for that message type."""


class ConfigurationError(CjxError, ValueError):
    """cjx was called or configured wrongly (a bug in the caller, not in the input)."""


class TransportError(CjxError, ConnectionError):
    """The broker could not be reached or refused an operation. Retrying may help."""


class TransientError(CjxError):
    """A step failed for a reason that may clear (a lookup service down, a lock held).

    A service retries the input through its wait queues with backoff, then dead-letters it.
    The message must not contain personal data: it goes into the dead letter's report.
    """


class IdentityUnresolved(TransientError):
    """A rule needs a link the person index does not have (yet): ``identity.unresolved``.

    Prison and probation messages arrive in any order, so a missing link is expected to come:
    a service retries the input (it is a :class:`TransientError`) and, past its deadline,
    dead-letters it with ``report``, whose one error is ``identity.unresolved`` at the path of
    the identifier in the input, naming that identifier masked (``booking:12***35``).
    """

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(_summary(report, "unresolved"))
