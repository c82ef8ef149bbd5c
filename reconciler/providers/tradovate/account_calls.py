"""The writes to Tradovate accounts and their risk settings (all on the DEMO host), as plain
functions over a `Session`; `TradovateClient` exposes each as a method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.providers.tradovate.calls import post, rejection, simple
from reconciler.providers.tradovate.models import (
    AutoLiqsResponse,
    ResetDemoAccountState,
    RevokeTradingPermissions,
    SetAdminAutoLiqAction,
    SimpleResponse,
    SwitchRiskCategory,
    TradeDate,
    UpdateUserAutoLiqs,
)
from reconciler.providers.tradovate.session import Session


def update_auto_liqs(session: Session, items: Sequence[Mapping[str, Any]]) -> None:
    """Replace the post-trade risk of accounts; `items` are camelCase dicts with accountId."""
    if not items:
        return
    path = "/userAccountAutoLiq/updateuserautoliqs"
    request = UpdateUserAutoLiqs(items=[dict(item) for item in items])
    error = post(session, "demo", path, request, AutoLiqsResponse, idempotent=True).error_text
    if error:
        raise rejection(error, path)


def revoke_trading_permissions(session: Session, ids: Sequence[int]) -> None:
    if not ids:
        return
    path = "/user/revoketradingpermissions"
    request = RevokeTradingPermissions(trading_permission_ids=list(ids))
    answer = post(session, "demo", path, request, SimpleResponse, idempotent=True)
    if answer.error_text or answer.ok is not True:
        raise rejection(answer.error_text or "the platform answered ok: false", path)


def reset_accounts(session: Session, ids: Sequence[int], *, now: float) -> None:
    """Reset demo accounts to their starting state as of today's trade date (UTC).
    Not retried on a lost answer: a second reset would wipe what happened in between."""
    if not ids:
        return
    path = "/account/resetdemoaccountstate"
    day = datetime.fromtimestamp(now, UTC).date()
    request = ResetDemoAccountState(
        account_ids=list(ids),
        reset_trade_date=TradeDate(year=day.year, month=day.month, day=day.day),
    )
    answer = post(session, "demo", path, request, SimpleResponse)
    if answer.error_text or answer.ok is not True:
        raise rejection(answer.error_text or "the platform answered ok: false", path)


def switch_risk_category(session: Session, ids: Sequence[int], *, risk_category_id: int) -> None:
    if not ids:
        return
    path = "/accountRiskStatus/switchriskcategory"
    request = SwitchRiskCategory(account_ids=list(ids), risk_category_id=risk_category_id)
    answer = post(session, "demo", path, request, SimpleResponse, idempotent=True)
    if answer.error_text or answer.ok is False:
        raise rejection(answer.error_text or "the platform answered ok: false", path)


def set_admin_action(
    session: Session, *, account_id: int, action: str, reason: str | None
) -> str | None:
    """Set an account's admin auto-liq action; returns the errorText, None on success."""
    path = "/accountRiskStatus/setadminautoliqaction"
    request = SetAdminAutoLiqAction(
        account_id=account_id,
        admin_action=action,
        admin_action_reason_code=None if reason is None else "Other",
        admin_action_reason=reason,
    )
    return simple(session, "demo", path, request)
