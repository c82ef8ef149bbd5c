"""Generated passwords sealed to the firm's public key (libsodium sealed boxes, X25519 +
XSalsa20-Poly1305): whoever applies can seal but not open them; only the holder of the private
key (the onboarding mailer's host) can. Keys are written as base64 text."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from typing import Any

from reconciler.errors import ReconcilerError

KEY_BYTES = 32
FIELDS = ("trader", "platform", "username", "email", "password", "created_at")


def decode_key(text: str, *, what: str) -> bytes:
    """The 32 bytes of a base64 key; ReconcilerError naming `what` (never the text) if not."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ReconcilerError(f"{what} is not a base64 key of {KEY_BYTES} bytes")
    return raw


def generate_keys() -> tuple[str, str]:
    """A new (public, private) key pair as base64 text."""
    from nacl.public import PrivateKey  # loaded only by commands that seal or open

    private = PrivateKey.generate()
    return _text(bytes(private.public_key)), _text(bytes(private))


def seal_rows(rows: Sequence[Sequence[str]], *, public_key: bytes) -> list[tuple[str, bytes]]:
    """One (record id, sealed JSON) per hand-out row."""
    from nacl.public import PublicKey, SealedBox

    box = SealedBox(PublicKey(public_key))
    return [
        (uuid.uuid4().hex, box.encrypt(json.dumps(dict(zip(FIELDS, row, strict=True))).encode()))
        for row in rows
    ]


def open_records(
    records: Sequence[tuple[str, bytes]], *, private_key: bytes
) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """(id, row) of each record this key opens, and how many it cannot open (sealed to
    another key, or damaged)."""
    from nacl.exceptions import CryptoError
    from nacl.public import PrivateKey, SealedBox

    box = SealedBox(PrivateKey(private_key))
    opened: list[tuple[str, dict[str, Any]]] = []
    refused = 0
    for record_id, sealed in records:
        try:
            row = json.loads(box.decrypt(sealed))
        except (CryptoError, ValueError):
            refused += 1
            continue
        opened.append((record_id, row))
    return opened, refused


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


__all__ = ["FIELDS", "decode_key", "generate_keys", "open_records", "seal_rows"]
