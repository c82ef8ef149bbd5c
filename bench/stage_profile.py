"""The stages of one `reconciler plan`, timed in a process of their own.

    python -m bench.stage_profile ROOT     (ROOT holds `manifests/`, as the benchmark lays out)

Runs what the `plan` command runs, in its order and under the same GC pause: open the
workspace (manifests, desired resources, backend, providers), read the state, plan (refresh,
diff, guardrails), print the plan as text to a file. Stages inside those calls are timed by
wrapping the functions the workspace calls by name (the YAML reader, the manifest loader, the
expansion, the refresh); a stage whose function is no longer there is reported as None ("n/a")
and its time stays in the stage around it. Loading modules counts as "imports" wherever it
happens (a module loaded lazily during the refresh is left out of the refresh).

Prints one JSON object: wall and CPU seconds per stage, resident memory (MiB) after each, and
whether the plan had changes. The caller times the whole process and counts what no stage
took as "other" (interpreter start-up, opening the backend and the providers, closing).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STAGES = (
    "imports",
    "YAML",
    "validation",
    "expansion",
    "state read",
    "refresh",
    "diff",
    "render",
)


@dataclass
class Timer:
    """Seconds spent in one wrapped function (all its calls), and RSS after the last."""

    seconds: float = 0.0
    cpu: float = 0.0
    calls: int = 0
    rss_after: float = 0.0


@dataclass
class Profile:
    """Wall and CPU seconds (every thread of the process) per stage; RSS (MiB) after it."""

    seconds: dict[str, float | None] = field(default_factory=dict)
    cpu: dict[str, float | None] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)

    def set(self, name: str, seconds: float | None, cpu: float | None, rss: float = 0.0) -> None:
        self.seconds[name], self.cpu[name] = seconds, cpu
        if rss:
            self.rss[name] = rss


def rss_mib() -> float:
    """This process's resident memory now (0 where /proc is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Imports:
    """Wall and CPU seconds spent loading modules (outermost imports only), wherever they
    happen: a module loaded lazily during the refresh counts here, not in the refresh."""

    seconds: float = 0.0
    cpu: float = 0.0
    depth: int = 0
    counted: bool = False

    def since(self, seconds: float, cpu: float) -> tuple[float, float]:
        return self.seconds - seconds, self.cpu - cpu


IMPORTS = Imports()


def count_imports() -> None:
    """Time every module load through the import system's `_find_and_load` (which the
    interpreter looks up on each import of a module not loaded yet); nothing if it is gone."""
    bootstrap = sys.modules.get("_frozen_importlib")
    original = getattr(bootstrap, "_find_and_load", None)
    if original is None:
        return

    def timed(*args: Any) -> Any:
        if IMPORTS.depth:
            return original(*args)
        IMPORTS.depth = 1
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args)
        finally:
            IMPORTS.seconds += time.perf_counter() - started
            IMPORTS.cpu += time.process_time() - cpu
            IMPORTS.depth = 0

    bootstrap._find_and_load = timed  # type: ignore[union-attr]
    IMPORTS.counted = True


def wrap(module_name: str, attribute: str, timer: Timer) -> bool:
    """Replace `module.attribute` by a timed call of it; False if there is no such function."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    original = getattr(module, attribute, None)
    if not callable(original):
        return False

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        loads = IMPORTS.seconds, IMPORTS.cpu
        try:
            return original(*args, **kwargs)
        finally:
            loading, loading_cpu = IMPORTS.since(*loads)
            timer.seconds += time.perf_counter() - started - loading
            timer.cpu += time.process_time() - cpu - loading_cpu
            timer.calls += 1
            timer.rss_after = rss_mib()

    setattr(module, attribute, timed)
    return True


@contextmanager
def stage(profile: Profile, name: str) -> Iterator[None]:
    started, cpu = time.perf_counter(), time.process_time()
    loads = IMPORTS.seconds, IMPORTS.cpu
    yield
    loading, loading_cpu = IMPORTS.since(*loads)
    seconds = time.perf_counter() - started - loading
    profile.set(name, seconds, time.process_time() - cpu - loading_cpu, rss_mib())


def _quiet_gc() -> Callable[[], Any]:
    try:
        from reconciler.collector import quiet_gc
    except ImportError:
        return nullcontext
    return quiet_gc


def profile_plan(root: Path) -> tuple[Profile, bool]:
    """Time the stages of a text `plan` of the firm at `root` (cwd is set to it)."""
    profile = Profile()
    os.chdir(root)
    count_imports()
    with stage(profile, "imports"):
        import reconciler.cli.main  # the command module, as `reconciler` loads it
        from reconciler.cli.options import plan_options_from
        from reconciler.workspace import open_workspace

        print_plan = _printer()
        import reconciler.workspace.planning  # noqa: F401
    timers = {
        "YAML": Timer(),
        "manifests": Timer(),
        "expansion": Timer(),
        "refresh": Timer(),
    }
    wrapped = {
        "YAML": wrap("reconciler.manifest.loader", "read_documents", timers["YAML"]),
        "manifests": wrap("reconciler.workspace.opening", "load_manifests", timers["manifests"]),
        "expansion": wrap("reconciler.workspace.opening", "expand_consuming", timers["expansion"]),
        "refresh": wrap("reconciler.workspace.planning", "refresh", timers["refresh"]),
    }
    options = plan_options_from(adopt=False, targets=(), max_cancel=None)
    with _quiet_gc()(), open_workspace(Path("manifests")) as workspace:
        _inner(profile, timers, wrapped)
        with stage(profile, "state read"):
            document = workspace.store.read()
        with stage(profile, "plan"):
            plan, _ = workspace.plan(document, options=options, release=True)
        seconds, cpu = profile.seconds.pop("plan") or 0.0, profile.cpu.pop("plan") or 0.0
        rss = profile.rss.pop("plan")
        if wrapped["refresh"]:
            refresh = timers["refresh"]
            profile.set("refresh", refresh.seconds, refresh.cpu, refresh.rss_after)
            profile.set("diff", seconds - refresh.seconds, cpu - refresh.cpu, rss)
        else:  # the refresh is not isolated: plan is reported as diff, refresh n/a
            profile.set("refresh", None, None)
            profile.set("diff", seconds, cpu, rss)
        profile.set("render", None, None)
        if print_plan is not None:
            with stage(profile, "render"):
                _render(print_plan, plan, options, root / "stage-plan.txt")
    if IMPORTS.counted:  # the stages left out what they loaded: it is all here
        seconds, cpu = profile.seconds["imports"] or 0.0, profile.cpu["imports"] or 0.0
        profile.set("imports", IMPORTS.seconds + seconds, IMPORTS.cpu + cpu, profile.rss["imports"])
    return profile, bool(plan.has_changes)


def _inner(profile: Profile, timers: dict[str, Timer], wrapped: dict[str, bool]) -> None:
    """The stages inside `open_workspace`, from the wrapped functions."""
    yaml, manifests, expansion = timers["YAML"], timers["manifests"], timers["expansion"]
    if wrapped["YAML"] and yaml.calls:
        profile.set("YAML", yaml.seconds, yaml.cpu)
    else:  # validation then holds the whole load
        profile.set("YAML", None, None)
        yaml = Timer()
    if wrapped["manifests"]:
        seconds, cpu = manifests.seconds - yaml.seconds, manifests.cpu - yaml.cpu
        profile.set("validation", seconds, cpu, manifests.rss_after)
    else:
        profile.set("validation", None, None)
    if wrapped["expansion"]:
        profile.set("expansion", expansion.seconds, expansion.cpu, expansion.rss_after)
    else:
        profile.set("expansion", None, None)


def _printer() -> Callable[..., None] | None:
    try:
        from reconciler.cli.output import print_plan
    except ImportError:
        return None
    return print_plan


def _render(print_plan: Callable[..., None], plan: Any, options: Any, path: Path) -> None:
    """Print the plan as `plan --no-color` does to a file."""
    from rich.console import Console

    with path.open("w") as file:
        console = Console(file=file, no_color=True, highlight=False, soft_wrap=True)
        print_plan(console, plan, "text", show_noop=False, options=options)


def main() -> None:
    profile, changes = profile_plan(Path(sys.argv[1]).resolve())
    figures = {"seconds": profile.seconds, "cpu": profile.cpu, "rss": profile.rss}
    print(json.dumps({**figures, "changes": changes}))


if __name__ == "__main__":
    main()
