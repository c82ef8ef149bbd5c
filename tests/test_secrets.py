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
    line = TRADERS.splitlines().index('  password: "${{file:secrets/bob.txt}}"') + 1
    assert stderr.splitlines() == [
        f"{run.manifests}/traders.yaml:{line}: warning: secrets/bob.txt is readable by group "
        "or others; as it may hold a secret, chmod 600 it"
    ]
    assert BOB_PASS not in stdout + stderr


OUTSIDE = "outside-the-manifests-4b1e"


@pytest.mark.parametrize(
    "reference",
    ["../outside.txt", "secrets/../../outside.txt", "{root}/outside.txt", "secrets/link.txt"],
    ids=["parent", "through-a-folder", "absolute", "symlink"],
)
def test_a_file_reference_cannot_read_outside_the_manifests(run: Run, reference: str) -> None:
    (run.root / "outside.txt").write_text(OUTSIDE)
    (run.root / "outside.txt").chmod(0o600)
    (run.manifests / "secrets" / "link.txt").symlink_to(run.root / "outside.txt")
    reference = reference.format(root=run.root)
    run.traders("Chicago")
    traders = run.manifests / "traders.yaml"
    traders.write_text(traders.read_text().replace("secrets/bob.txt", reference))

    for command in ("validate", "plan"):
        output = run.cli(command, expect=1)
        line = TRADERS.splitlines().index('  password: "${{file:secrets/bob.txt}}"') + 1
        assert f"traders.yaml:{line}: ${{file:{reference}}} is outside the manifests" in (output)
        assert OUTSIDE not in output


def test_a_file_reference_reads_a_directory_the_firm_names(run: Run) -> None:
    elsewhere = run.root / "run-secrets"
    elsewhere.mkdir()
    (elsewhere / "bob.txt").write_text(OUTSIDE)
    (elsewhere / "bob.txt").chmod(0o600)
    firm = run.manifests / "firm.yaml"
    firm.write_text(firm.read_text() + f"settings: {{secret_files: [{elsewhere}]}}\n")
    traders = run.manifests / "traders.yaml"
    traders.write_text(traders.read_text().replace("secrets/bob.txt", f"{elsewhere}/bob.txt"))

    assert "valid" in run.cli("validate")
    assert OUTSIDE not in run.cli("plan")


def test_a_reference_in_a_field_that_is_not_secret_is_shown_nowhere(
    run: Run, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`city: ${env:TV_PASS}` puts an API password where the plan would print a city: every
    output says `(sensitive)`, state keeps a digest, and a second plan has nothing to do."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PUBLIC_STATE", "IL")
    run.traders('"${env:TV_PASS}"')
    traders = run.manifests / "traders.yaml"
    public = 'state: "${env:PUBLIC_STATE, sensitive: false}"'
    traders.write_text(traders.read_text().replace("state: IL", public))
    saved = str(run.root / "state" / "first.plan.json")
    text = run.cli("plan")
    run.cli("plan", "--format", "markdown")
    run.cli("plan", "--format", "json", "--out", saved)
    run.cli("show", saved)
    run.cli("--debug", "apply", "--auto-approve")
    assert "No changes" in run.cli("plan", "--detailed-exitcode")
    run.cli("show")
    run.cli("state", "show", "tradovate_contact.alice")
    run.cli("drift", "--detailed-exitcode")
    run.cli("history", "--format", "json")

    assert "city" in text
    assert "(sensitive)" in text
    assert "IL" in text  # a reference marked `sensitive: false` is shown
    places = {f"output {i}": out for i, out in enumerate(run.outputs)}
    places["logs"] = caplog.text
    for path in (run.root / "state").rglob("*"):
        if path.is_file() and not path.name.endswith(".csv"):
            places[str(path.relative_to(run.root))] = path.read_text(errors="replace")
    leaks = [place for place, out in places.items() if SECRETS["TV_PASS"] in out]
    assert leaks == []


def test_an_error_about_a_referenced_value_does_not_quote_it(run: Run) -> None:
    """A duplicate username quotes the name: not when it came from a reference."""
    traders = run.manifests / "traders.yaml"
    text = traders.read_text()
    for name in ("alice.smith", "bob.jones"):
        text = text.replace(f"username: {name}", 'username: "${env:TV_PASS}"')
    traders.write_text(text)

    output = run.cli("validate", expect=1)

    assert "duplicate username (sensitive)" in output
    assert SECRETS["TV_PASS"] not in output
