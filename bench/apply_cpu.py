"""An apply from empty, with and without the throttle on calls in flight, alternately: the
block firm of `bench/plan_stages.py` against fresh sandboxes at a given latency (wall and CPU
seconds and peak memory of each apply; the machine may be shared, so runs alternate).

`python -m bench.apply_cpu --traders 10000 --latency 0 --pairs 3`. "fixed" keeps the most
batches in flight at all times (the throttle told never to go down), as before it existed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench.generate import Platforms
from bench.measure import platforms, run_reconciler
from bench.plan_stages import secrets, write_firm
from bench.sandboxes import Sandboxes

_FIXED = "import reconciler.apply.throttle as throttle\nthrottle.SLOWER = float('inf')"


def apply_once(root: Path, traders: int, latency: float, *, fixed: bool) -> str:
    """One apply of a new firm in `root` on fresh sandboxes: a line of its figures."""
    with Sandboxes(latency=latency) as sandboxes:
        write_firm(root / "manifests", platforms(sandboxes.urls), traders)
        run = run_reconciler(root, "apply", "--auto-approve", prelude=_FIXED if fixed else "")
    label = "fixed" if fixed else "throttled"
    return f"{label}: cpu {run.cpu:.1f} s, peak {run.peak_mib:.0f} MiB: {run.summary}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--traders", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--pairs", type=int, default=2)
    options = parser.parse_args()
    os.environ.update(secrets(Platforms("", "", "", "")))  # the credentials are the defaults
    with tempfile.TemporaryDirectory(prefix="reconciler-apply-") as temp:
        for pair in range(options.pairs):
            for fixed in (True, False):
                root = Path(temp) / f"{pair}-{fixed}"
                print(apply_once(root, options.traders, options.latency, fixed=fixed), flush=True)


if __name__ == "__main__":
    main()
