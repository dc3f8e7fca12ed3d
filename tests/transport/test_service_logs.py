"""What the services log (issue 13, part 8): a delivered message leaves one info line (ids and
type, no personal data), a retry says why, and a failed connection attempt is a warning.

On the code the review was made on, a delivery logged nothing at info, ``retrying`` had no
reason, and ``connecting ... failed; trying again`` was logged at info.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
from tests.messages import court_result
from tests.transport.test_testing_plugin import COURT_IN, QUICK, _Flaky

from cjx.errors import TransportError
from cjx.testing import Harness
from cjx.transport.amqp import AmqpBroker


def _records(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "cjx", {}).get("event") == event]


async def test_a_delivered_message_logs_one_info_line(
    cjx_harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cjx")
    await cjx_harness.start(COURT_IN)
    outcome = await cjx_harness.publish("libra-spi", court_result(91), message_id="in-91")
    (record,) = _records(caplog, "published")
    assert record.levelno == logging.INFO
    fields: dict[str, Any] = record.cjx  # type: ignore[attr-defined]
    assert fields["message_id"] == "in-91"
    assert fields["message_type"] == "court.case-resulted"
    assert fields["outputs"] == [m.message_id for m in outcome.canonical]
    text = repr(fields)
    for personal in ("1101ZD0100000448754K", "B01EF01"):  # the ASN, the court
        assert personal not in text


async def test_no_line_per_message_at_warning_level(
    cjx_harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cjx")
    await cjx_harness.start(COURT_IN)
    await cjx_harness.publish("libra-spi", court_result(92))
    assert _records(caplog, "published") == []


async def test_a_retry_says_why(cjx_harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cjx")
    await cjx_harness.start(replace(COURT_IN, options=QUICK), adapter=_Flaky(1))
    await cjx_harness.publish("libra-spi", court_result(93))
    (record,) = _records(caplog, "retry")
    assert record.cjx["reason"] == "the lookup service is down"  # type: ignore[attr-defined]


async def test_a_failed_connection_attempt_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cjx")
    broker = AmqpBroker("amqp://guest:guest@127.0.0.1:1/", connect_timeout=1.5)
    with pytest.raises(TransportError, match="could not connect"):
        await broker.connect()
    attempts = [
        r for r in caplog.records if "failed" in r.getMessage() and "trying again" in r.getMessage()
    ]
    assert attempts
    assert {r.levelno for r in attempts} == {logging.WARNING}
    await broker.close()
