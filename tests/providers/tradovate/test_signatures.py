"""The signature gate and the signal book, as pure functions of values."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.plan import Address, ReadRequest, Recorded, Remote
from reconciler.providers.tradovate.models import AlertSignal, User, UserPlugin
from reconciler.providers.tradovate.signatures import (
    NOT_CREATED,
    WAITING_FOR_SIGNATURE,
    SignalBook,
    gate_entitlements,
    remember_signature,
)

T_PROP = 12345


def entitlement(trader: str) -> ReadRequest:
    return ReadRequest(Address("tradovate_entitlement", trader, "t-prop"), f"{trader}/{T_PROP}")


def user_request(trader: str, **facts: object) -> ReadRequest:
    recorded = Recorded(Address("tradovate_user", trader), "1", {}, facts) if facts else None
    return ReadRequest(Address("tradovate_user", trader), trader, recorded)


def signal(signal_id: int, user_id: int, completed: str | None = None) -> AlertSignal:
    return AlertSignal(
        id=signal_id,
        admin_alert_id=70,
        related_to_user_id=user_id,
        timestamp="2026-03-02T08:00:00.000Z",
        completed=completed,
    )


USERS = {
    name: User(
        id=i,
        name=name,
        email=f"{name}@x.com",
        status="Active",
        timestamp="2026-03-02T08:00:00.000Z",  # ISO week 2026-W10
    )
    for i, name in enumerate(["granted", "signed", "remembered", "waiting"], start=1)
}


def gate(signals: Sequence[AlertSignal]) -> tuple[dict[Address, Remote], set[str], int]:
    calls = []

    def read() -> Sequence[AlertSignal]:
        calls.append(1)
        return signals

    plugin = UserPlugin(
        id=99, user_id=1, entitlement_id=T_PROP, plugin_name="T-Prop", approval=True
    )
    found, signers, probed = gate_entitlements(
        [entitlement(n) for n in (*USERS, "unborn")],
        [user_request("remembered", mda_signed=True), user_request("signed")],
        USERS,
        {(1, T_PROP): plugin},
        signals=read,
        week="2026-W10",
    )
    assert probed == set()  # made this week: a signature of theirs would still be listed
    return found, signers, len(calls)


def test_each_entitlement_is_granted_waiting_or_free_to_entitle() -> None:
    found, signers, reads = gate([signal(5, 2)])
    assert found == {
        Address("tradovate_entitlement", "granted", "t-prop"): Remote(
            Address("tradovate_entitlement", "granted", "t-prop"),
            "99",
            {"entitlement": "t-prop", "entitlement_id": T_PROP},
            facts={"plugin_name": "T-Prop"},
        ),
        Address("tradovate_entitlement", "waiting", "t-prop"): Remote(
            Address("tradovate_entitlement", "waiting", "t-prop"),
            None,
            blocked=WAITING_FOR_SIGNATURE,
        ),
        Address("tradovate_entitlement", "unborn", "t-prop"): Remote(
            Address("tradovate_entitlement", "unborn", "t-prop"), None, blocked=NOT_CREATED
        ),
    }
    assert signers == {"signed"}  # "remembered" needs no signal: state knows
    assert reads == 1


def test_signals_are_not_read_when_nothing_awaits_one() -> None:
    def unexpected() -> list[AlertSignal]:
        raise AssertionError("signals read although state remembers the signature")

    found, signers, probed = gate_entitlements(
        [entitlement("remembered")],
        [user_request("remembered", mda_signed=True)],
        USERS,
        {},
        signals=unexpected,
        week="2026-W10",
    )
    assert (found, signers, probed) == ({}, set(), set())


def test_a_wait_older_than_this_week_is_probed_once_a_week() -> None:
    requests = [entitlement("waiting")]
    later = gate_entitlements(
        requests, [user_request("waiting")], USERS, {}, signals=list, week="2026-W11"
    )
    assert later[2] == {"waiting"}
    assert later[0][requests[0].address].probe
    checked = user_request("waiting", mda_checked_week="2026-W11")
    again = gate_entitlements(requests, [checked], USERS, {}, signals=list, week="2026-W11")
    assert again[2] == set()
    assert not again[0][requests[0].address].probe


def test_a_signature_is_remembered_on_the_user_remote() -> None:
    address = Address("tradovate_user", "signed")
    found = {address: Remote(address, "2", {"username": "signed"}, facts={"other": 1})}
    remember_signature(found, address)
    remember_signature(found, Address("tradovate_user", "absent"))
    assert found == {
        address: Remote(
            address, "2", {"username": "signed"}, facts={"other": 1, "mda_signed": True}
        )
    }


def test_the_book_is_unknown_until_seeded_then_only_grows() -> None:
    book = SignalBook()
    assert book.add(signal(1, 10))
    assert book.snapshot() is None  # a pushed signal alone is not the whole picture
    book.seed([signal(2, 20)])
    assert sorted(s.id for s in book.snapshot() or []) == [1, 2]
    assert not book.add(signal(2, 20))
    book.seed([])  # archived on the platform: still known here
    book.complete(2, "2026-03-02T09:00:00.000Z")
    known = {s.id: s.completed for s in book.snapshot() or []}
    assert known == {1: None, 2: "2026-03-02T09:00:00.000Z"}
