"""Comparing desired values with recorded and remote ones: what state keeps, what the platform
has now, and what a plan may show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from reconciler.plan.action import SENSITIVE
from reconciler.plan.concealed import conceal, digest_value, is_plain_sensitive
from reconciler.plan.inputs import Digest
from reconciler.plan.resource import DesiredResource, GeneratedSecret, Recorded, Remote

SKIP: Any = object()
"""A desired value never compared (a generated secret)."""


def behind(resource: DesiredResource, recorded: Recorded, remote: Remote, digest: Digest) -> str:
    """Why state lags behind a platform that already matches the manifests (an interrupted
    replace made a new object; a change landed but its answer was lost), or ""."""
    if recorded.remote_id != remote.remote_id:
        return f"the platform now holds it as {remote.remote_id} (recorded: {recorded.remote_id})"
    shown = conceal(remote.attributes, resource.sensitive, digest)
    stale = sorted(
        key
        for key, value in shown.items()
        if key in resource.attributes
        and key not in resource.create_only
        and key in recorded.attributes
        and recorded.attributes[key] != value
    )
    if stale:
        return f"state records an older {', '.join(stale)} than the platform, which matches"
    return ""


def regenerated(resource: DesiredResource) -> tuple[str, ...]:
    """Generated secrets the platform lets us set again on an existing object."""
    return tuple(
        key
        for key, value in resource.attributes.items()
        if isinstance(value, GeneratedSecret) and key not in resource.create_only
    )


def comparable(resource: DesiredResource, digest: Digest) -> dict[str, Any]:
    """Desired values as stored in state: secrets as digests; generated ones never compared."""
    values: dict[str, Any] = {}
    for key, value in resource.attributes.items():
        if isinstance(value, GeneratedSecret):
            values[key] = SKIP
        elif isinstance(value, SecretStr):
            values[key] = digest(value.get_secret_value())
        elif key in resource.sensitive and is_plain_sensitive(value):
            values[key] = digest_value(value, digest)  # from a reference
        else:
            values[key] = value
    return values


def recordable(resource: DesiredResource, *, digest: Digest) -> dict[str, Any]:
    """The attributes state keeps after a successful apply (secrets as keyed digests)."""
    return {k: v for k, v in comparable(resource, digest).items() if v is not SKIP}


def current_values(
    resource: DesiredResource, recorded: Recorded | None, remote: Remote
) -> dict[str, Any]:
    """What the platform has now: remote values, or recorded ones it cannot show us."""
    shown = remote.attributes
    kept = recorded.attributes if recorded is not None else {}
    return {
        key: shown[key] if key in shown else kept[key]
        for key in resource.attributes
        if key in shown or key in kept
    }


def display_shared(attributes: Mapping[str, Any], sensitive: frozenset[str]) -> Mapping[str, Any]:
    """`display`, sharing the attributes themselves when nothing in them is secret."""
    return attributes if not sensitive else display(attributes, sensitive)


def display(attributes: Mapping[str, Any], sensitive: Iterable[str]) -> dict[str, Any]:
    """Attributes safe to show or save in a plan: every secret becomes SENSITIVE."""
    hidden = set(sensitive)
    if not hidden:
        return dict(attributes)
    return {k: (SENSITIVE if k in hidden and v is not None else v) for k, v in attributes.items()}


def display_recorded(recorded: Recorded | None) -> dict[str, Any] | None:
    if recorded is None:
        return None
    return {
        k: (SENSITIVE if isinstance(v, str) and v.startswith("hmac-") else v)
        for k, v in recorded.attributes.items()
    }


def written_alike(first: Mapping[Any, Any], second: Mapping[Any, Any]) -> bool:
    """Whether two equal mappings also hold values of the same types all the way down
    (1 == 1.0 and True == 1, but they are not written alike); their keys' order may differ.
    Two such mappings are interchangeable: one can stand for the other (one copy, not two)."""
    for key, value in first.items():
        other = second[key]
        kind = type(value)
        if kind is not type(other):
            return False
        if kind is dict and not written_alike(value, other):
            return False
        if kind is list and not written_alike(dict(enumerate(value)), dict(enumerate(other))):
            return False
    return True


def held_alike(shown: Mapping[str, Any], held: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """`held` (a mapping already in memory: declared or recorded) when `shown` is equal to it
    and written alike, else `shown`: one mapping for both when nothing changed."""
    if held is not None and shown == held and written_alike(shown, held):
        return held
    return shown


def shown_as_recorded(
    shown: Mapping[str, Any], recorded: Mapping[str, Any] | None
) -> Mapping[str, Any]:
    """The `recorded` attributes themselves when they hold every value the platform shows,
    equal and written alike, whatever more they hold (values the platform does not show: a
    template, a status it defers, a password's digest); else `shown`. A plan takes a value
    the platform does not show from state (`current_values`), and drift compares only what
    both sides hold, so either mapping reads the same; one mapping serves both when nothing
    the platform shows changed. Never for facts (state keeps only the facts shown) nor with
    the declared attributes (a value not shown would read as declared, not as recorded)."""
    if recorded is None:
        return shown
    held = recorded.get
    for key, value in shown.items():
        other = held(key, _ABSENT)
        if other is not value and other != value:
            return shown
    return recorded if written_alike(shown, recorded) else shown


_ABSENT: Any = object()


def share_texts(values: dict[str, Any], held: Mapping[str, Any]) -> None:
    """Each text of `values` (a mapping just made, not yet shown to anyone else) equal to
    the text `held` has under its key becomes that very string: an equal value, so nothing
    changes for a reader, and one copy of it in memory rather than two."""
    wanted = held.get
    for name, value in values.items():
        if type(value) is str and type(same := wanted(name)) is str and same == value:
            values[name] = same


def following_renames(
    resource: DesiredResource, key: str, recorded: Any, wanted: Any, renamed: Mapping[str, str]
) -> bool:
    """Whether the recorded value of `key` becomes the wanted one once the trader names at
    the resource's `trader_refs` follow `renamed` (old name -> new)."""
    value = renamed_references(resource, key, recorded, renamed)
    return bool(value != recorded and value == wanted)


def renamed_references(
    resource: DesiredResource, key: str, value: Any, renamed: Mapping[str, str]
) -> Any:
    """`value` of `key` with the trader names at the resource's `trader_refs` following
    `renamed` (old name -> new); `value` itself when none does."""
    for path in (path[1:] for path in resource.trader_refs if path[:1] == (key,)):
        value = _renamed_at(value, path, renamed)
    return value


def _renamed_at(value: Any, path: tuple[str, ...], renamed: Mapping[str, str]) -> Any:
    if not path:
        return renamed.get(value, value) if isinstance(value, str) else value
    if not isinstance(value, Mapping) or path[0] not in value:
        return value
    return {**value, path[0]: _renamed_at(value[path[0]], path[1:], renamed)}
