"""Configurations that cannot work are refused before anything starts (issue 13, part 2).

Each reproduction of the new-user review (M2, H5, M8) is run through ``cjx run`` and
``cjx topology apply`` as the reviewer ran it: exit 2, naming the file, the service and the key.
Before this change each of them started (exit 0 and ``/ready`` 200) or, for the metrics port,
consumed first and failed afterwards.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests import rabbit
from tests.messages import ROOT

from cjx.cli import main
from cjx.errors import ConfigurationError
from cjx.service import load_config, parse_config
from cjx.service._checks import CHECKS

BROKER = '[broker]\nurl = "memory://"\n\n'

COURT_IN = '[[services]]\nname = "court-in"\nrole = "inbound"\nformat = "libra-spi"\n\n'


def outbound(name: str, fmt: str, subscribe: str, extra: str = "") -> str:
    return (
        f'[[services]]\nname = "{name}"\nrole = "outbound"\nformat = "{fmt}"\n'
        f'subscribe = [{subscribe}]\ndestination = "{name}-dest"\n{extra}\n'
    )


def refused(tmp_path: Path, text: str) -> list[str]:
    """The error of ``cjx run`` and of ``cjx topology apply`` on ``text`` (both must exit 2).

    ``run`` is a child process with a deadline: before this change it ran such a file until
    stopped, so the test fails (TimeoutExpired) rather than hanging on the old code."""
    path = tmp_path / "services.toml"
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CJX_BROKER_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "cjx", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["topology", "apply", "--config", str(path)])
    assert code == 2, err.getvalue()
    assert done.stderr == err.getvalue()
    return [done.stderr, err.getvalue()]


@pytest.fixture(autouse=True)
def _no_broker_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CJX_BROKER_URL", raising=False)


def test_h5_a_file_without_broker_table_is_refused(tmp_path: Path) -> None:
    """The review's b.toml ran on memory:// and reported ready; now the file and table are
    named, and the fix is said."""
    (error, _) = refused(
        tmp_path, '[[services]]\nname="p-out"\nrole="inbound"\nformat="libra-spi"\n'
    )
    assert str(tmp_path / "services.toml") in error
    assert "no [broker] table" in error
    assert 'url = "memory://"' in error


def test_a_broker_table_without_url_is_refused(tmp_path: Path) -> None:
    (error, _) = refused(tmp_path, "[broker]\n\n" + COURT_IN)
    assert "[broker] has no url" in error


def test_only_an_explicit_memory_url_or_the_environment_names_the_broker(tmp_path: Path) -> None:
    path = tmp_path / "services.toml"
    path.write_text(COURT_IN, encoding="utf-8")
    url = "amqp://cjx:pw@127.0.0.1:5672/x"
    config = load_config(path, environ={"CJX_BROKER_URL": url})
    assert (config.broker_url, config.broker_from) == (url, "environment")
    path.write_text(BROKER + COURT_IN, encoding="utf-8")
    config = load_config(path, environ={})
    assert (config.broker_url, config.broker_from) == ("memory://", "file")


def test_m2_an_outbound_format_that_cannot_encode_its_subscription(tmp_path: Path) -> None:
    """hmpps-events subscribed to court results: every message would be dead-lettered."""
    text = BROKER + outbound("police-out", "hmpps-events", '"court.case-resulted.v1"')
    (error, _) = refused(tmp_path, text)
    assert "service 'police-out'" in error
    assert "subscribe key 'court.case-resulted.v1'" in error
    assert "takes court.case-resulted, which format hmpps-events cannot encode" in error


def test_a_wildcard_counts_for_every_type_it_matches(tmp_path: Path) -> None:
    """custody.*.v1 takes prisoner records too, which hmpps-events cannot encode: the exact
    keys it can take are suggested."""
    text = BROKER + outbound("probation-out", "hmpps-events", '"custody.*.v1"')
    (error, _) = refused(tmp_path, text)
    assert "custody.prisoner-record" in error
    assert "subscribe to custody.prisoner-received.v1" in error


def test_m2_a_subscription_that_matches_no_routing_key(tmp_path: Path) -> None:
    """court.case-resulted without .v1 matches nothing cjx publishes, ever."""
    text = BROKER + outbound("police-out", "libra-spi", '"court.case-resulted"')
    (error, _) = refused(tmp_path, text)
    assert "service 'police-out'" in error
    assert "subscribe key 'court.case-resulted' matches no routing key" in error
    assert "did you mean court.case-resulted.v1?" in error


def test_m2_two_inbound_services_on_one_format(tmp_path: Path) -> None:
    text = BROKER + COURT_IN + COURT_IN.replace("court-in", "court-in-2")
    (error, _) = refused(tmp_path, text)
    assert "service 'court-in-2'" in error
    assert "format 'libra-spi' already has inbound service 'court-in'" in error


def test_checks_refuse_before_the_broker_is_contacted(tmp_path: Path) -> None:
    """A refused configuration never reaches the broker: the URL here answers nothing."""
    text = '[broker]\nurl = "amqp://guest:guest@127.0.0.1:1/"\n\n' + COURT_IN
    text += COURT_IN.replace("court-in", "court-in-2")
    (error, _) = refused(tmp_path, text)
    assert "already has inbound service" in error  # not a connection error (exit 1)


def test_every_check_is_a_named_function_and_the_examples_pass_them() -> None:
    assert [c.__name__ for c in CHECKS] == [
        "broker_is_named",
        "inbound_formats_are_distinct",
        "subscriptions_match_a_message_type",
        "outbound_formats_encode_what_they_subscribe",
        "where_paths_exist",
        "dedup_paths_are_distinct",
    ]
    for example in (ROOT / "examples").glob("*.toml"):
        if example.name == "demo.toml":  # the demo's manifest, not a services file
            continue
        load_config(example, environ={})


def test_library_callers_get_the_same_checks() -> None:
    """parse_config runs them too: a configuration object that exists can run."""
    with pytest.raises(ConfigurationError, match="no \\[broker\\] table"):
        parse_config(
            {"services": [{"name": "a", "role": "inbound", "format": "libra-spi"}]}, environ={}
        )


# --- the metrics port ---------------------------------------------------------------------------


@contextlib.contextmanager
def _taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_m8_a_metrics_port_in_use_fails_before_any_service_starts(tmp_path: Path) -> None:
    """Before: the services started consuming, then the process exited 2 with a trailing colon.
    Now nothing starts: no 'service started' line, and the error names host and port."""
    config = tmp_path / "services.toml"
    config.write_text(BROKER + COURT_IN, encoding="utf-8")
    with _taken_port() as port:
        command = ["run", "--config", str(config), "--metrics-port", str(port)]
        done = subprocess.run(
            [sys.executable, "-m", "cjx", *command],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert "service started" not in done.stderr
    assert f"cannot serve metrics on 127.0.0.1:{port}" in done.stderr
    assert "address already in use" in done.stderr
    assert not done.stderr.rstrip().endswith(":")


@pytest.mark.amqp
def test_m8_on_rabbitmq_a_taken_port_declares_and_consumes_nothing(tmp_path: Path) -> None:
    """On the real broker: after the refusal the service's vhost holds no queue at all."""
    with rabbit.own_vhost("cjx-metrics-port") as vhost:
        config = tmp_path / "services.toml"
        config.write_text(
            f'[broker]\nurl = "{rabbit.url_for(vhost)}"\n\n' + COURT_IN, encoding="utf-8"
        )
        with _taken_port() as port:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(["run", "--config", str(config), "--metrics-port", str(port)])
        assert code == 2, err.getvalue()
        queues = rabbit.ctl("list_queues", "-p", vhost, "name", "--quiet").split()
        assert [q for q in queues if q.startswith("court-in")] == []


def test_metrics_host_is_documented() -> None:
    """--metrics-host is in the run command's help and in docs/services.md."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = " ".join(out.getvalue().split())
    assert "--metrics-host HOST" in help_text
    assert "0.0.0.0" in help_text
    services_md = (ROOT / "docs" / "services.md").read_text(encoding="utf-8")
    assert "--metrics-host" in services_md
