"""Which TraderPal Connect resources the manifests declare: per trader, the user (profile and
status) and the identity verification only the trader can complete.

`traderpal_user.<trader>` is found by its lower-cased e-mail. The e-mail cannot change on the
platform, so a new one replaces the user: the old user is closed (its e-mail stays reserved)
and a new one is created, which the trader must verify again.
`traderpal_verification.<trader>` is not a platform object: it follows the user's identity
verification, so that the plan shows a wait while the trader has not verified (never a
create). Once the platform shows the trader verified, apply records it with no call (a
state-only update), and it goes with the user's cancel.

Status: while a user is pending verification its remote status is not shown, so the status the
firm wants (compared with state) takes effect once the trader has verified. A user closed on
the platform cannot be reopened and its e-mail stays reserved: the plan shows that trader's
user blocked with the remedy (a new e-mail, or removing the block), never `closed -> active`,
and without a plan conflict that would hold back every other trader.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from reconciler.manifest import Desired, Trader
from reconciler.plan import Address, DesiredResource, shape_of
from reconciler.providers.keys import lower
from reconciler.providers.traderpal.config import (
    TraderPalSettings,
    TraderPalTrader,
    country_of,
    phone_of,
)

USER = "traderpal_user"
VERIFICATION = "traderpal_verification"
PROFILE = ("first_name", "last_name", "date_of_birth", "country", "phone")
"""User attributes a PATCH can change (besides `status`)."""
REPLACE_ON = frozenset({"email"})
VERIFIED: dict[str, Any] = {"verified": True}
"""The verification's one attribute, shared by every trader's (never mutated)."""

USER_SHAPES = {p: shape_of(replace_on=REPLACE_ON, protected=p) for p in (False, True)}
"""A user's shape by whether it is protected, made once: not a mapping of parts per user."""


def expand(desired: Desired) -> list[DesiredResource]:
    """Desired TraderPal resources of every active trader with a `traderpal:` block."""
    if not isinstance(desired.firm.providers.get("traderpal"), TraderPalSettings):
        return []
    resources: list[DesiredResource] = []
    dates: dict[date, str] = {}  # each date's text made once: dates of birth repeat
    for trader in desired.traders:
        block = trader.platforms.get("traderpal")
        if trader.status == "active" and isinstance(block, TraderPalTrader):
            resources.extend(trader_resources(trader, block, dates))
    return resources


def trader_resources(
    trader: Trader, block: TraderPalTrader, dates: dict[date, str] | None = None
) -> list[DesiredResource]:
    """The user and its verification; a country or phone known nowhere is not managed.
    `dates` shares the text of equal dates between calls."""
    key = lower(trader.email)
    user = Address(USER, trader.name)
    born = block.date_of_birth
    if dates is None:
        dates = {}
    born_text = dates.get(born)
    if born_text is None:
        born_text = dates[born] = born.isoformat()
    attributes: dict[str, Any] = {
        "email": key,
        "first_name": trader.first_name,
        "last_name": trader.last_name,
        "date_of_birth": born_text,
    }
    country, phone = country_of(block, trader), phone_of(block, trader)
    if country is not None:
        attributes["country"] = country
    if phone is not None:
        attributes["phone"] = phone
    attributes["status"] = block.status
    return [
        DesiredResource(
            address=user,
            attributes=attributes,
            natural_key=key,
            shape=USER_SHAPES[trader.lifecycle.protect],
        ),
        DesiredResource(
            address=Address(VERIFICATION, trader.name),
            attributes=VERIFIED,
            natural_key=key,
            depends_on=(user,),
        ),
    ]
