"""Saved plan files: the versioned JSON a reviewed plan is kept in (no secrets: values are
shown as `(sensitive)`). Pure: the caller reads and writes the bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import from_json

from reconciler.errors import ReconcilerError, StalePlan
from reconciler.json_text import alike_key, dump_parts
from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address
from reconciler.plan.plan import Plan, PlanOptions

PLANFILE_FORMAT = "reconciler-plan"
PLANFILE_VERSION = 1
"""The plan file format this program writes and reads (plans are short-lived: no migrations)."""


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A plan with what it was made from: the options it was asked with, the firm and state
    workspace, a digest of the resolved manifest values (secrets only through keyed digests)
    and the reconciler version. A file keeps no no-op changes: `noop_count` counts the no-ops
    the plan value does not hold (those of a read file; none of a plan about to be saved)."""

    plan: Plan
    options: PlanOptions
    firm: str
    workspace: str
    values_digest: str
    reconciler_version: str
    noop_count: int = 0


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str
    action: Action
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    changed: list[str] = Field(default_factory=list)
    reason: str = ""
    via: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    remote_id: str | None = None
    probe: bool = False


class _State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lineage: str
    serial: int = Field(ge=0)


class _Manifests(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    digest: str
    values_digest: str


class _Options(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    adopt: bool = False
    targets: list[str] = Field(default_factory=list)
    max_cancel: int | None = None


class _PlanFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["reconciler-plan"]
    format_version: int
    reconciler_version: str
    created_at: str
    firm: str
    workspace: str
    state: _State
    manifests: _Manifests
    options: _Options
    summary: dict[str, int]
    notes: list[str]
    moved: list[tuple[str, str]] = []
    changes: list[_Record]


def encode_change(change: Change) -> dict[str, Any]:
    """One change as plain JSON values (the shape of `changes[]` in plan files and JSON output)."""
    return {
        "address": str(change.address),
        "action": change.action.value,
        "before": _plain(change.before),
        "after": _plain(change.after),
        "changed": list(change.changed),
        "reason": change.reason,
        "via": None if change.via is None else str(change.via),
        "depends_on": [str(a) for a in change.depends_on],
        "remote_id": change.remote_id,
        "probe": change.probe,
    }


def summary_counts(plan: Plan) -> dict[str, int]:
    """How many changes of each action, every action named (no-ops included)."""
    counts = plan.counts()
    return {action.value: counts[action] for action in Action}


def dump_plan(saved: SavedPlan) -> bytes:
    """The plan file's bytes: indented UTF-8 JSON with sorted keys and a final newline."""
    return b"".join(plan_pieces(saved))


PIECE_CHARS = 1 << 20
"""Characters of a plan file written at a time by `plan_pieces` (assumed: a tuning of ours;
a large plan's file is tens of MB, and its text whole, with the pieces it is joined from,
was a saving plan's peak)."""


def plan_pieces(saved: SavedPlan) -> Iterator[bytes]:
    """`dump_plan`'s bytes a piece of about PIECE_CHARS characters at a time, as they are
    encoded (to write a large plan without holding its text): the changes a thousand at a
    time (`dump_parts`), each encoded as it is written."""
    changes = (encode_change(c) for c in saved.plan.changes if c.action is not Action.NOOP)
    held: list[str] = []
    size = 0
    for part in dump_parts(_document(saved), "changes", changes, indent=1):
        held.append(part)
        size += len(part)
        if size >= PIECE_CHARS:
            yield "".join(held).encode()
            held.clear()
            size = 0
    held.append("\n")
    yield "".join(held).encode()


def _document(saved: SavedPlan) -> dict[str, Any]:
    plan = saved.plan
    summary = summary_counts(plan)
    summary[Action.NOOP.value] += saved.noop_count
    return {
        "format": PLANFILE_FORMAT,
        "format_version": PLANFILE_VERSION,
        "reconciler_version": saved.reconciler_version,
        "created_at": plan.created_at,
        "firm": saved.firm,
        "workspace": saved.workspace,
        "state": {"lineage": plan.lineage, "serial": plan.serial},
        "manifests": {"digest": plan.manifest_digest, "values_digest": saved.values_digest},
        "options": {
            "adopt": saved.options.adopt,
            "targets": list(saved.options.targets),
            "max_cancel": saved.options.max_cancel,
        },
        "summary": summary,
        "notes": list(plan.notes),
        "moved": [[str(old), str(new)] for old, new in plan.moved],
        "changes": [],  # written a part at a time by `plan_pieces`
    }


def load_plan(data: bytes) -> SavedPlan:
    """Parse a plan file; ReconcilerError when it is not one, StalePlan for another format.

    The changes are decoded one at a time, each let go of as JSON once it is a change, and
    the texts and plain mappings many changes repeat (a reason, `{"verified": true}`) are
    held once for all of them (a large firm's file holds hundreds of thousands of waits):
    the plan's values are never changed in place."""
    try:
        raw = from_json(data, cache_strings=True)
    except ValueError:
        raise ReconcilerError("not a saved plan: the file is not JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != PLANFILE_FORMAT:
        raise ReconcilerError("not a saved plan: write one with `reconciler plan --out FILE`")
    version = raw.get("format_version")
    if version != PLANFILE_VERSION:
        raise StalePlan(
            f"the plan file has format version {version}, this reconciler reads version "
            f"{PLANFILE_VERSION}; run plan again with this version"
        )
    items = raw.get("changes")
    try:
        if isinstance(items, list):  # the rest checked alone: the changes one at a time
            raw["changes"] = []
        model = _PlanFile.model_validate(raw)
        changes = tuple(_changes_consuming(items if isinstance(items, list) else []))
        moved = tuple((Address.parse(old), Address.parse(new)) for old, new in model.moved)
    except (ValidationError, ValueError) as exc:
        raise ReconcilerError(f"the saved plan is damaged: {_first_problem(exc)}") from None
    plan = Plan(
        changes=changes,
        lineage=model.state.lineage,
        serial=model.state.serial,
        manifest_digest=model.manifests.digest,
        created_at=model.created_at,
        notes=tuple(model.notes),
        moved=moved,
    )
    options = PlanOptions(
        adopt=model.options.adopt,
        targets=tuple(model.options.targets),
        max_cancel=model.options.max_cancel,
    )
    return SavedPlan(
        plan=plan,
        options=options,
        firm=model.firm,
        workspace=model.workspace,
        values_digest=model.manifests.values_digest,
        reconciler_version=model.reconciler_version,
        noop_count=model.summary.get(Action.NOOP.value, 0),
    )


def _changes_consuming(items: list[Any]) -> Iterator[Change]:
    """The changes of a file's `changes` items, each item let go of once decoded."""
    held: dict[Any, Any] = {}  # a repeated text or plain mapping, by itself
    for index, item in enumerate(items):
        items[index] = None
        try:
            record = _Record.model_validate(item)
        except ValidationError as exc:
            raise ValueError(_first_problem(exc, at=("changes", index))) from None
        yield _decode(record, held)


def _plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """JSON values only (tuples as lists, dates as ISO strings), as a file would hold them."""
    if value is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(dict(value), default=str, sort_keys=True))
    return result


def _decode(record: _Record, held: dict[Any, Any]) -> Change:
    return Change(
        address=Address.parse(record.address),
        action=record.action,
        before=_held(record.before, held),
        after=_held(record.after, held),
        changed=tuple(record.changed),
        reason=held.setdefault(record.reason, record.reason),
        via=None if record.via is None else Address.parse(record.via),
        depends_on=tuple(Address.parse(a) for a in record.depends_on),
        remote_id=record.remote_id,
        probe=record.probe,
    )


def _held(value: dict[str, Any] | None, held: dict[Any, Any]) -> dict[str, Any] | None:
    """`value`, or the equal mapping of plain values held already (its values' types are
    part of its key: `true` and `1` are not alike)."""
    key = alike_key(value) if value else None
    if not value or key is None:
        return value
    found: dict[str, Any] = held.setdefault(key, value)
    return found


def _first_problem(exc: Exception, at: tuple[object, ...] = ()) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in (*at, *error["loc"]))
        return f"{where}: {error['msg']}"
    return str(exc)
