"""The sandbox's HTTP gateway: one async entry point that paces, logs, rate-limits, authenticates
and routes each request to a rule, then persists the world when the request changed it."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.sandbox.server import read_json_object
from reconciler.providers.sandbox.skeleton import LOOPBACK, UNLOGGED, GatewayCore
from reconciler.providers.tradovate.sandbox.config import SandboxConfig
from reconciler.providers.tradovate.sandbox.limits import PenaltyBox, Sessions, UserLimiter
from reconciler.providers.tradovate.sandbox.protocol import (
    ACCESS_DENIED,
    DEMO,
    LIVE,
    WRONG_DOMAIN,
    Call,
    Endpoint,
    error,
    is_failure,
    unknown_route,
)
from reconciler.providers.tradovate.sandbox.seed import seeded_world
from reconciler.providers.tradovate.sandbox.sockets import SocketHub
from reconciler.providers.tradovate.sandbox.world import Entity, World

logger = logging.getLogger(__name__)

ADMIN = "admin"
ACCESS_TOKEN_REQUEST = "auth/accesstokenrequest"
SESSION_CLOSED_STATUS = 408
SESSION_CLOSED = "Session closed"
"""errorText with a 408 for a token whose session newer logins closed (wording `assumed`)."""


AdminReply = Callable[["Sandbox", str, list[str], Entity], Reply]
"""The `/_sandbox/<segments>` endpoints (`admin.admin_reply`), registered when the app is built."""


class Sandbox(GatewayCore[SandboxConfig]):
    """Runtime state of one sandbox app: the world, sessions, limits and WebSockets (the clock,
    request log and saving: `GatewayCore`)."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        clock: Callable[[], float],
        endpoints: Iterable[Endpoint],
        admin: AdminReply,
    ) -> None:
        super().__init__(config, clock=clock, dump=lambda: self.world.dump(with_hashes=True))
        self._admin_reply = admin
        stored = self.stored_world()
        self.world = (
            seeded_world(config.seed, id_start=config.id_start, now=self.now())
            if stored is None
            else World.load(stored)
        )
        limits = config.limits
        self.sessions = Sessions(ttl=config.token_ttl, max_per_user=config.max_sessions_per_user)
        self.limiter = UserLimiter(
            authenticated=limits.authenticated,
            anonymous=limits.anonymous,
            lockout_seconds=config.lockout_seconds,
        )
        self.penalties = PenaltyBox(
            limits=limits.endpoints,
            captcha_after=limits.captcha_after_tickets,
            max_wait=limits.max_penalty_seconds,
        )
        self.routes = {(e.method, e.path): e for e in endpoints}
        self.sockets = SocketHub()

    async def __call__(self, request: Request) -> Response:
        await self.pace()
        now = self.now()
        path = request.url.path
        parts = path.split("/", 3)
        head = [part.lower() for part in parts[1:3]]
        revision = self.world.revision
        if head[:1] == ["_sandbox"]:
            domain, reply = ADMIN, await self._admin(request)
        elif len(head) == 2 and head[0] in (LIVE, DEMO) and head[1] == "v1":
            route = parts[3].lower().strip("/") if len(parts) > 3 else ""
            domain, reply = head[0], await self._api(request, head[0], route, now)
        else:
            return unknown_route().response()
        self.log(request.method, domain, path, reply.status, now)
        if self.world.revision != revision:
            self.persistence.changed()
        return reply.response()

    def log(self, method: str, domain: str, path: str, status: int, now: float) -> None:
        """Add one entry to the request log (WebSocket traffic uses the method `WS`)."""
        logged_path = path.lower().rstrip("/")
        if logged_path not in UNLOGGED:
            self.requests.append(
                {
                    "method": method,
                    "domain": domain,
                    "path": logged_path,
                    "status": status,
                    "time": now,
                }
            )
        logger.debug("%s %s -> %d", method, logged_path, status)

    def fault_answer(self, status: int, fault: Fault) -> tuple[Any, Mapping[str, str]]:
        """An injected status as the platform answers it: 429 with an empty body (a user-level
        lockout), a 5xx with an errorText."""
        return (None if status == 429 else {"errorText": "Internal server error"}), {}

    def log_injected(self, scope: Scope, status: int) -> None:
        """Log an answer the fault injector gave in the platform's place."""
        path = str(scope["path"]).lower().rstrip("/")
        head = path.split("/")[1:2]
        domain = head[0] if head and head[0] in (LIVE, DEMO) else ADMIN
        entry = {"method": scope["method"], "domain": domain, "path": path, "status": status}
        self.requests.append({**entry, "time": self.now()})

    async def penalty(self, scope: Scope, fault: Fault) -> tuple[int, Any]:
        """Injected `penalty`: a real ticket of `fault.seconds` for the caller and endpoint,
        so the resend carrying it is admitted like any other."""
        parts = str(scope["path"]).split("/", 3)
        route = parts[3].lower().strip("/") if len(parts) > 3 else ""
        client = scope.get("client")
        host = client[0] if client else "unknown"
        wait = math.ceil(fault.seconds)
        return 200, self.penalties.issue(f"ip:{host}", route, wait=wait, now=self.now())

    async def expire_token(self, scope: Scope, fault: Fault) -> None:
        """Injected `expire-token`: the caller's session ends now, so the request meets a 401
        (a token expiring mid-apply)."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            self.sessions.expire(value.strip())

    async def _admin(self, request: Request) -> Reply:
        if request.client is not None and request.client.host not in LOOPBACK:
            return Reply(403, {"errorText": "The sandbox admin API is loopback only"})
        body = await read_json_object(request)
        if body is None:
            return Reply(400, {"errorText": "Malformed JSON"})
        segments = [s.lower() for s in request.url.path.split("/")[2:] if s]
        return self._admin_reply(self, request.method, segments, body)

    async def _api(self, request: Request, domain: str, route: str, now: float) -> Reply:
        host = request.client.host if request.client is not None else "unknown"
        query = {k.lower(): v for k, v in request.query_params.items()}
        return await self.dispatch(
            domain,
            (request.method,),
            route,
            token=_bearer(request),
            host=host,
            query=query,
            body=lambda: read_json_object(request),
            now=now,
        )

    async def dispatch(
        self,
        domain: str,
        methods: tuple[str, ...],
        route: str,
        *,
        token: str | None,
        host: str,
        query: dict[str, str],
        body: Callable[[], Awaitable[Entity | None]],
        now: float,
    ) -> Reply:
        """Limit, authenticate and route one API request (HTTP, or a WebSocket request, which
        names no method: the first of `methods` with a route wins)."""
        caller = self.sessions.user_of(token, now)
        if caller is not None and caller not in self.world.users:
            caller = None
        key = f"user:{caller}" if caller is not None else f"ip:{host}"
        if not self.limiter.admit(key, is_authenticated=caller is not None, now=now):
            return Reply(429, None)
        found = [self.routes[(m, route)] for m in methods if (m, route) in self.routes]
        if not found:
            return unknown_route()
        endpoint = found[0]
        payload = await body()
        ip = f"ip:{host}"
        if payload is None:
            reply = Reply(400, {"errorText": "Malformed JSON"})
        else:
            ticket = payload.pop("p-ticket", None)
            if ticket is None and route == ACCESS_TOKEN_REQUEST and self.penalties.knows(token):
                ticket = token
            penalty = self.penalties.screen(ip, route, None if ticket is None else str(ticket), now)
            if penalty is not None:
                return Reply(200, penalty)
            call = Call(self.world, self.sessions, domain, payload, query, now, caller, token)
            reply = self._process(endpoint, call)
        self.penalties.record(ip, route, is_failure=is_failure(reply), now=now)
        return reply

    def denied(self, token: str | None) -> Reply:
        """The answer to a request without a valid token: 408 for the token of a session a
        third login closed (the platform's documents: "408/429/500-class errors"), else 401."""
        if self.sessions.is_superseded(token):
            return Reply(SESSION_CLOSED_STATUS, {"errorText": SESSION_CLOSED})
        return Reply(401, {"errorText": ACCESS_DENIED})

    def _process(self, endpoint: Endpoint, call: Call) -> Reply:
        if endpoint.needs_auth and call.caller is None:
            return self.denied(call.token)
        if endpoint.admin_only and not self.world.private.get(call.caller or -1, {}).get("isAdmin"):
            return Reply(401, {"errorText": ACCESS_DENIED})
        if call.domain not in endpoint.domains:
            return error(WRONG_DOMAIN[call.domain])
        return endpoint.handler(call)


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
