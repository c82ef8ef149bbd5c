"""Nested attribute changes shown path by path (Tradervue settings and charts, pre-trade risk
lists) in the plan's text, markdown and JSON and in the drift report's field list."""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan import (
    ABSENT,
    Action,
    Change,
    Drift,
    DriftItem,
    DriftStatus,
    FieldDrift,
    PathChange,
    path_changes,
)
from reconciler.render import render_drift, render_plan, render_plan_json, render_plan_markdown
from reconciler.render.json import render_drift_json
from tests.render.test_text import at, make_plan, plain

SETTINGS_BEFORE: dict[str, Any] = {
    "merge_mode": "force_split",
    "charts": [{"symbol": "ES", "timeframe": "d"}, {"symbol": "NQ", "timeframe": "d"}],
}
SETTINGS_AFTER: dict[str, Any] = {
    "merge_mode": "force_split",
    "charts": [
        {"symbol": "ES", "timeframe": "d"},
        {"symbol": "NQ", "timeframe": "w"},
        {"symbol": "CL", "timeframe": "m"},
    ],
}
RISK_BEFORE = [{"product": "ES", "max_position": 5}, {"product": "NQ", "max_position": 2}]
RISK_AFTER = [{"product": "ES", "max_position": 3}]


def settings_update() -> Change:
    return Change(
        at("tradervue_user.bob"),
        Action.UPDATE,
        before={"plan": "Gold", "settings": SETTINGS_BEFORE},
        after={"plan": "Gold", "settings": SETTINGS_AFTER},
        changed=("settings",),
    )


def risk_replace() -> Change:
    return Change(
        at("tradovate_account.bob/ACC1"),
        Action.REPLACE,
        before={"pre_trade_risk": RISK_BEFORE},
        after={"pre_trade_risk": RISK_AFTER},
        changed=("pre_trade_risk",),
    )


def test_paths_of_a_nested_change_in_path_order() -> None:
    assert path_changes("settings", SETTINGS_BEFORE, SETTINGS_AFTER) == (
        PathChange("settings.charts[1].timeframe", "d", "w"),
        PathChange("settings.charts[2]", ABSENT, {"symbol": "CL", "timeframe": "m"}),
    )


def test_scalars_equal_values_and_mixed_kinds_have_no_paths() -> None:
    assert path_changes("plan", "Gold", "Silver") == ()
    assert path_changes("settings", SETTINGS_BEFORE, dict(SETTINGS_BEFORE)) == ()
    assert path_changes("tags", ["a"], {"a": 1}) == ()


def test_odd_keys_are_quoted_in_paths() -> None:
    changes = path_changes("settings", {"a.b": 1, "x": {"2 y": 1}}, {"a.b": 2, "x": {"2 y": 2}})
    assert [c.path for c in changes] == ['settings["a.b"]', 'settings.x["2 y"]']


PLAN_TEXT = """\
Plan: 0 to create, 1 to update, 1 to replace, 0 to entitle, 0 to cancel.

# trader bob

~ tradervue_user.bob (update)
    ~ settings.charts[1].timeframe = "d" -> "w"
    + settings.charts[2]           = {
          symbol    = "CL"
          timeframe = "m"
      }

-/+ tradovate_account.bob/ACC1 (replace)
    ~ pre_trade_risk[0].max_position = 5 -> 3 # forces replacement
    - pre_trade_risk[1]              = {
          max_position = 2
          product      = "NQ"
      } # forces replacement

Plan: 0 to create, 1 to update, 1 to replace, 0 to entitle, 0 to cancel.
"""


def test_plan_text_shows_each_changed_path() -> None:
    assert plain(render_plan(make_plan(settings_update(), risk_replace()))) == PLAN_TEXT


def test_plan_markdown_shows_each_changed_path() -> None:
    text = render_plan_markdown(make_plan(settings_update(), risk_replace()))
    body = PLAN_TEXT.split("\n\n", 2)[2].rsplit("\n\nPlan:", 1)[0]  # after the summary, header
    for block in body.split("\n\n"):
        assert block in text


def test_plan_json_lists_the_paths_of_each_change() -> None:
    document = json.loads(render_plan_json(make_plan(settings_update(), risk_replace())))
    assert [change["paths"] for change in document["changes"]] == [
        [
            {"path": "settings.charts[1].timeframe", "before": "d", "after": "w"},
            {"path": "settings.charts[2]", "after": {"symbol": "CL", "timeframe": "m"}},
        ],
        [
            {"path": "pre_trade_risk[0].max_position", "before": 5, "after": 3},
            {"path": "pre_trade_risk[1]", "before": {"product": "NQ", "max_position": 2}},
        ],
    ]


def drift() -> Drift:
    fields = (
        FieldDrift("settings", SETTINGS_BEFORE, SETTINGS_AFTER),
        FieldDrift("plan", "Gold", "Free"),
    )
    return Drift(
        items=(DriftItem(at("tradervue_user.bob"), DriftStatus.CHANGED, "7", "7", fields),),
        lineage="3f2a",
        serial=7,
        created_at="2025-01-02T03:04:05Z",
    )


def test_drift_field_list_shows_each_changed_path() -> None:
    assert plain(render_drift(drift())) == (
        "# trader bob\n"
        "\n"
        "~ tradervue_user.bob (changed outside reconciler)\n"
        '    ~ settings.charts[1].timeframe = "d" -> "w"\n'
        "    + settings.charts[2]           = {\n"
        '          symbol    = "CL"\n'
        '          timeframe = "m"\n'
        "      }\n"
        '    ~ plan                         = "Gold" -> "Free"\n'
        "\n"
        "Drift: 1 changed, 0 deleted, 0 appeared.\n"
    )


def test_drift_json_lists_the_paths_of_each_field() -> None:
    (item,) = json.loads(render_drift_json(drift()))["drift"]
    assert [field["paths"] for field in item["fields"]] == [
        [
            {"path": "settings.charts[1].timeframe", "before": "d", "after": "w"},
            {"path": "settings.charts[2]", "after": {"symbol": "CL", "timeframe": "m"}},
        ],
        [],
    ]
