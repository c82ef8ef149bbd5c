"""The Tradervue sandbox's HTTP gateway: one async entry point that paces, logs, rate-limits,
checks the User-Agent, authenticates the manager, parses JSON and routes each request, then
persists the world when the request changed it."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from email.utils import formatdate
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from reconciler.providers.sandbox.credentials import matches_secret
from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.sandbox.server import read_json_object
from reconciler.providers.sandbox.skeleton import LOOPBACK, UNLOGGED, GatewayCore
from reconciler.providers.sliding_window import SlidingWindow
from reconciler.providers.tradervue.sandbox import users as sandbox_users
from reconciler.providers.tradervue.sandbox.config import SandboxConfig
from reconciler.providers.tradervue.sandbox.protocol import (
    INVALID,
    Call,
)
from reconciler.providers.tradervue.sandbox.rules import Rules
from reconciler.providers.tradervue.sandbox.world import (
    Entity,
    World,
    seeded_world,
)

logger = logging.getLogger(__name__)

API_PREFIX = ("api", "v1")
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Tradervue"'}


AdminReply = Callable[["Sandbox", str, list[str], Entity], Reply]
"""The `/_sandbox/<segments>` endpoints (`admin.admin_reply`), registered when the app is built."""


class Sandbox(GatewayCore[SandboxConfig]):
    """Runtime state of one sandbox app: the world, its rules and the optional rate limit (the
    clock, request log and saving: `GatewayCore`)."""

    def __init__(
        self, config: SandboxConfig, *, clock: Callable[[], float], admin: AdminReply
    ) -> None:
        super().__init__(config, clock=clock, dump=lambda: self.world.dump(with_hashes=True))
        self._admin_reply = admin
        stored = self.stored_world()
        self.world = (
            seeded_world(config.seed, id_start=config.id_start)
            if stored is None
            else World.load(stored)
        )
        self.rules = Rules(
            plans=config.plans,
            max_trial_days=config.max_trial_days,
            min_password=config.min_password,
            max_username=config.max_username,
        )
        limit = config.rate_limit
        self.window = (
            None if limit is None else SlidingWindow(seconds=limit.per_seconds, limit=limit.limit)
        )

    def today(self) -> date:
        return datetime.fromtimestamp(self.now(), UTC).date()

    def iso_now(self) -> str:
        """Now as the platform writes timestamps (ISO 8601, milliseconds, UTC offset)."""
        moment = datetime.fromtimestamp(self.now(), UTC)
        return moment.isoformat(timespec="milliseconds")

    async def __call__(self, request: Request) -> Response:
        await self.pace()
        path = request.url.path.rstrip("/") or "/"
        segments = [s for s in path.split("/") if s]
        revision = self.world.revision
        if segments[:1] == ["_sandbox"]:
            domain, reply = "admin", await self._admin(request, segments[1:])
        elif tuple(s.lower() for s in segments[:2]) == API_PREFIX:
            domain, reply = "api", await self._api(request, segments[2:])
        else:
            return Reply(404, {"error": "Not found"}).response()
        if path not in UNLOGGED:
            self.requests.append(
                {
                    "method": request.method,
                    "domain": domain,
                    "path": path,
                    "status": reply.status,
                    "time": self.now(),
                }
            )
        logger.debug("%s %s -> %d", request.method, path, reply.status)
        if self.world.revision != revision:
            self.persistence.changed()
        return reply.response({"Date": formatdate(self.now(), usegmt=True)})

    async def _admin(self, request: Request, segments: list[str]) -> Reply:
        if request.client is not None and request.client.host not in LOOPBACK:
            return Reply(403, {"error": "The sandbox admin API is loopback only"})
        body = await read_json_object(request)
        if body is None:
            return Reply(400, {"error": "malformed JSON"})
        return self._admin_reply(self, request.method, segments, body)

    async def _api(self, request: Request, segments: list[str]) -> Reply:
        """The platform's order of checks: faults, User-Agent, auth, JSON, then the route."""
        fault = self._fault()
        if fault is not None:
            return fault
        if not request.headers.get("user-agent", "").strip():
            return Reply(400, {"error": "A User-Agent header is required"})
        org = self._authenticate(request.headers.get("authorization", ""))
        if isinstance(org, Reply):
            return org
        body = await read_json_object(request)
        if body is None:
            return Reply(400, {"error": INVALID + "malformed JSON"})
        root = f"{request.url.scheme}://{request.url.netloc}/api/v1"
        call = Call(self.world, self.rules, body, self.today(), root, org)
        return sandbox_users.route(request.method, segments, call)

    def fault_answer(self, status: int, fault: Fault) -> tuple[Any, Mapping[str, str]]:
        """An injected status as the platform answers errors: `{"error": ...}`."""
        text = "Rate limit exceeded" if status == 429 else "Internal server error"
        return {"error": text}, {}

    def log_injected(self, scope: Scope, status: int) -> None:
        """Log an answer the fault injector gave in the platform's place."""
        path = str(scope["path"]).rstrip("/") or "/"
        entry = {"method": scope["method"], "domain": "api", "path": path, "status": status}
        self.requests.append({**entry, "time": self.now()})

    def _fault(self) -> Reply | None:
        """A 429 past the optional rate limit (injected faults come before the gateway)."""
        window = self.window
        if window is not None:
            now = self.now()
            if window.is_full(now):
                return Reply(429, {"error": "Rate limit exceeded"}, {"Retry-After": "1"})
            window.add(now)
        return None

    def _authenticate(self, header: str) -> str | Reply:
        """The organisation of a manager; 401 for bad or missing credentials, 403 for another
        valid login."""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return Reply(401, {"error": "Access denied"}, _CHALLENGE)
        try:
            username, sep, password = base64.b64decode(encoded.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return Reply(401, {"error": "Access denied"}, _CHALLENGE)
        user_id = self.world.by_username.get(username.lower()) if sep else None
        private = None if user_id is None else self.world.private[user_id]
        hashed = None if private is None else private.get("password_hash")
        if private is None or not hashed or not matches_secret(password, str(hashed)):
            return Reply(401, {"error": "Access denied"}, _CHALLENGE)
        org = private.get("org")
        if not private.get("is_manager") or not isinstance(org, str):
            return Reply(
                403, {"error": "Access denied: only the organization manager may manage users"}
            )
        return org
