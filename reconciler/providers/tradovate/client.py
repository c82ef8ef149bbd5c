"""TradovateClient: one method per partner-API endpoint reconciler uses, taking and returning
the wire models; typed calls live in `calls` (account and risk writes in `account_calls`),
the token in `session`, retries and error shapes in `dispatch`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from reconciler.providers.pacing import Pacer
from reconciler.providers.tradovate import account_calls, item_reads
from reconciler.providers.tradovate.calls import (
    batch_results,
    list_of,
    post,
    rejection,
    simple,
)
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.dispatch import decode
from reconciler.providers.tradovate.models import (
    Account,
    AccountRiskStatus,
    AddEntitlementSubscription,
    AddTradovateSubscription,
    AdminAlert,
    AlertSignal,
    AlertSignalResponse,
    AutoLiq,
    BatchResponse,
    CancelEverything,
    CancelResult,
    ChangePluginPermission,
    CompleteAlertSignal,
    ContactInfo,
    ContactInfoResponse,
    ContactUpdate,
    CreateEvaluationAccounts,
    CreateEvaluationUsers,
    EntitlementOutcome,
    ErrorBody,
    EvaluationAccount,
    EvaluationUser,
    ItemOutcome,
    ModifyEmailAddress,
    ModifyPassword,
    PositionLimit,
    RiskCategory,
    RiskParameter,
    SubscriptionOutcome,
    SubscriptionPlan,
    TradingPermission,
    TradovateSubscription,
    User,
    UserPlugin,
)
from reconciler.providers.tradovate.session import Session, Token

LDEPS_CHUNK = item_reads.LDEPS_CHUNK
ITEMS_CHUNK = item_reads.ITEMS_CHUNK


class TradovateClient:
    """The Tradovate partner API over two injected httpx clients (LIVE and DEMO hosts).

    Authentication is lazy: the first call authenticates. Reads and the writes that only set
    values (contact info, risk settings, e-mail, password, plugin approval, signal completion,
    revocations, cancel-everything) retry transient failures with backoff; the writes that
    create something (users, accounts, entitlement subscriptions) make one HTTP call each (plus
    penalty-ticket resends) and are never repeated blindly: after a ProviderUnavailable their
    outcome is unknown and the next plan looks the object up by its natural key.
    Every request waits for `pacer` first (the platform's rate limits; none when omitted).
    """

    def __init__(
        self,
        *,
        live: httpx.Client,
        demo: httpx.Client,
        credentials: Credentials,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        renew_margin: float = 15 * 60,
        max_ticket_rounds: int = 5,
        read_attempts: int = 3,
        jitter: Callable[[], float] = random.random,
        pacer: Pacer | None = None,
    ) -> None:
        self._session = Session(
            live=live,
            demo=demo,
            credentials=credentials,
            clock=clock,
            sleep=sleep,
            renew_margin=renew_margin,
            max_ticket_rounds=max_ticket_rounds,
            read_attempts=read_attempts,
            jitter=jitter,
            pacer=pacer,
        )
        self._clock = clock

    def close(self) -> None:
        """Close both httpx clients."""
        self._session.close()

    def access_token(self) -> Token:
        """The shared access token, renewed when due (the user-data stream authorises with it)."""
        return self._session.token()

    def reauthenticate(self, stale: Token) -> Token:
        """A new login after the platform refused `stale` (at most one for concurrent callers)."""
        return self._session.reauthenticate(stale)

    def __enter__(self) -> TradovateClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- reads ---------------------------------------------------------------------------

    def list_users(self) -> list[User]:
        return list_of(self._session, "live", "/user/list", User)

    def contact_chunks(self, user_ids: Sequence[int]) -> Iterator[list[ContactInfo]]:
        """Contact info of the given users, LDEPS_CHUNK ids a call, one call's answer at a time."""
        entity = "contactInfo"
        return item_reads.dependent_chunks(self._session, "live", entity, ContactInfo, user_ids)

    def users_by_id(self, ids: Sequence[int]) -> list[User]:
        """The users of `ids` that exist, in chunks of ITEMS_CHUNK ids per call."""
        return item_reads.items(self._session, "live", "user", User, ids)

    def user_plugins_of(self, user_ids: Sequence[int]) -> list[UserPlugin]:
        """The given users' plugins (entitlement subscriptions)."""
        return item_reads.dependents(self._session, "live", "userPlugin", UserPlugin, user_ids)

    def subscriptions_of(self, user_ids: Sequence[int]) -> list[TradovateSubscription]:
        """The given users' Tradovate subscriptions."""
        entity, model = "tradovateSubscription", TradovateSubscription
        return item_reads.dependents(self._session, "live", entity, model, user_ids)

    def list_subscription_plans(self) -> list[SubscriptionPlan]:
        return list_of(self._session, "live", "/tradovateSubscriptionPlan/list", SubscriptionPlan)

    def list_subscriptions(self) -> list[TradovateSubscription]:
        path = "/tradovateSubscription/list"
        return list_of(self._session, "live", path, TradovateSubscription)

    def list_user_plugins(self) -> list[UserPlugin]:
        return list_of(self._session, "live", "/userPlugin/list", UserPlugin)

    def list_position_limits(self) -> list[PositionLimit]:
        return list_of(self._session, "demo", "/userAccountPositionLimit/list", PositionLimit)

    def list_risk_parameters(self) -> list[RiskParameter]:
        return list_of(self._session, "demo", "/userAccountRiskParameter/list", RiskParameter)

    def list_admin_alerts(self) -> list[AdminAlert]:
        return list_of(self._session, "live", "/adminAlert/list", AdminAlert)

    def list_alert_signals(self, alert_id: int) -> list[AlertSignal]:
        """Signals of one admin alert (the platform keeps only the current week's)."""
        params = {"masterid": str(alert_id)}
        return list_of(self._session, "live", "/adminAlertSignal/deps", AlertSignal, params=params)

    def list_accounts(self) -> list[Account]:
        return list_of(self._session, "demo", "/account/list", Account)

    def list_live_accounts(self) -> list[Account]:
        """The firm's LIVE accounts (among them its `_DATA` account for market data)."""
        return list_of(self._session, "live", "/account/list", Account)

    def list_trading_permissions(self) -> list[TradingPermission]:
        return list_of(self._session, "demo", "/tradingPermission/list", TradingPermission)

    def list_auto_liqs(self) -> list[AutoLiq]:
        return list_of(self._session, "demo", "/userAccountAutoLiq/list", AutoLiq)

    def list_risk_categories(self) -> list[RiskCategory]:
        return list_of(self._session, "demo", "/riskCategory/list", RiskCategory)

    def list_risk_statuses(self) -> list[AccountRiskStatus]:
        return list_of(self._session, "demo", "/accountRiskStatus/list", AccountRiskStatus)

    # --- writes --------------------------------------------------------------------------

    def create_users(self, users: Sequence[EvaluationUser]) -> list[ItemOutcome]:
        """One outcome per user, in input order; a failed item is an outcome, not an error."""
        if not users:
            return []
        path = "/user/createevaluationusers"
        answer = post(
            self._session, "live", path, CreateEvaluationUsers(users=list(users)), BatchResponse
        )
        return batch_results(answer, len(users), operation=path)

    def create_accounts(self, accounts: Sequence[EvaluationAccount]) -> list[ItemOutcome]:
        """One outcome per account, in input order; invalid names reject the whole call."""
        if not accounts:
            return []
        path = "/user/createevaluationaccounts"
        request = CreateEvaluationAccounts(accounts=list(accounts))
        answer = post(self._session, "demo", path, request, BatchResponse)
        return batch_results(answer, len(accounts), operation=path)

    def update_contact(self, contact: ContactUpdate) -> str | None:
        """Create or replace a user's contact info; returns the errorText, None on success."""
        path = "/contactInfo/updatecontactinfo"
        return post(
            self._session, "live", path, contact, ContactInfoResponse, idempotent=True
        ).error_text

    def update_auto_liqs(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Replace the post-trade risk of accounts; `items` are camelCase dicts with accountId."""
        account_calls.update_auto_liqs(self._session, items)

    def revoke_trading_permissions(self, ids: Sequence[int]) -> None:
        account_calls.revoke_trading_permissions(self._session, ids)

    def add_entitlement(
        self, *, entitlement_id: int, user_id: int, account_id: int | None = None
    ) -> EntitlementOutcome:
        """Subscribe a user; `account_id` is the firm's LIVE `_DATA` account (omitted if None)."""
        path = "/userPlugin/addentitlementsubscription"
        request = AddEntitlementSubscription(
            entitlement_id=entitlement_id, user_id=user_id, account_id=account_id
        )
        return post(self._session, "live", path, request, EntitlementOutcome)

    def add_subscription(self, *, plan_id: int, user_id: int) -> str | None:
        """Give a user the plan (as creation does); returns the errorText, None on success."""
        path = "/user/addtradovatesubscription"
        request = AddTradovateSubscription(tradovate_subscription_plan_id=plan_id, user_id=user_id)
        return post(self._session, "live", path, request, SubscriptionOutcome).error_text

    def complete_alert_signal(self, signal_id: int) -> AlertSignal | None:
        """Silence a signal; returns it as the platform now shows it (when it says)."""
        path = "/adminAlertSignal/completealertsignal"
        request = CompleteAlertSignal(admin_alert_signal_id=signal_id)
        answer = post(self._session, "live", path, request, AlertSignalResponse, idempotent=True)
        if answer.error_text:
            raise rejection(answer.error_text, path)
        return answer.admin_alert_signal

    def change_plugin_permission(
        self, *, user_id: int, plugin_name: str, approval: bool
    ) -> str | None:
        path = "/userPlugin/changepluginpermission"
        request = ChangePluginPermission(
            user_id=user_id, plugin_name=plugin_name, approval=approval
        )
        return simple(self._session, "live", path, request)

    def cancel_everything(
        self, user_ids: Sequence[int], *, domain: Literal["live", "demo"]
    ) -> CancelResult:
        """Cancel subscriptions, plugins, market data and trading permissions on one domain."""
        if not user_ids:
            return CancelResult()
        path = "/user/canceleverything"
        body = CancelEverything(user_ids=list(user_ids)).body()
        payload = self._session.call(domain, "POST", path, body=body, idempotent=True)
        error = decode(ErrorBody, payload, operation=path).error_text
        if error:
            raise rejection(error, path)
        return decode(CancelResult, payload, operation=path)

    def reset_accounts(self, ids: Sequence[int]) -> None:
        """Reset demo accounts to their starting state as of today's trade date (UTC).
        Not retried on a lost answer: a second reset would wipe what happened in between."""
        account_calls.reset_accounts(self._session, ids, now=self._clock())

    def switch_risk_category(self, ids: Sequence[int], *, risk_category_id: int) -> None:
        account_calls.switch_risk_category(self._session, ids, risk_category_id=risk_category_id)

    def set_admin_action(self, *, account_id: int, action: str, reason: str | None) -> str | None:
        """Set an account's admin auto-liq action; returns the errorText, None on success."""
        return account_calls.set_admin_action(
            self._session, account_id=account_id, action=action, reason=reason
        )

    def modify_email(self, *, user_id: int, email: str) -> str | None:
        path = "/user/modifyemailaddress"
        return simple(self._session, "live", path, ModifyEmailAddress(user_id=user_id, email=email))

    def modify_password(self, *, user_id: int, password: SecretStr) -> str | None:
        path = "/user/modifypassword"
        return simple(
            self._session, "live", path, ModifyPassword(user_id=user_id, password=password)
        )
