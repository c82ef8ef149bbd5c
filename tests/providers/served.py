"""A plain `http.server` served from a thread, for tests that need a real socket."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
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
