"""The TraderPal Connect sandbox served over real HTTP: its gateway on the shared skeleton (the
choices it makes where the platform's documents are silent: `docs/sandboxes/traderpal.md`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.providers.sandbox import skeleton
from reconciler.providers.traderpal.sandbox.admin import admin_reply
from reconciler.providers.traderpal.sandbox.config import SandboxConfig
from reconciler.providers.traderpal.sandbox.gateway import Sandbox


class SandboxServer(skeleton.EmulatedServer[SandboxConfig]):
    """A running TraderPal Connect sandbox; `base_url` is what the client is given."""

    @property
    def base_url(self) -> str:
        return self.url

    def environment(self) -> dict[str, str]:
        """The Firm manifest's `environment` pointing at this sandbox."""
        return {"base_url": self.base_url}

    def firm_settings(self) -> dict[str, Any]:
        """`environment` and the default partner's write key for the Firm's
        `providers.traderpal`."""
        config = self.config
        keys = [k for k, p in config.api_keys.items() if p == "write" and k not in config.partners]
        settings: dict[str, Any] = {"environment": self.environment()}
        if keys:
            settings["api_key"] = keys[0]
        return settings

    def connection(self) -> list[tuple[str, str]]:
        """The API root and the accepted API keys (`Authorization: Bearer <key>`)."""
        config = self.config
        return [
            ("API", self.base_url),
            *(
                (
                    f"API key ({permission}, {config.partners.get(key, 'default partner')})",
                    f"Authorization: Bearer {key}",
                )
                for key, permission in config.api_keys.items()
            ),
        ]


def _build(config: SandboxConfig, clock: Callable[[], float]) -> Sandbox:
    return Sandbox(config, clock=clock, admin=admin_reply)


EMULATOR = skeleton.Emulator(default=SandboxConfig, build=_build, server=SandboxServer)
create_app = EMULATOR.create_app
serve_sandbox = EMULATOR.serve
