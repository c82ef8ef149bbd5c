"""TradervueClient: one method per users-API endpoint, HTTP Basic as the organisation manager,
bounded retries for reads and updates, and the platform's answers mapped onto reconciler errors."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from reconciler.errors import ProviderRejected, ProviderUnavailable, RateLimited
from reconciler.providers.http import (
    RetryPolicy,
    call_with_retries,
    check_json,
    translate_httpx_errors,
    validate_json,
)
from reconciler.providers.pacing import Pacer
from reconciler.providers.shapes import validator_of
from reconciler.providers.tradervue.config import Credentials
from reconciler.providers.tradervue.models import (
    Created,
    ErrorBody,
    NewUser,
    User,
    UserList,
    UserUpdate,
)

logger = logging.getLogger(__name__)

PROVIDER = "tradervue"
ModelT = TypeVar("ModelT", bound=BaseModel)
ShapeT = TypeVar("ShapeT")


class TradervueClient:
    """The Tradervue users API over one injected httpx client (base URL `.../api/v1`).

    Reads (GET) and updates (PUT: they set fields, so repeating one is harmless) retry network
    errors, 5xx and garbled answers up to `read_attempts` times with backoff; a create (POST)
    is sent once: after a ProviderUnavailable its outcome is unknown and the next plan looks
    the user up by username. A 429 is never retried here (RateLimited carries Retry-After).
    Credentials travel only as a per-request Authorization header. Every request (each
    attempt) first waits for `pacer`, named by its operation (e.g. `POST /users`).
    """

    def __init__(
        self,
        *,
        http: httpx.Client,
        credentials: Credentials,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        read_attempts: int = 3,
        jitter: Callable[[], float] = random.random,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        pacer: Pacer | None = None,
    ) -> None:
        self._http = http
        self._pacer = pacer or Pacer.unpaced()
        self._auth = httpx.BasicAuth(credentials.username, credentials.password.get_secret_value())
        self._clock = clock
        self._sleep = sleep
        self._retry = RetryPolicy(attempts=max(1, read_attempts), base=backoff, cap=max_backoff)
        self._jitter = jitter
        self.platform_date: date | None = None
        """The platform's date (UTC) by the `Date` header of the last user list, if sent."""

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TradervueClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- endpoints ---------------------------------------------------------------------

    def list_users(self) -> list[User]:
        """Every user of the organisation (one call: the endpoint has no pagination)."""
        response, listed = self._send("GET", "/users", model=UserList)
        self.platform_date = _date_of(response)
        if listed is None:
            listed = _decode(UserList, response, operation="GET /users")
        return listed.users

    def get_user(self, user_id: int) -> User | None:
        """One user, or None when it is not (or no longer) in the organisation."""
        response, _ = self._send("GET", f"/users/{user_id}", missing_ok=True)
        if response.status_code == 404:
            return None
        return _decode(User, response, operation="GET /users/{id}")

    def create_user(self, user: NewUser) -> int:
        """The new user's id. A refusal (e.g. a taken username) is ProviderRejected with the
        platform's `Invalid request: ...` text."""
        response, _ = self._send("POST", "/users", body=user.body())
        return _decode(Created, response, operation="POST /users").id

    def update_user(self, user_id: int, update: UserUpdate) -> bool:
        """Change the given fields; False when the user is not in the organisation (404)."""
        response, _ = self._send("PUT", f"/users/{user_id}", body=update.body(), missing_ok=True)
        return response.status_code != 404

    # --- plumbing ----------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        missing_ok: bool = False,
        model: type[ModelT] | None = None,
    ) -> tuple[httpx.Response, ModelT | None]:
        """One call's final answer; failures raise, except a 404 when `missing_ok`. With
        `model`, a success answer of that shape also comes back validated as parsed (None
        otherwise: the caller decodes it as usual)."""
        operation = f"{method} {_template(path)}"

        def once() -> tuple[httpx.Response, ModelT | None]:
            self._pacer.acquire(operation)
            with translate_httpx_errors(provider=PROVIDER, operation=operation):
                response = self._http.request(method, path, json=body, auth=self._auth)
                if response.status_code >= 500:
                    response.raise_for_status()
            decoded = None
            if response.status_code < 300 and response.content:
                if model is not None:
                    decoded = validate_json(model.model_validate, response)
                if decoded is None:
                    check_json(response, provider=PROVIDER, operation=operation)
            return response, decoded

        response, decoded = call_with_retries(
            once,
            is_safe=method in _SAFE_TO_REPEAT,
            policy=self._retry,
            sleep=self._sleep,
            jitter=self._jitter,
            what=operation,
        )
        if not (response.status_code == 404 and missing_ok):
            _raise_for_status(response, operation=operation, clock=self._clock)
        return response, decoded


_SAFE_TO_REPEAT = frozenset({"GET", "PUT"})


def _date_of(response: httpx.Response) -> date | None:
    """The UTC date of the answer's `Date` header; None when absent or unreadable."""
    try:
        moment = parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).date()


def _template(path: str) -> str:
    """`/users/123` -> `/users/{id}`: operations name endpoints, not objects."""
    parts = ["{id}" if part.isdigit() else part for part in path.split("/")]
    return "/".join(parts)


def _raise_for_status(
    response: httpx.Response, *, operation: str, clock: Callable[[], float]
) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        raise RateLimited(
            "HTTP 429: too many requests",
            provider=PROVIDER,
            operation=operation,
            retry_after=_retry_after(response.headers.get("Retry-After"), clock),
        )
    detail = _error_text(response)
    if status == 401:
        message = "authentication failed (HTTP 401): check providers.tradervue.credentials"
    elif status == 403:
        message = "access denied (HTTP 403): the credentials are not the organization manager's"
    else:
        message = f"HTTP {status}"
    raise ProviderRejected(
        f"{message}: {detail}" if detail and status != 401 else message,
        provider=PROVIDER,
        operation=operation,
    )


def _error_text(response: httpx.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return ""
    if not isinstance(payload, dict):
        return ""
    try:
        return ErrorBody.model_validate(payload).error or ""
    except ValidationError:
        return ""


def _retry_after(value: str | None, clock: Callable[[], float]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - clock())


def _decode(shape: type[ShapeT], response: httpx.Response, *, operation: str) -> ShapeT:
    """Validate a JSON answer into a wire model or row; an unexpected shape is
    ProviderUnavailable."""
    try:
        return validator_of(shape)(response.json())
    except ValueError as exc:  # ValidationError and JSON decoding errors alike
        count = exc.error_count() if isinstance(exc, ValidationError) else 1
        raise ProviderUnavailable(
            f"unexpected answer ({count} problem(s) decoding {shape.__name__})",
            provider=PROVIDER,
            operation=operation,
        ) from exc
