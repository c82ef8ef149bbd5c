"""The sandbox's open WebSocket connections: who is authorised and subscribed, pushing `props`
events to them, and dropping them all (with a refusal window) to simulate an outage."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.providers.tradovate.sandbox.limits import LoginSession
from reconciler.providers.tradovate.sandbox.world import Entity

Outgoing = tuple[str, Any]
"""An item of a connection's inbox: ("text", frame) from the client, ("gone", None) when the
client left, ("push", message) to send, ("drop", None) to cut the connection."""

SIGNAL_ENTITY = "OtherEnvAdminAlertSignal"
"""The entityType of an admin alert signal event, as the onboarding guide shows it."""


@dataclass(eq=False)
class Socket:
    """One accepted connection. `session` is set by `authorize`; `subscribed` by a successful
    `user/syncrequest`, after which the connection receives `props` events."""

    id: int
    domain: str
    host: str
    opened_at: float
    inbox: asyncio.Queue[Outgoing] = field(default_factory=asyncio.Queue)
    session: LoginSession | None = None
    subscribed: bool = False


class SocketHub:
    """Connections of one sandbox. Everything runs on the server's event loop (no locks).

    `refuse_until` is in real monotonic time: while it lies ahead, new connections are refused.
    """

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._sockets: dict[int, Socket] = {}
        self._next_id = 1
        self._monotonic = monotonic
        self.refuse_until = 0.0

    def open(self, domain: str, host: str, now: float) -> Socket:
        """Register a newly accepted connection."""
        socket = Socket(self._next_id, domain, host, now)
        self._next_id += 1
        self._sockets[socket.id] = socket
        return socket

    def close(self, socket: Socket) -> None:
        self._sockets.pop(socket.id, None)

    def is_refusing(self) -> bool:
        """Whether new connections are refused now (after a drop with a refusal window)."""
        return self._monotonic() < self.refuse_until

    def publish(self, message: Entity, *, domain: str, to: Callable[[int], bool]) -> int:
        """Queue `message` for every subscribed connection of `domain` (live, demo) whose user
        passes `to`; the count."""
        count = 0
        for socket in self._sockets.values():
            if (
                socket.domain == domain
                and socket.subscribed
                and socket.session is not None
                and to(socket.session.user_id)
            ):
                socket.inbox.put_nowait(("push", message))
                count += 1
        return count

    def drop(self, *, refuse_for: float) -> int:
        """Cut every connection (no `c` frame, like a network failure) and refuse new ones
        for `refuse_for` seconds; the number of connections cut."""
        self.refuse_until = self._monotonic() + max(0.0, refuse_for)
        for socket in self._sockets.values():
            socket.inbox.put_nowait(("drop", None))
        return len(self._sockets)

    def describe(self) -> list[Entity]:
        """The open connections, for `GET /_sandbox/websockets` (never tokens)."""
        return [
            {
                "id": s.id,
                "domain": s.domain,
                "userId": None if s.session is None else s.session.user_id,
                "subscribed": s.subscribed,
                "openedAt": s.opened_at,
            }
            for s in self._sockets.values()
        ]


def signal_event(signal: Entity, *, event_type: str = "Created") -> Entity:
    """The `props` message announcing an admin alert signal (shape of the onboarding guide)."""
    return {
        "e": "props",
        "d": [
            {
                "entityType": SIGNAL_ENTITY,
                "eventType": event_type,
                "entity": {"adminAlertSignal": dict(signal)},
            }
        ],
    }
