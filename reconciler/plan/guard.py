"""Guardrails on a finished plan: protected resources, and how many traders it may offboard."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.errors import CancelLimitExceeded, ProtectedResource
from reconciler.plan.action import Action, Change, of_actions
from reconciler.plan.address import Address
from reconciler.plan.plan import Plan
from reconciler.plan.resource import Recorded

FROM_MANIFESTS = "manifests"
FROM_STATE = "state"
"""Where a resource's protection was found (the values of the `protected` mapping)."""

_NAMED = 20
"""How many names an error message lists before saying how many more there are."""


def protected_addresses(
    declared: Mapping[Address, bool], recorded: Mapping[Address, Recorded]
) -> dict[Address, str]:
    """Protected addresses and where the protection comes from: `declared` (address ->
    `lifecycle.protect` as the manifests say now) wins; a recorded address the manifests no
    longer declare keeps the `protected` fact state recorded when it was applied."""
    protected = {address: FROM_MANIFESTS for address, flag in declared.items() if flag}
    for address, record in recorded.items():
        if address not in declared and record.facts.get("protected"):
            protected[address] = FROM_STATE
    return protected


RESTRICTING = {"trading": frozenset({"locked", "liquidate_only"})}
"""Attribute values that take trading away from a trader: a change to one of them counts
against `--max-cancel` like an offboarding, and renderers mark it."""


_ALTERING = frozenset({Action.UPDATE, Action.RESET})
"""The actions that can restrict trading: a change of another is passed over without a call."""
_GUARDED = frozenset({Action.CANCEL, Action.REPLACE, Action.RESET})
"""The actions refused on a protected resource."""
_CANCEL = frozenset({Action.CANCEL})


def restricts_trading(change: Change) -> bool:
    """Whether the change moves an attribute to a value in RESTRICTING."""
    if change.action not in _ALTERING or change.after is None:
        return False
    return any(
        key in change.changed and change.after.get(key) in values
        for key, values in RESTRICTING.items()
    )


def restricted_traders(plan: Plan) -> list[str]:
    """Traders whose trading the plan locks or restricts, sorted."""
    altering = of_actions(plan.changes, _ALTERING)
    return sorted({c.address.trader for c in altering if restricts_trading(c)})


def offboarded_traders(plan: Plan) -> list[str]:
    """Traders the plan cancels anything of (a user, an account, an entitlement), sorted."""
    return sorted({c.address.trader for c in of_actions(plan.changes, _CANCEL)})


def _hit(address: Address, action: Action, leaving: set[str]) -> str:
    if address.child is not None and action is Action.CANCEL and address.trader in leaving:
        return f"{address} (cancel: trader {address.trader} is offboarded)"
    return f"{address} ({action.value})"


def check_guards(plan: Plan, *, protected: Mapping[Address, str], max_cancel: int | None) -> None:
    """Refuse a plan that cancels, replaces or resets a protected resource, or that offboards
    or locks out more traders than `max_cancel` (None: no limit).

    `protected` maps each protected address to where the protection is declared:
    FROM_MANIFESTS, or FROM_STATE for a resource no longer declared (state remembers the flag).
    """
    hits = [
        (c.address, c.action) for c in of_actions(plan.changes, _GUARDED) if c.address in protected
    ]
    if hits:
        leaving = {  # traders whose user the plan cancels: everything of theirs goes
            c.address.trader for c in of_actions(plan.changes, _CANCEL) if c.address.child is None
        }
        listed = ", ".join(_hit(a, action, leaving) for a, action in hits[:_NAMED])
        more = f" and {len(hits) - _NAMED} more" if len(hits) > _NAMED else ""
        hint = (
            "each is held by its own `lifecycle: {protect: true}`, even when its trader is "
            "offboarded: set `lifecycle: {protect: false}` on it in the manifests to let it go"
        )
        if any(protected[a] == FROM_STATE for a, _ in hits):
            hint += (
                "; a resource removed from the manifests keeps the protection recorded in "
                "state: declare it again without the flag (a trader with `status: cancelled`) "
                "to let it go"
            )
        verb = (
            "cancel, replace or reset"
            if any(a is Action.RESET for _, a in hits)
            else ("cancel or replace")
        )
        raise ProtectedResource(
            f"the plan would {verb} {len(hits)} protected resource(s): {listed}{more}; {hint}"
        )
    restricted = restricted_traders(plan)
    traders = sorted({*offboarded_traders(plan), *restricted})
    if max_cancel is not None and len(traders) > max_cancel:
        listed = ", ".join(traders[:_NAMED])
        more = f" and {len(traders) - _NAMED} more" if len(traders) > _NAMED else ""
        what = "cancels resources of" if not restricted else "cancels or restricts trading of"
        raise CancelLimitExceeded(
            f"the plan {what} {len(traders)} traders ({listed}{more}), more than "
            f"--max-cancel {max_cancel} allows; review the plan, then run it again with "
            f"--max-cancel {len(traders)} if that is intended"
        )
