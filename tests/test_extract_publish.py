"""``cjx extract import --publish`` through the real RabbitMQ, in a vhost of its own."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.rabbit import own_vhost, url_for

from cjx.extract import generate_rows
from cjx.transport import CANONICAL, Binding, Queue, Topology, open_broker
from cjx.transport._topology import exchanges

pytestmark = pytest.mark.amqp

KEY = "custody.prisoner-record.v1"


async def _bind(url: str, queue: str) -> None:
    broker = open_broker(url)
    await broker.connect()
    await broker.declare(
        exchanges() + Topology((), (Queue(queue),), (Binding(queue, CANONICAL, KEY),))
    )
    await broker.close()


async def _drain(
    url: str, queue: str
) -> list[tuple[str | None, str | None, dict[str, object], bytes]]:
    broker = open_broker(url)
    await broker.connect()
    got = []
    while (delivery := await broker.get(queue)) is not None:
        m = delivery.message
        got.append((m.message_id, m.type, dict(m.headers), m.body))
        await delivery.ack()
    await broker.close()
    return got


def test_publish_sends_every_accepted_row_with_confirms(tmp_path: Path) -> None:
    source = tmp_path / "x.dat"
    source.write_text("".join(r.line + "\n" for r in generate_rows(300, seed=8, defects=0.02)))
    reference = tmp_path / "ref.ndjson"
    done = subprocess.run(  # noqa: PLW1510 - the exit code is checked
        [sys.executable, "-m", "cjx", "extract", "import", str(source), "--out", str(reference)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    with own_vhost("cjx-extract") as vhost:
        url = url_for(vhost)
        asyncio.run(_bind(url, "extract-test"))
        config = tmp_path / "services.toml"
        config.write_text(
            f'[broker]\nurl = "{url}"\n\n'
            '[[services]]\nname = "extract-in"\nrole = "inbound"\nformat = "nomis-cde"\n'
        )
        done = subprocess.run(  # noqa: PLW1510
            [sys.executable, "-m", "cjx", "extract", "import", str(source), "--publish",
             "--config", str(config)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        got = asyncio.run(_drain(url, "extract-test"))
    expected = [json.loads(line)["message_id"] for line in reference.read_text().splitlines()]
    assert [message_id for message_id, _, _, _ in got] == expected
    assert {t for _, t, _, _ in got} == {"custody.prisoner-record"}
    assert all(h["cjx-source-format"] == "nomis-cde" for _, _, h, _ in got)
    # the ordering key travels as a digest, never the NOMS number
    first = json.loads(got[0][3])
    assert first["body"]["noms_number"] not in json.dumps(got[0][2])
