"""Refresh: what the platforms have of every desired, recorded or interrupted address, read
with each platform's list calls, independent platforms at the same time.

An interrupted create is also looked up by the natural key it was *sent* with (the journal
holds it), when the manifests have changed that key since: what it made is then adopted at its
address (and replaced or updated to the manifests' values) or, when the address already has
an object, found at a stray address of its own (`<kind>.<trader>/interrupted-<id>`) that the
plan offboards."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from operator import attrgetter

from reconciler.errors import PlanConflict
from reconciler.plan import (
    Address,
    DesiredResource,
    Move,
    ReadRequest,
    Recorded,
    Remote,
    in_address_order,
    provider_of,
    rekey,
)
from reconciler.providers import Adapter
from reconciler.state import StateDocument

_KIND = attrgetter("kind")

_UNKNOWN: list[ReadRequest] = []
"""Stands for a kind not yet looked up in `_requests` (never appended to)."""

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
    now: float | None = None,
    settle: float = 0.0,
    few: bool = False,
) -> dict[Address, Remote]:
    """Read every desired or recorded address (or those in `only`) from its platform, and
    what an interrupted apply may have made; `recorded` is keyed as it is once `moved` is
    applied. Each platform's read is a few list calls; the platforms are read at once.

    An interrupted create sent with a since-changed key and not found under it may still be
    committed by the platform (its answer was lost, not necessarily its request): while it is
    younger than `settle` seconds at `now`, its address waits instead of being created again
    under the new key, so the platform never holds two objects for it.

    With `few` (`only` names a few traders), a provider that can read objects by id does so
    (`read_few`) rather than list the whole firm."""
    kinds = set(map(_KIND, recorded))  # read in C: a large state's kinds are a handful
    orphans = sorted(set(map(provider_of, kinds)) - set(adapters))
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
    requests = _requests(adapters, resources, recorded, interrupted, only)
    remote: dict[Address, Remote] = {}
    if not adapters:
        return remote
    # the keys read with, for what an interrupted apply may have made under another key
    used = (
        {r.address: r.natural_key for found in requests.values() for r in found}
        if document.pending
        else {}
    )
    remote.update(_read(adapters, requests, few=few))  # takes the lists out of `requests`
    if not document.pending:
        return remote  # nothing an interrupted apply may have made elsewhere
    unseen: dict[Address, str] = {}
    for round_ in _shadow_rounds(document, used, moved):
        shadows = {name: round_.get(name, []) for name in adapters}
        seen = _read(adapters, shadows)
        for address, found in seen.items():
            _place(remote, recorded, address, found)
        for requests_ in round_.values():
            for request in requests_:
                hit = seen.get(request.address)
                if hit is None or hit.remote_id is None:
                    unseen.setdefault(request.address, request.natural_key)
    if now is not None and settle > 0:
        _wait_for_late_commits(remote, resources, document, unseen, moved, now, settle)
    return remote


def _requests(
    adapters: Mapping[str, Adapter],
    resources: Mapping[Address, DesiredResource],
    recorded: Mapping[Address, Recorded],
    interrupted: Mapping[Address, str],
    only: Collection[Address] | None,
) -> dict[str, list[ReadRequest]]:
    """Each platform's requests: for every desired, recorded or interrupted address (or those
    in `only`), the key to read it by, its record and its declaration. Declared first, in
    their order: nearly the order reads are sorted in."""
    requests: dict[str, list[ReadRequest]] = {name: [] for name in adapters}
    lists: dict[str, list[ReadRequest] | None] = {}  # by kind: one split per kind, not per address

    def wanted(address: Address) -> list[ReadRequest] | None:
        kind = address.kind
        if kind not in lists:
            lists[kind] = requests.get(address.provider)
        return lists[kind]

    def add(address: Address) -> None:
        found = wanted(address)
        if found is None:
            return
        resource = resources.get(address)
        record = recorded.get(address)
        if resource:
            key = resource.natural_key
        elif record:
            key = record.natural_key or ""
        else:
            key = interrupted[address]
        found.append(ReadRequest(address, key, record, resource))

    if only is not None:  # a few traders' addresses: not a pass over the whole firm's
        for address in only:
            if address in resources or address in recorded or address in interrupted:
                add(address)
        return requests
    get, known = recorded.get, lists.get
    for address, resource in resources.items():  # the one pass over a large firm's
        found = known(address.kind, _UNKNOWN)  # no call of `wanted` but a kind's first
        if found is _UNKNOWN:
            found = wanted(address)
        if found is not None:
            found.append(ReadRequest(address, resource.natural_key, get(address), resource))
    for address in recorded:
        if address not in resources:
            add(address)
    for address in interrupted:
        if address not in resources and address not in recorded:
            add(address)
    return requests


def _wait_for_late_commits(
    remote: dict[Address, Remote],
    resources: Mapping[Address, DesiredResource],
    document: StateDocument,
    unseen: Mapping[Address, str],
    moved: tuple[Move, ...],
    now: float,
    settle: float,
) -> None:
    """A declared address with no object whose interrupted create, sent under another key,
    is not seen yet but younger than `settle` seconds: a wait, not a second create."""
    renamed = dict(moved)
    for op in document.pending.values():
        address = Address.parse(op.address)
        address = renamed.get(address, address)
        if unseen.get(address) != op.natural_key or address not in resources:
            continue
        current = remote.get(address)
        if current is not None and current.remote_id is not None:
            continue
        age = now - datetime.fromisoformat(op.started_at).timestamp()
        if age < settle:
            remote[address] = Remote(
                address,
                None,
                blocked=(
                    f"an interrupted create sent as {op.natural_key} {age:.1f}s ago may still "
                    f"land on the platform; created under the new key only once it has not "
                    f"within {settle:g}s (twice the HTTP timeout, assumed)"
                ),
            )


def _read(
    adapters: Mapping[str, Adapter],
    requests: dict[str, list[ReadRequest]],
    *,
    few: bool = False,
) -> dict[Address, Remote]:
    """Each platform's requests read at once, in address order. Each list is taken out of
    `requests` and sorted as its read starts (a large firm's lists are not held twice), so a
    platform's requests are let go when its read ends, while a slower platform's goes on."""
    wanted = {name: adapter for name, adapter in adapters.items() if requests.get(name)}
    remote: dict[Address, Remote] = {}
    if not wanted:
        return remote
    with ThreadPoolExecutor(len(wanted), thread_name_prefix="refresh") as pool:
        reads = [
            pool.submit(_reader(adapter, few=few), in_address_order(requests.pop(name)))
            for name, adapter in wanted.items()
        ]
        for read in reads:
            remote.update(read.result())
    return remote


def _reader(
    adapter: Adapter, *, few: bool
) -> Callable[[list[ReadRequest]], Mapping[Address, Remote]]:
    """The adapter's read by id (`read_few`) for a few traders when it has one, else `read`."""
    read_few = getattr(adapter, "read_few", None) if few else None
    return read_few if callable(read_few) else adapter.read


def _shadow_rounds(
    document: StateDocument, used: Mapping[Address, str], moved: tuple[Move, ...]
) -> list[dict[str, list[ReadRequest]]]:
    """Reads by the keys interrupted creates were sent with that differ from the key read
    with; one address per read call, so an address sent with several keys takes several."""
    renamed = dict(moved)
    sent: dict[Address, list[str]] = {}
    for op in document.pending.values():
        if op.action not in CREATING or not op.natural_key:
            continue
        address = Address.parse(op.address)
        address = renamed.get(address, address)
        if address not in used or used[address] == op.natural_key:
            continue
        keys = sent.setdefault(address, [])
        if op.natural_key not in keys:
            keys.append(op.natural_key)
    rounds: list[dict[str, list[ReadRequest]]] = []
    for address, keys in sent.items():
        for index, key in enumerate(keys):
            if index == len(rounds):
                rounds.append({})
            rounds[index].setdefault(address.provider, []).append(ReadRequest(address, key, None))
    return rounds


def _place(
    remote: dict[Address, Remote],
    recorded: Mapping[Address, Recorded],
    address: Address,
    found: Remote,
) -> None:
    """Put an object found by a sent key where the plan resolves it: at its address when that
    has none (adopted), else at a stray address (offboarded); nothing when it is the object
    already seen or recorded there."""
    if found.remote_id is None:
        return
    current = remote.get(address)
    record = recorded.get(address)
    if found.remote_id in {
        current.remote_id if current else None,
        record.remote_id if record else None,
    }:
        return
    if current is None:
        remote[address] = found
        return
    stray = address.stray(found.remote_id)
    remote[stray] = replace(found, address=stray)


__all__ = ["CREATING", "refresh"]
