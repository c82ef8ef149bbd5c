"""The per-run catalogue of Tradovate list answers: of the firm's accounts it keeps only the
open ones the Firm's templates name (a map of the whole list is the size of the firm)."""

from __future__ import annotations

from typing import cast

import pytest

from reconciler.errors import PlanConflict
from reconciler.plan import Address
from reconciler.providers.tradovate.catalogue import Catalogue
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import TradovateSettings
from reconciler.providers.tradovate.models import Account

ACCOUNTS = [
    Account(id=11, name="TEMPLATE50K", user_id=1),
    Account(id=12, name="TEMPLATE50K", user_id=1),  # listed second: not the one found
    Account(id=13, name="SA0000001", user_id=2),  # a trader's account
    Account(id=1003, name="T100K", user_id=1),
    Account(id=1004, name="T200K", user_id=1, closed=True),
]


class _Listing:
    def list_accounts(self) -> list[Account]:
        return list(ACCOUNTS)


def _catalogue() -> Catalogue:
    settings = TradovateSettings.model_validate(
        {
            "account_templates": {
                "eval-50k": {"template_account": "TEMPLATE50K", "initial_balance": 50000},
                "eval-100k": {"template_account_id": 1003, "initial_balance": 100000},
                "eval-200k": {"template_account_id": 1004, "initial_balance": 200000},
            }
        }
    )
    return Catalogue(cast(TradovateClient, _Listing()), settings)


def test_only_the_open_accounts_the_templates_name_are_kept() -> None:
    catalogue = _catalogue()

    assert catalogue.accounts() == ACCOUNTS  # the refresh reads every account
    assert catalogue._open == {"TEMPLATE50K": 11}
    assert catalogue._open_ids == frozenset({1003})


def test_templates_resolve_by_name_and_id_among_the_open_accounts() -> None:
    catalogue = _catalogue()
    address = Address("tradovate_account", "alice", "SA0000001")

    assert catalogue.template_id({"template_account": "TEMPLATE50K"}) == 11
    catalogue.check_template(address, {"template_account_id": 1003})
    with pytest.raises(PlanConflict, match="template account id 1004 not found"):
        catalogue.check_template(address, {"template_account_id": 1004})
    with pytest.raises(PlanConflict, match="'NOPE' not found"):
        catalogue.template_id({"template_account": "NOPE"})
