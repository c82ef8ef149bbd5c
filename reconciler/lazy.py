"""Package exports loaded on first use, so a command imports only the modules it needs."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def lazy_attribute(package: str, homes: Mapping[str, str], name: str) -> Any:
    """`name` from the module of `package` that `homes` names (a package's `__getattr__`)."""
    home = homes.get(name)
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{package}.{home}"), name)


__all__ = ["lazy_attribute"]
