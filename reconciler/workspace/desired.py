"""The desired resources of every configured provider, expanded from the manifests."""

from __future__ import annotations

from itertools import chain
from operator import attrgetter

from reconciler.manifest import Trader
from reconciler.plan import Address, DesiredResource, mark_all_referenced, provider_of
from reconciler.providers import PROVIDERS
from reconciler.workspace.declared import Declared

CHUNK = 1000
"""Traders expanded at a time by `expand_consuming` (a tuning of ours: their models are
released chunk by chunk, so the models and the resources are not all in memory at once)."""


def expand_consuming(declared: Declared, traders: list[Trader]) -> dict[Address, DesiredResource]:
    """Every configured provider's desired resources of `declared` with `traders`, by
    address (values that came from a secret reference are marked sensitive), emptying the
    list as it goes: a chunk's models are released once its resources are made (when nothing
    else holds them). The resources come as one expansion of all the traders gives them:
    provider by provider, each provider's in the traders' order."""
    by_provider: dict[str, list[DesiredResource]] = {name: [] for name in declared.firm.providers}
    while traders:
        chunk = declared.with_traders(tuple(traders[:CHUNK]))
        del traders[:CHUNK]
        expanded: list[DesiredResource] = []
        ends = []
        for name, made in by_provider.items():
            expanded.extend(PROVIDERS[name].expand(chunk))
            ends.append((made, len(expanded)))
        marked = mark_all_referenced(expanded, declared.sensitive_values)
        start = 0
        for made, end in ends:
            made.extend(marked[start:end])
            start = end
        del chunk, expanded, marked
    every = list(chain.from_iterable(by_provider.values()))
    return dict(zip(map(_ADDRESS, every), every, strict=True))  # made in C


def traders_declaring(declared: Declared, traders: list[Trader], kind: str) -> frozenset[str]:
    """The traders among `traders` with a desired resource of `kind`, as `expand_consuming`
    would make them: expanded a chunk at a time by the provider owning `kind` alone, and let
    go (what `status` needs of a large firm's manifests, without the other resources)."""
    name = provider_of(kind)
    if name not in declared.firm.providers:
        return frozenset()
    found: set[str] = set()
    for start in range(0, len(traders), CHUNK):
        chunk = declared.with_traders(tuple(traders[start : start + CHUNK]))
        made = PROVIDERS[name].expand(chunk)
        found.update(r.address.trader for r in made if r.address.kind == kind)
    return frozenset(found)


_ADDRESS = attrgetter("address")


__all__ = ["expand_consuming", "traders_declaring"]
