"""TraderPalClient: one method per users-API endpoint, with the API key, retries and the
platform's error envelope translated into reconciler errors."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from reconciler.errors import ProviderUnavailable, RateLimited
from reconciler.providers.http import (
    RetryPolicy,
    call_with_retries,
    check_json,
    translate_httpx_errors,
    validate_json,
)
from reconciler.providers.pacing import Pacer
from reconciler.providers.shapes import validator_of
from reconciler.providers.traderpal.answers import (
    PROVIDER,
    ModelT,
    TraderPalRejected,
    decode_answer,
    describe_failure,
    retry_after,
)
from reconciler.providers.traderpal.limits import USERS_PER_PAGE
from reconciler.providers.traderpal.models import (
    NewUser,
    User,
    UserChanges,
    UserPage,
)

logger = logging.getLogger(__name__)

USERS = "/v1/users"
MAX_PAGE = USERS_PER_PAGE.value
"""The largest `limit` the list endpoint accepts."""

LIST, GET, CREATE, UPDATE = (
    "GET /v1/users",
    "GET /v1/users/{id}",
    "POST /v1/users",
    "PATCH /v1/users/{id}",
)
"""Operation names in errors and logs (never a user id or any personal data)."""

Method = Literal["GET", "POST", "PATCH"]


@dataclass(frozen=True, slots=True)
class ApiKeyHeader:
    """How the API key travels (undocumented: `Authorization: Bearer <key>` by default)."""

    name: str = "Authorization"
    prefix: str = "Bearer "


BEARER = ApiKeyHeader()


def _new_key() -> str:
    return uuid.uuid4().hex


class TraderPalClient:
    """The TraderPal Connect users API over an injected httpx client.

    Reads and updates (PATCH sets the given fields, so repeating one is harmless) are retried
    on network errors, 5xx and garbled answers with exponential backoff (`read_attempts` in
    all). A create (POST) is sent once: after a ProviderUnavailable its outcome is unknown and
    the next plan looks the user up by e-mail. Every call is sent again after a 429 (the
    platform did not process it):
    any request answered 429 is sent again after its Retry-After, at most `rate_attempts`
    times in all and only while Retry-After is at most `max_retry_after` seconds; otherwise
    RateLimited carries the wait. A POST carries an Idempotency-Key, kept across those resends.
    Every request first waits for `pacer`, named by its operation (e.g. `POST /v1/users`).
    """

    def __init__(
        self,
        *,
        http: httpx.Client,
        api_key: SecretStr,
        header: ApiKeyHeader = BEARER,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        read_attempts: int = 3,
        rate_attempts: int = 3,
        max_retry_after: float = 120.0,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        jitter: Callable[[], float] = random.random,
        new_key: Callable[[], str] = _new_key,
        pacer: Pacer | None = None,
    ) -> None:
        self._http = http
        self._pacer = pacer or Pacer.unpaced()
        self._api_key = api_key
        self._header = header
        self._clock = clock
        self._sleep = sleep
        self._retry = RetryPolicy(attempts=max(1, read_attempts), base=backoff, cap=max_backoff)
        self._rate_attempts = max(1, rate_attempts)
        self._max_retry_after = max_retry_after
        self._jitter = jitter
        self._new_key = new_key

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TraderPalClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- endpoints -----------------------------------------------------------------------

    def list_page(
        self, *, limit: int = 100, offset: int = 0, status: str | None = None
    ) -> UserPage:
        """One page of `GET /v1/users` (sorted by creation, stable across pages)."""
        params = {"limit": str(limit), "offset": str(offset)}
        if status is not None:
            params["status"] = status
        return self._call("GET", USERS, UserPage, operation=LIST, params=params)

    def list_users(self, *, status: str | None = None, page_size: int = MAX_PAGE) -> list[User]:
        """Every user (closed ones included unless filtered), paging `page_size` at a time."""
        users: dict[str, User] = {}
        offset = 0
        while True:
            page = self.list_page(limit=page_size, offset=offset, status=status)
            for user in page.users:
                users.setdefault(user.user_id, user)
            offset += len(page.users)
            total = page.metadata.total if page.metadata is not None else None
            if len(page.users) < page_size or (total is not None and offset >= total):
                return list(users.values())

    def get_user(self, user_id: str) -> User:
        return self._call("GET", _one(user_id), User, operation=GET)

    def create_user(self, user: NewUser, *, idempotency_key: str | None = None) -> User:
        """`POST /v1/users` (answered 201, or 200); the new user is pending verification."""
        key = idempotency_key or self._new_key()
        headers = {"Idempotency-Key": key}
        return self._call("POST", USERS, User, operation=CREATE, body=user.body(), headers=headers)

    def update_user(self, user_id: str, changes: UserChanges) -> User:
        """`PATCH /v1/users/{id}` with only the fields set on `changes`."""
        return self._call("PATCH", _one(user_id), User, operation=UPDATE, body=changes.body())

    # --- plumbing --------------------------------------------------------------------------

    def _call(
        self,
        method: Method,
        path: str,
        model: type[ModelT],
        *,
        operation: str,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ModelT:
        for rate_round in range(1, self._rate_attempts + 1):
            response, decoded = self._send(
                method, path, params, body, headers, model, operation=operation
            )
            if decoded is not None:
                return decoded
            if response.status_code != 429:
                return decode_answer(response, model, operation=operation)
            wait = retry_after(response, now=self._clock())
            if rate_round == self._rate_attempts or (wait or 0.0) > self._max_retry_after:
                raise RateLimited(
                    "HTTP 429: too many requests"
                    + (f"; retry after {wait:g} s" if wait is not None else ""),
                    provider=PROVIDER,
                    operation=operation,
                    retry_after=wait,
                )
            delay = self._retry.backoff.delay(rate_round - 1) if wait is None else wait
            logger.debug("%s: HTTP 429, sending again in %.1f s", operation, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        method: Method,
        path: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        model: type[ModelT],
        *,
        operation: str,
    ) -> tuple[httpx.Response, ModelT | None]:
        """One request; network errors, 5xx and garbled answers are retried with backoff for
        reads and updates only. A success answer of `model`'s shape also comes back validated
        as parsed (None otherwise: `_decode` judges it)."""
        secret = {self._header.name: self._header.prefix + self._api_key.get_secret_value()}

        def once() -> tuple[httpx.Response, ModelT | None]:
            self._pacer.acquire(operation)
            with translate_httpx_errors(provider=PROVIDER, operation=operation):
                response = self._http.request(
                    method, path, params=params, json=body, headers={**(headers or {}), **secret}
                )
            if response.status_code >= 500:
                raise ProviderUnavailable(
                    f"HTTP {response.status_code}{describe_failure(response)}",
                    provider=PROVIDER,
                    operation=operation,
                )
            decoded = None
            if response.status_code < 300:
                decoded = validate_json(validator_of(model), response)
                if decoded is None:
                    check_json(response, provider=PROVIDER, operation=operation)
            return response, decoded

        return call_with_retries(
            once,
            is_safe=method in ("GET", "PATCH"),
            policy=self._retry,
            sleep=self._sleep,
            jitter=self._jitter,
            what=operation,
        )


def _one(user_id: str) -> str:
    return f"{USERS}/{quote(user_id, safe='')}"


__all__ = ["BEARER", "MAX_PAGE", "ApiKeyHeader", "TraderPalClient", "TraderPalRejected"]
