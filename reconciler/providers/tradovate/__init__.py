"""Tradovate / NinjaTrader partner API: evaluation users, contacts, accounts, entitlements."""

from __future__ import annotations

from reconciler.manifest.models import ProviderSchema
from reconciler.providers.base import Provider
from reconciler.providers.tradovate.adapter import TradovateAdapter, open_adapter
from reconciler.providers.tradovate.config import (
    TradovateSettings,
    TradovateTrader,
    check,
    unique_keys,
)
from reconciler.providers.tradovate.resources import expand

PROVIDER = Provider(
    name="tradovate",
    schema=ProviderSchema(TradovateSettings, TradovateTrader, check, unique_keys),
    capabilities=TradovateAdapter.capabilities,
    expand=expand,
    open=open_adapter,
)

__all__ = ["PROVIDER", "TradovateAdapter"]
