"""State records as the orchestration reads them: by address, pending operations, stamps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from reconciler.plan import Address, Recorded
from reconciler.state import ResourceState, StateDocument


def recorded_of(
    document: StateDocument, records: Mapping[str, ResourceState] | None = None
) -> dict[Address, Recorded]:
    """The document's records (or those of `records`) by address."""
    recorded = {}
    for text, r in (document.resources if records is None else records).items():
        address = Address.parse(text)
        recorded[address] = Recorded(address, r.remote_id, r.attributes, r.facts, r.natural_key)
    return recorded


def pending_of(document: StateDocument) -> list[tuple[Address, str]]:
    """The pending operations of an interrupted apply: (address, action) each."""
    return [(Address.parse(op.address), op.action) for op in document.pending.values()]


def trader_of(address: str) -> str:
    """The trader an audit entry's address names ("" for an entry about the whole state)."""
    try:
        return Address.parse(address).trader
    except ValueError:
        return ""  # an entry about the whole state (a push)


def is_digested(value: object) -> bool:
    """Whether a recorded value is a keyed digest (state keeps those instead of secrets)."""
    return isinstance(value, str) and value.startswith("hmac-sha256:")


def timestamp(clock: Callable[[], float]) -> str:
    """The clock's time as an ISO 8601 UTC timestamp to the second."""
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds")


__all__ = ["is_digested", "pending_of", "recorded_of", "timestamp", "trader_of"]
