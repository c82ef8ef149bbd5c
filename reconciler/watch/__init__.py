"""`reconciler watch`: a long-running reconcile loop driven by the platforms' event streams,
manifest changes and an optional interval, with status lines and a liveness endpoint."""

from __future__ import annotations

from reconciler.watch.health import Health, HealthServer
from reconciler.watch.loop import Watcher
from reconciler.watch.settings import WatchSettings
from reconciler.watch.status import Status, StatusWriter

__all__ = ["Health", "HealthServer", "Status", "StatusWriter", "WatchSettings", "Watcher"]
