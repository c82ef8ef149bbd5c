"""The desired resources of every configured provider, expanded from the manifests."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from operator import attrgetter

from reconciler.manifest import Desired, Trader
from reconciler.plan import Address, DesiredResource, mark_all_referenced, provider_of
from reconciler.providers import PROVIDERS
from reconciler.workspace.declared import Declared

CHUNK = 1000
"""Traders expanded at a time (`_chunks_consuming`; a tuning of ours: their models are
released chunk by chunk, so the models and the resources are not all in memory at once)."""


def expand_consuming(declared: Declared, traders: list[Trader]) -> dict[Address, DesiredResource]:
    """Every configured provider's desired resources of `declared` with `traders`, by
    address (values that came from a secret reference are marked sensitive), emptying the
    list as it goes: a chunk's models are released once its resources are made (when nothing
    else holds them). The resources come as one expansion of all the traders gives them:
    provider by provider, each provider's in the traders' order."""
    by_provider: dict[str, list[DesiredResource]] = {name: [] for name in declared.firm.providers}
    for chunk in _chunks_consuming(declared, traders):
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
        del chunk, expanded, marked  # before the next chunk is made
    every = list(chain.from_iterable(by_provider.values()))
    return dict(zip(map(_ADDRESS, every), every, strict=True))  # made in C


def traders_declaring(declared: Declared, traders: list[Trader], kind: str) -> frozenset[str]:
    """The traders among `traders` with a desired resource of `kind`, as `expand_consuming`
    would make them: expanded a chunk at a time by the provider owning `kind` alone, and let
    go, the list emptied as it goes (what `status` needs of a large firm's manifests, without
    the other resources)."""
    name = provider_of(kind)
    if name not in declared.firm.providers:
        return frozenset()
    found: set[str] = set()
    for chunk in _chunks_consuming(declared, traders):
        made = PROVIDERS[name].expand(chunk)
        found.update(r.address.trader for r in made if r.address.kind == kind)
        del chunk, made  # before the next chunk is made
    return frozenset(found)


def _chunks_consuming(declared: Declared, traders: list[Trader]) -> Iterator[Desired]:
    """The manifests as if they declared CHUNK of `traders` at a time, each chunk taken out
    of the list as it is given: its models go once the caller lets the chunk go."""
    while traders:
        chunk = declared.with_traders(tuple(traders[:CHUNK]))
        del traders[:CHUNK]
        yield chunk
        del chunk


_ADDRESS = attrgetter("address")


__all__ = ["expand_consuming", "traders_declaring"]
