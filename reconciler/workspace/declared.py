"""What a workspace keeps of the manifests once their resources are expanded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.manifest import Desired, Firm, Source, Trader


@dataclass(frozen=True, slots=True)
class Declared:
    """The manifests less the active traders' models: the firm, the digest and where things
    were written, every trader's name, and the traders not active (the guardrails expand those
    again, as if active). An active trader lives on in its desired resources; its manifest
    model, a tenth of a large plan's memory, is dropped."""

    firm: Firm
    digest: str
    names: tuple[str, ...]
    inactive: tuple[Trader, ...]
    cancelled: frozenset[str]
    """The traders the manifests offboard (`status: cancelled`)."""
    sources: Mapping[str, Source]
    sensitive_values: frozenset[str]
    moved_sources: tuple[Source, ...]

    @classmethod
    def of(cls, desired: Desired) -> Declared:
        return cls(
            desired.firm,
            desired.digest,
            tuple(t.name for t in desired.traders),
            tuple(t for t in desired.traders if t.status != "active"),
            frozenset(t.name for t in desired.traders if t.status == "cancelled"),
            desired.sources,
            desired.sensitive_values,
            desired.moved_sources,
        )

    def with_traders(self, traders: tuple[Trader, ...]) -> Desired:
        """The manifests as if they declared `traders` alone (to expand those again)."""
        return Desired(
            self.firm, traders, self.digest, self.sources, self.sensitive_values, self.moved_sources
        )


__all__ = ["Declared"]
