"""Liveness of `reconciler watch` and the HTTP endpoint that shows it: 200 while the loop makes
progress and every event stream is connected, 503 otherwise (any path, GET or HEAD)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Health:
    """What the loop last reported; read by the endpoint's thread.

    Invariant: healthy iff the loop beat within `stall_after` seconds (an apply in progress
    beats on every item) and no known stream is disconnected.
    """

    def __init__(self, *, stall_after: float, monotonic: Callable[[], float] = time.monotonic):
        self._stall_after = stall_after
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._beat = monotonic()
        self._streams: dict[str, bool] = {}

    def beat(self) -> None:
        with self._lock:
            self._beat = self._monotonic()

    def stream(self, provider: str, *, connected: bool) -> None:
        with self._lock:
            self._streams[provider] = connected

    def forget_streams(self) -> None:
        with self._lock:
            self._streams.clear()

    def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, a JSON-able description)."""
        with self._lock:
            idle = self._monotonic() - self._beat
            streams = {k: "connected" if v else "disconnected" for k, v in self._streams.items()}
            healthy = idle <= self._stall_after and all(self._streams.values())
        return healthy, {
            "status": "ok" if healthy else "unhealthy",
            "loop_idle_seconds": round(idle, 3),
            "streams": streams,
        }


class HealthServer:
    """The endpoint on `host:port` (port 0 picks a free one, then `port` tells which)."""

    def __init__(self, health: Health, *, host: str, port: int) -> None:
        handler = type("Handler", (_Handler,), {"health": health})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="watch-health", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class _Handler(BaseHTTPRequestHandler):
    health: Health

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        healthy, report = self.health.report()
        body = json.dumps(report).encode()
        self.send_response(200 if healthy else 503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: stdout carries status lines only, and probes would flood stderr."""
