"""Drift: recorded state against what the platforms show now."""

from __future__ import annotations

from reconciler.plan import Address, DriftStatus, FieldDrift, Recorded, Remote, detect_drift


def at(text: str) -> Address:
    return Address.parse(text)


USER = at("tradovate_user.alice")
ACCOUNT = at("tradovate_account.alice/A1")
VERIFICATION = at("traderpal_verification.alice")
NEW = at("tradovate_user.bob")
DIGEST = "hmac-sha256:00"


def drift(recorded: list[Recorded], remote: list[Remote], declared: list[Address] = ()):  # type: ignore[no-untyped-def,assignment]
    return detect_drift(
        {r.address: r for r in recorded},
        {r.address: r for r in remote},
        declared=declared,
        lineage="L",
        serial=2,
        created_at="2026-03-02T08:00:00+00:00",
    )


def test_matching_platform_and_state_have_not_drifted() -> None:
    record = Recorded(USER, "7", {"email": "a@x", "password": DIGEST})
    report = drift([record], [Remote(USER, "7", {"email": "a@x"})], [USER])
    assert not report.has_drift
    assert report.items == ()


def test_changed_values_are_listed_field_by_field_and_secrets_are_not_compared() -> None:
    record = Recorded(USER, "7", {"email": "a@x", "username": "alice", "password": DIGEST})
    report = drift([record], [Remote(USER, "7", {"email": "b@x", "username": "alice"})])
    (item,) = report.items
    assert (item.status, item.recorded_id, item.remote_id) == (DriftStatus.CHANGED, "7", "7")
    assert item.fields == (FieldDrift("email", "a@x", "b@x"),)


def test_another_object_under_the_natural_key_is_a_changed_id() -> None:
    report = drift([Recorded(USER, "7", {"email": "a@x"})], [Remote(USER, "9", {"email": "a@x"})])
    assert report.items[0].fields == (FieldDrift("id", "7", "9"),)


def test_a_recorded_object_the_platform_lost_is_deleted() -> None:
    report = drift([Recorded(ACCOUNT, "5", {})], [])
    assert [(i.address, i.status, i.recorded_id) for i in report.items] == [
        (ACCOUNT, DriftStatus.DELETED, "5")
    ]


def test_a_recorded_object_waiting_on_the_trader_has_not_drifted() -> None:
    blocked = Remote(VERIFICATION, None, blocked="waiting for the trader to verify")
    assert not drift([Recorded(VERIFICATION, "u1", {"verified": True})], [blocked]).has_drift


def test_a_declared_object_found_remotely_but_not_in_state_appeared() -> None:
    report = drift([], [Remote(NEW, "12", {"email": "b@x"})], [NEW])
    assert [(i.address, i.status, i.remote_id) for i in report.items] == [
        (NEW, DriftStatus.APPEARED, "12")
    ]
    assert not drift([], [Remote(NEW, None, blocked="not yet")], [NEW]).has_drift


def test_items_are_sorted_by_address_and_counted() -> None:
    report = drift(
        [Recorded(USER, "7", {"email": "a@x"}), Recorded(ACCOUNT, "5", {})],
        [Remote(USER, "7", {"email": "z@x"}), Remote(NEW, "12")],
        [USER, ACCOUNT, NEW],
    )
    assert [i.address for i in report.items] == sorted([USER, ACCOUNT, NEW])
    assert report.counts() == {
        DriftStatus.CHANGED: 1,
        DriftStatus.DELETED: 1,
        DriftStatus.APPEARED: 1,
    }


def test_a_followed_object_the_platform_now_shows_is_a_resolved_wait_not_drift() -> None:
    report = detect_drift(
        {},
        {VERIFICATION: Remote(VERIFICATION, "usr_1", {"verified": True})},
        declared=[VERIFICATION],
        lineage="L",
        serial=2,
        created_at="2026-03-02T08:00:00+00:00",
        followed=frozenset({"traderpal_verification"}),
    )
    assert not report.has_drift
    assert report.notes == (
        "1 wait(s) resolved on the platform, not drift: traderpal_verification.alice; the next "
        "apply records them (no platform call)",
    )
