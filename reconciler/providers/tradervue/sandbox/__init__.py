"""The Tradervue sandbox: a local emulator of the platform served over real HTTP
(`docs/sandboxes/tradervue.md`)."""

from __future__ import annotations

from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.tradervue.sandbox.app import SandboxServer, create_app, serve_sandbox
from reconciler.providers.tradervue.sandbox.config import (
    DEFAULT_MANAGER,
    OTHER_MANAGER,
    Organization,
    Outsider,
    SandboxConfig,
    SandboxRateLimit,
    Seed,
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
