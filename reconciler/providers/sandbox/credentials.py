"""Salted password (and API secret) digests: the only form in which sandboxes keep secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_HASH_ITERATIONS = 100  # sandbox-grade: a salted digest, cheap enough for 100k users


def hash_secret(secret: str) -> str:
    """A salted PBKDF2 digest of `secret` (the only form in which passwords are kept)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, _HASH_ITERATIONS)
    return f"pbkdf2_sha256${_HASH_ITERATIONS}${salt.hex()}${digest.hex()}"


def matches_secret(secret: str, hashed: str) -> bool:
    """Whether `secret` is the one `hashed` was made from."""
    try:
        _, iterations, salt, digest = hashed.split("$")
        candidate = hashlib.pbkdf2_hmac(
            "sha256", secret.encode(), bytes.fromhex(salt), int(iterations)
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)
