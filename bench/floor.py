"""The floor a `plan` cannot go below on this machine, measured in the same run: starting
Python, importing the command module, reading the manifest files' bytes, and moving the list
answers of a refresh over the loopback (the same GET requests, answers read as bytes and not
decoded)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.bytecode import compiled
from bench.generate import Platforms

ROUNDS = 3
"""Each floor is the best of this many tries (the machine is shared)."""


@dataclass(frozen=True, slots=True)
class Floor:
    startup: float
    cli_import: float
    manifest_bytes: float
    manifest_size: int
    transfer: float | None
    transfer_bytes: int
    transfer_requests: int

    @property
    def total(self) -> float:
        return self.startup + self.cli_import + self.manifest_bytes + (self.transfer or 0.0)


def best(measure: Callable[[], float], rounds: int = ROUNDS) -> float:
    return min(measure() for _ in range(rounds))


def _python(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def startup_seconds() -> tuple[float, float]:
    """`python -c pass`, and the extra of `import reconciler.cli.main` over it."""
    compiled()
    start = best(lambda: _python("pass"))
    imported = best(lambda: _python("import reconciler.cli.main"))
    return start, max(0.0, imported - start)


def read_manifests(manifests: Path) -> tuple[float, int]:
    """Seconds to list and read every manifest file's bytes (warm cache), and their size."""
    size = 0

    def once() -> float:
        nonlocal size
        started = time.perf_counter()
        size = 0
        for folder, _, names in os.walk(manifests):
            for name in names:
                if name.endswith((".yaml", ".yml")):
                    size += len(Path(folder, name).read_bytes())
        return time.perf_counter() - started

    return best(once), size


def request_log(urls: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every platform request the sandboxes logged since they were last cleared."""
    logs = {}
    for name, url in urls.items():
        entries = httpx.get(f"{url}/_sandbox/requests", timeout=300).json()
        logs[name] = [e for e in entries if e.get("domain") != "admin"]
    return logs


def list_transfer(
    urls: dict[str, str], platforms: Platforms, logs: dict[str, list[dict[str, Any]]]
) -> tuple[float | None, int, int]:
    """Replay the GET requests of `logs` (a refresh's reads) with each platform's credentials,
    reading the answers as bytes: (best seconds, bytes, requests). None when a replay fails
    (the platforms' wire changed under the benchmark)."""
    requests = [
        (name, entry["path"], entry.get("query") or "")
        for name, entries in logs.items()
        for entry in entries
        if entry.get("method") == "GET"
    ]
    try:
        headers = _credentials(urls, platforms)
    except (httpx.HTTPError, KeyError, ValueError):
        return None, 0, len(requests)
    total = 0

    def once() -> float:
        nonlocal total
        total = 0
        with httpx.Client(timeout=600) as client:
            started = time.perf_counter()
            for name, path, query in requests:
                url = f"{urls[name]}{path}" + (f"?{query}" if query else "")
                answer = client.get(url, headers=headers[name])
                answer.raise_for_status()
                total += len(answer.content)
            return time.perf_counter() - started

    try:
        return best(once), total, len(requests)
    except httpx.HTTPError:
        return None, 0, len(requests)


def _credentials(urls: dict[str, str], platforms: Platforms) -> dict[str, dict[str, str]]:
    name, password, sec = platforms.tradovate_login
    token = httpx.post(
        f"{platforms.tradovate_live}/auth/accessTokenRequest",
        json={"name": name, "password": password, "sec": sec},
        timeout=60,
    ).json()["accessToken"]
    basic = httpx.BasicAuth(*platforms.tradervue_login)
    request = httpx.Request("GET", urls["tradervue"])
    tradervue = dict(next(basic.auth_flow(request)).headers)
    agent = {"User-Agent": "reconciler-bench"}
    return {
        "tradovate": {**agent, "Authorization": f"Bearer {token}"},
        "tradervue": {**agent, "Authorization": tradervue["authorization"]},
        "traderpal": {**agent, "Authorization": f"Bearer {platforms.traderpal_key}"},
    }


def measure_floor(
    manifests: Path, urls: dict[str, str], platforms: Platforms, logs: dict[str, list[Any]]
) -> Floor:
    startup, cli_import = startup_seconds()
    seconds, size = read_manifests(manifests)
    transfer, transferred, requests = list_transfer(urls, platforms, logs)
    return Floor(startup, cli_import, seconds, size, transfer, transferred, requests)
