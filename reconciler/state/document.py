"""The state document: recorded resources and pending operations by address, its canonical bytes
(older formats migrated on read, see `migrations`), and the mutable working copy apply edits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.errors import StateError
from reconciler.state.encoding import (
    HEADER_FIELDS,
    RawDocument,
    StateHeader,
    _canonical_header,
    encode_chunks,
    format_version_of,
    load_object,
    parse_header,
)
from reconciler.state.migrations import MIGRATIONS, Migration
from reconciler.state.records import RawRecord, Records, ResourceState, fields_of, raw_record

FORMAT_VERSION = 4
"""The state format this program writes; older documents are migrated on read.

    1  the first format; a record's natural key was kept among its facts
    2  `natural_key` is a field of each resource record
    3  `created_at`: when each record was first made (the start of a wait for a signature or
       a verification); migrated records take their `updated_at`, the earliest time known
    4  an optional `fingerprint` per record; the local backend may keep recent changes in a
       journal beside the file (see `local_files`), which older versions would not read
"""


class PendingOperation(BaseModel):
    """An operation journaled before its call and cleared after its result was recorded;
    one left behind means apply was interrupted and `natural_key` finds what it did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    address: str
    action: str
    natural_key: str
    started_at: str


class StateDocument(BaseModel):
    """One workspace's recorded state.

    Invariants: `lineage` is set once when the state is created and never changes; `serial`
    grows by one on every write (the store bumps it); both maps are keyed by address string.
    `key_check` fingerprints the key the secret digests were made with (see `key_check`).
    `resources` keeps records in their stored form and builds a model per lookup.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = Field(ge=1)
    lineage: str = Field(min_length=1)
    serial: int = Field(default=0, ge=0)
    resources: Records = Field(default_factory=Records)
    pending: dict[str, PendingOperation] = Field(default_factory=dict)
    key_check: str | None = None

    @classmethod
    def new(cls, *, lineage: str | None = None) -> StateDocument:
        """An empty document of the current format (a fresh uuid4 lineage unless given)."""
        return cls(format_version=FORMAT_VERSION, lineage=lineage or str(uuid.uuid4()))

    @classmethod
    def from_bytes(
        cls, data: bytes, *, migrations: Mapping[int, Migration] = MIGRATIONS
    ) -> StateDocument:
        """Parse and validate bytes from outside (a pushed file), migrating older formats one
        version at a time; `migrations` maps a version n to the step producing n + 1."""
        return cls.from_object(load_object(data), migrations=migrations)

    @classmethod
    def from_object(
        cls, raw: RawDocument, *, migrations: Mapping[int, Migration] = MIGRATIONS
    ) -> StateDocument:
        """`from_bytes` of an already decoded document."""
        version = format_version_of(raw)
        if version > FORMAT_VERSION:
            raise StateError(
                f"state format version {version} is newer than this reconciler supports"
            )
        while version < FORMAT_VERSION:
            step = migrations.get(version)
            if step is None:
                raise StateError(f"no migration from state format version {version}")
            raw = step(raw)
            version += 1
            raw["format_version"] = version
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise StateError(f"invalid state document: {_first_problem(exc)}") from None

    @classmethod
    def from_stored(cls, raw: RawDocument) -> tuple[StateDocument, bool]:
        """A document read from its backend, and whether it is exactly what is stored: one of
        the current format keeps its records unvalidated (they were when written); an older
        one is migrated and validated (and differs from what is stored)."""
        if format_version_of(raw) != FORMAT_VERSION:
            records = raw.get("resources")
            if isinstance(records, dict):
                raw = {**raw, "resources": {k: fields_of(v) for k, v in records.items()}}
            return cls.from_object(raw), False
        fields = {name: raw[name] for name in HEADER_FIELDS if name in raw}
        unknown = set(raw) - {*HEADER_FIELDS, "resources", "pending"}
        if unknown:
            raise StateError(f"invalid state document: unknown field {sorted(unknown)[0]}")
        fields["resources"] = Records.stored(raw.get("resources", {}))
        fields["pending"] = raw.get("pending", {})
        try:
            return cls.model_validate(fields), True
        except ValidationError as exc:
            raise StateError(f"invalid state document: {_first_problem(exc)}") from None

    def header(self) -> dict[str, Any]:
        """The fields besides the two maps, as stored."""
        return {name: getattr(self, name) for name in HEADER_FIELDS}

    def to_bytes(self) -> bytes:
        """Canonical UTF-8 JSON: sorted keys, one record per line, newline at the end."""
        return b"".join(self.to_chunks())

    def to_chunks(self) -> Iterator[bytes]:
        """`to_bytes` a piece at a time (a large state written without all of it in memory)."""
        return encode_chunks(
            {**self.header(), "resources": self.resources.raw, "pending": self.pending}
        )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update` applied; `resources` may be given as any mapping of records."""
        if update is not None and "resources" in update:
            update = {**update, "resources": Records.validate(update["resources"])}
        return super().model_copy(update=update, deep=deep)

    def edit(self) -> StateEditor:
        """A mutable working copy; this document is never changed by it."""
        return StateEditor(self)


class StateEditor:
    """A mutable working copy of a document for apply, which changes many records between writes.

    Copy-on-write: the maps are shared with the source (or the last snapshot) until the next
    change, so `snapshot()` is cheap and records are never deep-copied; an unchanged record
    stays the same object, which is how a write finds what changed.
    """

    __slots__ = (
        "_base",
        "_owns_pending",
        "_owns_resources",
        "_pending",
        "_records",
        "_resources",
        "_touched",
    )

    def __init__(self, base: StateDocument) -> None:
        self._base = base
        self._records = base.resources
        self._resources = base.resources.raw
        self._touched: set[str] = set()  # addresses put or removed since `base`
        self._pending = base.pending
        self._owns_resources = self._owns_pending = False  # each map is copied on first change

    def get(self, address: str) -> ResourceState | None:
        """The working record of `address` (reading never copies anything)."""
        raw = self._resources.get(address)
        if raw is None:
            return None
        record: ResourceState = self._records.derived(self._resources, frozenset()).get(address)
        return record

    def put(self, address: str, resource: ResourceState) -> None:
        """Record `resource` at `address`, replacing what was there; without a `created_at`
        it keeps the replaced record's, or takes its own `updated_at` when it is the first."""
        if not resource.created_at:
            previous = self._resources.get(address)
            created = fields_of(previous).get("created_at", "") if previous is not None else ""
            fields = resource.model_dump(mode="json")
            fields["created_at"] = created or resource.updated_at
            self._own_resources()[address] = raw_record(fields)
        else:
            self._own_resources()[address] = raw_record(resource)
        self._touched.add(address)

    def remove(self, address: str) -> None:
        """Forget `address`; nothing happens when it is not recorded."""
        if address in self._resources:
            del self._own_resources()[address]
            self._touched.add(address)

    def add_pending(self, op: PendingOperation) -> None:
        """Journal an operation about to be sent (keyed by its id)."""
        self._own_pending()[op.id] = op

    def clear_pending(self, ids: Iterable[str]) -> None:
        """Drop the given pending operations; unknown ids are ignored."""
        pending = self._own_pending()
        for op_id in ids:
            pending.pop(op_id, None)

    def snapshot(self) -> StateDocument:
        """The document as edited so far (same serial and lineage as the source); its records
        are the source's very object while none was put or removed (so a write still finds
        what changed since the document those were edited from)."""
        self._owns_resources = self._owns_pending = False
        records = self._records
        if self._resources is not records.raw:
            records = records.derived(self._resources, frozenset(self._touched))
        return self._base.model_copy(update={"resources": records, "pending": self._pending})

    def _own_resources(self) -> dict[str, RawRecord]:
        if not self._owns_resources:
            self._resources = dict(self._resources)
            self._owns_resources = True
        return self._resources

    def _own_pending(self) -> dict[str, PendingOperation]:
        if not self._owns_pending:
            self._pending = dict(self._pending)
            self._owns_pending = True
        return self._pending


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "document"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


__all__ = [
    "FORMAT_VERSION",
    "PendingOperation",
    "ResourceState",
    "StateDocument",
    "StateEditor",
    "StateHeader",
    "_canonical_header",
    "parse_header",
]
