"""Saved plan files: a versioned JSON round trip that keeps no secret and refuses what it
cannot read."""

from __future__ import annotations

import json

import pytest

from reconciler.errors import ReconcilerError, StalePlan
from reconciler.plan import (
    PLANFILE_VERSION,
    SENSITIVE,
    Action,
    Address,
    Change,
    Plan,
    PlanOptions,
    SavedPlan,
    dump_plan,
    load_plan,
    plan_pieces,
    planfile,
)

USER = Address("tradovate_user", "alice")
ACCOUNT = Address("tradovate_account", "alice", "ACME1")
OLD = Address("tradovate_user", "carol")
OLD_ACCOUNT = Address("tradovate_account", "carol", "ACME3")


def saved(**overrides: object) -> SavedPlan:
    plan = Plan(
        changes=(
            Change(OLD, Action.CANCEL, before={"username": "carol"}, reason="no longer declared"),
            Change(OLD_ACCOUNT, Action.CANCEL, before={"name": "ACME3"}, via=OLD),
            Change(USER, Action.CREATE, after={"username": "alice", "password": SENSITIVE}),
            Change(
                ACCOUNT,
                Action.CREATE,
                after={"name": "ACME1", "risk": {"limit": 1100.5}, "tags": ("a", "b")},
                depends_on=(USER,),
            ),
            Change(Address("tradovate_user", "bob"), Action.NOOP, before={"a": 1}, after={"a": 1}),
        ),
        lineage="lineage-1",
        serial=4,
        manifest_digest="abc",
        created_at="2026-03-02T08:00:00+00:00",
        notes=("a note",),
    )
    values: dict[str, object] = {
        "plan": plan,
        "options": PlanOptions(adopt=True, targets=("alice",), max_cancel=3),
        "firm": "acme",
        "workspace": "default",
        "values_digest": "sha256:def",
        "reconciler_version": "1.2.3",
    }
    values.update(overrides)
    return SavedPlan(**values)  # type: ignore[arg-type]


def test_a_saved_plan_reads_back_with_its_changes_options_and_origin() -> None:
    original = saved()
    loaded = load_plan(dump_plan(original))
    assert loaded.options == original.options
    assert (loaded.firm, loaded.workspace, loaded.values_digest, loaded.reconciler_version) == (
        "acme",
        "default",
        "sha256:def",
        "1.2.3",
    )
    plan = loaded.plan
    assert (plan.lineage, plan.serial, plan.manifest_digest, plan.created_at, plan.notes) == (
        "lineage-1",
        4,
        "abc",
        "2026-03-02T08:00:00+00:00",
        ("a note",),
    )
    expected = [c for c in original.plan.changes if c.action is not Action.NOOP]
    assert [c.address for c in plan.changes] == [c.address for c in expected]
    assert plan.changes[1].via == OLD
    assert plan.changes[3].depends_on == (USER,)
    assert plan.changes[3].after == {"name": "ACME1", "risk": {"limit": 1100.5}, "tags": ["a", "b"]}


def test_no_ops_are_counted_not_kept() -> None:
    document = json.loads(dump_plan(saved()))
    assert document["summary"]["no-op"] == 1
    assert all(change["action"] != "no-op" for change in document["changes"])
    assert load_plan(dump_plan(saved())).noop_count == 1


def test_the_file_is_versioned_json_with_sensitive_values_masked() -> None:
    data = dump_plan(saved())
    document = json.loads(data)
    assert (document["format"], document["format_version"]) == ("reconciler-plan", 1)
    assert document["state"] == {"lineage": "lineage-1", "serial": 4}
    assert document["changes"][2]["after"]["password"] == SENSITIVE
    assert dump_plan(saved()) == data, "the same plan gives the same bytes"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b'{"format": "something-else"}', "not a saved plan"),
        (b"[1, 2]", "not a saved plan"),
    ],
    ids=["binary", "other-json", "a-list"],
)
def test_what_is_not_a_plan_file_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ReconcilerError, match=message):
        load_plan(data)


def test_a_plan_file_of_another_format_version_is_stale() -> None:
    document = json.loads(dump_plan(saved()))
    document["format_version"] = PLANFILE_VERSION + 1
    with pytest.raises(StalePlan, match="format version 2"):
        load_plan(json.dumps(document).encode())


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("changes", 1, "action"), "explode", r"changes\.1\.action: Input should be"),
        (("changes", 0, "address"), "not an address", "invalid address 'not an address'"),
        (("changes", 2, "before"), [1], r"changes\.2\.before: Input should be a valid dict"),
        (("changes",), {"a": 1}, r"changes: Input should be a valid list"),
        (("state", "serial"), -1, r"state\.serial: Input should be greater"),
    ],
    ids=["unknown-action", "bad-address", "bad-before", "changes-not-a-list", "negative-serial"],
)
def test_a_damaged_plan_file_is_refused_with_what_is_wrong(
    path: tuple[object, ...], value: object, problem: str
) -> None:
    document = json.loads(dump_plan(saved()))
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(ReconcilerError, match=f"the saved plan is damaged: {problem}"):
        load_plan(json.dumps(document).encode())


def test_changes_read_back_hold_a_repeated_reason_and_plain_mapping_once() -> None:
    """A large firm's file repeats a wait's reason and values for every trader: read back,
    each is one object for all, while values alike only to Python (`true` and `1`) or not
    plain (a nested mapping) stay apart, and every change reads as written."""

    def wait(trader: str, after: dict[str, object]) -> Change:
        reason = "waiting for the trader to verify their identity, " + "as they must " * 8
        return Change(
            Address("traderpal_verification", trader), Action.WAIT, after=after, reason=reason
        )

    changes = (
        wait("a", {"verified": True}),
        wait("b", {"verified": True}),
        wait("c", {"verified": 1}),
        wait("d", {"risk": {"limit": 1}}),
        wait("e", {"risk": {"limit": 1}}),
    )
    plan = Plan(changes, lineage="l", serial=1, manifest_digest="m", created_at="t")
    original = saved(plan=plan)

    read = load_plan(dump_plan(original)).plan.changes

    assert read == changes
    assert read[0].after is read[1].after
    assert read[0].reason is read[4].reason
    assert read[2].after is not read[0].after
    assert read[2].after == {"verified": 1}
    assert type(read[2].after["verified"]) is int
    assert read[3].after is not read[4].after


def test_a_plan_file_written_a_piece_at_a_time_is_the_one_written_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pieces `plan --out` writes as they are encoded join into the bytes Python's
    encoder writes of the whole document, texts outside ASCII included, whatever the size
    of a piece."""
    whole = dump_plan(saved(firm="Société Générale ✓"))
    document = json.loads(whole)
    assert whole == (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()
    for size in (1, 7, 64, 1 << 20):
        monkeypatch.setattr(planfile, "PIECE_CHARS", size)
        pieces = list(plan_pieces(saved(firm="Société Générale ✓")))
        assert b"".join(pieces) == whole
        assert len(pieces) > 1 or size > len(whole)
