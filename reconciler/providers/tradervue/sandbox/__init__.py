"""The Tradervue sandbox: a local emulator of the platform served over real HTTP (see `app`)."""

from __future__ import annotations

from reconciler.providers.tradervue.sandbox.app import (
    DEFAULT_MANAGER,
    OTHER_MANAGER,
    Fault,
    Organization,
    Outsider,
    SandboxConfig,
    SandboxRateLimit,
    SandboxServer,
    Seed,
    create_app,
    serve_sandbox,
)

__all__ = [
    "DEFAULT_MANAGER",
    "OTHER_MANAGER",
    "Fault",
    "Organization",
    "Outsider",
    "SandboxConfig",
    "SandboxRateLimit",
    "SandboxServer",
    "Seed",
    "create_app",
    "serve_sandbox",
]
