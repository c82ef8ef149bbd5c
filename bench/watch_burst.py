"""Watch at scale: `python bench/watch_burst.py [--sizes 1000,10000] [--burst 1000]`.

For each firm size N: the benchmark firm applied from empty (every T-Prop entitlement then
waits for its trader's Market Data Agreement signature), `reconciler watch` started against
the sandboxes (in a process of their own) and left to finish its first run and settle, then
one trader signs, and then a burst of K traders sign at once. Reported: seconds from the
(first) signature until the sandbox shows every signer entitled (polled through the
platform's own read calls), the watch runs that took, and the watch process's peak resident
memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

if __package__ in (None, ""):  # `python bench/watch_burst.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bytecode import compiled
from bench.generate import Platforms, write_firm, write_traders
from bench.measure import platforms, run_reconciler
from bench.run import UNPACED, machine
from bench.sandboxes import Sandboxes

POLL = 0.05
"""Seconds between two looks at the sandbox for entitlements."""
IDLE_CPU = 0.1
"""CPU seconds a second under which the watch process counts as idle (its stream's heartbeat
and the manifest poll use a few hundredths)."""
TIMEOUT = 900.0
"""Longest wait for one phase (the watch's start, a signature's entitlement)."""


@dataclass(frozen=True, slots=True)
class Phase:
    """Signers, wall seconds until all were entitled, watch runs it took, and the CPU seconds
    the watch process spent meanwhile (the machine may be shared: CPU time is steadier)."""

    signers: int
    seconds: float
    runs: int
    cpu: float


class Tradovate:
    """The Tradovate sandbox: signatures through its admin API, entitlements through the
    partner API (signed in as the firm's administrator)."""

    def __init__(self, base: str, firm: Platforms) -> None:
        self._admin = httpx.Client(base_url=f"{base}/_sandbox", timeout=60)
        self._live = httpx.Client(base_url=firm.tradovate_live, timeout=60)
        name, password, sec = firm.tradovate_login
        body = {"name": name, "password": password, "sec": sec, "appId": "bench"}
        token = self._live.post("/auth/accesstokenrequest", json=body).json()["accessToken"]
        self._live.headers["Authorization"] = f"Bearer {token}"

    def sign(self, usernames: Sequence[str]) -> list[int]:
        """Sign each trader's agreement (a few at a time); their user ids."""

        def one(name: str) -> int:
            reply = self._admin.post(f"/users/{name}/sign-mda")
            reply.raise_for_status()
            return int(reply.json()["relatedToUserId"])

        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(one, usernames))

    def entitled(self, user_ids: Sequence[int]) -> set[int]:
        """Which of the users hold an approved plugin."""
        found: set[int] = set()
        for start in range(0, len(user_ids), 500):
            chunk = ",".join(str(i) for i in user_ids[start : start + 500])
            reply = self._live.get("/userPlugin/ldeps", params={"masterids": chunk})
            reply.raise_for_status()
            found |= {p["userId"] for p in reply.json() if p.get("approval")}
        return found

    def close(self) -> None:
        self._admin.close()
        self._live.close()


class Watch:
    """`reconciler watch` in the firm's folder; its status lines are read from a file."""

    def __init__(self, root: Path) -> None:
        compiled()
        self._log = root / "watch.log"
        command = [sys.executable, "-m", "reconciler", "--manifests", "manifests", "watch"]
        with self._log.open("w") as output:
            self._process = subprocess.Popen(
                command, cwd=root, stdout=output, stderr=subprocess.STDOUT
            )

    def lines(self) -> list[dict[str, object]]:
        found = []
        for line in self._log.read_text().splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue  # a line being written
        return found

    def wait_started(self) -> None:
        """Until the first full plan (and its apply, when it has more than waits) is done."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SystemExit(f"watch exited: {self._log.read_text()[-2000:]}")
            events = [line["event"] for line in self.lines()]
            if "planned" in events:
                planned = self.lines()[events.index("planned")]
                details = planned["details"]
                assert isinstance(details, dict)
                changes = details.get("changes")
                assert isinstance(changes, dict)
                if not set(changes) - {"wait"} or "applied" in events:
                    self._until_idle(deadline)
                    return
            time.sleep(POLL)
        raise SystemExit("watch did not finish its first run")

    def _until_idle(self, deadline: float) -> None:
        """Until the process spends under IDLE_CPU of CPU in a second: what it does after its
        first run (getting ready for signatures) is not counted in the first signature."""
        while time.monotonic() < deadline:
            used = self.cpu()
            time.sleep(1.0)
            if self.cpu() - used < IDLE_CPU:
                return
        raise SystemExit("watch did not settle after its first run")

    def runs(self) -> int:
        """Targeted plans made so far."""
        return sum(
            1
            for line in self.lines()
            if line["event"] == "planned"
            and isinstance(line["details"], dict)
            and line["details"].get("scope") == "targeted"
        )

    def cpu(self) -> float:
        """CPU seconds (user and system) the watch process has used so far."""
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_mib(self) -> float:
        for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def _until_entitled(tradovate: Tradovate, user_ids: Sequence[int], started: float) -> float:
    waiting = list(user_ids)
    deadline = started + TIMEOUT
    while waiting:
        if time.perf_counter() > deadline:
            raise SystemExit(f"{len(waiting)} signers not entitled within {TIMEOUT:.0f} s")
        time.sleep(POLL)
        done = tradovate.entitled(waiting)
        waiting = [i for i in waiting if i not in done]
    return time.perf_counter() - started


def measure(size: int, burst: int, work: Path) -> dict[str, object]:
    root = work / f"watch-{size}"
    manifests = root / "manifests"
    with Sandboxes() as sandboxes:
        firm = platforms(sandboxes.urls)
        write_firm(manifests, firm, rate_limits=UNPACED)
        write_traders(manifests, size)
        started = time.perf_counter()
        applied = run_reconciler(root, "apply", "--auto-approve")
        if applied.code != 0:
            raise SystemExit(f"apply failed: {applied.summary}")
        apply_seconds = time.perf_counter() - started
        tradovate = Tradovate(sandboxes.urls["tradovate"], firm)
        watch = Watch(root)
        try:
            watch.wait_started()
            phases = []
            first, rest = 1, min(burst, size - 1)
            for names in ([_username(0)], [_username(i) for i in range(first, first + rest)]):
                runs, cpu = watch.runs(), watch.cpu()
                signed = time.perf_counter()
                ids = tradovate.sign(names)
                seconds = _until_entitled(tradovate, ids, signed)
                used = watch.cpu() - cpu
                phases.append(Phase(len(names), seconds, watch.runs() - runs, used))
            peak = watch.peak_mib()
        finally:
            watch.stop()
            tradovate.close()
    return {
        "traders": size,
        "apply_seconds": round(apply_seconds, 1),
        "one": phases[0],
        "burst": phases[1],
        "peak_mib": round(peak),
    }


def _username(index: int) -> str:
    return f"trader{index:06d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="firm sizes (traders)")
    parser.add_argument("--burst", type=int, default=1000, help="traders signing at once")
    parser.add_argument("--workdir", type=Path, help="keep the firms here (default: a temp dir)")
    options = parser.parse_args()
    print(f"machine: {machine()}; load {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="reconciler-watch-") as temp:
        for size in (int(s) for s in options.sizes.split(",")):
            row = measure(size, options.burst, options.workdir or Path(temp))
            row["load"] = round(os.getloadavg()[0], 1)
            print(json.dumps(row, default=dataclasses.asdict), flush=True)
            rows.append(row)
    print()
    print(
        "| traders | one signature (watch CPU) | burst (watch CPU) | runs for the burst "
        "| watch peak RSS |"
    )
    print("|---:|---:|---:|---:|---:|")
    for row in rows:
        one, burst = row["one"], row["burst"]
        assert isinstance(one, Phase)
        assert isinstance(burst, Phase)
        print(
            f"| {row['traders']:,} | {one.seconds:.2f} s ({one.cpu:.2f} s) | {burst.signers:,} in "
            f"{burst.seconds:.1f} s ({burst.cpu:.1f} s) | {burst.runs} | {row['peak_mib']:,} MiB |"
        )


if __name__ == "__main__":
    main()
