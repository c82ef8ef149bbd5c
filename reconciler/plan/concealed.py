"""Attributes filled by an `${env:}` / `${file:}` reference: sensitive wherever they land.

Such an attribute is named in the resource's `sensitive` like a password, shown `(sensitive)`,
and kept in state as its keyed digest only; unlike a password the platform shows its value, so
the remote value is digested the same way before the two are compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from pydantic import SecretStr

from reconciler.plan.resource import DesiredResource, GeneratedSecret

DIGEST_PREFIX = "hmac-sha256:"
MIN_CONTAINED = 6
"""A reference's value this long or longer is also found inside a longer text (assumed: a
shorter one, e.g. a country code, is matched only as the whole value)."""


def mark_referenced(resource: DesiredResource, values: frozenset[str]) -> DesiredResource:
    """`resource` with each attribute holding a referenced value added to `sensitive`."""
    if not values:
        return resource
    found = {
        key
        for key, value in resource.attributes.items()
        if key not in resource.sensitive and _holds(value, values)
    }
    return replace(resource, sensitive=resource.sensitive | found) if found else resource


def _holds(value: Any, values: frozenset[str]) -> bool:
    if value is None or isinstance(value, SecretStr | GeneratedSecret | bool):
        return False
    if isinstance(value, Mapping):
        return any(_holds(item, values) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds(item, values) for item in value)
    text = value if isinstance(value, str) else str(value)
    if text in values or text.casefold() in {v.casefold() for v in values}:
        return True
    return any(len(v) >= MIN_CONTAINED and v.casefold() in text.casefold() for v in values)


def is_plain_sensitive(value: Any) -> bool:
    """A value of a sensitive attribute that is neither a secret object nor a digest yet."""
    return (
        value is not None
        and not isinstance(value, SecretStr | GeneratedSecret)
        and not (isinstance(value, str) and value.startswith(DIGEST_PREFIX))
    )


def digest_value(value: Any, digest: Callable[[str], str]) -> str:
    """The keyed digest of a plain value (text as is, anything else as canonical JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return digest(text)


def conceal(
    attributes: Mapping[str, Any], keys: frozenset[str], digest: Callable[[str], str]
) -> dict[str, Any]:
    """`attributes` with the plain values of `keys` replaced by their keyed digests."""
    return {
        key: digest_value(value, digest) if key in keys and is_plain_sensitive(value) else value
        for key, value in attributes.items()
    }


__all__ = ["conceal", "digest_value", "is_plain_sensitive", "mark_referenced"]
