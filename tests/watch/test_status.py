"""Status lines: one flushed JSON object per line with ts, event and details."""

from __future__ import annotations

import io
import json

from reconciler.watch.status import StatusWriter
from tests.fakes import MONDAY_MORNING


def test_each_call_writes_one_json_line() -> None:
    out = io.StringIO()
    status = StatusWriter(out, clock=lambda: MONDAY_MORNING + 0.25)
    status("started", traders=3, streams=["tradovate"])
    status("stopped")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {
            "ts": "2026-03-02T08:00:00.250Z",
            "event": "started",
            "details": {"traders": 3, "streams": ["tradovate"]},
        },
        {"ts": "2026-03-02T08:00:00.250Z", "event": "stopped", "details": {}},
    ]
