"""Liveness of `reconciler watch` and the HTTP endpoint that shows it: 200 while the loop makes
progress and every event stream is connected, 503 otherwise (any path, GET or HEAD)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.providers.sandbox import serve_app


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
    """The endpoint on `host:port` (port 0 picks a free one, then `port` tells which), served
    by uvicorn from a daemon thread; OSError when it cannot listen there."""

    def __init__(self, health: Health, *, host: str, port: int) -> None:
        async def answer(request: Request) -> Response:
            healthy, report = health.report()
            return JSONResponse(report, status_code=200 if healthy else 503)

        app = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "HEAD"])])
        try:
            self._server = serve_app(app, host=host, port=port, name="watch-health")
        except RuntimeError as exc:
            raise OSError(str(exc)) from exc
        self.port = self._server.port

    def close(self) -> None:
        self._server.stop()
