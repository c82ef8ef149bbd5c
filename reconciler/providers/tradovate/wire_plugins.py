"""Tradovate wire models of entitlements, user plugins, admin alerts and cancelEverything."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from reconciler.providers.tradovate.wire import ROW, ErrorTextResponse, Wire, WireRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class UserPlugin:
    """A user's plugin (an entitlement granted); the refresh lists the firm's: a row."""

    __pydantic_config__ = ROW

    id: int
    user_id: int
    entitlement_id: int | None = None
    plugin_name: str
    approval: bool
    account_id: int | None = None


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


class AddEntitlementSubscription(WireRequest):
    entitlement_id: int
    user_id: int
    account_id: int | None = None


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
