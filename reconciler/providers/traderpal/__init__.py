"""TraderPal Connect users API: trader profiles, their status and identity verification."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.manifest import ProviderSchema
from reconciler.providers.base import Provider, RunningSandbox
from reconciler.providers.traderpal.adapter import TraderPalAdapter, open_adapter
from reconciler.providers.traderpal.config import TraderPalSettings, TraderPalTrader, check
from reconciler.providers.traderpal.resources import expand


@contextmanager
def serve_for_cli(data_path: Path | None, port: int) -> Iterator[RunningSandbox]:
    """The TraderPal Connect sandbox for `reconciler sandbox serve` and the admin commands."""
    from reconciler.providers.traderpal.sandbox import SandboxConfig, serve_sandbox

    with serve_sandbox(SandboxConfig(data_path=data_path), port=port) as server:
        yield server


PROVIDER = Provider(
    name="traderpal",
    schema=ProviderSchema(TraderPalSettings, TraderPalTrader, check),
    capabilities=TraderPalAdapter.capabilities,
    expand=expand,
    open=open_adapter,
    sandbox=serve_for_cli,
)

__all__ = ["PROVIDER", "TraderPalAdapter"]
