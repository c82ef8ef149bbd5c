"""JSON documents on disk, replaced atomically (temp file in the same folder, fsync, rename),
and saved behind the changes that make them (`WriteBehind`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler.files import write_atomically


def write_json_atomic(path: Path, document: Any) -> None:
    """Write `document` to `path` so readers see either the old or the new file, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(document, separators=(",", ":")).encode())


def kept_requests(
    requests: deque[Any], data_path: Path | None, *, then: Callable[[], None]
) -> Callable[[], None]:
    """For a sandbox keeping its world in `data_path`: fill `requests` with the log kept beside
    it (`<name>.requests.json`), and return the on-stop action that saves the log, then runs
    `then`. So `sandbox requests` lists what every embedded run served, not just its own."""
    if data_path is None:
        return then
    path = data_path.with_name(f"{data_path.stem}.requests.json")
    with contextlib.suppress(OSError, ValueError):
        kept = read_json(path)
        if isinstance(kept, list):
            requests.extend(entry for entry in kept if isinstance(entry, dict))

    def stop() -> None:
        try:
            write_json_atomic(path, list(requests))
        except OSError:
            pass  # a convenience for `sandbox requests`: never the error a command reports
        finally:
            then()

    return stop


def read_json(path: Path) -> Any:
    """The JSON document stored at `path`."""
    return json.loads(path.read_bytes())


class WriteBehind:
    """Saves a document after it changed without every change paying for a whole save.

    While saving is cheap (under `slow` seconds) the document is saved right after each
    change, so a sandbox killed at any moment has kept everything it answered. Once saves get
    slow (a world of 100,000 traders takes seconds to write), the next save waits until `ratio`
    times the last save's duration has passed, so saving takes at most about 1/ratio of the
    time; what changed meanwhile is saved then, or by `flush` (call it when the server stops).
    Not thread-safe: use it from the event loop that makes the changes (and `flush` once that
    loop stopped).
    """

    def __init__(
        self,
        path: Path | None,
        dump: Callable[[], Any],
        *,
        ratio: float = 10.0,
        slow: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._dump = dump
        self._ratio = ratio
        self._slow = slow
        self._clock = clock
        self._not_before = 0.0
        self._is_dirty = False
        self._timer: asyncio.TimerHandle | None = None

    def changed(self) -> None:
        """The document changed: save it now, or schedule the save (inside a running loop)."""
        if self.path is None:
            return
        self._is_dirty = True
        delay = self._not_before - self._clock()
        if delay <= 0:
            self.save()
        elif self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(delay, self._deferred)

    def save(self) -> None:
        """Write the document now (atomically)."""
        if self.path is None:
            return
        started = self._clock()
        write_json_atomic(self.path, self._dump())
        finished = self._clock()
        took = finished - started
        self._not_before = finished + took * self._ratio if took >= self._slow else 0.0
        self._is_dirty = False

    def flush(self) -> None:
        """Save what changed since the last save, if anything."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._is_dirty:
            self.save()

    def _deferred(self) -> None:
        self._timer = None
        if self._is_dirty:
            self.save()
