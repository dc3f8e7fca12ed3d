"""Running configured services in one process: start, serve health and metrics, stop on SIGTERM.

``run(config)`` serves ``/metrics`` (Prometheus text), ``/ready`` and ``/healthz`` on
``metrics_port`` when given (bound first: a port in use is a ConfigurationError before any
consumer starts), then opens one broker for the process and starts every chosen service.
``/ready`` answers 200 only while every service's consumer is registered on a live connection,
503 otherwise. SIGTERM and SIGINT stop consuming, finish and acknowledge what is in flight, then
close (DESIGN.md rule 8).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from cjx.errors import ConfigurationError
from cjx.service._config import Config, check_dedup_paths, check_ordering_secret
from cjx.service._metrics import render
from cjx.service._runtime import Service
from cjx.transport import Broker, open_broker

__all__ = ["Runner", "serve_health"]

log = logging.getLogger("cjx.service")


class Runner:
    """The services of one process on one broker."""

    def __init__(
        self, config: Config, names: Sequence[str] = (), *, broker: Broker | None = None
    ) -> None:
        chosen = [config.service(n) for n in names] if names else list(config.services)
        if not chosen:
            raise ConfigurationError("no service to run")
        check_dedup_paths(chosen, config.source)
        check_ordering_secret(chosen, config.ordering_secret, config.source)
        # one broker (one connection) per process: its confirm window is the largest asked for
        window = max(c.options.confirm_window for c in chosen)
        self.broker = broker or open_broker(config.broker_url, confirm_window=window)
        self.services = [
            Service(c, self.broker, peers=config.services, ordering_secret=config.ordering_secret)
            for c in chosen
        ]

    @property
    def ready(self) -> bool:
        return all(s.ready for s in self.services)

    async def start(self) -> None:
        await self.broker.connect()
        for service in self.services:
            await service.start()

    async def stop(self) -> bool:
        # late deliveries stay unsettled: closing the broker returns them in order
        results = await asyncio.gather(*(s.stop(return_late=False) for s in self.services))
        await self.broker.close()
        return all(results)

    async def run(self, *, metrics_port: int | None = None, host: str = "127.0.0.1") -> int:
        """Run until SIGTERM or SIGINT; 0 after a clean stop, 1 if work was left in flight."""
        server = None
        if metrics_port is not None:
            # bound before anything starts: a port in use stops the process before it has
            # connected to the broker or taken anything from it
            try:
                server = await serve_health(self, host, metrics_port)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot serve metrics on {host}:{metrics_port} (--metrics-host, "
                    f"--metrics-port): {exc.strerror or exc}"
                ) from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await self.start()
            log.info(
                "running",
                extra={
                    "cjx": {
                        "services": [s.config.name for s in self.services],
                        "broker": self.broker.name,
                    }
                },
            )
            await stop.wait()
            log.info("stopping", extra={"cjx": {"event": "signal"}})
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            if server is not None:
                server.close()
                with contextlib.suppress(Exception):
                    await server.wait_closed()
            clean = await self.stop()
        return 0 if clean else 1


async def serve_health(runner: Runner, host: str, port: int) -> asyncio.Server:
    """A minimal HTTP/1.0 server: GET /metrics, /ready, /healthz."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
                pass
            parts = request.decode("latin-1").split()
            path = parts[1] if len(parts) >= 2 else ""
            if path == "/metrics":
                status, body, kind = "200 OK", render(), "text/plain; version=0.0.4"
            elif path == "/ready":
                ok = runner.ready
                status = "200 OK" if ok else "503 Service Unavailable"
                body, kind = (b"ready\n" if ok else b"not ready\n"), "text/plain"
            elif path == "/healthz":
                status, body, kind = "200 OK", b"alive\n", "text/plain"
            else:
                status, body, kind = "404 Not Found", b"not found\n", "text/plain"
            writer.write(
                f"HTTP/1.0 {status}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError, ValueError):
            pass  # ValueError: a request line longer than the reader's limit
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.start_server(handle, host, port)
