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

import logging as _logging

from cjx._version import __version__
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
