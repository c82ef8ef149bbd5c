"""A saved plan applies only to the state, manifests, program and platforms it was made from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from reconciler.errors import StalePlan
from reconciler.plan import (
    Action,
    Address,
    Change,
    DesiredResource,
    GeneratedSecret,
    Origin,
    Plan,
    PlanOptions,
    SavedPlan,
    check_saved,
    match_saved,
    values_digest,
)

USER = Address("tradovate_user", "alice")
ACCOUNT = Address("tradovate_account", "alice", "ACME1")
ENTITLEMENT = Address("tradovate_entitlement", "alice", "t-prop")
BOB = Address("tradovate_user", "bob")

ORIGIN = Origin(
    firm="acme",
    workspace="default",
    lineage="L1",
    serial=3,
    manifest_digest="m1",
    values_digest="v1",
    reconciler_version="1.0",
)


def plan_of(*changes: Change, serial: int = 3, lineage: str = "L1") -> Plan:
    return Plan(changes, lineage, serial, "m1", "2026-03-02T08:00:00+00:00")


def saved(plan: Plan | None = None) -> SavedPlan:
    return SavedPlan(plan or plan_of(), PlanOptions(), "acme", "default", "v1", "1.0", noop_count=0)


def test_a_plan_from_the_same_origin_passes() -> None:
    check_saved(saved(), ORIGIN)


@pytest.mark.parametrize(
    ("now", "message"),
    [
        (replace(ORIGIN, serial=4), "made from state serial 3 but state is now at serial 4"),
        (replace(ORIGIN, lineage="L2"), "from another state"),
        (replace(ORIGIN, manifest_digest="m2"), "the manifests changed"),
        (replace(ORIGIN, values_digest="v2"), r"values the manifests reference \(\$\{env"),
        (replace(ORIGIN, reconciler_version="1.1"), "made by reconciler 1.0, this is 1.1"),
        (replace(ORIGIN, firm="other"), "made for firm 'acme'"),
        (replace(ORIGIN, workspace="staging"), "state workspace 'default'"),
    ],
    ids=[
        "state-serial",
        "state-lineage",
        "manifests",
        "referenced-values",
        "version",
        "firm",
        "workspace",
    ],
)
def test_a_plan_from_another_origin_is_stale(now: Origin, message: str) -> None:
    with pytest.raises(StalePlan, match=message):
        check_saved(saved(), now)


def test_a_plan_made_before_any_state_matches_a_state_that_still_has_none() -> None:
    check_saved(
        saved(plan_of(serial=0, lineage="unborn-1")), replace(ORIGIN, serial=0, lineage="unborn-2")
    )
    with pytest.raises(StalePlan, match="before any state existed"):
        check_saved(saved(plan_of(serial=0, lineage="unborn-1")), ORIGIN)


CREATE = Change(ACCOUNT, Action.CREATE, after={"name": "ACME1"})
UPDATE = Change(
    USER,
    Action.UPDATE,
    before={"email": "a@x"},
    after={"email": "b@x"},
    changed=("email",),
    remote_id="7",
)
WAIT = Change(ENTITLEMENT, Action.WAIT, after={"entitlement": "t-prop"}, reason="waiting")
NOOP = Change(BOB, Action.NOOP, before={"email": "bob@x"}, after={"email": "bob@x"}, remote_id="8")


def test_the_same_changes_planned_again_are_executed() -> None:
    fresh = plan_of(UPDATE, CREATE, WAIT, NOOP)
    executed, appeared = match_saved(plan_of(UPDATE, CREATE, WAIT), fresh)
    assert executed.changes == (UPDATE, CREATE, WAIT)
    assert appeared == ()


def test_a_reason_worded_differently_does_not_matter() -> None:
    fresh = plan_of(replace(UPDATE, reason="another wording"))
    executed, _ = match_saved(plan_of(UPDATE), fresh)
    assert [c.address for c in executed.changes] == [USER]


@pytest.mark.parametrize(
    ("now", "message"),
    [
        (replace(UPDATE, before={"email": "c@x"}), "now with other values"),
        (replace(UPDATE, action=Action.NOOP, changed=()), "now no-op"),
        (replace(UPDATE, remote_id="9"), "now with other values"),
        (None, "now gone"),
    ],
    ids=["remote-value-changed", "no-longer-needed", "another-remote-object", "gone"],
)
def test_a_listed_change_that_is_no_longer_planned_identically_makes_the_plan_stale(
    now: Change | None, message: str
) -> None:
    fresh = plan_of(*([now] if now else []), CREATE)
    with pytest.raises(StalePlan, match=rf"tradovate_user.alice \(planned update, {message}\)"):
        match_saved(plan_of(UPDATE, CREATE), fresh)


def test_a_dependency_that_now_needs_a_change_makes_the_plan_stale() -> None:
    fresh = plan_of(Change(USER, Action.CREATE, after={}), replace(CREATE, depends_on=(USER,)))
    saved_plan = plan_of(Change(USER, Action.NOOP), CREATE)
    with pytest.raises(StalePlan, match=r"tradovate_account\.alice/ACME1"):
        match_saved(saved_plan, fresh)


def test_changes_that_appeared_since_are_reported_and_not_executed() -> None:
    drifted = replace(NOOP, action=Action.UPDATE, changed=("email",), after={"email": "x@x"})
    signed = replace(WAIT, action=Action.ENTITLE, reason="")
    executed, appeared = match_saved(plan_of(CREATE, WAIT, NOOP), plan_of(CREATE, signed, drifted))
    assert executed.changes == (CREATE,)
    assert {c.address for c in appeared} == {ENTITLEMENT, BOB}


def test_the_values_digest_follows_secret_values_without_holding_them() -> None:
    def resources(password: str) -> dict[Address, DesiredResource]:
        attributes = {"username": "alice", "password": SecretStr(password)}
        return {USER: DesiredResource(USER, attributes, "alice", sensitive=frozenset({"password"}))}

    def keyed(value: str) -> str:
        return "hmac:" + value[::-1]

    first = values_digest(resources("secret-one"), digest=keyed)
    assert first == values_digest(resources("secret-one"), digest=keyed)
    assert first != values_digest(resources("secret-two"), digest=keyed)
    assert "secret-one" not in first
    assert first.startswith("sha256:")

    def generated(length: int) -> dict[Address, DesiredResource]:
        return {USER: DesiredResource(USER, {"password": GeneratedSecret(length)}, "alice")}

    assert values_digest(generated(24), digest=keyed) != values_digest(generated(30), digest=keyed)


def _digest_as_first_written(
    resources: dict[Address, DesiredResource], digest: Callable[[str], str]
) -> str:
    """`values_digest` as it was first written: a saved plan's digest must not change with
    how it is computed."""

    def fingerprint(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return digest(value.get_secret_value())
        if isinstance(value, GeneratedSecret):
            return f"(generated, {value.length} characters)"
        if isinstance(value, Mapping):
            return {str(k): fingerprint(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [fingerprint(v) for v in value]
        return value

    hasher = hashlib.sha256()
    for address in sorted(resources):
        resource = resources[address]
        entry = {
            "address": str(address),
            "attributes": fingerprint(resource.attributes),
            "inputs": fingerprint(resource.inputs),
            "natural_key": resource.natural_key,
            "depends_on": [str(a) for a in resource.depends_on],
            "protected": resource.protected,
        }
        hasher.update(json.dumps(entry, sort_keys=True, default=str).encode())
        hasher.update(b"\n")
    return f"sha256:{hasher.hexdigest()}"


class _Level(StrEnum):
    LOW = "low"


def test_the_values_digest_is_the_one_first_written_for_every_kind_of_value() -> None:
    """Plain values, texts with keys of other types, secrets, generated passwords, nested
    mappings and lists, values JSON has no form for, and addresses in any order."""
    values: list[dict[Any, Any]] = [
        {"name": "a", "balance": 50000, "ratio": 0.5, "on": True, "none": None, 1: "one"},
        {"password": SecretStr("s3cret"), "pin": GeneratedSecret(12)},
        {"risk": {"daily": 1100.0, "levels": [1, 2, {"x": SecretStr("y")}]}, 3: "three"},
        {"when": date(2026, 1, 2), "amount": Decimal("1.50"), "level": _Level.LOW},
        {"tuple": (1, "two"), "empty": {}, "list": []},
    ]
    addresses = [
        Address("traderpal_user", "zed"),
        Address("tradovate_account", "amy", "B2"),
        Address("tradovate_account", "amy", "A1"),
        Address("tradovate_user", "amy"),
        Address("tradervue_user", "bo"),
    ]
    resources = {
        address: DesiredResource(
            address,
            attributes,
            f"key-{n}",
            inputs={"first_name": "A", "extra": attributes},
            depends_on=tuple(addresses[:n]),
        )
        for n, (address, attributes) in enumerate(zip(addresses, values, strict=True))
    }

    def keyed(value: str) -> str:
        return "hmac:" + value[::-1]

    assert values_digest(resources, digest=keyed) == _digest_as_first_written(resources, keyed)


_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 0.5, 1e-07, 1e300]),
    st.text('ab"é\\', max_size=3),
    st.builds(SecretStr, st.text("xy", max_size=2)),
    st.builds(GeneratedSecret, st.integers(8, 12)),
    st.just(date(2026, 1, 2)),
    st.just(Decimal("1.50")),
    st.just(_Level.LOW),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
        st.dictionaries(st.integers(1, 3), inner, max_size=2),
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(
    shared=st.lists(_VALUES, min_size=1, max_size=4),
    picks=st.lists(
        st.tuples(
            st.dictionaries(
                st.sampled_from(["name", "risk", "pin", "n"]),
                st.one_of(_VALUES, st.integers(0, 3).map(lambda i: ("shared", i))),
                max_size=4,
            ),
            st.integers(0, 3),  # which inputs: one of a few shared objects, or its own
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_the_values_digest_of_values_many_resources_share_is_the_one_first_written(
    shared: list[Any], picks: list[tuple[dict[str, Any], int, bool]]
) -> None:
    """Nested values and inputs that several resources hold as one object (a template's
    risk settings, the empty inputs) are fingerprinted once, each object by its identity:
    objects equal to each other but written otherwise (`1`, `1.0` and `True`) keep their own
    texts."""
    inputs: list[Mapping[str, Any]] = [{"a": 1}, {"a": 1.0}, {"a": True}]
    resources: dict[Address, DesiredResource] = {}
    for n, (attributes, which, protected) in enumerate(picks):
        values = {
            k: shared[v[1] % len(shared)] if isinstance(v, tuple) and v[:1] == ("shared",) else v
            for k, v in attributes.items()
        }
        address = Address("tradovate_account", f"t{n % 3}", f"A{n}")
        resources[address] = DesiredResource(
            address,
            values,
            f"key-{n}",
            inputs=inputs[which] if which < len(inputs) else {"own": values},
            depends_on=tuple(resources)[:1],
            protected=protected,
        )

    def keyed(value: str) -> str:
        return "hmac:" + value[::-1]

    assert values_digest(resources, digest=keyed) == _digest_as_first_written(resources, keyed)
