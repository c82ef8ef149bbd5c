"""Manifest-facing models of the Tradervue provider: the firm's settings, a trader's block, and
the cross-reference checks (username rules, password, mentors)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from reconciler.manifest import Frozen, Problem, Trader
from reconciler.providers.http import PlatformUrl
from reconciler.providers.tradervue.limits import CHARTS_PER_USER, MAX_TRIAL_DAYS, USERNAME_LENGTH

PLANS = ("Free", "Silver", "Gold")
MENTOR_PLANS = frozenset({"Silver", "Gold"})
"""Plans on which a user may mentor another (the platform calls them eligible)."""
MAX_USERNAME = USERNAME_LENGTH.value
MAX_CHARTS = CHARTS_PER_USER.value
ORGANIZATION = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHITESPACE = re.compile(r"\s")

SubscriptionPlan = Literal["Free", "Silver", "Gold"]
MergeMode = Literal["normal", "force_split", "force_merge"]
ChartType = Literal["candlestick", "ohlc"]
Timeframe = Literal["r", "w", "d", "m60", "m30", "m15", "m10", "m5", "m3", "m2", "m1"]


class Endpoint(Frozen):
    """An explicit API root, e.g. a standing sandbox: `https://host/api/v1`."""

    base_url: PlatformUrl


class Credentials(Frozen):
    """The organisation manager's login (HTTP Basic). `password` is a secret."""

    username: str = Field(min_length=1, max_length=MAX_USERNAME)
    password: SecretStr


class TradervueSettings(Frozen):
    """`providers.tradervue` on the Firm.

    `organization` is the organisation's host name (`acme` for `https://acme.tradervue.com`):
    user management is only served on that host, so production needs it. `max_trial_days` is
    the organisation's maximum trial length (assumed 30: the platform does not publish it); a
    `trial_end` beyond it is refused, so plan refuses it first.
    """

    environment: Literal["sandbox", "production"] | Endpoint = "sandbox"
    organization: str | None = Field(default=None, pattern=ORGANIZATION)
    credentials: Credentials | None = None
    max_trial_days: int = Field(default=MAX_TRIAL_DAYS.value, ge=1, le=36500)

    @model_validator(mode="after")
    def _production_needs(self) -> TradervueSettings:
        if self.environment != "sandbox" and self.credentials is None:
            raise ValueError("credentials are required unless environment is sandbox")
        if self.environment == "production" and self.organization is None:
            raise ValueError("organization (the host name of your Tradervue site) is required")
        return self

    @property
    def base_url(self) -> str | None:
        """The API root for production or an explicit endpoint; None for the sandbox."""
        if isinstance(self.environment, Endpoint):
            return self.environment.base_url.rstrip("/")
        if self.environment == "production":
            return f"https://{self.organization}.tradervue.com/api/v1"
        return None


class Chart(Frozen):
    """One default chart shown on each of the user's trades."""

    type: ChartType
    timeframe: Timeframe


class UserSettings(Frozen):
    """Settings a Tradervue user is created with (the platform accepts them only then).

    `mentor` names another trader of the firm; it is sent as that trader's Tradervue id.
    """

    merge_mode: MergeMode | None = None
    commission_stocks: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    commission_options: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    commission_futures: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    mentor: str | None = Field(default=None, min_length=1, max_length=64)
    charts: list[Chart] | None = Field(default=None, max_length=MAX_CHARTS)


class TradervueTrader(Frozen):
    """A trader's `tradervue:` block. `plan` is matched case-insensitively, kept in title case."""

    plan: SubscriptionPlan
    trial_end: date | None = None
    settings: UserSettings = UserSettings()

    @field_validator("plan", mode="before")
    @classmethod
    def _title_case(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().title() in PLANS:
            return value.strip().title()
        return value

    @field_validator("trial_end", mode="before")
    @classmethod
    def _strict_date(cls, value: object) -> object:
        if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
            return value
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            return value.strip()
        raise ValueError("trial_end must be a date written YYYY-MM-DD")


def check(settings: BaseModel, block: BaseModel, trader: Trader) -> Sequence[Problem]:
    """The platform's username rule (1-40 characters, no whitespace) and a password for the
    users Tradervue will create. Mentors are checked firm-wide (`check_firm`)."""
    assert isinstance(settings, TradervueSettings)
    assert isinstance(block, TradervueTrader)
    problems: list[Problem] = []
    if len(trader.username) > MAX_USERNAME or _WHITESPACE.search(trader.username):
        problems.append(
            Problem(
                ("username",),
                f"Tradervue usernames are 1 to {MAX_USERNAME} characters without whitespace",
            )
        )
    if trader.password is None and trader.status == "active":
        problems.append(
            Problem(
                ("password",), "a password (or {generate: true}) is required for Tradervue users"
            )
        )
    return problems


def check_firm(
    settings: BaseModel, members: Sequence[tuple[Trader, BaseModel]]
) -> Sequence[tuple[str, Problem]]:
    """Each mentor is another active trader with a `tradervue:` block on Silver or Gold, and
    mentors form no cycle (a mentor's user must exist before the mentee's is created)."""
    blocks: dict[str, TradervueTrader] = {}
    active: set[str] = set()
    for trader, block in members:
        assert isinstance(block, TradervueTrader)
        blocks[trader.name] = block
        if trader.status == "active":
            active.add(trader.name)
    problems: list[tuple[str, Problem]] = []
    path = ("tradervue", "settings", "mentor")
    mentees = {name: m for name in active if (m := blocks[name].settings.mentor) is not None}
    for name in sorted(mentees):  # at scale few traders have a mentor: only theirs are looked at
        message = _mentor_problem(name, mentees[name], blocks, active)
        if message is not None:
            problems.append((name, Problem(path, message)))
    for name in _in_cycles(mentees, active):
        problems.append(
            (name, Problem(path, "mentors form a cycle (" + _cycle(name, blocks) + ")"))
        )
    return problems


def _mentor_problem(
    name: str, mentor: str, blocks: dict[str, TradervueTrader], active: set[str]
) -> str | None:
    if mentor == name:
        return "a trader cannot be their own mentor"
    if mentor not in blocks:
        return f"mentor {mentor!r} is not a declared trader with a tradervue block"
    if mentor not in active:
        return f"mentor {mentor!r} is cancelled"
    plan = blocks[mentor].plan
    if plan not in MENTOR_PLANS:
        return f"mentor {mentor!r} is on the {plan} plan; a mentor must be on Silver or Gold"
    return None


def _in_cycles(mentors: dict[str, str], active: set[str]) -> list[str]:
    """Active traders whose chain of mentors (`mentors`: each active mentee's) comes back to
    them, in name order; a trader who is their own mentor is not one (reported as such). Each
    trader is walked once: a chain of mentors as long as the firm is not walked again from each
    of its members."""
    follows = {name: m for name, m in mentors.items() if m in active and m != name}
    done: set[str] = set()
    looping: list[str] = []
    for start in follows:
        walked: dict[str, int] = {}  # this walk's traders, by their place on it
        current: str | None = start
        while current is not None and current not in done and current not in walked:
            walked[current] = len(walked)
            current = follows.get(current)
        if current is not None and current in walked:  # the walk came back on itself
            looping.extend(list(walked)[walked[current] :])
        done.update(walked)
    return sorted(looping)


def _cycle(start: str, blocks: dict[str, TradervueTrader]) -> str:
    """The cycle from `start` back to it; a long one as its first names and its length (each
    member's problem names its cycle)."""
    chain = [start]
    current = blocks[start].settings.mentor
    while current is not None and current != start and len(chain) <= _NAMED:
        chain.append(current)
        current = blocks[current].settings.mentor
    if current is None or current == start:
        return " -> ".join([*chain, start])
    length = len(chain)
    while current is not None and current != start:
        length += 1
        current = blocks[current].settings.mentor
    return " -> ".join(chain[:_NAMED]) + f" -> ... ({length} traders) -> {start}"


_NAMED = 8
"""Traders a cycle's problem names before it gives the cycle's length (assumed: a tuning of
ours; a problem per member, each naming the whole of a cycle of thousands, is unreadable)."""
