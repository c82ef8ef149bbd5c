"""The faster `__init__` of frozen slotted dataclasses makes what dataclasses' own makes."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, InitVar, dataclass, field
from typing import Any, ClassVar

import pytest

from reconciler.frozen import Forwarded, quick_init, slot_filler
from reconciler.plan import Address, DesiredResource, Remote


def _shapes() -> list[type[Any]]:
    """Classes of every field shape `quick_init` handles, made twice (one of each decorated)."""

    def made() -> list[type[Any]]:
        @dataclass(frozen=True, slots=True)
        class Plain:
            a: int
            b: str = "b"
            c: tuple[int, ...] = ()

        @dataclass(frozen=True, slots=True)
        class Factories:
            a: int
            items: list[int] = field(default_factory=list)
            tags: dict[str, int] = field(default_factory=lambda: {"one": 1})

        @dataclass(frozen=True, slots=True)
        class KeywordOnly:
            a: int
            b: int = field(default=2, kw_only=True)
            c: int = field(kw_only=True, default_factory=lambda: 3)

        @dataclass(frozen=True, slots=True)
        class Derived:
            a: int
            b: int = field(init=False, default=7)
            total: int = field(init=False, repr=False, compare=False)

            def __post_init__(self) -> None:
                object.__setattr__(self, "total", self.a + self.b)

        @dataclass(frozen=True, slots=True)
        class Empty:
            pass

        return [Plain, Factories, KeywordOnly, Derived, Empty]

    return made()


_CALLS: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "Plain": [((1,), {}), ((1, "x"), {}), ((1, "x", (2,)), {}), ((), {"a": 1, "c": (3,)})],
    "Factories": [((1,), {}), ((1, [2]), {}), ((1,), {"tags": {}})],
    "KeywordOnly": [((1,), {}), ((1,), {"b": 5}), ((1,), {"c": 9, "b": 0})],
    "Derived": [((1,), {}), ((), {"a": 4})],
    "Empty": [((), {})],
}
_REFUSED: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "Plain": [((), {}), ((1, "x", (), 4), {}), ((1,), {"d": 1}), ((1,), {"a": 2})],
    "Factories": [((1, [], {}, 4), {})],
    "KeywordOnly": [((1, 2), {}), ((), {"b": 1})],
    "Derived": [((1, 2), {}), ((1,), {"total": 3})],
    "Empty": [((1,), {})],
}


@pytest.mark.parametrize("index", range(5))
def test_an_instance_is_the_one_dataclasses_init_makes(index: int) -> None:
    theirs = _shapes()[index]
    ours = quick_init(_shapes()[index])
    for args, kwargs in _CALLS[theirs.__name__]:
        made, expected = ours(*args, **kwargs), theirs(*args, **kwargs)
        names = [f.name for f in dataclasses.fields(theirs)]
        assert [getattr(made, n) for n in names] == [getattr(expected, n) for n in names]
        assert repr(made) == repr(expected)
    for args, kwargs in _REFUSED[theirs.__name__]:
        with pytest.raises(TypeError):
            theirs(*args, **kwargs)
        with pytest.raises(TypeError):
            ours(*args, **kwargs)


def test_each_instance_gets_a_new_value_from_a_default_factory() -> None:
    factories = quick_init(_shapes()[1])
    first, second = factories(1), factories(1)
    assert first.items == []
    assert first.items is not second.items


def test_an_instance_stays_frozen() -> None:
    plain = quick_init(_shapes()[0])(1)
    with pytest.raises(FrozenInstanceError):
        plain.a = 2
    address = Address("tradovate_user", "alice")
    with pytest.raises(FrozenInstanceError):
        address.trader = "bob"  # type: ignore[misc]


def test_classes_of_another_kind_are_refused() -> None:
    @dataclass(slots=True)
    class Mutable:
        a: int

    @dataclass(frozen=True)
    class Unslotted:
        a: int

    @dataclass(frozen=True, slots=True)
    class WithInitVar:
        a: int
        scale: InitVar[int] = 1

    class NotADataclass:
        pass

    for cls in (Mutable, Unslotted, WithInitVar, NotADataclass):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_the_planners_values_keep_their_defaults_and_checks() -> None:
    address = Address("tradovate_account", "alice", "ACME1")
    assert address.text == "tradovate_account.alice/ACME1"
    assert hash(address) == hash(address.text)
    resource = DesiredResource(address, {"name": "ACME1"}, "alice/ACME1")
    assert resource.inputs == {}
    assert resource.sensitive == frozenset()
    assert Remote(address, "1").facts == {}
    assert Remote(address, None).deferred == {}
    for kind, trader, child in (("Tradovate_user", "a", None), ("tradovate_user", "a b", None)):
        with pytest.raises(ValueError, match="invalid"):
            Address(kind, trader, child)
    with pytest.raises(ValueError, match="invalid address part"):
        Address("tradovate_account", "alice", ".hidden")


def test_a_slot_filler_sets_own_and_inherited_slots_of_a_frozen_instance() -> None:
    @dataclass(frozen=True, slots=True, init=False)
    class Base:
        a: int

    @dataclass(frozen=True, slots=True, init=False)
    class Child(Base):
        b: str

        def __init__(self, a: int, b: str) -> None:
            _fill(self, a, b)

    _fill = slot_filler(Child, "a", "b")
    child = Child(1, "x")

    assert (child.a, child.b) == (1, "x")
    assert child == Child(1, "x")
    with pytest.raises(FrozenInstanceError):
        child.a = 2  # type: ignore[misc]


def test_a_forwarded_attribute_reads_its_path_and_cannot_be_set() -> None:
    @dataclass(frozen=True, slots=True)
    class Inner:
        value: int

    class Outer:
        __slots__ = ("inner",)
        value: ClassVar[Forwarded[int]] = Forwarded("inner.value")

        def __init__(self, inner: Inner) -> None:
            self.inner = inner

    outer = Outer(Inner(3))

    assert outer.value == 3
    assert isinstance(Outer.value, Forwarded)
    with pytest.raises(AttributeError):
        outer.value = 4  # type: ignore[misc]
