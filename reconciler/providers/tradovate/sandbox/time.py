"""The platform's time formats: ISO-8601 timestamps and `TradeDate` objects, from epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(epoch: float) -> str:
    """ISO-8601 UTC with milliseconds and `Z`, as the platform writes timestamps."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_of(text: str) -> float:
    """Epoch seconds of an ISO-8601 timestamp written by `iso`."""
    return datetime.fromisoformat(text).timestamp()


def trade_date(epoch: float) -> dict[str, Any]:
    """The platform's `TradeDate` object for the UTC day of `epoch`."""
    day = datetime.fromtimestamp(epoch, UTC)
    return {"year": day.year, "month": day.month, "day": day.day}
