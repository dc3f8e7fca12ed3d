"""The ordering key header ``cjx-ordering-key``: which partition a message goes to.

A partitioned service (``partitions = N``, see docs/services.md) spreads its inputs over N queues
by this header, so every message about one person reaches the same queue and is processed in
order. cjx sets it on everything it publishes; a system that publishes raw input to
``cjx.inbound`` sets it with :func:`ordering_key_header`.

The value is keyed, not a plain digest: a plain SHA-256 of a NOMS number can be reversed by
trying every NOMS number (a few hundred million). It is exactly the first 32 hex digits of
HMAC-SHA-256, keyed with the deployment's ordering secret (``[broker] ordering_secret``, or the
environment variable ``CJX_ORDERING_SECRET``), over the normalised ``SCHEME:VALUE`` as UTF-8
(``NOMS:A1234BC``). Every publisher of one deployment uses the same secret, or one person's
messages land in different partitions.

Normalising: the scheme is stripped and upper-cased; a value of a scheme cjx knows (ASN, PNC,
CRO, NOMS, CRN) is written in its canonical form (``a1234bc`` -> ``A1234BC``, a short-form PNC
in full), so every system that names a person the same way gets the same key. Any other value
(a booking id, a book number) is only stripped.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

from cjx.errors import ConfigurationError
from cjx.model._identifiers import Asn, Crn, CroNumber, Identifier, NomsNumber, PncId

__all__ = [
    "HEADER_ORDERING_KEY",
    "ORDERING_SECRET_VARIABLE",
    "normalised_identifier",
    "ordering_key_header",
    "ordering_key_of",
]

HEADER_ORDERING_KEY: Final = "cjx-ordering-key"
#: The environment variable that holds the ordering secret (it wins over the config file).
ORDERING_SECRET_VARIABLE: Final = "CJX_ORDERING_SECRET"  # noqa: S105 - a variable's name
#: Hex digits of the HMAC kept in the header (128 bits).
KEY_DIGITS: Final = 32
#: A header value cjx accepts as an ordering key (and keeps for routing a retry).
KEY_FORM: Final = re.compile(r"[0-9a-f]{32}")

_KNOWN: Final[dict[str, type[Identifier]]] = {
    "ASN": Asn,
    "PNC": PncId,
    "CRO": CroNumber,
    "NOMS": NomsNumber,
    "CRN": Crn,
}


def normalised_identifier(scheme: str, value: str) -> str:
    """``SCHEME:VALUE`` as the key is computed over; ValueError for an invalid known value
    (the message names the scheme and the rule, never the value)."""
    name = scheme.strip().upper()
    if not name or ":" in name:
        raise ValueError("an ordering key needs a scheme without ':' (such as NOMS)")
    kind = _KNOWN.get(name)
    text = value.strip()
    if not text:
        raise ValueError(f"an ordering key needs a {name} value")
    if kind is not None:
        text = str(kind.parse(text))  # IdentifierError (a ValueError) names the rule only
    return f"{name}:{text}"


def _secret_bytes(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not key:
        raise ConfigurationError(
            "the ordering secret is empty: set [broker] ordering_secret or "
            f"{ORDERING_SECRET_VARIABLE}"
        )
    return key


def ordering_key_of(identifier: str, secret: str | bytes) -> str:
    """The header value for an already normalised ``SCHEME:VALUE`` (as
    :attr:`cjx.model.Envelope.ordering_key` gives it)."""
    digest = hmac.new(_secret_bytes(secret), identifier.encode(), hashlib.sha256)
    return digest.hexdigest()[:KEY_DIGITS]


def ordering_key_header(scheme: str, value: str, secret: str | bytes) -> dict[str, str]:
    """The header a system publishing raw input to ``cjx.inbound`` sets, for the person the
    message is about::

        headers = ordering_key_header("NOMS", "A1234BC", secret)
        # {"cjx-ordering-key": "<32 hex digits>"}

    ``secret`` is the deployment's ordering secret (``CJX_ORDERING_SECRET``). A message without
    the header goes to a partition of its own choosing and its order is not promised.
    """
    return {HEADER_ORDERING_KEY: ordering_key_of(normalised_identifier(scheme, value), secret)}
