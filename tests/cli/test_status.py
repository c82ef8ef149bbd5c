"""`reconciler status` against the embedded sandboxes, after applies made at different times
through an injected clock: traders sign and verify on different days, one is offboarded."""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import pytest
from click.testing import CliRunner, Result

from reconciler.cli.main import main
from reconciler.providers import PROVIDERS
from reconciler.state import AuditEntry, records
from reconciler.workspace import desired, open_workspace
from tests.project import Project
from tests.spying import calls_of

EXAMPLES = Path(__file__).resolve().parents[2] / "manifests"
DAY = 86_400.0


def clock_at(start: float) -> Callable[[], float]:
    """A clock that starts at `start` and runs on from there."""
    began = time.monotonic()
    return lambda: start + (time.monotonic() - began)


def apply_at(manifests: Path, at: float) -> None:
    with open_workspace(manifests, clock=clock_at(at)) as workspace:
        document = workspace.store.read()
        plan, remote = workspace.plan(document)
        workspace.apply(plan, remote, document, sink=lambda _: None)


def cli(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(
        main, ["--no-color", "--manifests", str(root / "manifests"), *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Created 20 days ago; alice signed on day 3; bob verified and alice's TraderPal profile
    updated on day 5; carol offboarded on day 6 (now is about day 20)."""
    tmp_path = tmp_path_factory.mktemp("funnel")
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    manifests = tmp_path / "manifests"
    start = time.time() - 20 * DAY
    apply_at(manifests, start)
    sandbox = ["sandbox", "--data-dir", str(tmp_path / "state" / "sandbox")]
    cli(tmp_path, *sandbox, "sign-mda", "alice.smith")
    apply_at(manifests, start + 3 * DAY)
    cli(tmp_path, *sandbox, "--platform", "traderpal", "admin", "users/bob@example.com/activate")
    alice = manifests / "traders" / "alice.yaml"
    alice.write_text(alice.read_text().replace("1990-01-01", "1990-01-02"))
    apply_at(manifests, start + 5 * DAY)
    team = manifests / "traders" / "team.yaml"
    team.write_text(
        team.read_text().replace("  tradervue: {}", "  status: cancelled\n  tradervue: {}")
    )
    apply_at(manifests, start + 6 * DAY)
    return tmp_path


@pytest.fixture
def funnel(made: Path, tmp_path: Path) -> Path:
    """A copy of the module's project (manifests, state, sandbox data) for one test."""
    shutil.copytree(made, tmp_path / "project")
    return tmp_path / "project"


def test_status_summarises_each_platform_then_lists_each_trader(funnel: Path) -> None:
    lines = cli(funnel, "status").stdout.splitlines()
    assert lines[0] == (
        "Tradovate: 1 waiting for signature (oldest 20 days), 1 entitled, 1 offboarded; "
        "Tradervue: 2 created, 1 offboarded; "
        "TraderPal: 1 verification pending (oldest 20 days), 1 verified"
    )
    rows = [line.split("  since")[0].split() for line in lines[2:]]
    assert [" ".join(row) for row in rows] == [
        "alice tradovate entitled",
        "alice tradervue created",
        "alice traderpal verification pending",
        "bob tradovate waiting for signature",
        "bob tradervue created",
        "bob traderpal verified",
        "carol tradovate offboarded",
        "carol tradervue offboarded",
    ]
    assert lines[2].endswith("(17 days)")  # alice entitled on day 3
    assert lines[5].endswith("(20 days)")  # bob waits since his user was made
    assert lines[4].endswith("(20 days)")  # alice's profile changed on day 5, still pending
    state = json.loads((funnel / "state" / "default.state.json").read_text())
    record = state["resources"]["traderpal_user.alice"]
    assert record["updated_at"] > record["created_at"]
    assert lines[8].endswith("(14 days)")  # carol offboarded on day 6


def test_filters_keep_the_waiting_the_old_and_one_trader(funnel: Path) -> None:
    waiting = cli(funnel, "status", "--waiting", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(waiting)))
    assert [(r["trader"], r["platform"], r["stage"], r["age_days"]) for r in rows] == [
        ("alice", "traderpal", "verification pending", "20"),
        ("bob", "tradovate", "waiting for signature", "20"),
    ]
    old = json.loads(cli(funnel, "status", "--older-than", "15d", "--format", "json").stdout)
    assert {(r["trader"], r["platform"]) for r in old["rows"]} == {
        ("alice", "tradovate"),
        ("alice", "tradervue"),
        ("alice", "traderpal"),
        ("bob", "tradovate"),
        ("bob", "tradervue"),
    }
    assert old["summary"][0]["counts"] == {
        "waiting for signature": 1,
        "entitled": 1,
        "offboarded": 1,
    }
    carol = cli(funnel, "status", "--trader", "carol", "--format", "markdown").stdout
    assert carol.startswith("### Onboarding funnel\n\n- Tradovate: 1 waiting for signature")
    assert carol.count("| carol |") == 2
    assert "| alice |" not in carol


def test_a_signature_shows_only_after_refresh(funnel: Path) -> None:
    cli(funnel, "sandbox", "--data-dir", str(funnel / "state" / "sandbox"), "sign-mda", "bob.jones")
    assert "bob    tradovate  waiting for signature" in cli(funnel, "status").stdout
    refreshed = cli(funnel, "status", "--refresh", "--trader", "bob").stdout
    assert "bob  tradovate  signed (not entitled yet)" in refreshed


def test_a_bad_age_is_a_usage_error(funnel: Path) -> None:
    result = CliRunner().invoke(
        main, ["--manifests", str(funnel / "manifests"), "status", "--older-than", "7x"]
    )
    assert result.exit_code == 1
    assert "'7x' is not an age like 7d, 12h, 2w or 30m" in result.output


def test_status_calls_no_platform_unless_asked_to_refresh(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.clear_requests()
    shown = project.run("status")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("Tradovate: 2 created, 1 waiting for signature (oldest")
    assert project.requests() == []
    assert project.run("status", "--refresh").exit_code == 0
    assert project.requests() != []


def test_status_reads_state_without_a_record_model_or_another_providers_resources(
    funnel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without `--refresh`, `status` expands only the provider owning the entitlements, reads
    each record's stamps and facts without its model, and parses only the audit entries of
    users: at 100,000 traders the models, the whole expansion and the parsed trail took
    2.3 GiB."""
    expected = cli(funnel, "status", "--format", "json").output

    def refused(*_: object) -> NoReturn:
        raise AssertionError("not needed by status")

    others = {
        name: replace(provider, expand=refused) if name != "tradovate" else provider
        for name, provider in PROVIDERS.items()
    }
    monkeypatch.setattr(desired, "PROVIDERS", others)
    monkeypatch.setattr(records, "record_of", refused)  # a model per record
    parsed = calls_of(monkeypatch, AuditEntry, "model_validate_json")

    assert cli(funnel, "status", "--format", "json").output == expected
    trail = (funnel / "state" / "default.audit.jsonl").read_bytes().splitlines()
    users = [line for line in trail if b'"address":"' in line and b"_user." in line]
    assert [line for (line,) in parsed] == users
    assert len(users) < len(trail)
