"""Manifest-facing models of the Tradovate provider: firm settings and the trader block."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from reconciler.manifest import Frozen, Lifecycle, Problem, Trader
from reconciler.providers.http import PlatformUrl

ACCOUNT_NAME = r"^[A-Z]+[0-9]+$"

# CME Group's restricted countries (names on the platform's page; ISO alpha-2 mapping ours).
CME_RESTRICTED = frozenset(
    [
        "AF",
        "AL",
        "AQ",
        "BY",
        "BF",
        "TD",
        "CG",
        "CD",
        "CI",
        "CU",
        "DJ",
        "TL",
        "GW",
        "IR",
        "JO",
        "LA",
        "LS",
        "LY",
        "MW",
        "KP",
        "PS",
        "RW",
        "SL",
        "SO",
        "SD",
        "SS",
        "SY",
        "TJ",
        "YE",
    ]
)

MDA_ALERT_IDS = {"production": 68, "staging": 70, "sandbox": 70}
"""AdminAlert id of the non-professional Market Data Agreement signature, per environment."""


class Endpoints(Frozen):
    """Explicit LIVE and DEMO base URLs, e.g. a standing sandbox or a proxy."""

    live_url: PlatformUrl
    demo_url: PlatformUrl


class Credentials(Frozen):
    """The partner API key bundle. `password` and `sec` are secrets."""

    name: str = Field(min_length=1, max_length=64)
    password: SecretStr
    app_id: str = ""
    app_version: str = "1.0"
    cid: str | int = 0
    sec: SecretStr | None = None
    device_id: str = "reconciler"


class PostTradeRisk(Frozen):
    """Post-trade risk (auto-liquidation) settings; an omitted field means that check is off."""

    margin_percentage_alert: float | None = Field(default=None, ge=0)
    daily_loss_percentage_alert: float | None = Field(default=None, ge=0)
    daily_loss_alert: float | None = Field(default=None, ge=0)
    margin_percentage_liq_only: float | None = Field(default=None, ge=0)
    daily_loss_percentage_liq_only: float | None = Field(default=None, ge=0)
    daily_loss_liq_only: float | None = Field(default=None, ge=0)
    margin_percentage_auto_liq: float | None = Field(default=None, ge=0)
    daily_loss_percentage_auto_liq: float | None = Field(default=None, ge=0)
    daily_loss_auto_liq: float | None = Field(default=None, ge=0)
    weekly_loss_auto_liq: float | None = Field(default=None, ge=0)
    daily_profit_auto_liq: float | None = Field(default=None, ge=0)
    weekly_profit_auto_liq: float | None = Field(default=None, ge=0)
    trailing_max_drawdown: float | None = Field(default=None, ge=0)
    trailing_max_drawdown_limit: float | None = Field(default=None, ge=0)
    trailing_max_drawdown_mode: Literal["EOD", "RealTime"] | None = None
    do_not_unlock: bool | None = None
    changes_locked: bool | None = None


class PreTradeRisk(Frozen):
    """One position-limit rule; `parameters` are passed through as the platform defines them."""

    active: bool = True
    total_by: Literal[
        "Contract",
        "ContractGroup",
        "DiscountGroup",
        "Exchange",
        "FungibleProduct",
        "Overall",
        "Product",
        "ProductType",
    ]
    short_limit: int | None = Field(default=None, ge=0)
    long_limit: int | None = Field(default=None, ge=0)
    exposed_limit: int | None = Field(default=None, ge=0)
    product_id: int | None = None
    contract_id: int | None = None
    exchange_id: int | None = None
    parameters: list[dict[str, int | float | bool]] = Field(default_factory=list)


class AccountTemplate(Frozen):
    """A named evaluation template: the platform's template account plus balance and risk."""

    template_account_id: int | None = Field(default=None, gt=0)
    template_account: str | None = Field(default=None, min_length=1, max_length=64)
    initial_balance: float = Field(gt=0)
    pre_trade_risk: list[PreTradeRisk] = Field(default_factory=list)
    post_trade_risk: PostTradeRisk = PostTradeRisk()
    risk_category: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_template_reference(self) -> AccountTemplate:
        if (self.template_account_id is None) == (self.template_account is None):
            raise ValueError("give exactly one of template_account_id or template_account")
        return self


class TradovateSettings(Frozen):
    """`providers.tradovate` on the Firm."""

    environment: Literal["sandbox", "staging", "production"] | Endpoints = "sandbox"
    credentials: Credentials | None = None
    subscription_plan: str | None = Field(default=None, min_length=1, max_length=64)
    entitlements: dict[str, int] = Field(default_factory=dict)
    account_templates: dict[str, AccountTemplate] = Field(default_factory=dict)
    mda_alert_id: int | None = Field(default=None, gt=0)
    live_data_account: str | None = Field(default=None, min_length=1, max_length=64)
    live_data_account_id: int | None = Field(default=None, gt=0)
    """The firm's LIVE `_DATA` account, sent as `accountId` with every entitlement request
    (conformance checklist, stage 3); by name or id, resolved at plan time. None: not sent."""
    verify_tls: Literal[True] = True

    @model_validator(mode="after")
    def _credentials_off_sandbox(self) -> TradovateSettings:
        if self.environment != "sandbox" and self.credentials is None:
            raise ValueError("credentials are required unless environment is sandbox")
        if self.live_data_account is not None and self.live_data_account_id is not None:
            raise ValueError("give at most one of live_data_account or live_data_account_id")
        return self

    @property
    def alert_id(self) -> int:
        """The MDA-signature AdminAlert id for this environment."""
        if self.mda_alert_id is not None:
            return self.mda_alert_id
        env = self.environment if isinstance(self.environment, str) else "staging"
        return MDA_ALERT_IDS[env]


class TradovateAccount(Frozen):
    """One evaluation account of a trader, created from a named template."""

    name: str = Field(max_length=64, pattern=ACCOUNT_NAME)
    template: str
    lifecycle: Lifecycle = Lifecycle()
    reset: str | None = Field(default=None, min_length=1, max_length=64)
    risk_category: str | None = Field(default=None, min_length=1, max_length=64)
    trading: Literal["normal", "locked", "liquidate_only"] | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=8192)

    @field_validator("reset", mode="before")
    @classmethod
    def _token_as_text(cls, value: object) -> object:
        """A token may be written as a number or a date (`reset: 2`): kept as its text."""
        if isinstance(value, int | float | date) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="after")
    def _reason_needs_trading(self) -> TradovateAccount:
        if self.reason is not None and self.trading is None:
            raise ValueError(
                "reason is only meaningful with trading: normal | locked | liquidate_only"
            )
        return self


class TradovateTrader(Frozen):
    """A trader's `tradovate:` block."""

    accounts: list[TradovateAccount] = Field(default_factory=list)
    entitlements: list[str] = Field(default_factory=list)


def check(settings: BaseModel, block: BaseModel, trader: Trader) -> Sequence[Problem]:
    """Cross-references: templates and entitlements exist; market data not in CME-restricted
    countries; a contact and password for traders Tradovate will create."""
    assert isinstance(settings, TradovateSettings)
    assert isinstance(block, TradovateTrader)
    problems: list[Problem] = []
    for i, account in enumerate(block.accounts):
        if account.template not in settings.account_templates:
            known = ", ".join(sorted(settings.account_templates)) or "none declared"
            problems.append(
                Problem(
                    ("tradovate", "accounts", i, "template"),
                    f"unknown account template {account.template!r} (known: {known})",
                )
            )
    seen: set[str] = set()
    for i, entitlement in enumerate(block.entitlements):
        path = ("tradovate", "entitlements", i)
        if entitlement not in settings.entitlements:
            known = ", ".join(sorted(settings.entitlements)) or "none declared"
            problems.append(Problem(path, f"unknown entitlement {entitlement!r} (known: {known})"))
        if entitlement in seen:
            problems.append(Problem(path, f"duplicate entitlement {entitlement!r}"))
        seen.add(entitlement)
    if block.entitlements and trader.contact and trader.contact.country in CME_RESTRICTED:
        problems.append(
            Problem(
                ("contact", "country"),
                f"market data may not be provided in {trader.contact.country} "
                "(CME restricted country); remove the entitlements",
            )
        )
    if trader.password is None and trader.status == "active":
        problems.append(
            Problem(
                ("password",), "a password (or {generate: true}) is required for Tradovate users"
            )
        )
    return problems


def unique_keys(block: BaseModel) -> Sequence[tuple[tuple[str | int, ...], str]]:
    """Account names are the platform's natural key, so they must be unique firm-wide."""
    assert isinstance(block, TradovateTrader)
    return [
        (("tradovate", "accounts", i, "name"), f"account name {account.name}")
        for i, account in enumerate(block.accounts)
    ]
