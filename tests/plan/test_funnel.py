"""The onboarding funnel from recorded records (pure), and its text rendering."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from reconciler.plan import FunnelRow, FunnelStage, funnel, select_rows, summarize_funnel
from reconciler.render import render_status, render_status_csv
from reconciler.state import AuditEntry, Provenance, ResourceState

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
WHO = Provenance(actor="ops@host", command="apply")


def record(created: str, **facts: object) -> ResourceState:
    return ResourceState(
        remote_id="1", attributes={}, facts=dict(facts), updated_at=created, created_at=created
    )


def cancelled(address: str, at: str) -> AuditEntry:
    trader = address.partition(".")[2]
    return AuditEntry.of(WHO, at=at, trader=trader, address=address, action="cancel", outcome="ok")


RESOURCES = {
    "tradovate_user.ann": record("2026-03-01T00:00:00Z"),
    "tradovate_entitlement.ann/t-prop": record("2026-03-04T00:00:00Z"),
    "tradovate_user.ben": record("2026-03-01T12:00:00Z"),
    "tradovate_user.cy": record("2026-03-10T00:00:00Z", mda_signed=True),
    "tradovate_user.dee": record("2026-03-18T00:00:00Z"),
    "tradovate_account.ben/B1": record("2026-03-01T12:00:00Z"),
    "traderpal_user.ann": record("2026-03-01T00:00:00Z", verification="verified"),
    "traderpal_user.ben": record("2026-03-14T00:00:00Z", verification="pending"),
}
AUDIT = [
    cancelled("tradovate_user.eve", "2026-03-02T00:00:00Z"),
    AuditEntry.of(
        WHO,
        at="2026-03-05T00:00:00Z",
        trader="fay",
        address="tradovate_user.fay",
        action="cancel",
        outcome="failed",
    ),
    cancelled("tradovate_user.gus", "2026-03-02T00:00:00Z"),
    AuditEntry.of(
        WHO,
        at="2026-03-03T00:00:00Z",
        trader="gus",
        address="tradovate_user.gus",
        action="create",
        outcome="ok",
    ),
]


def rows() -> list[FunnelRow]:
    return funnel(RESOURCES, entitled_traders={"ann", "ben", "cy"}, audit=AUDIT)


def test_each_trader_gets_one_stage_per_platform() -> None:
    stages = {(r.trader, r.platform): (r.stage, r.since) for r in rows()}
    assert stages == {
        ("ann", "tradovate"): (FunnelStage.ENTITLED, "2026-03-04T00:00:00Z"),
        ("ann", "traderpal"): (FunnelStage.VERIFIED, ""),
        ("ben", "tradovate"): (FunnelStage.WAITING_FOR_SIGNATURE, "2026-03-01T12:00:00Z"),
        ("ben", "traderpal"): (FunnelStage.VERIFICATION_PENDING, "2026-03-14T00:00:00Z"),
        ("cy", "tradovate"): (FunnelStage.SIGNED, ""),
        ("dee", "tradovate"): (FunnelStage.CREATED, "2026-03-18T00:00:00Z"),  # no entitlement
        ("eve", "tradovate"): (FunnelStage.OFFBOARDED, "2026-03-02T00:00:00Z"),
    }  # fay's cancel failed; gus was made again after his cancel


def test_filters_and_summary() -> None:
    all_rows = rows()
    waiting = select_rows(all_rows, now=NOW, is_waiting=True, older_than=7 * 86_400)
    assert [(r.trader, r.platform) for r in waiting] == [("ben", "tradovate")]
    assert [r.platform for r in select_rows(all_rows, now=NOW, trader="ann")] == [
        "tradovate",
        "traderpal",
    ]
    text = render_status(summarize_funnel(all_rows, now=NOW), waiting, now=NOW)
    assert text == (
        "Tradovate: 1 created, 1 waiting for signature (oldest 19 days), "
        "1 signed (not entitled yet), 1 entitled, 1 offboarded; "
        "TraderPal: 1 verification pending (oldest 6 days), 1 verified\n"
        "\n"
        "ben  tradovate  waiting for signature  since 2026-03-01 (19 days)\n"
    )
    assert render_status_csv(waiting, now=NOW) == (
        "trader,platform,stage,since,age_days\n"
        "ben,tradovate,waiting for signature,2026-03-01T12:00:00Z,19\n"
    )


def test_the_funnel_keeps_no_audit_entry_it_has_read() -> None:
    """A large trail's entries go one by one as they are read: the funnel keeps of each user
    its last action and when, not the entry (each user's last entry, kept, was most of
    `status`'s peak at 100,000 traders)."""
    live = [0]
    most = [0]

    class Entry:
        outcome = "ok"
        at = "2026-03-01T00:00:00Z"

        def __init__(self, address: str, action: str) -> None:
            self.address = address
            self.action = action
            live[0] += 1

        def __del__(self) -> None:
            live[0] -= 1

    def trail() -> Iterator[Entry]:
        for n in range(100):
            yield Entry(f"tradovate_user.t{n:03}", "cancel" if n % 2 else "create")
            most[0] = max(most[0], live[0])

    rows = funnel({}, entitled_traders=set(), audit=trail())

    assert most[0] <= 2
    offboarded = [r.trader for r in rows if r.stage is FunnelStage.OFFBOARDED]
    assert offboarded == [f"t{n:03}" for n in range(1, 100, 2)]
