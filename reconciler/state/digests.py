"""Keyed digests: how state keeps a secret (HMAC-SHA256 under the workspace's key) and the
key's fingerprint that tells a state written with another key."""

from __future__ import annotations

import hashlib
import hmac


def key_check(key: bytes) -> str:
    """A fingerprint of the digest key, safe to store: a digest of a fixed text under it."""
    return keyed_digest("reconciler key check", key=key)


def keyed_digest(value: str, *, key: bytes) -> str:
    """HMAC-SHA256 of `value` under `key`, as `hmac-sha256:<hex>`: how state keeps secrets."""
    mac = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{mac}"


__all__ = ["key_check", "keyed_digest"]
