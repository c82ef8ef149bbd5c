"""The onboarding funnel (pure): each trader's stage on each platform from recorded state, the
declared entitlements and the audit trail's offboardings; filters and the per-platform
summary of `reconciler status`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class FunnelRecord(Protocol):
    """What the funnel reads of a recorded resource (state's FunnelRecord)."""

    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...
    @property
    def facts(self) -> Mapping[str, Any]: ...


class FunnelAuditEntry(Protocol):
    """What the funnel reads of an audit trail entry."""

    @property
    def at(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def outcome(self) -> str: ...


class FunnelStage(StrEnum):
    """Where a trader stands on one platform; the value is the wording users read."""

    CREATED = "created"
    WAITING_FOR_SIGNATURE = "waiting for signature"
    SIGNED = "signed (not entitled yet)"
    ENTITLED = "entitled"
    VERIFICATION_PENDING = "verification pending"
    VERIFIED = "verified"
    OFFBOARDED = "offboarded"

    @property
    def is_waiting(self) -> bool:
        """A precondition outside reconciler is unmet: the trader must act."""
        return self in (FunnelStage.WAITING_FOR_SIGNATURE, FunnelStage.VERIFICATION_PENDING)


FUNNEL_PLATFORMS: Mapping[str, str] = {
    "tradovate": "Tradovate",
    "tradervue": "Tradervue",
    "traderpal": "TraderPal",
}
"""Platforms in summary order, with their display names."""

USER_MARK = "_user."
"""A text the address of every user resource holds (`<platform>_user.<trader>`), so every
audit entry the funnel reads (`_offboarded`) holds it too."""

ENTITLEMENT = "tradovate_entitlement"
"""The kind whose traders wait for the Market Data Agreement signature until entitled."""


def reads_record(address: str) -> bool:
    """Whether the funnel may read the record at `address` (a user's or an entitlement's;
    it looks at each again): a caller with a large state gives it those alone."""
    return USER_MARK in address or address.startswith(f"{ENTITLEMENT}.")


@dataclass(frozen=True, slots=True)
class FunnelRow:
    """One trader on one platform: the stage and since when (ISO-8601, '' when unknown)."""

    trader: str
    platform: str
    stage: FunnelStage
    since: str


def funnel(
    resources: Mapping[str, FunnelRecord],
    *,
    entitled_traders: Collection[str],
    audit: Iterable[FunnelAuditEntry] = (),
) -> list[FunnelRow]:
    """Rows sorted by trader then platform. `entitled_traders` are traders whose manifests
    declare a Tradovate entitlement (only they wait for the Market Data Agreement signature);
    a user whose last audited action was a successful cancel and that state no longer
    records is offboarded."""
    users: dict[tuple[str, str], FunnelRecord] = {}
    entitled: dict[str, str] = {}
    for text, record in resources.items():
        kind, _, rest = text.partition(".")
        platform, _, noun = kind.partition("_")
        if noun == "user" and platform in FUNNEL_PLATFORMS:
            users[(rest, platform)] = record
        elif kind == ENTITLEMENT:
            trader = rest.partition("/")[0]
            since = record.created_at or record.updated_at
            entitled[trader] = min(entitled.get(trader, since), since)
    rows = [
        _row(trader, platform, record, entitled, entitled_traders)
        for (trader, platform), record in users.items()
    ]
    rows.extend(_offboarded(audit, users))
    rows.sort(key=lambda row: (row.trader, list(FUNNEL_PLATFORMS).index(row.platform)))
    return rows


def _row(
    trader: str,
    platform: str,
    record: FunnelRecord,
    entitled: Mapping[str, str],
    entitled_traders: Collection[str],
) -> FunnelRow:
    created = record.created_at or record.updated_at
    if platform == "tradovate":
        if trader in entitled:
            return FunnelRow(trader, platform, FunnelStage.ENTITLED, entitled[trader])
        if trader not in entitled_traders:
            return FunnelRow(trader, platform, FunnelStage.CREATED, created)
        if record.facts.get("mda_signed"):
            return FunnelRow(trader, platform, FunnelStage.SIGNED, "")
        return FunnelRow(trader, platform, FunnelStage.WAITING_FOR_SIGNATURE, created)
    if platform == "traderpal":
        if record.facts.get("verification") == "verified":
            return FunnelRow(trader, platform, FunnelStage.VERIFIED, "")
        return FunnelRow(trader, platform, FunnelStage.VERIFICATION_PENDING, created)
    return FunnelRow(trader, platform, FunnelStage.CREATED, created)


def _offboarded(
    audit: Iterable[FunnelAuditEntry], users: Mapping[tuple[str, str], FunnelRecord]
) -> list[FunnelRow]:
    # the last action and its time of each user, not its entry (a large trail's entries go
    # one by one as they are read)
    last: dict[tuple[str, str], tuple[str, str]] = {}
    for entry in audit:
        kind, _, trader = entry.address.partition(".")
        platform, _, noun = kind.partition("_")
        if noun == "user" and platform in FUNNEL_PLATFORMS and entry.outcome == "ok":
            last[(trader, platform)] = (entry.action, entry.at)
    return [
        FunnelRow(trader, platform, FunnelStage.OFFBOARDED, at)
        for (trader, platform), (action, at) in last.items()
        if action == "cancel" and (trader, platform) not in users
    ]


def select_rows(
    rows: Sequence[FunnelRow],
    *,
    now: datetime,
    is_waiting: bool = False,
    older_than: float | None = None,
    trader: str | None = None,
) -> list[FunnelRow]:
    """The rows the filters keep: waiting ones, those in their stage for more than
    `older_than` seconds, one trader's."""
    return [
        row
        for row in rows
        if (not is_waiting or row.stage.is_waiting)
        and (trader is None or row.trader == trader)
        and (older_than is None or (stage_age(row, now=now) or 0.0) > older_than)
    ]


def stage_age(row: FunnelRow, *, now: datetime) -> float | None:
    """Seconds since the row's stage began; None when unknown."""
    if not row.since:
        return None
    started = datetime.fromisoformat(row.since.replace("Z", "+00:00"))
    if started.tzinfo is None:
        started = started.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - started).total_seconds())


@dataclass(frozen=True, slots=True)
class PlatformSummary:
    """How many of one platform's traders are in each stage, and the longest wait."""

    platform: str
    counts: Mapping[FunnelStage, int]
    oldest_wait: float | None


def summarize_funnel(rows: Iterable[FunnelRow], *, now: datetime) -> list[PlatformSummary]:
    """One summary per platform that has rows, in `FUNNEL_PLATFORMS` order."""
    counts: dict[str, Counter[FunnelStage]] = {}
    oldest: dict[str, float] = {}
    for row in rows:
        counts.setdefault(row.platform, Counter())[row.stage] += 1
        if row.stage.is_waiting:
            waited = stage_age(row, now=now)
            if waited is not None and waited > oldest.get(row.platform, -1.0):
                oldest[row.platform] = waited
    return [
        PlatformSummary(platform, dict(counts[platform]), oldest.get(platform))
        for platform in FUNNEL_PLATFORMS
        if platform in counts
    ]


__all__ = [
    "ENTITLEMENT",
    "FUNNEL_PLATFORMS",
    "USER_MARK",
    "FunnelRow",
    "FunnelStage",
    "PlatformSummary",
    "funnel",
    "reads_record",
    "select_rows",
    "stage_age",
    "summarize_funnel",
]
