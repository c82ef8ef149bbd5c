"""The plan's duration note: requests of the planned batches against the declared limits."""

from __future__ import annotations

from reconciler.apply.pacing import duration_note, estimate, planned_requests
from reconciler.plan import Action, Address, Change
from reconciler.providers import PROVIDERS
from reconciler.providers.pacing import RateLimit, merge_limits

CAPABILITIES = {name: provider.capabilities for name, provider in PROVIDERS.items()}
LIMITS = {name: provider.capabilities.rate_limits for name, provider in PROVIDERS.items()}


def onboarding(traders: int) -> list[Change]:
    """New traders on Tradovate (user, contact, one account) and Tradervue."""
    changes = []
    for i in range(traders):
        user = Address("tradovate_user", f"t{i}")
        changes += [
            Change(user, Action.CREATE),
            Change(Address("tradovate_contact", f"t{i}"), Action.CREATE, depends_on=(user,)),
            Change(
                Address("tradovate_account", f"t{i}", f"EV{i}"), Action.CREATE, depends_on=(user,)
            ),
            Change(Address("tradervue_user", f"t{i}"), Action.CREATE),
            Change(Address("tradovate_entitlement", f"t{i}", "t-prop"), Action.WAIT),
        ]
    return changes


def test_requests_are_counted_per_batch_and_per_item_as_apply_batches_them() -> None:
    counts = planned_requests(onboarding(250), CAPABILITIES)
    assert counts["tradovate"] == {
        "user/createevaluationusers": 3,  # 100 users a call
        "contactinfo/updatecontactinfo": 250,  # one call per contact
        "user/createevaluationaccounts": 3,
        "all": 256,
    }
    assert counts["tradervue"] == {"post /users": 250, "all": 250}


def test_a_plan_within_an_hour_has_no_note() -> None:
    assert duration_note(onboarding(900), CAPABILITIES, LIMITS) is None


def test_a_plan_beyond_the_hourly_budget_says_how_long_and_why() -> None:
    note = duration_note(onboarding(12_000), CAPABILITIES, LIMITS)
    assert note is not None
    # 12,000 contacts at 1,000 an hour: eleven more windows after the first bucketful
    assert note.startswith("apply will take at least 11 h 00 min under the platforms' rate limits")
    assert (
        "tradovate: 12,000 requests, 1,000 per hour (contactinfo/updatecontactinfo, assumed)"
        in note
    )
    assert "tradervue" not in note  # no documented limits: it is not what takes time


def test_a_note_resting_on_an_assumed_limit_says_so_and_how_to_declare_the_real_one() -> None:
    note = duration_note(onboarding(12_000), CAPABILITIES, LIMITS)
    assert note is not None
    assert note.endswith(
        ". The tradovate limit on contactinfo/updatecontactinfo is assumed, not documented "
        "(the partner docs' endpoint-level table has no row for contact-info changes): declare "
        "the firm's real quota in the Firm manifest under settings.rate_limits.tradovate "
        "(endpoint: contactinfo/updatecontactinfo, limit, per_seconds)"
    )


def test_a_quota_the_firm_declared_is_not_called_assumed() -> None:
    declared = RateLimit("contactinfo/updatecontactinfo", 2000, 3600.0)
    limits = {**LIMITS, "tradovate": merge_limits(LIMITS["tradovate"], (declared,))}
    note = duration_note(onboarding(12_000), CAPABILITIES, limits)
    assert note is not None
    assert "assumed" not in note
    assert "12,000 requests, 2,000 per hour (contactinfo/updatecontactinfo)" in note


def test_the_firm_s_overrides_change_the_estimate() -> None:
    limits = {**LIMITS, "tradervue": (RateLimit("all", 600, 3600.0),)}
    estimates = estimate(onboarding(2_000), CAPABILITIES, limits)
    assert [(e.provider, e.requests) for e in estimates] == [
        ("tradervue", 2000),
        ("tradovate", 2040),
    ]
    assert estimates[0].seconds > estimates[1].seconds
    assert estimates[0].reason == "2,000 requests, 600 per hour (all endpoints)"


def test_a_user_update_counts_one_call_per_attribute_it_changes() -> None:
    changes = [
        Change(Address("tradovate_user", "a"), Action.UPDATE, changed=("subscription_plan",)),
        Change(Address("tradovate_user", "b"), Action.UPDATE, changed=("email", "password")),
        Change(Address("tradovate_user", "c"), Action.UPDATE, changed=("email",)),
    ]
    assert planned_requests(changes, CAPABILITIES)["tradovate"] == {
        "user/addtradovatesubscription": 1,
        "user/modifyemailaddress": 2,
        "user/modifypassword": 1,
        "all": 4,
    }
