"""Tradovate wire models of accounts, trading permissions and risk (post-trade auto-liq,
pre-trade limits, risk categories, admin actions, resets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, Field

from reconciler.providers.tradovate.wire import ROW, ErrorTextResponse, Wire, WireRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    __pydantic_config__ = ROW

    id: int
    name: str
    user_id: int
    closed: bool = False
    active: bool = True
    risk_category_id: int | None = None
    auto_liq_profile_id: int | None = None
    evaluation_size: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingPermission:
    __pydantic_config__ = ROW

    id: int
    user_id: int
    account_id: int
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoLiq:
    """Post-trade risk of one account; `id` is the account id. None means the check is off."""

    __pydantic_config__ = ROW

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


class EvaluationAccount(WireRequest):
    """One account to create; `pre_trade_risk`/`post_trade_risk` dicts are already camelCase."""

    user_id: int
    template_account_id: int
    name: str
    initial_balance: float
    pre_trade_risk: list[dict[str, Any]] | None = None
    post_trade_risk: dict[str, Any] | None = None


class CreateEvaluationAccounts(WireRequest):
    accounts: list[EvaluationAccount]


class UpdateUserAutoLiqs(WireRequest):
    items: list[dict[str, Any]]


class RevokeTradingPermissions(WireRequest):
    trading_permission_ids: list[int]


class AutoLiqResult(Wire):
    user_account_auto_liq: AutoLiq | None = None


class AutoLiqsResponse(ErrorTextResponse):
    user_auto_liqs: list[AutoLiqResult] = Field(default_factory=list)


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
