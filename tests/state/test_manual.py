"""Manual state edits: rm, mv and the checks of push."""

from __future__ import annotations

import pytest

from reconciler.errors import StateConflict, StateError
from reconciler.state import (
    ResourceState,
    StateDocument,
    check_push,
    move_addresses,
    remove_addresses,
)

RECORD = ResourceState(
    remote_id="7",
    attributes={},
    updated_at="2026-01-01T00:00:00Z",
    created_at="2026-01-01T00:00:00Z",
)


def document(*addresses: str, lineage: str = "L", serial: int = 3) -> StateDocument:
    return StateDocument(
        format_version=2,
        lineage=lineage,
        serial=serial,
        resources=dict.fromkeys(addresses, RECORD),
    )


def test_remove_forgets_only_the_given_addresses() -> None:
    edited = remove_addresses(document("a.x", "a.y"), ["a.x"])
    assert list(edited.resources) == ["a.y"]


def test_remove_of_an_unrecorded_address_is_refused() -> None:
    with pytest.raises(StateError, match=r"not in state: a\.z"):
        remove_addresses(document("a.x"), ["a.x", "a.z"])


def test_move_re_addresses_the_record() -> None:
    edited = move_addresses(document("a.x"), [("a.x", "a.y")])
    assert edited.resources == {"a.y": RECORD}


def test_move_onto_a_recorded_address_is_refused() -> None:
    with pytest.raises(StateError, match=r"a\.y is already in state"):
        move_addresses(document("a.x", "a.y"), [("a.x", "a.y")])


def test_move_of_nothing_is_refused() -> None:
    with pytest.raises(StateError, match="nothing in state matches"):
        move_addresses(document("a.x"), [])


@pytest.mark.parametrize(
    ("pushed", "message"),
    [
        pytest.param(document(lineage="other", serial=9), "lineage other", id="other-lineage"),
        pytest.param(document(serial=2), "older than the stored serial 3", id="older"),
        pytest.param(document("a.x", serial=3), "same serial 3", id="same-serial-differs"),
    ],
)
def test_push_refuses_what_would_fork_state(pushed: StateDocument, message: str) -> None:
    with pytest.raises(StateConflict, match=message):
        check_push(document(), pushed, is_forced=False)
    check_push(document(), pushed, is_forced=True)


@pytest.mark.parametrize(
    "pushed",
    [
        pytest.param(document(serial=3), id="identical"),
        pytest.param(document("a.x", serial=5), id="newer"),
    ],
)
def test_push_accepts_the_same_lineage_at_a_newer_or_equal_serial(pushed: StateDocument) -> None:
    check_push(document(), pushed, is_forced=False)


def test_push_onto_an_empty_workspace_is_accepted() -> None:
    check_push(StateDocument.new(), document(lineage="anything"), is_forced=False)
