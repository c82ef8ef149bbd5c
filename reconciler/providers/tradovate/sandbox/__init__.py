"""The Tradovate sandbox: a local emulator of the platform served over real HTTP
(`docs/sandboxes/tradovate.md`)."""

from __future__ import annotations

from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.tradovate.sandbox.app import SandboxServer, create_app, serve_sandbox
from reconciler.providers.tradovate.sandbox.config import (
    DEFAULT_ADMIN,
    OTHER_ADMIN,
    EndpointLimit,
    Limits,
    SandboxConfig,
    Seed,
    TemplateAccount,
    Tenant,
    UserLimit,
)

__all__ = [
    "DEFAULT_ADMIN",
    "OTHER_ADMIN",
    "EndpointLimit",
    "Fault",
    "Limits",
    "SandboxConfig",
    "SandboxServer",
    "Seed",
    "TemplateAccount",
    "Tenant",
    "UserLimit",
    "create_app",
    "serve_sandbox",
]
