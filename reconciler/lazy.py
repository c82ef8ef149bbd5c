"""Package exports loaded on first use, so a command imports only the modules it needs."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attribute(package: str, homes: Mapping[str, str], name: str) -> Any:
    """`name` from the module of `package` that `homes` names (a package's `__getattr__`)."""
    home = homes.get(name)
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{package}.{home}"), name)


def lazy_getattr(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's `__getattr__`: each name of `homes` from its module, on first use."""

    def __getattr__(name: str) -> Any:
        return lazy_attribute(package, homes, name)

    return __getattr__


__all__ = ["lazy_attribute", "lazy_getattr"]
