"""Measuring one reconciler command (wall time, peak memory of its own process) and counting
the API calls the sandboxes served."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.bytecode import compiled
from bench.generate import Counts, Platforms


@dataclass(frozen=True, slots=True)
class Run:
    """One command: exit code, wall seconds, peak resident memory (MiB), last output line,
    CPU seconds (user + system, every thread)."""

    code: int
    seconds: float
    peak_mib: float
    summary: str
    cpu: float = 0.0


def run_reconciler(root: Path, *args: str, prelude: str = "") -> Run:
    """`python -m reconciler --manifests <root>/manifests ...` in `root`, output to a file;
    `prelude` is Python run first in the same process (a benchmark's setting)."""
    compiled()
    log = root / f"{args[0]}.log"
    argv = ["--no-color", "--manifests", "manifests", *args]
    command = [sys.executable, "-m", "reconciler", *argv]
    if prelude:
        start = f"import runpy, sys\nsys.argv = {['reconciler', *argv]!r}\n"
        start += "runpy.run_module('reconciler', run_name='__main__')\n"
        command = [sys.executable, "-c", prelude + "\n" + start]
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=root, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    summary = lines[-1] if lines else ""
    cpu = usage.ru_utime + usage.ru_stime
    return Run(process.returncode, seconds, usage.ru_maxrss / 1024, summary, cpu)


def platforms(urls: dict[str, str]) -> Platforms:
    """Where the firm manifest points, from the sandbox process's base URLs."""
    tradovate = urls["tradovate"]
    return Platforms(
        f"{tradovate}/live/v1",
        f"{tradovate}/demo/v1",
        f"{urls['tradervue']}/api/v1",
        urls["traderpal"],
    )


def clear_requests(urls: dict[str, str]) -> None:
    for url in urls.values():
        httpx.post(f"{url}/_sandbox/requests/clear", timeout=60).raise_for_status()


def served(urls: dict[str, str]) -> dict[str, Counter[int]]:
    """API requests (admin ones excluded) each sandbox served since the last clear, by status."""
    counts = {}
    for name, url in urls.items():
        log = httpx.get(f"{url}/_sandbox/requests", timeout=300).json()
        counts[name] = Counter(e["status"] for e in log if e.get("domain") != "admin")
    return counts


def penalty_tickets(urls: dict[str, str]) -> int:
    """Penalty tickets the Tradovate sandbox issued so far."""
    return int(httpx.get(f"{urls['tradovate']}/_sandbox/limits", timeout=60).json()["tickets"])


def minimum_calls(counts: Counts) -> dict[str, int]:
    """The fewest requests that onboard the firm from empty, per platform: one sign-in, the
    list reads a refresh needs (largest pages), then every create at the largest batch."""
    users, accounts = counts.traders, counts.accounts
    return {
        # sign-in; user/list, subscription plan list, account/list (accounts by natural key),
        # adminAlert/list (the MDA alert id is checked whenever entitlements are declared)
        "tradovate": 1 + 4 + math.ceil(users / 100) + users + math.ceil(accounts / 100),
        # GET /users (no pagination), then POST /users per user (no batch endpoint)
        "tradervue": 1 + users,
        # one page of GET /v1/users (empty platform), then POST /v1/users per user
        "traderpal": 1 + users,
    }


def per_object_calls(counts: Counts) -> int:
    """What the per-object baseline sends: a sign-in, then one request per object."""
    return 1 + counts.traders * 4 + counts.accounts
