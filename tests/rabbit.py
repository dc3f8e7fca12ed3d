"""The real RabbitMQ for the transport tests: availability, a vhost of their own, faults.

On a machine with no broker the AMQP tests skip with a clear reason. Under CI (``CI=true``) a
missing broker fails the run instead. Only loopback is ever contacted.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

HOST = "127.0.0.1"
PORT = 5672
USER = os.environ.get("CJX_TEST_RABBITMQ_USER", "guest")
PASSWORD = os.environ.get("CJX_TEST_RABBITMQ_PASSWORD", "guest")
CTL_TIMEOUT = 120


def _answering() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=2):
            return True
    except OSError:
        return False


def require_rabbitmq() -> None:
    """Skip (or, under CI, fail) unless RabbitMQ answers on loopback and rabbitmqctl exists."""
    problem = None
    if not _answering():
        problem = (
            f"RabbitMQ is not answering at {HOST}:{PORT}; start it "
            "(rabbitmq-server -detached) to run the AMQP tests"
        )
    elif shutil.which("rabbitmqctl") is None:
        problem = "rabbitmqctl is not on PATH; the AMQP tests need it for a vhost of their own"
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    pytest.skip(problem)


def run_cli(argv: list[str], timeout: float = CTL_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run a RabbitMQ command-line tool in a process group of its own, and kill the whole group
    when it overruns. (``subprocess.run``'s timeout kills only the wrapper script: the Erlang VM
    under it lives on, holding one of the few distribution ports the CLI tools share, 35672 to
    35682; eleven such orphans and every later ``rabbitmqctl`` fails.)"""
    with subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


@functools.cache
def _enabled_plugins() -> frozenset[str]:
    done = run_cli(["rabbitmq-plugins", "list", "-e", "-m", "-q"])
    return frozenset(line.strip() for line in done.stdout.splitlines() if line.strip())


def require_plugin(name: str) -> None:
    """Skip (or, under CI, fail) unless the local broker has plugin ``name`` enabled."""
    require_rabbitmq()
    if name in _enabled_plugins():
        return
    problem = f"RabbitMQ's {name} plugin is not enabled (rabbitmq-plugins enable {name})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    pytest.skip(problem)


def ctl(*args: str) -> str:
    """Run ``rabbitmqctl ARGS`` and return its output; raises on failure."""
    done = run_cli(["rabbitmqctl", *args])
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def create_vhost(prefix: str = "cjx-test") -> str:
    vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
    ctl("add_vhost", vhost)
    ctl("set_permissions", "-p", vhost, USER, ".*", ".*", ".*")
    return vhost


def delete_vhost(vhost: str) -> None:
    ctl("delete_vhost", vhost)


@contextlib.contextmanager
def own_vhost(prefix: str = "cjx-test") -> Iterator[str]:
    """A vhost of its own for the block (skips without a broker, fails under CI)."""
    require_rabbitmq()
    vhost = create_vhost(prefix)
    try:
        yield vhost
    finally:
        delete_vhost(vhost)


def url_for(vhost: str) -> str:
    return f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}/{vhost}"


def close_connections(vhost: str) -> None:
    """Close every client connection on ``vhost`` (``-p`` matters: without it only ``/``)."""
    ctl("close_all_connections", "-p", vhost, "cjx fault test")


def restart_app() -> None:
    """Stop and start the broker application (the Erlang node stays up), then wait for it."""
    ctl("stop_app")
    ctl("start_app")
    wait_until_answering()


def wait_until_answering(timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = run_cli(["rabbitmq-diagnostics", "-q", "check_port_connectivity"])
        if done.returncode == 0 and _answering():
            return
        time.sleep(0.5)
    raise RuntimeError("RabbitMQ did not come back")


def connection_count(vhost: str) -> int:
    out = ctl("list_connections", "-q", "--no-table-headers", "vhost")
    return sum(1 for line in out.splitlines() if line.strip() == vhost)


def unacked(vhost: str) -> dict[str, tuple[int, int, int]]:
    """Per queue: (ready, unacknowledged, consumers)."""
    out = ctl(
        "list_queues",
        "-p",
        vhost,
        "-q",
        "--no-table-headers",
        "name",
        "messages_ready",
        "messages_unacknowledged",
        "consumers",
    )
    result = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            result[parts[0]] = (int(parts[1]), int(parts[2]), int(parts[3]))
    return result
