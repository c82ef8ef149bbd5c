"""The sandbox's HTTP gateway: one async entry point that paces, authenticates, routes, logs and
answers each request with a request id, then persists a changed world (faults come before it)."""

from __future__ import annotations

import logging
import random
import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.sandbox.server import read_json_object
from reconciler.providers.sandbox.skeleton import LOOPBACK, UNLOGGED, GatewayCore
from reconciler.providers.traderpal.sandbox.config import SandboxConfig
from reconciler.providers.traderpal.sandbox.protocol import (
    Refusal,
    bad_request,
    not_found,
)
from reconciler.providers.traderpal.sandbox.users import Call, UsersApi
from reconciler.providers.traderpal.sandbox.world import DEFAULT_PARTNER, Entity, World

logger = logging.getLogger(__name__)

API, ADMIN = "api", "admin"
USERS = "/v1/users"
USER_PATH = re.compile(r"^/v1/users/(usr_[a-z0-9]{9,})$")
WRITES = frozenset({"POST", "PATCH"})
_FAULT_CODES = {
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


AdminReply = Callable[["Sandbox", str, list[str], Entity], Reply]
"""The `/_sandbox/<segments>` endpoints (`admin.admin_reply`), registered when the app is built."""


class Sandbox(GatewayCore[SandboxConfig]):
    """Runtime state of one sandbox app: world, users API and request ids (the clock, request
    log and saving: `GatewayCore`)."""

    def __init__(
        self, config: SandboxConfig, *, clock: Callable[[], float], admin: AdminReply
    ) -> None:
        super().__init__(config, clock=clock, dump=lambda: self.world.dump())
        self._admin_reply = admin
        stored = self.stored_world()
        if stored is not None:
            self.world = World.load(stored, id_seed=config.id_seed)
        else:
            self.world = World.seeded(config.seed_users, now=self.now(), id_seed=config.id_seed)
        self.users = UsersApi(self.world, config)
        self._request_ids = random.Random(config.id_seed + 1)

    def new_request_id(self) -> str:
        return "req_" + "".join(
            self._request_ids.choices(string.ascii_lowercase + string.digits, k=16)
        )

    def fault_answer(self, status: int, fault: Fault) -> tuple[Any, Mapping[str, str]]:
        """An injected status in the platform's error envelope, with its request id."""
        request_id = self.new_request_id()
        code = _FAULT_CODES.get(status, "server_error")
        message = "too many requests" if status == 429 else "the service is unavailable"
        reply = Refusal(status, code, message).reply(request_id)
        return reply.payload, {"X-Request-Id": request_id}

    def log_injected(self, scope: Scope, status: int) -> None:
        """Log an answer the fault injector gave in the platform's place."""
        path = str(scope["path"]).rstrip("/") or "/"
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        entry = {"method": scope["method"], "domain": API, "path": path, "query": query}
        self.requests.append({**entry, "status": status, "time": self.now()})

    async def __call__(self, request: Request) -> Response:
        await self.pace()
        request_id = self.new_request_id()
        path = request.url.path.rstrip("/") or "/"
        revision = self.world.revision
        domain = ADMIN if path == "/_sandbox" or path.startswith("/_sandbox/") else API
        try:
            if domain == ADMIN:
                reply = await self._admin(request, path)
            else:
                reply = await self._api(request, path, request_id)
        except Refusal as refusal:
            reply = refusal.reply(request_id)
        if path not in UNLOGGED:
            self.requests.append(
                {
                    "method": request.method,
                    "domain": domain,
                    "path": path,
                    "query": request.url.query,
                    "status": reply.status,
                    "time": self.now(),
                }
            )
        logger.debug("%s %s -> %d", request.method, path, reply.status)
        if self.world.revision != revision:
            self.persistence.changed()
        return reply.response({"X-Request-Id": request_id})

    async def _admin(self, request: Request, path: str) -> Reply:
        if request.client is not None and request.client.host not in LOOPBACK:
            raise Refusal(403, "forbidden", "the sandbox admin API is loopback only")
        body = await read_json_object(request)
        if body is None:
            raise bad_request("the body must be a JSON object")
        segments = [s for s in path.split("/")[2:] if s]
        return self._admin_reply(self, request.method, segments, body)

    async def _api(self, request: Request, path: str, request_id: str) -> Reply:
        method = request.method
        handler = self._route(method, path)
        key = _bearer(request)
        permission = self.config.api_keys.get(key or "")
        if permission is None:
            raise Refusal(401, "unauthorized", "missing or invalid API key")
        if method in WRITES and permission != "write":
            raise Refusal(403, "forbidden", "this API key may not change users")
        match = USER_PATH.match(path)
        call = Call(
            body=await read_json_object(request) if method in WRITES else {},
            query=dict(request.query_params),
            api_key=key or "",
            idempotency_key=request.headers.get("idempotency-key"),
            user_id=match.group(1) if match else None,
            now=self.now(),
            partner=self.config.partners.get(key or "", DEFAULT_PARTNER),
        )
        try:
            return handler(call)
        except Refusal as refusal:
            return refusal.reply(request_id)

    def _route(self, method: str, path: str) -> Callable[[Call], Reply]:
        routes: dict[str, Callable[[Call], Reply]]
        if path == USERS:
            routes = {"GET": self.users.list, "POST": self.users.create}
        elif path.startswith(USERS + "/"):
            if not USER_PATH.match(path) and method in ("GET", "PATCH"):
                raise not_found()
            routes = {"GET": self.users.get, "PATCH": self.users.update}
        else:
            raise not_found("endpoint")
        handler = routes.get(method)
        if handler is None:
            allowed = ", ".join(sorted(routes))
            raise Refusal(
                405,
                "method_not_allowed",
                f"{method} is not allowed here",
                headers={"Allow": allowed},
            )
        return handler


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
