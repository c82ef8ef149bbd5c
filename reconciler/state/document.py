"""The state document: recorded resources and pending operations by address, its canonical bytes
(older formats migrated on read, see `migrations`), and the mutable working copy apply edits."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.errors import StateError
from reconciler.state.migrations import MIGRATIONS, Migration

FORMAT_VERSION = 3
"""The state format this program writes; older documents are migrated on read.

    1  the first format; a record's natural key was kept among its facts
    2  `natural_key` is a field of each resource record
    3  `created_at`: when each record was first made (the start of a wait for a signature or
       a verification); migrated records take their `updated_at`, the earliest time known
"""


class ResourceState(BaseModel):
    """What was last applied to one address: the platform's id, the natural key it is found
    by, the applied attributes (secrets only as keyed digests) and facts learnt from the
    platform; `created_at` is when the address was first recorded (kept by every later write
    through `StateEditor.put`; empty until a document is edited or migrated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    remote_id: str
    natural_key: str = ""
    attributes: dict[str, Any]
    facts: dict[str, Any] = Field(default_factory=dict)
    updated_at: str
    created_at: str = ""


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
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = Field(ge=1)
    lineage: str = Field(min_length=1)
    serial: int = Field(default=0, ge=0)
    resources: dict[str, ResourceState] = Field(default_factory=dict)
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
        """Parse stored bytes, migrating older formats one version at a time.

        `migrations` maps a version n to the step producing version n + 1.
        """
        raw = _load_object(data)
        version = _format_version(raw)
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

    def to_bytes(self) -> bytes:
        """Canonical UTF-8 JSON: sorted keys, one record per line, newline at the end.

        Records are dumped one at a time: a dump of the whole document would copy every
        record of a large state at once (gigabytes at 100,000 traders) on every write."""
        fields: dict[str, Any] = self.model_dump(mode="json", exclude={"resources", "pending"})
        fields["resources"] = self.resources
        fields["pending"] = self.pending
        return _encode(fields)

    def edit(self) -> StateEditor:
        """A mutable working copy; this document is never changed by it."""
        return StateEditor(self)


class StateEditor:
    """A mutable working copy of a document for apply, which changes many records between writes.

    Copy-on-write: the maps are shared with the source (or the last snapshot) until the next
    change, so `snapshot()` is cheap and records are never deep-copied.
    """

    __slots__ = ("_base", "_is_shared", "_pending", "_resources")

    def __init__(self, base: StateDocument) -> None:
        self._base = base
        self._resources = base.resources
        self._pending = base.pending
        self._is_shared = True

    def get(self, address: str) -> ResourceState | None:
        """The working record of `address` (reading never copies anything)."""
        return self._resources.get(address)

    def put(self, address: str, resource: ResourceState) -> None:
        """Record `resource` at `address`, replacing what was there; without a `created_at`
        it keeps the replaced record's, or takes its own `updated_at` when it is the first."""
        if not resource.created_at:
            previous = self._resources.get(address)
            created = previous.created_at if previous is not None else ""
            resource = resource.model_copy(update={"created_at": created or resource.updated_at})
        self._own()
        self._resources[address] = resource

    def remove(self, address: str) -> None:
        """Forget `address`; nothing happens when it is not recorded."""
        if address in self._resources:
            self._own()
            del self._resources[address]

    def add_pending(self, op: PendingOperation) -> None:
        """Journal an operation about to be sent (keyed by its id)."""
        self._own()
        self._pending[op.id] = op

    def clear_pending(self, ids: Iterable[str]) -> None:
        """Drop the given pending operations; unknown ids are ignored."""
        self._own()
        for op_id in ids:
            self._pending.pop(op_id, None)

    def snapshot(self) -> StateDocument:
        """The document as edited so far (same serial and lineage as the source)."""
        self._is_shared = True
        return self._base.model_copy(
            update={"resources": self._resources, "pending": self._pending}
        )

    def _own(self) -> None:
        if self._is_shared:
            self._resources = dict(self._resources)
            self._pending = dict(self._pending)
            self._is_shared = False


@dataclass(frozen=True, slots=True)
class StateHeader:
    """The fields of a stored document a backend needs for its compare-and-swap."""

    lineage: str
    serial: int


def parse_header(data: bytes) -> StateHeader:
    """Read lineage and serial from stored bytes without validating the whole document.

    The canonical encoding (`to_bytes`) puts `"lineage"` near the start and `"serial"` on the
    last line, each on its own top-level line (two spaces of indent; JSON strings never hold
    a raw newline), so those two lines are read without parsing a large state; anything else
    is parsed whole.
    """
    header = _canonical_header(data)
    if header is not None:
        return header
    raw = _load_object(data)
    lineage = raw.get("lineage")
    serial = raw.get("serial", 0)
    if not isinstance(lineage, str) or not _is_int(serial):
        raise StateError("invalid state document: lineage or serial missing or malformed")
    return StateHeader(lineage=lineage, serial=serial)


_LINEAGE = b'\n  "lineage": '
_SERIAL = b'\n  "serial": '


def _canonical_header(data: bytes) -> StateHeader | None:
    if not data.startswith(b'{\n  "format_version": '):
        return None
    start = data.find(_LINEAGE, 0, 4096)
    end = data.find(b"\n", start + 1)
    serial_at = data.rfind(_SERIAL, max(0, len(data) - 256))
    if start < 0 or end < 0 or serial_at < 0 or data[-3:] != b"\n}\n":
        return None
    try:
        lineage = json.loads(data[start + len(_LINEAGE) : end].rstrip(b","))
        serial = json.loads(data[serial_at + len(_SERIAL) : -3])
    except ValueError:
        return None
    if not isinstance(lineage, str) or not _is_int(serial):
        return None
    return StateHeader(lineage=lineage, serial=serial)


def _load_object(data: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise StateError("state is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise StateError(
            f"state is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(raw, dict):
        raise StateError("invalid state document: expected a JSON object")
    return raw


def _format_version(raw: Mapping[str, Any]) -> int:
    version = raw.get("format_version")
    if not _is_int(version) or version < 0:
        raise StateError("invalid state document: format_version missing or not a whole number")
    return version


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "document"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _encode(data: Mapping[str, Any]) -> bytes:
    # One record per line keeps diffs readable while json's C encoder does the work
    # (indent= falls back to the pure-Python encoder, about three times slower).
    def dump(value: object) -> str:
        return json.dumps(
            value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )

    def dump_entry(value: object) -> str:
        return dump(value.model_dump(mode="json") if isinstance(value, BaseModel) else value)

    fields = []
    for name in sorted(data):
        value = data[name]
        if isinstance(value, dict) and value:
            entries = ",\n".join(
                f"    {dump(key)}: {dump_entry(value[key])}" for key in sorted(value)
            )
            fields.append(f"  {dump(name)}: {{\n{entries}\n  }}")
        else:
            fields.append(f"  {dump(name)}: {dump(value)}")
    return ("{\n" + ",\n".join(fields) + "\n}\n").encode("utf-8")
