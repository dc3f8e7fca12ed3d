"""cjx, the Criminal Justice eXchange.

One typed model of court, prison and probation messages, their canonical XML and JSON forms and
schemas, and adapters to and from each external format::

    import cjx

    report = cjx.validate(data)                      # any known format, recognised by content
    outcome = cjx.translate(data, from_format="libra-spi", to_format="canonical-json")
    envelope = cjx.get_adapter("libra-spi").decode(data)[0]
    print(envelope.body.defendant.asn, envelope.ordering_key)

The names below are the whole public surface; the modules ``cjx.model``, ``cjx.codec``,
``cjx.validation``, ``cjx.adapter`` and ``cjx.errors`` hold the rest of it in detail.
"""

import importlib as _importlib
import logging as _logging
from typing import TYPE_CHECKING, Any

from cjx._version import __version__

if TYPE_CHECKING:
    from cjx.adapter import Adapter, Translation, adapters, get_adapter, sniff, validate
    from cjx.codec import decode_json, decode_xml, encode_json, encode_xml
    from cjx.errors import (
        CjxError,
        ConfigurationError,
        Issue,
        Report,
        Severity,
        TransientError,
        TransportError,
        UnknownFormat,
        UnknownMessageType,
        ValidationFailed,
    )
    from cjx.model import (
        Asn,
        BookNumber,
        CaseResulted,
        Crn,
        CroNumber,
        Envelope,
        IdentifiersLinked,
        KeyDatesReplaced,
        LicenceRecord,
        NomsNumber,
        OuCode,
        PersonMerged,
        PncId,
        PrisonerReceived,
        PrisonerReleased,
        PrisonId,
        PtiUrn,
        RegistrationAdded,
        ReleaseDates,
        SentenceDatesChanged,
        Source,
        SubjectId,
        Timestamp,
        make_envelope,
    )
    from cjx.pipeline import Outcome, translate

#: Where each public name lives. They are imported when first used (PEP 562), so that
#: ``import cjx`` and ``cjx --version`` cost nothing until something is used.
_EXPORTS: dict[str, str] = {
    "Adapter": "cjx.adapter",
    "Translation": "cjx.adapter",
    "adapters": "cjx.adapter",
    "get_adapter": "cjx.adapter",
    "sniff": "cjx.adapter",
    "validate": "cjx.adapter",
    "decode_json": "cjx.codec",
    "decode_xml": "cjx.codec",
    "encode_json": "cjx.codec",
    "encode_xml": "cjx.codec",
    "CjxError": "cjx.errors",
    "ConfigurationError": "cjx.errors",
    "Issue": "cjx.errors",
    "Report": "cjx.errors",
    "Severity": "cjx.errors",
    "TransientError": "cjx.errors",
    "TransportError": "cjx.errors",
    "UnknownFormat": "cjx.errors",
    "UnknownMessageType": "cjx.errors",
    "ValidationFailed": "cjx.errors",
    "Asn": "cjx.model",
    "BookNumber": "cjx.model",
    "CaseResulted": "cjx.model",
    "Crn": "cjx.model",
    "CroNumber": "cjx.model",
    "Envelope": "cjx.model",
    "IdentifiersLinked": "cjx.model",
    "KeyDatesReplaced": "cjx.model",
    "LicenceRecord": "cjx.model",
    "NomsNumber": "cjx.model",
    "OuCode": "cjx.model",
    "PersonMerged": "cjx.model",
    "PncId": "cjx.model",
    "PrisonerReceived": "cjx.model",
    "PrisonerReleased": "cjx.model",
    "PrisonId": "cjx.model",
    "PtiUrn": "cjx.model",
    "RegistrationAdded": "cjx.model",
    "ReleaseDates": "cjx.model",
    "SentenceDatesChanged": "cjx.model",
    "Source": "cjx.model",
    "SubjectId": "cjx.model",
    "Timestamp": "cjx.model",
    "make_envelope": "cjx.model",
    "Outcome": "cjx.pipeline",
    "translate": "cjx.pipeline",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cjx' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "__version__",
    # using it
    "validate",
    "translate",
    "Outcome",
    "get_adapter",
    "adapters",
    "sniff",
    "Adapter",
    "Translation",
    "encode_xml",
    "decode_xml",
    "encode_json",
    "decode_json",
    # the model
    "Envelope",
    "Source",
    "SubjectId",
    "Timestamp",
    "make_envelope",
    "CaseResulted",
    "PrisonerReceived",
    "PrisonerReleased",
    "SentenceDatesChanged",
    "PersonMerged",
    "IdentifiersLinked",
    "RegistrationAdded",
    "ReleaseDates",
    "KeyDatesReplaced",
    "LicenceRecord",
    "Asn",
    "PncId",
    "CroNumber",
    "NomsNumber",
    "Crn",
    "PtiUrn",
    "OuCode",
    "PrisonId",
    "BookNumber",
    # reports and errors
    "Report",
    "Issue",
    "Severity",
    "CjxError",
    "ValidationFailed",
    "UnknownFormat",
    "UnknownMessageType",
    "ConfigurationError",
    "TransportError",
    "TransientError",
]

# a library logs, the application decides where to (no "last resort" output on stderr)
_logging.getLogger("cjx").addHandler(_logging.NullHandler())
