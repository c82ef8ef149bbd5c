"""How `reconciler watch` behaves: the manifests it reads, its interval, polling, retries and
stream options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.providers import WatchOptions
from reconciler.workspace import StateChoice


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """How the loop behaves. A failed run is retried after `retry` seconds, doubling up to
    `retry_max`; a run that found the state locked after `retry`. The first full plan waits up
    to `connect_timeout` for the streams, so that their catch-up reads serve it."""

    manifests: Path
    interval: float | None = None
    poll: float = 1.0
    lock_timeout: float = 10.0
    retry: float = 5.0
    retry_max: float = 300.0
    connect_timeout: float = 15.0
    max_cancel: int | None = None
    stream: WatchOptions = field(default_factory=WatchOptions)
    environ: Mapping[str, str] | None = None
    choice: StateChoice | None = None
