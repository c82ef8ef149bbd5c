"""Guardrails: protected resources and the most traders one plan may offboard."""

from __future__ import annotations

import pytest

from reconciler.errors import CancelLimitExceeded, ProtectedResource
from reconciler.plan import (
    FROM_MANIFESTS,
    FROM_STATE,
    Action,
    Address,
    Change,
    Plan,
    Recorded,
    check_guards,
    offboarded_traders,
    protected_addresses,
)


def at(text: str) -> Address:
    return Address.parse(text)


def plan_of(*changes: Change) -> Plan:
    return Plan(changes, "L", 1, "m", "2026-03-02T08:00:00+00:00")


def offboarding(*traders: str) -> Plan:
    changes: list[Change] = []
    for trader in traders:
        user = at(f"tradovate_user.{trader}")
        changes.append(Change(user, Action.CANCEL))
        changes.append(Change(at(f"tradovate_account.{trader}/A{trader}"), Action.CANCEL, via=user))
    return plan_of(*changes)


def test_cancelled_traders_are_counted_once_each() -> None:
    plan = plan_of(
        *offboarding("carol", "bob").changes,
        Change(at("tradovate_account.alice/A1"), Action.CANCEL),
        Change(at("tradovate_user.dave"), Action.UPDATE),
    )
    assert offboarded_traders(plan) == ["alice", "bob", "carol"]


@pytest.mark.parametrize("limit", [3, 4, None], ids=["at-the-limit", "under", "no-limit"])
def test_up_to_max_cancel_traders_may_be_offboarded(limit: int | None) -> None:
    check_guards(offboarding("a", "b", "c"), protected={}, max_cancel=limit)


def test_more_than_max_cancel_is_refused_naming_the_traders() -> None:
    with pytest.raises(CancelLimitExceeded) as caught:
        check_guards(offboarding("carol", "bob", "dave"), protected={}, max_cancel=2)
    message = str(caught.value)
    assert "3 traders (bob, carol, dave)" in message
    assert "--max-cancel 2" in message
    assert "--max-cancel 3" in message


def test_a_long_list_of_traders_is_cut_short_in_the_message() -> None:
    names = [f"t{i:03}" for i in range(50)]
    with pytest.raises(CancelLimitExceeded, match=r"t019 and 30 more\)"):
        check_guards(offboarding(*names), protected={}, max_cancel=5)


@pytest.mark.parametrize("action", [Action.CANCEL, Action.REPLACE], ids=["cancel", "replace"])
def test_cancel_or_replace_of_a_protected_resource_is_refused(action: Action) -> None:
    account = at("tradovate_account.alice/A1")
    with pytest.raises(ProtectedResource, match=rf"tradovate_account.alice/A1 \({action.value}\)"):
        check_guards(
            plan_of(Change(account, action)), protected={account: FROM_MANIFESTS}, max_cancel=None
        )


def test_protection_recorded_in_state_says_how_to_let_the_resource_go() -> None:
    plan = offboarding("carol")
    with pytest.raises(ProtectedResource, match="status: cancelled"):
        check_guards(plan, protected={at("tradovate_user.carol"): FROM_STATE}, max_cancel=5)


def test_a_protected_resource_may_be_created_or_updated() -> None:
    user = at("tradovate_user.alice")
    plan = plan_of(Change(user, Action.UPDATE), Change(at("tradovate_user.bob"), Action.CREATE))
    check_guards(
        plan,
        protected={user: FROM_MANIFESTS, at("tradovate_user.bob"): FROM_MANIFESTS},
        max_cancel=0,
    )


def test_protection_is_checked_before_the_cancel_limit() -> None:
    plan = offboarding("a", "b")
    with pytest.raises(ProtectedResource):
        check_guards(plan, protected={at("tradovate_user.a"): FROM_MANIFESTS}, max_cancel=1)


def test_the_manifests_flag_wins_and_state_remembers_undeclared_resources() -> None:
    def recorded(text: str, protected: bool) -> tuple[Address, Recorded]:
        return at(text), Recorded(at(text), "1", {}, {"protected": protected})

    state = dict(
        [
            recorded("tradovate_user.alice", True),
            recorded("tradovate_user.carol", True),
            recorded("tradovate_user.dave", False),
        ]
    )
    declared = {at("tradovate_user.alice"): False, at("tradovate_user.bob"): True}
    assert protected_addresses(declared, state) == {
        at("tradovate_user.bob"): FROM_MANIFESTS,
        at("tradovate_user.carol"): FROM_STATE,
    }
