"""What a desired resource shares with the others of its kind: the rules of its attributes
(secret, replacing, resetting, create-only, trader references), how it is created and whether
it is protected. A firm declares hundreds of thousands of resources and a handful of shapes:
each distinct shape is made once and shared (see `shaped`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict, Unpack

from reconciler.plan.action import Action

SHAPES_SHARED = 4096
"""Distinct shapes kept for sharing (**assumed**, a tuning of ours: a firm has a few dozen;
past this many a shape is still made, only no longer shared)."""


@dataclass(frozen=True, slots=True)
class ResourceShape:
    """The per-kind part of a `DesiredResource` (its fields are documented there)."""

    sensitive: frozenset[str] = frozenset()
    replace_on: frozenset[str] = frozenset()
    reset_on: frozenset[str] = frozenset()
    create_only: frozenset[str] = frozenset()
    create_action: Action = Action.CREATE
    protected: bool = False
    trader_refs: tuple[tuple[str, ...], ...] = ()


class ShapeParts(TypedDict, total=False):
    """Any of a shape's fields, by name (a `DesiredResource`'s keyword arguments)."""

    sensitive: frozenset[str]
    replace_on: frozenset[str]
    reset_on: frozenset[str]
    create_only: frozenset[str]
    create_action: Action
    protected: bool
    trader_refs: tuple[tuple[str, ...], ...]


PLAIN = ResourceShape()
"""The shape of a resource that gives none of the fields."""

_KEY = tuple[
    frozenset[str],
    frozenset[str],
    frozenset[str],
    frozenset[str],
    Action,
    bool,
    tuple[tuple[str, ...], ...],
]
_SHAPES: dict[_KEY, ResourceShape] = {}


def shaped(base: ResourceShape, parts: ShapeParts) -> ResourceShape:
    """`base` with `parts` in place of its fields, the one shared shape of those values (an
    equal shape made before). A name that is no field of a shape is refused (TypeError)."""
    if not parts.keys() <= _NAMES:
        unknown = ", ".join(sorted(set(parts) - _NAMES))
        raise TypeError(f"unexpected keyword argument(s) of a desired resource: {unknown}")
    key: _KEY = (
        parts.get("sensitive", base.sensitive),
        parts.get("replace_on", base.replace_on),
        parts.get("reset_on", base.reset_on),
        parts.get("create_only", base.create_only),
        parts.get("create_action", base.create_action),
        parts.get("protected", base.protected),
        parts.get("trader_refs", base.trader_refs),
    )
    shape = _SHAPES.get(key)
    if shape is None:
        shape = ResourceShape(*key)
        if len(_SHAPES) < SHAPES_SHARED:
            _SHAPES[key] = shape
    return shape


def shape_of(**parts: Unpack[ShapeParts]) -> ResourceShape:
    """The one shared shape with `parts` (the rest as a plain resource's): what
    `DesiredResource(..., **parts)` makes for each resource, made once by an expansion that
    gives many resources alike (`shape=`), with no mapping of parts per resource."""
    return shaped(PLAIN, parts) if parts else PLAIN


_NAMES = frozenset(ShapeParts.__annotations__)

__all__ = ["PLAIN", "SHAPES_SHARED", "ResourceShape", "ShapeParts", "shape_of", "shaped"]
