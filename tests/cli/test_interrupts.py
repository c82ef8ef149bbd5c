"""Ctrl-C and concurrent commands, in a child process against the sandbox: what the user is
told matches what happened (nothing sent while planning; how far an apply got; an apply that
is still running is not an interrupted one)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx

from tests.project import Project

CREATE_USERS = "/live/v1/user/createevaluationusers"


INTERRUPTIBLE = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('reconciler', run_name='__main__', alter_sys=True)"
)
"""`python -m reconciler`, with Ctrl-C raising KeyboardInterrupt as in a terminal: a child of
a shell's background job (a suite run with `&`) inherits SIGINT ignored, and Python then
leaves it ignored."""


def start(project: Project, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", INTERRUPTIBLE, "--no-color", "--manifests"]
    return subprocess.Popen(
        [*command, str(project.manifests), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def arm(project: Project, **fault: Any) -> None:
    project.admin("faults", {"effect": "delay", "times": 1, **fault})


def wait_for(condition: Any, process: subprocess.Popen[str]) -> None:
    """Until `condition()` holds, while the child still runs (at most a minute)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def is_delayed(project: Project) -> bool:
    """The armed delay has met its request, which is now held by the sandbox."""
    return bool(httpx.get(f"{project.url}/_sandbox/faults").json()["injected"])


def has_pending(project: Project) -> bool:
    try:
        return bool(json.loads(project.state_file.read_text())["pending"])
    except (OSError, ValueError, KeyError):
        return False


def test_ctrl_c_while_planning_says_nothing_was_sent(project: Project) -> None:
    arm(project, method="GET", seconds=3.0)
    child = start(project, "apply", "--auto-approve")
    wait_for(lambda: is_delayed(project), child)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, (out, err)
    assert "Interrupted before any change was sent to the platforms" in err
    assert "recorded as pending" not in err
    assert not project.state_file.exists() or not has_pending(project)


def test_ctrl_c_during_an_apply_says_how_far_it_got(project: Project) -> None:
    """The users' batch in flight finishes and is recorded; the rest is never sent."""
    arm(project, method="POST", path=CREATE_USERS, seconds=2.0)
    child = start(project, "apply", "--auto-approve")
    wait_for(lambda: is_delayed(project), child)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, (out, err)
    assert "Apply stopped after 3 of 9 changes: 3 succeeded, 0 failed, 0 skipped, " in out
    assert "6 not attempted" in out
    assert "Apply complete" not in out
    assert "Interrupted. What was sent is recorded in state" in err


def test_a_plan_during_an_apply_says_the_apply_is_in_progress(project: Project) -> None:
    arm(project, method="POST", path=CREATE_USERS, seconds=3.0)
    child = start(project, "apply", "--auto-approve")
    wait_for(lambda: has_pending(project), child)
    planned = project.run("plan")
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, (out, err)
    assert planned.exit_code == 0, planned.output
    assert "Note: an apply is in progress (" in planned.output
    assert f"pid {child.pid}, apply)" in planned.output
    assert "interrupted apply" not in planned.output
