"""Platform limits and rules as facts: each one documented (with the document that states it)
or assumed (no platform document states it: the sandbox and the client share one guess, and
whatever shows it to a user says so)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Fact", "assumed", "documented"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One number a platform imposes; `source` cites the document, or says why it is assumed."""

    value: int
    source: str
    is_assumed: bool

    @property
    def basis(self) -> str:
        """`documented` or `assumed`, as tables and notes print it."""
        return "assumed" if self.is_assumed else "documented"


def documented(value: int, source: str) -> Fact:
    """A limit a platform document states; `source` names the page (and section)."""
    return Fact(value, source, is_assumed=False)


def assumed(value: int, why: str) -> Fact:
    """A limit no platform document states; `why` says what is missing and where the value
    came from."""
    return Fact(value, why, is_assumed=True)
