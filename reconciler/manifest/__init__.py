"""Manifests: the YAML a firm writes, loaded and validated into the `Desired` value."""

from __future__ import annotations

from reconciler.manifest.countries import is_country
from reconciler.manifest.formatter import format_manifest
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
from reconciler.manifest.parse_cache import ParseCache
from reconciler.manifest.schema import SCHEMA_FILE, manifest_schema, schema_text

__all__ = [
    "SCHEMA_FILE",
    "SUFFIXES",
    "WORKSPACE_NAME",
    "Contact",
    "Desired",
    "Firm",
    "Frozen",
    "GeneratePassword",
    "Lifecycle",
    "Moved",
    "ParseCache",
    "Problem",
    "ProviderSchema",
    "Source",
    "StateSettings",
    "Trader",
    "format_manifest",
    "is_country",
    "load_manifests",
    "manifest_schema",
    "schema_text",
]
