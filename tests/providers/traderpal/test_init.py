"""The TraderPal Connect registry entry: schema, planner rules and the sandbox for the CLI."""

from __future__ import annotations

from pathlib import Path

import httpx

from reconciler.plan.action import Action
from reconciler.providers import PROVIDERS
from reconciler.providers.traderpal import PROVIDER
from reconciler.providers.traderpal.sandbox import DEFAULT_API_KEY
from tests.providers.traderpal.conftest import user_body


def test_the_provider_is_registered_under_its_name() -> None:
    assert PROVIDERS["traderpal"] is PROVIDER


def test_planner_rules_let_the_verification_ride_along_on_the_user_cancel() -> None:
    rules = PROVIDER.rules()
    assert list(rules) == ["traderpal_user", "traderpal_verification"]
    assert rules["traderpal_user"].actions == {
        Action.CREATE,
        Action.UPDATE,
        Action.REPLACE,
        Action.CANCEL,
    }
    assert rules["traderpal_verification"].actions == {Action.UPDATE, Action.CANCEL}
    assert rules["traderpal_verification"].followed
    assert not rules["traderpal_user"].followed
    assert rules["traderpal_verification"].parent == "traderpal_user"
    assert "closed for good" in (rules["traderpal_user"].cancel_note or "")


def test_the_cli_sandbox_serves_its_data_file_and_says_how_to_point_at_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "traderpal.json"
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    with PROVIDER.sandbox(data, 0) as server:
        settings = server.firm_settings()
        base_url = settings["environment"]["base_url"]
        assert base_url == server.url
        assert settings["api_key"] == DEFAULT_API_KEY
        created = httpx.post(f"{base_url}/v1/users", json=user_body(), headers=headers)
    assert created.status_code == 201
    assert created.json()["userId"] in data.read_text()
