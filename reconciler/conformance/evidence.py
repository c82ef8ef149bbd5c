"""What a conformance run found per checklist line: pass or fail, why, and the exchanges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx
from websockets.exceptions import WebSocketException

from reconciler.conformance.caller import ConformanceFailure
from reconciler.conformance.recorder import Recorder
from reconciler.errors import ReconcilerError

LineStatus = Literal["pass", "fail", "not run"]


@dataclass(frozen=True, slots=True)
class LineOutcome:
    """One line's result: `seqs` are the log's sequence numbers of its exchanges."""

    line: str
    status: LineStatus
    detail: str
    seqs: tuple[int, ...] = ()


class Evidence:
    """Runs each line's check, catching what a platform may throw at it, and keeps outcomes."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.outcomes: dict[str, LineOutcome] = {}

    def check(
        self, line: str, run: Callable[[], str | None], *, also: tuple[int, ...] = ()
    ) -> bool:
        """Run one check: its return value is the evidence's summary; a failure's message is.
        `also` adds exchanges made earlier that prove it (a line judged on the whole log)."""
        start = len(self._recorder.exchanges)
        with self._recorder.line(line):
            try:
                detail = run() or "as expected"
                status: LineStatus = "pass"
            except ConformanceFailure as exc:
                detail, status = str(exc), "fail"
            except (
                httpx.HTTPError, WebSocketException, OSError, ReconcilerError, KeyError,
                IndexError, TypeError, ValueError, TimeoutError,
            ) as exc:  # fmt: skip
                detail, status = f"{type(exc).__name__}: {exc}", "fail"
        seqs = (*also, *(e.seq for e in self._recorder.since(start)))
        self.outcomes[line] = LineOutcome(line, status, detail, seqs)
        return status == "pass"

    def skip(self, line: str, why: str) -> None:
        self.outcomes[line] = LineOutcome(line, "not run", why)
