"""Tradovate wire models: what the partner API sends and receives. Attributes are snake_case;
the camelCase (and hyphenated) wire names appear only here, as pydantic aliases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """Base of every wire model: immutable, camelCase aliases, unknown fields ignored."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        hide_input_in_errors=True,  # inputs may hold tokens or passwords
    )


class ErrorTextResponse(Wire):
    """A response that may carry `errorText`; an empty text means success and reads as None."""

    error_text: str | None = None

    @field_validator("error_text", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


# --- entities read back -------------------------------------------------------------------


class User(Wire):
    id: int
    name: str
    email: str
    status: str
    professional: bool = False
    organization_id: int | None = None
    timestamp: str | None = None


class ContactInfo(Wire):
    id: int
    user_id: int
    first_name: str
    last_name: str
    street_address1: str
    street_address2: str | None = None
    city: str
    state: str | None = None
    post_code: str | None = None
    country: str
    phone: str


class SubscriptionPlan(Wire):
    id: int
    name: str
    title: str = ""
    organization_id: int | None = None


class Account(Wire):
    id: int
    name: str
    user_id: int
    closed: bool = False
    active: bool = True
    risk_category_id: int | None = None
    auto_liq_profile_id: int | None = None
    evaluation_size: float | None = None


class TradingPermission(Wire):
    id: int
    user_id: int
    account_id: int
    status: str


class AutoLiq(Wire):
    """Post-trade risk of one account; `id` is the account id. None means the check is off."""

    id: int
    margin_percentage_alert: float | None = None
    daily_loss_percentage_alert: float | None = None
    daily_loss_alert: float | None = None
    margin_percentage_liq_only: float | None = None
    daily_loss_percentage_liq_only: float | None = None
    daily_loss_liq_only: float | None = None
    margin_percentage_auto_liq: float | None = None
    daily_loss_percentage_auto_liq: float | None = None
    daily_loss_auto_liq: float | None = None
    weekly_loss_auto_liq: float | None = None
    daily_profit_auto_liq: float | None = None
    weekly_profit_auto_liq: float | None = None
    trailing_max_drawdown: float | None = None
    trailing_max_drawdown_limit: float | None = None
    trailing_max_drawdown_mode: str | None = None
    do_not_unlock: bool | None = None
    changes_locked: bool | None = None
    flatten_timestamp: str | None = None


class UserPlugin(Wire):
    id: int
    user_id: int
    entitlement_id: int | None = None
    plugin_name: str
    approval: bool
    account_id: int | None = None


class PositionLimit(Wire):
    """One pre-trade risk rule of an account (`userAccountPositionLimit`); extra fields kept."""

    model_config = ConfigDict(extra="allow")

    id: int
    account_id: int


class RiskParameter(Wire):
    """One parameter of a position limit (`userAccountRiskParameter`); extra fields kept."""

    model_config = ConfigDict(extra="allow")

    id: int
    user_account_position_limit_id: int


class AdminAlert(Wire):
    id: int
    name: str


class AlertSignal(Wire):
    id: int
    admin_alert_id: int
    related_to_user_id: int | None = None
    timestamp: str
    completed: str | None = None
    archived: bool = False
    text: str = ""


# --- requests -----------------------------------------------------------------------------


def _reveal(value: object) -> Any:
    """Replace SecretStr values by their plaintext, recursively (only when building a body)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Mapping):
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(item) for item in value]
    return value


class WireRequest(Wire):
    """A request body; secrets stay SecretStr until `body()` builds the JSON."""

    def body(self) -> dict[str, Any]:
        """The JSON body with wire names; None fields are omitted, secrets revealed."""
        dumped: dict[str, Any] = _reveal(self.model_dump(by_alias=True, exclude_none=True))
        return dumped


class AccessTokenRequest(WireRequest):
    name: str
    password: SecretStr
    app_id: str | None = None
    app_version: str | None = None
    cid: str | int | None = None
    sec: SecretStr | None = None
    device_id: str | None = None


class EvaluationUser(WireRequest):
    name: str
    email: str
    password: SecretStr
    first_name: str
    last_name: str
    tradovate_subscription_plan_id: int | None = None
    entitlement_ids: list[int] | None = None


class EvaluationAccount(WireRequest):
    """One account to create; `pre_trade_risk`/`post_trade_risk` dicts are already camelCase."""

    user_id: int
    template_account_id: int
    name: str
    initial_balance: float
    pre_trade_risk: list[dict[str, Any]] | None = None
    post_trade_risk: dict[str, Any] | None = None


class ContactUpdate(WireRequest):
    user_id: int
    first_name: str
    last_name: str
    street_address1: str
    street_address2: str | None = None
    city: str
    state: str | None = None
    post_code: str | None = None
    country: str
    phone: str


class CreateEvaluationUsers(WireRequest):
    users: list[EvaluationUser]


class CreateEvaluationAccounts(WireRequest):
    accounts: list[EvaluationAccount]


class UpdateUserAutoLiqs(WireRequest):
    items: list[dict[str, Any]]


class RevokeTradingPermissions(WireRequest):
    trading_permission_ids: list[int]


class AddEntitlementSubscription(WireRequest):
    entitlement_id: int
    user_id: int


class CompleteAlertSignal(WireRequest):
    admin_alert_signal_id: int


class ChangePluginPermission(WireRequest):
    user_id: int
    plugin_name: str
    approval: bool


class CancelEverything(WireRequest):
    user_ids: list[int]
    tradovate_subscriptions: bool = True
    user_plugins: bool = True
    market_data_subscriptions: bool = True
    trading_permissions: bool = True


class ModifyEmailAddress(WireRequest):
    user_id: int
    email: str


class ModifyPassword(WireRequest):
    user_id: int
    password: SecretStr


# --- responses ----------------------------------------------------------------------------


class ItemOutcome(ErrorTextResponse):
    """One entry of a batch create: the new ids, or the item's errorText."""

    user_id: int | None = None
    account_id: int | None = None
    trading_permission_id: int | None = None


class BatchResponse(ErrorTextResponse):
    results: list[ItemOutcome] = Field(default_factory=list)


class SimpleResponse(ErrorTextResponse):
    ok: bool | None = None
    status: str | None = None


class ContactInfoResponse(ErrorTextResponse):
    contact_info: ContactInfo | None = None


class AutoLiqResult(Wire):
    user_account_auto_liq: AutoLiq | None = None


class AutoLiqsResponse(ErrorTextResponse):
    user_auto_liqs: list[AutoLiqResult] = Field(default_factory=list)


class AlertSignalResponse(ErrorTextResponse):
    admin_alert_signal: AlertSignal | None = None


class EntitlementOutcome(ErrorTextResponse):
    error_code: str | None = None
    plugin: UserPlugin | None = Field(default=None, alias="entitlementSubscription")


class CancelResult(Wire):
    """Ids actually cancelled by one cancelEverything call (a repeat returns empty lists)."""

    tradovate_subscription_ids: list[int] = Field(default_factory=list)
    user_plugin_ids: list[int] = Field(default_factory=list)
    market_data_subscription_ids: list[int] = Field(default_factory=list)
    trading_permission_ids: list[int] = Field(default_factory=list)


class Violation(Wire):
    constraint: str = ""
    value: Any = None
    description: str = ""


class ErrorBody(ErrorTextResponse):
    """The body of a 4xx answer: an errorText and/or validation violations."""

    violations: list[Violation] = Field(default_factory=list)

    def describe(self) -> str:
        """One line: the violations (`constraint=value: description`) or the errorText."""
        if self.violations:
            return "; ".join(
                f"{v.constraint}={v.value!r}: {v.description}" for v in self.violations
            )
        return self.error_text or ""


# --- authentication and penalty tickets -----------------------------------------------------


class AccessTokenResponse(ErrorTextResponse):
    access_token: SecretStr | None = None
    expiration_time: datetime | None = None
    user_id: int | None = None
    name: str | None = None


class PenaltyTicket(Wire):
    """An endpoint-level throttle answer (HTTP 200): wait `wait` seconds, then resend."""

    ticket: SecretStr = Field(alias="p-ticket")
    wait: float = Field(default=0.0, alias="p-time")
    captcha: bool = Field(default=False, alias="p-captcha")

    @classmethod
    def find(cls, payload: object) -> PenaltyTicket | None:
        """The ticket in a response payload, or None when the payload is not one."""
        if isinstance(payload, Mapping) and "p-ticket" in payload:
            return cls.model_validate(payload)
        return None

    def stamp(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The identical body (or query) with this ticket added for the resend."""
        return {**body, "p-ticket": self.ticket.get_secret_value()}


# --- account lifecycle: risk categories, admin actions, resets -----------------------------


class RiskCategory(Wire):
    """`/riskCategory/list` (named by the docs, absent from the spec: shape assumed)."""

    id: int
    name: str


class AccountRiskStatus(Wire):
    """An account's risk status; its id is the account id (the Tradovate dependent convention,
    assumed). `admin_action` is what `setadminautoliqaction` last set."""

    id: int
    admin_action: str | None = None


class TradeDate(Wire):
    year: int
    month: int
    day: int


class ResetDemoAccountState(WireRequest):
    account_ids: list[int]
    reset_trade_date: TradeDate


class SwitchRiskCategory(WireRequest):
    account_ids: list[int]
    risk_category_id: int


class SetAdminAutoLiqAction(WireRequest):
    account_id: int
    admin_action: str
    admin_action_reason_code: str | None = None
    admin_action_reason: str | None = None
