"""The provider registry: platform name -> schema, capabilities and adapter factory."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from reconciler.manifest import ProviderSchema
from reconciler.plan import KindRules
from reconciler.providers.backoff import Backoff
from reconciler.providers.base import (
    Adapter,
    Batch,
    BatchItem,
    Capabilities,
    ItemResult,
    PreconditionMet,
    Provider,
    ProviderContext,
    StreamStatus,
    WatchEvent,
    WatchOptions,
    watchable,
)
from reconciler.providers.http import make_http_client
from reconciler.providers.pacing import (
    ALL,
    Pacer,
    RateLimit,
    binding_limit,
    format_duration,
    paced_here,
    seconds_needed,
)
from reconciler.providers.traderpal import PROVIDER as TRADERPAL
from reconciler.providers.tradervue import PROVIDER as TRADERVUE
from reconciler.providers.tradovate import PROVIDER as TRADOVATE

PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {
        TRADOVATE.name: TRADOVATE,
        TRADERVUE.name: TRADERVUE,
        TRADERPAL.name: TRADERPAL,
    }
)


def schemas() -> dict[str, ProviderSchema]:
    """Manifest schemas of every registered provider, for the loader."""
    return {name: provider.schema for name, provider in PROVIDERS.items()}


def kind_rules() -> dict[str, KindRules]:
    """Planner rules of every resource kind of every registered provider."""
    rules: dict[str, KindRules] = {}
    for provider in PROVIDERS.values():
        rules.update(provider.rules())
    return rules


__all__ = [
    "ALL",
    "PROVIDERS",
    "Adapter",
    "Backoff",
    "Batch",
    "BatchItem",
    "Capabilities",
    "ItemResult",
    "Pacer",
    "PreconditionMet",
    "Provider",
    "ProviderContext",
    "RateLimit",
    "StreamStatus",
    "WatchEvent",
    "WatchOptions",
    "binding_limit",
    "format_duration",
    "kind_rules",
    "make_http_client",
    "paced_here",
    "schemas",
    "seconds_needed",
    "watchable",
]
