"""Where a no-change `plan` spends its time, stage by stage, on a firm of N traders written
as 20 block-style YAML files (two accounts each from two templates, T-Prop, Tradervue and
TraderPal blocks), against the sandboxes in a process of their own.

`python -m bench.plan_stages --traders 1000 10000`: for each size, times a plan creating
everything, applies the firm, then times no-change plans and plans changing 10 traders (CPU
seconds too: the machine may be shared), and the no-change plan's stages. To compare trees
on one applied firm: `--serve DIR --traders N` (keeps its sandboxes while stdin is open),
then `--report DIR` and `--stages-only DIR`; `--create DIR --traders N` times a plan creating
everything on fresh sandboxes.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.bytecode import compiled
from bench.generate import Platforms
from bench.measure import platforms, run_reconciler
from bench.sandboxes import Sandboxes

FILES = 20


def firm_text(where: Platforms) -> str:
    """The Firm manifest in block style, pointing at the sandboxes."""
    name = where.tradovate_login[0]
    return f"""kind: Firm
name: stages-prop
settings:
  state:
    backend: local
    path: state
  rate_limits:  # the throughput sandboxes have none
    tradovate:
      - endpoint: all
        limit: 1000000000
        per_seconds: 1
      - endpoint: contactinfo/updatecontactinfo
        limit: 1000000000
        per_seconds: 1
providers:
  tradovate:
    environment:
      live_url: {where.tradovate_live}
      demo_url: {where.tradovate_demo}
    credentials:
      name: {name}
      password: ${{env:STAGES_TV_PASS}}
      sec: ${{env:STAGES_TV_SEC}}
    subscription_plan: SANDBOX_MONTHLY
    entitlements:
      t-prop: 12345
    account_templates:
      eval-50k:
        template_account_id: 1002
        initial_balance: 50000
        post_trade_risk:
          daily_loss_auto_liq: 1100
          trailing_max_drawdown: 2500
      eval-100k:
        template_account_id: 1003
        initial_balance: 100000
        post_trade_risk:
          daily_loss_auto_liq: 2200
          trailing_max_drawdown: 3000
  tradervue:
    environment:
      base_url: {where.tradervue}
    credentials:
      username: {where.tradervue_login[0]}
      password: ${{env:STAGES_TVUE_PASS}}
  traderpal:
    environment:
      base_url: {where.traderpal}
    api_key: ${{env:STAGES_TP_KEY}}
defaults:
  tradervue:
    plan: Silver
"""


def trader_text(index: int) -> str:
    """One trader as a block-style list item."""
    tag = f"{index:06d}"
    return f"""- name: t{tag}
  username: trader{tag}
  email: trader{tag}@stages.invalid
  first_name: Stage
  last_name: Trader{tag}
  password:
    generate: true
  contact:
    phone: "+1555{index % 10_000_000:07d}"
    street_address1: {index % 9000 + 1} Main St
    city: Chicago
    state: IL
    post_code: "60601"
    country: US
  tradovate:
    accounts:
      - name: SA{tag}1
        template: eval-50k
      - name: SA{tag}2
        template: eval-100k
    entitlements:
      - t-prop
  tradervue:
    plan: Gold
  traderpal:
    date_of_birth: 1990-01-01
"""


def secrets(where: Platforms) -> dict[str, str]:
    """The environment the Firm's credential references read."""
    return {
        "STAGES_TV_PASS": where.tradovate_login[1],
        "STAGES_TV_SEC": where.tradovate_login[2],
        "STAGES_TVUE_PASS": where.tradervue_login[1],
        "STAGES_TP_KEY": where.traderpal_key,
    }


def write_firm(manifests: Path, where: Platforms, traders: int) -> None:
    """The Firm and `traders` traders in FILES files."""
    folder = manifests / "traders"
    folder.mkdir(parents=True, exist_ok=True)
    (manifests / "firm.yaml").write_text(firm_text(where))
    os.environ.update(secrets(where))  # the commands run from here inherit it
    per_file = -(-traders // FILES)
    for number in range(FILES):
        indexes = range(number * per_file, min(traders, (number + 1) * per_file))
        text = "".join(trader_text(i) for i in indexes)
        (folder / f"traders-{number:02d}.yaml").write_text(text)


@contextmanager
def _timed(stages: dict[str, float], name: str) -> Iterator[None]:
    """CPU seconds of the process (all threads) spent in the stage."""
    started = time.process_time()
    yield
    stages[name] = stages.get(name, 0.0) + time.process_time() - started


def _wrap(stages: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        with _timed(stages, name):
            return function(*args, **kwargs)

    return timed


def stages_in_process(root: Path) -> dict[str, float]:
    """The no-change plan's stages in CPU seconds, timed in this process (imports first)."""
    stages: dict[str, float] = {}
    started = time.process_time()
    with _timed(stages, "imports"):
        import reconciler.cli.output as output
        import reconciler.workspace as workspace_package
        import reconciler.workspace.opening as opening
        import reconciler.workspace.planning as planning
    from reconciler.manifest import loader, validating

    wrapped = (
        (loader, "_read_file", "yaml"),
        (validating.Validation, "_validate", "validation"),
        (opening, "load_manifests", "manifests (all)"),
        (opening, "expand_consuming", "expansion"),
        (planning, "recorded_of", "records"),
        (planning, "refresh", "refresh"),
        (planning, "make_plan", "diff"),
    )
    for module, name, label in wrapped:
        setattr(module, name, _wrap(stages, label, getattr(module, name)))
    from rich.console import Console

    gc.disable()
    try:
        with workspace_package.open_workspace(root / "manifests") as workspace:
            with _timed(stages, "state read"):
                document = workspace.store.read()
            with _timed(stages, "plan (all)"):
                plan, _ = workspace.plan(document, release=True)  # as `plan` does
            with _timed(stages, "render"), open("/dev/null", "w") as sink:  # noqa: PTH123
                console = Console(file=sink, no_color=True, soft_wrap=True, width=100)
                output.print_plan(console, plan, "text")
    finally:
        gc.enable()
    stages["total"] = time.process_time() - started
    stages["peak MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return stages


def timed_plan(root: Path) -> tuple[float, float, float, str]:
    """`reconciler plan` in `root`: wall seconds, CPU seconds (user + system), peak MiB and
    the last line (the machine may be shared: CPU time is the steadier figure)."""
    log = root / "plan.log"
    command = [sys.executable, "-m", "reconciler", "--no-color", "--manifests", "manifests", "plan"]
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=root, stdout=output, stderr=subprocess.STDOUT)
        _, _, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def report(root: Path, label: str, runs: int = 3) -> None:
    """The best of `runs` plans (wall and CPU each)."""
    results = [timed_plan(root) for _ in range(runs)]
    wall, cpu, peak = (f(r[i] for r in results) for i, f in ((0, min), (1, min), (2, max)))
    print(f"{label}: wall {wall:.2f} s, cpu {cpu:.2f} s, {peak:.0f} MiB: {results[-1][3]}")


def report_changed(root: Path, changed: int) -> None:
    """Plans with the first `changed` traders moved to another city (best of 2: the first
    reads their file anew, the second from the cache)."""
    first = root / "manifests" / "traders" / "traders-00.yaml"
    original = first.read_bytes()
    first.write_text(original.decode().replace("city: Chicago", "city: Boston", changed))
    try:
        report(root, f"{changed} traders changed", runs=2)
    finally:
        first.write_bytes(original)


def measure(size: int, work: Path, *, changed: int) -> None:
    """A plan creating everything, the apply, then plans of no change and of a few changes,
    and the stages of a no-change plan (in a process of their own)."""
    root = work / f"firm-{size}"
    with Sandboxes() as sandboxes:
        write_firm(root / "manifests", platforms(sandboxes.urls), size)
        report(root, f"{size}: all to create", runs=1)
        applied = run_reconciler(root, "apply", "--auto-approve")
        print(f"{size}: apply {applied.seconds:.1f} s ({applied.summary})")
        report(root, f"{size}: no change")
        if changed:
            report_changed(root, changed)
        command = [sys.executable, "-m", "bench.plan_stages", "--stages-only", str(root)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        print(f"{size}: stages {done.stdout.strip()}")


def serve(root: Path, size: int) -> None:
    """Apply a firm of `size` traders in `root` and keep its sandboxes until stdin closes."""
    with Sandboxes() as sandboxes:
        write_firm(root / "manifests", platforms(sandboxes.urls), size)
        applied = run_reconciler(root, "apply", "--auto-approve")
        cost = f"apply CPU {applied.cpu:.1f} s, peak {applied.peak_mib:.0f} MiB"
        print(f"ready: {applied.summary} ({cost})", flush=True)
        sys.stdin.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--traders", type=int, nargs="*", default=[1000])
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--stages-only", type=Path)
    parser.add_argument("--serve", type=Path, help="apply the firm in DIR and keep serving")
    parser.add_argument("--report", type=Path, help="time plans of the served firm in DIR")
    parser.add_argument("--create", type=Path, help="time plans of a new firm in DIR")
    options = parser.parse_args()
    compiled()  # every mode measures the package as installed: from bytecode
    os.environ.update(secrets(Platforms("", "", "", "")))  # the credentials are the defaults
    if options.serve:
        serve(options.serve, options.traders[0])
        return
    if options.create:
        with Sandboxes() as sandboxes:
            write_firm(options.create / "manifests", platforms(sandboxes.urls), options.traders[0])
            report(options.create, "all to create", runs=2)
        return
    if options.report:
        report(options.report, "no change", runs=3)
        if options.changed:
            report_changed(options.report, options.changed)
        return
    if options.stages_only:
        os.chdir(options.stages_only)
        stages = stages_in_process(options.stages_only)
        print(" ".join(f"{k}={v:.2f}" for k, v in stages.items()))
        return
    with tempfile.TemporaryDirectory(prefix="reconciler-stages-") as temp:
        for size in options.traders:
            measure(size, Path(temp), changed=options.changed)


if __name__ == "__main__":
    main()
