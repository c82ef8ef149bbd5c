"""The sandbox's HTTP gateway: one async entry point that paces, authenticates, routes, logs and
answers each request with a request id, then persists a changed world (faults come before it)."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import string
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from reconciler.providers.json_file import WriteBehind, read_json
from reconciler.providers.sandbox.faults import Fault
from reconciler.providers.sandbox.server import json_body, read_json_object
from reconciler.providers.traderpal.sandbox.admin import admin_reply
from reconciler.providers.traderpal.sandbox.config import SandboxConfig
from reconciler.providers.traderpal.sandbox.protocol import Refusal, Reply, bad_request, not_found
from reconciler.providers.traderpal.sandbox.users import Call, UsersApi
from reconciler.providers.traderpal.sandbox.world import DEFAULT_PARTNER, Entity, World

logger = logging.getLogger(__name__)

API, ADMIN = "api", "admin"
USERS = "/v1/users"
USER_PATH = re.compile(r"^/v1/users/(usr_[a-z0-9]{9,})$")
WRITES = frozenset({"POST", "PATCH"})
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})
_UNLOGGED = frozenset({"/_sandbox/requests", "/_sandbox/requests/clear"})
_FAULT_CODES = {
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class Sandbox:
    """Runtime state of one sandbox app: world, users API, faults, request log, clock offset.

    Everything runs on the server's single event loop, so no lock guards the world.
    """

    def __init__(self, config: SandboxConfig, *, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.offset = 0.0
        self.persistence = WriteBehind(config.data_path, lambda: self.world.dump())
        path = config.data_path
        if path is not None and path.exists():
            self.world = World.load(read_json(path), id_seed=config.id_seed)
        else:
            self.world = World.seeded(config.seed_users, now=self.now(), id_seed=config.id_seed)
        self.users = UsersApi(self.world, config)
        self.requests: deque[Entity] = deque(maxlen=config.request_log_size)
        self._request_ids = random.Random(config.id_seed + 1)

    def now(self) -> float:
        """Sandbox time: the injected clock plus every `/_sandbox/clock/advance`."""
        return self.clock() + self.offset

    def save(self) -> None:
        """Write the world now to `data_path` when one is set (hashes, never passwords)."""
        self.persistence.save()

    def flush(self) -> None:
        """Save what changed since the last save (the server is stopping)."""
        self.persistence.flush()

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
        if self.config.latency > 0:
            await asyncio.sleep(self.config.latency)
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
        if path not in _UNLOGGED:
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
        return _render(reply, request_id)

    async def _admin(self, request: Request, path: str) -> Reply:
        if request.client is not None and request.client.host not in _LOOPBACK:
            raise Refusal(403, "forbidden", "the sandbox admin API is loopback only")
        body = await read_json_object(request)
        if body is None:
            raise bad_request("the body must be a JSON object")
        segments = [s for s in path.split("/")[2:] if s]
        return admin_reply(self, request.method, segments, body)

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


def _render(reply: Reply, request_id: str) -> Response:
    headers = {"X-Request-Id": request_id, **reply.headers}
    if reply.payload is None:
        return Response(status_code=reply.status, headers=headers)
    content = json_body(reply.payload)
    return Response(
        content, status_code=reply.status, media_type="application/json", headers=headers
    )
