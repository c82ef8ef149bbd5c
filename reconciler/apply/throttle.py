"""How many batches of one platform are sent at once: as many as allowed while calls take as
long as the platform needs, fewer while they take longer because too many are under way.

Calls in flight only help while their answers are awaited. When a platform answers at once
(a sandbox, a fast network), this process is busy all the time: more threads then only queue
for the interpreter lock, so each call takes several times its own round trip and the extra
costs CPU without adding throughput (measured against the sandboxes at 0 ms, 10,000 traders:
8 batches in flight per platform took a fifth to a quarter more CPU than 1 or 2). The same
shows when a platform slows down under our load. So, as TCP Vegas does with a connection's
window, each lane compares how long its calls take with the shortest time the same kind of
call took lately: well over it, one call fewer goes at once; close to it, one more (up to
the most). A call's wait for a rate-limit token in the platform's pacer is left out: the
limits set that pace, and fewer calls at once would only slow the platform's other calls.
A call that ends wakes only as many waiting calls as may go now: each thread woken takes
the interpreter lock, and one that finds no free slot only goes back to wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

from reconciler.providers import paced_here

WINDOW = 0.5
"""Seconds between two decisions (a tuning of ours, assumed: not a platform rule)."""

SLOWER = 1.6
"""Calls taking this many times their recent shortest, or more: one fewer at once (a tuning
of ours, assumed)."""

FASTER = 1.3
"""Calls taking less than this many times their recent shortest: one more at once (a tuning
of ours, assumed)."""

REMEMBERED = 20
"""Windows over which the shortest time of a kind of call is remembered, so a platform that
became slower for good is not taken for our own queueing for long (a tuning of ours,
assumed)."""


class Gauge:
    """The timing side of a throttle, without threads: calls' durations by the kind of call
    (`record`), and at the end of each window the new limit (`decide`)."""

    def __init__(self, most: int, *, now: float) -> None:
        self.most = max(1, most)
        self.limit = self.most  # start wide: a slow platform is not slowed while measured
        self._window_start = now
        self._spent: dict[Hashable, list[float]] = {}  # kind: [seconds, calls, shortest]
        self._shortest: dict[Hashable, deque[float]] = {}  # recent windows' shortest call

    def record(self, kind: Hashable, seconds: float) -> None:
        spent = self._spent.get(kind)
        if spent is None:
            self._spent[kind] = [seconds, 1.0, seconds]
            return
        spent[0] += seconds
        spent[1] += 1
        spent[2] = min(spent[2], seconds)

    def decide(self, now: float) -> int:
        """The limit from now on (changed only once a window has passed with calls in it)."""
        if now - self._window_start < WINDOW or not self._spent:
            return self.limit
        took = expected = 0.0
        for kind, (seconds, calls, shortest) in self._spent.items():
            recent = self._shortest.setdefault(kind, deque(maxlen=REMEMBERED))
            recent.append(shortest)
            took += seconds
            expected += min(recent) * calls
        self._spent.clear()
        self._window_start = now
        self.limit = next_limit(self.limit, self.most, took / expected if expected else 1.0)
        return self.limit


def next_limit(limit: int, most: int, stretch: float) -> int:
    """The limit after a window whose calls took `stretch` times their recent shortest: one
    fewer when much longer, one more when close, never below 1 nor above `most`."""
    if stretch >= SLOWER:
        return max(1, limit - 1)
    if stretch < FASTER:
        return min(most, limit + 1)
    return max(1, min(most, limit))


class Throttle:
    """A limit on one lane's calls in flight, between 1 and `most` (see the module)."""

    def __init__(self, most: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._gauge = Gauge(most, now=clock())
        self._busy = 0
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        return self._gauge.limit

    @contextmanager
    def slot(self, kind: Hashable) -> Iterator[None]:
        """Wait for a free slot under the current limit and hold it for one call of `kind`
        (calls of one kind are expected to take alike). Time the call waited in the
        platform's pacer is not counted: the rate limits, not the calls in flight, set it."""
        with self._changed:
            while self._busy >= self._gauge.limit:
                self._changed.wait()
            self._busy += 1
        started, paced = self._clock(), paced_here()
        try:
            yield
        finally:
            ended = self._clock()
            # a wait for a token is no queue (and a pacer's sleep may be a test's, not timed)
            took = max(0.0, ended - started - (paced_here() - paced))
            with self._changed:
                self._busy -= 1
                self._gauge.record(kind, took)
                free = self._gauge.decide(ended) - self._busy
                if free > 0:  # wake only as many as may go: the others would only wait again
                    self._changed.notify(free)


__all__ = ["FASTER", "REMEMBERED", "SLOWER", "WINDOW", "Gauge", "Throttle", "next_limit"]
