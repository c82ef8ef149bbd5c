"""Resident memory of one command over time: where a large firm's plan peaks.

    python -m bench.rss_timeline ROOT [--tree PATH] [--watch]

Runs `reconciler plan` in ROOT (a firm `bench/plan_stages.py --serve` applied and serves),
with PATH first on PYTHONPATH when given (to compare trees on one firm), samples its resident
memory every 50 ms, and prints the largest sample of each second, the peak and the CPU
seconds. With `--watch`, runs `reconciler watch` instead until its first run is reported (its
first `planned` or `applied` event), then stops it with SIGTERM: the peak of a watch's first
full run. On Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.bytecode import compiled

INTERVAL = 0.05
"""Seconds between samples."""

GRACE = 1.0
"""Seconds sampled after the line `until` waits for, before the process is stopped."""

WATCH_DONE = ('"event":"planned"', '"event":"applied"')
"""What watch prints once its first run is over (JSON log lines)."""


@dataclass
class Timeline:
    """The largest resident memory (MiB) of each second, the peak, the CPU seconds (user and
    system) and the lines the command printed."""

    per_second: dict[int, int] = field(default_factory=dict)
    peak: int = 0
    cpu: float = 0.0
    lines: list[str] = field(default_factory=list)


def sample(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    until: Sequence[str] = (),
    timeout: float = 900.0,
) -> Timeline:
    """Run `command`, sampling its memory until it ends; with `until`, until it prints a line
    holding one of those texts (then GRACE more seconds, and it is stopped)."""
    timeline = Timeline()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    threading.Thread(target=_read_lines, args=(process, timeline.lines), daemon=True).start()
    started = time.monotonic()
    done_at: float | None = None
    while process.poll() is None and time.monotonic() - started < timeout:
        rss = _rss_mib(process.pid)
        second = int(time.monotonic() - started)
        timeline.per_second[second] = max(timeline.per_second.get(second, 0), rss)
        timeline.peak = max(timeline.peak, rss)
        if done_at is None and until and any(t in line for line in timeline.lines for t in until):
            done_at = time.monotonic()
        if done_at is not None and time.monotonic() - done_at > GRACE:
            break
        time.sleep(INTERVAL)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timeline.cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return timeline


def _read_lines(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))


def _rss_mib(pid: int) -> int:
    try:
        with Path(f"/proc/{pid}/status").open() as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path, help="a served firm's directory (holds manifests/)")
    parser.add_argument("--tree", type=Path, help="a checkout to run instead of this one")
    parser.add_argument("--watch", action="store_true", help="a watch's first run, not a plan")
    options = parser.parse_args()
    compiled()
    env = dict(os.environ)
    if options.tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(options.tree), env.get("PYTHONPATH")])
        )
    verb = "watch" if options.watch else "plan"
    command = [sys.executable, "-m", "reconciler", "--no-color", "--manifests", "manifests", verb]
    timeline = sample(command, cwd=options.root, env=env, until=WATCH_DONE if options.watch else ())
    print(" ".join(f"{s}:{mib}" for s, mib in sorted(timeline.per_second.items())))
    print(f"peak {timeline.peak} MiB, {timeline.cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
