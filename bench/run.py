"""The scale benchmark: `python bench/run.py [--quick] [--sizes 1000,10000,100000]`.

For each firm size N (traders on all three platforms, 1-2 evaluation accounts each): plan
with everything to create, apply at the request latency (20 ms), plan with nothing to change;
peak memory of each command; API calls of the apply against the theoretical minimum; and the
per-object baseline on the same sandboxes (fresh, same configuration) with the ratio. Then a
paced apply under a small per-minute limit, counting 429s and penalty tickets.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baseline import run_baseline
from bench.generate import Counts, write_firm, write_traders
from bench.measure import (
    clear_requests,
    minimum_calls,
    penalty_tickets,
    per_object_calls,
    platforms,
    run_reconciler,
    served,
)
from bench.sandboxes import Limits, Sandboxes

ROOT = Path(__file__).resolve().parent.parent
UNPACED = {
    "tradovate": [
        {"endpoint": endpoint, "limit": 10**9, "per_seconds": 1}
        for endpoint in ("all", "contactinfo/updatecontactinfo")
    ]
}
"""The throughput runs' sandboxes are unlimited, and the firm says so (pacing stays on)."""


@dataclass(frozen=True, slots=True)
class Row:
    traders: int
    plan_noop: float
    plan_create: float
    peak_mib: float
    calls: int
    minimum: int
    apply_seconds: float
    refused: int
    baseline_seconds: float | None
    baseline_estimated: bool
    note: str


def measure(size: int, work: Path, *, latency: float, baseline: bool) -> tuple[Row, float]:
    """One firm size; returns the row and the baseline's seconds per request (0: not run)."""
    root = work / f"firm-{size}"
    manifests = root / "manifests"
    with Sandboxes() as sandboxes:
        write_firm(manifests, platforms(sandboxes.urls))  # the documented limits: the plan note
        counts = write_traders(manifests, size)
        note_run = run_reconciler(root, "plan")
        note = _note(root / "plan.log")
        write_firm(manifests, platforms(sandboxes.urls), rate_limits=UNPACED)
        create = run_reconciler(root, "plan")
        sandboxes.latency(latency)
        clear_requests(sandboxes.urls)
        applied = run_reconciler(root, "apply", "--auto-approve")
        statuses = served(sandboxes.urls)
        sandboxes.latency(0.0)
        noop = run_reconciler(root, "plan")
    _check(applied.code == 0, f"apply failed: {applied.summary}")
    _check(noop.summary.startswith("No changes"), f"plan after apply: {noop.summary}")
    calls = sum(sum(c.values()) for c in statuses.values())
    refused = sum(c[429] for c in statuses.values())
    per_request = 0.0
    seconds = None
    if baseline:
        with Sandboxes(latency=latency) as sandboxes:
            outcome = run_baseline(sandboxes.urls, size)
        _check(outcome.failed == 0, f"the baseline had {outcome.failed} failed requests")
        seconds, per_request = outcome.seconds, outcome.seconds / outcome.requests
    row = Row(
        traders=size,
        plan_noop=noop.seconds,
        plan_create=create.seconds,
        peak_mib=max(note_run.peak_mib, create.peak_mib, applied.peak_mib, noop.peak_mib),
        calls=calls,
        minimum=sum(minimum_calls(counts).values()),
        apply_seconds=applied.seconds,
        refused=refused,
        baseline_seconds=seconds,
        baseline_estimated=False,
        note=note,
    )
    return row, per_request


def paced(
    work: Path, *, traders: int, per_minute: int, contacts_per_minute: int
) -> dict[str, object]:
    """An apply whose calls exceed the sandboxes' per-minute limits, paced under them."""
    root = work / "paced"
    manifests = root / "manifests"
    limits = Limits(per_minute, contacts_per_minute, per_minute)
    declared = {
        "tradovate": [
            {"endpoint": "all", "limit": per_minute, "per_seconds": 60},
            {
                "endpoint": "contactinfo/updatecontactinfo",
                "limit": contacts_per_minute,
                "per_seconds": 60,
            },
        ],
        "tradervue": [{"endpoint": "all", "limit": per_minute, "per_seconds": 60}],
    }
    with Sandboxes(limits=limits) as sandboxes:
        write_firm(manifests, platforms(sandboxes.urls), rate_limits=declared)
        write_traders(manifests, traders)
        clear_requests(sandboxes.urls)
        applied = run_reconciler(root, "apply", "--auto-approve")
        statuses = served(sandboxes.urls)
        tickets = penalty_tickets(sandboxes.urls)
    return {
        "traders": traders,
        "per_minute": per_minute,
        "contacts_per_minute": contacts_per_minute,
        "calls": {name: sum(c.values()) for name, c in statuses.items()},
        "refused": sum(c[429] for c in statuses.values()),
        "tickets": tickets,
        "seconds": round(applied.seconds, 1),
        "exit": applied.code,
        "summary": applied.summary,
    }


def _note(log: Path) -> str:
    for line in log.read_text().splitlines():
        if line.startswith("Note: apply will take"):
            return line.removeprefix("Note: ")
    return ""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"benchmark failed: {message}")


def table(rows: list[Row], latency: float) -> str:
    ms = round(latency * 1000)
    lines = [
        f"| traders | plan, no changes | plan, all to create | peak RSS | API calls / minimum "
        f"| apply at {ms} ms | per-object at {ms} ms | speed-up |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        base = "-" if r.baseline_seconds is None else _duration(r.baseline_seconds)
        if r.baseline_estimated:
            base = f"~{base} (estimated)"
        ratio = (
            "-" if r.baseline_seconds is None else f"{r.baseline_seconds / r.apply_seconds:.1f}x"
        )
        lines.append(
            f"| {r.traders:,} | {r.plan_noop:.2f} s | {r.plan_create:.2f} s | "
            f"{r.peak_mib:,.0f} MiB | {r.calls:,} / {r.minimum:,} = {r.calls / r.minimum:.2f} | "
            f"{_duration(r.apply_seconds)} | {base} | {ratio} |"
        )
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def machine() -> str:
    cpu = "unknown CPU"
    for line in (
        Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    ):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB"
    python = f"Python {platform.python_version()}, {platform.system()}"
    return f"{cpu}, {os.cpu_count()} cores{memory}; {python}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="firm sizes (traders)")
    parser.add_argument("--quick", action="store_true", help="N = 1,000 only")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=10_000,
        help="run the per-object baseline up to this size; estimate it beyond",
    )
    parser.add_argument("--no-paced", action="store_true", help="skip the paced run")
    parser.add_argument("--workdir", type=Path, help="keep the firms here (default: a temp dir)")
    options = parser.parse_args()
    sizes = [1000] if options.quick else [int(s) for s in options.sizes.split(",")]
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="reconciler-bench-") as temp:
        work = options.workdir or Path(temp)
        rows: list[Row] = []
        per_request = 0.0
        for size in sizes:
            started = time.perf_counter()
            row, measured = measure(
                size, work, latency=options.latency, baseline=size <= options.baseline_max
            )
            if measured:
                per_request = measured
            elif per_request:
                estimate = per_request * per_object_calls(Counts.of(size))
                row = dataclasses.replace(row, baseline_seconds=estimate, baseline_estimated=True)
            rows.append(row)
            print(f"N={size:,} measured in {time.perf_counter() - started:.0f} s", flush=True)
        print()
        print(table(rows, options.latency))
        for row in rows:
            if row.refused:
                print(f"N={row.traders:,}: {row.refused} requests were refused with 429")
            if row.note:
                print(
                    f"\nplan note for N={row.traders:,} under the documented limits:\n  {row.note}"
                )
        if not options.no_paced:
            result = paced(work, traders=80, per_minute=60, contacts_per_minute=40)
            print("\npaced run:", json.dumps(result))


if __name__ == "__main__":
    main()
