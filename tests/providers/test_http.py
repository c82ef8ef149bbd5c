"""The shared httpx setup: TLS verification (and TLS required off this machine), User-Agent,
secret-free logging, error mapping."""

from __future__ import annotations

import http.server
import inspect
import logging
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pydantic import BaseModel, TypeAdapter

from reconciler.cli.main import main
from reconciler.errors import ProviderError, ProviderRejected, ProviderUnavailable
from reconciler.providers.http import (
    RetryPolicy,
    call_with_retries,
    make_http_client,
    require_tls,
    translate_httpx_errors,
    user_agent,
    validate_json,
)
from tests.providers.served import served


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


def test_clients_share_one_verifying_tls_context() -> None:
    first, second = make_http_client("https://x.test/v1"), make_http_client("https://y.test/v1")
    contexts = [c._transport._pool._ssl_context for c in (first, second)]  # type: ignore[attr-defined]

    assert contexts[0] is contexts[1]
    assert contexts[0].verify_mode is ssl.CERT_REQUIRED


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


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://live.tradovateapi.com/v1", True),
        ("https://10.1.2.3:8443/api", True),
        ("http://127.0.0.1:8000/live/v1", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://live.tradovateapi.com/v1", False),
        ("http://10.1.2.3/api", False),
        ("ftp://files.example.com", False),
        ("https://", False),
        ("live.tradovateapi.com/v1", False),
    ],
    ids=[
        "https",
        "https-to-an-address",
        "http-loopback",
        "http-localhost",
        "http-ipv6-loopback",
        "http-remote",
        "http-private-address",
        "ftp",
        "no-host",
        "no-scheme",
    ],
)
def test_platform_urls_use_tls_unless_they_stay_on_this_machine(url: str, accepted: bool) -> None:
    if accepted:
        assert require_tls(url) == url
    else:
        with pytest.raises(ValueError, match="https://"):
            require_tls(url)


def test_the_client_factory_offers_no_way_to_turn_verification_off() -> None:
    assert "verify" not in inspect.signature(make_http_client).parameters


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate; yields its URL and the
    Authorization headers it received."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with served(server) as port:
        yield f"https://127.0.0.1:{port}", seen


def test_an_untrusted_certificate_is_refused_before_any_secret_is_sent(
    self_signed_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = self_signed_server
    for name in ("PYTHONHTTPSVERIFY", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.setenv(name, "0" if name == "PYTHONHTTPSVERIFY" else "")
    with (
        make_http_client(url) as client,
        pytest.raises(ProviderUnavailable, match="network error") as caught,
        translate_httpx_errors(provider="p", operation="op"),
    ):
        client.get("/v1/user/list", headers={"Authorization": "Bearer not-for-strangers"})
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.__cause__)
    assert seen == []


def test_a_plain_http_platform_url_is_a_manifest_error(tmp_path: Path) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "firm.yaml").write_text(
        "kind: Firm\nname: acme\nproviders:\n  traderpal:\n"
        '    environment: {base_url: "http://api.traderpal.example"}\n'
        "    api_key: ${env:TP_KEY}\n"
    )
    result = CliRunner().invoke(
        main, ["--manifests", str(manifests), "validate"], env={"TP_KEY": "k-123"}
    )
    assert result.exit_code == 1
    assert "firm.yaml:5: providers.traderpal.environment" in result.output
    assert "must use https://" in result.output


def flaky(failures: int) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def send() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise ProviderUnavailable("HTTP 503", provider="p", operation="op")
        return "ok"

    return calls, send


def test_a_safe_call_is_retried_with_doubling_jittered_waits() -> None:
    waits: list[float] = []
    calls, send = flaky(2)
    policy = RetryPolicy(attempts=3, base=0.5)
    result = call_with_retries(
        send, is_safe=True, policy=policy, sleep=waits.append, jitter=lambda: 0.0, what="GET /x"
    )
    assert (result, len(calls), waits) == ("ok", 3, [0.25, 0.5])


def test_an_unsafe_call_is_sent_once() -> None:
    waits: list[float] = []
    calls, send = flaky(1)
    with pytest.raises(ProviderUnavailable):
        call_with_retries(
            send, is_safe=False, policy=RetryPolicy(), sleep=waits.append, jitter=lambda: 1.0,
            what="POST /x",
        )  # fmt: skip
    assert (len(calls), waits) == (1, [])


def test_retries_stop_at_the_waiting_budget() -> None:
    waits: list[float] = []
    calls, send = flaky(100)
    policy = RetryPolicy(attempts=50, base=1.0, cap=4.0, budget=10.0)
    with pytest.raises(ProviderUnavailable):
        call_with_retries(
            send, is_safe=True, policy=policy, sleep=waits.append, jitter=lambda: 1.0, what="GET"
        )
    assert waits == [1.0, 2.0, 4.0]  # a fourth wait of 4 s would pass the 10 s budget
    assert len(calls) == 4


def test_other_errors_are_never_retried() -> None:
    waits: list[float] = []

    def send() -> str:
        raise ProviderRejected("HTTP 400", provider="p", operation="op")

    with pytest.raises(ProviderRejected):
        call_with_retries(
            send, is_safe=True, policy=RetryPolicy(), sleep=waits.append, jitter=lambda: 1.0,
            what="GET",
        )  # fmt: skip
    assert waits == []


class _Item(BaseModel):
    id: int
    name: str


_ITEMS = TypeAdapter(list[_Item])


def test_validate_json_gives_the_models_of_an_answer_of_that_shape() -> None:
    response = httpx.Response(200, content=b'[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]')
    assert validate_json(_ITEMS.validate_python, response) == [
        _Item(id=1, name="a"),
        _Item(id=2, name="b"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"[{",
        b'[{"id": 1, "name": "a"}] trailing',
        b'{"errorText": "no"}',
        b'[{"id": "x"}]',
        "\ufeff[]".encode(),
        "[]".encode("utf-16"),
    ],
)
def test_validate_json_gives_none_for_anything_else(content: bytes) -> None:
    """The caller then judges such an answer as before (not JSON, or an unexpected shape)."""
    assert validate_json(_ITEMS.validate_python, httpx.Response(200, content=content)) is None
