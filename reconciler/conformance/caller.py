"""Plain partner-API calls for the conformance run: one method per request shape, the token of
the run's session, and the documented penalty-ticket resend (wait `p-time`, repeat with the
ticket in the body). Every call is recorded by the transport."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from reconciler.providers.tradovate import Domain


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP status, its JSON payload (None when empty), and the penalty tickets resent."""

    status: int
    payload: Any
    tickets: int = 0

    @property
    def error_text(self) -> str:
        if isinstance(self.payload, Mapping):
            return str(self.payload.get("errorText") or "")
        return ""


class ConformanceFailure(Exception):
    """A check found the platform (or our use of it) not as the checklist expects."""


class Caller:
    """Calls on LIVE and DEMO with the run's token (set by the auth stage)."""

    def __init__(
        self,
        *,
        live: httpx.Client,
        demo: httpx.Client,
        sleep: Callable[[float], None],
        max_tickets: int = 3,
    ) -> None:
        self._clients = {"live": live, "demo": demo}
        self._sleep = sleep
        self._max_tickets = max_tickets
        self.token: str | None = None

    def call(
        self,
        domain: Domain,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
        authorized: bool = True,
    ) -> Answer:
        """One request, resent with its penalty ticket while the answer is one (p-captcha
        tickets are not resent: the lock cannot be cleared by a program)."""
        headers = {}
        bearer = token or self.token
        if authorized and bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        payload = dict(body) if body is not None else None
        tickets = 0
        while True:
            response = self._clients[domain].request(
                method, path, json=payload, params=params, headers=headers
            )
            answer = _decode(response)
            ticket = answer.get("p-ticket") if isinstance(answer, Mapping) else None
            if not ticket or answer.get("p-captcha") or tickets >= self._max_tickets:
                return Answer(response.status_code, answer, tickets)
            tickets += 1
            self._sleep(float(answer.get("p-time") or 0))
            payload = {**(payload or {}), "p-ticket": ticket}

    def post(self, domain: Domain, path: str, body: Mapping[str, Any]) -> Answer:
        return self.call(domain, "POST", path, body=body)

    def get(self, domain: Domain, path: str, **params: str) -> Answer:
        return self.call(domain, "GET", path, params=params or None)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def expect(condition: object, message: str) -> None:
    """Raise ConformanceFailure(message) unless `condition` holds."""
    if not condition:
        raise ConformanceFailure(message)
