"""The Tradervue sandbox's user rules over real HTTP: creation (required fields, formats,
site-wide uniqueness, trial ends, settings, mentors) and partial updates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.providers.tradervue.sandbox import SandboxConfig
from tests.providers.tradervue.driver import (
    MANAGER_ID,
    OUTSIDER_ID,
    Clock,
    Driver,
    new_user,
    running,
)

TODAY = "2026-03-02"


@pytest.fixture(scope="module")
def tv() -> Iterator[Driver]:
    with running() as driver:
        yield driver


def refused(tv: Driver, body: dict[str, Any]) -> str:
    """The error text of a creation the sandbox refuses (and proof nothing was created)."""
    before = len(tv.api.get("/users").json()["users"])
    answer = tv.api.post("/users", json=body)
    assert answer.status_code == 400, answer.text
    assert len(tv.api.get("/users").json()["users"]) == before
    text = answer.json()["error"]
    assert text.startswith("Invalid request: ")
    return str(text)


def test_create_answers_201_with_location_and_id(tv: Driver) -> None:
    answer = tv.api.post("/users", json=new_user("created"))
    assert answer.status_code == 201
    user_id = answer.json()["id"]
    assert answer.json() == {"id": user_id}
    assert answer.headers["Location"] == f"{tv.server.base_url}/users/{user_id}"
    user = tv.api.get(f"/users/{user_id}").json()
    assert (user["plan"], user["billing_mode"], user["last_login"]) == ("Silver", "Managed", None)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"username": None}, "username is required"),
        ({"email": ""}, "email is required"),
        ({"plan": None}, "plan is required"),
        ({"password": None}, "password is required"),
        ({"username": 42}, "username must be a string"),
        ({"username": "has space"}, "username must be 1 to 40 characters without whitespace"),
        ({"username": "x" * 41}, "username must be 1 to 40 characters without whitespace"),
        ({"email": "not-an-email"}, "email is invalid"),
        ({"plan": "Platinum"}, "plan must be one of Free, Silver, Gold"),
        ({"password": "five5"}, "password is too short (minimum is 6 characters)"),
        ({"password": 123456}, "password must be a string"),
    ],
    ids=[
        "no-username",
        "blank-email",
        "no-plan",
        "no-password",
        "numeric-username",
        "username-with-space",
        "username-too-long",
        "bad-email",
        "unknown-plan",
        "short-password",
        "numeric-password",
    ],
)
def test_invalid_identity_is_refused(tv: Driver, fields: dict[str, Any], expected: str) -> None:
    assert refused(tv, new_user("invalid", **fields)) == f"Invalid request: {expected}"


def test_every_problem_is_joined_into_one_message(tv: Driver) -> None:
    body = {"username": "two words", "plan": "bronze", "email": "nope", "password": "x"}
    assert refused(tv, body) == (
        "Invalid request: username must be 1 to 40 characters without whitespace, "
        "email is invalid, plan must be one of Free, Silver, Gold, "
        "password is too short (minimum is 6 characters)"
    )


def test_a_40_character_username_is_accepted(tv: Driver) -> None:
    tv.create("y" * 40)


@pytest.mark.parametrize("plan", ["gold", "SILVER", "fReE"], ids=["lower", "upper", "mixed"])
def test_plans_are_case_insensitive_and_returned_in_title_case(tv: Driver, plan: str) -> None:
    user_id = tv.create(f"plan-{plan}", plan=plan)
    assert tv.api.get(f"/users/{user_id}").json()["plan"] == plan.title()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"username": "OUTSIDER"}, "username has already been taken"),
        ({"email": "Outsider@Other-Org.invalid"}, "email has already been taken"),
        ({"username": "Sandbox-Manager"}, "username has already been taken"),
    ],
    ids=["username-of-another-org", "email-of-another-org", "manager-username"],
)
def test_usernames_and_emails_are_unique_site_wide_ignoring_case(
    tv: Driver, fields: dict[str, Any], expected: str
) -> None:
    assert expected in refused(tv, new_user("unique", **fields))


def test_unknown_fields_and_billing_mode_are_ignored(tv: Driver) -> None:
    user_id = tv.create("extras", billing_mode="Tradervue CC", shoe_size=44)
    assert tv.api.get(f"/users/{user_id}").json()["billing_mode"] == "Managed"


@pytest.mark.parametrize(
    ("trial_end", "expected"),
    [
        ("2026-03-03", None),
        ("2026-04-01", None),
        ("2026-04-02", "trial_end exceeds the maximum trial length (30 days)"),
        (TODAY, "trial_end must be after today"),
        ("2025-12-31", "trial_end must be after today"),
        ("2026-02-30", "trial_end is not a valid date"),
        ("03/10/2026", "trial_end is not a valid date"),
        ("2026-3-10", "trial_end is not a valid date"),
        (20260310, "trial_end is not a valid date"),
    ],
    ids=[
        "tomorrow",
        "last-allowed-day",
        "one-day-too-far",
        "today",
        "past",
        "impossible-day",
        "us-format",
        "unpadded",
        "number",
    ],
)
def test_trial_end_rules(tv: Driver, trial_end: Any, expected: str | None) -> None:
    body = new_user(f"trial-{trial_end}".replace("/", "-"), trial_end=trial_end)
    if expected is None:
        assert tv.api.post("/users", json=body).status_code == 201
    else:
        assert refused(tv, body) == f"Invalid request: {expected}"


def test_the_maximum_trial_length_is_configurable() -> None:
    with running(SandboxConfig(max_trial_days=7)) as short:
        body = new_user("short-trial", trial_end="2026-03-10")
        assert "maximum trial length (7 days)" in refused(short, body)


def test_trial_end_follows_the_sandbox_clock() -> None:
    with running(clock=Clock()) as driver:
        driver.admin("POST", "/clock/advance", {"seconds": 40 * 86400})
        assert "after today" in refused(driver, new_user("late", trial_end="2026-04-01"))
        driver.create("later", trial_end="2026-04-20")


def test_settings_are_stored_write_only_and_normalised(tv: Driver) -> None:
    settings = {
        "merge_mode": "force_split",
        "commission_stocks": "1.01",
        "commission_options": 1.25,
        "commission_futures": 2,
        "mentor": MANAGER_ID,
        "charts": [{"type": "candlestick", "timeframe": "d"}, {"type": "ohlc", "timeframe": "m15"}],
    }
    user_id = tv.create("configured", settings=settings, trial_end="2026-03-20")
    assert "settings" not in tv.api.get(f"/users/{user_id}").json()
    debug = tv.debug("configured")
    assert debug["settings"] == {
        **settings,
        "commission_options": "1.25",
        "commission_futures": "2",
    }
    assert debug["trial_end"] == "2026-03-20"
    assert "password_hash" not in debug


def test_merge_mode_defaults_to_normal(tv: Driver) -> None:
    tv.create("defaulted", settings={"commission_stocks": "0"})
    assert tv.debug("defaulted")["settings"] == {"merge_mode": "normal", "commission_stocks": "0"}


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("fast", "settings must be an object"),
        (
            {"merge_mode": "merge"},
            "settings.merge_mode must be one of normal, force_split, force_merge",
        ),
        ({"commission_stocks": -0.01}, "settings.commission_stocks must be a number >= 0"),
        ({"commission_options": "lots"}, "settings.commission_options must be a number >= 0"),
        ({"commission_futures": True}, "settings.commission_futures must be a number >= 0"),
        ({"commission_futures": "NaN"}, "settings.commission_futures must be a number >= 0"),
        ({"charts": {"type": "ohlc"}}, "settings.charts must be a list"),
        (
            {"charts": [{"type": "ohlc", "timeframe": "d"}] * 5},
            "settings.charts may hold at most 4 charts",
        ),
        (
            {"charts": [{"type": "line", "timeframe": "d"}]},
            "settings.charts[0].type must be one of candlestick, ohlc",
        ),
        (
            {"charts": [{"type": "ohlc", "timeframe": "m45"}]},
            "settings.charts[0].timeframe must be one of "
            "r, w, d, m60, m30, m15, m10, m5, m3, m2, m1",
        ),
        ({"charts": ["d"]}, "settings.charts[0] must be an object"),
    ],
    ids=[
        "not-an-object",
        "merge-mode",
        "negative-commission",
        "text-commission",
        "boolean-commission",
        "nan-commission",
        "charts-not-a-list",
        "five-charts",
        "chart-type",
        "chart-timeframe",
        "chart-not-an-object",
    ],
)
def test_invalid_settings_are_refused(tv: Driver, settings: Any, expected: str) -> None:
    assert (
        refused(tv, new_user("bad-settings", settings=settings)) == f"Invalid request: {expected}"
    )


def test_four_charts_are_allowed(tv: Driver) -> None:
    charts = [{"type": "ohlc", "timeframe": t} for t in ("r", "w", "d", "m1")]
    tv.create("four-charts", settings={"charts": charts})


def test_a_silver_or_gold_member_may_mentor(tv: Driver) -> None:
    mentor = tv.create("mentor-silver", plan="Silver")
    tv.create("mentee-1", settings={"mentor": mentor})
    tv.create("mentee-2", settings={"mentor": str(mentor)})
    assert tv.debug("mentee-2")["settings"]["mentor"] == mentor


@pytest.mark.parametrize(
    "mentor",
    ["free", OUTSIDER_ID, 999999, "someone", True],
    ids=["free-plan", "other-organisation", "unknown-id", "not-an-id", "boolean"],
)
def test_an_ineligible_mentor_is_refused(tv: Driver, mentor: Any) -> None:
    if mentor == "free":
        mentor = tv.create("mentor-free", plan="Free")
    body = new_user("mentee-x", settings={"mentor": mentor})
    assert refused(tv, body) == "Invalid request: mentor is not eligible"


def test_a_downgraded_mentor_is_no_longer_eligible(tv: Driver) -> None:
    mentor = tv.create("mentor-downgraded", plan="Gold")
    assert tv.api.put(f"/users/{mentor}", json={"plan": "Free"}).status_code == 200
    assert "mentor is not eligible" in refused(
        tv, new_user("late-mentee", settings={"mentor": mentor})
    )


def test_update_changes_only_the_given_fields_and_answers_an_empty_200(tv: Driver) -> None:
    user_id = tv.create("partial")
    answer = tv.api.put(f"/users/{user_id}", json={"plan": "gold"})
    assert (answer.status_code, answer.content) == (200, b"")
    user = tv.api.get(f"/users/{user_id}").json()
    assert (user["username"], user["email"], user["plan"]) == (
        "partial",
        "partial@example.com",
        "Gold",
    )


def test_update_renames_and_frees_the_old_username(tv: Driver) -> None:
    user_id = tv.create("old-name")
    body = {"username": "new-name", "email": "new-name@example.com"}
    assert tv.api.put(f"/users/{user_id}", json=body).status_code == 200
    assert tv.api.get(f"/users/{user_id}").json()["username"] == "new-name"
    tv.create("old-name")  # the old username and e-mail are free again


@pytest.mark.parametrize("body", [{}, {"plan": "Silver"}], ids=["empty", "no-op"])
def test_an_empty_or_no_op_update_is_200(tv: Driver, body: dict[str, Any]) -> None:
    user_id = tv.create(f"noop-{len(body)}")
    assert tv.api.put(f"/users/{user_id}", json=body).status_code == 200


def test_update_ignores_password_trial_end_settings_and_billing_mode(tv: Driver) -> None:
    user_id = tv.create("write-once", password="first-pass")
    body = {
        "password": "second-pass",
        "trial_end": "not a date",
        "settings": {"merge_mode": "force_merge"},
        "billing_mode": "Tradervue CC",
    }
    assert tv.api.put(f"/users/{user_id}", json=body).status_code == 200
    assert tv.debug("write-once")["settings"] is None
    assert tv.api.get(f"/users/{user_id}").json()["billing_mode"] == "Managed"
    other = tv.api.get("/users", auth=("write-once", "first-pass"))
    assert other.status_code == 403  # the first password still authenticates


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"plan": "diamond"}, "plan must be one of Free, Silver, Gold"),
        ({"email": "outsider@other-org.invalid"}, "email has already been taken"),
        ({"username": "OUTSIDER"}, "username has already been taken"),
        ({"username": None}, "username is required"),
        ({"email": "bad", "plan": "x"}, "email is invalid, plan must be one of Free, Silver, Gold"),
    ],
    ids=["plan", "taken-email", "taken-username", "null-username", "several"],
)
def test_invalid_updates_are_400_and_change_nothing(
    tv: Driver, body: dict[str, Any], expected: str
) -> None:
    user_id = tv.create(f"upd-{len(tv.requests())}")
    before = tv.api.get(f"/users/{user_id}").json()
    answer = tv.api.put(f"/users/{user_id}", json=body)
    assert answer.status_code == 400
    assert answer.json() == {"error": f"Invalid request: {expected}"}
    assert tv.api.get(f"/users/{user_id}").json() == before


def test_keeping_ones_own_username_in_another_case_is_allowed(tv: Driver) -> None:
    user_id = tv.create("casey")
    assert tv.api.put(f"/users/{user_id}", json={"username": "Casey"}).status_code == 200
    assert tv.api.get(f"/users/{user_id}").json()["username"] == "Casey"


def test_the_allowed_plans_are_configurable() -> None:
    with running(SandboxConfig(plans=("Free", "Gold"))) as org:
        assert "plan must be one of Free, Gold" in refused(org, new_user("silvery"))
