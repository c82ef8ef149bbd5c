"""Manifests: the YAML a firm writes, loaded and validated into the `Desired` value."""

from __future__ import annotations

from reconciler.manifest.loader import SUFFIXES, load_manifests
from reconciler.manifest.models import (
    Contact,
    Desired,
    Firm,
    Frozen,
    GeneratePassword,
    Lifecycle,
    Problem,
    ProviderSchema,
    Source,
    Trader,
)

__all__ = [
    "SUFFIXES",
    "Contact",
    "Desired",
    "Firm",
    "Frozen",
    "GeneratePassword",
    "Lifecycle",
    "Problem",
    "ProviderSchema",
    "Source",
    "Trader",
    "load_manifests",
]
