"""Which Tradervue resources the manifests declare: one journal user per active trader with a
`tradervue:` block (`tradervue_user.<trader>`), keyed by lower-cased username."""

from __future__ import annotations

from functools import cache
from typing import Any

from reconciler.manifest import Desired, GeneratePassword, Trader
from reconciler.plan import Address, DesiredResource, GeneratedSecret, shape_of
from reconciler.providers.keys import lower
from reconciler.providers.tradervue.config import TradervueTrader, UserSettings

USER = "tradervue_user"
UPDATABLE = ("username", "email", "plan")
"""What `PUT /users/{id}` can change; everything else is accepted at creation only."""
CREATE_ONLY = frozenset({"password", "trial_end", "settings"})
SENSITIVE = frozenset({"password"})
MENTOR_REF = (("settings", "mentor"),)
"""Where a user's attributes name another trader: the mentor (recorded by trader name)."""
DEFAULT_SETTINGS = TradervueTrader.model_fields["settings"].default
"""A block without `settings:` shares this (all unset): nothing to dump."""

_generated = cache(GeneratedSecret)
"""One GeneratedSecret per length (a frozen value): not one per trader."""

USER_SHAPES = {
    (protected, has_mentor): shape_of(
        sensitive=SENSITIVE,
        create_only=CREATE_ONLY,
        protected=protected,
        trader_refs=MENTOR_REF if has_mentor else (),
    )
    for protected in (False, True)
    for has_mentor in (False, True)
}
"""A user's shape by whether it is protected and has a mentor, made once: not a mapping of
parts per user."""


def expand(desired: Desired) -> list[DesiredResource]:
    """Desired Tradervue users of every active trader with a `tradervue:` block."""
    if "tradervue" not in desired.firm.providers:
        return []
    resources: list[DesiredResource] = []
    for trader in desired.traders:
        block = trader.platforms.get("tradervue")
        if trader.status == "active" and isinstance(block, TradervueTrader):
            resources.append(user_resource(trader, block))
    return resources


def user_resource(trader: Trader, block: TradervueTrader) -> DesiredResource:
    """The trader's user; a mentor's user is a dependency (it must exist first)."""
    password: Any = trader.password
    if isinstance(password, GeneratePassword):  # not hasattr: a miss is slow on a model
        password = _generated(password.length)
    attributes: dict[str, Any] = {
        "username": trader.username,
        "email": trader.email,
        "plan": block.plan,
        "password": password,
    }
    if block.trial_end is not None:
        attributes["trial_end"] = block.trial_end.isoformat()
    if block.settings is not DEFAULT_SETTINGS:
        settings = settings_attribute(block.settings)
        if settings:
            attributes["settings"] = settings
    mentor = block.settings.mentor
    return DesiredResource(
        address=Address(USER, trader.name),
        attributes=attributes,
        natural_key=lower(trader.username),
        depends_on=(Address(USER, mentor),) if mentor is not None else (),
        shape=USER_SHAPES[trader.lifecycle.protect, mentor is not None],
    )


def settings_attribute(settings: UserSettings) -> dict[str, Any]:
    """The settings as plain JSON values (commissions as decimal strings, the mentor by
    trader name); unset keys are left out."""
    values: dict[str, Any] = {}
    for key, value in settings.model_dump(exclude_none=True).items():
        if key.startswith("commission_"):
            values[key] = format(value, "f")
        else:
            values[key] = value
    return values
