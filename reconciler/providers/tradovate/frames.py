"""The user-data WebSocket's text frames: requests out (`endpoint\\nid\\nquery\\nbody`), and in
`o` (open), `h` (heartbeat), `a[...]` (responses `{s, i, d}` and events `{e, d}`), `c[code,
reason]` (close). Pure functions; the connection loop lives in `stream`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

HEARTBEAT = "[]"
"""What the client sends to show it is alive."""


@dataclass(frozen=True, slots=True)
class Response:
    """The answer to request `request_id`: an HTTP-like `status` and the payload `data`."""

    request_id: int | None
    status: int
    data: Any = None


@dataclass(frozen=True, slots=True)
class Push:
    """An event the server pushed, e.g. `props` with entity changes in `data`."""

    name: str
    data: Any = None


@dataclass(frozen=True, slots=True)
class Frame:
    """One server frame: `kind` is `o`, `h`, `a` or `c`; `messages` for `a`, `close` for `c`."""

    kind: str
    messages: tuple[Response | Push, ...] = ()
    close: tuple[int, str] | None = field(default=None)


class FrameError(ValueError):
    """A frame that does not follow the protocol (the connection is then dropped)."""


def encode_request(
    endpoint: str, request_id: int, *, query: str = "", body: str | Mapping[str, Any] = ""
) -> str:
    """A request frame; a mapping body is sent as compact JSON, a string as it is."""
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return f"{endpoint}\n{request_id}\n{query}\n{text}"


def parse_frame(text: str) -> Frame:
    """Decode one server frame; raises FrameError on anything else."""
    if not text:
        raise FrameError("empty frame")
    kind, rest = text[0], text[1:]
    if kind in ("o", "h"):
        return Frame(kind)
    if kind not in ("a", "c"):
        raise FrameError(f"unknown frame type {kind!r}")
    try:
        payload = json.loads(rest)
    except ValueError as exc:
        raise FrameError(f"frame {kind!r} does not hold JSON") from exc
    if not isinstance(payload, list):
        raise FrameError(f"frame {kind!r} does not hold a JSON array")
    if kind == "c":
        code = payload[0] if payload and isinstance(payload[0], int) else 0
        reason = payload[1] if len(payload) > 1 and isinstance(payload[1], str) else ""
        return Frame("c", close=(code, reason))
    return Frame("a", tuple(_message(item) for item in payload))


def _message(item: object) -> Response | Push:
    if not isinstance(item, dict):
        raise FrameError("a message is not a JSON object")
    if "e" in item:
        return Push(str(item["e"]), item.get("d"))
    status = item.get("s")
    if not isinstance(status, int) or isinstance(status, bool):
        raise FrameError("a response has no status")
    request_id = item.get("i")
    return Response(request_id if isinstance(request_id, int) else None, status, item.get("d"))


def entity_changes(push: Push) -> list[Mapping[str, Any]]:
    """The `{entityType, eventType, entity}` items of a `props` push (`d` is one or a list)."""
    if push.name != "props":
        return []
    items = push.data if isinstance(push.data, list) else [push.data]
    return [item for item in items if isinstance(item, Mapping)]
