"""Tradovate / NinjaTrader partner API: evaluation users, contacts, accounts, entitlements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.manifest import ProviderSchema
from reconciler.providers.base import Provider, RunningSandbox
from reconciler.providers.tradovate.adapter import ENDPOINTS, TradovateAdapter, open_adapter
from reconciler.providers.tradovate.config import (
    Credentials,
    Endpoints,
    TradovateSettings,
    TradovateTrader,
    check,
    unique_keys,
)
from reconciler.providers.tradovate.resources import expand
from reconciler.providers.tradovate.session import Domain
from reconciler.providers.tradovate.stream import websocket_url


@contextmanager
def serve_for_cli(data_path: Path | None, port: int) -> Iterator[RunningSandbox]:
    """The Tradovate sandbox for `reconciler sandbox serve` and the admin commands."""
    from reconciler.providers.tradovate.sandbox import (
        SandboxConfig,
        serve_sandbox,
    )

    with serve_sandbox(SandboxConfig(data_path=data_path), port=port) as server:
        yield server


PROVIDER = Provider(
    name="tradovate",
    schema=ProviderSchema(TradovateSettings, TradovateTrader, check, unique_keys),
    capabilities=TradovateAdapter.capabilities,
    expand=expand,
    open=open_adapter,
    sandbox=serve_for_cli,
)

__all__ = [
    "ENDPOINTS",
    "PROVIDER",
    "Credentials",
    "Domain",
    "Endpoints",
    "TradovateAdapter",
    "TradovateSettings",
    "websocket_url",
]
