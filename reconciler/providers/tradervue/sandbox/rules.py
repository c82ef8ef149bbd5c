"""The sandbox's validation of user fields, trial ends and creation settings. Every check
returns its errors as the platform's comma-separated details (no exception, no first-error stop)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler.providers.tradervue.limits import CHARTS_PER_USER
from reconciler.providers.tradervue.sandbox.world import Entity, World

MERGE_MODES = ("normal", "force_split", "force_merge")
CHART_TYPES = ("candlestick", "ohlc")
TIMEFRAMES = ("r", "w", "d", "m60", "m30", "m15", "m10", "m5", "m3", "m2", "m1")
MAX_CHARTS = CHARTS_PER_USER.value
MENTOR_PLANS = frozenset({"Silver", "Gold"})
COMMISSIONS = ("commission_stocks", "commission_options", "commission_futures")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WHITESPACE = re.compile(r"\s")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Rules:
    """The organisation's limits (from the sandbox config)."""

    plans: tuple[str, ...]
    max_trial_days: int
    min_password: int
    max_username: int


def check_identity(
    world: World, body: Entity, rules: Rules, *, user_id: int | None, required: bool
) -> tuple[list[str], Entity]:
    """Errors and the accepted values of `username`, `email` and `plan` (title case).

    With `required`, absent fields are errors (create); otherwise only given ones are checked.
    Usernames and e-mails are unique site-wide, compared case-insensitively.
    """
    errors: list[str] = []
    accepted: Entity = {}
    for key in ("username", "email", "plan"):
        if key not in body and not required:
            continue
        value = body.get(key)
        if value is None or value == "":
            errors.append(f"{key} is required")
        elif not isinstance(value, str):
            errors.append(f"{key} must be a string")
        else:
            error = _identity_error(world, key, value, rules, user_id=user_id)
            if error:
                errors.append(error)
            else:
                accepted[key] = value.title() if key == "plan" else value
    return errors, accepted


def _identity_error(
    world: World, key: str, value: str, rules: Rules, *, user_id: int | None
) -> str | None:
    if key == "username":
        if len(value) > rules.max_username or _WHITESPACE.search(value):
            return f"username must be 1 to {rules.max_username} characters without whitespace"
        if world.by_username.get(value.lower(), user_id) != user_id:
            return "username has already been taken"
    elif key == "email":
        if not _EMAIL.match(value):
            return "email is invalid"
        if world.by_email.get(value.lower(), user_id) != user_id:
            return "email has already been taken"
    elif value.title() not in rules.plans:
        return f"plan must be one of {', '.join(rules.plans)}"
    return None


def check_password(body: Entity, rules: Rules) -> list[str]:
    value = body.get("password")
    if value is None or value == "":
        return ["password is required"]
    if not isinstance(value, str):
        return ["password must be a string"]
    if len(value) < rules.min_password:
        return [f"password is too short (minimum is {rules.min_password} characters)"]
    return []


def check_trial_end(value: Any, rules: Rules, *, today: date) -> tuple[list[str], str | None]:
    """A strict `YYYY-MM-DD` after today and at most `max_trial_days` ahead."""
    if value is None:
        return [], None
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return ["trial_end is not a valid date"], None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return ["trial_end is not a valid date"], None
    if day <= today:
        return ["trial_end must be after today"], None
    if day > today + timedelta(days=rules.max_trial_days):
        return [f"trial_end exceeds the maximum trial length ({rules.max_trial_days} days)"], None
    return [], value


def check_settings(
    world: World, value: Any, *, org: str | None = None
) -> tuple[list[str], Entity | None]:
    """Errors and the normalised settings (commissions as decimal strings, mentor as an id of
    a member of `org`)."""
    if value is None:
        return [], None
    if not isinstance(value, dict):
        return ["settings must be an object"], None
    errors: list[str] = []
    accepted: Entity = {}
    mode = value.get("merge_mode")
    if mode is not None and mode not in MERGE_MODES:
        errors.append(f"settings.merge_mode must be one of {', '.join(MERGE_MODES)}")
    accepted["merge_mode"] = mode or "normal"
    for key in COMMISSIONS:
        if key in value and value[key] is not None:
            amount = _amount(value[key])
            if amount is None:
                errors.append(f"settings.{key} must be a number >= 0")
            else:
                accepted[key] = amount
    if value.get("mentor") is not None:
        mentor = _mentor(world, value["mentor"], org)
        if mentor is None:
            errors.append("mentor is not eligible")
        else:
            accepted["mentor"] = mentor
    if value.get("charts") is not None:
        chart_errors, charts = _charts(value["charts"])
        errors += chart_errors
        accepted["charts"] = charts
    return errors, accepted


def _amount(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return format(amount, "f")


def _mentor(world: World, value: Any, org: str | None) -> int | None:
    """The mentor's id when it names an eligible member (Silver or Gold now), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int):
        return None
    user = world.member(value, org)
    if user is None or user["plan"] not in MENTOR_PLANS:
        return None
    return value


def _charts(value: Any) -> tuple[list[str], list[Entity]]:
    if not isinstance(value, list):
        return ["settings.charts must be a list"], []
    errors: list[str] = []
    if len(value) > MAX_CHARTS:
        errors.append(f"settings.charts may hold at most {MAX_CHARTS} charts")
    charts: list[Entity] = []
    for i, chart in enumerate(value):
        where = f"settings.charts[{i}]"
        if not isinstance(chart, dict):
            errors.append(f"{where} must be an object")
            continue
        if chart.get("type") not in CHART_TYPES:
            errors.append(f"{where}.type must be one of {', '.join(CHART_TYPES)}")
        if chart.get("timeframe") not in TIMEFRAMES:
            errors.append(f"{where}.timeframe must be one of {', '.join(TIMEFRAMES)}")
        charts.append({"type": chart.get("type"), "timeframe": chart.get("timeframe")})
    return errors, charts
