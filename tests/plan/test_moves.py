"""Moves: trader renames and single-address moves over recorded addresses."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from reconciler.errors import PlanConflict
from reconciler.plan import Address, plan_moves, rekey

KINDS = {"tradovate_user", "tradovate_account", "tradervue_user"}
RECORDED = [
    Address.parse("tradovate_user.alice"),
    Address.parse("tradovate_account.alice/A1"),
    Address.parse("tradervue_user.alice"),
    Address.parse("tradovate_user.bob"),
]


def moves(*entries: tuple[str, str]) -> list[tuple[str, str]]:
    return [(str(o), str(n)) for o, n in plan_moves(entries, RECORDED, kinds=KINDS)]


def test_a_trader_rename_moves_every_address_of_the_trader() -> None:
    assert moves(("alice", "alice.smith")) == [
        ("tradervue_user.alice", "tradervue_user.alice.smith"),
        ("tradovate_account.alice/A1", "tradovate_account.alice.smith/A1"),
        ("tradovate_user.alice", "tradovate_user.alice.smith"),
    ]


def test_one_address_moves_alone() -> None:
    assert moves(("tradovate_account.alice/A1", "tradovate_account.bob/A1")) == [
        ("tradovate_account.alice/A1", "tradovate_account.bob/A1")
    ]


def test_an_entry_already_applied_is_skipped() -> None:
    assert moves(("carol", "caroline"), ("tradovate_user.zed", "tradovate_user.zoe")) == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param(("alice", "bob"), "state already records tradovate_user.bob", id="taken"),
        pytest.param(
            ("tradovate_user.alice", "tradervue_user.alice"), "different kinds", id="kinds"
        ),
        pytest.param(("tradovate_user.alice", "alicia"), "two trader names", id="mixed"),
    ],
)
def test_impossible_moves_are_refused(entry: tuple[str, str], message: str) -> None:
    with pytest.raises(PlanConflict, match=message):
        moves(entry)


def test_two_sources_onto_one_target_are_refused() -> None:
    with pytest.raises(PlanConflict, match="both moved to"):
        moves(
            ("tradovate_user.alice", "tradovate_user.x"), ("tradovate_user.bob", "tradovate_user.x")
        )


def test_a_swap_of_two_traders_is_allowed() -> None:
    """Each target is recorded, but it moves away in the same plan."""
    swapped = moves(("bob", "tmp"), ("alice", "bob"))
    assert ("tradovate_user.alice", "tradovate_user.bob") in swapped
    assert ("tradovate_user.bob", "tradovate_user.tmp") in swapped


def test_rekey_renames_keys_and_keeps_values() -> None:
    renamed = rekey(
        {RECORDED[0]: 1, RECORDED[3]: 2}, [(RECORDED[0], Address.parse("tradovate_user.al"))]
    )
    assert renamed == {Address.parse("tradovate_user.al"): 1, RECORDED[3]: 2}


def test_rekey_without_moves_is_the_map_itself_and_a_dict_of_any_other() -> None:
    values = {RECORDED[0]: 1}
    assert rekey(values, []) is values  # a large firm's map is not copied
    assert rekey(MappingProxyType(values), []) == values
    assert type(rekey(MappingProxyType(values), [])) is dict
