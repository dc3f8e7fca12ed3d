"""A three-node RabbitMQ cluster of a test's own, on loopback, next to the machine's broker.

Each node has its own node name (``cjxc<port>@localhost``), AMQP port, distribution port, data
and log directories under a temporary directory, its own (empty) environment file, config file
and enabled-plugins file (the consistent-hash exchange only), and all share an Erlang cookie of
their own in a ``HOME`` of their own. Nothing here reads or touches the system node
``rabbit@localhost``, its cookie or its data. The nodes run as child processes in a process
group each; :meth:`Cluster.stop` ends them (and only them).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SBIN = Path("/usr/lib/rabbitmq/bin")


class ClusterUnavailable(RuntimeError):
    """The nodes could not be started here (the test skips with this reason)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _tool(name: str) -> str | None:
    own = SBIN / name
    if own.exists():
        return str(own)
    return shutil.which(name)


@dataclass
class Node:
    index: int
    name: str
    port: int
    dist_port: int
    base: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"


@dataclass
class Cluster:
    root: Path
    nodes: list[Node] = field(default_factory=list)
    home: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home = self.root / "home"

    # -- environment --------------------------------------------------------------------------

    def env(self, node: Node) -> dict[str, str]:
        base = node.base
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update(
            {
                "HOME": str(self.home),
                "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
                "RABBITMQ_NODENAME": node.name,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(node.port),
                "RABBITMQ_DIST_PORT": str(node.dist_port),
                "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(base / "log"),
                "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
                "RABBITMQ_PID_FILE": str(base / "node.pid"),
                "ERL_EPMD_ADDRESS": "127.0.0.1",
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
                    "-kernel inet_dist_use_interface {127,0,0,1}"
                ),
            }
        )
        return env

    def ctl(self, node: Node, *args: str, timeout: float = 60.0, check: bool = True) -> str:
        """``rabbitmqctl -n NODE ARGS`` with this cluster's cookie; its output."""
        tool = _tool("rabbitmqctl")
        assert tool is not None
        result = subprocess.run(
            [tool, "-n", node.name, *args],
            env=self.env(node),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"rabbitmqctl -n {node.name} {' '.join(args)}: exit {result.returncode}: "
                f"{result.stderr.decode(errors='replace')[-600:]}"
            )
        return result.stdout.decode(errors="replace")

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, count: int = 3, boot_timeout: float = 120.0) -> None:
        server = _tool("rabbitmq-server")
        if server is None or _tool("rabbitmqctl") is None:
            raise ClusterUnavailable("rabbitmq-server is not installed")
        self.home.mkdir(parents=True)
        cookie = self.home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
        (self.root / "rabbitmq-env.conf").write_text("")
        (self.root / "enabled_plugins").write_text("[rabbitmq_consistent_hash_exchange].\n")
        tag = secrets.token_hex(3)
        for index in range(count):
            port, dist = _free_port(), _free_port()
            node = Node(index, f"cjxc{tag}n{index}@localhost", port, dist, self.root / f"n{index}")
            node.base.mkdir()
            (node.base / "rabbitmq.conf").write_text(
                f"listeners.tcp.local = 127.0.0.1:{port}\n"
                "cluster_partition_handling = pause_minority\n"
                "log.console = false\nlog.file.level = info\n"
            )
            (node.base / "advanced.config").write_text("[].\n")
            self.nodes.append(node)
        try:
            for node in self.nodes:
                self.launch(node)
            for node in self.nodes:
                self.wait_booted(node, boot_timeout)
            first = self.nodes[0]
            for node in self.nodes[1:]:
                self.ctl(node, "stop_app")
                self.ctl(node, "join_cluster", first.name)
                self.ctl(node, "start_app")
            for node in self.nodes:
                self.wait_booted(node, boot_timeout)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            log = self.log_tail()
            self.stop()
            raise ClusterUnavailable(f"the cluster did not start: {exc}\n{log}") from exc

    def launch(self, node: Node) -> None:
        server = _tool("rabbitmq-server")
        assert server is not None
        with (node.base / "console.log").open("ab") as out:  # the child keeps its own copy
            node.process = subprocess.Popen(
                [server],
                env=self.env(node),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_booted(self, node: Node, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if node.process is not None and node.process.poll() is not None:
                raise RuntimeError(f"{node.name} exited with {node.process.returncode}")
            try:
                self.ctl(node, "await_startup", "--timeout", "10", timeout=20)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                time.sleep(1)
        raise RuntimeError(f"{node.name} did not boot within {timeout:g} s")

    def kill(self, node: Node) -> None:
        """Kill the node outright (SIGKILL to its process group)."""
        if node.process is not None and node.process.poll() is None:
            os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait(30)

    def stop(self) -> None:
        """End every node this cluster started (its own process groups only)."""
        for node in self.nodes:
            process = node.process
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
            except ProcessLookupError:
                pass

    # -- inspection -----------------------------------------------------------------------------

    def leader_of(self, queue: str, via: Node) -> str:
        out = self.ctl(via, "list_queues", "name", "leader", "-q", "--formatter", "json")
        for row in json.loads(out or "[]"):
            if row.get("name") == queue:
                return str(row.get("leader"))
        raise RuntimeError(f"no queue {queue} on the cluster")

    def node_named(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def log_tail(self, lines: int = 15) -> str:
        tails = []
        for node in self.nodes:
            for path in [*sorted((node.base / "log").glob("*.log")), node.base / "console.log"]:
                if path.exists():
                    text = path.read_text(errors="replace").splitlines()[-lines:]
                    tails.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(tails)[-4000:]
