"""The TraderPal Connect sandbox: a local emulator of the platform over real HTTP
(`docs/sandboxes/traderpal.md`)."""

from __future__ import annotations

from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.traderpal.sandbox.app import SandboxServer, create_app, serve_sandbox
from reconciler.providers.traderpal.sandbox.config import (
    DEFAULT_API_KEY,
    OTHER_PARTNER_API_KEY,
    READ_ONLY_API_KEY,
    Permission,
    SandboxConfig,
)

__all__ = [
    "DEFAULT_API_KEY",
    "OTHER_PARTNER_API_KEY",
    "READ_ONLY_API_KEY",
    "Fault",
    "Permission",
    "SandboxConfig",
    "SandboxServer",
    "create_app",
    "serve_sandbox",
]
