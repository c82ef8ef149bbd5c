"""The conformance bundle's log: every request and answer (HTTP and WebSocket) as JSON lines,
with secrets redacted and timings, each tagged with the checklist line it is evidence for."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

REDACTED = "(redacted)"
SECRET_KEYS = frozenset(
    {"password", "sec", "accesstoken", "mdaccesstoken", "p-ticket", "currentpassword", "token"}
)
"""JSON keys (compared without case) whose values never reach the log."""
_AUTHORIZE = re.compile(r"^(authorize\n\d+\n[^\n]*\n).*$", re.DOTALL)


def redact(value: Any) -> Any:
    """`value` with every secret-keyed entry replaced by REDACTED, recursively."""
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in SECRET_KEYS and v is not None else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def redact_frame(text: str) -> str:
    """A WebSocket request frame with the token of an `authorize` request redacted."""
    return _AUTHORIZE.sub(lambda m: m.group(1) + REDACTED, text)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One logged request and its answer; `line` is the checklist line being checked."""

    seq: int
    line: str
    channel: str
    method: str
    url: str
    request: Any
    status: int | None
    answer: Any
    started: float
    milliseconds: float


class Recorder:
    """Appends exchanges to a JSON-lines file and keeps them for the report."""

    def __init__(self, path: Path, *, clock: Callable[[], float]) -> None:
        self._path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._line = "setup"
        self.exchanges: list[Exchange] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    @contextmanager
    def line(self, line_id: str) -> Iterator[None]:
        """Tag what is recorded inside with `line_id`."""
        previous, self._line = self._line, line_id
        try:
            yield
        finally:
            self._line = previous

    def add(
        self,
        *,
        channel: str,
        method: str,
        url: str,
        request: Any,
        status: int | None,
        answer: Any,
        started: float,
        milliseconds: float,
    ) -> Exchange:
        with self._lock:
            exchange = Exchange(
                len(self.exchanges) + 1,
                self._line,
                channel,
                method,
                url,
                redact(request),
                status,
                redact(answer),
                round(started, 3),
                round(milliseconds, 1),
            )
            self.exchanges.append(exchange)
            with self._path.open("a") as out:
                out.write(json.dumps(asdict(exchange), sort_keys=True) + "\n")
        return exchange

    def since(self, seq: int) -> list[Exchange]:
        return self.exchanges[seq:]


class RecordingTransport(httpx.BaseTransport):
    """An httpx transport that logs every exchange through a Recorder."""

    def __init__(
        self, recorder: Recorder, *, inner: httpx.BaseTransport, clock: Callable[[], float]
    ) -> None:
        self._recorder = recorder
        self._inner = inner
        self._clock = clock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = self._clock()
        body: Any = None
        if request.content:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = "(not JSON)"
        try:
            response = self._inner.handle_request(request)
        except httpx.HTTPError as exc:
            self._recorder.add(
                channel="http", method=request.method, url=str(request.url), request=body,
                status=None, answer=f"{type(exc).__name__}: {exc}", started=started,
                milliseconds=(self._clock() - started) * 1000,
            )  # fmt: skip
            raise
        response.read()
        try:
            answer: Any = response.json() if response.content else None
        except ValueError:
            answer = "(not JSON)"
        self._recorder.add(
            channel="http", method=request.method, url=str(request.url), request=body,
            status=response.status_code, answer=answer, started=started,
            milliseconds=(self._clock() - started) * 1000,
        )  # fmt: skip
        return response

    def close(self) -> None:
        self._inner.close()
