"""A create whose answer was lost is resolved by the natural key it was sent with, even when
the manifests changed that key before the next apply (adopted then replaced, or offboarded)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from reconciler.plan import Address
from tests.apply.history import TP_KEY, Trader
from tests.apply.world import World


def open_traderpal_users(world: World) -> list[str]:
    users = world.boxes.world("traderpal")["users"]
    return sorted(u["email"] for u in users if u["status"] != "closed")


def test_a_lost_traderpal_create_is_replaced_when_the_email_changed(world: World) -> None:
    trader = Trader(1, frozenset({"traderpal"}))
    world.declare(trader)
    world.lose_create_answer("traderpal")
    assert world.apply().exit_code == 1
    assert [op["natural_key"] for op in world.pending().values()] == [trader.email]
    world.declare(replace(trader, version=1))
    planned = world.run("plan")
    assert "adopt existing remote object" in planned.output, planned.output
    world.lose_create_answer("traderpal")  # the replacement's create is lost too
    assert world.apply().exit_code == 1
    world.converge()
    assert open_traderpal_users(world) == ["t1.v1@example.com"]


def test_a_lost_replacement_is_closed_after_a_second_email_change(world: World) -> None:
    trader = Trader(1, frozenset({"traderpal"}))
    world.declare(trader)
    assert world.apply().exit_code == 0
    world.declare(replace(trader, version=1))
    world.lose_create_answer("traderpal")
    assert world.apply().exit_code == 1  # the old user closed, the new one's answer lost
    world.declare(replace(trader, version=2))
    world.converge()
    assert open_traderpal_users(world) == ["t1.v2@example.com"]


def test_a_lost_create_and_a_new_one_under_the_changed_key_leave_one(world: World) -> None:
    """Both the user made with the old e-mail and one made with the new exist: the first is
    offboarded at a stray address, the second adopted."""
    trader = Trader(1, frozenset({"traderpal"}))
    world.declare(trader)
    world.lose_create_answer("traderpal")
    assert world.apply().exit_code == 1
    changed = replace(trader, version=1)
    world.declare(changed)
    made = httpx.post(
        f"{world.boxes.urls['traderpal']}/v1/users",
        headers={"Authorization": f"Bearer {TP_KEY}"},
        json={
            "email": changed.email,
            "firstName": "History",
            "lastName": "Trader",
            "dateOfBirth": "1990-01-01",
            "country": "US",
        },
    )
    assert made.status_code in (200, 201), made.text
    planned = world.run("plan")
    assert "traderpal_user.t1/interrupted-" in planned.output, planned.output
    world.converge()
    assert open_traderpal_users(world) == ["t1.v1@example.com"]


@pytest.mark.parametrize("platform", ["tradervue", "tradovate"])
def test_a_lost_create_is_adopted_when_the_username_changed(world: World, platform: str) -> None:
    trader = Trader(1, frozenset({platform}))
    world.declare(trader)
    world.lose_create_answer(platform)
    assert world.apply().exit_code == 1
    world.declare(replace(trader, version=1, n=1))
    renamed = _renamed(trader)
    world.model.traders = {renamed.name: renamed}
    world.model.write(world.manifests)
    world.converge()
    names = _usernames(world, platform)
    assert names == [renamed.username], names


def test_a_lost_account_create_is_offboarded_when_the_account_was_renamed(world: World) -> None:
    trader = Trader(1, frozenset({"tradovate"}))
    world.declare(trader)
    assert world.apply().exit_code == 0
    world.declare(replace(trader, second_account=True))
    world.boxes.admin(
        "tradovate",
        "faults",
        {
            "path": "/demo/v1/user/createevaluationaccounts",
            "effect": "reset",
            "after_processing": True,
        },
    )
    assert world.apply().exit_code == 1
    world.declare(replace(trader, second_account=False, template="large"))
    world.converge()


class _Renamed(Trader):
    @property
    def username(self) -> str:
        return f"t{self.n}.renamed"


def _renamed(trader: Trader) -> Trader:
    return _Renamed(trader.n, trader.platforms, version=1)


def _usernames(world: World, platform: str) -> list[str]:
    """The trader's users not offboarded (a Tradovate user cannot be deleted: offboarding
    cancels its subscriptions)."""
    found = world.boxes.world(platform)
    users = found["users"]
    if platform == "tradovate":
        cancelled = {
            s["userId"] for s in found["tradovateSubscriptions"] if s.get("cancelledRenewal")
        }
        return sorted(
            u["name"] for u in users if u["name"].startswith("t1.") and u["id"] not in cancelled
        )
    if platform == "tradervue":
        return sorted(
            u["username"] for u in users if u["username"].startswith("t1.") and u["plan"] != "Free"
        )
    return sorted(u["name"] for u in users if u["name"].startswith("t1."))


@pytest.mark.parametrize("text", ["traderpal_user.t1", "tradovate_account.t1/HXA0011"])
def test_a_stray_address_names_the_address_it_was_made_from(text: str) -> None:
    address = Address.parse(text)
    stray = address.stray("usr/1 2")
    assert Address.parse(str(stray)) == stray
    assert stray.stray_of == address
    assert address.stray_of is None
