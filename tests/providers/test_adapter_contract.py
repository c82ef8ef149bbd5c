"""The adapter contract, run once per registered provider against its embedded sandbox: what
`expand`, `read` and `execute` promise whatever the platform (a new provider gets these for
free by being in the registry)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from reconciler.apply.events import Event
from reconciler.manifest import load_manifests
from reconciler.plan import Action, Address, Change, ReadRequest
from reconciler.plan.resource import DesiredResource, GeneratedSecret
from reconciler.providers import PROVIDERS, Adapter, schemas
from reconciler.providers.base import Batch, BatchItem
from reconciler.workspace import Workspace, open_workspace

EXAMPLE = Path(__file__).resolve().parents[2] / "manifests"


@pytest.fixture(params=sorted(PROVIDERS))
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """The example manifests (every platform in sandbox mode) in a fresh directory."""
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    with open_workspace(tmp_path / "manifests", environ={}) as opened:
        yield opened


def _resources(workspace: Workspace, provider: str) -> list[DesiredResource]:
    return [r for r in workspace.resources.values() if r.address.provider == provider]


def _requests(resources: list[DesiredResource]) -> list[ReadRequest]:
    """Read requests that know only the natural key: how an object made just before a crash
    is looked up."""
    return [ReadRequest(r.address, r.natural_key, None) for r in resources]


def _apply(workspace: Workspace) -> None:
    events: list[Event] = []
    with workspace.store.lock(command="apply"):
        document = workspace.store.read()
        plan, remote = workspace.plan(document)
        result = workspace.apply(plan, remote, document, sink=events.append)
    assert result.is_complete, (result.failed, events)


def _recorded_ids(workspace: Workspace, provider: str) -> dict[Address, str]:
    """The recorded platform objects of `provider`: kinds whose create calls the platform (a
    kind that only follows another object's state, like a verification, is not one)."""
    calls = PROVIDERS[provider].capabilities.calls
    document = workspace.store.read()
    addresses = {Address.parse(text): record for text, record in document.resources.items()}
    return {
        address: record.remote_id
        for address, record in addresses.items()
        if address.provider == provider and (address.kind, Action.CREATE) in calls
    }


def test_expand_declares_unique_addresses_of_the_declared_kinds(
    workspace: Workspace, provider: str
) -> None:
    adapter = workspace.adapters[provider]
    capabilities = adapter.capabilities
    desired = load_manifests(workspace.root / "manifests", schemas=schemas(), environ={})
    resources = adapter.expand(desired)
    addresses = [r.address for r in resources]
    assert resources, f"the example manifests declare nothing for {provider}"
    assert len(addresses) == len(set(addresses))
    assert {a.provider for a in addresses} == {provider}
    assert {a.kind for a in addresses} <= set(capabilities.kinds)
    assert set(capabilities.actions) <= set(capabilities.kinds)
    assert all(size >= 1 for size in capabilities.batch_sizes.values())
    assert all(r.natural_key for r in resources), "every resource has a natural key"


def test_read_of_what_was_never_made_finds_nothing(workspace: Workspace, provider: str) -> None:
    adapter = workspace.adapters[provider]
    found = adapter.read(_requests(_resources(workspace, provider)))
    assert {a: r.remote_id for a, r in found.items() if r.remote_id is not None} == {}


def test_every_applied_object_is_found_by_its_natural_key_alone(
    workspace: Workspace, provider: str
) -> None:
    _apply(workspace)
    recorded = _recorded_ids(workspace, provider)
    adapter = workspace.adapters[provider]
    wanted = [r for r in _resources(workspace, provider) if r.address in recorded]
    assert wanted, f"nothing of {provider} was applied"
    found = adapter.read(_requests(wanted))
    assert {r.address: found[r.address].remote_id for r in wanted} == {
        r.address: recorded[r.address] for r in wanted
    }


def test_a_second_plan_after_apply_changes_nothing(workspace: Workspace, provider: str) -> None:
    _apply(workspace)
    plan, _ = workspace.plan(workspace.store.read())
    pending = [
        f"{c.address} {c.action}"
        for c in plan.changes
        if c.address.provider == provider and c.action not in (Action.NOOP, Action.WAIT)
    ]
    assert pending == []


def test_creating_an_existing_object_again_is_an_item_result_not_a_duplicate(
    workspace: Workspace, provider: str
) -> None:
    """A repeated create (a lost answer, then a retry) fails per item or finds the same
    object; it never raises for the whole batch nor makes a second object."""
    _apply(workspace)
    recorded = _recorded_ids(workspace, provider)
    adapter: Adapter = workspace.adapters[provider]
    first_kind = adapter.capabilities.kinds[0]
    resource = next(
        r
        for r in _resources(workspace, provider)
        if r.address.kind == first_kind and r.address in recorded
    )
    secrets = {
        key: value.get_secret_value() if isinstance(value, SecretStr) else "Contract-Pass-1"
        for key in resource.sensitive
        if isinstance(value := resource.attributes.get(key), SecretStr | GeneratedSecret)
    }
    change = Change(resource.address, Action.CREATE, None, dict(resource.attributes))
    results = adapter.execute(
        Batch(first_kind, Action.CREATE, (BatchItem(change, resource, None, secrets),))
    )
    assert [r.address for r in results] == [resource.address]
    (result,) = results
    assert (not result.ok and result.error) or result.remote_id == recorded[resource.address]
    found = adapter.read(_requests([resource]))
    assert found[resource.address].remote_id == recorded[resource.address]
