"""Manifests: the YAML a firm writes, loaded and validated into the `Desired` value."""

from __future__ import annotations

from reconciler.manifest.loader import SUFFIXES, load_manifests
from reconciler.manifest.models import (
    WORKSPACE_NAME,
    Contact,
    Desired,
    Firm,
    Frozen,
    GeneratePassword,
    Lifecycle,
    Moved,
    Problem,
    ProviderSchema,
    Source,
    StateSettings,
    Trader,
)

__all__ = [
    "SUFFIXES",
    "WORKSPACE_NAME",
    "Contact",
    "Desired",
    "Firm",
    "Frozen",
    "GeneratePassword",
    "Lifecycle",
    "Moved",
    "Problem",
    "ProviderSchema",
    "Source",
    "StateSettings",
    "Trader",
    "load_manifests",
]
