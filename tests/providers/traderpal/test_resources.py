"""Which TraderPal resources the manifests declare (pure: no I/O)."""

from __future__ import annotations

from typing import Any

from reconciler.manifest.models import Contact, Desired, Firm, Lifecycle, Trader
from reconciler.plan.address import Address
from reconciler.providers.traderpal.config import TraderPalSettings, TraderPalTrader
from reconciler.providers.traderpal.resources import USER, VERIFICATION, expand


def trader(name: str, *, block: dict[str, Any] | None, **fields: Any) -> Trader:
    values: dict[str, Any] = {
        "name": name,
        "username": f"{name}.user",
        "email": f"{name.title()}@Example.com",
        "first_name": name.title(),
        "last_name": "Smith",
        "contact": Contact(
            phone="+1 (555) 123-4567",
            street_address1="1 Main St",
            city="Chicago",
            state="IL",
            country="US",
        ),
    }
    values.update(fields)
    platforms = {} if block is None else {"traderpal": TraderPalTrader.model_validate(block)}
    return Trader(**values, platforms=platforms)


def desired(*traders: Trader, configured: bool = True) -> Desired:
    providers: dict[str, Any] = {"traderpal": TraderPalSettings()} if configured else {}
    return Desired(Firm(name="firm", providers=providers), traders, digest="d")


def test_a_trader_gets_a_user_and_its_verification() -> None:
    alice = trader("alice", block={"date_of_birth": "1990-01-01"})
    user, verification = expand(desired(alice))
    assert user.address == Address(USER, "alice")
    assert user.natural_key == "alice@example.com"
    assert dict(user.attributes) == {
        "email": "alice@example.com",
        "first_name": "Alice",
        "last_name": "Smith",
        "date_of_birth": "1990-01-01",
        "country": "US",
        "phone": "+15551234567",
        "status": "active",
    }
    assert user.replace_on == frozenset({"email"})
    assert user.sensitive == frozenset()
    assert verification.address == Address(VERIFICATION, "alice")
    assert dict(verification.attributes) == {"verified": True}
    assert verification.natural_key == user.natural_key
    assert verification.depends_on == (user.address,)


def test_block_values_win_and_unknown_ones_are_not_managed() -> None:
    bob = trader(
        "bob",
        block={"date_of_birth": "1985-05-05", "country": "GB", "status": "suspended"},
        contact=None,
    )
    user, _ = expand(desired(bob))
    assert user.attributes["country"] == "GB"
    assert "phone" not in user.attributes
    assert user.attributes["status"] == "suspended"


def test_protection_follows_the_trader_lifecycle() -> None:
    carol = trader(
        "carol", block={"date_of_birth": "1990-01-01"}, lifecycle=Lifecycle(protect=True)
    )
    user, verification = expand(desired(carol))
    assert (user.protected, verification.protected) == (True, False)


def test_nothing_for_cancelled_traders_traders_without_a_block_or_an_unconfigured_firm() -> None:
    cancelled = trader("dave", block={"date_of_birth": "1990-01-01"}, status="cancelled")
    absent = trader("erin", block=None)
    present = trader("fred", block={"date_of_birth": "1990-01-01"})
    assert expand(desired(cancelled, absent)) == []
    assert expand(desired(present, configured=False)) == []
    assert [r.address.trader for r in expand(desired(cancelled, absent, present))] == [
        "fred",
        "fred",
    ]
