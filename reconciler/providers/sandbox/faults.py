"""Fault injection shared by every sandbox: the ASGI `FaultInjector` applying armed `Fault`s
around the emulator, managed at `/_sandbox/faults` (loopback only); see docs/sandboxes/faults.md."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.providers.json_file import read_json, write_json_atomic
from reconciler.providers.sandbox.fault_spec import BUILT_IN, Fault
from reconciler.providers.sandbox.server import read_body, replay_body, reset_connection, send_json

ADMIN_PREFIX = "/_sandbox/faults"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})
_STOP_CHECK = 0.05
"""Seconds between a delay's looks at whether the server is stopping."""
_GARBLED = b'{"results": [{"id": 1, "errorText": "'

Render = Callable[[int, "Fault"], tuple[Any, Mapping[str, str]]]
"""The platform's answer to a `status` fault: (JSON payload or None, extra headers)."""
Record = Callable[[Scope, int], None]
"""Adds an answer the injector gave instead of the platform to the sandbox's request log."""
Custom = Callable[[Scope, "Fault"], Awaitable[tuple[int, Any] | None]]
"""A sandbox-specific effect: an answer (status, JSON payload) instead of processing, or None
to process the request after the effect's side effect (e.g. the caller's token expired)."""


@dataclass(slots=True)
class _Armed:
    fault: Fault
    remaining: int | None


class FaultInjector:
    """ASGI middleware: API requests (not `/_sandbox/...`) meet the armed faults first.

    Runs on the server's event loop like the sandbox it wraps, so no lock guards the rules.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        render: Render,
        faults: tuple[Fault, ...] = (),
        seed: int = 0,
        custom: Mapping[str, Custom] | None = None,
        record: Record | None = None,
        path: Path | None = None,
        log_size: int = 10_000,
    ) -> None:
        self.app = app
        self._render = render
        self._record = record or (lambda scope, status: None)
        self._custom = dict(custom or {})
        self.effects = BUILT_IN | frozenset(self._custom)
        self._armed: list[_Armed] = []
        self._random = random.Random(seed)
        self.injected: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._path = path
        self.stopping = threading.Event()
        """Set when the server is asked to stop: delays end at once (see `_delay`)."""
        for fault in faults:
            self._armed.append(_Armed(fault, fault.times))
        if path is not None and path.exists():
            for row in read_json(path).get("faults", []):
                remaining = row.pop("remaining", None)
                fault = Fault.from_json(row, effects=self.effects)
                self._armed.append(_Armed(fault, remaining))

    def add(self, fault: Fault) -> None:
        self._armed.append(_Armed(fault, fault.times))
        self._save()

    def clear(self) -> None:
        self._armed.clear()
        self._save()

    def _save(self) -> None:
        if self._path is not None:
            write_json_atomic(self._path, {"faults": self.listing()["faults"]})

    def seed(self, value: int) -> None:
        self._random.seed(value)

    def listing(self) -> dict[str, Any]:
        """The armed faults (with how many hits remain; null: unbounded) and the hits so far."""
        faults = [{**asdict(a.fault), "remaining": a.remaining} for a in self._armed]
        return {"faults": faults, "injected": list(self.injected)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.rstrip("/") == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            await self._admin(scope, receive, send)
            return
        fault = None if path.startswith("/_sandbox") else self._pick(scope["method"], path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        self.injected.append(
            {"method": scope["method"], "path": path, "effect": fault.effect,
             "after_processing": fault.after_processing}
        )  # fmt: skip
        if fault.after_processing:
            await self._after(fault, scope, receive, send)
        else:
            await self._before(fault, scope, receive, send)

    def _pick(self, method: str, path: str) -> Fault | None:
        """The first armed fault matching the request that fires (used-up ones are dropped)."""
        for armed in self._armed:
            if not armed.fault.matches(method, path):
                continue
            if armed.fault.probability < 1 and self._random.random() >= armed.fault.probability:
                continue
            if armed.remaining is not None:
                armed.remaining -= 1
                if armed.remaining <= 0:
                    self._armed.remove(armed)
                self._save()
            return armed.fault
        return None

    async def _before(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.effect == "delay":
            body = await read_body(receive)
            if await self._delay(fault.seconds):
                await self.app(scope, replay_body(body, receive), send)
            else:  # stopping: the request never reaches the platform
                await send_json(send, 503, {"error": "the sandbox is stopping"}, {})
        elif fault.effect in self._custom:
            answer = await self._custom[fault.effect](scope, fault)
            if answer is None:
                await self.app(scope, receive, send)
            else:
                self._record(scope, answer[0])
                await send_json(send, answer[0], answer[1], {})
        else:
            await read_body(receive)
            if fault.effect != "reset":  # a reset request never reached the platform
                self._record(scope, 200 if fault.effect == "malformed" else fault.status)
            await self._fail(fault, send)

    async def _after(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        if fault.effect in self._custom:
            await self.app(scope, receive, send)
            await self._custom[fault.effect](scope, fault)
            return
        await self.app(scope, receive, hold)
        if fault.effect == "delay":
            await self._delay(fault.seconds)
            for message in held:
                await send(message)
        else:
            await self._fail(fault, send)

    async def _delay(self, seconds: float) -> bool:
        """Wait `seconds`; False when the server began stopping first (a delay left running
        would be cancelled at shutdown, with a traceback, after the grace period)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            if self.stopping.is_set():
                return False
            await asyncio.sleep(min(left, _STOP_CHECK))
        return True

    async def _fail(self, fault: Fault, send: Send) -> None:
        if fault.effect == "reset":
            await reset_connection(send)
        elif fault.effect == "malformed":
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(_GARBLED)),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": _GARBLED})
        else:
            payload, rendered = self._render(fault.status, fault)
            extra = dict(rendered)
            if fault.retry_after is not None:
                extra.setdefault("Retry-After", str(fault.retry_after))
            await send_json(send, fault.status, payload, extra)

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if client is not None and client[0] not in _LOOPBACK:
            await send_json(send, 403, {"error": "the sandbox admin API is loopback only"}, {})
            return
        raw = await read_body(receive)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            await send_json(send, 400, {"error": "the body must be a JSON object"}, {})
            return
        status, answer = self._manage(scope["method"], scope["path"].rstrip("/"), body)
        await send_json(send, status, answer, {})

    def _manage(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        action = path.removeprefix(ADMIN_PREFIX).strip("/")
        if (method, action) == ("GET", ""):
            return 200, self.listing()
        if (method, action) == ("POST", ""):
            try:
                self.add(Fault.from_json(body, effects=self.effects))
            except (TypeError, ValueError) as exc:
                return 400, {"error": f"invalid fault: {exc}"}
            return 200, self.listing()
        if (method, action) == ("POST", "clear"):
            self.clear()
            self.injected.clear()
            return 200, self.listing()
        if (method, action) == ("POST", "seed"):
            value = body.get("seed")
            if not isinstance(value, int) or isinstance(value, bool):
                return 400, {"error": "seed must be an integer"}
            self.seed(value)
            return 200, self.listing()
        return 404, {"error": "not found"}


def faults_file(data_path: Path | None) -> Path | None:
    """Where a sandbox keeping its world in `data_path` keeps its armed faults."""
    return None if data_path is None else data_path.with_name(f"{data_path.stem}.faults.json")


__all__ = ["BUILT_IN", "Custom", "Fault", "FaultInjector", "Record", "Render", "faults_file"]
