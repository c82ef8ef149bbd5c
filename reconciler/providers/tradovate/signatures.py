"""The Market Data Agreement signature gate: which entitlements wait for a signature, which
traders are newly seen to have signed, and the signals this process knows of (seeded by the
user-data stream's catch-up read and extended by its events, so that refresh and entitle need
no list call of their own while the stream runs)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from reconciler.plan import Address, ReadRequest, Remote, held_alike, shown_as_recorded
from reconciler.providers.tradovate.models import AlertSignal, User, UserPlugin

WAITING_FOR_SIGNATURE = "waiting for the Market Data Agreement signature"
NOT_CREATED = f"{WAITING_FOR_SIGNATURE} (user not created yet)"
WILL_CHECK = f"{WAITING_FOR_SIGNATURE} (will check: signal may have been archived)"
SIGNED_FACT = "mda_signed"
CHECKED_FACT = "mda_checked_week"
"""The ISO week (`2026-W49`) in which apply last asked the platform whether a waiting trader
signed: the platform lists only the current week's signals, so a signature whose signal was
archived is found by one entitlement request (refused with "Live account is required" while
unsigned), made at most once per trader and week."""


def iso_week(epoch: float) -> str:
    """`YYYY-Www` of a moment (UTC): the period after which the platform archives signals."""
    year, week, _ = datetime.fromtimestamp(epoch, UTC).isocalendar()
    return f"{year}-W{week:02d}"


def gate_entitlements(
    requests: Sequence[ReadRequest],
    user_requests: Sequence[ReadRequest],
    users: Mapping[str, User],
    plugins: Mapping[tuple[int, int | None], UserPlugin],
    signals: Callable[[], Sequence[AlertSignal]],
    week: str,
) -> tuple[dict[Address, Remote], set[str], set[str]]:
    """Entitled, or waiting for the signature; the traders newly seen to have signed (their
    user remembers it: the platform archives signals every week); and the traders whose wait
    apply checks with one request because their signal may have been archived (the user
    existed before `week` began, and was not yet checked in `week`). `signals` is called only
    when some entitlement is neither granted nor known to be signed for."""
    remembered = {
        r.address.trader
        for r in user_requests
        if r.recorded is not None and r.recorded.facts.get(SIGNED_FACT)
    }
    checked = {
        r.address.trader
        for r in user_requests
        if r.recorded is not None and r.recorded.facts.get(CHECKED_FACT) == week
    }
    found: dict[Address, Remote] = {}
    awaiting: list[tuple[ReadRequest, User]] = []
    for request in requests:
        key, _, entitlement = request.natural_key.partition("/")
        user = users.get(key)
        plugin = None if user is None else plugins.get((user.id, int(entitlement)))
        address = request.address
        if plugin is not None:
            attributes = shown_as_recorded(
                {"entitlement": address.child, "entitlement_id": int(entitlement)},
                request.recorded_attributes,
            )
            facts = held_alike(  # the recorded facts when alike: one mapping for both
                {"plugin_name": plugin.plugin_name}, request.recorded_facts
            )
            remote_id = request.same_id(str(plugin.id))
            found[address] = Remote(address, remote_id, attributes, facts=facts)
        elif user is None:
            found[address] = Remote(address, None, blocked=NOT_CREATED)
        elif address.trader not in remembered:
            awaiting.append((request, user))
    signed = signers(signals()) if awaiting else set()
    newly_signed = set()
    probed = set()
    for request, user in awaiting:
        trader = request.address.trader
        if user.id in signed:
            newly_signed.add(trader)
        elif trader in checked or not _before(user, week):
            # a signal of this week would be listed: no request needed to know it is unsigned
            found[request.address] = Remote(request.address, None, blocked=WAITING_FOR_SIGNATURE)
        else:
            probed.add(trader)
            found[request.address] = Remote(request.address, None, blocked=WILL_CHECK, probe=True)
    return found, newly_signed, probed


def _before(user: User, week: str) -> bool:
    """True when the user existed before `week` began (or the platform does not say when it
    was made): only then can a signature of theirs have been archived."""
    if user.timestamp is None:
        return True
    made = datetime.fromisoformat(user.timestamp).timestamp()
    return iso_week(made) < week


def remember_signature(found: dict[Address, Remote], address: Address) -> None:
    """Add the signed fact to a user's remote object (state keeps it when it is applied)."""
    remember(found, address, SIGNED_FACT, True)


def remember(found: dict[Address, Remote], address: Address, fact: str, value: object) -> None:
    """Add one fact to a remote object (state keeps it when the plan is applied)."""
    remote = found.get(address)
    if remote is not None:
        facts = {**remote.facts, fact: value}
        found[address] = Remote(address, remote.remote_id, remote.attributes, facts=facts)


def signers(signals: Iterable[AlertSignal]) -> set[int]:
    """Users with a Market Data Agreement signature signal."""
    return {s.related_to_user_id for s in signals if s.related_to_user_id is not None}


class SignalBook:
    """Signals by id, shared by the stream's thread and the apply thread.

    Invariant: knowledge only grows (an archived signal stays known), and `snapshot()` is None
    until a first catch-up seeded the book: until then callers read the platform themselves.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signals: dict[int, AlertSignal] = {}
        self._is_seeded = False

    def seed(self, signals: Iterable[AlertSignal]) -> None:
        """Merge a complete read of the current signals (it wins over what we knew)."""
        with self._lock:
            self._signals.update((signal.id, signal) for signal in signals)
            self._is_seeded = True

    def add(self, signal: AlertSignal) -> bool:
        """Merge one pushed signal; True when its id was not known before."""
        with self._lock:
            is_new = signal.id not in self._signals
            self._signals[signal.id] = signal
            return is_new

    def complete(self, signal_id: int, completed: str) -> None:
        """Note that we completed a signal (so it is not completed again)."""
        with self._lock:
            signal = self._signals.get(signal_id)
            if signal is not None:
                self._signals[signal_id] = signal.model_copy(update={"completed": completed})

    def snapshot(self) -> list[AlertSignal] | None:
        """Every known signal, or None when the book was never seeded."""
        with self._lock:
            return list(self._signals.values()) if self._is_seeded else None
