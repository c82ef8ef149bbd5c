"""One signature's watch run, in process: `python bench/watch_run.py [--size 10000] [--runs 3]
[--profile FILE]`.

The benchmark firm is applied from empty (every trader waits for their signature), then
trader after trader signs and one targeted watch run (`reconciler.watch.runs.run`, as the
loop calls it, with a trader index kept across runs) handles each signature. Reported per
run: wall and CPU seconds and whether the sandbox shows the trader entitled; `--profile FILE`
writes each run's cProfile statistics to FILE.0, FILE.1, ... (read them with `python -m pstats`).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/watch_run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import write_firm, write_traders
from bench.measure import platforms, run_reconciler
from bench.run import UNPACED, machine
from bench.sandboxes import Sandboxes
from bench.watch_burst import Tradovate, _username
from reconciler.providers import PreconditionMet
from reconciler.watch.runs import RunOptions, run
from reconciler.watch.targets import TraderIndex
from reconciler.workspace import Workspace, open_workspace


def signature(user_id: int, username: str) -> PreconditionMet:
    """What the Tradovate stream reports when `username` signs."""
    return PreconditionMet(
        kind="tradovate_user",
        remote_id=str(user_id),
        natural_key=username,
        facts={"mda_signed": True},
        unblocks=("tradovate_entitlement",),
        detail="signed",
    )


def one_run(workspace: Workspace, index: TraderIndex, event: PreconditionMet) -> list[str]:
    """The run for `event`; the status lines it wrote (their names)."""
    lines: list[str] = []

    def status(name: str, **_: Any) -> None:
        lines.append(name)

    run(
        workspace,
        [event],
        RunOptions(None, lock_timeout=10.0),
        index=index,
        status=status,
        beat=lambda: None,
        is_stopping=lambda: False,
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="firm size (traders)")
    parser.add_argument("--runs", type=int, default=3, help="signatures, one run each")
    parser.add_argument("--profile", type=Path, help="write each run's cProfile to FILE.<run>")
    options = parser.parse_args()
    print(f"machine: {machine()}; load {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="reconciler-watch-run-") as temp:
        root = Path(temp)
        with Sandboxes() as sandboxes:
            firm = platforms(sandboxes.urls)
            write_firm(root / "manifests", firm, rate_limits=UNPACED)
            write_traders(root / "manifests", options.size)
            applied = run_reconciler(root, "apply", "--auto-approve")
            if applied.code != 0:
                raise SystemExit(f"apply failed: {applied.summary}")
            tradovate = Tradovate(sandboxes.urls["tradovate"], firm)
            os.chdir(root)
            with open_workspace(Path("manifests")) as workspace:
                index = TraderIndex(workspace.resources, workspace.store.read())
                for n in range(options.runs):
                    name = _username(n)
                    [user_id] = tradovate.sign([name])
                    profile = cProfile.Profile() if options.profile else None
                    wall, cpu = time.perf_counter(), time.process_time()
                    if profile is not None:
                        profile.enable()
                    lines = one_run(workspace, index, signature(user_id, name))
                    if profile is not None:
                        profile.disable()
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    done = bool(tradovate.entitled([user_id]))
                    print(f"run {n}: {wall:.3f} s wall, {cpu:.3f} s CPU; entitled: {done}; {lines}")
                    if profile is not None:
                        profile.dump_stats(f"{options.profile}.{n}")
            tradovate.close()


if __name__ == "__main__":
    main()
