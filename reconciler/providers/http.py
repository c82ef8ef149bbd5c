"""Shared httpx setup for every provider: the client factory (TLS always verified, our
User-Agent, secret-free debug logging) and the translation of httpx errors into ours."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version

import httpx

from reconciler.errors import ProviderRejected, ProviderUnavailable

logger = logging.getLogger(__name__)


def user_agent() -> str:
    """`reconciler/<installed version>`."""
    try:
        return f"reconciler/{version('reconciler')}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "reconciler/0+unknown"


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
    return httpx.Client(
        base_url=base_url,
        timeout=timeout,
        transport=transport,
        headers=merged,
        verify=True,
        follow_redirects=False,
        event_hooks={"response": [_log_response]},
    )


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
