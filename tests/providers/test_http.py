"""The shared httpx setup: TLS verification, User-Agent, secret-free logging, error mapping."""

from __future__ import annotations

import logging
import ssl

import httpx
import pytest

from reconciler.errors import ProviderError, ProviderRejected, ProviderUnavailable
from reconciler.providers.http import make_http_client, translate_httpx_errors, user_agent


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ua": request.headers["user-agent"]})


def test_user_agent_names_reconciler_and_its_version() -> None:
    client = make_http_client("https://x.test/v1", transport=httpx.MockTransport(echo))
    assert client.get("/a").json() == {"ua": user_agent()}
    assert user_agent().startswith("reconciler/")
    assert user_agent() != "reconciler/"


def test_default_transport_verifies_certificates() -> None:
    client = make_http_client("https://x.test/v1")
    # httpx keeps the SSL context on its connection pool; there is no option to relax it.
    context = client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_requests_are_logged_by_method_path_and_status_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="reconciler.providers.http")
    client = make_http_client("https://x.test/v1", transport=httpx.MockTransport(echo))
    client.post(
        "/user/list",
        params={"q": "query-value"},
        json={"password": "body-value"},
        headers={"Authorization": "Bearer header-value"},
    )
    messages = [r.getMessage() for r in caplog.records if r.name == "reconciler.providers.http"]
    assert messages == ["POST /v1/user/list -> 200"]


@pytest.mark.parametrize(
    ("error", "expected", "message"),
    [
        (httpx.ConnectError("refused"), ProviderUnavailable, "network error (ConnectError)"),
        (httpx.ReadTimeout("slow"), ProviderUnavailable, "timed out (ReadTimeout)"),
        (httpx.RemoteProtocolError("bad"), ProviderUnavailable, "network error"),
        (
            httpx.HTTPStatusError(
                "x", request=httpx.Request("GET", "https://x.test"), response=httpx.Response(503)
            ),
            ProviderUnavailable,
            "HTTP 503",
        ),
        (
            httpx.HTTPStatusError(
                "x", request=httpx.Request("GET", "https://x.test"), response=httpx.Response(404)
            ),
            ProviderRejected,
            "HTTP 404",
        ),
    ],
    ids=["connect", "timeout", "protocol", "status-503", "status-404"],
)
def test_httpx_errors_are_translated_from_the_original(
    error: httpx.HTTPError, expected: type[ProviderError], message: str
) -> None:
    with pytest.raises(expected) as caught, translate_httpx_errors(provider="p", operation="op"):
        raise error
    assert caught.value.__cause__ is error
    assert (caught.value.provider, caught.value.operation) == ("p", "op")
    assert message in str(caught.value)


def test_other_exceptions_pass_through_untouched() -> None:
    with pytest.raises(KeyError), translate_httpx_errors(provider="p", operation="op"):
        raise KeyError("k")
