"""The three platform sandboxes in a process of their own, as the benchmark drives them.

Run as `python -m bench.sandboxes [options]`: prints one JSON line with the URLs, then obeys
lines on stdin: `latency <seconds>` (for every sandbox), `quit`. In its own process the
sandboxes neither share reconciler's interpreter lock nor count in its peak memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from types import MappingProxyType
from typing import IO, Any

LOG_SIZE = 5_000_000
"""Requests each sandbox remembers: every call of a 100,000-trader apply, to count them."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-minute limits for the paced run (None: the platform's unlimited for throughput)."""

    tradovate_per_minute: int | None = None
    tradovate_contacts_per_minute: int | None = None
    tradervue_per_minute: int | None = None

    def arguments(self) -> list[str]:
        pairs = (
            ("--tradovate-per-minute", self.tradovate_per_minute),
            ("--tradovate-contacts-per-minute", self.tradovate_contacts_per_minute),
            ("--tradervue-per-minute", self.tradervue_per_minute),
        )
        return [part for flag, value in pairs if value is not None for part in (flag, str(value))]


class Sandboxes:
    """A running sandbox process: `urls` from its first line; a context manager."""

    def __init__(self, *, latency: float = 0.0, limits: Limits | None = None) -> None:
        command = [sys.executable, "-m", "bench.sandboxes", "--latency", str(latency)]
        command += (limits or Limits()).arguments()
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process did not start")
        self.urls: dict[str, str] = json.loads(line)

    def latency(self, seconds: float) -> None:
        self._send(f"latency {seconds}")

    def _send(self, line: str) -> None:
        stdin: IO[str] | None = self._process.stdin
        assert stdin is not None
        assert self._process.stdout is not None
        stdin.write(line + "\n")
        stdin.flush()
        self._process.stdout.readline()  # acknowledged

    def close(self) -> None:
        if self._process.poll() is None:
            self._send("quit")
            self._process.wait(30)

    def __enter__(self) -> Sandboxes:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _tradovate_config(latency: float, options: argparse.Namespace) -> Any:
    from reconciler.providers.tradovate.sandbox import EndpointLimit, SandboxConfig, UserLimit
    from reconciler.providers.tradovate.sandbox import Limits as TradovateLimits

    limits = TradovateLimits.unlimited()
    if options.tradovate_per_minute or options.tradovate_contacts_per_minute:
        huge = 10**12
        per_minute = options.tradovate_per_minute or huge
        endpoints: Mapping[str, EndpointLimit] = dict(TradovateLimits().endpoints)
        if options.tradovate_contacts_per_minute:
            endpoints = {
                **endpoints,
                "contactinfo/updatecontactinfo": EndpointLimit(
                    options.tradovate_contacts_per_minute, 1, True, window_seconds=60.0
                ),
            }
        limits = TradovateLimits(
            authenticated=UserLimit(per_second=huge, per_minute=per_minute, per_hour=huge),
            anonymous=UserLimit(per_second=huge, per_minute=huge, per_hour=huge),
            endpoints=MappingProxyType(endpoints),
        )
    return SandboxConfig(limits=limits, latency=latency, request_log_size=LOG_SIZE)


def _sandbox_of(app: Any) -> Any:
    """The sandbox behind an app from `create_app` (its fault injector wraps the Starlette
    app that keeps the sandbox in its state)."""
    return app.app.state.sandbox


def main() -> None:
    from reconciler.providers.sandbox.server import serve_app
    from reconciler.providers.traderpal import sandbox as traderpal
    from reconciler.providers.tradervue import sandbox as tradervue
    from reconciler.providers.tradovate import sandbox as tradovate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--tradovate-per-minute", type=int)
    parser.add_argument("--tradovate-contacts-per-minute", type=int)
    parser.add_argument("--tradervue-per-minute", type=int)
    options = parser.parse_args()
    latency = options.latency
    tradervue_limit = None
    if options.tradervue_per_minute:
        tradervue_limit = tradervue.SandboxRateLimit(options.tradervue_per_minute, 60.0)
    apps = {
        "tradovate": tradovate.create_app(_tradovate_config(latency, options)),
        "tradervue": tradervue.create_app(
            tradervue.SandboxConfig(
                latency=latency, rate_limit=tradervue_limit, request_log_size=LOG_SIZE
            )
        ),
        "traderpal": traderpal.create_app(
            traderpal.SandboxConfig(latency=latency, request_log_size=LOG_SIZE)
        ),
    }
    with ExitStack() as stack:
        urls = {name: stack.enter_context(serve_app(app)).url for name, app in apps.items()}
        print(json.dumps(urls), flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "latency":
                for app in apps.values():
                    sandbox = _sandbox_of(app)
                    sandbox.config = dataclasses.replace(sandbox.config, latency=float(argument))
            print("ok", flush=True)
            if command == "quit":
                break


if __name__ == "__main__":
    main()
