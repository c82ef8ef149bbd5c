"""State records as the orchestration reads them: by address, pending operations, stamps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from reconciler.plan import (
    Address,
    DesiredResource,
    Move,
    Recorded,
    as_recorded,
    held_alike,
    renamed_references,
    share_texts,
)
from reconciler.state import RecordParts, ResourceState, StateDocument, decoded_parts, since_of
from reconciler.workspace.facts import AlikeFacts

_TEXT = attrgetter("text")


def recorded_of(
    document: StateDocument,
    records: Mapping[str, ResourceState] | None = None,
    *,
    known: Mapping[Address, DesiredResource] | None = None,
    drain: bool = False,
) -> dict[Address, Recorded]:
    """The document's records (or those of `records`) by address; with `drain` (a run that
    writes nothing), the document's records are let go as they are decoded. At an address
    among `known` (the declared resources) the address is that very object rather than a new
    one parsed from the record's key, so the diff's lookups find it by identity; and recorded
    attributes alike the declared ones are the declared mapping, a recorded key or text equal
    to the declared one that very string (a large firm's state repeats the manifests' values:
    one copy of each rather than two)."""
    known = known or {}
    declared = dict(zip(map(_TEXT, known), known.values(), strict=True))  # by text, in C
    recorded = {}
    alike = AlikeFacts()
    for text, (remote_id, key, decoded, facts, since) in _parts(document, records, drain):
        resource = declared.get(text)
        attributes: Mapping[str, Any] = decoded
        if resource is None:
            address = Address.parse(text)
        else:
            address = resource.address
            if key == resource.natural_key:
                key = resource.natural_key
            attributes = _shared(decoded, resource)
        shared = alike.shared(address.kind, facts)
        recorded[address] = Recorded(address, remote_id, attributes, shared, key, since)
    return recorded


def _parts(
    document: StateDocument, records: Mapping[str, ResourceState] | None, drain: bool
) -> Iterable[tuple[str, RecordParts]]:
    """(address, parts) of the document's records, or of `records`: those of a document
    decoded straight from their texts (no model per record), let go as decoded with `drain`."""
    if records is None:
        return decoded_parts(document.resources, drain=drain)
    return (
        (text, (r.remote_id, r.natural_key, r.attributes, r.facts, since_of(r)))
        for text, r in records.items()
    )


def recorded_at(document: StateDocument, addresses: Iterable[Address]) -> dict[Address, Recorded]:
    """The document's records at `addresses` (those it has), each decoded on its own: what a
    targeted plan needs of a large state, without a pass over it. Only for a document read
    as it is (no `moved` entries to apply: those re-address records across the firm)."""
    records = document.resources
    recorded = {}
    for address in addresses:
        r = records.get(str(address))
        if r is not None:
            recorded[address] = Recorded(
                address, r.remote_id, r.attributes, r.facts, r.natural_key, since_of(r)
            )
    return recorded


def _shared(attributes: dict[str, Any], resource: DesiredResource) -> Mapping[str, Any]:
    """The declared attributes themselves when the record's (just decoded) are alike: equal,
    with values of the same types all the way down (an unchanged resource: one mapping rather
    than two), or a view of them without what state never records when that is alike (a
    user's, all but a generated password); else the record's, with the texts equal to the
    declared ones shared."""
    declared = resource.attributes
    if held_alike(attributes, declared) is declared:
        return declared
    view = as_recorded(attributes, declared, resource.sensitive)
    if view is not None:
        return view
    share_texts(attributes, declared)
    return attributes


def follow_renamed_traders(
    document: StateDocument,
    moves: Sequence[Move],
    resources: Mapping[Address, DesiredResource],
) -> StateDocument:
    """`document` (already re-addressed by `moves`) with each recorded reference to a trader
    the moves rename (a mentor) following the new name, where the manifests declare one."""
    renamed = {old.trader: new.trader for old, new in moves if old.trader != new.trader}
    if not renamed:
        return document
    editor = document.edit()
    for address, resource in resources.items():
        record = editor.get(str(address)) if resource.trader_refs else None
        if record is None:
            continue
        attributes = dict(record.attributes)
        for key in {path[0] for path in resource.trader_refs} & attributes.keys():
            attributes[key] = renamed_references(resource, key, attributes[key], renamed)
        if attributes != record.attributes:
            editor.put(str(address), record.model_copy(update={"attributes": attributes}))
    return editor.snapshot()


def pending_of(document: StateDocument) -> list[tuple[Address, str]]:
    """The pending operations of an interrupted apply: (address, action) each."""
    return [(Address.parse(op.address), op.action) for op in document.pending.values()]


def trader_of(address: str) -> str:
    """The trader an audit entry's address names ("" for an entry about the whole state)."""
    try:
        return Address.parse(address).trader
    except ValueError:
        return ""  # an entry about the whole state (a push)


def is_digested(value: object) -> bool:
    """Whether a recorded value is a keyed digest (state keeps those instead of secrets)."""
    return isinstance(value, str) and value.startswith("hmac-sha256:")


def timestamp(clock: Callable[[], float]) -> str:
    """The clock's time as an ISO 8601 UTC timestamp to the second."""
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds")


__all__ = [
    "follow_renamed_traders",
    "is_digested",
    "pending_of",
    "recorded_at",
    "recorded_of",
    "timestamp",
    "trader_of",
]
