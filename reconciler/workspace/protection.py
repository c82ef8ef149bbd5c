"""Protection and facts: which addresses a guardrail protects (from the manifests, else the
flag state remembers), and what apply records besides attributes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from reconciler.plan import Address, Recorded, Remote, protected_addresses
from reconciler.providers import PROVIDERS
from reconciler.state import StateDocument
from reconciler.workspace.records import recorded_of

if TYPE_CHECKING:
    from reconciler.workspace.workspace import Workspace


_PROTECTED = attrgetter("protected")


def protection(
    workspace: Workspace, document: StateDocument, *, only: Collection[Address] | None = None
) -> dict[Address, str]:
    """Protected addresses and where the flag comes from: the manifests for everything a
    declared trader has (a cancelled one too), else the flag state recorded. With `only`,
    just those addresses are looked at (a targeted plan: no pass over the firm)."""
    if only is not None:
        return _protection_at(workspace, document, only)
    resources = workspace.resources
    # a declared resource without the flag gives none: only those with it are looked at again
    declared = dict.fromkeys(compress(resources, map(_PROTECTED, resources.values())), True)
    _add_inactive(workspace, declared)
    flagged = {  # only records that remember a protection flag can add to `declared`
        text: record
        for text, record in document.resources.mentioning("protected")
        if record.facts.get("protected")
    }
    remembered = recorded_of(document, flagged)
    kept = {a: r for a, r in remembered.items() if a not in resources}  # the manifests win
    return protected_addresses(declared, kept)


def _protection_at(
    workspace: Workspace, document: StateDocument, only: Collection[Address]
) -> dict[Address, str]:
    """`protection` restricted to the addresses `only`: what the manifests declare there
    (a cancelled trader's as if active), else the flag state recorded there."""
    resources = workspace.resources
    declared = {a: resources[a].protected for a in only if a in resources}
    traders = {a.trader for a in only if a not in declared}
    _add_inactive(workspace, declared, traders=traders, only=only)
    flagged = {
        text: record
        for text in (str(a) for a in only if a not in declared)
        if (record := document.resources.get(text)) is not None and record.facts.get("protected")
    }
    return protected_addresses(declared, recorded_of(document, flagged))


def _add_inactive(
    workspace: Workspace,
    declared: dict[Address, bool],
    *,
    traders: Collection[str] | None = None,
    only: Collection[Address] | None = None,
) -> None:
    """Add to `declared` the flags of what the traders not active (those among `traders`)
    would have if active, at the addresses `only` when given: a cancelled trader's
    protection still guards its objects."""
    desired = workspace.desired
    inactive = tuple(
        t.model_copy(update={"status": "active"})
        for t in desired.inactive
        if traders is None or t.name in traders
    )
    if not inactive:
        return
    shadow = desired.with_traders(inactive)
    for name in desired.firm.providers:
        for resource in PROVIDERS[name].expand(shadow):
            if only is None or resource.address in only:
                declared.setdefault(resource.address, resource.protected)


def apply_facts(
    workspace: Workspace,
    remote: Mapping[Address, Remote],
    document: StateDocument,
    *,
    only: Collection[Address] | None = None,
) -> dict[Address, dict[str, Any]]:
    """What apply records besides attributes: the refresh's observations, and each declared
    resource's protection flag (so it outlives the resource's declaration); with `only`,
    the flags of those addresses alone (a targeted apply)."""
    # a record the platform shows exactly (the refresh gives the very `Recorded` read from
    # `document`) holds every fact it shows already: nothing to remember (at scale, most)
    facts = {a: dict(r.facts) for a, r in remote.items() if r.facts and type(r) is not Recorded}
    resources = workspace.resources
    declared = (
        resources.items() if only is None else [(a, resources[a]) for a in only if a in resources]
    )
    records = document.resources
    texts = records.raw
    for address, resource in declared:
        text = str(address)
        raw = texts.get(text)
        # only a record whose text names the fact can hold it: the others are not decoded
        held = raw is not None and _PROTECTED_TEXT in raw and records.passing(text, raw).facts
        if resource.protected or (held and held.get("protected")):
            facts.setdefault(address, {})["protected"] = resource.protected
    return facts


_PROTECTED_TEXT = '"protected"'
"""How the protection fact's name is written in a stored record's text."""


__all__ = ["apply_facts", "protection"]
