"""`reconciler conformance` against the sandbox: every checklist line passes; an injected fault
fails its line and the run still cleans up; the firm's own traders and state are untouched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.conformance import CHECKLIST
from tests.project import Project, calls


def run(project: Project, out: Path, *args: str) -> Any:
    return project.run("conformance", "--prefix", "CONF", "--out", str(out), *args)


def summary(out: Path) -> dict[str, dict[str, Any]]:
    return dict(json.loads((out / "summary.json").read_text()))


def cohort_permissions(project: Project) -> list[dict[str, Any]]:
    world = project.world()
    cohort = {u["id"] for u in world["users"] if u["name"].startswith("conf.")}
    return [p for p in world["tradingPermissions"] if p["userId"] in cohort]


def penalty(project: Project) -> None:
    """A penalty ticket on user creation, so the p-ticket line has something to handle."""
    project.admin(
        "faults",
        {"method": "POST", "path": "/live/v1/user/createevaluationusers", "effect": "penalty",
         "seconds": 0, "times": 1},
    )  # fmt: skip


def test_every_checklist_line_passes_against_the_sandbox(project: Project, tmp_path: Path) -> None:
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    state_before = project.state_file.read_bytes()
    penalty(project)
    out = tmp_path / "bundle"
    result = run(project, out)
    assert result.exit_code == 0, result.output + (out / "report.md").read_text()
    found = summary(out)
    assert sorted(found) == sorted(line.id for line in CHECKLIST)
    assert {k: v["status"] for k, v in found.items() if v["status"] != "pass"} == {}
    assert found["1.1"]["calls"] == 1
    assert 0 < found["1.1"]["milliseconds"] < 2000
    report = (out / "report.md").read_text()
    for line in CHECKLIST:
        assert f"| {line.id} | {line.text} | \u2705 pass |" in report
    assert "## Calls and answers by line" in report
    ticket_row = next(r for r in report.splitlines() if r.startswith("| 2.4 |"))
    assert ticket_row.rstrip(" |").split("| ")[-1].startswith("#")  # the ticket and its resend
    # the bundle: every call logged, nothing secret in it
    log = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    assert len(log) > 40
    assert all({"seq", "line", "method", "url", "status", "milliseconds"} <= set(e) for e in log)
    text = (out / "log.jsonl").read_text()
    assert "sandbox-not-a-secret" not in text
    assert "sandbox-sec" not in text
    assert '"password": "(redacted)"' in text
    # cleaned up, firm untouched
    assert cohort_permissions(project)
    assert all(p["status"] == "Revoked" for p in cohort_permissions(project))
    assert project.state_file.read_bytes() == state_before
    assert project.run("plan", "--detailed-exitcode").exit_code == 0


def test_an_injected_fault_fails_its_line_and_the_run_still_cleans_up(
    project: Project, tmp_path: Path
) -> None:
    project.admin(
        "faults",
        {"method": "POST", "path": "/demo/v1/accountriskstatus/switchriskcategory",
         "status": 503, "times": 10},
    )  # fmt: skip
    out = tmp_path / "bundle"
    result = run(project, out, "--stage", "4")
    assert result.exit_code == 1
    assert "FAIL 4.6:" in result.output
    found = summary(out)
    assert found["4.6"]["status"] == "fail"
    assert found["4.7"]["status"] == "pass"
    assert found["C.1"]["status"] == "pass"
    assert "1.1" not in found
    assert "3.1" not in found
    assert "\u274c fail" in (out / "report.md").read_text()
    assert all(p["status"] == "Revoked" for p in cohort_permissions(project))
    assert "POST demo /v1/user/canceleverything" in calls(project)


def test_a_failure_before_any_account_still_cancels_the_users(
    project: Project, tmp_path: Path
) -> None:
    project.admin(
        "faults",
        {"method": "POST", "path": "/demo/v1/user/createevaluationaccounts", "status": 500,
         "times": 10},
    )  # fmt: skip
    out = tmp_path / "bundle"
    assert run(project, out, "--stage", "4").exit_code == 1
    found = summary(out)
    assert found["4.1"]["status"] == "fail"
    assert found["C.1"]["status"] == "pass"
    world = project.world()
    cohort = [u["id"] for u in world["users"] if u["name"].startswith("conf.")]
    assert cohort
    subscriptions = [s for s in world["tradovateSubscriptions"] if s["userId"] in cohort]
    assert all(s.get("cancelledRenewal") for s in subscriptions)


def test_a_prefix_matching_a_declared_trader_is_refused(project: Project, tmp_path: Path) -> None:
    result = project.run("conformance", "--prefix", "TEST", "--out", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "matches declared names" in result.output
    assert calls(project) == []


def test_a_malformed_prefix_is_one_line_error(project: Project, tmp_path: Path) -> None:
    result = project.run("conformance", "--prefix", "conf1", "--out", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "must be 2-12 upper-case letters" in result.output


def test_without_a_penalty_ticket_its_line_is_not_run_and_the_stage_passes(
    project: Project, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    result = run(project, out, "--stage", "2")
    assert result.exit_code == 0, result.output
    found = summary(out)
    assert found["2.4"] == {
        "status": "not run",
        "detail": "no penalty ticket was met during this run (not provoked)",
        "calls": 0,
        "milliseconds": 0.0,
    }
    assert all(found[k]["status"] == "pass" for k in ("2.1", "2.2", "2.3", "2.5", "C.1"))
