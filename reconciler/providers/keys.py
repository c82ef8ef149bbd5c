"""How the platforms' names and e-mails are keyed: lower-cased, as the string itself when it
already is (a large listing's keys, and a large firm's natural keys: no second copy of each)."""

from __future__ import annotations


def lower(text: str) -> str:
    """`text` lower-cased, the same object when it already is."""
    lowered = text.lower()
    return text if lowered == text else lowered


__all__ = ["lower"]
