"""A record's parts as a plan reads them, decoded straight from its stored text: a pass over
a large state builds no model per record."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic_core import from_json

from reconciler.state.records import RawRecord, Records, ResourceState, record_of

RecordParts = tuple[str, str, dict[str, Any], dict[str, Any], str]
"""What a plan reads of a record: remote id, natural key, attributes, facts, and since when
the address is recorded (`created_at`, else `updated_at`)."""


def parts_of(raw: RawRecord) -> RecordParts:
    """The parts of a stored record a plan reads, decoded straight from its text: no model
    per record (a pass over a large state). A record of an unexpected shape takes the
    model's way (`record_of`), so it reads as before."""
    try:
        fields = from_json(raw)
    except ValueError:
        fields = None
    if type(fields) is dict:
        remote_id = fields.get("remote_id")
        key = fields.get("natural_key", "")
        attributes = fields.get("attributes")
        facts = fields.get("facts")
        if facts is None:
            facts = {}
        if (
            type(remote_id) is str
            and type(key) is str
            and type(attributes) is dict
            and type(facts) is dict
        ):
            since = _since(fields.get("created_at"), fields.get("updated_at"))
            return remote_id, key, attributes, facts, since
    return _model_parts(record_of(raw))


def _model_parts(model: ResourceState) -> RecordParts:
    return model.remote_id, model.natural_key, model.attributes, model.facts, since_of(model)


def since_of(record: ResourceState) -> str:
    """Since when the record's address is recorded: its `created_at`, else `updated_at`
    (empty when a record read unvalidated has neither as a text)."""
    return _since(getattr(record, "created_at", ""), getattr(record, "updated_at", ""))


def _since(created: object, updated: object) -> str:
    since = created or updated
    return since if isinstance(since, str) else ""


@dataclass(frozen=True, slots=True)
class Stamps:
    """What the onboarding funnel reads of a record (its `FunnelRecord`): when it was first
    and last written, and its facts; no model, and its attributes not kept."""

    created_at: str
    updated_at: str
    facts: Mapping[str, Any]


def stamps_of(raw: RawRecord) -> Stamps:
    """The stamps and facts of a stored record, decoded straight from its text; a record of
    an unexpected shape takes the model's way (`record_of`), so it reads as before."""
    try:
        fields = from_json(raw)
    except ValueError:
        fields = None
    if type(fields) is dict:
        created = fields.get("created_at", "")
        updated = fields.get("updated_at")
        facts = fields.get("facts")
        if facts is None:
            facts = {}
        if type(created) is str and type(updated) is str and type(facts) is dict:
            return Stamps(created, updated, facts)
    model = record_of(raw)
    return Stamps(model.created_at, model.updated_at, model.facts)


def decoded_parts(records: Records, *, drain: bool = False) -> Iterator[tuple[str, RecordParts]]:
    """(address, parts) of every record: a kept model's when one was built from the very text,
    else decoded from it and not kept (see `parts_of`). With `drain`, each record is let go
    as it is decoded (see `Records.drain`)."""
    kept = records.kept
    taken = records.drain() if drain else ((a, raw, kept(a, raw)) for a, raw in records.raw.items())
    for address, raw, model in taken:
        yield address, parts_of(raw) if model is None else _model_parts(model)


__all__ = ["RecordParts", "Stamps", "decoded_parts", "parts_of", "since_of", "stamps_of"]
