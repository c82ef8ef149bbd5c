"""The TraderPal Connect sandbox: a local emulator of the platform over real HTTP (see `app`)."""

from __future__ import annotations

from reconciler.providers.traderpal.sandbox.app import (
    DEFAULT_API_KEY,
    OTHER_PARTNER_API_KEY,
    READ_ONLY_API_KEY,
    Fault,
    Permission,
    SandboxConfig,
    SandboxServer,
    create_app,
    serve_sandbox,
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
