"""The platform's conformance checklist, Stages 1-4, one line per thing a run proves, with the
document each comes from (Tradovate partner docs: conformance stages 1-4; Stage 3 is the
onboarding seed's "Testing Checklist", item by item)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    """One checklist line: `id` like `3.4`, its stage, what it requires, where it is written."""

    id: str
    stage: int
    text: str
    source: str


STAGE_NAMES = {
    1: "Authentication",
    2: "WebSocket",
    3: "User management",
    4: "Account management",
}

_S1 = "Stage 1: authentication"
_S2 = "Stage 2: WebSocket management"
_S3 = "Stage 3: user management, Testing Checklist"
_S3V = "Stage 3: user management, validation criteria"
_S4 = "Stage 4: account management"

CHECKLIST: tuple[Line, ...] = (
    Line("1.1", 1, "Token request returns an access token in under 2 s", _S1),
    Line("1.2", 1, "Token renewal returns a new token that works", _S1),
    Line("1.3", 1, "Invalid credentials are rejected (no token)", _S1),
    Line("1.4", 1, "Session limit: a third login closes the oldest session", _S1),
    Line("2.1", 2, "WebSocket opens (`o`) and `authorize` is answered 200", _S2),
    Line("2.2", 2, "Heartbeats: client `[]` keeps the connection; server `h` frames arrive", _S2),
    Line("2.3", 2, "`user/syncrequest` (splitResponses) answers the users", _S2),
    Line("2.4", 2, "Penalty tickets: `p-time` waited out, request resent with the ticket", _S2),
    Line("2.5", 2, "Log-off: the connection is closed cleanly (1000)", _S2),
    Line("3.1", 3, "Single user creation works correctly", _S3),
    Line("3.2", 3, "Batch user creation works for multiple users", _S3),
    Line("3.3", 3, "User data validation works properly", _S3),
    Line("3.4", 3, "Duplicate user prevention works (user name and e-mail)", _S3),
    Line("3.5", 3, "Subscription management functions correctly", _S3),
    Line("3.6", 3, "Contact information is updated; invalid contact data is rejected", _S3V),
    Line("3.7", 3, "Entitlements: signatures checked first; entitlementId validated", _S3V),
    Line("3.8", 3, "User termination works properly (cancelEverything, LIVE and DEMO)", _S3),
    Line("3.9", 3, "Resource cleanup is complete", _S3),
    Line("3.10", 3, "Error handling is robust", _S3),
    Line("3.11", 3, "Performance requirements are met (each call under 2 s, assumed)", _S3),
    Line("3.12", 3, "Security requirements are satisfied (no secret logged, TLS)", _S3),
    Line("4.1", 4, "createEvaluationAccounts: single account", _S4),
    Line("4.2", 4, "createEvaluationAccounts: batch", _S4),
    Line("4.3", 4, "An invalid account name is refused (HTTP 400, violations)", _S4),
    Line("4.4", 4, "Risk settings: post-trade risk set at creation, updated, read back", _S4),
    Line("4.5", 4, "Resets: resetDemoAccountState; empty accountIds refused", _S4),
    Line("4.6", 4, "Risk categories: switchRiskCategory, read back", _S4),
    Line("4.7", 4, "Trading locks: setAdminAutoLiqAction locked, then Normal, read back", _S4),
    Line("4.8", 4, "Trading permission revoked (account leaves the trader)", _S4),
    Line("C.1", 0, "Cleanup: the throwaway cohort cancelled on LIVE and DEMO", "this run"),
)

BY_ID = {line.id: line for line in CHECKLIST}
