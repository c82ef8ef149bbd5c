"""Manifests: the YAML a firm writes, loaded and validated into the `Desired` value (the
formatter and the JSON schema, for `fmt` and `schema`, are loaded on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.lazy import lazy_getattr
from reconciler.manifest.countries import is_country
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
from reconciler.manifest.state_settings import read_state_settings

if TYPE_CHECKING:  # `fmt` and `schema` only: loaded on first use
    from reconciler.manifest.format_cache import FormatCache
    from reconciler.manifest.formatter import format_manifest
    from reconciler.manifest.schema import SCHEMA_FILE, manifest_schema, schema_text

_HOMES = {
    "FormatCache": "format_cache",
    "SCHEMA_FILE": "schema",
    "format_manifest": "formatter",
    "manifest_schema": "schema",
    "schema_text": "schema",
}


__getattr__ = lazy_getattr(__name__, _HOMES)


__all__ = [
    "SCHEMA_FILE",
    "SUFFIXES",
    "WORKSPACE_NAME",
    "Contact",
    "Desired",
    "Firm",
    "FormatCache",
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
    "read_state_settings",
    "schema_text",
]
