"""A plan's waits grouped for terminal text: one line per kind of wait with how many traders
wait, the oldest wait and the first names (`--show-waits` lists every waiting change). Only
waits for a trader (`waiting for ...`) are grouped: a blocked change names what a person must
do, and is always listed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from reconciler.plan import Action, Change
from reconciler.render.lines import Lines
from reconciler.render.status import duration_text

WAIT_NAMES_SHOWN = 3
"""Names a wait line shows before `…`; the rest are listed by `--show-waits`."""


@dataclass(frozen=True, slots=True)
class WaitGroup:
    """Traders whose changes wait for the same reason: oldest wait first (those whose wait
    began at an unknown time last, in plan order); `oldest` in seconds, None when unknown."""

    reason: str
    traders: tuple[str, ...]
    oldest: float | None


def is_grouped(change: Change) -> bool:
    """A wait for the trader (a signature, a verification), shown in its group's line."""
    return change.action is Action.WAIT and change.reason.startswith("waiting")


def group_waits(
    changes: Iterable[Change], *, since: Mapping[str, str], now: str
) -> list[WaitGroup]:
    """The waits of `changes` by reason (its first line), in the order each reason first
    appears. `since` maps a trader to when their wait began (ISO 8601), `now` is the plan's
    time."""
    groups: dict[str, dict[str, None]] = {}
    for change in changes:
        if is_grouped(change):
            reason = change.reason.partition("\n")[0]
            groups.setdefault(reason, {})[change.address.trader] = None
    moment = _moment(now)
    keys: dict[str, float] = {}  # by when a wait began: an apply's traders share a few seconds
    found = []
    for reason, traders in groups.items():
        began = [since.get(t, "") for t in traders]
        for text in set(began) - keys.keys():
            keys[text] = _oldest_first(_age(text, moment))
        waited = dict(zip(traders, map(keys.__getitem__, began), strict=True))  # sort keys
        order = sorted(waited, key=waited.__getitem__)
        oldest = min(waited.values())  # an unknown age's key is 1, a known one's -age
        found.append(WaitGroup(reason, tuple(order), -oldest if oldest <= 0 else None))
    return found


def wait_lines(groups: Iterable[WaitGroup], *, is_listed: bool) -> Lines:
    """`20,000 traders waiting for the Market Data Agreement signature — oldest 12 days:
    alice, bob, carol, … (--show-waits lists them)`; the hint only when names are left out
    and the waits are not listed (`is_listed`)."""
    lines = Lines()
    for group in groups:
        count = len(group.traders)
        noun = "trader" if count == 1 else "traders"
        text = f"{count:,} {noun} {group.reason}"
        if group.oldest is not None:
            text += f" \u2014 oldest {duration_text(group.oldest)}"
        names = ", ".join(group.traders[:WAIT_NAMES_SHOWN])
        if count > WAIT_NAMES_SHOWN:
            names += ", \u2026"
            if not is_listed:
                names += " (--show-waits lists them)"
        lines.add([("\u22ef ", "dim"), (f"{text}: {names}", None)])
    return lines


def _oldest_first(age: float | None) -> float:
    return 1.0 if age is None else -age  # unknown ages after every known one


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _age(began: str, now: datetime | None) -> float | None:
    start = _moment(began) if began else None
    if start is None or now is None:
        return None
    return max(0.0, (now - start).total_seconds())


__all__ = ["WAIT_NAMES_SHOWN", "WaitGroup", "group_waits", "is_grouped", "wait_lines"]
