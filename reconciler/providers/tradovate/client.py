"""TradovateClient: one method per partner-API endpoint reconciler uses, taking and returning
the wire models; authentication, retries and error shapes live in `session`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from reconciler.errors import ProviderRejected, ProviderUnavailable
from reconciler.providers.pacing import Pacer
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.dispatch import PROVIDER, Decoded, Domain, ModelT, decode
from reconciler.providers.tradovate.limits import MASTER_IDS_PER_LDEPS
from reconciler.providers.tradovate.models import (
    Account,
    AccountRiskStatus,
    AddEntitlementSubscription,
    AdminAlert,
    AlertSignal,
    AlertSignalResponse,
    AutoLiq,
    AutoLiqsResponse,
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
    ResetDemoAccountState,
    RevokeTradingPermissions,
    RiskCategory,
    RiskParameter,
    SetAdminAutoLiqAction,
    SimpleResponse,
    SubscriptionPlan,
    SwitchRiskCategory,
    TradeDate,
    TradingPermission,
    UpdateUserAutoLiqs,
    User,
    UserPlugin,
    WireRequest,
)
from reconciler.providers.tradovate.session import Session, Token

LDEPS_CHUNK = MASTER_IDS_PER_LDEPS.value
"""Most master ids the platform accepts in one `ldeps` call."""


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
        self._lists: dict[type[BaseModel], TypeAdapter[Any]] = {}
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
        return self._list("live", "/user/list", User)

    def list_contacts(self, user_ids: Sequence[int]) -> list[ContactInfo]:
        """Contact info of the given users, in chunks of LDEPS_CHUNK ids per call."""
        ids = list(dict.fromkeys(user_ids))
        contacts: list[ContactInfo] = []
        for start in range(0, len(ids), LDEPS_CHUNK):
            chunk = ",".join(str(i) for i in ids[start : start + LDEPS_CHUNK])
            contacts += self._list(
                "live", "/contactInfo/ldeps", ContactInfo, params={"masterids": chunk}
            )
        return contacts

    def list_subscription_plans(self) -> list[SubscriptionPlan]:
        return self._list("live", "/tradovateSubscriptionPlan/list", SubscriptionPlan)

    def list_user_plugins(self) -> list[UserPlugin]:
        return self._list("live", "/userPlugin/list", UserPlugin)

    def list_position_limits(self) -> list[PositionLimit]:
        return self._list("demo", "/userAccountPositionLimit/list", PositionLimit)

    def list_risk_parameters(self) -> list[RiskParameter]:
        return self._list("demo", "/userAccountRiskParameter/list", RiskParameter)

    def list_admin_alerts(self) -> list[AdminAlert]:
        return self._list("live", "/adminAlert/list", AdminAlert)

    def list_alert_signals(self, alert_id: int) -> list[AlertSignal]:
        """Signals of one admin alert (the platform keeps only the current week's)."""
        params = {"masterid": str(alert_id)}
        return self._list("live", "/adminAlertSignal/deps", AlertSignal, params=params)

    def list_accounts(self) -> list[Account]:
        return self._list("demo", "/account/list", Account)

    def list_trading_permissions(self) -> list[TradingPermission]:
        return self._list("demo", "/tradingPermission/list", TradingPermission)

    def list_auto_liqs(self) -> list[AutoLiq]:
        return self._list("demo", "/userAccountAutoLiq/list", AutoLiq)

    def list_risk_categories(self) -> list[RiskCategory]:
        return self._list("demo", "/riskCategory/list", RiskCategory)

    def list_risk_statuses(self) -> list[AccountRiskStatus]:
        return self._list("demo", "/accountRiskStatus/list", AccountRiskStatus)

    # --- writes --------------------------------------------------------------------------

    def create_users(self, users: Sequence[EvaluationUser]) -> list[ItemOutcome]:
        """One outcome per user, in input order; a failed item is an outcome, not an error."""
        if not users:
            return []
        path = "/user/createevaluationusers"
        answer = self._post("live", path, CreateEvaluationUsers(users=list(users)), BatchResponse)
        return self._results(answer, len(users), operation=path)

    def create_accounts(self, accounts: Sequence[EvaluationAccount]) -> list[ItemOutcome]:
        """One outcome per account, in input order; invalid names reject the whole call."""
        if not accounts:
            return []
        path = "/user/createevaluationaccounts"
        request = CreateEvaluationAccounts(accounts=list(accounts))
        answer = self._post("demo", path, request, BatchResponse)
        return self._results(answer, len(accounts), operation=path)

    def update_contact(self, contact: ContactUpdate) -> str | None:
        """Create or replace a user's contact info; returns the errorText, None on success."""
        path = "/contactInfo/updatecontactinfo"
        return self._post("live", path, contact, ContactInfoResponse, idempotent=True).error_text

    def update_auto_liqs(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Replace the post-trade risk of accounts; `items` are camelCase dicts with accountId."""
        if not items:
            return
        path = "/userAccountAutoLiq/updateuserautoliqs"
        request = UpdateUserAutoLiqs(items=[dict(item) for item in items])
        error = self._post("demo", path, request, AutoLiqsResponse, idempotent=True).error_text
        if error:
            raise _rejection(error, path)

    def revoke_trading_permissions(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        path = "/user/revoketradingpermissions"
        request = RevokeTradingPermissions(trading_permission_ids=list(ids))
        answer = self._post("demo", path, request, SimpleResponse, idempotent=True)
        if answer.error_text or answer.ok is not True:
            raise _rejection(answer.error_text or "the platform answered ok: false", path)

    def add_entitlement(self, *, entitlement_id: int, user_id: int) -> EntitlementOutcome:
        path = "/userPlugin/addentitlementsubscription"
        request = AddEntitlementSubscription(entitlement_id=entitlement_id, user_id=user_id)
        return self._post("live", path, request, EntitlementOutcome)

    def complete_alert_signal(self, signal_id: int) -> AlertSignal | None:
        """Silence a signal; returns it as the platform now shows it (when it says)."""
        path = "/adminAlertSignal/completealertsignal"
        request = CompleteAlertSignal(admin_alert_signal_id=signal_id)
        answer = self._post("live", path, request, AlertSignalResponse, idempotent=True)
        if answer.error_text:
            raise _rejection(answer.error_text, path)
        return answer.admin_alert_signal

    def change_plugin_permission(
        self, *, user_id: int, plugin_name: str, approval: bool
    ) -> str | None:
        path = "/userPlugin/changepluginpermission"
        request = ChangePluginPermission(
            user_id=user_id, plugin_name=plugin_name, approval=approval
        )
        return self._simple("live", path, request)

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
            raise _rejection(error, path)
        return decode(CancelResult, payload, operation=path)

    def reset_accounts(self, ids: Sequence[int]) -> None:
        """Reset demo accounts to their starting state as of today's trade date (UTC).
        Not retried on a lost answer: a second reset would wipe what happened in between."""
        if not ids:
            return
        path = "/account/resetdemoaccountstate"
        day = datetime.fromtimestamp(self._clock(), UTC).date()
        request = ResetDemoAccountState(
            account_ids=list(ids),
            reset_trade_date=TradeDate(year=day.year, month=day.month, day=day.day),
        )
        answer = self._post("demo", path, request, SimpleResponse)
        if answer.error_text or answer.ok is not True:
            raise _rejection(answer.error_text or "the platform answered ok: false", path)

    def switch_risk_category(self, ids: Sequence[int], *, risk_category_id: int) -> None:
        if not ids:
            return
        path = "/accountRiskStatus/switchriskcategory"
        request = SwitchRiskCategory(account_ids=list(ids), risk_category_id=risk_category_id)
        answer = self._post("demo", path, request, SimpleResponse, idempotent=True)
        if answer.error_text or answer.ok is False:
            raise _rejection(answer.error_text or "the platform answered ok: false", path)

    def set_admin_action(self, *, account_id: int, action: str, reason: str | None) -> str | None:
        """Set an account's admin auto-liq action; returns the errorText, None on success."""
        path = "/accountRiskStatus/setadminautoliqaction"
        request = SetAdminAutoLiqAction(
            account_id=account_id,
            admin_action=action,
            admin_action_reason_code=None if reason is None else "Other",
            admin_action_reason=reason,
        )
        return self._simple("demo", path, request)

    def modify_email(self, *, user_id: int, email: str) -> str | None:
        path = "/user/modifyemailaddress"
        return self._simple("live", path, ModifyEmailAddress(user_id=user_id, email=email))

    def modify_password(self, *, user_id: int, password: SecretStr) -> str | None:
        path = "/user/modifypassword"
        return self._simple("live", path, ModifyPassword(user_id=user_id, password=password))

    # --- plumbing --------------------------------------------------------------------------

    def _list(
        self,
        domain: Domain,
        path: str,
        model: type[ModelT],
        *,
        params: Mapping[str, str] | None = None,
    ) -> list[ModelT]:
        lists = self._lists.get(model)
        if lists is None:
            lists = self._lists[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
        payload = self._session.call(domain, "GET", path, params=params, items=lists)
        if isinstance(payload, Decoded):  # validated as it was parsed: nothing left to check
            decoded: list[ModelT] = payload.items
            return decoded
        if not isinstance(payload, list):
            error = decode(ErrorBody, payload or {}, operation=path).error_text
            raise _rejection(error or "the answer is not a list", path)
        try:
            items: list[ModelT] = lists.validate_python(payload)  # one call for the whole list
        except ValidationError as exc:
            raise ProviderUnavailable(
                f"unexpected answer ({exc.error_count()} validation errors in {model.__name__})",
                provider=PROVIDER,
                operation=path,
            ) from exc
        return items

    def _post(
        self,
        domain: Domain,
        path: str,
        request: WireRequest,
        model: type[ModelT],
        *,
        idempotent: bool = False,
    ) -> ModelT:
        payload = self._session.call(
            domain, "POST", path, body=request.body(), idempotent=idempotent
        )
        return decode(model, payload, operation=path)

    def _simple(self, domain: Domain, path: str, request: WireRequest) -> str | None:
        """An idempotent POST answered `{ok}`, `{status}` or `{errorText}`: the error text or
        None."""
        answer = self._post(domain, path, request, SimpleResponse, idempotent=True)
        if answer.error_text:
            return answer.error_text
        if answer.ok is False:
            return "the platform answered ok: false"
        return None

    @staticmethod
    def _results(answer: BatchResponse, expected: int, *, operation: str) -> list[ItemOutcome]:
        if answer.error_text:
            raise _rejection(answer.error_text, operation)
        if len(answer.results) != expected:
            raise _rejection(f"expected {expected} results, got {len(answer.results)}", operation)
        return answer.results


def _rejection(message: str, operation: str) -> ProviderRejected:
    return ProviderRejected(message, provider=PROVIDER, operation=operation)
