"""The container image and the compose file (issue 13, part 8).

What can be checked without a container engine is checked always: the compose file and the
image's command are commands ``cjx`` accepts, the metrics listen on every interface, and the
configuration the image carries loads. Building the image needs Docker: that test runs when
``docker`` is installed and its engine answers, and is skipped, saying so, otherwise.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cjx.cli import _parser
from cjx.service import load_config

ROOT = Path(__file__).parents[1]


def _dockerfile_command(instruction: str) -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(rf"^{instruction} (\[.*\])$", text, re.M)
    assert match is not None, instruction
    command: list[str] = json.loads(match.group(1))
    return command


def test_the_image_runs_the_services_with_metrics_on_every_interface() -> None:
    assert _dockerfile_command("ENTRYPOINT") == ["cjx"]
    command = _dockerfile_command("CMD")
    args = _parser().parse_args(command)
    assert (args.command, args.metrics_host, args.metrics_port) == ("run", "0.0.0.0", 9464)
    assert args.config == "/etc/cjx/services.toml"
    assert "COPY deploy/services.toml /etc/cjx/services.toml" in (ROOT / "Dockerfile").read_text()


def test_compose_runs_cjx_against_rabbitmq_and_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"rabbitmq", "postgres", "identity-migrate", "cjx"} <= set(services)
    cjx = services["cjx"]
    args = _parser().parse_args([str(a) for a in cjx["command"]])
    assert (args.command, args.metrics_host) == ("run", "0.0.0.0")
    assert cjx["environment"]["CJX_BROKER_URL"].startswith("amqp://")
    assert cjx["environment"]["CJX_IDENTITY_URL"].startswith("postgresql://")
    assert "127.0.0.1:9464:9464" in cjx["ports"]
    migrate = _parser().parse_args(services["identity-migrate"]["command"])
    assert (migrate.command, migrate.identity_command) == ("identity", "migrate")


def test_the_image_configuration_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CJX_BROKER_URL", raising=False)
    config = load_config(ROOT / "deploy" / "services.toml")
    assert config.broker_url == "amqp://guest:guest@rabbitmq:5672/"
    assert [s.name for s in config.services] == [
        "court-in",
        "events-in",
        "police-out",
        "probation-out",
    ]


@functools.cache
def _docker_engine() -> str | None:
    """Why the image cannot be built here, or ``None`` when it can."""
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed"
    done = subprocess.run([docker, "info"], capture_output=True, check=False, timeout=60)
    if done.returncode != 0:
        return "docker is installed but its engine does not answer (docker info failed)"
    return None


@pytest.mark.skipif(_docker_engine() is not None, reason=str(_docker_engine()))
def test_the_image_builds_and_runs() -> None:
    tag = "cjx-test-image:latest"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=1800)
    try:
        done = subprocess.run(
            ["docker", "run", "--rm", tag, "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert done.stdout.startswith("cjx ")
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)
