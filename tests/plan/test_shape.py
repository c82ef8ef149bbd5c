"""A desired resource's per-kind fields live in one shared shape: a firm's resources of a
kind hold one copy of them, not one each, and still read, compare and replace as fields."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from reconciler.plan import Action, Address, DesiredResource, shape, shape_of
from reconciler.plan.shape import PLAIN, SHAPES_SHARED, ResourceShape, shaped
from reconciler.workspace import open_workspace
from tests.project import Project


def _resource(**parts: object) -> DesiredResource:
    return DesiredResource(Address("tradovate_user", "t"), {"a": 1}, "t", **parts)  # type: ignore[arg-type]


def test_the_declared_resources_of_a_kind_share_one_shape(project: Project) -> None:
    with open_workspace(project.manifests, connect=False) as workspace:
        resources = list(workspace.resources.values())

    by_kind: dict[str, set[int]] = {}
    for resource in resources:
        by_kind.setdefault(resource.address.kind, set()).add(id(resource.shape))
    users = [r for r in resources if r.address.kind == "tradovate_user"]
    assert len(users) > 1
    # alice's password is a reference (sensitive by the declared rule either way)
    assert all(len(shapes) <= 2 for shapes in by_kind.values()), by_kind
    assert users[0].sensitive == frozenset({"password"})
    assert users[0].replace_on == frozenset({"username"})


def test_the_fields_read_as_given_and_a_replace_changes_only_its_own() -> None:
    resource = _resource(
        sensitive=frozenset({"a"}),
        reset_on=frozenset({"b"}),
        create_action=Action.ENTITLE,
        protected=True,
        trader_refs=(("a", "b"),),
    )

    assert (resource.sensitive, resource.reset_on, resource.replace_on) == (
        frozenset({"a"}),
        frozenset({"b"}),
        frozenset(),
    )
    assert (resource.create_action, resource.protected, resource.trader_refs) == (
        Action.ENTITLE,
        True,
        (("a", "b"),),
    )
    unprotected = replace(resource, shape=shaped(resource.shape, {"protected": False}))
    assert unprotected.protected is False
    assert unprotected.sensitive == frozenset({"a"})
    assert unprotected != resource
    again = replace(unprotected, shape=shaped(unprotected.shape, {"protected": True}))
    assert again == resource
    assert again.shape is resource.shape


def test_a_resource_without_per_kind_fields_has_the_plain_shape() -> None:
    assert _resource().shape is PLAIN
    assert _resource(protected=False).shape == PLAIN


def test_a_name_that_is_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*bogus"):
        _resource(bogus=True)


def test_shapes_past_the_limit_are_made_but_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shape, "_SHAPES", {})
    made = [
        shaped(PLAIN, {"sensitive": frozenset({f"limit-{n}"})}) for n in range(SHAPES_SHARED + 5)
    ]
    again = shaped(PLAIN, {"sensitive": frozenset({f"limit-{SHAPES_SHARED + 4}"})})

    assert again == made[-1]
    assert again is not made[-1]
    assert shaped(PLAIN, {"sensitive": frozenset({"limit-0"})}) is made[0]


def test_a_resource_is_smaller_than_one_holding_each_field() -> None:
    class EachField:  # address to trader_refs, each a slot of its own
        __slots__ = tuple(f"field{n}" for n in range(13))

    assert sys.getsizeof(_resource()) < sys.getsizeof(EachField())
    assert isinstance(_resource().shape, ResourceShape)


def test_a_shape_made_once_is_the_one_a_resource_given_its_parts_gets() -> None:
    """An expansion gives `shape=` made once for many resources alike: the very shape, and
    the very resource fields, that giving each resource its parts makes."""
    parts = {"sensitive": frozenset({"password"}), "replace_on": frozenset({"a"})}
    made = shape_of(protected=True, **parts)  # type: ignore[arg-type]
    given = _resource(protected=True, **parts)
    assert given.shape is made
    assert DesiredResource(given.address, {"a": 1}, "t", shape=made) == given
    assert shape_of() is PLAIN
