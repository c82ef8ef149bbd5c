"""The Tradervue sandbox served over real HTTP: its gateway on the shared skeleton (the choices
it makes where the platform's documents are silent: `docs/sandboxes/tradervue.md`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.providers.sandbox import skeleton
from reconciler.providers.tradervue.sandbox.admin import admin_reply
from reconciler.providers.tradervue.sandbox.config import SandboxConfig
from reconciler.providers.tradervue.sandbox.gateway import Sandbox


class SandboxServer(skeleton.EmulatedServer[SandboxConfig]):
    """A running Tradervue sandbox; `base_url` is the API root (`.../api/v1`)."""

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/v1"

    def environment(self) -> dict[str, str]:
        """The Firm manifest's `environment` pointing at this sandbox."""
        return {"base_url": self.base_url}

    def firm_settings(self) -> dict[str, Any]:
        """`environment` and the seeded manager's login for the Firm's `providers.tradervue`."""
        seed = self.config.seed
        login = {"username": seed.manager_username, "password": seed.manager_password}
        return {"environment": self.environment(), "credentials": login}

    def connection(self) -> list[tuple[str, str]]:
        """The API root and the seeded managers' logins (HTTP Basic)."""
        seed = self.config.seed
        managers = [(seed.organization, seed.manager_username, seed.manager_password)]
        managers += [
            (o.organization, o.manager_username, o.manager_password) for o in seed.organizations
        ]
        return [
            ("API", self.base_url),
            *(
                (f"login ({org} manager, HTTP Basic)", f"username={user} password={password}")
                for org, user, password in managers
            ),
        ]


def _build(config: SandboxConfig, clock: Callable[[], float]) -> Sandbox:
    return Sandbox(config, clock=clock, admin=admin_reply)


EMULATOR = skeleton.Emulator(default=SandboxConfig, build=_build, server=SandboxServer)
create_app = EMULATOR.create_app
serve_sandbox = EMULATOR.serve
