"""Shared httpx setup for every provider: the client factory (TLS always verified, our
User-Agent, secret-free debug logging), the rule that platform URLs use TLS, the translation of
httpx errors into ours, and the retry policy for calls that are safe to repeat."""

from __future__ import annotations

import functools
import ipaddress
import logging
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import AfterValidator
from pydantic_core import from_json

from reconciler.errors import ProviderRejected, ProviderUnavailable
from reconciler.providers.backoff import Backoff

logger = logging.getLogger(__name__)

T = TypeVar("T")


def user_agent() -> str:
    """`reconciler/<installed version>`."""
    try:
        return f"reconciler/{version('reconciler')}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "reconciler/0+unknown"


def require_tls(url: str) -> str:
    """`url` when it is https://, or plain http:// to this machine (a sandbox); otherwise a
    ValueError: credentials never travel unencrypted, and nothing turns verification off."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host:
        if _is_loopback(host):
            return url
        raise ValueError(
            "must use https:// (plain http:// is only for a sandbox on this machine: "
            "localhost, 127.0.0.1 or ::1)"
        )
    raise ValueError("must be an https:// URL")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


KEEPALIVE_EXPIRY = 2.0
"""Seconds an idle connection is kept for the next request (assumed: well below the 5 s after
which common servers, uvicorn and Node.js among them, close an idle connection). httpx's own
default is those same 5 s: a connection reused just as the server closes it fails with the
request possibly sent, an unknown outcome that stops an apply. Connections sit idle for
seconds while a large state is written."""

PlatformUrl = Annotated[str, AfterValidator(require_tls)]
"""A platform base URL in a manifest model: https://, or http:// to a local sandbox."""


def make_http_client(
    base_url: str,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """An httpx client for one platform host; TLS certificates are always verified.

    `transport` replaces the network (tests pass `httpx.MockTransport`); `headers` are added
    to every request and may override the defaults (never put a secret here: use per-request
    Authorization headers).
    """
    merged = {"User-Agent": user_agent(), "Accept": "application/json"}
    merged.update(headers or {})
    return _Client(
        base_url=base_url,
        timeout=timeout,
        transport=transport,
        headers=merged,
        verify=tls_context(),
        follow_redirects=False,
        limits=httpx.Limits(
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY
        ),  # httpx's defaults but the expiry
        event_hooks={"response": [_log_response]},
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of the process, which verifies certificates as httpx's default
    does: making one loads the certificate authorities (about 20 ms on the benchmark's
    machine), and a command opens a client per platform host, four with every platform."""
    return httpx.create_ssl_context()


MERGED_URLS = 256
"""How many request targets a client keeps joined to its base URL (assumed: a platform's
fixed paths, with room for the paths that carry an id; all are forgotten when full)."""


class _NoCookies(httpx.Cookies):
    """A jar that keeps no cookie from an answer. Every platform takes its credentials in a
    header on each request and none documents a cookie; httpx's reading of every answer's
    cookies was 6 % of a large apply's CPU."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _Client(httpx.Client):
    """An httpx client that keeps no cookies, joins each request target to its base URL once,
    and whose answers, once read, are freed as soon as the caller drops them.

    httpx binds each response's stream back to the response (a reference cycle); while the
    cyclic collector is paused (see `reconciler.collector`) every answer's body would stay in
    memory until the process ends: tens of MiB for a large firm's list calls. httpx parses a
    relative target twice to join it to the base URL (4 % of a large apply's CPU)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._jar = _NoCookies()
        self._merged: dict[str, httpx.URL] = {}

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("a platform client keeps no cookies")

    def build_request(self, method: str, url: httpx.URL | str, **options: Any) -> httpx.Request:
        if type(url) is not str or options.get("params"):
            return super().build_request(method, url, **options)
        merged = self._merged.get(url)
        if merged is not None:  # absolute: httpx takes it as it is
            return super().build_request(method, merged, **options)
        request = super().build_request(method, url, **options)
        if len(self._merged) >= MERGED_URLS:
            self._merged.clear()
        self._merged[url] = request.url  # no query parameters were merged into it
        return request

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        **options: Any,  # auth, follow_redirects: as httpx takes them
    ) -> httpx.Response:
        response = super().send(request, stream=stream, **options)
        if not stream:  # read and closed: its stream is spent
            unbind(response)
        return response


_SPENT = httpx.ByteStream(b"")


def unbind(response: httpx.Response) -> None:
    """Unbind a read and closed answer's spent stream from it, breaking the reference cycle
    httpx makes between them (see `_Client`): dropped, the answer is freed at once."""
    response.stream = _SPENT


def _log_response(response: httpx.Response) -> None:
    # Method, path and status only: queries, headers and bodies may carry ids or secrets.
    request = response.request
    logger.debug("%s %s -> %d", request.method, request.url.path, response.status_code)


@contextmanager
def translate_httpx_errors(*, provider: str, operation: str) -> Iterator[None]:
    """Re-raise httpx errors raised inside the block as reconciler errors, `from` the original.

    Timeouts and network errors become ProviderUnavailable; a status error becomes
    ProviderUnavailable for 5xx and ProviderRejected otherwise. Messages name the error class
    only, since httpx messages may quote URLs.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(
            f"timed out ({type(exc).__name__})", provider=provider, operation=operation
        ) from exc
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        if status >= 500:
            raise ProviderUnavailable(
                f"HTTP {status}", provider=provider, operation=operation
            ) from exc
        raise ProviderRejected(f"HTTP {status}", provider=provider, operation=operation) from exc
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(
            f"network error ({type(exc).__name__})", provider=provider, operation=operation
        ) from exc


def check_json(response: httpx.Response, *, provider: str, operation: str) -> None:
    """A garbled success answer is ProviderUnavailable (for a write: outcome unknown)."""
    try:
        response.json()
    except ValueError as exc:
        raise ProviderUnavailable(
            f"unexpected answer to HTTP {response.status_code} (not JSON)",
            provider=provider,
            operation=operation,
        ) from exc


def validate_json(validate: Callable[[Any], T], response: httpx.Response) -> T | None:
    """`validate` of the answer's JSON, parsed by pydantic-core's parser (faster than `json`,
    and repeated strings are shared, so the tree is smaller); None when the bytes are not JSON
    to that parser or not of that shape. The caller then judges the answer as it would without
    this (check_json, its usual decoding and errors). Not `validate_json` on the bytes: that
    is faster still but holds a parse tree of its own, a larger peak than the JSON objects."""
    return validate_content(validate, response.content)


def validate_content(validate: Callable[[Any], T], content: bytes | bytearray) -> T | None:
    """`validate_json` of an answer's body read on its own (see `validate_json`)."""
    try:
        return validate(from_json(content))
    except ValueError:  # bad JSON, and pydantic's ValidationError for a bad shape
        return None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client repeats a call that is safe to repeat (a read, an idempotent update) after
    a network error, a timeout, a 5xx or a garbled answer: `attempts` tries in all, waits
    doubling from `base` up to `cap`, each scaled by a jitter into [0.5, 1], and never more
    than `budget` seconds of waiting for one call.

    A call that is not safe to repeat (a create) is sent once: when its outcome is unknown the
    apply journal keeps it pending and the next plan resolves it by natural key.
    """

    attempts: int = 3
    base: float = 0.5
    cap: float = 30.0
    budget: float = 60.0

    @property
    def backoff(self) -> Backoff:
        """The waits between attempts."""
        return Backoff(self.base, self.cap)

    def delay(self, attempt: int, jitter: float) -> float:
        """The wait after failed attempt number `attempt` (from 1); `jitter` is in [0, 1]."""
        return self.backoff.delay(attempt - 1, jitter=jitter)


def call_with_retries(
    send: Callable[[], T],
    *,
    is_safe: bool,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    jitter: Callable[[], float],
    what: str,
) -> T:
    """`send()`, repeated under `policy` after ProviderUnavailable when `is_safe`; otherwise
    (and once the attempts or the budget are spent) the error propagates."""
    attempt, waited = 1, 0.0
    while True:
        try:
            return send()
        except ProviderUnavailable:
            if not is_safe or attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt, jitter())
            if waited + delay > policy.budget:
                raise
            logger.debug("%s failed (attempt %d); retrying in %.2f s", what, attempt, delay)
            sleep(delay)
            waited += delay
            attempt += 1
