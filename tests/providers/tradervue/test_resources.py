"""Expanding the manifests into Tradervue users: attributes, keys, dependencies, secrets."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from reconciler.manifest import Desired, Firm, GeneratePassword, Trader
from reconciler.plan import Address, GeneratedSecret
from reconciler.providers.tradervue.config import TradervueSettings, TradervueTrader
from reconciler.providers.tradervue.resources import CREATE_ONLY, USER, expand


def trader(name: str, block: dict[str, Any] | None, **fields: Any) -> Trader:
    values: dict[str, Any] = {
        "name": name,
        "username": f"{name.title()}.Smith",
        "email": f"{name}@example.com",
        "first_name": name.title(),
        "last_name": "Smith",
        "password": SecretStr("long-enough-1"),
        "platforms": {} if block is None else {"tradervue": TradervueTrader.model_validate(block)},
    }
    values.update(fields)
    return Trader.model_validate(values)


def desired(*traders: Trader, configured: bool = True) -> Desired:
    providers = {"tradervue": TradervueSettings()} if configured else {}
    return Desired(Firm(name="acme", providers=providers), traders, digest="d")


def test_a_full_block_becomes_one_user_with_plain_json_attributes() -> None:
    block = {
        "plan": "gold",
        "trial_end": "2026-03-20",
        "settings": {
            "merge_mode": "force_split",
            "commission_stocks": 1.01,
            "commission_futures": "2",
            "mentor": "bob",
            "charts": [{"type": "ohlc", "timeframe": "m15"}],
        },
    }
    (resource,) = expand(desired(trader("alice", block)))
    assert resource.address == Address(USER, "alice")
    assert resource.natural_key == "alice.smith"
    password = resource.attributes["password"]
    assert isinstance(password, SecretStr)
    assert {k: v for k, v in resource.attributes.items() if k != "password"} == {
        "username": "Alice.Smith",
        "email": "alice@example.com",
        "plan": "Gold",
        "trial_end": "2026-03-20",
        "settings": {
            "merge_mode": "force_split",
            "commission_stocks": "1.01",
            "commission_futures": "2",
            "mentor": "bob",
            "charts": [{"type": "ohlc", "timeframe": "m15"}],
        },
    }
    assert resource.depends_on == (Address(USER, "bob"),)
    assert resource.sensitive == frozenset({"password"})
    assert resource.create_only == CREATE_ONLY == frozenset({"password", "trial_end", "settings"})
    assert resource.replace_on == frozenset()


def test_unset_optional_values_are_left_out() -> None:
    (resource,) = expand(desired(trader("alice", {"plan": "Free"})))
    assert set(resource.attributes) == {"username", "email", "plan", "password"}
    assert resource.depends_on == ()


def test_a_generated_password_is_generated_at_create_time() -> None:
    alice = trader("alice", {"plan": "Free"}, password=GeneratePassword(generate=True, length=30))
    (resource,) = expand(desired(alice))
    assert resource.attributes["password"] == GeneratedSecret(length=30)


def test_only_active_traders_with_a_block_are_expanded() -> None:
    resources = expand(
        desired(
            trader("alice", {"plan": "Free"}),
            trader("bob", None),
            trader("carol", {"plan": "Free"}, status="cancelled"),
        )
    )
    assert [r.address.trader for r in resources] == ["alice"]


def test_nothing_is_expanded_when_the_firm_does_not_configure_tradervue() -> None:
    assert expand(desired(trader("alice", {"plan": "Free"}), configured=False)) == []


def test_lifecycle_protect_marks_the_user_protected() -> None:
    alice = trader("alice", {"plan": "Free"}, lifecycle={"protect": True})
    (resource,) = expand(desired(alice))
    assert resource.protected is True
