"""Access control state of the sandbox: token sessions, user-level windows with lockouts, and
endpoint-level penalty tickets. Every method takes `now` (sandbox clock, epoch seconds)."""

from __future__ import annotations

import secrets
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.providers.sliding_window import SlidingWindow
from reconciler.providers.tradovate.sandbox.config import EndpointLimit, UserLimit

HOUR = 3600.0


@dataclass(slots=True)
class LoginSession:
    """A login: its current token changes on renewal, the session (and its age) stays."""

    user_id: int
    token: str
    expires_at: float

    def __repr__(self) -> str:
        return f"LoginSession(user_id={self.user_id}, expires_at={self.expires_at})"


class Sessions:
    """Access tokens. At most `max_per_user` live sessions: a new one closes the oldest, whose
    token is remembered (the last `remembered` of them) so that it can be told apart from an
    unknown or expired one."""

    def __init__(self, *, ttl: float, max_per_user: int, remembered: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max(1, max_per_user)
        self._by_token: dict[str, LoginSession] = {}
        self._by_user: dict[int, list[LoginSession]] = {}
        self._superseded: OrderedDict[str, None] = OrderedDict()
        self._remembered = remembered

    def is_superseded(self, token: str | None) -> bool:
        """Whether `token` belonged to a session that newer logins of its user closed."""
        return token is not None and token in self._superseded

    def user_of(self, token: str | None, now: float) -> int | None:
        """The user a valid, unexpired token belongs to."""
        session = self.session_of(token, now)
        return None if session is None else session.user_id

    def session_of(self, token: str | None, now: float) -> LoginSession | None:
        """The open session a valid, unexpired token belongs to."""
        session = self._by_token.get(token) if token else None
        if session is None or session.expires_at <= now:
            return None
        return session

    def is_open(self, session: LoginSession, now: float) -> bool:
        """Whether a session is still live: unexpired, and not closed by newer logins."""
        return session.expires_at > now and self._by_token.get(session.token) is session

    def open(self, user_id: int, now: float) -> LoginSession:
        """A new session (closing expired ones and, past the maximum, the oldest)."""
        mine = [s for s in self._by_user.get(user_id, []) if s.expires_at > now]
        for stale in self._by_user.get(user_id, []):
            if stale not in mine:
                self._by_token.pop(stale.token, None)
        while len(mine) >= self._max:
            closed = mine.pop(0).token
            self._by_token.pop(closed, None)
            self._superseded[closed] = None
            while len(self._superseded) > self._remembered:
                self._superseded.popitem(last=False)
        session = LoginSession(user_id, secrets.token_urlsafe(32), now + self._ttl)
        mine.append(session)
        self._by_user[user_id] = mine
        self._by_token[session.token] = session
        return session

    def renew(self, token: str | None, now: float) -> LoginSession | None:
        """Give a valid token's session a new token and expiry; the old token stops working."""
        if self.user_of(token, now) is None or token is None:
            return None
        session = self._by_token.pop(token)
        session.token = secrets.token_urlsafe(32)
        session.expires_at = now + self._ttl
        self._by_token[session.token] = session
        return session

    def expire(self, token: str | None) -> bool:
        """End the session of `token` now (its user must log in again); False when unknown."""
        session = self._by_token.pop(token, None) if token else None
        if session is None:
            return False
        mine = self._by_user.get(session.user_id, [])
        if session in mine:
            mine.remove(session)
        return True

    def close_user(self, user_id: int) -> None:
        """End every session of a user (the user was deleted)."""
        for session in self._by_user.pop(user_id, []):
            self._by_token.pop(session.token, None)


class UserLimiter:
    """User-level limits: per second/minute/hour windows per caller key, then a lockout."""

    def __init__(
        self, *, authenticated: UserLimit, anonymous: UserLimit, lockout_seconds: float
    ) -> None:
        self._limits = {True: authenticated, False: anonymous}
        self._lockout = lockout_seconds
        self._windows: dict[str, tuple[SlidingWindow, ...]] = {}
        self._locked_until: dict[str, float] = {}
        self.refused = 0
        """Requests answered 429 so far (for `GET /_sandbox/limits`)."""

    def admit(self, key: str, *, is_authenticated: bool, now: float) -> bool:
        """Count one request; False (and a fresh lockout) when locked out or over a window."""
        if self._locked_until.get(key, 0.0) > now:
            self._locked_until[key] = now + self._lockout
            self.refused += 1
            return False
        windows = self._windows.get(key)
        if windows is None:
            limit = self._limits[is_authenticated]
            windows = (
                SlidingWindow(seconds=1.0, limit=limit.per_second),
                SlidingWindow(seconds=60.0, limit=limit.per_minute),
                SlidingWindow(seconds=HOUR, limit=limit.per_hour),
            )
            self._windows[key] = windows
        if any(window.is_full(now) for window in windows):
            self._locked_until[key] = now + self._lockout
            self.refused += 1
            return False
        for window in windows:
            window.add(now)
        return True


@dataclass(slots=True)
class _Ticket:
    caller: str
    endpoint: str
    issued_at: float
    wait: int
    is_captcha: bool
    is_used: bool = False


class PenaltyBox:
    """Endpoint-level limits: a full 1 h window earns the caller a penalty ticket.

    A ticket's p-time doubles with each ticket the caller got for the endpoint within the hour;
    a matured, unused, non-captcha ticket of the same caller and endpoint admits one request.
    """

    def __init__(
        self, *, limits: Mapping[str, EndpointLimit], captcha_after: int, max_wait: int
    ) -> None:
        self._limits = limits
        self._captcha_after = captcha_after
        self._max_wait = max_wait
        self._windows: dict[tuple[str, str], SlidingWindow] = {}
        self._issued: dict[tuple[str, str], deque[float]] = {}
        self._tickets: OrderedDict[str, _Ticket] = OrderedDict()
        self.issued = 0
        """Penalty tickets issued so far (for `GET /_sandbox/limits`)."""

    def knows(self, ticket: str | None) -> bool:
        """Whether `ticket` is one this box issued (used for the Bearer form of a resend)."""
        return ticket is not None and ticket in self._tickets

    def screen(
        self, caller: str, endpoint: str, ticket: str | None, now: float
    ) -> dict[str, object] | None:
        """None to admit the request, else the penalty body to answer instead."""
        limit = self._limits.get(endpoint)
        if limit is None:
            return None
        if ticket is not None:
            held = self._tickets.get(ticket)
            if (
                held is not None
                and not held.is_used
                and not held.is_captcha
                and (held.caller, held.endpoint) == (caller, endpoint)
                and now >= held.issued_at + held.wait
            ):
                held.is_used = True
                return None
            return self._issue(caller, endpoint, limit, now)
        if self._window(caller, endpoint, limit).is_full(now):
            return self._issue(caller, endpoint, limit, now)
        return None

    def record(self, caller: str, endpoint: str, *, is_failure: bool, now: float) -> None:
        """Count a processed request in the endpoint's window when its limit counts it."""
        limit = self._limits.get(endpoint)
        if limit is not None and (limit.counts_success or is_failure):
            self._window(caller, endpoint, limit).add(now)

    def _window(self, caller: str, endpoint: str, limit: EndpointLimit) -> SlidingWindow:
        key = (caller, endpoint)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = SlidingWindow(
                seconds=limit.window_seconds, limit=limit.per_hour
            )
        return window

    def issue(self, caller: str, endpoint: str, *, wait: int, now: float) -> dict[str, object]:
        """A ticket of `wait` seconds whatever the window says (an injected throttle)."""
        return self._ticket(caller, endpoint, wait, is_captcha=False, now=now)

    def _issue(
        self, caller: str, endpoint: str, limit: EndpointLimit, now: float
    ) -> dict[str, object]:
        self.issued += 1
        issued = self._issued.setdefault((caller, endpoint), deque())
        while issued and issued[0] <= now - HOUR:
            issued.popleft()
        issued.append(now)
        count = len(issued)
        wait = min(limit.backoff_seconds * 2 ** (count - 1), self._max_wait)
        is_captcha = endpoint == "auth/accesstokenrequest" and count >= self._captcha_after
        return self._ticket(caller, endpoint, wait, is_captcha=is_captcha, now=now)

    def _ticket(
        self, caller: str, endpoint: str, wait: int, *, is_captcha: bool, now: float
    ) -> dict[str, object]:
        token = secrets.token_urlsafe(24)
        self._tickets[token] = _Ticket(caller, endpoint, now, wait, is_captcha)
        while self._tickets:
            oldest = next(iter(self._tickets.values()))
            if oldest.issued_at > now - 2 * HOUR:
                break
            self._tickets.popitem(last=False)
        body: dict[str, object] = {"p-ticket": token, "p-time": wait}
        if is_captcha:
            body["p-captcha"] = True
        return body
