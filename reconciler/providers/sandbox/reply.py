"""What every sandbox's handlers answer with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP status, a JSON payload (None: an empty body) and extra headers."""

    status: int
    payload: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
