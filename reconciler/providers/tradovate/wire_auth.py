"""Tradovate wire models of authentication: access-token requests and answers, penalty tickets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field, SecretStr

from reconciler.providers.tradovate.wire import ErrorTextResponse, Wire, WireRequest


class AccessTokenRequest(WireRequest):
    name: str
    password: SecretStr
    app_id: str | None = None
    app_version: str | None = None
    cid: str | int | None = None
    sec: SecretStr | None = None
    device_id: str | None = None


class AccessTokenResponse(ErrorTextResponse):
    access_token: SecretStr | None = None
    expiration_time: datetime | None = None
    user_id: int | None = None
    name: str | None = None


class PenaltyTicket(Wire):
    """An endpoint-level throttle answer (HTTP 200): wait `wait` seconds, then resend."""

    ticket: SecretStr = Field(alias="p-ticket")
    wait: float = Field(default=0.0, alias="p-time")
    captcha: bool = Field(default=False, alias="p-captcha")

    @classmethod
    def find(cls, payload: object) -> PenaltyTicket | None:
        """The ticket in a response payload, or None when the payload is not one."""
        if isinstance(payload, Mapping) and "p-ticket" in payload:
            return cls.model_validate(payload)
        return None

    def stamp(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The identical body (or query) with this ticket added for the resend."""
        return {**body, "p-ticket": self.ticket.get_secret_value()}
