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
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = [
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
    "mask",
]


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
    return Issue(Severity.ERROR, code, path, message)


def information(code: str, path: str, message: str) -> Issue:
    return Issue(Severity.INFORMATION, code, path, message)


def warning(code: str, path: str, message: str) -> Issue:
    return Issue(Severity.WARNING, code, path, message)


@dataclass(frozen=True, slots=True)
class Report:
    """All issues found in one input, in the order they were found.

    ``source`` names the input (a file name, ``<stdin>`` or a message id), never its content.
    """

    source: str
    issues: tuple[Issue, ...] = field(default_factory=tuple)

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
        head = f"{self.source}: {'valid' if self.ok else 'INVALID'}"
        lines = [head]
        lines.extend(
            f"  {i.severity.value:<11} {i.code:<32} {i.path or '/'}  {i.message}"
            for i in self.issues
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)


def reports_to_junit(reports: Iterable[Report], *, suite: str = "cjx.validate") -> str:
    """Render reports as one JUnit XML test suite: one test case an input, errors as failures."""
    cases: list[str] = []
    total = failures = 0
    for report in reports:
        total += 1
        name = quoteattr(report.source)
        if report.ok:
            cases.append(f"  <testcase classname={quoteattr(suite)} name={name}/>")
            continue
        failures += 1
        body = "\n".join(
            f"{i.severity.value} {i.code} at {i.path or '/'}: {i.message}" for i in report.issues
        )
        first = report.errors[0]
        cases.append(
            f"  <testcase classname={quoteattr(suite)} name={name}>\n"
            f"    <failure type={quoteattr(first.code)} message={quoteattr(first.message)}>"
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
