"""`state list|show|rm|mv|pull|push`, `import`, `history` and `moved` entries, against the
Tradovate sandbox and the local backend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli import history as history_command
from reconciler.cli import main
from reconciler.cli import state as state_commands
from reconciler.render import (
    render_history,
    render_state,
    render_state_json,
    render_state_markdown,
)
from reconciler.state import AuditEntry, LocalBackend, LockInfo, Provenance
from reconciler.state.records import record_of
from tests.project import SECRETS, Project


def recorded(project: Project) -> dict[str, dict[str, object]]:
    return dict(json.loads(project.state_file.read_text())["resources"])


@pytest.fixture
def applied(project: Project) -> Project:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return project


def test_list_and_show_never_print_a_secret(applied: Project) -> None:
    listed = applied.run("state", "list", "--trader", "alice").output
    shown = applied.run("state", "show", "tradovate_user.alice").output

    user_id = recorded(applied)["tradovate_user.alice"]["remote_id"]
    assert f"tradovate_user.alice\t{user_id}" in listed
    assert "tradovate_account.alice/TESTA1" in listed
    assert "bob" not in listed
    assert "alice.smith" in shown
    assert "(sensitive)" in shown
    for secret in SECRETS.values():
        assert secret not in shown


def test_reading_state_needs_none_of_the_manifests_variables(
    applied: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`state list`, `state show`, `state pull` and `show` read no secret: unset variables of
    the traders and platform credentials do not stop them."""
    for name in SECRETS:
        monkeypatch.delenv(name)
    assert applied.run("plan").exit_code == 1  # the variables are really gone
    for args in (
        ("state", "list"),
        ("state", "show", "tradovate_user.alice"),
        ("state", "pull"),
        ("show",),
    ):
        result = applied.run(*args)
        assert result.exit_code == 0, f"{args}: {result.output}"
        assert "tradovate_user.alice" in result.output


def run_loading(
    project: Project, args: tuple[str, ...], prefixes: tuple[str, ...]
) -> tuple[str, str]:
    """The output of the command `args` run in a fresh interpreter, and the modules it
    loaded whose names start with one of `prefixes` (space-separated)."""
    argv = ["--no-color", "--manifests", str(project.manifests), *args]
    code = (
        "import sys\nfrom reconciler.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as exit:\n    assert not exit.code\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    *output, loaded = done.stdout.splitlines()
    return "\n".join(output), loaded


@pytest.mark.parametrize(
    "args", [("history",), ("history", "alice"), ("state", "list"), ("state", "pull")]
)
def test_reading_state_or_the_trail_loads_no_provider_nor_planner(
    applied: Project, args: tuple[str, ...]
) -> None:
    """`history`, `state list` and `state pull` read the state store alone: importing every
    platform's client and the planner took half of a workspace's whole `history` at 10,000
    traders."""
    prefixes = ("reconciler.providers", "reconciler.plan", "reconciler.workspace.opening")

    output, loaded = run_loading(applied, args, prefixes)

    assert "tradovate_user.alice" in output
    assert loaded == ""


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_showing_the_state_loads_no_provider_nor_the_workspace(
    applied: Project, output_format: str
) -> None:
    """`show` without a plan file reads the state store alone: loading every platform's
    client and the apply machinery for a saved plan it was not given took a third of a
    `show --format markdown` at 10,000 traders."""
    prefixes = (
        "reconciler.providers",
        "reconciler.apply.executor",
        "reconciler.workspace.opening",
        "reconciler.workspace.saved_plans",
    )

    output, loaded = run_loading(applied, ("show", "--format", output_format), prefixes)

    assert "tradovate_user.alice" in output
    assert loaded == ""


def test_reading_state_reports_an_unset_variable_of_the_state_settings(
    applied: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = applied.manifests / "firm.yaml"
    firm.write_text(
        firm.read_text() + "settings: {state: {path: '${env:STATE_DIR}'}}\n", encoding="utf-8"
    )
    monkeypatch.delenv("STATE_DIR", raising=False)
    result = applied.run("state", "list")
    assert result.exit_code == 1
    assert "settings.state: environment variable STATE_DIR is not set" in result.output
    monkeypatch.setenv("STATE_DIR", "state")
    assert "tradovate_user.alice" in applied.run("state", "list").output


def test_show_of_an_unknown_address_exits_one(applied: Project) -> None:
    result = applied.run("state", "show", "tradovate_user.nobody")
    assert result.exit_code == 1
    assert "Error: not in state: tradovate_user.nobody" in result.output


def test_rm_then_import_takes_the_object_back(applied: Project) -> None:
    user_id = str(recorded(applied)["tradovate_user.carol"]["remote_id"])

    removed = applied.run("state", "rm", "tradovate_user.carol")
    assert removed.exit_code == 0, removed.output
    assert "tradovate_user.carol" not in recorded(applied)
    refused = applied.run("plan")
    assert refused.exit_code == 1
    assert f"tradovate_user.carol ({user_id})" in refused.output

    imported = applied.run("import", "tradovate_user.carol", user_id)
    assert imported.exit_code == 0, imported.output
    assert recorded(applied)["tradovate_user.carol"]["remote_id"] == user_id
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("tradovate_user.zed", "1"), "is not declared in the manifests", id="undeclared"
        ),
        pytest.param(("tradovate_user.alice", "1"), "is already recorded", id="recorded"),
        pytest.param(("not-an-address", "1"), "invalid address", id="bad-address"),
    ],
)
def test_import_refuses_what_it_cannot_prove(
    applied: Project, args: tuple[str, str], message: str
) -> None:
    result = applied.run("import", *args)
    assert result.exit_code == 1
    assert message in result.output


def test_import_refuses_an_id_that_is_not_the_declared_object(applied: Project) -> None:
    bob_id = str(recorded(applied)["tradovate_user.bob"]["remote_id"])
    applied.run("state", "rm", "tradovate_user.carol")

    result = applied.run("import", "tradovate_user.carol", bob_id)

    assert result.exit_code == 1
    assert f"tradovate object {bob_id} is not tradovate_user.carol" in result.output
    assert "tradovate_user.carol" not in recorded(applied)


def test_mv_of_a_trader_re_addresses_all_of_its_records(applied: Project) -> None:
    before = recorded(applied)

    moved = applied.run("state", "mv", "bob", "robert")

    assert moved.exit_code == 0, moved.output
    after = recorded(applied)
    assert after["tradovate_account.robert/TESTB3"] == before["tradovate_account.bob/TESTB3"]
    assert not [a for a in after if ".bob" in a]
    assert applied.run("state", "mv", "robert", "bob").exit_code == 0
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0


def test_moved_entry_renames_a_trader_without_offboarding(applied: Project) -> None:
    calls_before = len(applied.requests())
    applied.write(
        "traders/alice.yaml",
        applied.manifests.joinpath("traders/alice.yaml")
        .read_text()
        .replace("name: alice\n", "name: alicia\n"),
    )
    firm = applied.manifests / "firm.yaml"
    firm.write_text(firm.read_text() + "moved:\n  - {from: alice, to: alicia}\n")

    planned = applied.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "tradovate_user.alice has moved to tradovate_user.alicia" in planned.output
    assert "0 to create, 0 to update, 0 to replace, 0 to entitle, 0 to cancel, 3 to move" in (
        planned.output
    )
    result = applied.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Apply complete: 3 moves recorded in state (no platform call)" in result.output
    assert "0 succeeded" not in result.output
    assert "tradovate_user.alicia" in recorded(applied)
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0
    writes = [r for r in applied.requests()[calls_before:] if r["method"] == "POST"]
    assert not [r for r in writes if "auth" not in r["path"]]
    history = applied.run("history", "alicia").output
    assert "move from tradovate_user.alice" in history


@pytest.mark.parametrize(
    ("target", "account"),
    [("bob/TESTB5", "TESTB5"), ("carol/TESTB2", "TESTB2")],
    ids=["renamed-account", "to-another-trader"],
)
def test_a_moved_account_the_platform_cannot_rename_is_refused_at_its_line(
    applied: Project, target: str, account: str
) -> None:
    """An account is found by its name on the platform, which renames none and moves none to
    another trader: such a `moved` entry would create a new account and leave the old one
    unmanaged, so the plan refuses it where it is written."""
    team = applied.manifests.joinpath("traders/team.yaml").read_text()
    team = team.replace("      - {name: TESTB2, template: eval-50k}\n", "")
    if target.startswith("bob/"):
        team = team.replace(
            "accounts:\n", f"accounts:\n      - {{name: {account}, template: eval-50k}}\n", 1
        )
    else:
        team = team.replace(
            "accounts: [{name: TESTC4, template: eval-100k}]",
            "accounts: [{name: TESTC4, template: eval-100k}, "
            f"{{name: {account}, template: eval-50k}}]",
        )
    applied.write("traders/team.yaml", team)
    firm = applied.manifests / "firm.yaml"
    line = len(firm.read_text().splitlines()) + 2
    entry = f"  - {{from: tradovate_account.bob/TESTB2, to: tradovate_account.{target}}}\n"
    firm.write_text(firm.read_text() + "moved:\n" + entry)
    applied.clear_requests()

    result = applied.run("plan")

    assert result.exit_code == 1, result.output
    message = " ".join(result.output.split())
    assert (
        f"firm.yaml:{line}: moved: tradovate_account.bob/TESTB2 -> tradovate_account.{target}"
        in message
    )
    assert "cannot make it" in message
    assert "(a trader renamed, or an address whose object stays the same)" in message
    assert "Traceback" not in result.output
    assert not [r for r in applied.requests() if r["domain"] != "admin"]  # refused before reading


def test_pull_and_push_refuse_an_older_copy_unless_forced(applied: Project) -> None:
    pulled = applied.run("state", "pull")
    old = applied.root / "old.json"
    old.write_text(pulled.output)
    applied.run("state", "rm", "tradovate_user.carol")

    refused = applied.run("state", "push", str(old))
    assert refused.exit_code == 1
    assert "older than the stored serial" in refused.output

    forced = applied.run("state", "push", "--force", str(old))
    assert forced.exit_code == 0, forced.output
    assert "tradovate_user.carol" in recorded(applied)
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0


def test_push_refuses_a_state_of_another_lineage(applied: Project, tmp_path: Path) -> None:
    document = json.loads(applied.run("state", "pull").output)
    document["lineage"] = "another-firm"
    document["serial"] += 10
    other = tmp_path / "other.json"
    other.write_text(json.dumps(document))

    result = applied.run("state", "push", str(other))

    assert result.exit_code == 1
    assert "lineage another-firm" in result.output


def test_push_of_a_broken_file_is_refused_before_anything_is_written(applied: Project) -> None:
    before = applied.state_file.read_bytes()
    broken = applied.root / "broken.json"
    broken.write_text('{"format_version": 2, "lineage": ')

    result = applied.run("state", "push", "--force", str(broken))

    assert result.exit_code == 1
    assert "not valid JSON" in result.output
    assert applied.state_file.read_bytes() == before


def add_update(project: Project, error: str | None) -> AuditEntry:
    """Append to the trail an update of alice's user, failed with `error` (ok without)."""
    entry = AuditEntry.of(
        Provenance(actor="ops@host", command="apply"),
        at="2026-01-05T10:00:00Z",
        trader="alice",
        address="tradovate_user.alice",
        action="update",
        outcome="failed" if error else "ok",
        error=error,
    )
    with (project.root / "state" / "default.audit.jsonl").open("ab") as trail:
        trail.write(entry.to_bytes() + b"\n")
    return entry


@pytest.mark.parametrize("error", [None, "refusé", "a \x7f in the answer", "line\nbreak\x1a"])
def test_history_as_json_is_written_as_pythons_encoder_writes_it(
    applied: Project, error: str | None
) -> None:
    """Indented, every text in ASCII: the trail's JSON is the same whatever writes it."""
    entry = add_update(applied, error)

    written = applied.run("history", "--format", "json").output

    entries = json.loads(written)
    assert entries[-1] == entry.model_dump(mode="json")
    assert written == json.dumps(entries, indent=2) + "\n"


def test_history_records_who_what_when_and_from_which_commit(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "a" * 40)
    project.run("apply", "--auto-approve")

    entries = json.loads(project.run("history", "bob", "--format", "json").output)

    ids = {a: r["remote_id"] for a, r in recorded(project).items()}
    created = {e["address"]: e for e in entries if e["action"] == "create"}
    assert set(created) == {
        "tradovate_user.bob",
        "tradovate_contact.bob",
        "tradovate_account.bob/TESTB2",
        "tradovate_account.bob/TESTB3",
    }
    for address, entry in created.items():
        assert entry["outcome"] == "ok"
        assert entry["remote_id"] == ids[address]
        assert entry["commit"] == "a" * 40
        assert entry["command"] == "apply"
        assert len(entry["plan"]) == 12
        assert "@" in entry["actor"]
    text = project.run("history", "bob").output
    assert "tradovate_account.bob/TESTB3" in text
    assert "alice" not in text


def test_history_records_a_failed_item_and_an_offboarding(project: Project) -> None:
    project.run("apply", "--auto-approve")
    project.remove("traders/alice.yaml")
    project.run("apply", "--auto-approve")

    entries = json.loads(project.run("history", "alice", "--format", "json").output)

    cancels = [e for e in entries if e["action"] == "cancel"]
    assert {e["address"] for e in cancels} >= {"tradovate_user.alice"}
    assert all(e["outcome"] == "ok" and e["remote_id"] for e in cancels)


def held_lock(project: Project, **changes: object) -> LockInfo:
    """A lock of the project's workspace held by this (live) test process, or as `changes` say."""
    info = LockInfo.current("apply").model_copy(update=changes)
    LocalBackend(project.root / "state").acquire(info)
    return info


def test_unlock_refuses_a_live_holder_without_force(project: Project) -> None:
    info = held_lock(project)
    refused = project.run("state", "unlock", info.id)
    assert refused.exit_code == 1
    assert f"process {info.pid} is running on this host" in refused.output
    assert "--force" in refused.output
    assert LocalBackend(project.root / "state").holder() == info

    forced = project.run("state", "unlock", "--force", info.id)
    assert forced.exit_code == 0, forced.output
    assert "stops before its next round of platform calls" in forced.output
    assert LocalBackend(project.root / "state").holder() is None


def test_unlock_asks_on_a_terminal(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    info = held_lock(project, host="elsewhere")
    monkeypatch.setattr(state_commands, "_is_terminal", lambda: True)
    declined = project.runner.invoke(
        main, ["--no-color", "-m", str(project.manifests), "state", "unlock", info.id], input="n\n"
    )
    assert declined.exit_code == 1
    assert "another host (elsewhere)" in declined.output
    assert "Release it?" in declined.output
    assert LocalBackend(project.root / "state").holder() == info


def test_a_failing_plan_does_not_create_a_new_state_key(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    key = project.root / "state" / "default.state.key"
    kept = key.read_bytes()
    key.unlink()
    failed = project.run("plan")
    assert failed.exit_code == 1
    assert "is missing" in failed.output
    assert not key.exists()  # the old key can be put back as it was
    key.write_bytes(kept)
    assert project.run("plan", "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize("key", ["not-hex", "abcd"], ids=["not hex", "too short"])
def test_a_bad_state_key_is_one_clear_line(
    project: Project, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("RECONCILER_STATE_KEY", key)
    result = project.run("plan")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: RECONCILER_STATE_KEY must be at least 32 hexadecimal digits (0-9, a-f), e.g. "
        "the content of the state key file or `openssl rand -hex 32`"
    )


def test_push_help_says_force_replaces_with_an_older_serial(project: Project) -> None:
    text = " ".join(project.run("state", "push", "--help").output.split())
    assert "an older serial" in text
    assert "newer" not in text


@pytest.mark.parametrize("chunk", [1, 3, 1_000_000])
def test_history_a_chunk_of_entries_at_a_time_is_the_whole_trails_text(
    applied: Project, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The trail is parsed and written CHUNK entries at a time (held whole, a workspace's
    trail was over 1 GiB at 100,000 traders); its text and its JSON are the whole trail's,
    an entry outside ASCII among them."""
    add_update(applied, "refusé")
    audit = applied.root / "state" / "default.audit.jsonl"
    entries = [AuditEntry.model_validate_json(line) for line in audit.read_bytes().splitlines()]
    assert len(entries) > 3
    monkeypatch.setattr(history_command, "CHUNK", chunk)

    written = applied.run("history", "--format", "json").output
    text = applied.run("history").output

    assert written == json.dumps([e.model_dump(mode="json") for e in entries], indent=2) + "\n"
    assert text.splitlines() == [
        line
        for line in render_history([vars(e) for e in entries], trader=None).texts()
        for line in line.splitlines()
    ]
    assert applied.run("history", "nobody").output == "No audit entries for trader nobody.\n"


def test_show_writes_the_recorded_state_in_every_format_from_every_record(
    applied: Project,
) -> None:
    """`show` as JSON and markdown renders every record's row; as text, a part at a time, the
    listing of those same rows."""
    state = json.loads(applied.state_file.read_text())
    records = state["resources"].items()
    rows = {address: record_of(json.dumps(r)).model_dump() for address, r in records}
    serial = state["serial"]

    as_json = applied.run("show", "--format", "json").output
    as_markdown = applied.run("show", "--format", "markdown").output

    assert as_json == render_state_json(rows, serial=serial) + "\n"
    assert as_markdown == render_state_markdown(rows, serial=serial)
    assert applied.run("show").output == "".join(render_state(rows).texts())
