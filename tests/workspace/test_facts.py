"""Recorded facts in memory: facts of one entry that are each a record's own (an account's
trading permission id) take a quarter of a dict, and read, compare and share as a dict."""

from __future__ import annotations

import sys

import pytest

from reconciler.plan import held_alike
from reconciler.state import ResourceState, StateDocument
from reconciler.workspace.facts import FACTS_SHARED_PER_KIND, OneFact
from reconciler.workspace.records import recorded_of


def test_facts_of_their_own_read_as_the_dict_they_were() -> None:
    records = {
        f"tradovate_account.t{i}/A": ResourceState(
            remote_id=str(i), attributes={}, facts={"trading_permission_id": i}, updated_at="x"
        )
        for i in range(FACTS_SHARED_PER_KIND + 100)
    }

    recorded = recorded_of(StateDocument.new(), records)

    own = [r.facts for r in recorded.values() if isinstance(r.facts, OneFact)]
    assert len(own) == 100  # past the kind's limit: each its own, none shared
    assert {str(a): dict(r.facts) for a, r in recorded.items()} == {
        k: r.facts for k, r in records.items()
    }
    assert sys.getsizeof(own[0]) * 3 < sys.getsizeof({"trading_permission_id": 1})


def test_one_fact_reads_compares_and_is_shared_as_a_dict() -> None:
    fact = OneFact("trading_permission_id", 7)

    assert fact == {"trading_permission_id": 7}
    assert fact == {"trading_permission_id": 7}
    assert fact != {"trading_permission_id": 8}
    assert fact != {"trading_permission_id": 7, "protected": True}
    assert fact != {"other": 7}
    assert fact == OneFact("trading_permission_id", 7)
    assert dict(fact) == {**fact} == {"trading_permission_id": 7}
    assert fact.get("trading_permission_id") == 7
    assert fact.get("protected") is None
    assert "trading_permission_id" in fact
    assert "protected" not in fact
    assert repr(fact) == "{'trading_permission_id': 7}"
    with pytest.raises(KeyError):
        fact["protected"]
    with pytest.raises(TypeError):
        hash(fact)
    # what the platform shows alike is the recorded mapping: one for both
    assert held_alike({"trading_permission_id": 7}, fact) is fact
    assert held_alike({"trading_permission_id": 7.0}, fact) == {"trading_permission_id": 7.0}
