"""Test inputs for the services: real court samples and HMPPS events, made unique on demand.

Canonical message ids are deterministic (the same source message gives the same id), so a
stream of distinct inputs needs distinct source message ids: ``court_result(n)`` rewrites the
DeliverRequest's MessageIdentifier, ``prisoner_received(...)`` varies the event time.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "adapters" / "cjx_libra_spi" / "tests" / "fixtures" / "samples"
COURT = (SAMPLES / "core-input-message-001.xml").read_bytes()
_MARK = b"<msg:MessageIdentifier>EXTERNAL_CORRELATION_ID</msg:MessageIdentifier>"
assert _MARK in COURT


def court_result(n: int) -> bytes:
    """A valid DeliverRequest whose source message id (and so canonical id) is unique to ``n``."""
    unique = f"<msg:MessageIdentifier>CJX-TEST-{n:08d}</msg:MessageIdentifier>"
    return COURT.replace(_MARK, unique.encode())


def invalid_court_result(n: int) -> bytes:
    """A DeliverRequest whose ASN check character is wrong (permanent: asn.check-character)."""
    return court_result(n).replace(b">1101ZD0100000448754K<", b">1101ZD0100000448754A<")


def noms(i: int) -> str:
    """A valid NOMS number for key ``i`` (0 <= i < 10,000)."""
    return f"A{i:04d}BC"


def prisoner_received(i: int, seq: int) -> bytes:
    """A prisoner-received event for person ``i``; ``seq`` makes it (and its id) unique."""
    minutes, seconds = divmod(seq, 60)
    hours, minutes = divmod(minutes, 60)
    return json.dumps(
        {
            "eventType": "prison-offender-events.prisoner.received",
            "version": 1,
            "description": "A prisoner has been received into prison",
            "occurredAt": f"2025-05-19T{hours % 24:02d}:{minutes:02d}:{seconds:02d}+01:00",
            "publishedAt": "2025-05-19T14:02:33.418270915+01:00",
            "additionalInformation": {
                "nomsNumber": noms(i),
                "prisonId": "MDI",
                "reason": "ADMISSION",
                "currentLocation": "IN_PRISON",
                "currentPrisonStatus": "UNDER_PRISON_CARE",
                "nomisMovementReasonCode": "N",
                "details": f"ACTIVE IN:ADM-N {seq}",
            },
            "personReference": {"identifiers": [{"type": "NOMS", "value": noms(i)}]},
        }
    ).encode()
