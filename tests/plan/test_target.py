"""Targeting: a plan limited to some addresses or traders and what they depend on."""

from __future__ import annotations

import pytest

from reconciler.errors import ReconcilerError
from reconciler.plan import Action, Address, Change, Plan, check_target, select_targets


def at(text: str) -> Address:
    return Address.parse(text)


ALICE = at("tradovate_user.alice")
ALICE_ACCOUNT = at("tradovate_account.alice/A1")
ALICE_SECOND = at("tradovate_account.alice/A2")
MENTOR = at("tradervue_user.bob")
MENTEE = at("tradervue_user.alice")
CAROL = at("tradovate_user.carol")
CAROL_ACCOUNT = at("tradovate_account.carol/C1")

PLAN = Plan(
    (
        Change(CAROL, Action.CANCEL),
        Change(CAROL_ACCOUNT, Action.CANCEL, via=CAROL),
        Change(ALICE, Action.CREATE),
        Change(MENTOR, Action.CREATE),
        Change(ALICE_ACCOUNT, Action.CREATE, depends_on=(ALICE,)),
        Change(ALICE_SECOND, Action.NOOP),
        Change(MENTEE, Action.CREATE, depends_on=(MENTOR,)),
    ),
    "L",
    1,
    "m",
    "2026-03-02T08:00:00+00:00",
)


def selected(*targets: str) -> list[Address]:
    return [c.address for c in select_targets(PLAN, targets).changes]


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (("tradovate_user.alice",), [ALICE]),
        (("tradovate_account.alice/A1",), [ALICE, ALICE_ACCOUNT]),
        (("tradervue_user.alice",), [MENTOR, MENTEE]),
        (("tradovate_account.alice",), [ALICE, ALICE_ACCOUNT, ALICE_SECOND]),
        (("alice",), [ALICE, MENTOR, ALICE_ACCOUNT, ALICE_SECOND, MENTEE]),
        (("tradovate_user.carol",), [CAROL, CAROL_ACCOUNT]),
        (("tradovate_account.carol/C1",), [CAROL, CAROL_ACCOUNT]),
        (("tradovate_user.alice", "tradervue_user.bob"), [ALICE, MENTOR]),
    ],
    ids=[
        "one-address",
        "with-its-dependency",
        "a-mentor-in-another-trader",
        "all-accounts-of-a-trader",
        "a-trader-name",
        "a-cancel-with-its-riders",
        "a-rider-brings-its-cancel",
        "several",
    ],
)
def test_targets_select_their_changes_and_what_they_depend_on(
    targets: tuple[str, ...], expected: list[Address]
) -> None:
    assert selected(*targets) == expected


def test_a_targeted_plan_says_so_and_counts_what_it_leaves_out() -> None:
    notes = select_targets(PLAN, ("tradovate_user.alice",)).notes
    assert notes[-1].startswith("targeting is in effect: only tradovate_user.alice")
    assert notes[-1].endswith("5 other change(s) are left for a full plan")


def test_no_targets_keep_the_plan() -> None:
    assert select_targets(PLAN, ()) is PLAN


@pytest.mark.parametrize("target", ["tradovate_user.zoe", "zoe", "tradovate_account.alice/A9"])
def test_a_target_that_matches_nothing_is_an_error(target: str) -> None:
    with pytest.raises(ReconcilerError, match=f"target '{target}' matches no"):
        select_targets(PLAN, (target,))


@pytest.mark.parametrize("target", ["Alice", "tradovate_user.", "x/y", "kind.alice/"])
def test_a_target_that_is_neither_an_address_nor_a_trader_is_invalid(target: str) -> None:
    with pytest.raises(ValueError, match="invalid target"):
        check_target(target)
