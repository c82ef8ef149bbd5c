"""The pickled form of validated manifest models, as the trader cache keeps them: each model
as its class, its values and the set of fields it was given, rebuilt by one call.

pydantic pickles a model as a mapping of four entries that its `__setstate__` reads back: a
mapping made and dropped per model, and a Python call that sets each entry by name. A large
firm's cache holds 800,000 models at 100,000 traders, and reading them back was most of a
no-change plan's reading of its manifests. A model with extra values or private attributes
(no manifest model has either) is pickled as pydantic does.

A frozen model alike one already pickled (its class, values of the same types and fields given)
is pickled as that one: read back, the traders share it. Traders of a large firm mostly declare
the same generated password and platform blocks without values of their own: in the
benchmark's firm, three of a trader's eight models were such copies, each read back on its own.
"""

from __future__ import annotations

import io
import pickle
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

_new = object.__new__
_set = object.__setattr__
_set_given = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def dumps(value: object) -> bytes:
    """`value` pickled, each plain model in it as `_rebuilt` reads it back."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, protocol: int) -> None:
        super().__init__(file, protocol=protocol)
        self._alike: dict[tuple[Any, ...], BaseModel] = {}  # by `_key`: the first pickled
        self._found: dict[int, BaseModel | None] = {}  # `_shared` of a model, by its id
        self._given: dict[int, frozenset[str]] = {}  # each set of fields given, as a key
        self._tries: dict[type, list[int]] = {}  # models of a class compared, and found alike

    def reducer_override(self, obj: Any) -> Any:
        if not _is_plain(obj):
            return NotImplemented
        if _is_frozen(obj):
            found = self._shared(obj)
            if found is not None and found is not obj:  # read back as that very model
                return _same, (found,)
        return _rebuilt, (type(obj), obj.__dict__, obj.__pydantic_fields_set__)

    def _shared(self, model: BaseModel) -> BaseModel | None:
        """The first frozen model pickled that `model` is alike (see `_key`), `model` itself
        when it is the first; None when it cannot be compared. Found once a model: a model
        and the ones within it are alive while they are pickled, so their ids stay theirs."""
        known = id(model)
        if known in self._found:
            return self._found[known]
        tries = self._tries.setdefault(type(model), [0, 0])
        key = None if tries[0] >= _TRIES and not tries[1] else self._key(model)
        found = None if key is None else self._alike.setdefault(key, model)
        tries[0] += 1
        tries[1] += found is not None and found is not model
        self._found[known] = found
        return found

    def _key(self, model: BaseModel) -> tuple[Any, ...] | None:
        """What makes two frozen models alike: their class, the fields given, and each value
        with its type (a float, a decimal or a time by its text: `1.0` and `1`, `0.0` and
        `-0.0`, or one moment in two time zones are equal but not alike), a model among them
        by the one it is pickled as; None when a value is of another type (a list, say)."""
        given = model.__pydantic_fields_set__
        as_key = self._given.get(id(given))
        if as_key is None:
            as_key = self._given[id(given)] = frozenset(given)
        parts: list[Any] = [type(model), as_key]
        add = parts.append
        for name, value in model.__dict__.items():
            kind = type(value)
            add(name)
            add(kind)
            if kind in _ATOMIC:
                add(value)
            elif kind in _BY_TEXT:
                add(repr(value))
            elif _is_frozen(value) and (found := self._shared(value)) is not None:
                add(id(found))
            else:
                return None
        return tuple(parts)


_TRIES = 64
"""Models of one class looked at, none alike another (or none comparable), after which the
rest of that class are not (assumed: a tuning of ours; a trader's own models, with a name or
an account, are never alike, and comparing each was most of the cost of keeping alike ones
once)."""

_ATOMIC = frozenset({str, int, bool, type(None), date})
"""Types of values compared as they are (equal values of one of these types are alike)."""

_BY_TEXT = frozenset({float, Decimal, datetime, time})
"""Types of values compared by their text (equal values of these may be written apart)."""


def _is_plain(obj: object) -> bool:
    """A model with neither extra values nor private attributes (every manifest model)."""
    return (
        isinstance(obj, BaseModel)
        and obj.__pydantic_extra__ is None
        and obj.__pydantic_private__ is None
    )


def _is_frozen(obj: object) -> bool:
    """A plain model (see `_is_plain`) that cannot be changed: one may stand for another."""
    if not _is_plain(obj):
        return False
    kind = type(obj)
    frozen = _FROZEN.get(kind)
    if frozen is None:
        frozen = _FROZEN[kind] = bool(kind.model_config.get("frozen"))  # type: ignore[attr-defined]
    return frozen


_FROZEN: dict[type, bool] = {}
"""Whether each model class is frozen, by class (read from its configuration once)."""


def _same(model: BaseModel) -> BaseModel:
    """A model pickled as another it is alike: that one, read back already."""
    return model


def _rebuilt(cls: type[BaseModel], values: dict[str, Any], given: set[str]) -> BaseModel:
    """The model of class `cls` with `values` and the fields `given`, as it was pickled."""
    model = _new(cls)
    _set(model, "__dict__", values)
    _set_given(model, given)
    _set_extra(model, None)
    _set_private(model, None)
    return model


__all__ = ["dumps"]
