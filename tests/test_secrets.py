"""A full run on all three platforms with every kind of secret (environment, 0600 file,
generated), then a scan of everything it left behind: command output (with --debug too), logs,
error messages, state and its backup, the sandboxes' request logs and worlds. Secrets appear
nowhere but where they belong (a generated password: the 0600 handout file only)."""

from __future__ import annotations

import csv
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from reconciler.providers.traderpal import sandbox as traderpal
from reconciler.providers.tradervue import sandbox as tradervue
from reconciler.providers.tradovate import sandbox as tradovate

SECRETS = {
    "TV_PASS": "vate-Admin-Pass-91d2",
    "TV_SEC": "vate-sec-77a01f",
    "TVUE_PASS": "vue-Manager-Pass-3c8e",
    "TP_KEY": "tp_live_key_5e0b9d41",
    "ALICE_PASS": "alice-Secret-Pass-6f2a",
}
BOB_PASS = "bob-File-Secret-0c4d"
FIRM = """\
kind: Firm
name: secret-prop
providers:
  tradovate:
    environment: {{live_url: "{live}", demo_url: "{demo}"}}
    credentials: {{name: {admin}, password: "${{env:TV_PASS}}", sec: "${{env:TV_SEC}}"}}
    subscription_plan: SANDBOX_MONTHLY
    account_templates:
      small: {{template_account: TEMPLATE50K, initial_balance: 50000}}
  tradervue:
    environment: {{base_url: "{tradervue}"}}
    credentials: {{username: {manager}, password: "${{env:TVUE_PASS}}"}}
  traderpal:
    environment: {{base_url: "{traderpal}"}}
    api_key: "${{env:TP_KEY}}"
"""
TRADERS = """\
- name: alice
  username: alice.smith
  email: alice@example.com
  first_name: Alice
  last_name: Smith
  password: "${{env:ALICE_PASS}}"
  contact: {{phone: "+15551234567", street_address1: 1 Main St, city: {city}, state: IL,
            country: US}}
  tradovate: {{accounts: [{{name: SECA1, template: small}}]}}
  tradervue: {{plan: Gold}}
  traderpal: {{date_of_birth: 1990-01-01}}
- name: bob
  username: bob.jones
  email: bob@example.com
  first_name: Bob
  last_name: Jones
  password: "${{file:secrets/bob.txt}}"
  tradervue: {{plan: Silver}}
- name: carol
  username: carol.white
  email: carol@example.com
  first_name: Carol
  last_name: White
  password: {{generate: true}}
  tradovate: {{accounts: [{{name: SECC1, template: small}}]}}
  tradervue: {{plan: Silver}}
"""


class Run:
    def __init__(self, root: Path, urls: dict[str, str]) -> None:
        self.root = root
        self.urls = urls
        self.manifests = root / "manifests"
        self.outputs: list[str] = []

    def cli(self, *args: str, expect: int = 0) -> str:
        result = CliRunner().invoke(main, ["--no-color", "--manifests", str(self.manifests), *args])
        assert result.exit_code == expect, result.output
        self.outputs.append(result.output)
        return result.output

    def subprocess(self, *args: str, expect: int = 0, **env: str) -> None:
        command = [sys.executable, "-m", "reconciler", "--manifests", str(self.manifests), *args]
        done = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, **env}, timeout=120
        )
        assert done.returncode == expect, done.stderr
        self.outputs += [done.stdout, done.stderr]

    def traders(self, city: str) -> None:
        (self.manifests / "traders.yaml").write_text(TRADERS.format(city=city))


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    seed = tradovate.Seed(admin_password=SECRETS["TV_PASS"], admin_sec=SECRETS["TV_SEC"])
    manager = tradervue.Seed(manager_password=SECRETS["TVUE_PASS"])
    with ExitStack() as stack:
        vate = stack.enter_context(tradovate.serve_sandbox(tradovate.SandboxConfig(seed=seed)))
        vue = stack.enter_context(tradervue.serve_sandbox(tradervue.SandboxConfig(seed=manager)))
        pal_config = traderpal.SandboxConfig(api_keys={SECRETS["TP_KEY"]: "write"})
        pal = stack.enter_context(traderpal.serve_sandbox(pal_config))
        urls = {"tradovate": vate.url, "tradervue": vue.url, "traderpal": pal.url}
        run = Run(tmp_path, urls)
        run.manifests.mkdir()
        (run.manifests / "firm.yaml").write_text(
            FIRM.format(
                live=vate.live_url,
                demo=vate.demo_url,
                admin=tradovate.DEFAULT_ADMIN[0],
                tradervue=vue.base_url,
                manager=tradervue.DEFAULT_MANAGER[0],
                traderpal=pal.base_url,
            )
        )
        secrets = tmp_path / "manifests" / "secrets"
        secrets.mkdir()
        (secrets / "bob.txt").write_text(BOB_PASS + "\n")
        (secrets / "bob.txt").chmod(0o600)
        run.traders("Chicago")
        yield run


def test_no_secret_leaves_its_place_in_a_full_run(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run.cli("validate")
    run.cli("plan")
    run.cli("--debug", "apply", "--auto-approve")
    run.cli("--debug", "plan", "--detailed-exitcode")
    run.cli("show")
    run.traders("Boston")  # a contact change, applied with debug logging in a subprocess
    saved = str(run.root / "state" / "change.plan.json")  # scanned with the state files below
    run.cli("plan", "--out", saved, "--format", "markdown")
    run.cli("show", saved, "--format", "json")
    run.cli("drift", "--format", "json")
    run.subprocess("--debug", "apply", "--auto-approve")
    run.subprocess("--debug", "plan", "--detailed-exitcode")
    run.cli("history", "--format", "json")
    for platform, url in run.urls.items():
        run.cli("sandbox", "--platform", platform, "--url", url, "requests")
    # Errors: a wrong key and a wrong password, shown plainly and with --debug tracebacks.
    run.subprocess("--debug", "plan", expect=1, TP_KEY="tp_wrong_key_1", TVUE_PASS="wrong-Pass-9")
    os.environ["TVUE_PASS"] = "wrong-Pass-9"
    try:
        run.cli("plan", expect=1)
    finally:
        os.environ["TVUE_PASS"] = SECRETS["TVUE_PASS"]

    handout = run.root / "state" / "generated-passwords.csv"
    generated = [row["password"] for row in csv.DictReader(handout.open())]
    assert generated, "carol's generated passwords were handed out"
    assert oct(handout.stat().st_mode & 0o777) == "0o600"
    secrets = [*SECRETS.values(), BOB_PASS, "wrong-Pass-9", "tp_wrong_key_1", *generated]

    places = {f"output {i}": text for i, text in enumerate(run.outputs)}
    places["logs"] = caplog.text
    for path in (run.root / "state").rglob("*"):
        if path.is_file() and path != handout:
            places[str(path.relative_to(run.root))] = path.read_text(errors="replace")
    for platform, url in run.urls.items():
        places[f"{platform} request log"] = httpx.get(f"{url}/_sandbox/requests").text
        places[f"{platform} world"] = httpx.get(f"{url}/_sandbox/world").text
    leaks = [
        f"secret #{secrets.index(secret)} in {place}"
        for place, text in places.items()
        for secret in secrets
        if secret in text
    ]
    assert leaks == []
    assert any("GET /api/v1/users -> 200" in text for text in places.values())  # logs were read
    handout_text = handout.read_text()
    assert not [secret for secret in [*SECRETS.values(), BOB_PASS] if secret in handout_text]


def test_a_group_readable_secret_file_is_warned_about(run: Run) -> None:
    (run.manifests / "secrets" / "bob.txt").chmod(0o640)
    run.subprocess("validate")
    stdout, stderr = run.outputs[-2:]
    assert "WARNING" in stderr
    assert "secrets/bob.txt is readable by group or others; as it may hold a secret" in stderr
    assert BOB_PASS not in stdout + stderr
