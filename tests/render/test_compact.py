"""Plan text at scale: the summary first, waits grouped by reason, one line per change above
the threshold (`detail` for every attribute), a change performed by another said once."""

from __future__ import annotations

import io

import pytest
from rich.console import Console, RenderableType

from reconciler.apply.events import ApplyFinished
from reconciler.plan import Action, Address, Change
from reconciler.render import render_event, render_plan
from tests.render.test_text import make_plan, plain, representative_plan

SIGNATURE = "waiting for the Market Data Agreement signature"


def wide(renderable: RenderableType) -> str:
    """As `plain`, on a console wide enough for a wait line."""
    console = Console(file=io.StringIO(), width=200, color_system=None, force_terminal=False)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def wait(trader: str, reason: str = SIGNATURE) -> Change:
    address = Address.parse(f"tradovate_entitlement.{trader}/t-prop")
    return Change(address, Action.WAIT, None, {"entitlement_id": 1}, reason=reason)


def creates(count: int) -> list[Change]:
    return [
        Change(Address.parse(f"tradovate_user.t{n}"), Action.CREATE, after={"username": f"t{n}"})
        for n in range(count)
    ]


def test_the_summary_comes_first_and_closes_the_listed_changes() -> None:
    lines = plain(render_plan(representative_plan())).splitlines()
    summary = "Plan: 2 to create, 1 to update, 1 to replace, 1 to entitle, 2 to cancel. 1 waiting."
    assert lines[2] == summary  # after the note and its blank line
    assert lines[-1] == summary


def test_waits_are_grouped_by_reason_oldest_first_with_the_oldest_wait() -> None:
    """created_at is 2025-01-02T03:04:05Z; carol waited longest, dave's start is unknown."""
    plan = make_plan(
        *(wait(t) for t in ("alice", "bob", "carol", "dave", "erin")),
        wait("zed", "waiting for the trader to verify their identity"),
    )
    since = {
        "alice": "2024-12-30T00:00:00+00:00",
        "bob": "2025-01-02T00:00:00+00:00",
        "carol": "2024-12-21T03:04:05+00:00",
        "erin": "2025-01-01T00:00:00+00:00",
    }
    assert wide(render_plan(plan, since=since)).splitlines() == [
        "No changes. The platforms match the manifests. 6 waiting.",
        "",
        f"⋯ 5 traders {SIGNATURE} — oldest 12 days: carol, alice, erin, … (--show-waits lists "
        "them)",
        "⋯ 1 trader waiting for the trader to verify their identity: zed",
        "",
        "No changes. The platforms match the manifests. 6 waiting.",  # last, where scripts look
    ]
    listed = wide(render_plan(plan, since=since, show_waits=True))
    assert "(--show-waits lists them)" not in listed
    assert all(f"⋯ tradovate_entitlement.{t}/t-prop (wait)" in listed for t in since)


def test_waits_that_began_alike_keep_the_plan_order_and_one_that_began_now_is_the_oldest() -> None:
    """An apply's traders share a few start times: each is read once, and traders whose wait
    began at the same time, or at an unknown time, keep the order of the plan."""
    plan = make_plan(*(wait(t) for t in ("alice", "bob", "carol", "dave", "erin")))
    now = "2025-01-02T03:04:05Z"
    since = {"alice": now, "bob": now, "dave": now, "erin": now}
    assert wide(render_plan(plan, since=since)).splitlines()[2] == (
        f"⋯ 5 traders {SIGNATURE} — oldest under an hour: alice, bob, dave, … (--show-waits "
        "lists them)"
    )
    earlier = {**since, "erin": "2025-01-02T01:04:05Z"}
    assert wide(render_plan(plan, since=earlier)).splitlines()[2] == (
        f"⋯ 5 traders {SIGNATURE} — oldest 2 hours: erin, alice, bob, … (--show-waits lists them)"
    )


@pytest.mark.parametrize(("count", "is_compact"), [(4, False), (5, True)], ids=["at", "above"])
def test_above_the_threshold_each_change_is_one_line(count: int, is_compact: bool) -> None:
    text = plain(render_plan(make_plan(*creates(count)), compact_above=4))
    assert ("+ tradovate_user.t0 (create)\n+ tradovate_user.t1 (create)" in text) is is_compact
    assert ('    + username = "t0"' in text) is not is_compact
    assert ("--detail shows every attribute" in text) is is_compact


def test_detail_shows_every_attribute_above_the_threshold() -> None:
    text = plain(render_plan(make_plan(*creates(601)), detail=True))
    assert '    + username = "t600"' in text
    assert "# trader t600" in text


def test_the_default_threshold_prints_600_creates_compactly() -> None:
    lines = plain(render_plan(make_plan(*creates(600)))).splitlines()
    assert lines[2] == "600 changes, one line each (more than 500; --detail shows every attribute):"
    assert lines[3:603] == [f"+ tradovate_user.t{n} (create)" for n in range(600)]
    assert len(lines) == 605  # summary, blank, header, 600 changes, blank, summary


def test_a_compact_line_names_the_changed_keys_and_the_performing_change() -> None:
    text = plain(render_plan(representative_plan(), compact_above=1))
    assert "~ tradervue_user.bob (update: plan, settings, tags, time_zone)\n" in text
    assert "-/+ tradovate_account.bob/ACME50K1002 (replace: template_account_id)\n" in text
    assert (
        "- tradovate_account.carol/ACME50K1003 (cancel, performed by tradovate_user.carol)\n"
        in text
    )


def test_a_change_performed_by_another_says_so_once() -> None:
    user = Address.parse("tradovate_user.alice")
    account = Change(
        Address.parse("tradovate_account.alice/A1"),
        Action.CANCEL,
        before={"name": "A1"},
        reason=f"performed by the cancel of {user}",
        via=user,
    )
    text = plain(render_plan(make_plan(account)))
    assert text.count("performed by") == 1
    assert f"    # performed by the cancel of {user}\n" in text


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            ApplyFinished(0, 0, 0, seconds=0.2, moved=3),
            "Apply complete: 3 moves recorded in state (no platform call) in 0.2s.",
        ),
        (
            ApplyFinished(2, 0, 0, seconds=1.0, total=2, moved=1),
            "Apply complete: 2 succeeded, 0 failed, 0 skipped; 1 move recorded in state in 1.0s.",
        ),
    ],
    ids=["only-moves", "moves-and-changes"],
)
def test_moves_are_counted_as_moves(event: ApplyFinished, expected: str) -> None:
    assert render_event(event) == expected


def test_a_blocked_change_is_listed_not_grouped() -> None:
    """What blocks it names what a person must do: never hidden behind --show-waits."""
    blocked = wait("carol", "blocked: the recorded user left the organization")
    text = plain(render_plan(make_plan(blocked, wait("alice"))))
    assert "⋯ tradovate_entitlement.carol/t-prop (wait)" in text
    assert "    # blocked: the recorded user left the organization" in text
    assert f"⋯ 1 trader {SIGNATURE}: alice" in text
    assert "tradovate_entitlement.alice" not in text
