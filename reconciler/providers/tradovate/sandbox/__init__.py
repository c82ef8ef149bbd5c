"""The Tradovate sandbox: a local emulator of the platform served over real HTTP (see `app`)."""

from __future__ import annotations

from reconciler.providers.tradovate.sandbox.app import (
    DEFAULT_ADMIN,
    OTHER_ADMIN,
    EndpointLimit,
    Fault,
    Limits,
    SandboxConfig,
    SandboxServer,
    Seed,
    TemplateAccount,
    Tenant,
    UserLimit,
    create_app,
    serve_sandbox,
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
