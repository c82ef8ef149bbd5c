"""The world of the randomised history test: three standing sandboxes, a firm whose traders are
a small model rendered to YAML, the ways a step changes things (manifest edits, drift, faults),
and the invariants checked between steps."""

from __future__ import annotations

import csv
import json
import random
import textwrap
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from reconciler.providers.traderpal import sandbox as traderpal
from reconciler.providers.tradervue import sandbox as tradervue
from reconciler.providers.tradovate import sandbox as tradovate
from reconciler.providers.tradovate.sandbox.config import Limits

TP_KEY = "tp_history_key_5b2e"
SECRETS = {
    "TV_PASS": tradovate.DEFAULT_ADMIN[1],
    "TV_SEC": tradovate.DEFAULT_ADMIN[2],
    "TVUE_PASS": tradervue.DEFAULT_MANAGER[1],
    "TP_KEY": TP_KEY,
}
FIRM = """\
kind: Firm
name: history-prop
providers:
  tradovate:
    environment: {{live_url: "{live}", demo_url: "{demo}"}}
    credentials: {{name: {name}, password: "${{env:TV_PASS}}", sec: "${{env:TV_SEC}}"}}
    subscription_plan: SANDBOX_MONTHLY
    entitlements: {{t-prop: 12345}}
    account_templates:
      small: {{template_account: TEMPLATE50K, initial_balance: 50000,
               post_trade_risk: {{daily_loss_auto_liq: 1100}}}}
      large: {{template_account_id: 1003, initial_balance: 100000,
               post_trade_risk: {{daily_loss_auto_liq: 2200}}}}
  tradervue:
    environment: {{base_url: "{tradervue}"}}
    credentials: {{username: {manager}, password: "${{env:TVUE_PASS}}"}}
  traderpal:
    environment: {{base_url: "{traderpal}"}}
    api_key: "${{env:TP_KEY}}"
"""
PLATFORMS = ("tradovate", "tradervue", "traderpal")
CITIES = ("Chicago", "Boston", "Denver", "Austin")


@dataclass(frozen=True)
class Trader:
    """One declared trader; `n` makes every natural key of it unique to it."""

    n: int
    platforms: frozenset[str]
    version: int = 0
    city: str = "Chicago"
    plan: str = "Silver"
    suspended: bool = False
    template: str = "small"
    second_account: bool = False
    entitled: bool = False

    @property
    def name(self) -> str:
        return f"t{self.n}"

    @property
    def username(self) -> str:
        return f"t{self.n}.user"

    @property
    def email(self) -> str:
        return f"t{self.n}.v{self.version}@example.com"

    def accounts(self) -> list[str]:
        names = [f"HXA{self.n:03d}1"]
        return [*names, f"HXB{self.n:03d}2"] if self.second_account else names

    def yaml(self) -> str:
        lines = [
            f"- name: {self.name}",
            f"  username: {self.username}",
            f"  email: {self.email}",
            "  first_name: History",
            "  last_name: Trader",
            "  password: {generate: true}",
            '  contact: {phone: "+15551234567", street_address1: 1 Main St, '
            f'city: {self.city}, state: IL, post_code: "60601", country: US}}',
        ]
        if "tradovate" in self.platforms:
            accounts = ", ".join(
                f"{{name: {a}, template: {self.template}}}" for a in self.accounts()
            )
            lines.append(f"  tradovate: {{accounts: [{accounts}]")
            lines[-1] += ", entitlements: [t-prop]}" if self.entitled else "}"
        if "tradervue" in self.platforms:
            lines.append(f"  tradervue: {{plan: {self.plan}}}")
        if "traderpal" in self.platforms:
            status = "suspended" if self.suspended else "active"
            lines.append(f"  traderpal: {{date_of_birth: 1990-01-01, status: {status}}}")
        return "\n".join(lines)


@dataclass
class Sandboxes:
    urls: dict[str, str]
    tradovate_admin: str

    def admin(self, platform: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.urls[platform]}/_sandbox/{path}", json=body or {})
        return response.json() if response.status_code == 200 and response.content else None

    def world(self, platform: str) -> dict[str, Any]:
        return dict(httpx.get(f"{self.urls[platform]}/_sandbox/world").json())

    def settle(self) -> None:
        """Stop every fault and wait out the requests they still hold (a late commit lands)."""
        for url in self.urls.values():
            httpx.post(f"{url}/_sandbox/faults/clear").raise_for_status()
        for url in self.urls.values():  # a request behind a delay answers once it is done
            httpx.get(f"{url}/_sandbox/world", timeout=30).raise_for_status()


@contextmanager
def sandboxes() -> Iterator[Sandboxes]:
    with ExitStack() as stack:
        tv = stack.enter_context(tradovate.serve_sandbox(tradovate.SandboxConfig(
            limits=Limits.unlimited())))  # fmt: skip
        tvue = stack.enter_context(tradervue.serve_sandbox())
        tp_config = traderpal.SandboxConfig(api_keys={TP_KEY: "write"})
        tp = stack.enter_context(traderpal.serve_sandbox(tp_config))
        urls = {"tradovate": tv.url, "tradervue": tvue.url, "traderpal": tp.url}
        yield Sandboxes(urls, tv.live_url)


def firm_yaml(boxes: Sandboxes) -> str:
    url = boxes.urls["tradovate"]
    return FIRM.format(
        live=f"{url}/live/v1",
        demo=f"{url}/demo/v1",
        name=tradovate.DEFAULT_ADMIN[0],
        tradervue=f"{boxes.urls['tradervue']}/api/v1",
        manager=tradervue.DEFAULT_MANAGER[0],
        traderpal=boxes.urls["traderpal"],
    )


@dataclass
class Model:
    """What the manifests declare now, and every trader ever declared (to check offboarding)."""

    traders: dict[str, Trader] = field(default_factory=dict)
    removed: dict[str, Trader] = field(default_factory=dict)
    next_n: int = 1

    def write(self, manifests: Path) -> None:
        body = "\n".join(t.yaml() for t in self.traders.values()) or "[]"
        (manifests / "traders.yaml").write_text(textwrap.dedent(body) + "\n")

    def add(self, rng: random.Random) -> str:
        platforms = frozenset(p for p in PLATFORMS if rng.random() < 0.8) or frozenset(PLATFORMS)
        trader = Trader(self.next_n, platforms, city=rng.choice(CITIES))
        self.next_n += 1
        self.traders[trader.name] = trader
        return f"add {trader.name} on {','.join(sorted(platforms))}"

    def change(self, rng: random.Random) -> str:
        trader = self.traders[rng.choice(sorted(self.traders))]
        what = rng.choice(["email", "city", "plan", "status", "template", "account", "entitle"])
        changed = {
            "email": lambda t: replace(t, version=t.version + 1),
            "city": lambda t: replace(t, city=rng.choice([c for c in CITIES if c != t.city])),
            "plan": lambda t: replace(t, plan="Gold" if t.plan == "Silver" else "Silver"),
            "status": lambda t: replace(t, suspended=not t.suspended),
            "template": lambda t: replace(
                t, template="large" if t.template == "small" else "small"
            ),
            "account": lambda t: replace(t, second_account=not t.second_account),
            "entitle": lambda t: replace(t, entitled=not t.entitled),
        }[what](trader)
        self.traders[trader.name] = changed
        return f"change {what} of {trader.name}"

    def remove(self, rng: random.Random) -> str:
        name = rng.choice(sorted(self.traders))
        self.removed[name] = self.traders.pop(name)
        return f"remove {name}"


def drift(boxes: Sandboxes, model: Model, rng: random.Random) -> str:
    """Change something on a platform behind reconciler's back (what a correct tool repairs)."""
    trader = model.traders[rng.choice(sorted(model.traders))]
    options = [p for p in PLATFORMS if p in trader.platforms]
    platform = rng.choice(options)
    if platform == "tradovate":
        account = rng.choice(trader.accounts())
        drifts: list[tuple[str, dict[str, Any]]] = [
            (f"contacts/{trader.username}/update", {"city": "Drifted"}),
            (f"users/{trader.username}/update", {"email": f"drift.{trader.name}@example.net"}),
            (f"accounts/{account}/update", {"dailyLossAutoLiq": 1}),
            (f"accounts/{account}/delete", {}),
            (f"users/{trader.username}/sign-mda", {}),
        ]
        path, body = rng.choice(drifts)
    elif platform == "tradervue":
        plan = "Free" if trader.plan != "Free" else "Gold"
        path, body = f"users/{trader.username}/update", {"plan": plan}
    else:
        drifts = [
            (f"users/{trader.email}/update", {"lastName": "Drifted"}),
            (f"users/{trader.email}/activate", {}),
        ]
        path, body = rng.choice(drifts)
    boxes.admin(platform, path, body)
    return f"drift {platform} {path}"


WRITE_PATHS = {
    "tradovate": [
        "/live/v1/user/createevaluationusers",
        "/demo/v1/user/createevaluationaccounts",
        "/live/v1/contactinfo/updatecontactinfo",
        "/live/v1/user/modifyemailaddress",
        "/demo/v1/useraccountautoliq/updateuserautoliqs",
        "/demo/v1/user/revoketradingpermissions",
        "/*/v1/user/canceleverything",
        "/live/v1/userplugin/addentitlementsubscription",
        "/live/v1/*/list",
    ],
    "tradervue": ["/api/v1/users", "/api/v1/users/*"],
    "traderpal": ["/v1/users", "/v1/users/*"],
}


def fault(rng: random.Random, platform: str) -> dict[str, Any]:
    """A random fault on one of the platform's endpoints (delays outlast the HTTP timeout)."""
    effects: list[dict[str, Any]] = [
        {"effect": "status", "status": rng.choice([500, 502, 503])},
        {"effect": "status", "status": 503, "after_processing": True},
        {"effect": "reset"},
        {"effect": "reset", "after_processing": True},
        {"effect": "malformed", "after_processing": True},
        {"effect": "delay", "seconds": 0.8, "after_processing": True},
        {"effect": "delay", "seconds": 0.8},
        {"effect": "status", "status": 429, "retry_after": 0},
    ]
    if platform == "tradovate":
        effects += [{"effect": "penalty", "seconds": 0}, {"effect": "expire-token"}]
    chosen = rng.choice(effects)
    return {
        "path": rng.choice(WRITE_PATHS[platform]),
        "times": rng.choice([1, 1, 2]),
        "probability": rng.choice([1.0, 0.5]),
        **chosen,
    }


CREATE_PATHS = {
    "tradovate": "/live/v1/user/createevaluationusers",
    "tradervue": "/api/v1/users",
    "traderpal": "/v1/users",
}
LATE = (
    {"effect": "reset", "after_processing": True},  # committed, answer lost
    {"effect": "delay", "seconds": 0.8, "after_processing": True},  # committed, answer late
    {"effect": "delay", "seconds": 0.8},  # committed after the caller gave up
)
"""How a create's answer goes missing (delays outlast the faulty steps' HTTP timeout)."""


def lost_create(rng: random.Random, platform: str) -> dict[str, Any]:
    """A fault that leaves the platform's next user create pending in the journal."""
    return {"method": "POST", "path": CREATE_PATHS[platform], "times": 1, **rng.choice(LATE)}


def state(root: Path) -> dict[str, Any]:
    path = root / "state" / "default.state.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def check_always(boxes: Sandboxes, model: Model, root: Path) -> None:
    """Invariants that hold after any step, faults and kills included."""
    document = state(root)
    pal = boxes.world("traderpal")["users"]
    live_emails = Counter(
        u["email"].split(".v")[0] for u in pal if u["status"] != "closed" and ".v" in u["email"]
    )
    duplicated = [name for name, count in live_emails.items() if count > 1]
    assert not duplicated, f"traders with two open TraderPal users: {duplicated}"
    vate = boxes.world("tradovate")
    names = Counter(u["name"] for u in vate["users"])
    assert all(c == 1 for c in names.values()), names
    open_accounts = Counter(a["name"] for a in vate["accounts"] if not a["closed"])
    assert all(c == 1 for c in open_accounts.values()), open_accounts
    resources = document.get("resources", {})
    ids = {
        "tradovate_user": {str(u["id"]) for u in vate["users"]},
        "tradervue_user": {str(u["id"]) for u in boxes.world("tradervue")["users"]},
        "traderpal_user": {u["userId"] for u in pal},
    }
    for address, record in resources.items():
        kind = address.split(".", 1)[0]
        if kind in ids:
            assert record["remote_id"] in ids[kind], f"{address} is recorded but gone"


def handed_out(root: Path) -> dict[tuple[str, str], str]:
    """The last generated password per (trader, platform): what the hand-out says logs in."""
    path = root / "state" / "generated-passwords.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as file:
        return {(row[0], row[1]): row[4] for row in list(csv.reader(file))[1:]}


def logs_in(boxes: Sandboxes, name: str, password: str) -> bool:
    answer = httpx.post(
        f"{boxes.urls['tradovate']}/live/v1/auth/accesstokenrequest",
        json={"name": name, "password": password},
    )
    return "accessToken" in answer.json()


def check_converged(boxes: Sandboxes, model: Model, root: Path) -> None:
    """After faults stopped and an apply succeeded: every declared object exists once with its
    declared values and is recorded under its remote id; every removed trader is offboarded."""
    document = state(root)
    assert document.get("pending", {}) == {}, document.get("pending")
    recorded = {a: r["remote_id"] for a, r in document.get("resources", {}).items()}
    vate = boxes.world("tradovate")
    users = {u["name"]: u for u in vate["users"]}
    cities = {c["userId"]: c["city"] for c in vate["contactInfos"]}
    accounts = {a["name"]: a for a in vate["accounts"] if not a["closed"]}
    vue = {u["username"]: u for u in boxes.world("tradervue")["users"] if u.get("org")}
    pal = boxes.world("traderpal")["users"]
    for trader in model.traders.values():
        mine = sorted(a for a in accounts if a[3:6] == f"{trader.n:03d}")
        if "tradovate" in trader.platforms:
            user = users[trader.username]
            assert (user["email"], cities.get(user["id"])) == (trader.email, trader.city)
            password = handed_out(root)[(trader.name, "tradovate")]
            assert logs_in(boxes, trader.username, password), f"{trader.name}: last hand-out line"
            assert recorded[f"tradovate_user.{trader.name}"] == str(user["id"])
            assert mine == sorted(trader.accounts()), (trader.name, mine)
            for name in mine:
                address = f"tradovate_account.{trader.name}/{name}"
                assert recorded[address] == str(accounts[name]["id"]), address
        else:
            assert f"tradovate_user.{trader.name}" not in recorded
            assert mine == []
        if "tradervue" in trader.platforms:
            user = vue[trader.username]
            assert (user["email"], user["plan"]) == (trader.email, trader.plan)
            assert recorded[f"tradervue_user.{trader.name}"] == str(user["id"])
        opened = [u for u in pal if _owner(u) == trader.name and u["status"] != "closed"]
        if "traderpal" in trader.platforms:
            mine = [(u["userId"], u["email"], u["status"]) for u in pal if _owner(u) == trader.name]
            assert len(opened) == 1, (trader.name, mine)
            user = opened[0]
            assert (user["email"], user["lastName"]) == (trader.email, "Trader")
            address = f"traderpal_user.{trader.name}"
            assert recorded.get(address) == user["userId"], (address, recorded.get(address), mine)
            if user["status"] != "pending_verification":
                assert user["status"] == ("suspended" if trader.suspended else "active")
        else:
            assert opened == []
    for trader in model.removed.values():
        assert not [a for a in recorded if a.split(".", 1)[1].split("/")[0] == trader.name]
        assert not [a for a in accounts if a[3:6] == f"{trader.n:03d}"]
        assert not [u for u in pal if _owner(u) == trader.name and u["status"] != "closed"]
        user = vue.get(trader.username)
        assert user is None or user["plan"] == "Free"


def _owner(user: dict[str, Any]) -> str:
    """The trader a TraderPal user belongs to, from its e-mail `t<n>.v<version>@...`."""
    return str(user["email"]).split(".v", 1)[0]
