"""Stage 1 (authentication) and Stage 2 (the user-data WebSocket) checks."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.sync.client import ClientConnection, connect

from reconciler.conformance.caller import expect
from reconciler.conformance.context import FAST_SECONDS, RunContext
from reconciler.conformance.recorder import redact_frame

TOKEN = "/auth/accesstokenrequest"
WS_TIMEOUT = 5.0
"""Seconds to wait for a WebSocket frame (the platform sends `h` every 2.5 s; assumed bound)."""


def login(ctx: RunContext) -> str:
    """A token for the run (used when Stage 1 is not selected)."""
    answer = ctx.caller.call("live", "POST", TOKEN, body=ctx.login_body(), authorized=False)
    token = answer.payload.get("accessToken") if isinstance(answer.payload, dict) else None
    expect(token, f"no access token: {answer.error_text or answer.status}")
    ctx.caller.token = str(token)
    ctx.admin_id = answer.payload.get("userId")
    return str(token)


def stage_1(ctx: RunContext) -> None:
    check = ctx.evidence.check
    caller = ctx.caller

    def token_request() -> str:
        started = ctx.timer()
        login(ctx)
        seconds = ctx.timer() - started
        expect(seconds < FAST_SECONDS, f"token request took {seconds:.2f} s (limit 2 s)")
        return f"access token in {seconds * 1000:.0f} ms"

    def renewal() -> str:
        old = caller.token
        answer = caller.get("live", "/auth/renewaccesstoken")
        token = answer.payload.get("accessToken") if isinstance(answer.payload, dict) else None
        expect(token and token != old, f"no new token: {answer.error_text or answer.status}")
        caller.token = str(token)
        me = caller.get("live", "/auth/me")
        expect(me.status == 200 and me.payload.get("userId"), "the renewed token is refused")
        return "renewed; /auth/me answers with the new token"

    def invalid() -> str:
        answer = caller.call(
            "live", "POST", TOKEN, body=ctx.login_body(password="not-the-password-0"),
            authorized=False,
        )  # fmt: skip
        token = answer.payload.get("accessToken") if isinstance(answer.payload, dict) else None
        expect(not token, "a wrong password got a token")
        expect(answer.status in (200, 401) and (answer.status == 401 or answer.error_text),
               f"unexpected answer {answer.status}")  # fmt: skip
        return f"refused: HTTP {answer.status} {answer.error_text!r}"

    def sessions() -> str:
        first = caller.token
        second = login(ctx)
        third = login(ctx)
        expect(second != third, "the same token twice")
        oldest = caller.call("live", "GET", "/auth/me", token=first)
        refused = oldest.status >= 400 or bool(oldest.error_text)
        expect(refused, "the oldest session still works after a third login")
        me = caller.get("live", "/auth/me")
        expect(me.status == 200, "the newest session is refused")
        return f"oldest session refused (HTTP {oldest.status}); newest works"

    if check("1.1", token_request):
        check("1.2", renewal)
        check("1.3", invalid)
        check("1.4", sessions)
    else:
        for line in ("1.2", "1.3", "1.4"):
            ctx.evidence.skip(line, "no token")


class _Socket:
    """A logged WebSocket conversation."""

    def __init__(self, ctx: RunContext, ws: ClientConnection) -> None:
        self._ctx = ctx
        self._ws = ws

    def send(self, text: str) -> None:
        self._log("send", redact_frame(text), None)
        self._ws.send(text)

    def receive(self, *, until: str = "") -> str:
        """The next frame (the next whose type is in `until`, when given); logged."""
        deadline = time.monotonic() + WS_TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {until or 'frame'} within {WS_TIMEOUT:.0f} s")
            frame = self._ws.recv(timeout=remaining)
            text = frame if isinstance(frame, str) else frame.decode()
            self._log("receive", None, text)
            if not until or text[:1] in until:
                return text

    def answer(self, request_id: int) -> dict[str, Any]:
        while True:
            text = self.receive(until="a")
            for item in json.loads(text[1:]):
                if isinstance(item, dict) and item.get("i") == request_id:
                    return item

    def closing(self) -> None:
        self._log("send", "close 1000", None)

    def _log(self, direction: str, sent: str | None, received: str | None) -> None:
        self._ctx.recorder.add(
            channel="ws", method=direction, url=self._ctx.websocket, request=sent, status=None,
            answer=None if received is None else _redacted(received), started=time.time(),
            milliseconds=0.0,
        )  # fmt: skip


def _redacted(text: str) -> Any:
    if text[:1] == "a":
        from reconciler.conformance.recorder import redact

        return "a" + json.dumps(redact(json.loads(text[1:])))
    return text


def stage_2(ctx: RunContext) -> None:
    check, token = ctx.evidence.check, ctx.caller.token
    with connect(ctx.websocket, open_timeout=WS_TIMEOUT, ping_interval=None) as ws:
        socket = _Socket(ctx, ws)

        def authorize() -> str:
            expect(socket.receive() == "o", "no open frame")
            socket.send(f"authorize\n0\n\n{token}")
            answer = socket.answer(0)
            expect(answer.get("s") == 200, f"authorize answered {answer.get('s')}")
            return "open frame, then authorize answered 200"

        def heartbeats() -> str:
            socket.send("[]")
            socket.receive(until="h")
            socket.send("[]")
            return "client heartbeat sent; server heartbeat received; connection kept"

        def syncrequest() -> str:
            body = {"splitResponses": True, "users": [ctx.admin_id]}
            socket.send(f"user/syncrequest\n1\n\n{json.dumps(body)}")
            answer = socket.answer(1)
            expect(answer.get("s") == 200, f"syncrequest answered {answer.get('s')}")
            data = answer.get("d") or {}
            expect(isinstance(data, dict) and "users" in data, "no users in the answer")
            return f"{len(data['users'])} user(s) in the answer"

        def log_off() -> str:
            socket.closing()
            ws.close(code=1000)
            expect(ws.close_code in (1000, None) or ws.close_code == 1000, "not closed cleanly")
            return f"closed with code {ws.close_code}"

        if check("2.1", authorize):
            check("2.2", heartbeats)
            check("2.3", syncrequest)
        else:
            ctx.evidence.skip("2.2", "not authorized")
            ctx.evidence.skip("2.3", "not authorized")
        check("2.5", log_off)


def penalty_tickets(ctx: RunContext) -> None:
    """Line 2.4, judged from the whole run: a ticket was met and its resend admitted."""

    tickets = [e for e in ctx.recorder.exchanges if _has_ticket(e.answer)]
    if not tickets:
        ctx.evidence.skip("2.4", "no penalty ticket was met during this run (not provoked)")
        return

    def judged() -> str:
        resent = [e for e in ctx.recorder.exchanges if _carries_ticket(e.request)]
        admitted = [e for e in resent if e.status == 200 and not _has_ticket(e.answer)]
        expect(admitted, "a ticket was met but no resend was admitted")
        return f"{len(tickets)} ticket(s) met; resent with the ticket (log #{admitted[0].seq})"

    resends = [e.seq for e in ctx.recorder.exchanges if _carries_ticket(e.request)]
    ctx.evidence.check("2.4", judged, also=tuple(sorted({t.seq for t in tickets} | set(resends))))


def _has_ticket(answer: Any) -> bool:
    return isinstance(answer, dict) and "p-ticket" in answer


def _carries_ticket(request: Any) -> bool:
    return isinstance(request, dict) and "p-ticket" in request
