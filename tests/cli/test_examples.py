"""The README's quick start on a copy of the example manifests, with the embedded sandboxes;
the examples' schema, formatting and GitHub Actions workflow."""

from __future__ import annotations

import gc
import json
import shlex
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.cli import manifests as manifests_command
from reconciler.cli.main import main
from reconciler.manifest import SCHEMA_FILE, format_manifest
from reconciler.workspace import DISTRIBUTION

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "manifests"


def test_a_newcomer_sees_creates_then_no_changes_on_all_three_platforms(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(
            main,
            ["--no-color", "--manifests", str(tmp_path / "manifests"), *args],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return result.output

    assert "The manifests are valid: 3 trader(s)" in run("validate")
    planned = run("plan")
    for kind in ("tradovate_user", "tradervue_user", "traderpal_user"):
        assert f"+ {kind}.alice (create)" in planned
    assert "Plan: 14 to create" in planned  # and a wait for each TraderPal verification
    assert "Apply complete: 14 succeeded, 0 failed, 0 skipped" in run("apply", "--auto-approve")
    assert "No changes." in run("plan")
    assert (tmp_path / "state" / "sandbox" / "tradovate.json").exists()


ROOT = EXAMPLES.parent
WORKFLOW = ROOT / "examples" / "github-actions" / "reconciler.yml"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_committed_schema_is_what_reconciler_schema_prints() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    committed = (EXAMPLES / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == result.output, "run: reconciler schema > manifests/manifest.schema.json"
    assert json.loads(committed)["$schema"].startswith("https://json-schema.org/")


def test_every_example_manifest_points_its_editor_at_the_schema() -> None:
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        assert (path.parent / first.removeprefix(prefix)).resolve() == EXAMPLES / SCHEMA_FILE


def test_the_example_manifests_are_formatted() -> None:
    result = invoke("--manifests", str(EXAMPLES), "fmt", "--check")
    assert result.exit_code == 0, result.output
    assert "0 file(s) would be reformatted, 3 already formatted." in result.stderr


def test_fmt_check_lists_files_to_reformat_and_fmt_rewrites_them(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    messy = tmp_path / "manifests" / "traders" / "messy.yaml"
    messy.write_text("# kept\nusername: zed.z\nname: zed   # key\nkind: Trader\n")
    before = messy.read_text()
    checked = invoke("--manifests", str(tmp_path / "manifests"), "fmt", "--check", "--diff")
    assert checked.exit_code == 1
    assert f"would reformat {messy}" in checked.stdout
    assert "+kind: Trader" in checked.stdout
    assert messy.read_text() == before
    written = invoke("fmt", str(tmp_path / "manifests"))
    assert written.exit_code == 0, written.output
    assert f"reformatted {messy}" in written.stdout
    assert messy.read_text() == "# kept\nkind: Trader\nname: zed   # key\nusername: zed.z\n"
    assert invoke("fmt", "--check", str(messy)).exit_code == 0


def test_fmt_formats_each_file_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file's YAML nodes are many objects in no cycle, freed with the file: the
    collector, scanning them over and over, was half of `fmt --check` at 100,000 traders."""
    collecting: list[bool] = []
    formatter = format_manifest

    def spied(text: str, schema: Any, *, path: str = "") -> str:
        collecting.append(gc.isenabled())
        return formatter(text, schema, path=path)

    monkeypatch.setattr(manifests_command, "format_manifest", spied)
    assert gc.isenabled()

    result = invoke("--manifests", str(EXAMPLES), "fmt", "--check")

    assert result.exit_code == 0, result.output
    assert collecting
    assert not any(collecting)
    assert gc.isenabled()


def test_fmt_formats_again_only_what_it_has_not_found_formatted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file found in its form is noted; a later `fmt --check` reads the note rather
    than format the file again, and a file changed since is formatted (and reported)."""
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    large = tmp_path / "manifests" / "traders" / "large.yaml"
    padding = "# a comment line of padding\n" * 800
    large.write_text("kind: Trader\nname: zed\nusername: zed.z\n" + padding)
    formatted: list[str] = []

    def spied(text: str, schema: Any, *, path: str = "") -> str:
        formatted.append(path)
        return format_manifest(text, schema, path=path)

    monkeypatch.setattr(manifests_command, "format_manifest", spied)

    def check() -> Result:
        formatted.clear()
        return invoke("--manifests", str(tmp_path / "manifests"), "fmt", "--check")

    first, second = check(), check()
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert first.stderr == second.stderr
    assert str(large) not in formatted  # noted by the first run
    assert formatted  # the small files are not worth a note

    large.write_text("name: zed\nkind: Trader\nusername: zed.z\n" + padding)
    third = check()
    assert third.exit_code == 1
    assert f"would reformat {large}" in third.stdout
    assert str(large) in formatted
    assert str(large) in check().stdout  # a file not in its form is never noted


def test_fmt_reports_a_broken_file_and_formats_the_others(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("kind: Trader\nname: [zed\n")
    (tmp_path / "good.yaml").write_text("name: zed\nkind: Trader\n")
    result = invoke("fmt", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'bad.yaml'}:3: not valid YAML" in result.stderr
    assert (tmp_path / "good.yaml").read_text() == "kind: Trader\nname: zed\n"


def workflow_commands() -> list[list[str]]:
    """Every `reconciler ...` command line in the example workflow's run steps."""
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    commands = []
    for job in document["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                line = line.strip()
                if line.startswith("reconciler "):
                    words = shlex.split(line.split(">")[0].split("2>")[0])
                    commands.append(words[1:])
    return commands


def test_the_example_workflow_plans_on_pull_requests_applies_on_merge_and_checks_drift() -> None:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = document[True]  # YAML 1.1 reads the key `on` as true
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    runs = [words[0] for words in workflow_commands()]
    assert runs == ["fmt", "validate", "plan", "plan", "show", "apply", "drift", "status"]
    commands = {words[0]: words for words in workflow_commands()[:3]}
    commands.update({words[0]: words for words in workflow_commands()[4:]})
    assert {"--out", "plan.json", "--detailed-exitcode", "--format", "markdown"} <= set(
        commands["plan"]
    )
    assert commands["apply"] == ["apply", "plan.json"]
    assert "--detailed-exitcode" in commands["drift"]
    assert commands["validate"] == ["validate", "--format", "github"]
    assert workflow_commands()[3] == ["plan", "--format", "github"]
    assert commands["status"] == ["status", "--format", "markdown"]


def test_the_example_jobs_that_read_the_manifests_keep_the_manifest_cache() -> None:
    """A runner starts empty: without the cache kept between runs, every plan, apply and drift
    of a large firm parses and validates every file again."""
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    for name, job in document["jobs"].items():
        steps = job["steps"]
        lines = [line.strip() for step in steps for line in step.get("run", "").splitlines()]
        commands = {line.split()[1] for line in lines if line.startswith("reconciler ")}
        caches = [i for i, step in enumerate(steps) if step.get("uses", "").startswith(_CACHE)]
        if not commands & {"fmt", "validate", "plan", "apply", "drift"}:
            assert caches == [], name  # `status` reads state alone
            continue
        assert len(caches) == 1, name
        settings = steps[caches[0]]["with"]
        assert settings["path"] == "~/.cache/reconciler"
        assert "hashFiles('manifests/**')" in settings["key"]
        assert "env.RECONCILER_VERSION" in settings["key"]
        assert settings["key"].startswith(settings["restore-keys"])  # an older run's entries
        first = next(i for i, step in enumerate(steps) if "reconciler " in step.get("run", ""))
        assert caches[0] < first, name


_CACHE = "actions/cache@"


def test_every_command_of_the_example_workflow_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.json").write_text("{}")
    (tmp_path / "manifests").mkdir()
    for words in workflow_commands():
        with main.make_context("reconciler", [words[0]]) as root:
            command = main.get_command(root, words[0])
            assert command is not None, words
            command.make_context(words[0], words[1:], parent=root)  # raises on a bad option


def test_the_example_workflow_installs_this_project_pinned_and_nothing_else() -> None:
    """`reconciler` on the public index is someone else's project: installing it would run a
    stranger's code with the firm's credentials."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    installs = [
        shlex.split(line.strip())
        for job in document["jobs"].values()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
        if "pip install" in line or "pipx " in line or "uv " in line
    ]

    assert project["name"] == DISTRIBUTION != "reconciler"
    assert document["env"]["RECONCILER_VERSION"] == project["version"]
    assert installs
    for words in installs:
        assert words == ["pip", "install", f"{project['name']}==${{RECONCILER_VERSION}}"]
