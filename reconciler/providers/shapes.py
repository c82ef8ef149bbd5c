"""How an answer's parsed JSON is validated into a wire shape: a model or a row (a pydantic
dataclass, for the items a refresh lists by the thousand) alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")

_VALIDATORS: dict[Any, Callable[[Any], Any]] = {}


def validator_of(shape: type[T]) -> Callable[[Any], T]:
    """The validation of `shape` from parsed JSON, made once per shape."""
    found = _VALIDATORS.get(shape)
    if found is None:
        found = _VALIDATORS[shape] = TypeAdapter(shape).validate_python
    return found


__all__ = ["validator_of"]
