"""The per-object way, for comparison: one request per object, one after another, as the
platforms' own examples onboard a trader (and as a generic infrastructure tool would).

It is charitable to itself: it reads nothing (no refresh, no lookup before a create), knows
the template and plan ids, and never retries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.generate import TEMPLATES, trader

SUBSCRIPTION_PLAN_ID = 501
"""SANDBOX_MONTHLY in the sandbox's seed."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Requests made, how many failed, and the wall time."""

    requests: int
    failed: int
    seconds: float


def run_baseline(urls: dict[str, str], count: int, *, prefix: str = "") -> Outcome:
    """Onboard traders 0..count-1 of the synthetic firm one object per request."""
    tradovate, tradervue, traderpal = urls["tradovate"], urls["tradervue"], urls["traderpal"]
    requests = failed = 0
    started = time.perf_counter()
    with httpx.Client(timeout=120, headers={"User-Agent": "bench-baseline"}) as http:

        def post(url: str, body: dict[str, Any], **options: Any) -> Any:
            nonlocal requests, failed
            requests += 1
            response = http.post(url, json=body, **options)
            answer = response.json() if response.content else {}
            results = answer.get("results") if isinstance(answer, dict) else None
            if response.status_code >= 400 or (results and results[0].get("errorText")):
                failed += 1
            return answer

        login = {"name": "sandbox_admin", "password": "sandbox-not-a-secret", "sec": "sandbox-sec"}
        token = post(f"{tradovate}/live/v1/auth/accesstokenrequest", login)["accessToken"]
        bearer = {"Authorization": f"Bearer {token}"}
        manager = ("sandbox-manager", "sandbox-not-a-secret")
        key = {"Authorization": "Bearer tp_sandbox_not_a_secret"}
        for index in range(count):
            t = trader(index)
            name, email = prefix + t["username"], prefix + t["email"]
            user = {
                "name": name,
                "email": email,
                "password": "Bench-pass-1234",
                "firstName": t["first_name"],
                "lastName": t["last_name"],
                "tradovateSubscriptionPlanId": SUBSCRIPTION_PLAN_ID,
            }
            answer = post(
                f"{tradovate}/live/v1/user/createevaluationusers", {"users": [user]}, headers=bearer
            )
            user_id = (answer.get("results") or [{}])[0].get("userId", 0)
            contact = t["contact"]
            post(
                f"{tradovate}/live/v1/contactInfo/updatecontactinfo",
                {
                    "userId": user_id,
                    "firstName": t["first_name"],
                    "lastName": t["last_name"],
                    "streetAddress1": contact["street_address1"],
                    "city": contact["city"],
                    "state": contact["state"],
                    "postCode": contact["post_code"],
                    "country": contact["country"],
                    "phone": contact["phone"],
                },
                headers=bearer,
            )
            for account in t["tradovate"]["accounts"]:
                template = TEMPLATES[account["template"]]
                risk = template["post_trade_risk"]
                body = {
                    "userId": user_id,
                    "templateAccountId": template["template_account_id"],
                    "name": prefix.upper() + account["name"],
                    "initialBalance": template["initial_balance"],
                    "postTradeRisk": {
                        "dailyLossAutoLiq": risk["daily_loss_auto_liq"],
                        "trailingMaxDrawdown": risk["trailing_max_drawdown"],
                    },
                }
                post(
                    f"{tradovate}/demo/v1/user/createevaluationaccounts",
                    {"accounts": [body]},
                    headers=bearer,
                )
            post(
                f"{tradervue}/api/v1/users",
                {"username": name, "email": email, "plan": "Silver", "password": "Bench-pass-1"},
                auth=manager,
            )
            post(
                f"{traderpal}/v1/users",
                {
                    "email": email,
                    "firstName": t["first_name"],
                    "lastName": t["last_name"],
                    "dateOfBirth": "1990-01-01",
                    "country": contact["country"],
                    "phoneNumber": contact["phone"],
                },
                headers=key,
            )
    return Outcome(requests, failed, time.perf_counter() - started)
