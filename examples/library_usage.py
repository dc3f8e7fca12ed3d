"""Use cjx as a library: validate, decode, inspect, re-encode, and build a message by hand.

Run it from a checkout or an installed cjx:  python examples/library_usage.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cjx

HERE = Path(__file__).parent
court_result = (HERE / "court" / "core-input-message-001.xml").read_bytes()

# 1. Validate any known format, recognised by its content. Every issue is reported.
report = cjx.validate(court_result, source="core-input-message-001.xml")
print("valid:", report.ok, "| information:", [issue.code for issue in report.issues])

# 2. Decode with the adapter: a typed, frozen canonical envelope.
libra = cjx.get_adapter("libra-spi")
(envelope,) = libra.decode(court_result)
body = envelope.body
assert isinstance(body, cjx.CaseResulted)
print(envelope.message_type, envelope.message_id, "ordering key:", envelope.ordering_key)
print("court", body.hearing.court, "on", body.hearing.date, "-", len(body.offences), "offences")

# 3. Canonical JSON and XML, and back: the three views are equal.
assert cjx.decode_json(cjx.encode_json(envelope)) == envelope
assert cjx.decode_xml(cjx.encode_xml(envelope)) == envelope

# 4. A bad identifier is refused with its own code and path, never echoing the value.
broken = court_result.replace(b"1101ZD0100000448754K", b"1101ZD0100000448754A")
try:
    libra.decode(broken)
except cjx.ValidationFailed as exc:
    for issue in exc.report.errors:
        print("rejected:", issue.code, issue.path)

# 5. Build a message by hand. The clock is injectable, so the output is reproducible.
received = cjx.PrisonerReceived(
    noms_number=cjx.NomsNumber.parse("a8513ea"),  # normalised to A8513EA
    prison_id=cjx.PrisonId.parse("SWI"),
    reason="ADMISSION",
    current_location="IN_PRISON",
    current_prison_status="UNDER_PRISON_CARE",
    movement_reason_code="24",
    details="ACTIVE IN:ADM-24",
)
message = cjx.make_envelope(
    received,
    occurred_at=cjx.Timestamp.parse("2024-06-11T17:36:56.241562485+01:00"),
    source=cjx.Source(system="nomis", format="hmpps-events"),
    subject=[cjx.SubjectId(scheme="NOMS", value="A8513EA")],
    clock=lambda: dt.datetime(2024, 6, 11, 16, 40, tzinfo=dt.UTC),
)
print(cjx.get_adapter("hmpps-events").encode(message).decode())
