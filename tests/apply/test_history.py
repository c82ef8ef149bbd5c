"""Randomised histories: manifest edits, drift, injected faults and SIGKILLed applies against three
sandboxes, with invariants after every step and convergence checks once faults stop.

Seeded and bounded so CI stays fast; `RECONCILER_HISTORIES`, `RECONCILER_HISTORY_STEPS` and
`RECONCILER_HISTORY_SEED` make longer runs (see CONTRIBUTING.md). A failure names its seed and
steps.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli.main import main
from tests.apply.history import (
    PLATFORMS,
    SECRETS,
    Model,
    Sandboxes,
    check_always,
    check_converged,
    drift,
    fault,
    firm_yaml,
    lost_create,
    sandboxes,
)

HISTORIES = int(os.environ.get("RECONCILER_HISTORIES", "2"))
STEPS = int(os.environ.get("RECONCILER_HISTORY_STEPS", "35"))
SEED = int(os.environ.get("RECONCILER_HISTORY_SEED", "20260302"))
CONVERGE_EVERY = 15
MAX_TRADERS = 8
HTTP_TIMEOUT = "0.5"
"""Faulty steps run with a short HTTP timeout (delays outlast it); convergence with the default."""
STALE_LOCK = re.compile(r"stale: process \d+ is gone.*reconciler state unlock (\S+)\)")
WEIGHTS = {"edit": 22, "drift": 12, "apply": 16, "fault": 34, "kill": 5, "plan": 8, "pending": 10}


@dataclass
class Tally:
    histories: int = 0
    steps: int = 0
    faults: int = 0
    kills: int = 0
    pending_edits: int = 0
    failed_applies: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


@dataclass
class History:
    root: Path
    boxes: Sandboxes
    model: Model
    rng: random.Random
    tally: Tally
    runner: CliRunner = field(default_factory=CliRunner)

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    def cli(self, *args: str, timeout: str = HTTP_TIMEOUT) -> Result:
        """Run a command in-process: it ends in exit 0 or a one-line error, never a traceback."""
        command = ["--no-color", "--http-timeout", timeout, "--manifests", str(self.manifests)]
        result = self.runner.invoke(main, [*command, *args], catch_exceptions=False)
        stale = STALE_LOCK.search(result.output)
        if stale:  # a killed apply held the lock: the operator releases it explicitly
            unlocked = self.runner.invoke(main, [*command, "state", "unlock", stale.group(1)])
            assert unlocked.exit_code == 0, unlocked.output
            result = self.runner.invoke(main, [*command, *args], catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output, result.output
        return result

    def apply(self) -> None:
        if self.cli("apply", "--auto-approve").exit_code:
            self.tally.failed_applies += 1

    def kill(self) -> None:
        """Start `reconciler apply` in a subprocess and SIGKILL it somewhere along the way."""
        env = {**os.environ, "RECONCILER_HTTP_TIMEOUT": HTTP_TIMEOUT}
        command = [sys.executable, "-m", "reconciler", "--manifests", str(self.manifests)]
        process = subprocess.Popen(
            [*command, "apply", "--auto-approve"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(self.rng.uniform(0.3, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        self.tally.kills += 1

    def arm_faults(self) -> str:
        armed = []
        for _ in range(self.rng.choice([1, 1, 2])):
            platform = self.rng.choice(PLATFORMS)
            spec = fault(self.rng, platform)
            self.boxes.admin(platform, "faults", spec)
            self.tally.faults += 1
            armed.append(f"{platform} {spec}")
        return "; ".join(armed)

    def step(self) -> str:
        action = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        self.tally.actions[action] += 1
        started = time.monotonic()
        try:
            return self._step(action)
        finally:
            self.tally.seconds[action] += time.monotonic() - started

    def _step(self, action: str) -> str:
        model, rng = self.model, self.rng
        if action == "edit":
            choices: list[Callable[[random.Random], str]] = [model.add]
            if model.traders:
                choices += [model.change, model.change]
            if len(model.traders) > 1:
                choices.append(model.remove)
            if len(model.traders) >= MAX_TRADERS:
                choices.remove(model.add)
            done = rng.choice(choices)(rng)
            model.write(self.manifests)
            return done
        if action == "drift" and model.traders:
            return drift(self.boxes, model, rng)
        if action == "fault":  # with an edit first, so that the apply has calls to make
            edited = self._step("edit")
            armed = self.arm_faults()
            self.apply()
            return f"{edited}, then apply under faults: {armed}"
        if action == "kill":
            armed = self.arm_faults() if rng.random() < 0.3 else "no fault"
            self.kill()
            return f"kill apply ({armed})"
        if action == "plan":
            self.cli("plan")
            return "plan"
        if action == "pending" and len(model.traders) < MAX_TRADERS:
            return self.pending_edit()
        self.apply()
        return "apply"

    def pending_edit(self) -> str:
        """A new trader whose create on one platform loses its answer (committed, answered
        late, or committed late), then the trader's e-mail changes before the next apply."""
        model, rng = self.model, self.rng
        added = model.add(rng)
        name = f"t{model.next_n - 1}"
        model.write(self.manifests)
        platform = rng.choice(sorted(model.traders[name].platforms))
        spec = lost_create(rng, platform)
        self.boxes.admin(platform, "faults", spec)
        self.apply()
        trader = model.traders[name]
        model.traders[name] = replace(trader, version=trader.version + 1)
        model.write(self.manifests)
        self.apply()
        self.tally.pending_edits += 1
        return f"{added}; {platform} create lost ({spec}); change email of {name}; apply"

    def converge(self) -> None:
        """Stop the faults; then one apply succeeds and the next plan has nothing to do."""
        started = time.monotonic()
        self.boxes.settle()
        applied = self.cli("apply", "--auto-approve", timeout="30")
        assert applied.exit_code == 0, f"apply after faults stopped failed:\n{applied.output}"
        planned = self.cli("plan", "--detailed-exitcode", timeout="30")
        assert planned.exit_code == 0, f"plan after apply is not empty:\n{planned.output}"
        check_converged(self.boxes, self.model, self.root)
        self.tally.seconds["converge"] += time.monotonic() - started


def run_history(seed: int, root: Path, tally: Tally) -> None:
    rng = random.Random(seed)
    with sandboxes() as boxes:
        history = History(root, boxes, Model(), rng, tally)
        history.manifests.mkdir(parents=True)
        (history.manifests / "firm.yaml").write_text(firm_yaml(boxes))
        for _ in range(3):
            history.model.add(rng)
        history.model.write(history.manifests)
        done: list[str] = []
        try:
            for number in range(1, STEPS + 1):
                done.append(f"{number}: {history.step()}")
                tally.steps += 1
                check_always(boxes, history.model, root)
                if number % CONVERGE_EVERY == 0:
                    history.converge()
                    done.append(f"{number}: converged")
            history.converge()
        except AssertionError as exc:
            steps = "\n".join(done[-25:])
            where = traceback.extract_tb(exc.__traceback__)[-1]
            pytest.fail(
                f"history with seed {seed} broke an invariant at {Path(where.filename).name}:"
                f"{where.lineno} ({where.line}): {exc}\n"
                f"re-run it with RECONCILER_HISTORY_SEED={seed} RECONCILER_HISTORIES=1; "
                f"its last steps:\n{steps}",
                pytrace=False,
            )
    tally.histories += 1


def test_randomised_histories_lose_and_duplicate_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    tally = Tally()
    for offset in range(HISTORIES):
        run_history(SEED + offset, tmp_path / f"history-{offset}", tally)
    with capsys.disabled():
        print(
            f"\nhistories: {tally.histories}, steps: {tally.steps}, faults: {tally.faults}, "
            f"kills: {tally.kills}, pending e-mail edits: {tally.pending_edits}, "
            f"failed applies: {tally.failed_applies}, "
            f"actions: {dict(sorted(tally.actions.items()))} (seeds {SEED}..{SEED + HISTORIES - 1})"
            f"; seconds: { {k: round(v, 1) for k, v in sorted(tally.seconds.items())} }"
        )
    assert tally.histories == HISTORIES
    assert tally.faults > 0
    assert tally.kills > 0
