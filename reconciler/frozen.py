"""A faster `__init__` for frozen slotted dataclasses made by the hundred thousand.

The `__init__` that `dataclasses` writes for a frozen class sets each field through
`object.__setattr__`, which looks the attribute up by name on every call. The one written
here sets each field through its slot's own descriptor, found once when the class is made:
the same values, defaults, default factories and `__post_init__`, in less time (a large
firm's plan makes an address, a desired resource, a remote object and a change per resource).
The class stays frozen: assigning to a field afterwards still raises `FrozenInstanceError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

T = TypeVar("T")

_NO_VALUE = object()
"""Stands for "not given" where a field's default comes from its factory."""


def quick_init(cls: type[T]) -> type[T]:
    """Give the frozen slotted dataclass `cls` an `__init__` that sets its slots directly
    (apply above `@dataclass(frozen=True, slots=True)`). Classes of another kind, and fields
    the generated code does not handle (init-only variables), are refused when decorated."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a frozen slotted dataclass")
    declared = getattr(cls, "__dataclass_fields__")  # noqa: B009 (typed as Any here)
    if any(f._field_type is not dataclasses._FIELD for f in declared.values()):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} has class or init-only variables")
    namespace: dict[str, Any] = {"_NO_VALUE": _NO_VALUE}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for index, item in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        setter = f"_set{index}"
        namespace[setter] = cls.__dict__[item.name].__set__
        value = item.name
        if item.default is not dataclasses.MISSING:
            namespace[f"_default{index}"] = item.default
            parameter = f"{item.name}=_default{index}"
            if not item.init:
                value = f"_default{index}"
        elif item.default_factory is not dataclasses.MISSING:
            namespace[f"_factory{index}"] = item.default_factory
            parameter = f"{item.name}=_NO_VALUE"
            value = f"_factory{index}() if {item.name} is _NO_VALUE else {item.name}"
            if not item.init:
                value = f"_factory{index}()"
        else:
            parameter = item.name
            if not item.init:
                continue  # set by __post_init__, as dataclasses leaves it
        if item.init:
            (keyword if item.kw_only else positional).append(parameter)
        body.append(f"    {setter}(self, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    parameters = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({parameters}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def slot_filler(cls: type, *names: str) -> Callable[..., None]:
    """A function `fill(instance, *values)` that sets the slots `names` of an instance of the
    frozen slotted class `cls` (its own or inherited) to `values`, in that order, through each
    slot's own descriptor: what a hand-written `__init__` of such a class calls."""
    namespace: dict[str, Any] = {}
    for index, name in enumerate(names):
        owner = next(c for c in cls.__mro__ if name in c.__dict__)
        namespace[f"_set{index}"] = owner.__dict__[name].__set__
    body = "".join(f"    _set{index}(self, {name})\n" for index, name in enumerate(names))
    exec(f"def fill(self, {', '.join(names)}):\n{body or '    pass'}\n", namespace)
    fill: Callable[..., None] = namespace["fill"]
    return fill


class Forwarded(property, Generic[T]):
    """A read-only attribute that reads `path` (`"shape.sensitive"`) of its instance: a
    property read in C (`attrgetter`), for a field kept in an object the instance shares."""

    def __init__(self, path: str) -> None:
        super().__init__(attrgetter(path))

    if TYPE_CHECKING:  # what a read gives, for the type checker (property's own at run time)

        @overload
        def __get__(self, instance: None, owner: type, /) -> Forwarded[T]: ...

        @overload
        def __get__(self, instance: object, owner: type | None = None, /) -> T: ...

        def __get__(self, instance: object, owner: type | None = None, /) -> Any: ...


__all__ = ["Forwarded", "quick_init", "slot_filler"]
