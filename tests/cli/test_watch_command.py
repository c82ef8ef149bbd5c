"""`reconciler watch` as a process: JSON status lines, the health endpoint, SIGHUP reloads,
SIGTERM stops cleanly with state written; and its errors through the CLI runner."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.project import SECRETS, Project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class Process:
    """A running `reconciler watch` whose stdout lines are parsed as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(json.loads(line))  # stdout carries JSON lines only

    def wait_for(self, event: str, timeout: float = 20.0, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            self.seen.append(line)
            details = line["details"]
            if line["event"] == event and all(details.get(k) == v for k, v in match.items()):
                assert isinstance(details, dict)
                return details


@contextmanager
def watch_process(project: Project, *options: str) -> Iterator[Process]:
    command = [sys.executable, "-m", "reconciler", "--manifests", str(project.manifests)]
    process = subprocess.Popen(
        [*command, "watch", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **SECRETS},
        cwd=project.root,
    )
    try:
        yield Process(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_sigterm_stops_cleanly_with_state_written(project: Project) -> None:
    with watch_process(project, "--health-port", "0") as watch:
        url = watch.wait_for("health_endpoint")["url"]
        watch.wait_for("started")
        watch.wait_for("applied", scope="full")
        assert httpx.get(url).json()["streams"] == {"tradovate": "connected"}
        project.admin("users/alice.smith/sign-mda")
        watch.wait_for("applied", scope="targeted")
        watch.process.send_signal(signal.SIGTERM)
        assert watch.wait_for("stopped") == {"reason": "SIGTERM"}
        assert watch.process.wait(15) == 0
        assert watch.process.stderr is not None
        assert watch.process.stderr.read() == ""
    document = json.loads(project.state_file.read_text())
    assert "tradovate_entitlement.alice/t-prop" in document["resources"]
    assert document["pending"] == {}
    for line in watch.seen:
        for secret in SECRETS.values():
            assert secret not in json.dumps(line)


def test_sighup_reloads_the_manifests(project: Project) -> None:
    with watch_process(project) as watch:
        watch.wait_for("applied", scope="full")
        project.remove("traders/team.yaml")
        watch.process.send_signal(signal.SIGHUP)
        assert watch.wait_for("manifests_loaded", trigger="SIGHUP")["traders"] == 1
        planned = watch.wait_for("planned", scope="full", reason="manifests reloaded (SIGHUP)")
        assert planned["changes"] == {"cancel": 6, "wait": 1}
        watch.wait_for("applied", scope="full")
        watch.process.send_signal(signal.SIGINT)
        watch.wait_for("stopped", reason="SIGINT")
        assert watch.process.wait(15) == 0


def test_invalid_manifests_at_start_are_an_error(project: Project) -> None:
    project.write("traders/broken.yaml", "kind: Trader\nname: Not Valid\n")
    result = project.run("watch")
    assert result.exit_code == 1
    assert "broken.yaml" in result.output
    assert "problem(s) in the manifests" in result.output


def test_watch_is_listed_with_its_options(project: Project) -> None:
    result = project.run("watch", "--help")
    assert result.exit_code == 0
    for option in ("--interval", "--health-port", "--lock-timeout", "--max-cancel"):
        assert option in result.output
    assert project.run("watch", "--interval", "0").exit_code == 1
