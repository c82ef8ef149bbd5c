"""Serving an ASGI app from a daemon thread (`serve_app`: the sandboxes and `watch`'s health
endpoint), and the raw ASGI moves the sandboxes' middleware needs (read a body, answer JSON,
reset a connection)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import uvicorn
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Send

logger = logging.getLogger(__name__)

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


class RunningServer:
    """A started uvicorn server; `url` is `http://127.0.0.1:<port>` until `stop()`.

    Also a context manager that stops the server on exit. `server` and `thread` are the
    uvicorn server and the daemon thread running it; `on_stop` runs once the server has
    stopped (a sandbox saves what it has not saved yet); `on_stopping` runs first, when it is
    asked to stop (a sandbox ends its injected delays).
    """

    def __init__(
        self,
        server: uvicorn.Server,
        thread: threading.Thread,
        *,
        on_stop: Callable[[], None] | None = None,
        on_stopping: Callable[[], None] | None = None,
    ) -> None:
        self.server = server
        self.thread = thread
        self._on_stop = on_stop
        self._on_stopping = on_stopping
        self.port = bound_port(server)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self, *, wait: bool = True) -> None:
        """Ask the server to exit (idempotent); `wait` for its thread to finish (~0.2 s).

        Without waiting, requests already sent are still answered and the port closes shortly.
        """
        if self._on_stopping is not None:
            self._on_stopping()
        self.server.should_exit = True
        if wait and self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(_STOP_TIMEOUT)
        if self._on_stop is not None and not self.thread.is_alive():
            on_stop, self._on_stop = self._on_stop, None
            on_stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r})"


def bound_port(server: uvicorn.Server) -> int:
    """The TCP port a started uvicorn server listens on (read from its sockets)."""
    for listener in server.servers:
        for sock in listener.sockets:
            port = sock.getsockname()[1]
            if isinstance(port, int):
                return port
    raise RuntimeError("the server has no bound socket")


def _run(server: uvicorn.Server) -> None:
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot bind; serve_app reports that
        logger.debug("the server exited during startup")


def serve_app(
    app: ASGIApp, *, port: int = 0, host: str = "127.0.0.1", name: str = "sandbox-server"
) -> RunningServer:
    """Serve `app` on `host` (port 0 picks a free one) from a daemon thread called `name` and
    return once it accepts requests; RuntimeError when it cannot start (the port is taken, the
    host unknown)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
        date_header=False,  # a sandbox dates its answers by its own clock, if at all
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=_run, args=(server,), name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the server could not start on {host}:{port}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the server did not start in time")
        time.sleep(0.005)
    return RunningServer(server, thread)


def catch_all_app(
    handler: Callable[[Request], Awaitable[Response]],
    *,
    state: object,
    websockets: Sequence[WebSocketRoute] = (),
) -> Starlette:
    """One route for every path and method, handing each request to `handler` (an emulator
    dispatches on paths itself), after the given WebSocket routes. A caller that disconnects
    before its request arrived whole (e.g. a killed apply) gets 499: like a real platform, the
    emulator never saw it."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ClientDisconnect:
            return Response(status_code=499)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[*websockets, Route("/{path:path}", endpoint, methods=methods)])
    app.state.sandbox = state
    return app


async def read_json_object(request: Request) -> dict[str, Any] | None:
    """The JSON object in a request body ({} when empty); None when it is not a JSON object."""
    return parse_json_object(await request.body())


def parse_json_object(raw: str | bytes) -> dict[str, Any] | None:
    """The JSON object in a body or frame ({} when empty); None when it is not a JSON object."""
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def json_body(payload: Any) -> bytes:
    """`payload` as compact UTF-8 JSON, the text `json.dumps(payload, separators=(",", ":"),
    ensure_ascii=False)` writes, encoded several times faster (large list answers); a float
    with a small exponent may come out shorter (`1e-7` for `1e-07`), the same number."""
    return to_json(payload)


async def read_body(receive: Receive) -> bytes:
    """The whole request body (empty when the caller disconnected first)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the already-read body to the app once, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def send_json(send: Send, status: int, payload: Any, headers: Mapping[str, str]) -> None:
    """Answer `status` with `payload` as JSON (None: an empty body) and `headers`."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    body = b""
    if payload is not None:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        raw.append((b"content-type", b"application/json"))
    raw.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def reset_connection(send: Send) -> None:
    """Reset the caller's TCP connection (RST, no answer). The transport comes from uvicorn's
    `send`; where there is none (an in-process test client) the request fails instead."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionResetError("injected connection reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    for _ in range(3):  # let the server notice the lost connection before the app returns
        await asyncio.sleep(0)
