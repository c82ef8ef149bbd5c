"""Identities never confused: an attribute that decides which platform object a trader is
(`replace_on`) and that the platform can neither change nor replace is refused when the
manifests change it, at the trader's `file:line`, before anything is read or planned."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.errors import PlanConflict
from reconciler.manifest import Source
from reconciler.plan import Action, Address, DesiredResource, KindRules, Recorded


def check_fixed_keys(
    resources: Mapping[Address, DesiredResource],
    recorded: Mapping[Address, Recorded],
    rules: Mapping[str, KindRules],
    sources: Mapping[str, Source],
) -> None:
    """Raise PlanConflict naming every trader whose fixed identity the manifests changed:
    planning it would make a second platform identity and cancel the first."""
    problems = []
    for address, resource in resources.items():
        if not resource.replace_on:
            continue  # most resources: nothing to look up
        record = recorded.get(address)
        if record is None or Action.REPLACE in rules[address.kind].actions:
            continue
        for key in sorted(resource.replace_on):
            was, now = record.attributes.get(key), resource.attributes.get(key)
            if was is None or now is None or str(was).lower() == str(now).lower():
                continue
            source = sources.get(address.trader)
            where = f"{source.path}:{source.line}: " if source is not None else ""
            problems.append(
                f"{where}{address}: {key} cannot change ({was} -> {now}): it is the platform "
                f"identity of the trader; keep {was}, or offboard the trader and declare a new one"
            )
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise PlanConflict("; ".join(problems[:3]) + more)


__all__ = ["check_fixed_keys"]
