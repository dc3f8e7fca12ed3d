"""What the test modules share: the fixed clock, the fixtures, and how events are compared."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from cjx.model import Timestamp

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FIXTURES = sorted(GOLDEN.glob("*.input.json"))
TIMESTAMP_KEYS = ("occurredAt", "publishedAt")


def fixed_clock() -> dt.datetime:
    """``produced_at`` of every message in the tests, so golden files compare exactly."""
    return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def name_of(fixture: Path) -> str:
    return fixture.name.removesuffix(".input.json")


def is_rejected(fixture: Path) -> bool:
    """A fixture is rejected when it has expected issues and no canonical golden file."""
    return not (GOLDEN / f"{name_of(fixture)}.canonical.json").exists()


def bare_event(data: bytes) -> dict[str, Any]:
    """The event itself: the input, or the ``Message`` of a notification."""
    document: dict[str, Any] = json.loads(data)
    if "eventType" not in document and "Message" in document:
        inner: dict[str, Any] = json.loads(document["Message"])
        return inner
    return document


def comparable(event: dict[str, Any]) -> dict[str, Any]:
    """An event with ``occurredAt`` and ``publishedAt`` replaced by (instant, offset, digits).

    FORMAT.md's round-trip rule: the same JSON value, with timestamps equal when they name the
    same instant at the same offset (``Z`` and ``+00:00`` alike) with the same fraction digits.
    """
    out = dict(event)
    for key in TIMESTAMP_KEYS:
        if key in out:
            ts = Timestamp.parse(out[key])
            out[key] = (ts.epoch_nanoseconds(), ts.offset_minutes, ts.fraction_digits)
    return out
