"""The memory sampler the scale results' timelines come from: it sees what a command holds,
and stops a long-running one once it reports what is waited for."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.rss_timeline import sample

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

HOLDS = "import time; held = bytearray(80 * 2**20); held[::4096] = b'x' * len(held[::4096]); "


def test_the_peak_is_what_the_command_held(tmp_path: Path) -> None:
    command = [sys.executable, "-c", HOLDS + "time.sleep(0.5)"]

    timeline = sample(command, cwd=tmp_path)

    assert timeline.peak >= 80
    assert max(timeline.per_second.values()) == timeline.peak
    assert timeline.cpu > 0


def test_a_long_command_is_stopped_once_it_reports_what_is_waited_for(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-u",
        "-c",
        "import time; print('ready', flush=True); time.sleep(600)",
    ]

    timeline = sample(command, cwd=tmp_path, until=("ready",), timeout=60)

    assert timeline.lines == ["ready"]
    assert max(timeline.per_second) < 30  # stopped a grace second after, not at the timeout
