"""Whether a saved plan may still be applied: the state, manifests and program it was made
from, and the platforms, which must still call for exactly the changes it lists."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from pydantic import SecretStr

from reconciler.errors import StalePlan
from reconciler.json_text import PLAIN_TYPES
from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address, in_address_order
from reconciler.plan.inputs import Digest
from reconciler.plan.plan import Plan
from reconciler.plan.planfile import SavedPlan, encode_change
from reconciler.plan.resource import DesiredResource, GeneratedSecret


@dataclass(frozen=True, slots=True)
class Origin:
    """What a saved plan is checked against before apply: the current firm, workspace, state,
    manifests and program version."""

    firm: str
    workspace: str
    lineage: str
    serial: int
    manifest_digest: str
    values_digest: str
    reconciler_version: str


def check_saved(saved: SavedPlan, now: Origin) -> None:
    """Raise StalePlan unless the saved plan was made from exactly `now` (a plan made before
    any state existed matches a state that still has none)."""
    plan = saved.plan
    if saved.reconciler_version != now.reconciler_version:
        raise StalePlan(
            f"the plan was made by reconciler {saved.reconciler_version}, this is "
            f"{now.reconciler_version}; run plan again"
        )
    if (saved.firm, saved.workspace) != (now.firm, now.workspace):
        raise StalePlan(
            f"the plan was made for firm {saved.firm!r} (state workspace {saved.workspace!r}), "
            f"not {now.firm!r} ({now.workspace!r})"
        )
    is_fresh = plan.serial == now.serial == 0
    if not is_fresh and (plan.lineage, plan.serial) != (now.lineage, now.serial):
        if plan.serial == 0:
            made = "before any state existed"
        elif plan.lineage != now.lineage:
            made = f"from another state (lineage {plan.lineage})"
        else:
            made = f"from state serial {plan.serial}"
        raise StalePlan(
            f"the plan was made {made} but state is now at serial {now.serial}; run plan again"
        )
    if plan.manifest_digest != now.manifest_digest:
        raise StalePlan("the manifests changed since the plan was made; run plan again")
    if saved.values_digest != now.values_digest:
        raise StalePlan(
            "values the manifests reference (${env:...}, ${file:...}) changed since the plan "
            "was made; run plan again"
        )


def match_saved(saved: Plan, fresh: Plan) -> tuple[Plan, tuple[Change, ...]]:
    """The plan to execute, and changes that appeared since (not executed).

    `fresh` is the plan made again now, with the saved plan's options. Every change the saved
    plan would execute must be planned again identically (same action, values, dependencies
    and remote id); otherwise the platforms changed in a way that makes the saved plan a lie
    and StalePlan is raised. The plan to execute holds the fresh changes at the saved plan's
    addresses (the same values, with what refresh learnt, e.g. remote ids).
    """
    listed = {c.address: c for c in saved.changes if c.action is not Action.NOOP}
    current = {c.address: c for c in fresh.changes}
    differing: list[str] = []
    for address, change in listed.items():
        now = current.get(address)
        if not change.calls_platform:
            continue
        if now is None or _comparable(now) != _comparable(change):
            if now is None:
                state = "now gone"
            elif now.action is change.action:
                state = "now with other values"
            else:
                state = f"now {now.action.value}"
            differing.append(f"{address} (planned {change.action.value}, {state})")
    if fresh.moved != saved.moved:
        differing.append("the moves of recorded addresses")
    if differing:
        more = f" and {len(differing) - 5} more" if len(differing) > 5 else ""
        raise StalePlan(
            "the platforms changed since the plan was made: "
            f"{', '.join(differing[:5])}{more}; run plan again"
        )
    executes = {a for a, c in listed.items() if c.calls_platform}
    executed = tuple(
        c
        for c in fresh.changes
        if c.address in executes or (c.address in listed and c.action is listed[c.address].action)
    )
    appeared = tuple(c for c in fresh.changes if c.calls_platform and c.address not in executes)
    return replace(fresh, changes=executed, notes=saved.notes), appeared


def values_digest(resources: Mapping[Address, DesiredResource], *, digest: Digest) -> str:
    """A digest of every desired resource as resolved, secrets only through `digest` (keyed),
    so a saved plan notices a changed `${env:...}` or `${file:...}` value. Each resource is
    one line of JSON (keys sorted, a value JSON has no form for as its text), in address
    order: `{"address": ..., "attributes": ..., "depends_on": ..., "inputs": ...,
    "natural_key": ..., "protected": ...}`, as `json.dumps(entry, sort_keys=True,
    default=str)` writes it. The lines are hashed `_LINES_AT_ONCE` at a time."""
    hasher = hashlib.sha256()
    line_of = _Lines(digest).line
    lines: list[str] = []
    for resource in in_address_order(resources.values()):  # each is at its own address
        lines.append(line_of(resource))
        if len(lines) == _LINES_AT_ONCE:
            hasher.update("".join(lines).encode())
            lines.clear()
    hasher.update("".join(lines).encode())
    return f"sha256:{hasher.hexdigest()}"


_LINES_AT_ONCE = 1000
"""Lines of the values digest joined before they are hashed (assumed: a tuning of ours)."""

_ENCODER = json.JSONEncoder(sort_keys=True, default=str)
"""`json.dumps(..., sort_keys=True, default=str)`, made once rather than on every call."""

_TEXT = frozenset({str})
"""The type of a mapping's keys that are their own fingerprint."""

_BOOLEANS = {True: "true", False: "false"}
"""The JSON of a boolean."""


class _Lines:
    """The digest's line of each resource, for one digest: the fingerprint of a value held
    by more than one resource (a template's risk settings, a generated password, the empty
    inputs) is made once, and so is the text of inputs met again. Values are looked up by
    identity, so every resource digested must be held until the digest is made."""

    def __init__(self, digest: Digest) -> None:
        self._digest = digest
        # the C encoder `_ENCODER.encode` makes anew on each call (the same arguments),
        # made once; markers are emptied as each value's encoding ends
        self._encode: Callable[[Any], str] = _ENCODER.encode
        if c_make_encoder is not None:
            iterencode = c_make_encoder(
                {}, str, encode_basestring_ascii, None, ": ", ", ", True, False, True
            )
            self._encode = lambda value: "".join(iterencode(value, 0))
        self._nested: dict[int, Any] = {}  # by id: the fingerprint of a value held in a value
        self._inputs: dict[int, str | None] = {}  # by id: None once met, then their text

    def line(self, resource: DesiredResource) -> str:
        encode = self._encode
        key = resource.natural_key
        depends_on = resource.depends_on
        protected = resource.protected
        return "".join(
            (
                '{"address": ',
                encode_basestring_ascii(resource.address.text),
                ', "attributes": ',
                encode(self._fingerprint(resource.attributes)),
                ', "depends_on": ',
                encode([a.text for a in depends_on]) if depends_on else "[]",
                ', "inputs": ',
                self._inputs_text(resource.inputs),
                ', "natural_key": ',
                encode_basestring_ascii(key) if type(key) is str else encode(key),
                ', "protected": ',
                _BOOLEANS[protected] if type(protected) is bool else encode(protected),
                "}\n",
            )
        )

    def _inputs_text(self, inputs: Mapping[str, Any]) -> str:
        known = self._inputs
        text = known.get(id(inputs))
        if text is None:
            text = self._encode(self._fingerprint(inputs))
            # kept from the second time on: a trader's own inputs are met once
            known[id(inputs)] = text if id(inputs) in known else None
        return text

    def _fingerprint(self, value: Any) -> Any:
        kind = type(value)
        if kind in PLAIN_TYPES:  # its own fingerprint
            return value
        if (
            kind is dict
            and _TEXT.issuperset(map(type, value))
            and PLAIN_TYPES.issuperset(map(type, value.values()))
        ):
            return value  # plain values under text keys: what the general case would copy
        if isinstance(value, SecretStr):
            return self._digest(value.get_secret_value())
        if isinstance(value, GeneratedSecret):
            return f"(generated, {value.length} characters)"
        if isinstance(value, Mapping):
            return {str(k): self._held(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._held(v) for v in value]
        return value

    def _held(self, value: Any) -> Any:
        """The fingerprint of a value held in a mapping or list: its own when plain, else
        made once for each value (by identity)."""
        if type(value) in PLAIN_TYPES:
            return value
        nested = self._nested
        found = nested.get(id(value), nested)
        if found is nested:
            found = nested[id(value)] = self._fingerprint(value)
        return found


def _comparable(change: Change) -> dict[str, Any]:
    encoded = encode_change(change)
    del encoded["reason"]  # for humans only
    return encoded
