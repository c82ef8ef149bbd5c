"""The sandbox commands against the embedded sandboxes (no `sandbox serve`): the request log
of earlier runs, and users made outside reconciler (on each platform) that apply then adopts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

EXAMPLE = Path(__file__).parents[2] / "manifests"
DAVE = """\
kind: Trader
name: dave
username: dave.green
email: dave@example.com
first_name: Dave
last_name: Green
password: {generate: true}
tradovate: {}
"""


def run(*args: str, expect: int = 0) -> str:
    result = CliRunner().invoke(main, ["--no-color", *args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.output


@pytest.fixture
def firm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example manifests in a fresh directory, which is also the working directory."""
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sandbox_requests_lists_what_the_embedded_sandbox_served(firm: Path) -> None:
    run("apply", "--auto-approve")

    served = run("sandbox", "requests").splitlines()
    vue = run("sandbox", "--platform", "tradervue", "requests").splitlines()

    assert "POST live /live/v1/user/createevaluationusers 200" in served
    assert served[-1] == f"{len(served) - 1} request(s)."
    assert len(served) > 4
    assert any(line.startswith("POST") and "users" in line for line in vue)


def test_sandbox_admin_creates_a_user_that_apply_adopts(firm: Path) -> None:
    run("apply", "--auto-approve")
    created = run(
        "sandbox", "admin", "users/create", "name=dave.green", "email=dave@example.com",
        "password=dave-Pass-1234", "firstName=Dave", "lastName=Green",
    )  # fmt: skip
    (firm / "manifests" / "traders" / "dave.yaml").write_text(DAVE)

    refused = run("plan", expect=1)
    adopted = run("apply", "--auto-approve", "--adopt")

    assert '"userId"' in created
    assert "tradovate_user.dave" in refused
    assert "--adopt" in refused
    assert "Apply complete" in adopted
    assert "tradovate_user.dave" in run("state", "list")
    assert "No changes" in run("plan")


ERIN = """\
kind: Trader
name: erin
username: erin.blue
email: erin@example.com
first_name: Erin
last_name: Blue
password: {generate: true}
tradervue: {plan: Gold}
traderpal: {date_of_birth: 1991-02-03}
"""


def test_sandbox_admin_creates_users_on_tradervue_and_traderpal_that_apply_adopts(
    firm: Path,
) -> None:
    run("apply", "--auto-approve")
    vue = run(
        "sandbox", "--platform", "tradervue", "admin", "users/create",
        "username=Erin.Blue", "email=erin@example.com", "plan=gold",
    )  # fmt: skip
    pal = run(
        "sandbox", "--platform", "traderpal", "admin", "users/create",
        "email=erin@example.com", "firstName=Erin", "lastName=Blue", "dateOfBirth=1991-02-03",
    )  # fmt: skip
    (firm / "manifests" / "traders" / "erin.yaml").write_text(ERIN)

    refused = run("plan", expect=1)
    planned = run("plan", "--adopt")
    adopted = run("apply", "--auto-approve", "--adopt")

    vue_id, pal_id = json.loads(vue)["id"], json.loads(pal)["userId"]
    assert (json.loads(vue)["plan"], json.loads(pal)["status"]) == ("Gold", "pending_verification")
    assert f"tradervue_user.erin ({vue_id})" in refused
    assert f"traderpal_user.erin ({pal_id})" in refused
    assert "--adopt" in refused
    assert f"adopt existing remote object {vue_id}" in planned
    assert f"adopt existing remote object {pal_id}" in planned
    assert "Apply complete" in adopted
    listed = run("state", "list")
    assert "tradervue_user.erin" in listed
    assert "traderpal_user.erin" in listed
    assert "No changes" in run("plan")
    taken = run(
        "sandbox", "--platform", "tradervue", "admin", "users/create",
        "username=erin.blue", "email=e2@example.com", "plan=Gold", expect=1,
    )  # fmt: skip
    assert "username has already been taken" in taken


def test_a_delay_past_the_http_timeout_leaves_no_traceback(tmp_path: Path) -> None:
    """The client gives up on a delayed answer and retries; when the embedded sandbox stops,
    the request still delayed ends quietly instead of being cancelled with a traceback."""
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "firm.yaml").write_text(
        "kind: Firm\nname: test-prop\nproviders: {tradovate: {environment: sandbox}}\n",
        encoding="utf-8",
    )
    (manifests / "dave.yaml").write_text(DAVE, encoding="utf-8")
    fault = ("fault", "add", "--path", "/live/v1/user/list", "--effect", "delay")
    run("--manifests", str(manifests), "sandbox", *fault, "--seconds", "5")
    command = [sys.executable, "-m", "reconciler", "--manifests", str(manifests)]
    finished = subprocess.run(
        [*command, "--no-color", "--http-timeout", "1", "plan"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "+ tradovate_user.dave (create)" in finished.stdout
    assert finished.stderr == ""
