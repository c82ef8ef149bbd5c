"""The per-run catalogue of Tradovate list answers (plans, template accounts, risk categories,
signature signals) and the resolution of the Market Data Agreement alert."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.errors import PlanConflict
from reconciler.plan import Address
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import TradovateSettings
from reconciler.providers.tradovate.models import Account, AlertSignal
from reconciler.providers.tradovate.signatures import SignalBook


class Catalogue:
    """List calls made at most once per run: plans, accounts (templates), signature signals.

    With a seeded `book` (the user-data stream runs), signals come from it, not from a call.
    """

    def __init__(
        self,
        client: TradovateClient,
        settings: TradovateSettings,
        book: SignalBook | None = None,
        *,
        alert_id: int | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._book = book
        self._plan_id: int | None = None
        self._open: dict[str, int] | None = None  # open accounts' ids by name
        self._open_ids: frozenset[int] = frozenset()
        self._signals: list[AlertSignal] | None = None
        self._alert_id = alert_id  # checked once per process: admin alerts do not come and go
        self._categories: dict[str, int] | None = None
        self._data_account: int | None = None

    def plan_id(self) -> int | None:
        """The firm's subscription plan id, resolved by name; None when none is declared."""
        name = self._settings.subscription_plan
        if name is None:
            return None
        if self._plan_id is None:
            plans = {p.name: p.id for p in self._client.list_subscription_plans()}
            if name not in plans:
                raise PlanConflict(
                    f"tradovate subscription plan {name!r} not found on the platform"
                )
            self._plan_id = plans[name]
        return self._plan_id

    def accounts(self) -> list[Account]:
        """The firm's accounts, listed now (the refresh reads them once per run). Only the open
        accounts the Firm's templates name (by name or id) are kept, for the template checks:
        the list itself, and any map of it, is the size of the firm (tens of MiB at 100,000
        accounts)."""
        accounts = self._client.list_accounts()
        templates = self._settings.account_templates.values()
        names = {t.template_account for t in templates if t.template_account is not None}
        ids = {t.template_account_id for t in templates if t.template_account_id is not None}
        # reversed: of two open accounts of one name, the first listed is the one found
        self._open = {a.name: a.id for a in reversed(accounts) if a.name in names and not a.closed}
        self._open_ids = frozenset(a.id for a in accounts if a.id in ids and not a.closed)
        return accounts

    def _open_accounts(self) -> dict[str, int]:
        """The open accounts' ids by name (one list call per run)."""
        if self._open is None:
            self.accounts()
        return self._open or {}

    def live_data_account_id(self) -> int | None:
        """The firm's LIVE `_DATA` account sent with entitlement requests, found by name or id
        among the firm's LIVE accounts (one list call per run); None when none is declared."""
        settings = self._settings
        name, wanted = settings.live_data_account, settings.live_data_account_id
        if name is None and wanted is None:
            return None
        if self._data_account is None:
            for account in self._client.list_live_accounts():
                if not account.closed and (account.id == wanted or account.name == name):
                    self._data_account = account.id
                    break
            else:
                field, value = (
                    ("live_data_account", repr(name))
                    if name is not None
                    else ("live_data_account_id", str(wanted))
                )
                raise PlanConflict(
                    f"tradovate live data account {value} not found among the firm's LIVE "
                    f"accounts; fix providers.tradovate.{field} in the Firm"
                )
        return self._data_account

    def risk_categories(self) -> dict[str, int]:
        """Risk category ids by name (one list call per run)."""
        if self._categories is None:
            self._categories = {c.name: c.id for c in self._client.list_risk_categories()}
        return self._categories

    def risk_category_id(self, name: str) -> int:
        found = self.risk_categories().get(name)
        if found is None:
            raise PlanConflict(f"tradovate risk category {name!r} not found on the platform")
        return found

    def signals(self) -> list[AlertSignal]:
        if self._signals is None:
            known = None if self._book is None else self._book.snapshot()
            if known is None:
                known = self._client.list_alert_signals(self.alert_id())
            self._signals = known
        return self._signals

    def alert_id(self) -> int:
        """The admin alert of Market Data Agreement signatures, checked against the platform's
        alerts: the firm's `mda_alert_id` must name one; otherwise the alert named
        MDA_ALERT_NAME, else this environment's known id. A wrong id would wait forever."""
        if self._alert_id is None:
            alerts = {a.id: a.name for a in self._client.list_admin_alerts()}
            self._alert_id = resolve_alert_id(self._settings, alerts)
        return self._alert_id

    def completed(self, signal: AlertSignal) -> None:
        """Note a signal we completed, so this run and later ones do not complete it again."""
        stamp = signal.completed or signal.timestamp
        self._signals = [
            s.model_copy(update={"completed": stamp}) if s.id == signal.id else s
            for s in self.signals()
        ]
        if self._book is not None:
            self._book.complete(signal.id, stamp)

    def check_template(self, address: Address, inputs: Mapping[str, Any]) -> None:
        """Refuse at plan time an account whose template apply would not find."""
        if inputs.get("template_account_id") is not None:
            wanted = int(inputs["template_account_id"])
            self._open_accounts()
            if wanted not in self._open_ids:
                raise PlanConflict(
                    f"{address}: tradovate template account id {wanted} not found on the "
                    "platform; fix template_account_id in the Firm's account_templates"
                )
            return
        try:
            self.template_id(inputs)
        except PlanConflict as exc:
            raise PlanConflict(
                f"{address}: {exc}; fix template_account in the Firm's account_templates"
            ) from None

    def template_id(self, inputs: Mapping[str, Any] | Any) -> int:
        """The template account id of an account's template (by id, or by name)."""
        if inputs.get("template_account_id") is not None:
            return int(inputs["template_account_id"])
        found = self._open_accounts().get(inputs["template_account"])
        if found is not None:
            return found
        name = inputs["template_account"]
        raise PlanConflict(f"tradovate template account {name!r} not found on the platform")


MDA_ALERT_NAME = "custapp:nonpro-signed"
"""The event the platform raises when a user signs the non-professional Market Data Agreement;
its admin alert id differs per environment (seed 002)."""


def resolve_alert_id(settings: TradovateSettings, alerts: dict[int, str]) -> int:
    """The MDA alert id among the platform's `alerts` (id -> name), or a PlanConflict."""
    configured = settings.mda_alert_id
    if configured is not None:
        if configured not in alerts:
            raise PlanConflict(
                f"tradovate mda_alert_id {configured} matches no admin alert on the platform "
                f"(it has {_alert_list(alerts)}); signatures would never be seen"
            )
        return configured
    named = [i for i, name in alerts.items() if name.lower() == MDA_ALERT_NAME]
    if len(named) == 1:
        return named[0]
    if isinstance(settings.environment, str) and settings.alert_id in alerts:
        return settings.alert_id
    raise PlanConflict(
        f"tradovate: no admin alert named {MDA_ALERT_NAME!r} on the platform (it has "
        f"{_alert_list(alerts)}); set providers.tradovate.mda_alert_id to the alert whose "
        "signals say a trader signed the Market Data Agreement"
    )


def _alert_list(alerts: dict[int, str]) -> str:
    if not alerts:
        return "none"
    return ", ".join(f"{i} {name!r}" for i, name in sorted(alerts.items())[:5])


__all__ = ["MDA_ALERT_NAME", "Catalogue", "resolve_alert_id"]
