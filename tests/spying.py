"""Listing the calls of a function the code under test makes, the calls going through."""

from __future__ import annotations

from typing import Any

import pytest


def calls_of(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[tuple[Any, ...]]:
    """The positional arguments of each call of `owner.name` from now on (a function of a
    module, a class's method or class method), in order; each call does what it did."""
    made: list[tuple[Any, ...]] = []
    original = getattr(owner, name)

    def listed(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, listed)
    return made
