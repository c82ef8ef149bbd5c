"""The skeleton every platform's sandbox shares: its gateway behind the fault injector on one
catch-all app, served on 127.0.0.1 as a `EmulatedServer`. A platform supplies only its rules:
the gateway (its API and `/_sandbox` routes, world and config) and what its server shows."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Scope

from reconciler.providers.json_file import WriteBehind, kept_requests, read_json
from reconciler.providers.pacing import Clock
from reconciler.providers.sandbox.faults import Custom, Fault, FaultInjector, faults_file
from reconciler.providers.sandbox.server import RunningServer, catch_all_app, serve_app


class SandboxSettings(Protocol):
    """What the skeleton reads from a platform's sandbox configuration."""

    @property
    def faults(self) -> tuple[Fault, ...]: ...

    @property
    def fault_seed(self) -> int: ...

    @property
    def data_path(self) -> Path | None: ...

    @property
    def request_log_size(self) -> int: ...

    @property
    def latency(self) -> float: ...


ConfigT = TypeVar("ConfigT", bound=SandboxSettings)
ConfigT_co = TypeVar("ConfigT_co", bound=SandboxSettings, covariant=True)


class Gateway(Protocol[ConfigT_co]):
    """A platform's gateway: answers every request, renders injected faults in the platform's
    shape, logs them, and saves its world when the server stops."""

    @property
    def config(self) -> ConfigT_co: ...

    async def __call__(self, request: Request) -> Response: ...

    def fault_answer(self, status: int, fault: Fault) -> tuple[Any, Mapping[str, str]]: ...

    def log_injected(self, scope: Scope, status: int) -> None: ...

    @property
    def requests(self) -> deque[dict[str, Any]]: ...

    def flush(self) -> None: ...


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})
"""The hosts the `/_sandbox` admin API answers (the test client's included)."""
UNLOGGED = frozenset({"/_sandbox/requests", "/_sandbox/requests/clear"})
"""Reading or clearing the request log is not logged."""


class GatewayCore(Generic[ConfigT]):
    """What every platform's gateway keeps beside its rules: the config, the sandbox clock (the
    injected clock plus every `/_sandbox/clock/advance`), the request log and the write-behind
    saving of its world (`dump`) to `config.data_path`.

    Everything runs on the server's single event loop, so no lock guards the world.
    """

    def __init__(
        self, config: ConfigT, *, clock: Callable[[], float], dump: Callable[[], Any]
    ) -> None:
        self.config = config
        self.clock = clock
        self.offset = 0.0
        self.persistence = WriteBehind(config.data_path, dump)
        self.requests: deque[dict[str, Any]] = deque(maxlen=config.request_log_size)

    def stored_world(self) -> Any:
        """The world document saved at `data_path`; None when there is none yet."""
        path = self.config.data_path
        return read_json(path) if path is not None and path.exists() else None

    def now(self) -> float:
        """Sandbox time: the injected clock plus every `/_sandbox/clock/advance`."""
        return self.clock() + self.offset

    def save(self) -> None:
        """Write the world now to `data_path` when one is set (hashes, never passwords)."""
        self.persistence.save()

    def flush(self) -> None:
        """Save what changed since the last save (the server is stopping)."""
        self.persistence.flush()

    async def pace(self) -> None:
        """Wait the configured `latency` before answering a request."""
        if self.config.latency > 0:
            await asyncio.sleep(self.config.latency)

    def advance_clock(self, seconds: object) -> bool:
        """Move the sandbox clock `seconds` ahead; False (nothing moved) unless a number >= 0."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            return False
        self.offset += seconds
        return True

    def clear_requests(self) -> int:
        """Empty the request log; how many entries it held."""
        count = len(self.requests)
        self.requests.clear()
        return count


class EmulatedServer(RunningServer, Generic[ConfigT]):
    """A running sandbox; `config` is the configuration it was served with. A platform's
    server adds its URLs, `firm_settings()` and `connection()`."""

    config: ConfigT


ServerT = TypeVar("ServerT", bound=EmulatedServer[Any])
GatewayT = TypeVar("GatewayT", bound=Gateway[Any])


def _no_websockets(gateway: object) -> Sequence[WebSocketRoute]:
    return ()


def _no_effects(gateway: object) -> Mapping[str, Custom]:
    return {}


class Emulator(Generic[ConfigT, GatewayT, ServerT]):
    """One platform's sandbox entry points (`create_app`, `serve`) from what the platform
    supplies: its default config, how to `build` its gateway on a config and a clock, its
    server type, and optionally its WebSocket routes and custom fault effects."""

    def __init__(
        self,
        *,
        default: Callable[[], ConfigT],
        build: Callable[[ConfigT, Clock], GatewayT],
        server: type[ServerT],
        websockets: Callable[[GatewayT], Sequence[WebSocketRoute]] = _no_websockets,
        effects: Callable[[GatewayT], Mapping[str, Custom]] = _no_effects,
    ) -> None:
        self._default = default
        self._build = build
        self._server = server
        self._websockets = websockets
        self._effects = effects

    def create_app(self, config: ConfigT | None = None, *, clock: Clock | None = None) -> ASGIApp:
        """The sandbox as an ASGI app behind its fault injector (loads `config.data_path` when
        that file exists)."""
        return self._app(self._gateway(config, clock))

    def serve(
        self, config: ConfigT | None = None, *, clock: Clock | None = None, port: int = 0
    ) -> ServerT:
        """Serve a sandbox on 127.0.0.1 (`port` 0 picks a free one); use it as a context
        manager. Stopping it saves what the gateway has not saved yet, and its request log beside
        its data (so `sandbox requests` lists every embedded run's)."""
        gateway = self._gateway(config, clock)
        app = self._app(gateway)
        running = serve_app(app, port=port)
        on_stop = kept_requests(gateway.requests, gateway.config.data_path, then=gateway.flush)
        server = self._server(
            running.server, running.thread, on_stop=on_stop, on_stopping=app.stopping.set
        )
        server.config = gateway.config
        return server

    def _gateway(self, config: ConfigT | None, clock: Clock | None) -> GatewayT:
        return self._build(self._default() if config is None else config, clock or time.time)

    def _app(self, gateway: GatewayT) -> FaultInjector:
        """The gateway behind its fault injector (armed from its config and from the faults
        file beside `data_path`), after its WebSocket routes."""
        config = gateway.config
        return FaultInjector(
            catch_all_app(gateway, state=gateway, websockets=self._websockets(gateway)),
            render=gateway.fault_answer,
            faults=config.faults,
            seed=config.fault_seed,
            path=faults_file(config.data_path),
            custom=self._effects(gateway),
            record=gateway.log_injected,
        )
