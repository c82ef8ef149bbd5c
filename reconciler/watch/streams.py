"""The event streams of the open providers (those declaring `watch_kinds`), each on a daemon
thread reporting into the loop's inbox, and whether each is connected right now."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from reconciler.providers import Adapter, StreamStatus, WatchOptions, watchable

logger = logging.getLogger(__name__)

JOIN_SECONDS = 5.0


class Streams:
    """Started for one workspace's adapters and stopped before they close."""

    def __init__(self, sink: Callable[[object], None], options: WatchOptions) -> None:
        self._sink = sink
        self._options = options
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.connected: dict[str, bool] = {}

    def start(self, adapters: Mapping[str, Adapter]) -> None:
        """One thread per adapter with an event stream."""
        self._stop = threading.Event()
        for name, adapter in sorted(adapters.items()):
            source = watchable(adapter)
            if source is None:
                continue
            self.connected[name] = False
            thread = threading.Thread(
                target=self._run,
                args=(name, source.watch, self._stop),
                name=f"watch-{name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def note(self, news: StreamStatus) -> None:
        self.connected[news.provider] = news.connected

    def stop(self) -> None:
        """Ask every stream to end and wait a little for each (they are daemon threads)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(JOIN_SECONDS)
        self._threads.clear()
        self.connected.clear()

    def _run(self, name: str, watch: Callable[..., None], stop: threading.Event) -> None:
        """A provider's stream; an unexpected failure is reported and the stream restarted."""
        options = self._options
        while not stop.is_set():
            try:
                watch(self._sink, stop=stop, options=options)
            except Exception as exc:
                logger.exception("the %s event stream failed", name)
                detail = f"stream failed: {type(exc).__name__}"
                self._sink(StreamStatus(name, False, detail, retry_in=options.backoff_max))
                stop.wait(options.backoff_max)
