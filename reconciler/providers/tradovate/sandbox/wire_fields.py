"""Wire field tables of the sandbox's world: the settings of an account's auto-liquidation and,
per entity family, its `World` attribute and its key in the JSON file form."""

from __future__ import annotations

AUTOLIQ_FIELDS = (
    "marginPercentageAlert",
    "dailyLossPercentageAlert",
    "dailyLossAlert",
    "marginPercentageLiqOnly",
    "dailyLossPercentageLiqOnly",
    "dailyLossLiqOnly",
    "marginPercentageAutoLiq",
    "dailyLossPercentageAutoLiq",
    "dailyLossAutoLiq",
    "weeklyLossAutoLiq",
    "dailyProfitAutoLiq",
    "weeklyProfitAutoLiq",
    "trailingMaxDrawdown",
    "trailingMaxDrawdownLimit",
    "trailingMaxDrawdownMode",
    "doNotUnlock",
    "changesLocked",
    "flattenTimestamp",
)
FAMILIES = (
    ("users", "users"),
    ("contacts", "contactInfos"),
    ("accounts", "accounts"),
    ("live_accounts", "liveAccounts"),
    ("permissions", "tradingPermissions"),
    ("autoliqs", "userAccountAutoLiqs"),
    ("plugins", "userPlugins"),
    ("subscriptions", "tradovateSubscriptions"),
    ("market_data", "marketDataSubscriptions"),
    ("plans", "tradovateSubscriptionPlans"),
    ("entitlements", "entitlements"),
    ("alerts", "adminAlerts"),
    ("signals", "adminAlertSignals"),
    ("risk_statuses", "accountRiskStatuses"),
)
