"""Identities never confused: an attribute that decides which platform object a trader is
(`replace_on`) and that the platform can neither change nor replace is refused when the
manifests change it, at the trader's `file:line`, before anything is read or planned; so is a
`moved` entry that would make an account or entitlement another platform object."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import compress
from operator import attrgetter

from reconciler.errors import PlanConflict
from reconciler.manifest import Moved, Source
from reconciler.plan import Action, Address, DesiredResource, KindRules, Recorded

_REPLACE_ON = attrgetter("replace_on")


def check_fixed_keys(
    resources: Mapping[Address, DesiredResource],
    recorded: Mapping[Address, Recorded],
    rules: Mapping[str, KindRules],
    sources: Mapping[str, Source],
) -> None:
    """Raise PlanConflict naming every trader whose fixed identity the manifests changed:
    planning it would make a second platform identity and cancel the first."""
    problems = []
    replacing = resources.values()  # those with a fixed identity (users, accounts), picked in C
    for resource in compress(replacing, map(_REPLACE_ON, replacing)):
        address = resource.address
        record = recorded.get(address)
        if record is None or record.attributes is resource.attributes:
            continue  # as declared (most records): the very mapping, shared when read
        if Action.REPLACE in rules[address.kind].actions:
            continue
        for key in sorted(resource.replace_on):
            was, now = record.attributes.get(key), resource.attributes.get(key)
            if was is now or was is None or now is None or str(was).lower() == str(now).lower():
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


def check_moved_keys(
    entries: Sequence[Moved],
    sources: Sequence[Source],
    recorded: Mapping[str, str],
    resources: Mapping[Address, DesiredResource],
    kinds: Collection[str],
) -> None:
    """Raise PlanConflict for each `moved` entry between two addresses of an object inside a
    trader (an account, an entitlement) whose recorded natural key differs from the one the
    new address declares: the platform finds such an object by that key and renames none
    (Tradovate documents no account rename), so the move would create a new object and leave
    the recorded one unmanaged. `recorded` maps recorded addresses to their natural keys."""
    problems = []
    for index, entry in enumerate(entries):
        if not all(text.partition(".")[0] in kinds for text in (entry.source, entry.target)):
            continue  # a trader renamed: its objects keep their natural keys
        old, new = Address.parse(entry.source), Address.parse(entry.target)
        was, resource = recorded.get(str(old)), resources.get(new)
        if old.child is None or not was or resource is None:
            continue  # a trader's own object, applied already, or moved out of the manifests
        if was.lower() == resource.natural_key.lower():
            continue
        source = sources[index] if index < len(sources) else None
        where = f"{source.path}:{source.line}: " if source is not None else ""
        problems.append(
            f"{where}moved: {old} -> {new}: the platform knows it as {was} and cannot make "
            f"it {resource.natural_key} (no rename, no transfer); `moved` only re-addresses "
            "objects the platform keeps as they are (a trader renamed, or an address whose "
            f"object stays the same): remove the entry, and the plan cancels {old} and creates "
            f"{new}"
        )
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise PlanConflict("; ".join(problems[:3]) + more)


__all__ = ["check_fixed_keys", "check_moved_keys"]
