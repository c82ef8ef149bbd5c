"""Tradervue organisation users API: one trading-journal user per trader (plan, trial, settings,
mentor); offboarding downgrades the user to the Free plan."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.manifest import ProviderSchema
from reconciler.providers.base import Provider, RunningSandbox
from reconciler.providers.tradervue.adapter import TradervueAdapter, open_adapter
from reconciler.providers.tradervue.config import (
    TradervueSettings,
    TradervueTrader,
    check,
    check_firm,
)
from reconciler.providers.tradervue.resources import expand


@contextmanager
def serve_for_cli(data_path: Path | None, port: int) -> Iterator[RunningSandbox]:
    """The Tradervue sandbox for `reconciler sandbox serve` and the admin commands."""
    from reconciler.providers.tradervue.sandbox import SandboxConfig, serve_sandbox

    with serve_sandbox(SandboxConfig(data_path=data_path), port=port) as server:
        yield server


PROVIDER = Provider(
    name="tradervue",
    schema=ProviderSchema(TradervueSettings, TradervueTrader, check, None, check_firm),
    capabilities=TradervueAdapter.capabilities,
    expand=expand,
    open=open_adapter,
    sandbox=serve_for_cli,
)

__all__ = ["PROVIDER", "TradervueAdapter"]
