"""Applying a plan: rounds of batches, journaling (intent before a call, outcome after),
recovery, pacing and progress events.

Names are imported on first use, so a command loads only the modules it needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.lazy import lazy_getattr

if TYPE_CHECKING:
    from reconciler.apply.events import (
        ApplyFinished,
        BatchFinished,
        BatchStarted,
        Event,
        EventSink,
        ItemApplied,
    )
    from reconciler.apply.executor import DEFAULT_WORKERS, ApplyContext, ApplyResult, apply_plan
    from reconciler.apply.handout import PasswordHandout, Sealed
    from reconciler.apply.journal import Journal, utc_now
    from reconciler.apply.pacing import duration_note
    from reconciler.apply.sealed import FIELDS, decode_key, generate_keys, open_records

_HOMES = {
    "ApplyContext": "executor",
    "ApplyFinished": "events",
    "ApplyResult": "executor",
    "BatchFinished": "events",
    "BatchStarted": "events",
    "DEFAULT_WORKERS": "executor",
    "Event": "events",
    "EventSink": "events",
    "FIELDS": "sealed",
    "ItemApplied": "events",
    "Journal": "journal",
    "PasswordHandout": "handout",
    "Sealed": "handout",
    "apply_plan": "executor",
    "decode_key": "sealed",
    "duration_note": "pacing",
    "generate_keys": "sealed",
    "open_records": "sealed",
    "utc_now": "journal",
}


__getattr__ = lazy_getattr(__name__, _HOMES)


__all__ = [
    "DEFAULT_WORKERS",
    "FIELDS",
    "ApplyContext",
    "ApplyFinished",
    "ApplyResult",
    "BatchFinished",
    "BatchStarted",
    "Event",
    "EventSink",
    "ItemApplied",
    "Journal",
    "PasswordHandout",
    "Sealed",
    "apply_plan",
    "decode_key",
    "duration_note",
    "generate_keys",
    "open_records",
    "utc_now",
]
