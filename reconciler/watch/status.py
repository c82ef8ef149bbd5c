"""Status lines of `reconciler watch`: one JSON object per line on stdout, `{"ts", "event",
"details"}`, so log shippers and `jq` read them; nothing secret is ever passed in."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO


class StatusWriter:
    """Writes and flushes one line per call; safe to call from several threads."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()

    def __call__(self, event: str, **details: Any) -> None:
        moment = datetime.fromtimestamp(self._clock(), UTC)
        line = {
            "ts": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "event": event,
            "details": details,
        }
        text = json.dumps(line, default=str, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()


Status = Callable[..., None]
"""What the loop reports through: `status(event, **details)`."""
