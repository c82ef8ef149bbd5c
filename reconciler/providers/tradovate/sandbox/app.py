"""The Tradovate sandbox served over real HTTP: its gateway and WebSocket on the shared skeleton
(the choices it makes where the platform's documents are silent: `docs/sandboxes/tradovate.md`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from reconciler.providers.sandbox import skeleton
from reconciler.providers.sandbox.faults import Custom
from reconciler.providers.tradovate.sandbox import (
    accounts,
    auth,
    entitlements,
    risk,
    users,
    websocket,
)
from reconciler.providers.tradovate.sandbox.admin import admin_reply
from reconciler.providers.tradovate.sandbox.config import SandboxConfig
from reconciler.providers.tradovate.sandbox.gateway import Sandbox
from reconciler.providers.tradovate.sandbox.reads import read_endpoints


class SandboxServer(skeleton.EmulatedServer[SandboxConfig]):
    """A running Tradovate sandbox; `live_url` and `demo_url` are the two API base URLs."""

    @property
    def live_url(self) -> str:
        """Base URL of the LIVE domain (`.../live/v1`)."""
        return f"{self.url}/live/v1"

    @property
    def demo_url(self) -> str:
        """Base URL of the DEMO domain (`.../demo/v1`)."""
        return f"{self.url}/demo/v1"

    @property
    def live_websocket_url(self) -> str:
        """The LIVE user-data WebSocket (`ws://.../live/v1/websocket`)."""
        return _websocket(self.live_url)

    @property
    def demo_websocket_url(self) -> str:
        """The DEMO user-data WebSocket (`ws://.../demo/v1/websocket`)."""
        return _websocket(self.demo_url)

    def environment(self) -> dict[str, str]:
        """The Firm manifest's `environment` pointing at this sandbox."""
        return {"live_url": self.live_url, "demo_url": self.demo_url}

    def firm_settings(self) -> dict[str, Any]:
        """`environment` and the seeded admin's login for the Firm's `providers.tradovate`."""
        seed = self.config.seed
        login = {"name": seed.admin_name, "password": seed.admin_password, "sec": seed.admin_sec}
        return {"environment": self.environment(), "credentials": login}

    def connection(self) -> list[tuple[str, str]]:
        """The REST and WebSocket URLs and the seeded administrators' logins."""
        seed = self.config.seed
        admins = [
            (
                f"login ({seed.organization_name} admin)",
                _login(seed.admin_name, seed.admin_password, seed.admin_sec),
            ),
            *(
                (
                    f"login ({t.organization_name} admin)",
                    _login(t.admin_name, t.admin_password, t.admin_sec),
                )
                for t in seed.tenants
            ),
        ]
        return [
            ("LIVE REST", self.live_url),
            ("DEMO REST", self.demo_url),
            ("LIVE WebSocket", self.live_websocket_url),
            ("DEMO WebSocket", self.demo_websocket_url),
            ("market-data WebSocket", "not served (out of scope)"),
            *admins,
        ]


def _websocket(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/websocket"


def _login(name: str, password: str, sec: str) -> str:
    return f"name={name} password={password} sec={sec}"


def _build(config: SandboxConfig, clock: Callable[[], float]) -> Sandbox:
    endpoints = (
        *auth.ENDPOINTS,
        *users.ENDPOINTS,
        *accounts.ENDPOINTS,
        *entitlements.ENDPOINTS,
        *risk.ENDPOINTS,
        *websocket.ENDPOINTS,
        *read_endpoints(),
    )
    return Sandbox(config, clock=clock, endpoints=endpoints, admin=admin_reply)


def _websockets(sandbox: Sandbox) -> list[WebSocketRoute]:
    async def serve(socket: WebSocket) -> None:
        await websocket.serve_websocket(sandbox, socket)

    return [WebSocketRoute("/{domain}/v1/websocket", serve)]


def _effects(sandbox: Sandbox) -> dict[str, Custom]:
    return {"penalty": sandbox.penalty, "expire-token": sandbox.expire_token}


EMULATOR = skeleton.Emulator(
    default=SandboxConfig,
    build=_build,
    server=SandboxServer,
    websockets=_websockets,
    effects=_effects,
)
create_app = EMULATOR.create_app
serve_sandbox = EMULATOR.serve
