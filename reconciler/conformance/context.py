"""What every stage of a conformance run shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.conformance.caller import Caller
from reconciler.conformance.cohort import Cohort
from reconciler.conformance.evidence import Evidence
from reconciler.conformance.recorder import Recorder
from reconciler.providers.tradovate import Credentials, TradovateSettings

FAST_SECONDS = 2.0
"""The checklist's token-request bound ("< 2 s"), also used (assumed) for every Stage 3 call."""


@dataclass
class RunContext:
    """The run's caller, log, evidence and cohort, and the firm's platform settings."""

    caller: Caller
    recorder: Recorder
    evidence: Evidence
    cohort: Cohort
    credentials: Credentials
    settings: TradovateSettings
    websocket: str
    timer: Callable[[], float]
    sleep: Callable[[float], None]
    admin_id: int | None = None

    def login_body(self, *, password: str | None = None) -> dict[str, Any]:
        """The access-token request of the firm's API key (`password` replaces its own)."""
        c = self.credentials
        body: dict[str, Any] = {
            "name": c.name,
            "password": password if password is not None else c.password.get_secret_value(),
            "appId": c.app_id,
            "appVersion": c.app_version,
            "cid": c.cid,
            "deviceId": c.device_id,
        }
        if c.sec is not None:
            body["sec"] = c.sec.get_secret_value()
        return body

    def secrets(self) -> list[str]:
        """Secret values that must never appear in the bundle."""
        c = self.credentials
        values = [c.password.get_secret_value()]
        if c.sec is not None:
            values.append(c.sec.get_secret_value())
        if self.caller.token:
            values.append(self.caller.token)
        return [v for v in values if len(v) >= 6]
