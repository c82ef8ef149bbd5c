"""Drift: how the platforms differ from the recorded state, whatever the manifests say now."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.plan.address import Address
from reconciler.plan.resource import Recorded, Remote


class DriftStatus(StrEnum):
    """How one address drifted."""

    CHANGED = "changed"
    """Recorded, and the platform shows other values (or another object under its key)."""
    DELETED = "deleted"
    """Recorded, and the platform no longer has it."""
    APPEARED = "appeared"
    """Declared but not recorded, and an object with its natural key exists on the platform."""


@dataclass(frozen=True, slots=True)
class FieldDrift:
    """One attribute whose remote value differs from the recorded one (`id`: the remote id)."""

    name: str
    recorded: Any
    remote: Any


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One drifted address; `fields` is empty unless the status is CHANGED."""

    address: Address
    status: DriftStatus
    recorded_id: str | None = None
    remote_id: str | None = None
    fields: tuple[FieldDrift, ...] = ()


@dataclass(frozen=True, slots=True)
class Drift:
    """The drift report: items sorted by address, what state it was checked against, notes."""

    items: tuple[DriftItem, ...]
    lineage: str
    serial: int
    created_at: str
    notes: tuple[str, ...] = ()

    @property
    def has_drift(self) -> bool:
        return bool(self.items)

    def counts(self) -> Counter[DriftStatus]:
        return Counter(item.status for item in self.items)


def detect_drift(
    recorded: Mapping[Address, Recorded],
    remote: Mapping[Address, Remote],
    *,
    declared: Iterable[Address],
    lineage: str,
    serial: int,
    created_at: str,
    notes: tuple[str, ...] = (),
    followed: frozenset[str] = frozenset(),
) -> Drift:
    """Compare each recorded object with what refresh found, and report declared objects
    found remotely that state does not know. Only attributes both sides hold are compared:
    the platform cannot show secrets, and state keeps only their digests. A recorded object
    the platform shows as waiting on a precondition (`blocked`) has not drifted. Nor has a
    `followed` kind the platform now shows: a wait resolved (a trader verified their
    identity), which the next apply records; it is named in a note, like a signature that
    lets a waiting entitlement be granted, which is no drift either."""
    items: list[DriftItem] = []
    resolved: list[Address] = []
    for address, record in recorded.items():
        now = remote.get(address)
        if now is not None and now.remote_id is None and now.blocked:
            continue  # followed, and waiting on the trader (e.g. identity verification)
        if now is None or now.remote_id is None:
            items.append(DriftItem(address, DriftStatus.DELETED, recorded_id=record.remote_id))
            continue
        if now.attributes is record.attributes and now.remote_id == record.remote_id:
            continue  # the platform shows the very recorded values (at scale, most objects)
        fields = [
            FieldDrift(key, record.attributes[key], now.attributes[key])
            for key in sorted(record.attributes.keys() & now.attributes.keys())
            if record.attributes[key] != now.attributes[key]
        ]
        if now.remote_id != record.remote_id:
            fields.insert(0, FieldDrift("id", record.remote_id, now.remote_id))
        if fields:
            items.append(
                DriftItem(
                    address,
                    DriftStatus.CHANGED,
                    record.remote_id,
                    now.remote_id,
                    tuple(fields),
                )
            )
    for address in declared:
        now = remote.get(address)
        if address not in recorded and now is not None and now.remote_id is not None:
            if address.kind in followed:
                resolved.append(address)
            else:
                items.append(DriftItem(address, DriftStatus.APPEARED, remote_id=now.remote_id))
    if resolved:
        notes = (*notes, resolved_note(resolved))
    return Drift(tuple(sorted(items, key=lambda i: i.address)), lineage, serial, created_at, notes)


def resolved_note(addresses: list[Address]) -> str:
    """The note naming waits the platform resolved since the last apply (not drift)."""
    shown = ", ".join(str(a) for a in sorted(addresses)[:5])
    more = f" and {len(addresses) - 5} more" if len(addresses) > 5 else ""
    return (
        f"{len(addresses)} wait(s) resolved on the platform, not drift: {shown}{more}; "
        "the next apply records them (no platform call)"
    )
