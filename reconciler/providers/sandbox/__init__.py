"""What every platform's sandbox shares: serving an app on 127.0.0.1 (`serve_app`, also used by
`watch`'s health endpoint), the skeleton, replies, fault injection and the sandboxes'
credentials."""

from __future__ import annotations

from reconciler.providers.sandbox.server import RunningServer, serve_app

__all__ = ["RunningServer", "serve_app"]
