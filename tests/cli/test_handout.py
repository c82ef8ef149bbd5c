"""Generated passwords sealed to the firm's public key and kept by the state backend, so an
apply on a CI runner that vanishes afterwards loses none: `handout pull` with the private key,
on another host, gets every password once, and each one logs in to the sandbox."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from tests.cli.test_postgres_backend import rows
from tests.project import Project
from tests.state.test_backend_contract import temporary_pg_schema

GENERATED = {"bob.jones", "carol.white"}  # the project's traders with `password: {generate: true}`


def cli(*args: str, expect: int = 0) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["--no-color", *args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.stdout, result.stderr


def keygen(directory: Path) -> tuple[Path, str]:
    """A new private key file in `directory`, and the public key (from the settings line
    keygen prints for the Firm manifest)."""
    directory.mkdir(exist_ok=True)
    key = directory / "mailer.key"
    stdout, _ = cli("handout", "keygen", "--private-key", str(key))
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert stdout.startswith("settings: {handout: {public_key: ")
    return key, stdout.split("public_key: ")[1].split("}")[0]


def logs_in(project: Project, username: str, password: str) -> bool:
    answer = httpx.post(
        f"{project.url}/live/v1/auth/accesstokenrequest",
        json={"name": username, "password": password},
    ).json()
    return "accessToken" in answer


def passwords(text: str) -> dict[str, str]:
    return {row["username"]: row["password"] for row in csv.DictReader(io.StringIO(text))}


@pytest.fixture
def runner_dir(project: Project, tmp_path: Path) -> Path:
    """A copy of the project's manifests in a directory of its own (a CI runner's checkout)."""
    directory = tmp_path / "runner"
    shutil.copytree(project.manifests, directory / "manifests")
    return directory


def test_sealed_passwords_survive_a_runner_deleted_after_apply_with_postgres(
    project: Project, runner_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer = tmp_path / "mailer"
    key, public = keygen(mailer)
    with temporary_pg_schema() as (dsn, schema):
        monkeypatch.setenv("RECONCILER_PG_DSN", dsn)
        firm = runner_dir / "manifests" / "firm.yaml"
        firm.write_text(
            firm.read_text() + f"settings:\n  handout: {{public_key: {public}}}\n"
            f"  state: {{backend: postgres, schema: {schema}}}\n"
        )
        cli("--manifests", str(runner_dir / "manifests"), "apply", "--auto-approve")
        assert not list(runner_dir.rglob("*.csv")), "no plain password file on the runner"
        sealed = rows(dsn, schema, "SELECT sealed FROM {schema}.handout")
        shutil.rmtree(runner_dir)  # the runner is gone

        monkeypatch.chdir(mailer)  # the mailer's host: no manifests, no platform credentials
        pull = ("--backend", "postgres", "handout", "pull", "--key", str(key))
        stdout, stderr = cli(*pull, "--schema", schema)
        again, _ = cli(*pull, "--schema", schema)

    handed = passwords(stdout)
    assert set(handed) == GENERATED
    assert "2 password(s) handed out and marked delivered" in stderr
    assert all(logs_in(project, username, password) for username, password in handed.items())
    assert passwords(again) == {}  # delivered once
    assert len(sealed) == 2
    assert not [row for row in sealed for p in handed.values() if p.encode() in _blob(row[0])]


def test_sealed_passwords_with_the_local_backend_are_kept_beside_state(
    project: Project, tmp_path: Path
) -> None:
    key, public = keygen(tmp_path / "mailer")
    other, _ = keygen(tmp_path / "other")
    firm = project.manifests / "firm.yaml"
    firm.write_text(firm.read_text() + f"settings: {{handout: {{public_key: {public}}}}}\n")
    project.run("apply", "--auto-approve")
    state = project.root / "state"
    assert not (state / "generated-passwords.csv").exists()
    kept = (state / "default.handout.jsonl").read_text()
    manifests = str(project.manifests)

    _, refused = cli("--manifests", manifests, "handout", "pull", "--key", str(other))
    out = tmp_path / "onboarding.csv"
    _, stderr = cli(
        "--manifests", manifests, "handout", "pull", "--key", str(key), "--out", str(out)
    )

    assert "2 record(s) this key cannot open" in refused
    assert f"2 password(s) handed out to {out}" in stderr
    handed = passwords(out.read_text())
    assert set(handed) == GENERATED
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert all(logs_in(project, username, password) for username, password in handed.items())
    assert not [p for p in handed.values() if p in kept]


def test_a_public_key_that_is_not_one_is_a_manifest_error(project: Project) -> None:
    firm = project.manifests / "firm.yaml"
    firm.write_text(firm.read_text() + "settings: {handout: {public_key: not-a-key}}\n")

    result = project.run("validate")

    assert result.exit_code == 1
    assert "settings.handout.public_key" in result.output


def _blob(value: object) -> bytes:
    """A bytea column as bytes (psycopg returns bytes or memoryview)."""
    assert isinstance(value, bytes | memoryview)
    return bytes(value)
