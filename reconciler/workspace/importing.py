"""`reconciler import`: record a platform object as a declared address, after checking that
the address's natural key finds exactly that object."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.apply import utc_now
from reconciler.errors import PlanConflict
from reconciler.plan import Address, ReadRequest, conceal, recordable
from reconciler.state import ResourceState, StateDocument

if TYPE_CHECKING:
    from reconciler.workspace.workspace import Workspace


def import_object(
    workspace: Workspace, document: StateDocument, address: Address, remote_id: str
) -> StateDocument:
    """Record the platform's object `remote_id` as the declared `address` and write state;
    refuses an undeclared or already recorded address, and an id that is not the object the
    address's natural key finds. The caller holds the state lock."""
    resource = workspace.resources.get(address)
    if resource is None:
        raise PlanConflict(f"{address} is not declared in the manifests: declare it first")
    record = document.resources.get(str(address))
    if record is not None:
        raise PlanConflict(
            f"{address} is already recorded as remote object {record.remote_id}; "
            f"run `reconciler state rm {address}` first to import another"
        )
    workspace.check_key(document)
    key = resource.natural_key
    # found by the natural key alone: an id recorded for it must be the object the key
    # finds, never another trader's (whose next update would take it over)
    found = workspace.adapters[address.provider].read([ReadRequest(address, key)])
    remote = found.get(address)
    if remote is None or remote.remote_id is None:
        raise PlanConflict(
            f"no {address.provider} object matches {address} ({key}); object {remote_id} is not it"
        )
    if remote.remote_id != remote_id:
        raise PlanConflict(
            f"{address.provider} object {remote_id} is not {address}: {key} is "
            f"object {remote.remote_id} there"
        )
    editor = document.edit()
    editor.put(
        str(address),
        ResourceState(
            remote_id=remote_id,
            natural_key=key,
            # what the platform shows, and the declared values of what it cannot show
            attributes={
                **recordable(resource, digest=workspace.digest),
                **conceal(remote.attributes, resource.sensitive, workspace.digest),
            },
            facts=dict(remote.facts),
            updated_at=utc_now(workspace.clock),
        ),
    )
    written = workspace.store.write(editor.snapshot())
    workspace.audit("import", [(str(address), "import", remote_id)])
    return written


__all__ = ["import_object"]
