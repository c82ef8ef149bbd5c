"""A plain `http.server` served from a thread, for tests that need a real socket."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def served(server: http.server.ThreadingHTTPServer) -> Iterator[int]:
    """Serve `server` from a daemon thread while the block runs; yields its port."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def json_server(
    seen: Callable[[http.server.BaseHTTPRequestHandler], None],
    headers: Mapping[str, str] | None = None,
) -> Iterator[int]:
    """An HTTP/1.1 server keeping connections open that answers every GET with `{}` (and
    `headers`), after showing the request to `seen`; yields its port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # an answer in one write: no wait for a delayed acknowledgement

        def do_GET(self) -> None:
            seen(self)
            self.send_response(200)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    with served(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as port:
        yield port
