"""Tests for the terminal text renderer: golden plans and state, value formatting, events, secrets.

Golden files live in tests/render/expected/. After an intended change to the output, rewrite them
with `UPDATE_GOLDEN=1 python -m pytest tests/render/test_text.py` and review the diff.
"""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console, RenderableType

from reconciler.apply.events import ApplyFinished, BatchFinished, BatchStarted, Event, ItemApplied
from reconciler.cli.writing import write_parts
from reconciler.plan.action import SENSITIVE, Action, Change
from reconciler.plan.address import Address
from reconciler.plan.plan import Plan
from reconciler.render import (
    render_event,
    render_plan,
    render_state,
    state_parts,
    state_text,
    summary_line,
)

EXPECTED = Path(__file__).parent / "expected"
DIGEST = "hmac-sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def plain(renderable: RenderableType) -> str:
    """Render as a fixed-width, colourless terminal would show it."""
    console = Console(
        file=io.StringIO(),
        width=100,
        color_system=None,
        record=True,
        legacy_windows=False,
        force_terminal=False,
    )
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def assert_golden(name: str, text: str) -> None:
    path = EXPECTED / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing {name}: run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def at(text: str) -> Address:
    return Address.parse(text)


def make_plan(*changes: Change, notes: tuple[str, ...] = ()) -> Plan:
    return Plan(
        changes=changes,
        lineage="3f2a",
        serial=7,
        manifest_digest="sha256:abc",
        created_at="2025-01-02T03:04:05Z",
        notes=notes,
    )


def representative_plan() -> Plan:
    """Every action once or more, in the order the planner would emit them."""
    return make_plan(
        Change(
            at("tradovate_user.alice"),
            Action.CREATE,
            after={"username": "alice.smith", "email": "alice@example.com", "password": SENSITIVE},
        ),
        Change(
            at("tradovate_account.alice/ACME50K1001"),
            Action.CREATE,
            after={
                "template_account_id": 111,
                "initial_balance": 50000.0,
                "post_trade_risk": {"trailing_max_drawdown": 2500.0, "daily_loss_limit": 1100},
            },
            depends_on=(at("tradovate_user.alice"),),
        ),
        Change(
            at("tradovate_entitlement.alice/t-prop"),
            Action.WAIT,
            after={"entitlement_id": 12345},
            reason="waiting for the Market Data Agreement signature",
        ),
        Change(
            at("tradervue_user.bob"),
            Action.UPDATE,
            before={"plan": "Silver", "time_zone": "UTC", "settings": {"merge_mode": "auto"}},
            after={"plan": "Gold", "tags": ["eval", "50k"], "settings": {"merge_mode": "split"}},
            changed=("plan", "settings", "tags", "time_zone"),
        ),
        Change(
            at("tradovate_account.bob/ACME50K1002"),
            Action.REPLACE,
            before={"template_account_id": 111, "initial_balance": 50000},
            after={"template_account_id": 222, "initial_balance": 50000},
            changed=("template_account_id",),
            reason="template_account_id cannot change in place",
        ),
        Change(
            at("tradovate_entitlement.bob/t-prop"), Action.ENTITLE, after={"entitlement_id": 12345}
        ),
        Change(
            at("tradovate_user.carol"),
            Action.CANCEL,
            before={"username": "carol.jones", "active": True, "password": DIGEST},
            reason="status: cancelled",
        ),
        Change(
            at("tradovate_account.carol/ACME50K1003"),
            Action.CANCEL,
            before={"name": "ACME50K1003"},
            via=at("tradovate_user.carol"),
        ),
        Change(
            at("traderpal_user.dave"),
            Action.NOOP,
            before={"country": "US"},
            after={"country": "US"},
        ),
        notes=("an interrupted apply left 1 pending operation; it is resolved before new changes",),
    )


def recorded_state() -> dict[str, dict[str, Any]]:
    return {
        "tradervue_user.bob": {
            "remote_id": "tv-88",
            "attributes": {"plan": "Silver", "settings": {"merge_mode": "auto"}},
            "facts": {},
            "updated_at": "2025-01-01T09:00:00Z",
        },
        "tradovate_user.alice": {
            "remote_id": "4021",
            "attributes": {"username": "alice.smith", "password": DIGEST, "active": True},
            "facts": {"mda_signed": False, "user_plugins": ["t-prop"]},
            "updated_at": "2025-01-02T03:04:05Z",
        },
        "tradovate_account.alice/ACME50K1001": {
            "remote_id": "777001",
            "attributes": {
                "initial_balance": 50000.0,
                "post_trade_risk": {"daily_loss_limit": 1100.0, "trailing_max_drawdown": 2500},
            },
            "facts": {},
            "updated_at": None,
        },
    }


def test_plan_with_every_action_matches_golden_file() -> None:
    assert_golden("plan.txt", plain(render_plan(representative_plan())))


def test_plan_with_show_noop_and_show_waits_matches_golden_file() -> None:
    plan = representative_plan()
    assert_golden("plan_show_noop.txt", plain(render_plan(plan, show_noop=True, show_waits=True)))


def test_empty_plan_matches_golden_file() -> None:
    assert_golden("plan_empty.txt", plain(render_plan(make_plan())))


def test_state_listing_matches_golden_file() -> None:
    assert_golden("state.txt", plain(render_state(recorded_state())))


@pytest.mark.parametrize("blocks", [1, 2, 3])
def test_the_state_a_part_at_a_time_is_the_whole_listing(
    monkeypatch: pytest.MonkeyPatch, blocks: int
) -> None:
    """`show` writes the listing STATE_BLOCKS addresses at a time, each row made as it is
    rendered (held whole, a large state's rows and lines were 3 GiB at 100,000 traders): the
    parts join into the whole listing, a trader's header and the blank lines included."""
    state = recorded_state()
    state["traderpal_user.bob"] = {"remote_id": "tp-1", "attributes": {}, "updated_at": "x"}
    state["not-an-address"] = {"remote_id": "?", "attributes": {"a": 1}, "updated_at": None}
    whole = plain(render_state(state))
    made: list[str] = []

    def row_of(address: str) -> dict[str, Any]:
        made.append(address)
        return state[address]

    monkeypatch.setattr(state_text, "STATE_BLOCKS", blocks)
    parts = list(state_parts(state, row_of))

    assert len(parts) == -(-len(state) // blocks)
    assert "".join(plain(part) for part in parts) == whole
    assert sorted(made) == sorted(state)
    assert whole.startswith("not-an-address")
    assert "\n\n# trader bob\n\ntraderpal_user.bob" in whole


def test_state_in_colour_is_written_as_rich_styled_it() -> None:
    """The listing is written as lines of pieces (a state of 640,000 lines took 10 s as rich
    Texts at 10,000 traders): the same text and terminal codes as rich gave."""
    rows: dict[str, dict[str, Any]] = {
        "tradovate_user.alice": {
            "remote_id": "4021",
            "attributes": {"username": "alice.smith", "active": True},
            "facts": {"mda_signed": False},
            "updated_at": "2025-01-02T03:04:05Z",
        },
        "tradovate_account.alice/ACME1": {
            "remote_id": "777001",
            "attributes": {"initial_balance": 50000},
            "facts": {},
            "updated_at": None,
        },
    }
    written = io.StringIO()
    out = Console(file=written, force_terminal=True, color_system="standard", soft_wrap=True)

    write_parts(out, [render_state(rows)])

    assert written.getvalue() == (
        "\x1b[2m# trader alice\x1b[0m\n\n"
        "\x1b[1mtradovate_account.alice/ACME1\x1b[0m\n"
        '    id              = "777001"\n'
        "    initial_balance = 50000\n\n"
        "\x1b[1mtradovate_user.alice\x1b[0m\x1b[1;2m (updated 2025-01-02T03:04:05Z)\x1b[0m\n"
        '    id       = "4021"\n'
        "    active   = true\n"
        '    username = "alice.smith"\n'
        "\x1b[2m    # facts\x1b[0m\n"
        "    mda_signed = false\n"
    )


def test_empty_state_says_nothing_was_applied() -> None:
    assert plain(render_state({})) == "The state is empty: nothing has been applied yet.\n"


def test_noop_changes_are_hidden_unless_asked_for() -> None:
    plan = representative_plan()
    assert "traderpal_user.dave" not in plain(render_plan(plan))
    assert "= traderpal_user.dave (no-op)" in plain(render_plan(plan, show_noop=True))


def test_plan_of_only_noops_reports_no_changes_and_no_trader_headers() -> None:
    noop = Change(at("tradovate_user.dave"), Action.NOOP, before={"a": 1}, after={"a": 1})
    assert plain(render_plan(make_plan(noop))) == "No changes. The platforms match the manifests.\n"


def test_changes_are_grouped_by_trader_in_order_of_first_appearance() -> None:
    plan = make_plan(
        Change(at("tradovate_user.zoe"), Action.CREATE, after={"n": 1}),
        Change(at("tradovate_user.adam"), Action.CREATE, after={"n": 2}),
        Change(at("tradovate_account.zoe/Z1"), Action.CREATE, after={"n": 3}),
    )
    lines = plain(render_plan(plan)).splitlines()
    order = [line for line in lines if line.startswith(("# trader", "+ "))]
    assert order == [
        "# trader zoe",
        "+ tradovate_user.zoe (create)",
        "+ tradovate_account.zoe/Z1 (create)",
        "# trader adam",
        "+ tradovate_user.adam (create)",
    ]


def test_state_listing_shows_an_unparsable_address_without_failing() -> None:
    row = {"remote_id": 5, "attributes": {}, "facts": {}, "updated_at": None}
    assert plain(render_state({"legacy": row})) == "legacy\n    id = 5\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("alice", '"alice"'),
        ('say "hi"\nbye', r'"say \"hi\"\nbye"'),
        (50000.0, "50000"),
        (0.25, "0.25"),
        (Decimal("1100.00"), "1100"),
        (42, "42"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (["a", "b"], '["a", "b"]'),
        ([], "[]"),
        ({}, "{}"),
        ([{"b": 2, "a": 1}], "[{a = 1, b = 2}]"),
        (SENSITIVE, "(sensitive)"),
        (DIGEST, "(sensitive)"),
        (["x", DIGEST], '["x", (sensitive)]'),
        ("[bold]red[/bold]", '"[bold]red[/bold]"'),
    ],
    ids=[
        "string",
        "string-escapes",
        "whole-float",
        "fraction",
        "decimal",
        "int",
        "true",
        "false",
        "null",
        "list",
        "empty-list",
        "empty-mapping",
        "mapping-in-list",
        "sensitive-marker",
        "digest",
        "digest-in-list",
        "markup-is-literal",
    ],
)
def test_attribute_values_are_formatted_like_terraform(value: object, expected: str) -> None:
    change = Change(at("tradovate_user.alice"), Action.CANCEL, before={"value": value})
    lines = plain(render_plan(make_plan(change))).splitlines()
    assert f"    - value = {expected}" in lines


def test_create_leaves_out_unset_optional_values() -> None:
    after: dict[str, object] = {"city": "Chicago", "state": None, "pre_trade_risk": []}
    after["balance"] = 0
    change = Change(at("tradovate_contact.alice"), Action.CREATE, after=after)
    lines = plain(render_plan(make_plan(change))).splitlines()
    assert '    + city           = "Chicago"' in lines or '    + city    = "Chicago"' in lines
    assert not [line for line in lines if "state" in line or "pre_trade_risk" in line]
    assert any("balance" in line and line.endswith("= 0") for line in lines)


def test_nested_mappings_are_indented_blocks_with_sorted_keys() -> None:
    after = {"contact": {"zip": "60601", "city": "Chicago", "geo": {"lon": -87.6, "lat": 41.9}}}
    change = Change(at("tradovate_contact.alice"), Action.CREATE, after=after)
    text = plain(render_plan(make_plan(change)))
    block = """\
    + contact = {
          city = "Chicago"
          geo  = {
              lat = 41.9
              lon = -87.6
          }
          zip  = "60601"
      }
"""
    assert block in text


def test_long_values_are_wrapped_but_never_truncated() -> None:
    long_value = "x" * 250
    change = Change(at("tradovate_user.alice"), Action.CREATE, after={"note": long_value})
    text = plain(render_plan(make_plan(change)))
    assert long_value in text.replace("\n", "")
    assert "…" not in text


@pytest.mark.parametrize(
    "change",
    [
        Change(at("tradovate_user.alice"), Action.CREATE, after={"password": SENSITIVE}),
        Change(
            at("tradovate_user.alice"),
            Action.UPDATE,
            before={"password": DIGEST},
            after={"password": SENSITIVE},
            changed=("password",),
        ),
        Change(
            at("tradovate_user.alice"),
            Action.REPLACE,
            before={"credentials": {"sec": DIGEST}},
            after={"credentials": {"sec": SENSITIVE}},
            changed=("credentials",),
        ),
        Change(at("tradovate_user.alice"), Action.CANCEL, before={"passwords": [DIGEST]}),
        Change(at("tradovate_user.alice"), Action.WAIT, after={"password": SENSITIVE}),
    ],
    ids=["create", "update", "replace-nested", "cancel-list", "wait"],
)
def test_sensitive_values_print_as_sensitive_and_nothing_secret_leaks(change: Change) -> None:
    text = plain(render_plan(make_plan(change), show_waits=True))
    assert "(sensitive)" in text
    assert "hmac-sha256" not in text
    assert DIGEST.removeprefix("hmac-sha256:") not in text


def test_state_listing_hides_digests() -> None:
    text = plain(render_state(recorded_state()))
    assert "    password = (sensitive)" in text.splitlines()
    assert "hmac-sha256" not in text


@pytest.mark.parametrize(
    ("action", "symbol", "colour"),
    [
        (Action.CREATE, "+", "green"),
        (Action.UPDATE, "~", "yellow"),
        (Action.REPLACE, "-/+", "magenta"),
        (Action.ENTITLE, "!", "cyan"),
        (Action.CANCEL, "-", "red"),
    ],
    ids=["create", "update", "replace", "entitle", "cancel"],
)
def test_action_symbol_is_drawn_in_its_colour(action: Action, symbol: str, colour: str) -> None:
    change = Change(at("tradovate_user.alice"), action, before={"a": 1}, after={"a": 2})
    console = Console(file=io.StringIO(), width=100, color_system="standard", force_terminal=True)
    segments = list(console.render(render_plan(make_plan(change))))
    drawn = next(segment for segment in segments if segment.text == symbol)
    assert drawn.style is not None
    assert drawn.style.color is not None
    assert drawn.style.color.name == colour


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (
            {Action.CREATE: 2, Action.UPDATE: 1, Action.ENTITLE: 1, Action.CANCEL: 1},
            "Plan: 2 to create, 1 to update, 0 to replace, 1 to entitle, 1 to cancel.",
        ),
        (
            {Action.REPLACE: 1, Action.WAIT: 2, Action.NOOP: 3},
            "Plan: 0 to create, 0 to update, 1 to replace, 0 to entitle, 0 to cancel. 2 waiting.",
        ),
        ({Action.NOOP: 4}, "No changes. The platforms match the manifests."),
        (
            {Action.WAIT: 1, Action.NOOP: 1},
            "No changes. The platforms match the manifests. 1 waiting.",
        ),
        ({}, "No changes. The platforms match the manifests."),
    ],
    ids=["changes", "changes-and-waits", "only-noops", "only-waits", "empty"],
)
def test_summary_line_counts_each_action(counts: dict[Action, int], expected: str) -> None:
    changes = [
        Change(Address("tradovate_user", f"t{action.name.lower()}{n}"), action)
        for action, count in counts.items()
        for n in range(count)
    ]
    assert summary_line(make_plan(*changes)) == expected


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            BatchStarted(
                kind="tradovate_account", action=Action.CREATE, size=100, index=3, total=12
            ),
            "[3/12] tradovate_account create: 100 items",
        ),
        (
            BatchStarted(kind="tradovate_user", action=Action.CANCEL, size=1, index=1, total=1),
            "[1/1] tradovate_user cancel: 1 item",
        ),
        (
            ItemApplied(
                address=at("tradovate_user.bob"),
                action=Action.CREATE,
                ok=False,
                error="User already exists",
            ),
            "error: tradovate_user.bob: User already exists",
        ),
        (
            ItemApplied(address=at("tradovate_user.bob"), action=Action.CREATE, ok=False),
            "error: tradovate_user.bob: failed without a message",
        ),
        (
            ItemApplied(
                address=at("tradovate_user.bob"), action=Action.CREATE, ok=True, remote_id="9"
            ),
            None,
        ),
        (
            BatchFinished(kind="tradovate_user", action=Action.UPDATE, succeeded=99, failed=1),
            "tradovate_user update: 99 succeeded, 1 failed",
        ),
        (
            ApplyFinished(succeeded=10, failed=1, skipped=2, seconds=3.24, total=13),
            "Apply finished with errors: 10 succeeded, 1 failed, 2 skipped in 3.2s.",
        ),
        (
            ApplyFinished(succeeded=9, failed=0, skipped=0, seconds=1.0, waiting=1, total=10),
            "Apply complete: 9 succeeded, 0 failed, 0 skipped, 1 still waiting in 1.0s.",
        ),
        (
            ApplyFinished(succeeded=1, failed=1, skipped=0, seconds=1.0, not_attempted=2, total=4),
            "Apply stopped after 2 of 4 changes: 1 succeeded, 1 failed, 0 skipped, "
            "2 not attempted in 1.0s.",
        ),
    ],
    ids=[
        "batch-started",
        "batch-of-one",
        "item-failed",
        "item-failed-silently",
        "item-ok",
        "batch-finished",
        "apply-finished",
        "apply-finished-waiting",
        "apply-stopped",
    ],
)
def test_events_render_as_one_plain_line(event: Event, expected: str | None) -> None:
    assert render_event(event) == expected
