"""Manifests: the YAML a firm writes, loaded and validated into the `Desired` value."""

from __future__ import annotations

from reconciler.manifest.formatter import format_manifest
from reconciler.manifest.loader import load_manifests
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
from reconciler.manifest.schema import SCHEMA_FILE, manifest_schema, schema_text

__all__ = [
    "SCHEMA_FILE",
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
    "format_manifest",
    "load_manifests",
    "manifest_schema",
    "schema_text",
]
