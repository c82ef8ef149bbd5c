"""Answers of the shared httpx client are freed by reference counting alone: a large plan
runs with the cyclic collector paused."""

from __future__ import annotations

import gc
import weakref

import httpx

from reconciler.collector import quiet_gc
from reconciler.providers.http import make_http_client


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=[{"id": n} for n in range(100)])


def test_a_read_answer_is_freed_once_dropped_while_the_collector_is_paused() -> None:
    client = make_http_client("https://x.test/v1", transport=httpx.MockTransport(answer))
    gc.collect()
    with quiet_gc():
        response = client.get("/list")
        assert len(response.json()) == 100
        gone = weakref.ref(response)
        del response
        assert gone() is None


def test_a_streamed_answer_still_streams() -> None:
    client = make_http_client("https://x.test/v1", transport=httpx.MockTransport(answer))
    with client.stream("GET", "/list") as response:
        body = b"".join(response.iter_bytes())
    assert body.startswith(b"[{")
