"""JSON output: the documented shapes of plans, drift reports and state, without secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler import json_text
from reconciler.plan import SENSITIVE, Action, PlanOptions
from reconciler.render import (
    JSON_FORMAT_VERSION,
    plan_json_parts,
    render_drift_json,
    render_plan_json,
    render_state_json,
    state_json_parts,
)
from reconciler.render import json as json_module
from tests.render.test_markdown import representative_drift
from tests.render.test_text import DIGEST, recorded_state, representative_plan

PLAN_KEYS = {
    "format_version",
    "kind",
    "created_at",
    "state",
    "manifest_digest",
    "has_changes",
    "summary",
    "platforms",
    "offboarded_traders",
    "restricted_traders",
    "notes",
    "changes",
}
CHANGE_KEYS = {
    "address",
    "provider",
    "trader",
    "action",
    "before",
    "after",
    "changed",
    "reason",
    "via",
    "depends_on",
    "remote_id",
    "paths",
    "probe",
}


def test_plan_json_has_the_documented_shape() -> None:
    document = json.loads(render_plan_json(representative_plan()))
    assert set(document) == PLAN_KEYS
    assert (document["format_version"], document["kind"]) == (JSON_FORMAT_VERSION, "plan")
    assert document["state"] == {"lineage": "3f2a", "serial": 7}
    assert document["has_changes"] is True
    assert document["summary"] == {
        "create": 2,
        "update": 1,
        "replace": 1,
        "entitle": 1,
        "reset": 0,
        "cancel": 2,
        "wait": 1,
        "no-op": 1,
    }
    assert document["platforms"]["tradervue"]["update"] == 1
    assert document["platforms"]["traderpal"]["no-op"] == 1
    assert document["offboarded_traders"] == ["carol"]
    assert all(set(change) == CHANGE_KEYS for change in document["changes"])
    account = next(c for c in document["changes"] if c["address"].endswith("ACME50K1001"))
    assert account["depends_on"] == ["tradovate_user.alice"]
    assert (account["provider"], account["trader"], account["action"]) == (
        "tradovate",
        "alice",
        "create",
    )
    rider = next(c for c in document["changes"] if c["via"])
    assert rider["via"] == "tradovate_user.carol"


def test_no_ops_are_listed_only_when_asked_for_but_always_counted() -> None:
    hidden = json.loads(render_plan_json(representative_plan()))
    shown = json.loads(render_plan_json(representative_plan(), show_noop=True))
    assert Action.NOOP.value not in {c["action"] for c in hidden["changes"]}
    assert Action.NOOP.value in {c["action"] for c in shown["changes"]}
    assert hidden["summary"]["no-op"] == shown["summary"]["no-op"] == 1
    saved = json.loads(render_plan_json(representative_plan(), hidden_noops=40))
    assert saved["summary"]["no-op"] == 41


def test_a_saved_plan_also_shows_its_options() -> None:
    options = PlanOptions(adopt=False, targets=("alice",), max_cancel=3)
    document = json.loads(render_plan_json(representative_plan(), options=options))
    assert document["options"] == {"adopt": False, "targets": ["alice"], "max_cancel": 3}


def test_json_never_holds_a_secret_digest() -> None:
    for text in (
        render_plan_json(representative_plan(), show_noop=True),
        render_drift_json(representative_drift()),
        render_state_json(recorded_state(), serial=2),
    ):
        assert DIGEST not in text
        assert "hmac-sha256" not in text
        assert "(sensitive)" in text


def test_drift_json_has_the_documented_shape() -> None:
    document = json.loads(render_drift_json(representative_drift()))
    assert set(document) == {
        "format_version",
        "kind",
        "created_at",
        "state",
        "has_drift",
        "summary",
        "platforms",
        "notes",
        "drift",
    }
    assert document["kind"] == "drift"
    assert document["summary"] == {"changed": 3, "deleted": 1, "appeared": 1}
    assert document["platforms"]["tradovate"] == {"changed": 2, "deleted": 1, "appeared": 1}
    first = document["drift"][0]
    assert first["address"] == "tradovate_user.alice"
    assert first["fields"][0] == {
        "name": "email",
        "recorded": "alice@example.com",
        "remote": "alice@evil.example",
        "paths": [],
    }
    deleted = next(d for d in document["drift"] if d["status"] == "deleted")
    assert (deleted["recorded_id"], deleted["remote_id"], deleted["fields"]) == ("777002", None, [])


def test_state_json_lists_resources_by_address() -> None:
    document = json.loads(render_state_json(recorded_state(), serial=2))
    assert (document["kind"], document["serial"]) == ("state", 2)
    alice = document["resources"]["tradovate_user.alice"]
    assert alice["remote_id"] == "4021"
    assert alice["attributes"]["password"] == "(sensitive)"


@pytest.mark.parametrize("streamed", [1, 2])
def test_the_plan_and_the_state_written_a_part_at_a_time_are_the_documents_written_whole(
    monkeypatch: pytest.MonkeyPatch, streamed: int
) -> None:
    plan, state = representative_plan(), recorded_state()
    options = PlanOptions(adopt=True, targets=("alice",), max_cancel=3)
    whole_plan = render_plan_json(plan, show_noop=True, options=options, hidden_noops=2)
    whole_state = render_state_json(state, serial=4)
    monkeypatch.setattr(json_text, "STREAMED", streamed)

    plan_parts = list(plan_json_parts(plan, show_noop=True, options=options, hidden_noops=2))
    state_parts = list(state_json_parts(state, serial=4))

    assert "".join(plan_parts) == whole_plan
    assert "".join(state_parts) == whole_state
    assert len(plan_parts) > 3
    assert len(state_parts) > 3


PLAIN_WITH_SECRETS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from([SENSITIVE, "hmac-sha256:ab12", "x hmac-sha256:ab12", "(sensitive) x"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(value=st.dictionaries(st.text(), PLAIN_WITH_SECRETS, max_size=6))
def test_plain_values_are_made_safe_as_every_value_is(value: dict[str, Any]) -> None:
    """A state row or a plan's values without a marker or a digest are written as they are,
    found without a walk; with one anywhere, each is `(sensitive)` as `_safe` makes it."""
    assert json_module._safe_plain(value) == json_module._safe(value)
