"""The Tradovate conversation below the endpoints: the access token (lazy, renewed before
expiry, re-acquired once after a 401), penalty-ticket resends, retries of transient errors for
reads, authentication and idempotent updates only, and the mapping of HTTP answers onto
reconciler errors."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from reconciler.errors import ProviderRejected, ProviderUnavailable, RateLimited
from reconciler.providers.http import (
    RetryPolicy,
    call_with_retries,
    translate_httpx_errors,
    validate_json,
)
from reconciler.providers.pacing import Pacer
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.models import (
    AccessTokenRequest,
    AccessTokenResponse,
    ErrorBody,
    PenaltyTicket,
)

logger = logging.getLogger(__name__)

PROVIDER = "tradovate"
ACCESS_TOKEN_PATH = "/auth/accesstokenrequest"
RENEW_PATH = "/auth/renewaccesstoken"
FALLBACK_TOKEN_LIFETIME = 80 * 60.0
"""Used only if an answer lacks expirationTime: the shortest lifetime the docs ever quoted."""
SESSION_GONE = frozenset({401, 408})
"""Statuses meaning the token's session is gone: 401 (expired, unknown), 408 (closed by a third
login: the platform's documents name "408/429/500-class errors"; 408 is the one that cannot be
a lockout or an outage)."""
LOCKOUT = "HTTP 429: the platform locks the caller out for up to an hour; do not retry sooner"

Domain = Literal["live", "demo"]
Method = Literal["GET", "POST"]
Body = Mapping[str, Any]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and its lifetime in clock seconds; renewed at `renew_at`."""

    value: SecretStr
    obtained_at: float
    expires_at: float
    renew_at: float


@dataclass(frozen=True, slots=True)
class FinalReply:
    """A final HTTP answer (no 429, no 5xx, no penalty ticket) and its decoded JSON."""

    status: int
    payload: Any


@dataclass(frozen=True, slots=True)
class Decoded:
    """A list answer validated straight from the response bytes into wire models (see the
    `items` argument of `Session.call`)."""

    items: list[Any]


def _succeeded(reply: FinalReply) -> bool:
    """Whether the platform counts the call as a success (limits that count only failures
    count a 4xx, a penalty ticket, `errorText`, `ok: false` or any per-item `errorText`)."""
    payload = reply.payload
    if reply.status != 200:
        return False
    if not isinstance(payload, Mapping):
        return True
    if payload.get("errorText") or payload.get("ok") is False or "p-ticket" in payload:
        return False
    results = payload.get("results")
    return not (
        isinstance(results, list)
        and any(isinstance(item, Mapping) and item.get("errorText") for item in results)
    )


def decode(model: type[ModelT], payload: Any, *, operation: str) -> ModelT:
    """Validate a JSON payload into a wire model; an unexpected shape is ProviderUnavailable."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ProviderUnavailable(
            f"unexpected answer ({exc.error_count()} validation errors in {model.__name__})",
            provider=PROVIDER,
            operation=operation,
        ) from exc


class Session:
    """Authenticated calls to the LIVE and DEMO hosts with one shared access token.

    Invariants: the token travels only as `Authorization: Bearer`; a write (POST other than
    authentication) is sent again only to answer a penalty ticket or a 401/408 (session gone),
    which mean the platform did not process it, or after a transient failure when the caller
    declared it idempotent (setting values, not creating anything); a 429 is never retried; every
    request, resends and retries included, first passes `pacer` (named by its lower-case path
    after `/v1/`).
    """

    def __init__(
        self,
        *,
        live: httpx.Client,
        demo: httpx.Client,
        credentials: Credentials,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        renew_margin: float,
        max_ticket_rounds: int,
        read_attempts: int,
        jitter: Callable[[], float] = random.random,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        pacer: Pacer | None = None,
    ) -> None:
        self._clients: dict[Domain, httpx.Client] = {"live": live, "demo": demo}
        self._pacer = pacer or Pacer.unpaced()
        self._credentials = credentials
        self._clock = clock
        self._sleep = sleep
        self._renew_margin = renew_margin
        self._max_ticket_rounds = max_ticket_rounds
        self._retry = RetryPolicy(attempts=max(1, read_attempts), base=backoff, cap=max_backoff)
        self._jitter = jitter
        self._token: Token | None = None
        self._lock = threading.RLock()  # the user-data stream shares the token from its thread

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def call(
        self,
        domain: Domain,
        method: Method,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Body | None = None,
        idempotent: bool = False,
        items: TypeAdapter[list[Any]] | None = None,
    ) -> Any:
        """Send one API call and return its JSON payload (HTTP 200 or another 2xx).

        `idempotent` declares a POST safe to repeat after a transient failure (it sets values
        whatever they were); GETs always are. With `items`, an HTTP 200 answer that is a list
        of those items comes back as `Decoded`, parsed and validated at once; any other
        answer is decoded and judged as without it.
        """
        with self._lock:
            token, fresh = self._valid_token()
        send = partial(
            self._exchange,
            domain,
            method,
            path,
            params=params,
            body=body,
            idempotent=idempotent,
            items=items,
        )
        reply = send(token=token)
        if reply.status in SESSION_GONE and not fresh:
            logger.debug("%s %s -> %d: authenticating again", method, path, reply.status)
            token = self.reauthenticate(token)
            reply = send(token=token)
        return self._payload(reply, operation=path)

    # --- token ------------------------------------------------------------------------

    def token(self) -> Token:
        """The access token to use now: renewed when due, re-acquired when expired."""
        with self._lock:
            return self._valid_token()[0]

    def reauthenticate(self, stale: Token) -> Token:
        """Log in again because the platform refused `stale` (its session was closed), unless
        another caller has already replaced it."""
        with self._lock:
            if self._token is not None and self._token is not stale:
                return self._token
            self._token = None
            return self._authenticate()

    def _valid_token(self) -> tuple[Token, bool]:
        """The token to use now, and whether it came from a new authentication."""
        token = self._token
        if token is None or self._clock() >= token.expires_at:
            return self._authenticate(), True
        if self._clock() < token.renew_at:
            return token, False
        renewed = self._renew(token)
        if renewed is None:
            return self._authenticate(), True
        return renewed, False

    def _authenticate(self) -> Token:
        c = self._credentials
        request = AccessTokenRequest(
            name=c.name,
            password=c.password,
            app_id=c.app_id,
            app_version=c.app_version,
            cid=c.cid,
            sec=c.sec,
            device_id=c.device_id,
        )
        reply = self._exchange("live", "POST", ACCESS_TOKEN_PATH, body=request.body(), token=None)
        if reply.status != 200:
            raise ProviderRejected(
                f"authentication failed: HTTP {reply.status}",
                provider=PROVIDER,
                operation=ACCESS_TOKEN_PATH,
            )
        answer = decode(AccessTokenResponse, reply.payload, operation=ACCESS_TOKEN_PATH)
        if answer.error_text or answer.access_token is None:
            reason = answer.error_text or "no access token in the answer"
            raise ProviderRejected(
                f"authentication failed: {reason}", provider=PROVIDER, operation=ACCESS_TOKEN_PATH
            )
        self._token = self._token_from(answer)
        logger.debug(
            "authenticated; token valid for %.0f s", self._token.expires_at - self._clock()
        )
        return self._token

    def _renew(self, token: Token) -> Token | None:
        """A renewed token, or None when renewal was refused or throttled (then authenticate
        afresh: the platform counts only failed token requests against their limit)."""
        reply = self._exchange("live", "GET", RENEW_PATH, token=token, resend_tickets=False)
        if reply.status != 200 or PenaltyTicket.find(reply.payload) is not None:
            logger.debug("token renewal refused or throttled (HTTP %d)", reply.status)
            return None
        answer = decode(AccessTokenResponse, reply.payload, operation=RENEW_PATH)
        if answer.error_text or answer.access_token is None:
            logger.debug("token renewal refused (errorText)")
            return None
        self._token = self._token_from(answer)
        return self._token

    def _token_from(self, answer: AccessTokenResponse) -> Token:
        assert answer.access_token is not None
        now = self._clock()
        expires = answer.expiration_time
        if expires is None:
            expires_at = now + FALLBACK_TOKEN_LIFETIME
        else:
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
            expires_at = expires.timestamp()
        # Never renew within the first half of the lifetime, even for a large margin.
        margin = min(self._renew_margin, max(0.0, expires_at - now) / 2)
        return Token(answer.access_token, now, expires_at, expires_at - margin)

    # --- one call: penalty tickets, retries, status mapping -----------------------------

    def _exchange(
        self,
        domain: Domain,
        method: Method,
        path: str,
        *,
        token: Token | None,
        params: Mapping[str, str] | None = None,
        body: Body | None = None,
        resend_tickets: bool = True,
        idempotent: bool = False,
        items: TypeAdapter[list[Any]] | None = None,
    ) -> FinalReply:
        """Send until the answer is final: resend on penalty tickets (unless told not to, then
        the ticket is the answer); raise on 429."""
        # reads, the token request itself, and writes declared idempotent
        retryable = method == "GET" or token is None or idempotent
        for round_ in range(self._max_ticket_rounds + 1):
            reply = self._send(
                domain, method, path, params, body, token, retryable=retryable, items=items
            )
            if reply.status == 429:
                raise RateLimited(LOCKOUT, provider=PROVIDER, operation=path)
            ticket = PenaltyTicket.find(reply.payload) if reply.status == 200 else None
            if ticket is None or not resend_tickets:
                return reply
            if ticket.captcha:
                raise RateLimited(
                    "penalty ticket with captcha: the platform locks the caller out for about "
                    "an hour; stop and retry later",
                    provider=PROVIDER,
                    operation=path,
                )
            if round_ == self._max_ticket_rounds:
                raise RateLimited(
                    f"still throttled after {round_} penalty-ticket resends",
                    provider=PROVIDER,
                    operation=path,
                    retry_after=ticket.wait,
                )
            logger.debug("%s %s: penalty ticket, resending in %.1f s", method, path, ticket.wait)
            self._sleep(ticket.wait)
            if method == "GET":
                params = ticket.stamp(params or {})
            else:
                body = ticket.stamp(body or {})
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        domain: Domain,
        method: Method,
        path: str,
        params: Mapping[str, str] | None,
        body: Body | None,
        token: Token | None,
        *,
        retryable: bool,
        items: TypeAdapter[list[Any]] | None = None,
    ) -> FinalReply:
        """One request; transport errors, 5xx and garbled answers are retried with backoff
        when `retryable`."""
        headers = (
            {} if token is None else {"Authorization": f"Bearer {token.value.get_secret_value()}"}
        )
        endpoint = path.strip("/").lower()

        def once() -> FinalReply:
            permit = self._pacer.acquire(endpoint)
            with translate_httpx_errors(provider=PROVIDER, operation=path):
                response = self._clients[domain].request(
                    method, path, params=params, json=body, headers=headers
                )
                if response.status_code >= 500:
                    response.raise_for_status()
            reply = FinalReply(
                response.status_code, self._json(response, operation=path, items=items)
            )
            permit.settle(succeeded=_succeeded(reply))
            return reply

        return call_with_retries(
            once,
            is_safe=retryable,
            policy=self._retry,
            sleep=self._sleep,
            jitter=self._jitter,
            what=f"{method} {path}",
        )

    @staticmethod
    def _json(
        response: httpx.Response, *, operation: str, items: TypeAdapter[list[Any]] | None = None
    ) -> Any:
        if not response.content:
            return None
        if items is not None and response.status_code == 200:
            decoded = validate_json(items.validate_python, response)
            if decoded is not None:
                return Decoded(decoded)
        try:
            return response.json()
        except ValueError as exc:
            if response.status_code >= 400:
                return None
            raise ProviderUnavailable(
                f"answer is not JSON (HTTP {response.status_code})",
                provider=PROVIDER,
                operation=operation,
            ) from exc

    @staticmethod
    def _payload(reply: FinalReply, *, operation: str) -> Any:
        status = reply.status
        if 200 <= status < 300:
            return reply.payload
        detail = ""
        if isinstance(reply.payload, Mapping):
            detail = decode(ErrorBody, reply.payload, operation=operation).describe()
        if status == 401:
            message = "access denied (HTTP 401) even with a fresh access token"
        else:
            message = f"HTTP {status}"
        raise ProviderRejected(
            f"{message}: {detail}" if detail else message, provider=PROVIDER, operation=operation
        )
