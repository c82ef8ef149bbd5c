"""Synthetic firms for the benchmark: N traders on all three platforms, each with one or two
evaluation accounts and the T-Prop entitlement, written as a few YAML list files."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRADERS_PER_FILE = 10_000
"""Firms keep many traders per file (often generated from a CRM)."""

TEMPLATES: dict[str, dict[str, Any]] = {
    "eval-50k": {
        "template_account_id": 1002,
        "initial_balance": 50000,
        "post_trade_risk": {"daily_loss_auto_liq": 1100, "trailing_max_drawdown": 2500},
    },
    "eval-100k": {
        "template_account_id": 1003,
        "initial_balance": 100000,
        "post_trade_risk": {"daily_loss_auto_liq": 2200, "trailing_max_drawdown": 3000},
    },
}


@dataclass(frozen=True, slots=True)
class Platforms:
    """Where the three platforms' (sandbox) APIs are, and the credentials they accept."""

    tradovate_live: str
    tradovate_demo: str
    tradervue: str
    traderpal: str
    tradovate_login: tuple[str, str, str] = (
        "sandbox_admin",
        "sandbox-not-a-secret",
        "sandbox-sec",
    )
    tradervue_login: tuple[str, str] = ("sandbox-manager", "sandbox-not-a-secret")
    traderpal_key: str = "tp_sandbox_not_a_secret"


@dataclass(frozen=True, slots=True)
class Counts:
    """What a firm of N traders declares, per resource kind."""

    traders: int
    accounts: int

    @classmethod
    def of(cls, traders: int) -> Counts:
        return cls(traders, sum(accounts_of(i) for i in range(traders)))


def accounts_of(index: int) -> int:
    """Every other trader has two evaluation accounts, the rest one."""
    return 2 if index % 2 == 0 else 1


def trader(index: int) -> dict[str, Any]:
    """The manifest mapping of trader number `index` (deterministic)."""
    tag = f"{index:06d}"
    accounts = [
        {"name": f"EV{tag}{n}", "template": "eval-50k" if n == 1 else "eval-100k"}
        for n in range(1, accounts_of(index) + 1)
    ]
    return {
        "name": f"t{tag}",
        "username": f"trader{tag}",
        "email": f"trader{tag}@bench.invalid",
        "first_name": "Bench",
        "last_name": f"Trader{tag}",
        "password": {"generate": True},
        "contact": {
            "phone": f"+1555{index % 10_000_000:07d}",
            "street_address1": f"{index % 9000 + 1} Main St",
            "city": "Chicago",
            "state": "IL",
            "post_code": "60601",
            "country": "US",
        },
        "tradovate": {"accounts": accounts},
        "tradervue": {},
        "traderpal": {"date_of_birth": "1990-01-01"},
    }


def firm(
    platforms: Platforms, *, rate_limits: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
) -> dict[str, Any]:
    """The Firm manifest pointing at `platforms`, with optional rate-limit overrides."""
    name, password, sec = platforms.tradovate_login
    settings: dict[str, Any] = {"state": {"backend": "local", "path": "state"}}
    if rate_limits:
        settings["rate_limits"] = {k: list(v) for k, v in rate_limits.items()}
    return {
        "kind": "Firm",
        "name": "bench-prop",
        "settings": settings,
        "providers": {
            "tradovate": {
                "environment": {
                    "live_url": platforms.tradovate_live,
                    "demo_url": platforms.tradovate_demo,
                },
                "credentials": {"name": name, "password": password, "sec": sec},
                "subscription_plan": "SANDBOX_MONTHLY",
                "entitlements": {"t-prop": 12345},
                "account_templates": TEMPLATES,
            },
            "tradervue": {
                "environment": {"base_url": platforms.tradervue},
                "credentials": {
                    "username": platforms.tradervue_login[0],
                    "password": platforms.tradervue_login[1],
                },
            },
            "traderpal": {
                "environment": {"base_url": platforms.traderpal},
                "api_key": platforms.traderpal_key,
            },
        },
        "defaults": {
            "tradovate": {"entitlements": ["t-prop"]},
            "tradervue": {"plan": "Silver"},
        },
    }


def write_firm(
    manifests: Path,
    platforms: Platforms,
    *,
    rate_limits: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> None:
    """Write (or rewrite) `firm.yaml`; JSON is valid YAML and the C parser reads it fast."""
    manifests.mkdir(parents=True, exist_ok=True)
    text = json.dumps(firm(platforms, rate_limits=rate_limits), indent=1)
    (manifests / "firm.yaml").write_text(text + "\n")


def write_traders(manifests: Path, count: int, *, per_file: int = TRADERS_PER_FILE) -> Counts:
    """Write `count` traders as YAML lists of `per_file` traders per file."""
    folder = manifests / "traders"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for number, start in enumerate(range(0, count, per_file)):
        stop = min(count, start + per_file)
        lines = [_yaml_item(trader(i)) for i in range(start, stop)]
        (folder / f"traders-{number:03d}.yaml").write_text("".join(lines))
    return Counts.of(count)


def _yaml_item(mapping: Mapping[str, Any]) -> str:
    """One list item in block style, each value in JSON flow style (valid YAML)."""
    lines = []
    for i, (key, value) in enumerate(mapping.items()):
        lead = "- " if i == 0 else "  "
        lines.append(f"{lead}{key}: {json.dumps(value, separators=(', ', ': '))}\n")
    return "".join(lines)
