"""The world a fresh sandbox starts from: organisation, admin, templates, plans, entitlements,
and the administrators of other firms."""

from __future__ import annotations

from reconciler.providers.sandbox.credentials import hash_secret
from reconciler.providers.tradovate.sandbox.config import Seed
from reconciler.providers.tradovate.sandbox.time import iso
from reconciler.providers.tradovate.sandbox.world import Entity, World


def seeded_world(seed: Seed, *, id_start: int, now: float) -> World:
    """A world holding only what `seed` describes (nothing counts as a mutation yet)."""
    stamp = iso(now)
    world = World(
        organization={"id": seed.organization_id, "name": seed.organization_name},
        next_id=id_start,
        market_data_plan_id=seed.market_data_plan_id,
    )
    admins = [
        (seed.organization_id, seed.admin_id, seed.admin_name, seed.admin_email,
         seed.admin_password, seed.admin_sec),
        *((t.organization_id, t.admin_id, t.admin_name, t.admin_email, t.admin_password,
           t.admin_sec) for t in seed.tenants),
    ]  # fmt: skip
    data_accounts = [
        (seed.admin_id, seed.data_account_id, seed.data_account_name),
        *((t.admin_id, t.data_account_id, t.data_account_name) for t in seed.tenants),
    ]
    for admin_id, account_id, name in data_accounts:
        world.live_accounts[account_id] = _live_account(account_id, name, admin_id, stamp)
    for organization_id, admin_id, name, email, password, sec in admins:
        world.add_user(
            {
                "id": admin_id,
                "name": name,
                "email": email,
                "timestamp": stamp,
                "status": "Active",
                "professional": False,
                "organizationId": organization_id,
            },
            {
                "passwordHash": hash_secret(password),
                "secHash": hash_secret(sec),
                "firstName": "Sandbox",
                "lastName": "Admin",
                "isAdmin": True,
                "mdaSigned": False,
            },
        )
    for template in seed.templates:
        world.add_account(
            {
                "id": template.id,
                "name": template.name,
                "userId": seed.admin_id,
                "accountType": "Customer",
                "restricted": False,
                "closed": False,
                "clearingHouseId": 1,
                "riskCategoryId": template.risk_category_id,
                "autoLiqProfileId": template.auto_liq_profile_id,
                "marginAccountType": "Speculator",
                "legalStatus": "Individual",
                "timestamp": stamp,
                "readonly": False,
            },
            template=True,
        )
    world.plans = {plan["id"]: dict(plan) for plan in seed.plans}
    world.entitlements = {e["id"]: dict(e) for e in seed.entitlements}
    world.alerts = {
        seed.mda_alert_id: {
            "id": seed.mda_alert_id,
            "name": seed.mda_alert_name,
            "timestamp": stamp,
        }
    }
    world.revision = 0
    return world


def _live_account(account_id: int, name: str, admin_id: int, stamp: str) -> Entity:
    """A firm's LIVE `_DATA` account: what its traders' market data is billed to."""
    return {
        "id": account_id,
        "name": name,
        "userId": admin_id,
        "accountType": "Customer",
        "restricted": False,
        "closed": False,
        "clearingHouseId": 1,
        "marginAccountType": "Speculator",
        "legalStatus": "Corporation",
        "timestamp": stamp,
        "readonly": False,
    }
