"""One reconciler command as the scale benchmark measures it: wall time, CPU time, peak
memory and the bytes it wrote to disk (its output file excluded), from the kernel's accounting
of the finished process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.bytecode import compiled


@dataclass(frozen=True, slots=True)
class Command:
    """A finished command: exit code, wall and CPU seconds, peak RSS (MiB), bytes written to
    files other than its output (None where /proc has no I/O accounting), last output line."""

    code: int
    seconds: float
    cpu: float
    peak_mib: float
    written: int | None
    summary: str


def run_command(root: Path, *args: str, env: Mapping[str, str] | None = None) -> Command:
    """`python -m reconciler --no-color --manifests manifests ARGS` in `root`, its output in
    `root/<first arg>.log`."""
    compiled()
    log = root / f"{args[0]}.log"
    command = [sys.executable, "-m", "reconciler", "--no-color", "--manifests", "manifests", *args]
    environment = {**os.environ, **(env or {})}
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=root, stdout=output, stderr=subprocess.STDOUT, env=environment
        )
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # a zombie keeps its counts
        seconds = time.perf_counter() - started
        written = _write_bytes(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text()
    if written is not None:
        written = max(0, written - len(text.encode()))
    lines = [line for line in text.splitlines() if line.strip()]
    return Command(
        code=process.returncode,
        seconds=seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,
        written=written,
        summary=lines[-1] if lines else "",
    )


def _write_bytes(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return None
    fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    return int(fields["write_bytes"])


def tree_size(folder: Path) -> int:
    """Bytes of every file below `folder` (0 when it does not exist)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def profile_stages(root: Path) -> dict[str, Any]:
    """Run `bench.stage_profile` on the firm at `root` in a fresh process: what it printed,
    with the process's wall and CPU seconds (`wall`, `wall_cpu`); its warnings go to
    `root/stage-profile.log`."""
    compiled()
    log = root / "stage-profile.log"
    with log.open("w") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.stage_profile", str(root)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"benchmark failed: the stage profile exited {process.returncode} ({log})")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return {**result, "wall": seconds, "wall_cpu": usage.ru_utime + usage.ru_stime}


def load() -> tuple[float, float, float]:
    return os.getloadavg()
