"""Markdown for PR comments: golden plan and drift documents, the size bound for a large plan,
highlighted cancels, and no secrets.

Golden files live in tests/render/expected/; rewrite them after an intended change with
`UPDATE_GOLDEN=1 python -m pytest tests/render` and review the diff.
"""

from __future__ import annotations

import re

from reconciler.plan import (
    SENSITIVE,
    Action,
    Address,
    Change,
    Drift,
    DriftItem,
    DriftStatus,
    FieldDrift,
    Plan,
)
from reconciler.render import (
    COMMENT_LIMIT,
    markdown_size,
    render_drift,
    render_drift_markdown,
    render_plan_markdown,
    render_state_markdown,
)
from tests.render.test_text import DIGEST, assert_golden, make_plan, plain, representative_plan


def at(text: str) -> Address:
    return Address.parse(text)


def representative_drift() -> Drift:
    return Drift(
        items=(
            DriftItem(
                at("tradovate_user.alice"),
                DriftStatus.CHANGED,
                "4021",
                "4021",
                (
                    FieldDrift("email", "alice@example.com", "alice@evil.example"),
                    FieldDrift("password", DIGEST, "hmac-sha256:ffff"),
                ),
            ),
            DriftItem(
                at("tradovate_account.alice/ACME50K1001"),
                DriftStatus.CHANGED,
                "777001",
                "777001",
                (
                    FieldDrift(
                        "post_trade_risk",
                        {"daily_loss_auto_liq": 1100, "trailing_max_drawdown": 2500},
                        {"daily_loss_auto_liq": 900, "trailing_max_drawdown": 2500},
                    ),
                ),
            ),
            DriftItem(at("tradovate_account.bob/ACME50K1002"), DriftStatus.DELETED, "777002"),
            DriftItem(
                at("tradervue_user.bob"),
                DriftStatus.CHANGED,
                "tv-1",
                "tv-9",
                (FieldDrift("id", "tv-1", "tv-9"),),
            ),
            DriftItem(at("tradovate_user.erin"), DriftStatus.APPEARED, remote_id="5150"),
        ),
        lineage="3f2a",
        serial=7,
        created_at="2025-01-02T03:04:05Z",
        notes=("1 operation(s) of an interrupted apply are pending",),
    )


def test_plan_with_every_action_matches_golden_markdown() -> None:
    assert_golden("plan.md", render_plan_markdown(representative_plan()))


def test_empty_plan_matches_golden_markdown() -> None:
    assert_golden("plan_empty.md", render_plan_markdown(make_plan()))


def test_drift_matches_golden_markdown_and_text() -> None:
    assert_golden("drift.md", render_drift_markdown(representative_drift()))
    assert_golden("drift.txt", plain(render_drift(representative_drift())))


def test_no_drift_says_so() -> None:
    empty = Drift((), "3f2a", 7, "2025-01-02T03:04:05Z")
    assert "**No drift. The platforms match the recorded state.**" in render_drift_markdown(empty)
    assert plain(render_drift(empty)) == "No drift. The platforms match the recorded state.\n"


def test_cancels_are_called_out_and_their_traders_come_first() -> None:
    text = render_plan_markdown(representative_plan())
    assert "> **Cancels for 1 trader(s):** `carol`." in text
    assert "| **\u26a0\ufe0f 2** |" in text  # the cancel column of tradovate
    sections = re.findall(r"<summary><b>(\w+)</b>: ([^<]*)</summary>", text)
    assert sections[0] == ("carol", "\u26a0\ufe0f 2 to cancel")
    assert [name for name, _ in sections] == ["carol", "bob", "alice"]


def test_markdown_never_shows_a_secret_or_its_digest() -> None:
    plan = make_plan(
        Change(at("tradovate_user.zed"), Action.CANCEL, before={"password": DIGEST}),
        Change(at("tradovate_user.amy"), Action.CREATE, after={"password": SENSITIVE}),
    )
    for text in (render_plan_markdown(plan), render_drift_markdown(representative_drift())):
        assert "hmac-sha256" not in text
        assert "(sensitive)" in text


def test_code_blocks_are_fenced_beyond_any_backticks_in_values() -> None:
    plan = make_plan(Change(at("tradovate_user.amy"), Action.CREATE, after={"note": "a ```b```"}))
    text = render_plan_markdown(plan)
    assert "````diff\n" in text
    assert text.count("````") == 2


def test_notes_are_escaped() -> None:
    text = render_plan_markdown(make_plan(notes=("<script>x</script> & more",)))
    assert "> - &lt;script&gt;x&lt;/script&gt; &amp; more" in text


def large_plan(traders: int) -> Plan:
    """Per trader: create a user and two accounts; every tenth trader is offboarded instead."""
    changes: list[Change] = []
    for index in range(traders):
        name = f"trader{index:05}"
        user = at(f"tradovate_user.{name}")
        if index % 10 == 0:
            changes.append(
                Change(user, Action.CANCEL, before={"username": name, "password": DIGEST})
            )
            changes.append(
                Change(at(f"tradovate_account.{name}/A{index}"), Action.CANCEL, via=user)
            )
            continue
        changes.append(
            Change(
                user,
                Action.CREATE,
                after={"username": name, "email": f"{name}@example.com", "password": SENSITIVE},
            )
        )
        for account in ("E", "F"):
            changes.append(
                Change(
                    at(f"tradovate_account.{name}/{account}{index}"),
                    Action.CREATE,
                    after={
                        "name": f"{account}{index}",
                        "initial_balance": 50000,
                        "post_trade_risk": {"daily_loss_auto_liq": 1100},
                    },
                    depends_on=(user,),
                )
            )
    return make_plan(*changes)


def test_a_plan_of_5000_traders_fits_a_comment_with_a_complete_summary() -> None:
    plan = large_plan(5000)
    text = render_plan_markdown(plan)
    assert markdown_size(text) <= COMMENT_LIMIT
    assert (
        "**Plan: 13500 to create, 0 to update, 0 to replace, 0 to entitle, 1000 to cancel.**"
        in text
    )
    assert "| **total** | 13500 | 0 | 0 | 0 | **\u26a0\ufe0f 1000** | 0 |" in text
    assert "> **Cancels for 500 trader(s):**" in text
    shown = re.findall(r"<summary><b>(\w+)</b>", text)
    hidden = re.search(r"(\d+) more trader\(s\) with (\d+) change\(s\) are not shown", text)
    assert hidden is not None
    assert len(shown) + int(hidden.group(1)) == 5000
    shown_changes = sum(
        len(re.findall(r"^[-+] tradovate_\w+\.\w+", block, re.M))
        for block in text.split("<details>")[1:]
    )
    assert shown_changes + int(hidden.group(2)) == 14500
    assert shown[:3] == ["trader00000", "trader00010", "trader00020"], "cancels come first"
    assert text.rstrip().endswith("</sub>")


def test_the_size_bound_holds_for_any_limit_and_sections_are_never_cut() -> None:
    plan = large_plan(300)
    for limit in (20_000, 30_000, COMMENT_LIMIT):
        text = render_plan_markdown(plan, max_chars=limit)
        assert markdown_size(text) <= limit
        assert text.count("<details>") == text.count("</details>")
        assert text.count("```diff") * 2 == text.count("```")


def test_a_small_plan_is_shown_whole() -> None:
    text = render_plan_markdown(large_plan(20))
    assert text.count("<details>") == 20
    assert "not shown" not in text


def test_state_markdown_lists_addresses_within_the_bound() -> None:
    rows = {
        f"tradovate_user.t{i:05}": {"remote_id": str(i), "updated_at": "2025-01-01T00:00:00Z"}
        for i in range(5000)
    }
    text = render_state_markdown(rows, serial=3)
    assert markdown_size(text) <= COMMENT_LIMIT
    assert "**5000 resource(s) recorded** (serial 3)." in text
    assert "| `tradovate_user.t00000` | `0` | `2025-01-01T00:00:00Z` |" in text
    assert re.search(r"\*\*\d+ more resource\(s\) are not shown\.\*\*", text)
