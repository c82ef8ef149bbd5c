"""The stages of one `reconciler plan`, timed in a process of their own.

    python -m bench.stage_profile ROOT     (ROOT holds `manifests/`, as the benchmark lays out)

Runs what the `plan` command runs, in its order and under the same GC pause: open the
workspace (manifests, desired resources, backend, providers), read the state, plan (refresh,
diff, guardrails), print the plan as text to a file. Stages inside those calls are timed by
wrapping the functions the workspace calls by name (the YAML reader, the manifest loader, the
expansion, the refresh); a stage whose function is no longer there is reported as None ("n/a")
and its time stays in the stage around it. Prints one JSON object: seconds per stage, resident
memory (MiB) after each, and whether the plan had changes. The caller times the whole process
and counts what no stage took as "other" (interpreter start-up, click, opening the backend
and the providers).
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
    calls: int = 0
    rss_after: float = 0.0


@dataclass
class Profile:
    seconds: dict[str, float | None] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)


def rss_mib() -> float:
    """This process's resident memory now (0 where /proc is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


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
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timer.seconds += time.perf_counter() - started
            timer.calls += 1
            timer.rss_after = rss_mib()

    setattr(module, attribute, timed)
    return True


@contextmanager
def stage(profile: Profile, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    profile.seconds[name] = time.perf_counter() - started
    profile.rss[name] = rss_mib()


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
        "expansion": wrap("reconciler.workspace.opening", "desired_resources", timers["expansion"]),
        "refresh": wrap("reconciler.workspace.planning", "refresh", timers["refresh"]),
    }
    options = plan_options_from(adopt=False, targets=(), max_cancel=None)
    with _quiet_gc()(), open_workspace(Path("manifests")) as workspace:
        _inner(profile, timers, wrapped)
        with stage(profile, "state read"):
            document = workspace.store.read()
        with stage(profile, "plan"):
            plan, _ = workspace.plan(document, options=options)
        if wrapped["refresh"]:
            refresh = timers["refresh"]
            profile.seconds["refresh"] = refresh.seconds
            plan_seconds = profile.seconds.pop("plan") or 0.0
            profile.seconds["diff"] = plan_seconds - refresh.seconds
            profile.rss["refresh"] = refresh.rss_after
            profile.rss["diff"] = profile.rss.pop("plan")
        else:  # the refresh is not isolated: plan is reported as diff, refresh n/a
            profile.seconds["refresh"] = None
            profile.seconds["diff"] = profile.seconds.pop("plan")
            profile.rss["diff"] = profile.rss.pop("plan")
        profile.seconds["render"] = None
        if print_plan is not None:
            with stage(profile, "render"):
                _render(print_plan, plan, options, root / "stage-plan.txt")
    return profile, bool(plan.has_changes)


def _inner(profile: Profile, timers: dict[str, Timer], wrapped: dict[str, bool]) -> None:
    """The stages inside `open_workspace`, from the wrapped functions."""
    yaml, manifests = timers["YAML"], timers["manifests"]
    profile.seconds["YAML"] = yaml.seconds if wrapped["YAML"] and yaml.calls else None
    if wrapped["manifests"]:
        parsed = profile.seconds["YAML"] or 0.0
        profile.seconds["validation"] = manifests.seconds - parsed
        profile.rss["validation"] = manifests.rss_after
    else:
        profile.seconds["validation"] = None
    expansion = timers["expansion"]
    profile.seconds["expansion"] = expansion.seconds if wrapped["expansion"] else None
    if wrapped["expansion"]:
        profile.rss["expansion"] = expansion.rss_after


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
    print(json.dumps({"seconds": profile.seconds, "rss": profile.rss, "changes": changes}))


if __name__ == "__main__":
    main()
