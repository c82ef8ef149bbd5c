"""The optional watch part of the provider contract: backoff timing and who offers a stream."""

from __future__ import annotations

import pytest

from reconciler.providers import PROVIDERS, WatchOptions


@pytest.mark.parametrize(
    ("jitter", "expected"),
    [(0.0, [0.5, 1.0, 2.0, 2.5, 2.5, 2.5]), (1.0, [1.0, 2.0, 4.0, 5.0, 5.0, 5.0])],
    ids=["least", "most"],
)
def test_backoff_doubles_up_to_the_cap_with_jitter(jitter: float, expected: list[float]) -> None:
    options = WatchOptions(backoff_initial=1.0, backoff_max=5.0, jitter=lambda: jitter)
    assert [options.backoff(attempt) for attempt in range(6)] == expected
    assert options.backoff(10_000) == expected[-1]  # no overflow on long outages


def test_only_tradovate_declares_an_event_stream() -> None:
    streams = {name: p.capabilities.watch_kinds for name, p in PROVIDERS.items()}
    assert streams == {
        "tradovate": ("tradovate_entitlement",),
        "tradervue": (),
        "traderpal": (),
    }
    for provider in PROVIDERS.values():
        for kind in provider.capabilities.watch_kinds:
            assert kind in provider.capabilities.kinds
