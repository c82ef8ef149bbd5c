"""The pickled form of validated manifest models, as the trader cache keeps them: each model
as its class, its values and the set of fields it was given, rebuilt by one call.

pydantic pickles a model as a mapping of four entries that its `__setstate__` reads back: a
mapping made and dropped per model, and a Python call that sets each entry by name. A large
firm's cache holds 800,000 models at 100,000 traders, and reading them back was most of a
no-change plan's reading of its manifests. A model with extra values or private attributes
(no manifest model has either) is pickled as pydantic does.
"""

from __future__ import annotations

import io
import pickle
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
    def reducer_override(self, obj: Any) -> Any:
        if (
            isinstance(obj, BaseModel)
            and obj.__pydantic_extra__ is None
            and obj.__pydantic_private__ is None
        ):
            return _rebuilt, (type(obj), obj.__dict__, obj.__pydantic_fields_set__)
        return NotImplemented


def _rebuilt(cls: type[BaseModel], values: dict[str, Any], given: set[str]) -> BaseModel:
    """The model of class `cls` with `values` and the fields `given`, as it was pickled."""
    model = _new(cls)
    _set(model, "__dict__", values)
    _set_given(model, given)
    _set_extra(model, None)
    _set_private(model, None)
    return model


__all__ = ["dumps"]
