"""JSON output of plans, drift reports and recorded state, for scripts and CI.

The shapes are documented in docs/ci.md ("Output formats") and versioned by `format_version`:
fields may be added within a version, never renamed or removed. Secrets never appear: values
print `(sensitive)` as in the text output.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic_core import to_json

from reconciler.json_text import PLAIN_TYPES, dump_parts, dumps
from reconciler.plan import (
    ABSENT,
    SENSITIVE,
    Action,
    Change,
    Drift,
    DriftStatus,
    Plan,
    PlanOptions,
    encode_change,
    offboarded_traders,
    path_changes,
    restricted_traders,
    summary_counts,
)
from reconciler.render.values import DIGEST_PREFIX, is_sensitive

JSON_FORMAT_VERSION = 1
"""The version of every JSON document reconciler prints."""


def render_plan_json(
    plan: Plan,
    *,
    show_noop: bool = False,
    options: PlanOptions | None = None,
    hidden_noops: int = 0,
) -> str:
    """The plan as one JSON document (`kind: plan`). No-op changes are listed only with
    `show_noop` but always counted; `hidden_noops` adds no-ops the plan value does not hold
    (a saved plan keeps only their number)."""
    return "".join(
        plan_json_parts(plan, show_noop=show_noop, options=options, hidden_noops=hidden_noops)
    )


def plan_json_parts(
    plan: Plan,
    *,
    show_noop: bool = False,
    options: PlanOptions | None = None,
    hidden_noops: int = 0,
) -> Iterator[str]:
    """`render_plan_json`'s text a part at a time (`dump_parts`): its changes each made
    as it is written (a large plan's every change, and the whole text, held at once were
    gigabytes)."""
    summary = summary_counts(plan)
    summary[Action.NOOP.value] += hidden_noops
    platforms: dict[str, dict[str, int]] = {}
    for (provider, action), count in Counter(_provider_action(plan.changes)).items():
        counts = platforms.get(provider)
        if counts is None:
            counts = platforms[provider] = {a.value: 0 for a in Action}
        counts[action.value] = count
    document: dict[str, Any] = {
        "format_version": JSON_FORMAT_VERSION,
        "kind": "plan",
        "created_at": plan.created_at,
        "state": {"lineage": plan.lineage, "serial": plan.serial},
        "manifest_digest": plan.manifest_digest,
        "has_changes": plan.has_changes,
        "summary": summary,
        "platforms": dict(sorted(platforms.items())),
        "offboarded_traders": offboarded_traders(plan),
        "restricted_traders": restricted_traders(plan),
        "notes": list(plan.notes),
        "changes": [],
    }
    if options is not None:
        document["options"] = {
            "adopt": options.adopt,
            "targets": list(options.targets),
            "max_cancel": options.max_cancel,
        }
    changes = (
        _change(change) for change in plan.changes if show_noop or change.action is not Action.NOOP
    )
    return dump_parts(document, "changes", changes, indent=2)


def _provider_action(changes: Iterable[Change]) -> Iterator[tuple[str, Action]]:
    for change in changes:
        yield change.address.provider, change.action


def render_drift_json(drift: Drift) -> str:
    """The drift report as one JSON document (`kind: drift`)."""
    counts = drift.counts()
    platforms: dict[str, dict[str, int]] = {}
    for item in drift.items:
        row = platforms.setdefault(item.address.provider, {s.value: 0 for s in DriftStatus})
        row[item.status.value] += 1
    document = {
        "format_version": JSON_FORMAT_VERSION,
        "kind": "drift",
        "created_at": drift.created_at,
        "state": {"lineage": drift.lineage, "serial": drift.serial},
        "has_drift": drift.has_drift,
        "summary": {status.value: counts[status] for status in DriftStatus},
        "platforms": dict(sorted(platforms.items())),
        "notes": list(drift.notes),
        "drift": [
            {
                "address": str(item.address),
                "provider": item.address.provider,
                "trader": item.address.trader,
                "status": item.status.value,
                "recorded_id": item.recorded_id,
                "remote_id": item.remote_id,
                "fields": [
                    {
                        "name": f.name,
                        "recorded": _safe(f.recorded),
                        "remote": _safe(f.remote),
                        "paths": _paths(f.name, f.recorded, f.remote),
                    }
                    for f in item.fields
                ],
            }
            for item in drift.items
        ],
    }
    return _dump(document)


def render_state_json(resources: Mapping[str, Mapping[str, Any]], *, serial: int) -> str:
    """Recorded state (`kind: state`): remote id, attributes, facts per address; digests of
    secrets print `(sensitive)`."""
    return "".join(state_json_parts(resources, serial=serial))


def state_json_parts(resources: Mapping[str, Mapping[str, Any]], *, serial: int) -> Iterator[str]:
    """`render_state_json`'s text a part at a time (`dump_parts`): the rows by address, each
    looked up as it is written (`resources` may make its rows on lookup)."""
    document = {
        "format_version": JSON_FORMAT_VERSION,
        "kind": "state",
        "serial": serial,
        "resources": {},
    }
    rows = ((address, _safe_plain(dict(resources[address]))) for address in sorted(resources))
    return dump_parts(document, "resources", rows, indent=2)


def _change(change: Change) -> dict[str, Any]:
    encoded = encode_change(change)
    encoded["provider"] = change.address.provider
    encoded["trader"] = change.address.trader
    encoded["before"] = _safe_plain(encoded["before"])
    encoded["after"] = _safe_plain(encoded["after"])
    before, after = change.before or {}, change.after or {}
    encoded["paths"] = [
        path
        for key in change.changed
        if key in before and key in after
        for path in _paths(key, before[key], after[key])
    ]
    return encoded


def _paths(name: str, before: object, after: object) -> list[dict[str, Any]]:
    """Path-level differences of a nested attribute: `{path, before, after}`, a side left out
    where the path does not exist."""
    found: list[dict[str, Any]] = []
    for change in path_changes(name, before, after):
        entry: dict[str, Any] = {"path": change.path}
        if change.before is not ABSENT:
            entry["before"] = _plain(_safe(change.before))
        if change.after is not ABSENT:
            entry["after"] = _plain(_safe(change.after))
        found.append(entry)
    return found


def _safe_plain(value: Any) -> Any:
    """`_safe` of plain JSON values (mappings with text keys): the value itself when its JSON
    holds neither the marker nor a digest's prefix (most of a large state's rows and a plan's
    values), found without a walk in Python."""
    if type(value) is dict:
        try:
            text = to_json(value)
        except ValueError:  # e.g. a text UTF-8 cannot hold: walked
            return _safe(value)
        if _MARKER not in text and _DIGEST not in text:
            return value
    return _safe(value)


_MARKER = json.dumps(SENSITIVE).encode()
_DIGEST = DIGEST_PREFIX.encode()


def _safe(value: Any) -> Any:
    """Plain JSON values with every secret marker or digest replaced by `(sensitive)`."""
    if is_sensitive(value):
        return SENSITIVE
    if isinstance(value, Mapping):
        return {str(k): _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """`value` as the plain JSON values `_dump` writes it as (a value JSON has no form for,
    its text)."""
    if type(value) in PLAIN_TYPES:
        return value
    return json.loads(json.dumps(value, default=str))  # as `_dump` writes it, unindented


def _dump(document: Any) -> str:
    return dumps(document, indent=2)
