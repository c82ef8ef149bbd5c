"""State format migrations: each turns the raw JSON object of one format version into the
next (see `document.FORMAT_VERSION` for what each version added)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the raw JSON object of format version n into the one of version n + 1."""


def _natural_key_out_of_facts(raw: dict[str, Any]) -> dict[str, Any]:
    """1 -> 2: move `facts.natural_key` of every record to its own `natural_key` field."""
    resources = raw.get("resources")
    if not isinstance(resources, dict):
        return raw
    migrated = {}
    for address, record in resources.items():
        if isinstance(record, dict) and isinstance(record.get("facts"), dict):
            facts = dict(record["facts"])
            record = {**record, "facts": facts, "natural_key": str(facts.pop("natural_key", ""))}
        migrated[address] = record
    return {**raw, "resources": migrated}


def _created_at_from_updated_at(raw: dict[str, Any]) -> dict[str, Any]:
    """2 -> 3: give every record a `created_at`, its `updated_at` when it has none."""
    resources = raw.get("resources")
    if not isinstance(resources, dict):
        return raw
    migrated = {}
    for address, record in resources.items():
        if isinstance(record, dict) and not record.get("created_at"):
            record = {**record, "created_at": record.get("updated_at", "")}
        migrated[address] = record
    return {**raw, "resources": migrated}


def _optional_fingerprints(raw: dict[str, Any]) -> dict[str, Any]:
    """3 -> 4: nothing to change (a record's `fingerprint` is optional; a journal beside the
    state file is what older versions must not miss, hence the new version)."""
    return raw


MIGRATIONS: Mapping[int, Migration] = MappingProxyType(
    {1: _natural_key_out_of_facts, 2: _created_at_from_updated_at, 3: _optional_fingerprints}
)
"""Format migrations keyed by the version they migrate from."""


__all__ = ["MIGRATIONS", "Migration"]
