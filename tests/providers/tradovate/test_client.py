"""TradovateClient against the Tradovate sandbox over real HTTP on 127.0.0.1.

Sandbox and client share one fake clock; the client's sleep advances it, so token expiry and
penalty waits cost no real time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.errors import ProviderRejected, ProviderUnavailable, RateLimited
from reconciler.providers import list_answers
from reconciler.providers.http import make_http_client
from reconciler.providers.tradovate import item_reads
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.models import (
    ContactInfo,
    ContactUpdate,
    EvaluationAccount,
    EvaluationUser,
)
from reconciler.providers.tradovate.sandbox import (
    DEFAULT_ADMIN,
    SandboxConfig,
    serve_sandbox,
)
from reconciler.providers.tradovate.sandbox.config import EndpointLimit, Limits, UserLimit
from tests.fakes import FakeClock as Clock

MDA_ALERT = 70
T_PROP = 12345
PLAN = 501
TEMPLATE = 1002


class Sandbox:
    """A running sandbox plus its admin endpoints."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.admin = httpx.Client(base_url=f"{server.url}/_sandbox")

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.admin.post(path, json=body or {})
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self) -> list[tuple[str, str, str, int]]:
        """(method, domain, path after /v1, status) of every request since the last clear."""
        log = self.admin.get("/requests").json()
        return [(r["method"], r["domain"], r["path"].split("/v1", 1)[-1], r["status"]) for r in log]

    def clear_requests(self) -> None:
        self.post("/requests/clear")


def credentials(name: str = DEFAULT_ADMIN[0], password: str = DEFAULT_ADMIN[1]) -> Credentials:
    return Credentials(
        name=name, password=SecretStr(password), sec=SecretStr(DEFAULT_ADMIN[2]), app_id="tests"
    )


def connect(sandbox: Sandbox, clock: Clock, **options: Any) -> TradovateClient:
    options.setdefault("credentials", credentials())
    return TradovateClient(
        live=make_http_client(sandbox.server.live_url),
        demo=make_http_client(sandbox.server.demo_url),
        clock=clock,
        sleep=clock.sleep,
        **options,
    )


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def sandbox(clock: Clock) -> Iterator[Sandbox]:
    with serve_sandbox(SandboxConfig(), clock=clock) as server:
        yield Sandbox(server)


@pytest.fixture(scope="module")
def tight_sandbox(clock: Clock) -> Iterator[Sandbox]:
    """A sandbox that allows two contact changes per hour."""
    limits = Limits(endpoints={"contactinfo/updatecontactinfo": EndpointLimit(2, 1, True)})
    with serve_sandbox(SandboxConfig(limits=limits), clock=clock) as server:
        yield Sandbox(server)


@pytest.fixture(scope="module")
def strict_sandbox(clock: Clock) -> Iterator[Sandbox]:
    """A sandbox that allows an authenticated user five requests a minute."""
    limits = Limits(authenticated=UserLimit(per_second=5, per_minute=5, per_hour=5000))
    with serve_sandbox(SandboxConfig(limits=limits), clock=clock) as server:
        yield Sandbox(server)


@pytest.fixture
def client(sandbox: Sandbox, clock: Clock) -> Iterator[TradovateClient]:
    with connect(sandbox, clock) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().int % 10**9}"


def evaluation_user(name: str, **overrides: Any) -> EvaluationUser:
    fields: dict[str, Any] = {
        "name": name,
        "email": f"{name}@example.com",
        "password": SecretStr("pw-Secret-4711"),
        "first_name": "Test",
        "last_name": "Trader",
        **overrides,
    }
    return EvaluationUser(**fields)


def new_user(client: TradovateClient, **overrides: Any) -> int:
    (outcome,) = client.create_users([evaluation_user(unique("trader"), **overrides)])
    assert outcome.error_text is None
    assert outcome.user_id is not None
    return outcome.user_id


def new_account(client: TradovateClient, user_id: int, **risk: Any) -> tuple[str, int, int]:
    name = unique("EVAL")
    account = EvaluationAccount(
        user_id=user_id,
        template_account_id=TEMPLATE,
        name=name,
        initial_balance=50_000,
        post_trade_risk=risk or None,
    )
    (outcome,) = client.create_accounts([account])
    assert outcome.account_id is not None
    assert outcome.trading_permission_id is not None
    return name, outcome.account_id, outcome.trading_permission_id


def _contacts(client: TradovateClient, user_ids: list[int]) -> list[ContactInfo]:
    """The contacts of `user_ids`, every call's answer joined."""
    return [contact for part in client.contact_chunks(user_ids) for contact in part]


def contact(user_id: int, **overrides: Any) -> ContactUpdate:
    fields: dict[str, Any] = {
        "user_id": user_id,
        "first_name": "Test",
        "last_name": "Trader",
        "street_address1": "1 Main St",
        "city": "Chicago",
        "state": "IL",
        "post_code": "60601",
        "country": "US",
        "phone": "+15551234567",
        **overrides,
    }
    return ContactUpdate(**fields)


# --- reads ----------------------------------------------------------------------------------


def test_catalogues_read_the_seeded_world(client: TradovateClient) -> None:
    plans = {p.name: p for p in client.list_subscription_plans()}
    assert (plans["SANDBOX_MONTHLY"].id, plans["SANDBOX_MONTHLY"].organization_id) == (PLAN, 1)
    accounts = {a.name: a for a in client.list_accounts()}
    assert accounts["TEMPLATE50K"].id == TEMPLATE
    assert DEFAULT_ADMIN[0] in {u.name for u in client.list_users()}


def test_contacts_of_many_users_are_read_in_chunks_of_1000(
    client: TradovateClient, sandbox: Sandbox
) -> None:
    user_id = new_user(client)
    assert client.update_contact(contact(user_id)) is None
    sandbox.clear_requests()
    contacts = _contacts(client, [user_id, *range(10**6, 10**6 + 1500)])
    assert [c.user_id for c in contacts] == [user_id]
    ldeps = [r for r in sandbox.requests() if r[2] == "/contactinfo/ldeps"]
    assert ldeps == [("GET", "live", "/contactinfo/ldeps", 200)] * 2


def test_contacts_read_several_calls_at_once_are_those_read_one_call_at_a_time(
    client: TradovateClient, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call a user: the calls in flight at once answer in the order of the users, each
    user's contact once, as one call at a time reads them."""
    user_ids = []
    for n in range(6):
        user_ids.append(new_user(client))
        assert client.update_contact(contact(user_ids[-1], city=f"City {n}")) is None
    monkeypatch.setattr(item_reads, "LDEPS_CHUNK", 1)
    sandbox.clear_requests()

    at_once = list(client.contact_chunks(user_ids))
    calls = [r for r in sandbox.requests() if r[2] == "/contactinfo/ldeps"]
    monkeypatch.setattr(item_reads, "READS_AT_ONCE", 1)
    one_at_a_time = _contacts(client, user_ids)

    assert [[c.user_id for c in part] for part in at_once] == [[u] for u in sorted(user_ids)]
    assert calls == [("GET", "live", "/contactinfo/ldeps", 200)] * 6
    assert [c for part in at_once for c in part] == one_at_a_time
    assert {c.city for c in one_at_a_time} == {f"City {n}" for n in range(6)}


def test_a_list_cut_into_pieces_as_it_arrives_reads_as_the_whole(
    client: TradovateClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        new_user(client)
    whole = client.list_users()
    monkeypatch.setattr(list_answers, "PIECE_BYTES", 64)  # a few users a piece

    assert client.list_users() == whole
    assert len(whole) > 5


def test_a_list_that_goes_bad_after_its_first_pieces_fails_as_the_whole() -> None:
    """Good users first, then one of another shape: the answer is refused as it is when it is
    parsed whole (the same problems), not cut short to the users before it."""
    good = [
        {"id": n, "name": f"u{n}", "email": f"u{n}@example.com", "status": "Active"}
        for n in range(40)
    ]
    answers = {"/user/list": [*good, {"id": "not a number"}]}
    refusals = []
    for piece in (list_answers.PIECE_BYTES, 64):  # parsed whole, then cut into pieces
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(list_answers, "PIECE_BYTES", piece)
            with offline(answers, []) as client, pytest.raises(ProviderUnavailable) as refused:
                client.list_users()
        refusals.append(str(refused.value))

    assert refusals[0] == refusals[1]
    assert "unexpected answer (4 validation errors in User)" in refusals[1]


# --- users --------------------------------------------------------------------------------


def test_create_users_returns_one_outcome_per_item_in_order(client: TradovateClient) -> None:
    name = unique("alice")
    outcomes = client.create_users(
        [
            evaluation_user(name, tradovate_subscription_plan_id=PLAN),
            evaluation_user(name.upper(), email=f"other-{name}@example.com"),
            evaluation_user(unique("bob"), email="not-an-email"),
            evaluation_user(unique("carol"), entitlement_ids=[T_PROP]),
            evaluation_user(unique("dave")),
        ]
    )
    assert [o.error_text for o in outcomes] == [
        None,
        "User already exists",
        "Email is invalid",
        "Sim+ entitlements must be added after the Market Data Agreement is signed",
        None,
    ]
    users = {u.name: u for u in client.list_users()}
    assert users[name].id == outcomes[0].user_id
    assert users[name].status == "Active"


def test_deprecated_entitlement_rejects_the_whole_batch(client: TradovateClient) -> None:
    name = unique("erin")
    with pytest.raises(ProviderRejected, match="GroupTrade"):
        client.create_users([evaluation_user(name, entitlement_ids=[22])])
    assert name not in {u.name for u in client.list_users()}


def test_email_and_password_changes(client: TradovateClient) -> None:
    user_id = new_user(client)
    other = new_user(client)
    email = f"{unique('new')}@example.com"
    assert client.modify_email(user_id=user_id, email=email) is None
    assert {u.id: u.email for u in client.list_users()}[user_id] == email
    taken = client.modify_email(user_id=other, email=email.upper())
    assert taken is not None
    assert client.modify_password(user_id=user_id, password=SecretStr("pw-New-0815")) is None
    assert client.modify_password(user_id=user_id, password=SecretStr("short")) is not None


def test_contact_update_reports_validation_errors(client: TradovateClient) -> None:
    user_id = new_user(client)
    assert client.update_contact(contact(user_id, country="USA")) == (
        "Country should be a two-letter code"
    )
    assert client.update_contact(contact(user_id, state=None)) == (
        "State is required when country is US"
    )
    assert client.update_contact(contact(user_id, country="DE", state=None)) is None
    (stored,) = _contacts(client, [user_id])
    assert (stored.country, stored.state, stored.city) == ("DE", None, "Chicago")


# --- accounts -------------------------------------------------------------------------------


def test_create_accounts_per_item_errors(client: TradovateClient) -> None:
    user_id = new_user(client)
    name = unique("ACME")
    account = {"user_id": user_id, "template_account_id": TEMPLATE, "initial_balance": 50_000}
    outcomes = client.create_accounts(
        [
            EvaluationAccount(name=name, post_trade_risk={"dailyLossAutoLiq": 1100}, **account),
            EvaluationAccount(name=name, **account),
            EvaluationAccount(name=unique("ACME"), **{**account, "user_id": 10**8}),
            EvaluationAccount(name=unique("ACME"), **{**account, "template_account_id": 9}),
        ]
    )
    assert [o.error_text for o in outcomes] == [
        None,
        "Account name already exists",
        "User not found",
        "Template account not found",
    ]
    created = {a.name: a for a in client.list_accounts()}[name]
    assert (created.id, created.evaluation_size, created.risk_category_id) == (
        outcomes[0].account_id,
        50_000,
        12,
    )
    permissions = {p.id: p for p in client.list_trading_permissions()}
    permission = permissions[outcomes[0].trading_permission_id or 0]
    assert (permission.user_id, permission.account_id, permission.status) == (
        user_id,
        created.id,
        "Accepted",
    )
    risk = {r.id: r for r in client.list_auto_liqs()}[created.id]
    assert (risk.daily_loss_auto_liq, risk.trailing_max_drawdown) == (1100, None)


def test_invalid_account_names_reject_the_batch_listing_the_violations(
    client: TradovateClient,
) -> None:
    user_id = new_user(client)
    good = unique("ACME")
    names = [good, "abc123", "ABC_123"]
    accounts = [
        EvaluationAccount(user_id=user_id, template_account_id=TEMPLATE, name=n, initial_balance=1)
        for n in names
    ]
    with pytest.raises(ProviderRejected, match="HTTP 400") as caught:
        client.create_accounts(accounts)
    assert "'abc123'" in str(caught.value)
    assert "'ABC_123'" in str(caught.value)
    assert good not in {a.name for a in client.list_accounts()}


def test_auto_liq_update_replaces_fields(client: TradovateClient) -> None:
    _, account_id, _ = new_account(client, new_user(client), dailyLossAutoLiq=1000)
    client.update_auto_liqs([{"accountId": account_id, "trailingMaxDrawdown": 2500}])
    risk = {r.id: r for r in client.list_auto_liqs()}[account_id]
    assert (risk.daily_loss_auto_liq, risk.trailing_max_drawdown) == (None, 2500)
    with pytest.raises(ProviderRejected, match="Account not found"):
        client.update_auto_liqs([{"accountId": 10**8, "dailyLossAutoLiq": 1}])


def test_revoking_the_last_permission_closes_the_account(client: TradovateClient) -> None:
    name, account_id, permission_id = new_account(client, new_user(client))
    client.revoke_trading_permissions([permission_id])
    client.revoke_trading_permissions([permission_id])  # idempotent
    status = {p.id: p.status for p in client.list_trading_permissions()}
    assert status[permission_id] == "Revoked"
    assert {a.id: a.closed for a in client.list_accounts()}[account_id] is True
    with pytest.raises(ProviderRejected, match="Trading permission not found"):
        client.revoke_trading_permissions([10**8])
    assert name


# --- entitlements and the Market Data Agreement ---------------------------------------------


def test_sim_plus_entitlement_waits_for_the_signature(
    client: TradovateClient, sandbox: Sandbox
) -> None:
    user_id = new_user(client)
    refused = client.add_entitlement(entitlement_id=T_PROP, user_id=user_id)
    assert (refused.error_text, refused.plugin) == ("Live account is required", None)

    sandbox.post(f"/users/{user_id}/sign-mda")
    (signal,) = [s for s in client.list_alert_signals(MDA_ALERT) if s.related_to_user_id == user_id]
    assert signal.completed is None

    added = client.add_entitlement(entitlement_id=T_PROP, user_id=user_id)
    assert (added.error_text, added.error_code) == (None, "Success")
    assert added.plugin is not None
    assert (added.plugin.user_id, added.plugin.entitlement_id) == (user_id, T_PROP)
    client.complete_alert_signal(signal.id)
    completed = {s.id: s for s in client.list_alert_signals(MDA_ALERT)}[signal.id]
    assert completed.completed is not None

    again = client.add_entitlement(entitlement_id=T_PROP, user_id=user_id)
    assert again.error_code == "ConflictWithExisting"
    plugins = [p for p in client.list_user_plugins() if p.user_id == user_id]
    assert [(p.entitlement_id, p.approval) for p in plugins] == [(T_PROP, True)]


def test_plugin_permission_change_and_unknown_signal(client: TradovateClient) -> None:
    user_id = new_user(client)
    added = client.add_entitlement(entitlement_id=301, user_id=user_id)
    assert added.plugin is not None
    name = added.plugin.plugin_name
    assert (
        client.change_plugin_permission(user_id=user_id, plugin_name=name, approval=False) is None
    )
    plugins = {p.id: p for p in client.list_user_plugins()}
    assert plugins[added.plugin.id].approval is False
    unknown = client.change_plugin_permission(user_id=user_id, plugin_name="Nope", approval=True)
    assert unknown is not None
    with pytest.raises(ProviderRejected, match="Alert signal not found"):
        client.complete_alert_signal(10**8)


def test_cancel_everything_on_both_domains_is_naturally_idempotent(
    client: TradovateClient,
) -> None:
    user_id = new_user(client, tradovate_subscription_plan_id=PLAN)
    _, account_id, permission_id = new_account(client, user_id)
    client.add_entitlement(entitlement_id=301, user_id=user_id)
    live = client.cancel_everything([user_id, 10**8], domain="live")
    demo = client.cancel_everything([user_id], domain="demo")
    assert len(live.tradovate_subscription_ids) == 1
    assert len(live.user_plugin_ids) == 1
    assert live.trading_permission_ids == []
    assert demo.trading_permission_ids == [permission_id]
    assert client.cancel_everything([user_id], domain="demo").trading_permission_ids == []
    assert {a.id: a.closed for a in client.list_accounts()}[account_id] is True


# --- the session against the sandbox ----------------------------------------------------------


def test_wrong_password_is_rejected(sandbox: Sandbox, clock: Clock) -> None:
    wrong = credentials(password="wrong-password")
    with (
        connect(sandbox, clock, credentials=wrong) as client,
        pytest.raises(ProviderRejected, match="authentication failed: Incorrect username"),
    ):
        client.list_users()


def test_token_is_renewed_before_expiry(
    client: TradovateClient, sandbox: Sandbox, clock: Clock
) -> None:
    client.list_users()
    sandbox.clear_requests()
    clock.now += 5400 - 15 * 60 + 1
    client.list_users()
    client.list_users()
    assert [r[2:] for r in sandbox.requests()] == [
        ("/auth/renewaccesstoken", 200),
        ("/user/list", 200),
        ("/user/list", 200),
    ]


def test_closed_session_is_reopened_once_after_408(
    client: TradovateClient, sandbox: Sandbox, clock: Clock
) -> None:
    """Two newer sessions of the same user close the client's session (at most two per user)."""
    client.list_users()
    for _ in range(2):
        with connect(sandbox, clock) as other:
            other.list_subscription_plans()
    sandbox.clear_requests()
    assert client.list_users()
    assert [r[2:] for r in sandbox.requests()] == [
        ("/user/list", 408),
        ("/auth/accesstokenrequest", 200),
        ("/user/list", 200),
    ]


def test_penalty_ticket_is_waited_out_and_the_change_resent(
    tight_sandbox: Sandbox, clock: Clock
) -> None:
    clock.now += 3601  # a fresh hourly window
    with connect(tight_sandbox, clock) as client:
        user_id = new_user(client)
        assert client.update_contact(contact(user_id)) is None
        assert client.update_contact(contact(user_id, city="Boston")) is None
        tight_sandbox.clear_requests()
        waits_before = len(clock.waits)
        assert client.update_contact(contact(user_id, city="Denver")) is None
        assert clock.waits[waits_before:] == [1]
        calls = [r for r in tight_sandbox.requests() if r[2] == "/contactinfo/updatecontactinfo"]
        assert len(calls) == 2
        (stored,) = _contacts(client, [user_id])
        assert stored.city == "Denver"


def test_unresolved_penalty_ticket_raises_rate_limited(
    tight_sandbox: Sandbox, clock: Clock
) -> None:
    clock.now += 3601  # a fresh hourly window
    with connect(tight_sandbox, clock, max_ticket_rounds=0) as client:
        user_id = new_user(client)
        for city in ("A-town", "B-town"):
            client.update_contact(contact(user_id, city=city))
        with pytest.raises(RateLimited) as caught:
            client.update_contact(contact(user_id, city="C-town"))
        assert caught.value.retry_after is not None


def test_user_level_lockout_raises_rate_limited_without_retrying(
    strict_sandbox: Sandbox, clock: Clock
) -> None:
    with connect(strict_sandbox, clock) as client:
        for _ in range(5):
            client.list_subscription_plans()
        strict_sandbox.clear_requests()
        waits_before = len(clock.waits)
        with pytest.raises(RateLimited, match="up to an hour") as caught:
            client.list_users()
    assert caught.value.retry_after is None
    assert [r[2:] for r in strict_sandbox.requests()] == [("/user/list", 429)]
    assert clock.waits[waits_before:] == []


# --- answers the sandbox never gives (MockTransport) -----------------------------------------


def offline(answers: dict[str, Any], seen: list[str]) -> TradovateClient:
    """A client whose hosts answer `answers[path]` (JSON) and record the paths asked."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.split("/v1", 1)[1]
        seen.append(path)
        if path == "/auth/accesstokenrequest":
            return httpx.Response(200, json={"accessToken": "t", "expirationTime": None})
        return httpx.Response(200, json=answers[path])

    transport = httpx.MockTransport(handle)
    return TradovateClient(
        live=make_http_client("https://live.test/v1", transport=transport),
        demo=make_http_client("https://demo.test/v1", transport=transport),
        credentials=credentials(),
        clock=Clock(),
        sleep=Clock().sleep,
    )


def test_batch_answer_with_missing_results_is_rejected() -> None:
    answers = {"/user/createevaluationusers": {"results": [{"userId": 1}]}}
    with offline(answers, []) as client, pytest.raises(ProviderRejected, match="expected 2"):
        client.create_users([evaluation_user("a1234"), evaluation_user("b1234")])


def test_list_answered_with_error_text_is_rejected() -> None:
    answers = {"/account/list": {"errorText": "Access denied"}}
    with offline(answers, []) as client, pytest.raises(ProviderRejected, match="Access denied"):
        client.list_accounts()


def test_empty_inputs_make_no_calls() -> None:
    seen: list[str] = []
    with offline({}, seen) as client:
        assert client.create_users([]) == []
        assert client.create_accounts([]) == []
        assert _contacts(client, []) == []
        client.update_auto_liqs([])
        client.revoke_trading_permissions([])
        assert client.cancel_everything([], domain="live").user_plugin_ids == []
    assert seen == []
