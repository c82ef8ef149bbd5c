"""The Tradovate conversation below the endpoints: the access token (lazy, renewed before
expiry, re-acquired once after a 401) over a `Dispatcher`, which owns penalty-ticket resends,
retries of transient errors and the mapping of HTTP answers onto reconciler errors."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from typing import Any

import httpx
from pydantic import SecretStr, TypeAdapter

from reconciler.errors import ProviderRejected
from reconciler.providers.http import RetryPolicy
from reconciler.providers.pacing import Pacer
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.dispatch import (
    PROVIDER,
    Body,
    Dispatcher,
    Domain,
    FinalReply,
    Method,
    decode,
    final_payload,
)
from reconciler.providers.tradovate.models import (
    AccessTokenRequest,
    AccessTokenResponse,
    PenaltyTicket,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ACCESS_TOKEN_PATH",
    "FALLBACK_TOKEN_LIFETIME",
    "PROVIDER",
    "RENEW_PATH",
    "SESSION_GONE",
    "Domain",
    "Session",
    "Token",
]

ACCESS_TOKEN_PATH = "/auth/accesstokenrequest"
RENEW_PATH = "/auth/renewaccesstoken"
FALLBACK_TOKEN_LIFETIME = 80 * 60.0
"""Used only if an answer lacks expirationTime: the shortest lifetime the docs ever quoted."""
SESSION_GONE = frozenset({401, 408})
"""Statuses meaning the token's session is gone: 401 (expired, unknown), 408 (closed by a third
login: the platform's documents name "408/429/500-class errors"; 408 is the one that cannot be
a lockout or an outage)."""


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and its lifetime in clock seconds; renewed at `renew_at`."""

    value: SecretStr
    obtained_at: float
    expires_at: float
    renew_at: float


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
        self._sender = Dispatcher(
            live=live,
            demo=demo,
            sleep=sleep,
            max_ticket_rounds=max_ticket_rounds,
            retry=RetryPolicy(attempts=max(1, read_attempts), base=backoff, cap=max_backoff),
            jitter=jitter,
            pacer=pacer or Pacer.unpaced(),
        )
        self._credentials = credentials
        self._clock = clock
        self._renew_margin = renew_margin
        self._token: Token | None = None
        self._lock = threading.RLock()  # the user-data stream shares the token from its thread

    def close(self) -> None:
        self._sender.close()

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
            token = self._valid_token()
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
        if reply.status in SESSION_GONE:
            # even a token just issued can lose its session before its first call (closed
            # elsewhere, expired early): sign in once more; a second refusal is final
            logger.debug("%s %s -> %d: authenticating again", method, path, reply.status)
            token = self.reauthenticate(token)
            reply = send(token=token)
        return final_payload(reply, operation=path)

    # --- token ------------------------------------------------------------------------

    def token(self) -> Token:
        """The access token to use now: renewed when due, re-acquired when expired."""
        with self._lock:
            return self._valid_token()

    def reauthenticate(self, stale: Token) -> Token:
        """Log in again because the platform refused `stale` (its session was closed), unless
        another caller has already replaced it."""
        with self._lock:
            if self._token is not None and self._token is not stale:
                return self._token
            self._token = None
            return self._authenticate()

    def _valid_token(self) -> Token:
        """The token to use now: renewed when due, re-acquired when expired."""
        token = self._token
        if token is None or self._clock() >= token.expires_at:
            return self._authenticate()
        if self._clock() < token.renew_at:
            return token
        renewed = self._renew(token)
        if renewed is None:
            return self._authenticate()
        return renewed

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
        """One call sent until its answer is final, with `token` as the bearer."""
        # reads, the token request itself, and writes declared idempotent
        retryable = method == "GET" or token is None or idempotent
        return self._sender.send(
            domain,
            method,
            path,
            bearer=None if token is None else token.value,
            retryable=retryable,
            params=params,
            body=body,
            resend_tickets=resend_tickets,
            items=items,
        )
