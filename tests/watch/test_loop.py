"""The watch loop in a thread against the Tradovate sandbox over real HTTP and WebSocket:
signatures entitle within seconds, outages and restarts miss none, one signal read per
connection, manifest changes and reloads apply, the state lock is shared, shutdown is clean."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest

from reconciler.providers import WatchOptions
from reconciler.providers.tradovate.sandbox import DEFAULT_ADMIN, SandboxConfig
from reconciler.state import PendingOperation
from reconciler.watch import Health, HealthServer, Watcher, WatchSettings
from reconciler.workspace import open_workspace
from tests.project import Project, calls

DAVE = """\
kind: Trader
name: dave
username: dave.brown
email: dave@example.com
first_name: Dave
last_name: Brown
password: {generate: true}
tradovate:
  accounts: [{name: TESTD5, template: eval-50k}]
"""
QUICK = WatchOptions(backoff_initial=0.05, backoff_max=0.3, heartbeat=0.2, silence_timeout=5.0)


class Lines:
    """Captured status lines; `wait_for` finds them in order, each at most once."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []
        self._seen = 0
        self._changed = threading.Condition()
        self.on_line: Any = None

    def __call__(self, event: str, **details: Any) -> None:
        json.dumps(details, default=str)  # every line must serialise
        with self._changed:
            self.lines.append((event, details))
            self._changed.notify_all()
        if self.on_line is not None:
            self.on_line(event, details)

    def wait_for(self, event: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        """Details of the next line (after the last one found) of `event` matching `match`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(self._seen, len(self.lines)):
                    name, details = self.lines[index]
                    if name == event and all(details.get(k) == v for k, v in match.items()):
                        self._seen = index + 1
                        return details
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {event} {match} within {timeout} s: {self.lines}")
                self._changed.wait(remaining)

    def events(self) -> list[str]:
        return [name for name, _ in self.lines]


@contextmanager
def watching(project: Project, **options: Any) -> Iterator[tuple[Watcher, Lines]]:
    lines = Lines()
    health = options.pop("health", None)
    settings = WatchSettings(
        manifests=project.manifests, poll=0.1, retry=0.2, stream=QUICK, **options
    )
    watcher = Watcher(settings, status=lines, health=health)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            watcher.run()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="watcher")
    thread.start()
    try:
        yield watcher, lines
    finally:
        watcher.stop("test")
        thread.join(15)
        assert not thread.is_alive()
        assert not failure, failure
    assert lines.events()[-1] == "stopped"


def state(project: Project) -> dict[str, Any]:
    return dict(json.loads(project.state_file.read_text())["resources"])


def entitled(project: Project) -> list[int]:
    return [p["userId"] for p in project.world()["userPlugins"] if p["approval"]]


def counted(project: Project) -> tuple[int, int]:
    """(WebSocket connections accepted, alert-signal list calls) in the sandbox's log."""
    log = project.requests()
    connects = sum(1 for e in log if e["path"].endswith("/websocket") and e["status"] == 101)
    reads = sum(1 for e in log if e["path"].endswith("/adminalertsignal/deps"))
    return connects, reads


def test_a_trader_who_signs_is_entitled_within_seconds_and_state_records_it(
    project: Project,
) -> None:
    with watching(project) as (_, lines):
        assert lines.wait_for("planned", scope="full")["changes"]["wait"] == 1
        lines.wait_for("applied", scope="full")
        project.admin("users/alice.smith/sign-mda")
        assert lines.wait_for("precondition_met", timeout=5) == {
            "address": "tradovate_user.alice",
            "detail": "signed the Market Data Agreement",
            "source": "live",
        }
        applied = lines.wait_for("applied", scope="targeted", timeout=5)
    assert applied["succeeded"] == 1
    assert applied["failed"] == {}
    recorded = state(project)
    assert recorded["tradovate_user.alice"]["facts"]["mda_signed"] is True
    assert "tradovate_entitlement.alice/t-prop" in recorded
    assert entitled(project) == [int(recorded["tradovate_user.alice"]["remote_id"])]
    assert all(signal["completed"] for signal in project.world()["adminAlertSignals"])
    assert "No changes." in project.run("plan").output


def test_the_targeted_apply_reads_only_what_the_entitlement_needs(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    with watching(project) as (_, lines):
        lines.wait_for("planned", scope="full", changes={"wait": 1})
        project.clear_requests()
        project.admin("users/alice.smith/sign-mda")
        assert lines.wait_for("planned", scope="targeted")["traders"] == ["alice"]
        lines.wait_for("applied", scope="targeted")
    assert [c for c in calls(project) if "/auth/" not in c] == [  # by id: no list of the firm
        "GET live /v1/user/items",
        "GET live /v1/tradovatesubscriptionplan/list",  # the user's subscription is refreshed
        "GET live /v1/tradovatesubscription/ldeps",
        "GET live /v1/contactinfo/ldeps",
        "GET live /v1/userplugin/ldeps",
        "POST live /v1/userplugin/addentitlementsubscription",
        "POST live /v1/adminalertsignal/completealertsignal",
    ]


def test_a_connection_dropped_mid_stream_reconnects_and_misses_no_signature(
    project: Project,
) -> None:
    with watching(project) as (_, lines):
        lines.wait_for("applied", scope="full")
        project.admin("websockets/drop", {"refuse_seconds": 0.5})
        project.admin("users/alice.smith/sign-mda")  # while the platform refuses connections
        lines.wait_for("stream_disconnected")
        lines.wait_for("stream_connected")
        assert lines.wait_for("precondition_met")["source"] == "catch-up"
        lines.wait_for("applied", scope="targeted")
    assert "tradovate_entitlement.alice/t-prop" in state(project)
    connects, reads = counted(project)
    assert connects == 2
    assert reads == connects  # exactly one catch-up read per (re)connect


def test_a_signature_made_while_the_watcher_was_down_is_picked_up_on_start(
    project: Project,
) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("users/alice.smith/sign-mda")
    project.clear_requests()
    with watching(project) as (_, lines):
        assert lines.wait_for("precondition_met")["source"] == "catch-up"
        planned = lines.wait_for("planned", scope="full", reason="start")
        assert planned["changes"] == {"entitle": 1}
        lines.wait_for("applied", scope="full")
    assert state(project)["tradovate_user.alice"]["facts"]["mda_signed"] is True
    assert len(entitled(project)) == 1
    assert counted(project) == (1, 1)


def test_manifest_changes_and_intervals_never_read_signals_again(project: Project) -> None:
    with watching(project, interval=0.3) as (_, lines):
        lines.wait_for("applied", scope="full")
        project.write("traders/dave.yaml", DAVE)
        lines.wait_for("manifests_loaded", trigger="files")
        planned = lines.wait_for("planned", scope="full", reason="manifests reloaded (files)")
        assert planned["changes"] == {"create": 2, "wait": 1}
        lines.wait_for("applied", scope="full")
        lines.wait_for("planned", scope="full", reason="interval", changes={"wait": 1})
        lines.wait_for("planned", scope="full", reason="interval")
    assert "tradovate_account.dave/TESTD5" in state(project)
    assert counted(project) == (1, 1)


def test_reload_applies_and_broken_manifests_keep_the_last_good_ones(project: Project) -> None:
    with watching(project) as (watcher, lines):
        lines.wait_for("applied", scope="full")
        project.write("traders/broken.yaml", "kind: Trader\nname: Not Valid\n")
        watcher.reload("SIGHUP")
        invalid = lines.wait_for("manifests_invalid", trigger="SIGHUP")
        assert any("broken.yaml" in problem for problem in invalid["problems"])
        project.remove("traders/broken.yaml")
        project.write("traders/dave.yaml", DAVE)
        watcher.reload("SIGHUP")
        lines.wait_for("manifests_loaded", trigger="SIGHUP", traders=4)
        lines.wait_for("applied", scope="full")
    assert "tradovate_user.dave" in state(project)
    assert ("manifests_loaded", {"trigger": "files", "traders": 4}) not in lines.lines


def test_the_state_lock_is_taken_per_run_so_others_plan_and_apply_meanwhile(
    project: Project,
) -> None:
    with watching(project, lock_timeout=0.0) as (_, lines):
        lines.wait_for("applied", scope="full")
        assert project.run("plan").exit_code == 0
        with (
            open_workspace(project.manifests, connect=False) as other,
            other.store.lock(command="apply"),
        ):
            project.admin("users/alice.smith/sign-mda")
            holder = lines.wait_for("state_locked")["holder"]
            assert holder.endswith(f"(pid {os.getpid()}, apply)")
        lines.wait_for("applied", scope="targeted")
        # reported once the run has let the lock go: an apply at once finds state free
        applied = project.run("apply", "--auto-approve")
        assert applied.exit_code == 0, applied.output
        assert "No changes." in applied.output
    assert "tradovate_entitlement.alice/t-prop" in state(project)


def test_pending_operations_turn_an_event_into_a_full_plan(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    with open_workspace(project.manifests, connect=False) as workspace:
        document = workspace.store.read()
        editor = document.edit()
        editor.add_pending(
            PendingOperation(
                id="op1",
                address="tradovate_user.zed",
                action="create",
                natural_key="zed",
                started_at="2026-01-01T00:00:00Z",
            )
        )
        workspace.store.write(editor.snapshot())
    with watching(project) as (_, lines):
        lines.wait_for("planned", scope="full", reason="start")
        lines.wait_for("resolved_pending", operations=1)
        project.admin("users/alice.smith/sign-mda")
        lines.wait_for("applied", scope="targeted")
    assert json.loads(project.state_file.read_text())["pending"] == {}


def test_a_full_plan_cancelling_more_than_max_cancel_is_refused(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    with watching(project, max_cancel=1) as (_, lines):
        lines.wait_for("planned", scope="full", reason="start")
        project.remove("traders/team.yaml")
        refused = lines.wait_for("refused")
        assert "resources of 2 traders (bob, carol), more than --max-cancel 1" in refused["message"]
    assert "tradovate_user.bob" in state(project)


def test_a_signature_of_an_unmanaged_user_is_reported_and_ignored(project: Project) -> None:
    live = project.url + "/live/v1"
    credentials = {"name": DEFAULT_ADMIN[0], "password": DEFAULT_ADMIN[1], "sec": DEFAULT_ADMIN[2]}
    with watching(project) as (_, lines):
        lines.wait_for("applied", scope="full")
        token = httpx.post(f"{live}/auth/accesstokenrequest", json=credentials).json()
        stranger = {
            "name": "stranger",
            "email": "s@example.com",
            "password": "correct-horse-1",
            "firstName": "Some",
            "lastName": "One",
        }
        created = httpx.post(
            f"{live}/user/createevaluationusers",
            json={"users": [stranger]},
            headers={"Authorization": f"Bearer {token['accessToken']}"},
        ).json()
        project.admin("users/stranger/sign-mda")
        ignored = lines.wait_for("precondition_ignored")
    assert ignored["remote_id"] == str(created["results"][0]["userId"])
    assert "planned" not in lines.events()[lines.events().index("precondition_ignored") :]


def test_a_session_closed_by_other_logins_is_resumed_without_losing_a_signature(
    project: Project,
) -> None:
    credentials = {"name": DEFAULT_ADMIN[0], "password": DEFAULT_ADMIN[1], "sec": DEFAULT_ADMIN[2]}
    with watching(project) as (_, lines):
        lines.wait_for("applied", scope="full")
        for _ in range(2):  # two more logins close the watcher's session, the oldest
            httpx.post(f"{project.url}/live/v1/auth/accesstokenrequest", json=credentials)
        assert "Session closed" in lines.wait_for("stream_disconnected")["detail"]
        lines.wait_for("stream_connected")
        project.admin("users/alice.smith/sign-mda")
        lines.wait_for("applied", scope="targeted")
    assert "tradovate_entitlement.alice/t-prop" in state(project)


def test_the_health_endpoint_follows_the_stream(project: Project) -> None:
    health = Health(stall_after=30.0)
    server = HealthServer(health, host="127.0.0.1", port=0)
    url = f"http://127.0.0.1:{server.port}/healthz"
    try:
        with watching(project, health=health) as (_, lines):
            lines.wait_for("applied", scope="full")
            answer = httpx.get(url)
            assert (answer.status_code, answer.json()["streams"]) == (
                200,
                {"tradovate": "connected"},
            )
            project.admin("websockets/drop", {"refuse_seconds": 1.0})
            lines.wait_for("stream_disconnected")
            assert httpx.get(url).status_code == 503
            lines.wait_for("stream_connected", timeout=10)
            assert httpx.get(url).status_code == 200
    finally:
        server.close()


@pytest.mark.parametrize("sandbox_config", [replace(SandboxConfig(), latency=0.02)])
def test_stop_finishes_the_batch_in_flight_and_records_it(project: Project) -> None:
    with watching(project) as (watcher, lines):
        lines.on_line = lambda event, _: watcher.stop("SIGTERM") if event == "batch" else None
        lines.wait_for("batch", kind="tradovate_user", action="create")
        lines.wait_for("interrupted")
    recorded = json.loads(project.state_file.read_text())
    assert recorded["pending"] == {}
    assert {"tradovate_user.alice", "tradovate_user.bob", "tradovate_user.carol"} <= set(
        recorded["resources"]
    )
    assert not any(a.startswith("tradovate_account.") for a in recorded["resources"])
    assert "applied" not in lines.events()
