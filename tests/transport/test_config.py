"""Service configuration, the derived topology, and the operating commands."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tests import rabbit
from tests.messages import ROOT

from cjx.cli import main
from cjx.errors import ConfigurationError
from cjx.service import Options, Service, ServiceConfig, load_config, parse_config
from cjx.transport import (
    DEAD_LETTER,
    DEFAULT_DELIVERY_LIMIT,
    MemoryBroker,
    RetryPolicy,
    open_broker,
    redact_url,
)

EXAMPLE = ROOT / "examples" / "services.toml"


def test_example_configuration_loads() -> None:
    """examples/services.toml is a valid configuration of thirteen services."""
    config = load_config(EXAMPLE, environ={})
    assert [s.name for s in config.services] == [
        "demo-court-in",
        "demo-events-in",
        "demo-police-out",
        "demo-probation-out",
        "demo-prisoner-in",
        "demo-sentence-in",
        "demo-custody-in",
        "demo-key-dates-in",
        "demo-licence-in",
        "demo-probation-records-out",
        "demo-delius-key-dates-out",
        "demo-prison-records-out",
        "demo-prison-licence-out",
    ]
    assert config.broker_url == "memory://"
    assert config.services[2].destination == "demo-police"


def test_environment_overrides_broker_url_and_password_stays_hidden() -> None:
    """CJX_BROKER_URL wins over [broker] url; the password never shows in repr or errors."""
    url = "amqp://cjx:s3cret-pw@127.0.0.1:5672/prod"
    config = load_config(EXAMPLE, environ={"CJX_BROKER_URL": url})
    assert config.broker_url == url
    assert "s3cret-pw" not in repr(config)
    assert redact_url(url) == "amqp://cjx:***@127.0.0.1:5672/prod"
    with pytest.raises(ConfigurationError) as caught:
        open_broker("ftp://cjx:s3cret-pw@host/")
    assert "s3cret-pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"services": []}, "at least one"),
        ({"services": [{"name": "Bad Name", "role": "inbound", "format": "libra-spi"}]}, "name"),
        ({"services": [{"name": "a", "role": "sideways", "format": "libra-spi"}]}, "role"),
        ({"services": [{"name": "a", "role": "inbound", "format": "nope"}]}, "format"),
        ({"services": [{"name": "a", "role": "outbound", "format": "libra-spi"}]}, "subscribe"),
        (
            {
                "services": [
                    {"name": "a", "role": "inbound", "format": "libra-spi", "destination": "x"}
                ]
            },
            "outbound services only",
        ),
        (
            {"services": [{"name": "a", "role": "inbound", "format": "libra-spi", "prefetch": 0}]},
            "prefetch",
        ),
        ({"options": {"colour": 1}, "services": []}, "unknown option"),
        ({"brokers": {}}, "unknown section"),
        (
            {"services": [{"name": "a", "role": "inbound", "format": "libra-spi"}] * 2},
            "repeat",
        ),
    ],
)
def test_configuration_mistakes_are_named(document: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        parse_config(document, environ={})


def test_options_apply_globally_and_per_service() -> None:
    config = parse_config(
        {
            "broker": {"url": "memory://"},
            "options": {"prefetch": 10, "retry_attempts": 2},
            "services": [
                {"name": "a", "role": "inbound", "format": "libra-spi"},
                {"name": "b", "role": "inbound", "format": "hmpps-events", "prefetch": 3},
            ],
        },
        environ={},
    )
    assert config.services[0].options.prefetch == 10
    assert config.services[1].options.prefetch == 3
    assert config.services[1].options.retry.attempts == 2


def test_topology_has_explicit_limits_and_capped_backoff() -> None:
    """Quorum queues always carry a delivery limit and a dead-letter target; waits are capped."""
    retry = RetryPolicy(attempts=8, base_seconds=1, factor=2, cap_seconds=30)
    service = Service(
        ServiceConfig(
            "police-out",
            "outbound",
            "libra-spi",
            ("court.case-resulted.v1",),
            "police",
            Options(retry=retry),
        ),
        MemoryBroker(),
    )
    topology = service.topology
    queues = {q.name: q for q in topology.queues}
    for queue in queues.values():
        if queue.quorum:  # explicit limit and target, at-least-once dead-lettering
            assert queue.arguments["x-delivery-limit"] >= 1
            assert "x-dead-letter-exchange" in queue.arguments
            assert queue.arguments["x-dead-letter-strategy"] == "at-least-once"
            assert queue.arguments["x-overflow"] == "reject-publish"
        target = queue.arguments.get("x-dead-letter-exchange")
        if ".retry." in queue.name:  # wait queues go back to the service queue
            assert (target, queue.arguments["x-dead-letter-routing-key"]) == ("", "police-out.in")
        elif target is not None:
            assert target == DEAD_LETTER
    assert queues["police-out.in"].arguments["x-delivery-limit"] == DEFAULT_DELIVERY_LIMIT
    assert "police.libra-spi" in queues
    ttls = [queues[f"police-out.retry.{n}"].arguments["x-message-ttl"] for n in range(1, 9)]
    assert ttls == [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
    keys = {(b.exchange, b.routing_key, b.queue) for b in topology.bindings}
    assert ("cjx.canonical", "court.case-resulted.v1", "police-out.in") in keys
    assert ("cjx.outbound", "libra-spi.police", "police.libra-spi") in keys
    assert ("cjx.dead-letter", "police-out", "police-out.dlq") in keys


def test_topology_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topology", "show", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "queue    demo-court-in.in [x-dead-letter-exchange=cjx.dead-letter" in out
    assert "binding  cjx.outbound --libra-spi.demo-police--> demo-police.libra-spi" in out


def test_dlq_refuses_the_memory_broker(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dlq", "list", "--config", str(EXAMPLE), "--service", "demo-court-in"])
    assert code == 2
    assert "memory://" in capsys.readouterr().err


def test_unknown_service_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topology", "show", "--config", str(EXAMPLE), "--service", "nope"]) == 2


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_run_serves_ready_and_metrics_then_stops_on_sigterm(tmp_path: Path) -> None:
    """`cjx run` on the memory broker: /ready is 200, /metrics has cjx metrics, SIGTERM exits 0."""
    port = _port()
    env = {k: v for k, v in os.environ.items() if k != "CJX_BROKER_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cjx", "run", "--config", str(EXAMPLE), "--metrics-port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "never ready"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
        assert 'cjx_service_ready{service="demo-court-in"} 1.0' in text
        done = subprocess.run(
            [sys.executable, "-m", "cjx", "health", "--url", f"http://127.0.0.1:{port}/ready"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()[-2000:]
    lines = err.decode().splitlines()
    assert any('"message": "service stopped"' in line for line in lines)
    done = subprocess.run(
        [sys.executable, "-m", "cjx", "health", "--url", f"http://127.0.0.1:{port}/ready"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1


def test_demo_on_the_memory_broker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`cjx demo` runs the four services in process; every example ends as demo.toml says."""
    assert main(["demo", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "30/30 ended as expected" in out
    assert any((tmp_path / "delivered" / "demo-police.libra-spi").iterdir())
    assert (tmp_path / "dead-letters" / "demo-court-in.dlq" / "invalid-truncated.xml").is_file()


@pytest.mark.amqp
def test_demo_through_rabbitmq(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`cjx demo --broker amqp://...` does the same through the real RabbitMQ."""
    # a vhost of its own: the demo binds "custody.*.v1" and others, which would make the
    # unroutable-output test's messages routable in the shared vhost
    with rabbit.own_vhost("cjx-demo") as vhost:
        code = main(["demo", "--broker", rabbit.url_for(vhost), "--out-dir", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "30/30 ended as expected" in out
    assert "guest:guest" not in out


@pytest.mark.parametrize(
    "url",
    [
        "amqp://guest:top/secret@127.0.0.1:5672/",
        "amqps://user:p#a?ss@host:5671/vhost",
        "amqp://user:pa@ss@host/",
        "amqp://user:secret@host:99999/",
    ],
)
def test_passwords_are_redacted_however_odd(url: str) -> None:
    """Unescaped /, #, ? or @ in a password, or a bad port: redacted, never an exception."""
    shown = redact_url(url)
    assert "secret" not in shown
    assert "p#a?ss" not in shown
    assert "pa@ss" not in shown
    assert ":***@" in shown


def test_integer_options_refuse_fractions() -> None:
    with pytest.raises(ConfigurationError, match="whole number"):
        parse_config(
            {
                "services": [
                    {"name": "a", "role": "inbound", "format": "libra-spi", "prefetch": 2.5}
                ]
            },
            environ={},
        )
