"""Reads of chosen entities in chunks: several calls in flight, answered in order."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from reconciler.providers.tradovate import item_reads


class Calls:
    """A stand-in for `list_of`: each call answers its ids, after waiting for as many calls as
    `together` to be in flight with it (a barrier: calls made one at a time never pass it)."""

    def __init__(self, together: int, *, failing: int | None = None) -> None:
        self.barrier = threading.Barrier(together, timeout=30)
        self.failing = failing
        self.sent: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, *args: Any, params: dict[str, str]) -> list[int]:
        ids = [int(i) for i in params["masterids"].split(",")]
        with self.lock:
            self.sent.extend(ids)
        if self.failing in ids:
            raise RuntimeError(f"call for {ids} failed")
        if len(self.sent) <= 8:  # the first calls of the read wait for their company
            self.barrier.wait()
        return ids


def test_a_chunked_read_keeps_several_calls_in_flight_and_answers_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = Calls(item_reads.READS_AT_ONCE)
    monkeypatch.setattr(item_reads, "list_of", calls)
    monkeypatch.setattr(item_reads, "LDEPS_CHUNK", 1)

    answers = list(item_reads.dependent_chunks(None, "live", "contactInfo", int, range(12)))  # type: ignore[arg-type]

    assert answers == [[n] for n in range(12)]
    assert sorted(calls.sent) == list(range(12))


def test_a_failed_call_ends_the_read_before_the_calls_after_it_are_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = Calls(1, failing=2)
    monkeypatch.setattr(item_reads, "list_of", calls)
    monkeypatch.setattr(item_reads, "LDEPS_CHUNK", 1)

    read = item_reads.dependent_chunks(None, "live", "contactInfo", int, range(40))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match=r"call for \[2\] failed"):
        list(read)

    assert len(calls.sent) < 2 + 2 * item_reads.READS_AT_ONCE
