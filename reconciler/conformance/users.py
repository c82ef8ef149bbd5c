"""Stage 3 (user management): the onboarding checklist, item by item, on the cohort's users."""

from __future__ import annotations

from typing import Any

from reconciler.conformance.caller import Answer, expect
from reconciler.conformance.context import FAST_SECONDS, RunContext

CREATE = "/user/createevaluationusers"
PASSWORD = "Conformance-Pass-1"  # sandbox-visible throwaway; redacted in the log
"""The cohort's password: its users are cancelled at the end of the run."""


def new_user(ctx: RunContext, n: int, **changes: Any) -> dict[str, Any]:
    user: dict[str, Any] = {
        "name": ctx.cohort.username(n),
        "email": ctx.cohort.email(n),
        "password": PASSWORD,
        "firstName": "Conformance",
        "lastName": f"User{n}",
    }
    plan = plan_id(ctx)
    if plan is not None:
        user["tradovateSubscriptionPlanId"] = plan
    return {**user, **changes}


def plan_id(ctx: RunContext) -> int | None:
    name = ctx.settings.subscription_plan
    if name is None:
        return None
    answer = ctx.caller.get("live", "/tradovateSubscriptionPlan/find", name=name)
    return int(answer.payload["id"]) if isinstance(answer.payload, dict) else None


def create_users(ctx: RunContext, numbers: list[int]) -> Answer:
    """Create cohort users; remembers the ids of those made."""
    answer = ctx.caller.post("live", CREATE, {"users": [new_user(ctx, n) for n in numbers]})
    results = answer.payload.get("results") if isinstance(answer.payload, dict) else None
    for n, result in zip(numbers, results or [], strict=False):
        if isinstance(result, dict) and result.get("userId"):
            ctx.cohort.user_ids[ctx.cohort.username(n)] = int(result["userId"])
    return answer


def _results(answer: Answer) -> list[dict[str, Any]]:
    results = answer.payload.get("results") if isinstance(answer.payload, dict) else None
    expect(isinstance(results, list), f"no results: HTTP {answer.status} {answer.error_text!r}")
    assert isinstance(results, list)
    return results


def stage_3(ctx: RunContext) -> None:
    check, caller, cohort = ctx.evidence.check, ctx.caller, ctx.cohort
    first = len(ctx.recorder.exchanges)

    def single() -> str:
        (result,) = _results(create_users(ctx, [1]))
        expect(result.get("userId") and not result.get("errorText"), f"refused: {result}")
        found = caller.get("live", "/user/find", name=cohort.username(1))
        expect(found.status == 200 and found.payload.get("id") == result["userId"],
               "the new user is not found by name")  # fmt: skip
        expect(found.payload.get("email") == cohort.email(1), "the e-mail was not stored")
        return f"user {result['userId']} created, found by name with its e-mail"

    def batch() -> str:
        results = _results(create_users(ctx, [2, 3, 4]))
        made = [r.get("userId") for r in results if r.get("userId")]
        expect(len(made) == 3, f"{len(made)} of 3 users created: {results}")
        return f"3 users in one call: {made}"

    def validation() -> str:
        long_name = new_user(ctx, 90, firstName="F" * 40, lastName="L" * 30)
        short_password = new_user(ctx, 91, password="short")
        answer = caller.post("live", CREATE, {"users": [long_name, short_password]})
        if answer.status == 400:
            return "refused with HTTP 400"
        results = _results(answer)
        expect(all(r.get("errorText") and not r.get("userId") for r in results),
               f"invalid users were accepted: {results}")  # fmt: skip
        for n in (90, 91):
            found = caller.get("live", "/user/find", name=cohort.username(n))
            expect(found.status == 404 or not found.payload, f"{cohort.username(n)} exists")
        return "; ".join(str(r["errorText"]) for r in results)

    def duplicates() -> str:
        same_name = new_user(ctx, 1, email=cohort.email(95))
        same_email = new_user(ctx, 96, email=cohort.email(1))
        results = _results(caller.post("live", CREATE, {"users": [same_name, same_email]}))
        expect(all(r.get("errorText") and not r.get("userId") for r in results),
               f"a duplicate was created: {results}")  # fmt: skip
        return "; ".join(str(r["errorText"]) for r in results)

    def subscriptions() -> str:
        plan = plan_id(ctx)
        if plan is None:
            return "the Firm declares no subscription plan: users are created without one"
        user_id = cohort.user_ids[cohort.username(1)]
        subs = caller.get("live", "/tradovateSubscription/deps", masterid=str(user_id)).payload
        expect(any(s.get("tradovateSubscriptionPlanId") == plan for s in subs or []),
               f"user {user_id} does not hold plan {plan}")  # fmt: skip
        return f"user {user_id} holds the firm's plan {plan}"

    def contacts() -> str:
        user_id = cohort.user_ids[cohort.username(1)]
        body = {"userId": user_id, "firstName": "Conformance", "lastName": "User1",
                "streetAddress1": "1 Test St", "city": "Chicago", "state": "IL",
                "postCode": "60601", "country": "US", "phone": "+15551234567"}  # fmt: skip
        good = caller.post("live", "/contactInfo/updatecontactinfo", body)
        expect(good.status == 200 and not good.error_text, f"refused: {good.error_text}")
        bad = caller.post("live", "/contactInfo/updatecontactinfo", {**body, "phone": ""})
        expect(bad.status >= 400 or bad.error_text, "a contact without phone was accepted")
        return f"updated; without phone: {bad.error_text or bad.status}"

    def entitlements() -> str:
        user_id = cohort.user_ids[cohort.username(1)]
        signals = caller.get("live", "/adminAlertSignal/deps", masterid=str(ctx.settings.alert_id))
        expect(signals.status == 200, f"signals not readable: HTTP {signals.status}")
        pending = [s for s in signals.payload or [] if s.get("relatedToUserId") == user_id
                   and not s.get("completed")]  # fmt: skip
        expect(not pending, "a new cohort user has a signature signal")
        missing = caller.post("live", "/userPlugin/addentitlementsubscription",
                              {"userId": user_id})  # fmt: skip
        expect(missing.status >= 400 or missing.error_text, "no entitlementId was accepted")
        return ("no signature yet, so no entitlement is added; without entitlementId: "
                f"{missing.error_text or missing.status}")  # fmt: skip

    def termination() -> str:
        user_id = cohort.user_ids[cohort.username(4)]
        flags = {"tradovateSubscriptions": True, "userPlugins": True,
                 "marketDataSubscriptions": True, "tradingPermissions": True}  # fmt: skip
        for domain in ("live", "demo"):
            answer = caller.post(domain, "/user/canceleverything", {"userIds": [user_id], **flags})
            expect(answer.status == 200 and isinstance(answer.payload, dict)
                   and "tradingPermissionIds" in answer.payload,
                   f"{domain}: {answer.status} {answer.error_text!r}")  # fmt: skip
        return f"user {user_id} cancelled on LIVE and DEMO"

    def cleanup_complete() -> str:
        user_id = cohort.user_ids[cohort.username(4)]
        subs = caller.get("live", "/tradovateSubscription/deps", masterid=str(user_id)).payload
        expect(all(s.get("cancelledRenewal") for s in subs or []), "a subscription renews")
        perms = caller.get("demo", "/tradingPermission/deps", masterid=str(user_id)).payload
        expect(all(p.get("status") == "Revoked" for p in perms or []), "a permission is active")
        return f"{len(subs or [])} subscription(s) cancelled, no active permission"

    def errors() -> str:
        malformed = caller.post("live", CREATE, {})
        expect(malformed.status >= 400 or malformed.error_text, "an empty request was accepted")
        missing = caller.get("live", "/user/item", id="999999999")
        expect(missing.status == 404, f"a missing user answered {missing.status}")
        return f"empty request: {malformed.status} {malformed.error_text!r}; missing user: 404"

    for line, run in (
        ("3.1", single), ("3.2", batch), ("3.3", validation), ("3.4", duplicates),
        ("3.5", subscriptions), ("3.6", contacts), ("3.7", entitlements),
        ("3.8", termination), ("3.9", cleanup_complete), ("3.10", errors),
    ):  # fmt: skip
        check(line, run)
    calls = ctx.recorder.exchanges[first:]

    def performance() -> str:
        slow = [e for e in calls if e.milliseconds > FAST_SECONDS * 1000]
        expect(not slow, f"{len(slow)} call(s) over 2 s, e.g. #{slow[0].seq}" if slow else "")
        worst = max((e.milliseconds for e in calls), default=0.0)
        return f"{len(calls)} calls, slowest {worst:.0f} ms"

    check("3.11", performance)


def security(ctx: RunContext, log_text: str) -> None:
    """Line 3.12, judged on the written log: no secret in it, TLS off loopback."""

    def judged() -> str:
        leaked = [s for s in [*ctx.secrets(), PASSWORD] if s in log_text]
        expect(not leaked, f"{len(leaked)} secret value(s) appear in the log")
        plain = {e.url.split("/")[2] for e in ctx.recorder.exchanges
                 if e.url.startswith(("http://", "ws://"))}  # fmt: skip
        off_loopback = [h for h in plain if not h.startswith(("127.0.0.1", "localhost", "[::1]"))]
        expect(not off_loopback, f"unencrypted calls to {', '.join(sorted(off_loopback))}")
        return "no secret in the log; " + ("TLS only" if not plain else "loopback sandbox")

    ctx.evidence.check("3.12", judged)
