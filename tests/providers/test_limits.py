"""Each provider's table of limits and rules: every entry documented with a source or marked
assumed, and the client, the adapter and the sandbox reading the same numbers from it."""

from __future__ import annotations

from types import ModuleType

import pytest

from reconciler.plan import Action
from reconciler.providers import PROVIDERS
from reconciler.providers.traderpal import client as traderpal_client
from reconciler.providers.traderpal import limits as traderpal_limits
from reconciler.providers.traderpal.sandbox import users as traderpal_sandbox_users
from reconciler.providers.tradervue import config as tradervue_config
from reconciler.providers.tradervue import limits as tradervue_limits
from reconciler.providers.tradervue.sandbox import rules as tradervue_sandbox_rules
from reconciler.providers.tradovate import client as tradovate_client
from reconciler.providers.tradovate import limits as tradovate_limits
from reconciler.providers.tradovate.resources import ACCOUNT, USER
from reconciler.providers.tradovate.sandbox import accounts as sandbox_accounts
from reconciler.providers.tradovate.sandbox import reads as sandbox_reads
from reconciler.providers.tradovate.sandbox import users as sandbox_users
from reconciler.providers.tradovate.sandbox.config import Limits

TABLES = {
    "tradovate": tradovate_limits,
    "tradervue": tradervue_limits,
    "traderpal": traderpal_limits,
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_fact_is_documented_with_a_source_or_marked_assumed(name: str) -> None:
    table: ModuleType = TABLES[name]
    assert table.FACTS
    for label, fact in table.FACTS.items():
        assert fact.source.strip(), label
        assert fact.basis == ("assumed" if fact.is_assumed else "documented")
        if not fact.is_assumed:
            assert "docs" in fact.source, f"{label}: a documented fact names its document"


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_adapter_paces_under_the_table_s_limits(name: str) -> None:
    assert PROVIDERS[name].capabilities.rate_limits == TABLES[name].RATE_LIMITS


def test_the_limits_no_tradovate_document_states_are_marked_assumed() -> None:
    assumed = {label for label, fact in tradovate_limits.FACTS.items() if fact.is_assumed}
    assert assumed == {
        "master ids per ldeps call",
        "ids per items call",
        "contactinfo/updatecontactinfo calls per hour",
        "contactinfo/updatecontactinfo back-off (s)",
    }
    contact = [
        limit
        for limit in tradovate_limits.RATE_LIMITS
        if limit.endpoint == "contactinfo/updatecontactinfo"
    ]
    assert [(limit.limit, limit.is_assumed) for limit in contact] == [(1000, True)]
    assert all(
        not limit.is_assumed for limit in tradovate_limits.RATE_LIMITS if limit not in contact
    )


def test_tradovate_client_adapter_and_sandbox_read_one_table() -> None:
    ldeps = tradovate_limits.MASTER_IDS_PER_LDEPS.value
    assert tradovate_client.LDEPS_CHUNK == sandbox_reads.MAX_MASTER_IDS == ldeps
    items = tradovate_limits.IDS_PER_ITEMS.value
    assert tradovate_client.ITEMS_CHUNK == sandbox_reads.MAX_ITEM_IDS == items
    sizes = PROVIDERS["tradovate"].capabilities.batch_sizes
    assert sizes[(USER, Action.CREATE)] == sandbox_users.MAX_BATCH
    assert sizes[(ACCOUNT, Action.CREATE)] == sandbox_accounts.MAX_BATCH
    sandbox = Limits()
    for path, rule in tradovate_limits.ENDPOINT_RULES.items():
        enforced = sandbox.endpoints[path]
        assert (enforced.per_hour, enforced.backoff_seconds, enforced.counts_success) == (
            rule.per_hour.value,
            rule.backoff_seconds.value,
            rule.counts_success,
        )
    assert sandbox.authenticated.per_hour == tradovate_limits.AUTHENTICATED.per_hour.value
    assert sandbox.anonymous.per_second == tradovate_limits.ANONYMOUS.per_second.value


def test_tradervue_and_traderpal_checks_and_sandboxes_read_one_table() -> None:
    charts = tradervue_limits.CHARTS_PER_USER.value
    assert tradervue_config.MAX_CHARTS == tradervue_sandbox_rules.MAX_CHARTS == charts
    page = traderpal_limits.USERS_PER_PAGE.value
    assert traderpal_client.MAX_PAGE == traderpal_sandbox_users.MAX_LIMIT == page
