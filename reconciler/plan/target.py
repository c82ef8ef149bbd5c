"""Resource targeting: a plan limited to some addresses or traders and what they depend on."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler.errors import ReconcilerError
from reconciler.plan.action import Change
from reconciler.plan.address import Address
from reconciler.plan.plan import Plan

_TRADER = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def check_target(text: str) -> str:
    """A target as given, once it is known to be an address or a trader name.

    `tradovate_user.alice` and `tradovate_account.alice/ACME1` name one address;
    `tradovate_account.alice` also names every account of alice; `alice` names all of the
    trader's resources on every platform. Raises ValueError otherwise.
    """
    if _TRADER.match(text) and "." not in text:
        return text
    try:
        Address.parse(text)
    except ValueError:
        raise ValueError(
            f"invalid target {text!r}: expected an address such as tradovate_user.alice, "
            "tradovate_account.alice/ACME1, or a trader name"
        ) from None
    return text


def select_targets(plan: Plan, targets: Sequence[str]) -> Plan:
    """The plan limited to the changes of `targets` and, transitively, the changes they depend
    on (planned dependencies, and the cancel that performs a riding cancel, with its riders).

    Raises ReconcilerError for a target that matches no declared or recorded resource.
    """
    if not targets:
        return plan
    by_address = {change.address: change for change in plan.changes}
    chosen: set[Address] = set()
    for target in targets:
        matched = _matches(check_target(target), by_address)
        if not matched:
            raise ReconcilerError(f"target {target!r} matches no declared or recorded resource")
        chosen.update(matched)
    riders: dict[Address, list[Address]] = {}
    for change in plan.changes:
        if change.via is not None:
            riders.setdefault(change.via, []).append(change.address)
    queue = list(chosen)
    while queue:
        change = by_address[queue.pop()]
        related = [*change.depends_on, *riders.get(change.address, ())]
        if change.via is not None:
            related.append(change.via)
        for address in related:
            if address in by_address and address not in chosen:
                chosen.add(address)
                queue.append(address)
    kept = tuple(c for c in plan.changes if c.address in chosen)
    left_out = sum(1 for c in plan.changes if c.address not in chosen and c.calls_platform)
    note = f"targeting is in effect: only {', '.join(targets)} and what they depend on are planned"
    if left_out:
        note += f"; {left_out} other change(s) are left for a full plan"
    return replace(plan, changes=kept, notes=(*plan.notes, note))


def _matches(target: str, changes: Mapping[Address, Change]) -> set[Address]:
    if "." not in target:
        return {a for a in changes if a.trader == target}
    address = Address.parse(target)
    if address in changes:
        return {address}
    if address.child is None:
        return {
            a for a in changes if (a.kind, a.trader) == (address.kind, address.trader) and a.child
        }
    return set()
