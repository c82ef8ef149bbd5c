"""A project directory wired to a fresh Tradovate sandbox on an ephemeral port, and a runner
(the fixtures live in tests/conftest.py)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result

from reconciler.cli.main import main
from reconciler.providers.tradovate.sandbox import DEFAULT_ADMIN

FIRM = """\
kind: Firm
name: test-prop
providers:
  tradovate:
    environment: {{live_url: "{live}", demo_url: "{demo}"}}
    credentials: {{name: {name}, password: "${{env:TV_PASS}}", sec: "${{env:TV_SEC}}"}}
    subscription_plan: SANDBOX_MONTHLY
    entitlements: {{t-prop: 12345}}
    account_templates:
      eval-50k:
        template_account: TEMPLATE50K
        initial_balance: 50000
        post_trade_risk: {{daily_loss_auto_liq: 1100, trailing_max_drawdown: 2500}}
      eval-100k:
        template_account_id: 1003
        initial_balance: 100000
        post_trade_risk: {{daily_loss_auto_liq: 2200}}
"""

ALICE = """\
kind: Trader
name: alice
username: alice.smith
email: alice@example.com
first_name: Alice
last_name: Smith
password: "${env:ALICE_PASS}"
contact: {phone: "+15551234567", street_address1: 1 Main St, city: Chicago, state: IL,
          post_code: "60601", country: US}
tradovate:
  accounts:
    - {name: TESTA1, template: eval-50k}
  entitlements: [t-prop]
"""

TEAM = """\
- name: bob
  username: bob.jones
  email: bob@example.com
  first_name: Bob
  last_name: Jones
  password: {generate: true}
  contact: {phone: "+442071234567", street_address1: 10 Downing St, city: London,
            country: GB}
  tradovate:
    accounts:
      - {name: TESTB2, template: eval-50k}
      - {name: TESTB3, template: eval-100k}
- name: carol
  username: carol.white
  email: carol@example.com
  first_name: Carol
  last_name: White
  password: {generate: true}
  tradovate:
    accounts: [{name: TESTC4, template: eval-100k}]
"""

SECRETS = {"TV_PASS": DEFAULT_ADMIN[1], "TV_SEC": DEFAULT_ADMIN[2], "ALICE_PASS": "alice-Pass-1234"}


@dataclass
class Project:
    """A manifests directory, its state directory and the sandbox it talks to."""

    root: Path
    url: str
    runner: CliRunner

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    @property
    def state_file(self) -> Path:
        return self.root / "state" / "default.state.json"

    def write(self, relative: str, text: str) -> None:
        path = self.manifests / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def remove(self, relative: str) -> None:
        (self.manifests / relative).unlink()

    def run(self, *args: str) -> Result:
        return self.runner.invoke(
            main, ["--no-color", "--manifests", str(self.manifests), *args], catch_exceptions=False
        )

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.url}/_sandbox/{path}", json=body or {})
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.url}/_sandbox/requests").json())

    def clear_requests(self) -> None:
        httpx.post(f"{self.url}/_sandbox/requests/clear")

    def world(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/_sandbox/world").json())


def calls(project: Project, *, writes_only: bool = False) -> list[str]:
    """`METHOD domain path` of each platform call (admin requests excluded)."""
    entries = [e for e in project.requests() if e["domain"] != "admin"]
    if writes_only:
        entries = [e for e in entries if e["method"] == "POST" and "auth/" not in e["path"]]
    return [f"{e['method']} {e['domain']} /v1{e['path'].split('/v1', 1)[1]}" for e in entries]
