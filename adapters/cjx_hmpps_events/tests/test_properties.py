"""Properties: every message the adapter can encode comes back; no input makes it crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.golden import check_mutated

from cjx.model import Envelope
from cjx.validation import json_schema_issues, json_validator
from cjx_hmpps_events import EVENTS, adapter

from .strategies import envelopes, mutated
from .support import FIXTURES, fixed_clock


@settings(deadline=None, max_examples=300)
@given(envelopes())
def test_decode_of_encode_is_the_same_message(envelope: Envelope[Any]) -> None:
    """decode(encode(m)) == m, and what encode writes is valid under the event's schema."""
    encoded = adapter.encode(envelope)
    event = json.loads(encoded)
    assert json_schema_issues(json_validator(EVENTS[event["eventType"]].schema), event) == []
    translation = adapter.translate(encoded, clock=fixed_clock)
    assert translation.report.issues == ()
    assert list(translation.envelopes) == [envelope]


_DOCUMENTS = [json.loads(f.read_bytes()) for f in FIXTURES if "duplicate" not in f.name]


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(_DOCUMENTS), st.booleans(), st.data())
def test_mutated_events_are_accepted_or_rejected_never_crash(
    document: dict[str, Any], inside: bool, data: st.DataObject
) -> None:
    """Any fixture with members replaced or removed (inside a notification's Message too) is
    either accepted, and then encodable, or rejected with at least one error."""
    document = json.loads(json.dumps(document))
    message = document.get("Message")
    if inside and isinstance(message, str) and message.endswith("}"):
        document["Message"] = json.dumps(data.draw(mutated(json.loads(message))))
    else:
        document = data.draw(mutated(document))
    check_mutated(adapter, json.dumps(document).encode())
