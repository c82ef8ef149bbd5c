"""Refresh: what the platforms have of every desired, recorded or interrupted address, read
with each platform's list calls, independent platforms at the same time."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor

from reconciler.errors import PlanConflict
from reconciler.plan import Address, DesiredResource, Move, ReadRequest, Recorded, Remote, rekey
from reconciler.providers import Adapter
from reconciler.state import StateDocument

CREATING = frozenset({"create", "entitle", "replace"})
"""Pending actions whose object the next plan looks up by natural key."""


def refresh(
    adapters: Mapping[str, Adapter],
    resources: Mapping[Address, DesiredResource],
    document: StateDocument,
    recorded: Mapping[Address, Recorded],
    *,
    moved: tuple[Move, ...] = (),
    only: Collection[Address] | None = None,
) -> dict[Address, Remote]:
    """Read every desired or recorded address (or those in `only`) from its platform, and
    what an interrupted apply may have made; `recorded` is keyed as it is once `moved` is
    applied. Each platform's read is a few list calls; the platforms are read at once."""
    orphans = sorted({a.provider for a in recorded} - set(adapters))
    if orphans:
        raise PlanConflict(
            f"state holds resources of {', '.join(orphans)}, which the Firm manifest no "
            "longer configures; restore the provider to offboard them"
        )
    interrupted = rekey(
        {  # what an interrupted apply may have made, declared or not
            Address.parse(op.address): op.natural_key
            for op in document.pending.values()
            if op.action in CREATING
        },
        moved,
    )
    requests: dict[str, list[ReadRequest]] = {name: [] for name in adapters}
    for address in resources.keys() | recorded.keys() | interrupted.keys():
        if only is not None and address not in only:
            continue
        resource = resources.get(address)
        record = recorded.get(address)
        if resource:
            key = resource.natural_key
        elif record:
            key = record.natural_key or ""
        else:
            key = interrupted[address]
        if address.provider in requests:
            requests[address.provider].append(ReadRequest(address, key, record, resource))
    remote: dict[Address, Remote] = {}
    if not adapters:
        return remote
    with ThreadPoolExecutor(len(adapters), thread_name_prefix="refresh") as pool:
        reads = [
            pool.submit(adapter.read, sorted(requests[name], key=_request_order))
            for name, adapter in adapters.items()
        ]
        for read in reads:
            remote.update(read.result())
    return remote


def _request_order(request: ReadRequest) -> tuple[str, str, str]:
    return request.address.sort_key()


__all__ = ["CREATING", "refresh"]
