"""The Tradovate user-data WebSocket as a stream of Market Data Agreement signatures: connect,
`authorize`, `user/syncrequest`, heartbeats, token renewal, a new login when the platform closed
our session, reconnects with backoff, one catch-up read of the week's signals per connection."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from reconciler.errors import ProviderError, RateLimited
from reconciler.providers.base import PreconditionMet, StreamStatus, WatchOptions, WatchSink
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.frames import (
    HEARTBEAT,
    Frame,
    FrameError,
    Push,
    Response,
    encode_request,
    entity_changes,
    parse_frame,
)
from reconciler.providers.tradovate.models import AlertSignal, PenaltyTicket
from reconciler.providers.tradovate.resources import ENTITLEMENT, USER
from reconciler.providers.tradovate.session import PROVIDER, SESSION_GONE, Token
from reconciler.providers.tradovate.signatures import SignalBook

if TYPE_CHECKING:  # websockets is loaded by the watch only, when it connects
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import ClientConnection

logger = logging.getLogger(__name__)

OPEN_TIMEOUT = 10.0
REPLY_TIMEOUT = 10.0
SYNC_REQUEST = {"splitResponses": True, "entityTypes": ["user"]}
SIGNAL_TYPES = frozenset({"otherenvadminalertsignal", "adminalertsignal"})
SIGNED = "signed the Market Data Agreement"
MAX_MESSAGE = 16 * 1024 * 1024
"""Largest message accepted (assumed; unsplit: 90,000 users' snapshot at ~181 bytes each)."""
_STOP_CHECK = 0.25


def websocket_url(live_url: str) -> str:
    """The user-data WebSocket of a LIVE REST base URL (`https://h/v1` -> `wss://h/v1/...`)."""
    scheme, sep, rest = live_url.rstrip("/").partition("://")
    secure = {"http": "ws", "https": "wss"}
    return f"{secure.get(scheme.lower(), scheme)}{sep}{rest}/websocket"


def closed_by(exc: ConnectionClosed) -> str:
    """Who closed the connection, with which code and reason (ours: e.g. 1009, too large)."""
    parts = []
    for side, frame in (("sent", exc.sent), ("received", exc.rcvd)):
        if frame is not None:
            reason = f": {frame.reason}" if frame.reason else ""
            parts.append(f"{side} close code {frame.code}{reason}")
    return "; ".join(parts) or "no close frame either way"


class Lost(Exception):
    """The connection ended or could not be made; `retry_after` is the platform's wish, if any."""

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class SignatureStream:
    """Reports each Market Data Agreement signature as a `PreconditionMet` on the trader's user.

    Invariants: the stream shares the adapter's access token (one session for REST and the
    socket); every connection makes exactly one signal list call, after subscribing, so a
    signature made while disconnected is reported on reconnect; a signal is reported live only
    once, and again by catch-ups while it is not completed (handling it is idempotent)."""

    def __init__(
        self,
        *,
        url: str,
        client: TradovateClient,
        alert_id: int,
        book: SignalBook,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        max_message: int = MAX_MESSAGE,
    ) -> None:
        self.url = url
        self.max_message = max_message
        self.client = client
        self.clock = clock
        self.monotonic = monotonic
        self._alert_id = alert_id
        self._book = book
        self._names: dict[int, str] = {}

    def run(self, sink: WatchSink, *, stop: threading.Event, options: WatchOptions) -> None:
        """Stay connected until `stop` is set; status changes and signatures go to `sink`."""
        attempt = 0
        while not stop.is_set():
            connection = _Connection(self, sink, stop, options)
            try:
                connection.run()
            except Lost as lost:
                if connection.is_caught_up:
                    attempt = 0
                delay = max(options.backoff(attempt), lost.retry_after or 0.0)
                attempt += 1
                logger.debug("user-data stream lost: %s; retrying in %.2f s", lost.detail, delay)
                sink(StreamStatus(PROVIDER, False, lost.detail, retry_in=round(delay, 3)))
                stop.wait(delay)

    def remember_users(self, users: object) -> None:
        """Keep user names from a sync snapshot, to name signers by their natural key."""
        for user in users if isinstance(users, list) else []:
            if isinstance(user, Mapping) and isinstance(user.get("id"), int):
                self._names[user["id"]] = str(user.get("name", "")).lower()

    def catch_up(self, sink: WatchSink) -> int:
        """The one list call of a connection (never a polling loop: the platform rate-limits
        that endpoint): report every signature not completed yet."""
        signals = self.client.list_alert_signals(self._alert_id)
        self._book.seed(signals)
        pending = [s for s in signals if s.completed is None and s.related_to_user_id]
        for signal in pending:
            self._report(sink, signal, caught_up=True)
        return len(pending)

    def on_push(self, push: Push, sink: WatchSink) -> None:
        """Signals of our alert in a `props` push (reported once); user names on the way."""
        for change in entity_changes(push):
            kind = str(change.get("entityType", "")).lower()
            entity = change.get("entity")
            if kind == "user" and isinstance(entity, Mapping):
                self.remember_users([entity])
            if kind not in SIGNAL_TYPES or not isinstance(entity, Mapping):
                continue
            try:
                signal = AlertSignal.model_validate(entity.get("adminAlertSignal", entity))
            except ValidationError:
                logger.debug("ignored a malformed alert signal event")
                continue
            if signal.admin_alert_id != self._alert_id:
                continue
            if self._book.add(signal) and signal.completed is None and signal.related_to_user_id:
                self._report(sink, signal, caught_up=False)

    def _report(self, sink: WatchSink, signal: AlertSignal, *, caught_up: bool) -> None:
        user_id = signal.related_to_user_id
        assert user_id is not None
        sink(
            PreconditionMet(
                kind=USER,
                remote_id=str(user_id),
                natural_key=self._names.get(user_id),
                facts={"mda_signed": True},
                unblocks=(ENTITLEMENT,),
                detail=SIGNED,
                caught_up=caught_up,
            )
        )


class _Connection:
    """One WebSocket connection: handshake, subscription, catch-up, then events until stopped."""

    def __init__(
        self, stream: SignatureStream, sink: WatchSink, stop: threading.Event, options: WatchOptions
    ) -> None:
        self._stream = stream
        self._sink = sink
        self._stop = stop
        self._options = options
        self._ids = itertools.count(1)
        self._now = stream.monotonic
        self._heard = self._next_beat = 0.0
        self._sync_id: int | None = None
        self.is_caught_up = False

    def run(self) -> None:
        """Returns when stopped; raises Lost when the connection failed or ended."""
        from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
        from websockets.sync.client import connect

        try:
            with connect(
                self._stream.url,
                open_timeout=OPEN_TIMEOUT,
                ping_interval=None,
                close_timeout=1,
                max_size=self._stream.max_message,
            ) as ws:
                self._converse(ws)
        except InvalidStatus as exc:
            raise Lost(f"connection refused (HTTP {exc.response.status_code})") from exc
        except ConnectionClosed as exc:
            raise Lost(f"connection closed ({closed_by(exc)})") from exc
        except RateLimited as exc:
            raise Lost(str(exc), retry_after=exc.retry_after) from exc
        except (ProviderError, FrameError) as exc:
            raise Lost(str(exc)) from exc
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise Lost(f"cannot connect: {exc}") from exc

    def _converse(self, ws: ClientConnection) -> None:
        self._heard = self._now()
        self._next_beat = self._heard + self._options.heartbeat
        first = self._receive(ws, until=self._now() + REPLY_TIMEOUT)
        if first is None or first.kind != "o":
            raise Lost("the platform did not open the session")
        token = self._authorize(ws)
        answer = self._request(ws, "user/syncrequest", SYNC_REQUEST)
        ticket = PenaltyTicket.find(answer.data)
        if ticket is not None:
            raise Lost("user/syncrequest throttled (penalty ticket)", retry_after=ticket.wait)
        if answer.status != 200 or not isinstance(answer.data, Mapping):
            raise Lost(f"user/syncrequest refused (status {answer.status})")
        self._stream.remember_users(answer.data.get("users"))
        self._sync_id = answer.request_id  # further parts of a split answer carry its id
        missed = self._stream.catch_up(self._sink)
        self.is_caught_up = True
        self._sink(StreamStatus(PROVIDER, True, f"subscribed; {missed} signature(s) to catch up"))
        while not self._stop.is_set():
            if self._stream.clock() >= token.renew_at:
                token = self._stream.client.access_token()  # renews; the socket keeps its session
            frame = self._receive(ws, until=self._now() + _STOP_CHECK)
            for message in frame.messages if frame is not None else ():
                self._dispatch(message)

    def _authorize(self, ws: ClientConnection) -> Token:
        """Authorise with the shared token; one new login if the platform closed its session."""
        client = self._stream.client
        token = client.access_token()
        for attempt in range(2):
            answer = self._request(ws, "authorize", token.value.get_secret_value())
            if answer.status == 200:
                return token
            if answer.status not in SESSION_GONE or attempt:
                break
            token = client.reauthenticate(token)
        raise Lost(f"authorize refused (status {answer.status})")

    def _request(self, ws: ClientConnection, endpoint: str, body: str | dict[str, Any]) -> Response:
        request_id = next(self._ids)
        ws.send(encode_request(endpoint, request_id, body=body))
        deadline = self._now() + REPLY_TIMEOUT
        while True:
            frame = self._receive(ws, until=deadline)
            if frame is None:
                raise Lost(f"no answer to {endpoint} within {REPLY_TIMEOUT:.0f} s")
            answer = None
            for message in frame.messages:
                if isinstance(message, Response) and message.request_id == request_id:
                    answer = answer or message  # a split answer's later parts come after
                else:
                    self._dispatch(message)
            if answer is not None:
                return answer

    def _dispatch(self, message: object) -> None:
        """A push, or a later part of the split `user/syncrequest` answer (its users)."""
        if isinstance(message, Push):
            self._stream.on_push(message, self._sink)
        elif (
            isinstance(message, Response)
            and message.request_id == self._sync_id
            and isinstance(message.data, Mapping)
        ):
            self._stream.remember_users(message.data.get("users"))

    def _receive(self, ws: ClientConnection, *, until: float) -> Frame | None:
        """The next frame, or None at `until`; heartbeats go out on time meanwhile."""
        options = self._options
        while True:
            now = self._now()
            if now >= self._next_beat:
                ws.send(HEARTBEAT)
                self._next_beat = now + options.heartbeat
            if now - self._heard >= options.silence_timeout:
                raise Lost(f"the platform sent nothing for {options.silence_timeout:g} s")
            if now >= until:
                return None
            wait = min(until, self._next_beat, self._heard + options.silence_timeout) - now
            try:
                data = ws.recv(timeout=max(wait, 0.0))
            except TimeoutError:
                continue
            self._heard = self._now()
            frame = parse_frame(data if isinstance(data, str) else data.decode("utf-8", "replace"))
            if frame.close is not None:
                code, reason = frame.close
                raise Lost(f"the platform closed the connection: {reason or 'no reason'} ({code})")
            return frame
