"""The sandbox's user-data WebSocket (`/{live,demo}/v1/websocket`): the `o`/`h`/`a`/`c` frames,
`authorize`, heartbeats, API requests sent over the socket, and `user/syncrequest`, which
subscribes the connection to `props` events. Timers run on real time; sessions on sandbox time."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.websockets import WebSocket, WebSocketDisconnect

from reconciler.providers.sandbox.reply import Reply
from reconciler.providers.sandbox.server import parse_json_object
from reconciler.providers.tradovate.sandbox.protocol import (
    ACCESS_DENIED,
    DEMO,
    LIVE,
    Call,
    Endpoint,
    error,
    int_or_none,
    ok,
)
from reconciler.providers.tradovate.sandbox.sockets import Outgoing, Socket
from reconciler.providers.tradovate.sandbox.world import Entity

if TYPE_CHECKING:
    from reconciler.providers.tradovate.sandbox.gateway import Sandbox

logger = logging.getLogger(__name__)

HEARTBEAT_TIMEOUT = (3001, "Heartbeat timeout")
SESSION_CLOSED = (3002, "Session closed")
REFUSED = 1013
DROPPED = 1012
_MAX_TICK = 0.25
UNDEFINED = "undefined"
"""The body a JavaScript client writes for a request without one (`JSON.stringify(undefined)`)."""


async def serve_websocket(sandbox: Sandbox, websocket: WebSocket) -> None:
    """Run one connection until the client leaves, a timer closes it or an admin drops it."""
    domain = str(websocket.path_params.get("domain", "")).lower()
    path = websocket.url.path
    if domain not in (LIVE, DEMO) or sandbox.sockets.is_refusing():
        sandbox.log("WS", domain or "unknown", path, 403, sandbox.now())
        await websocket.close(code=REFUSED)
        return
    await websocket.accept()
    host = websocket.client.host if websocket.client is not None else "unknown"
    socket = sandbox.sockets.open(domain, host, sandbox.now())
    sandbox.log("WS", domain, path, 101, sandbox.now())
    reader = asyncio.create_task(_read(websocket, socket.inbox))
    try:
        await websocket.send_text("o")
        await _converse(sandbox, websocket, socket)
    except (WebSocketDisconnect, RuntimeError):  # the client went away mid-send
        logger.debug("websocket %d: client disconnected", socket.id)
    finally:
        reader.cancel()
        sandbox.sockets.close(socket)


async def _read(websocket: WebSocket, inbox: asyncio.Queue[Outgoing]) -> None:
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", "replace")
            inbox.put_nowait(("text", text))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        inbox.put_nowait(("gone", None))


async def _converse(sandbox: Sandbox, websocket: WebSocket, socket: Socket) -> None:
    loop = asyncio.get_running_loop()
    beat, idle = sandbox.config.socket_heartbeat, sandbox.config.socket_idle_timeout
    heard = loop.time()
    next_beat = heard + beat
    while True:
        wait = max(0.0, min(next_beat, heard + idle, loop.time() + _MAX_TICK) - loop.time())
        try:
            kind, value = await asyncio.wait_for(socket.inbox.get(), timeout=wait)
        except TimeoutError:
            kind, value = "tick", None
        if kind == "gone":
            return
        if kind == "drop":
            await websocket.close(code=DROPPED)
            return
        if kind == "push":
            await websocket.send_text("a" + _dumps([value]))
        elif kind == "text":
            heard = loop.time()
            reply = await _answer(sandbox, socket, str(value))
            for part in _parts(sandbox, reply, text=str(value)):
                await websocket.send_text("a" + _dumps([part]))
        now = loop.time()
        if socket.session is not None and not sandbox.sessions.is_open(
            socket.session, sandbox.now()
        ):
            await _close(websocket, SESSION_CLOSED)
            return
        if now - heard >= idle:
            await _close(websocket, HEARTBEAT_TIMEOUT)
            return
        if now >= next_beat:
            await websocket.send_text("h")
            next_beat = now + beat


async def _close(websocket: WebSocket, reason: tuple[int, str]) -> None:
    await websocket.send_text("c" + _dumps(list(reason)))
    await websocket.close(code=1000)


async def _answer(sandbox: Sandbox, socket: Socket, text: str) -> Entity | None:
    """The reply to one client frame: None for a heartbeat (`[]`), else `{s, i, d?}`."""
    if text.strip() in ("", "[]"):
        return None
    endpoint, _, rest = text.partition("\n")
    raw_id, _, rest = rest.partition("\n")
    raw_query, _, raw_body = rest.partition("\n")
    request_id = int_or_none(raw_id.strip())
    route = endpoint.strip().strip("/").lower()
    if request_id is None or not route:
        return {"s": 400, "i": request_id, "d": "Malformed request"}
    now = sandbox.now()
    path = f"/{socket.domain}/v1/{route}"
    if route == "authorize":
        token = _token(raw_body)
        session = sandbox.sessions.session_of(token, now)
        if session is not None and session.user_id not in sandbox.world.users:
            session = None
        if session is None:
            denied = sandbox.denied(token)
            sandbox.log("WS", socket.domain, path, denied.status, now)
            return {"s": denied.status, "i": request_id, "d": denied.payload["errorText"]}
        socket.session = session
        sandbox.log("WS", socket.domain, path, 200, now)
        return {"s": 200, "i": request_id}
    session = socket.session
    if session is None or not sandbox.sessions.is_open(session, now):
        sandbox.log("WS", socket.domain, path, 401, now)
        return {"s": 401, "i": request_id, "d": ACCESS_DENIED}
    revision = sandbox.world.revision
    reply = await sandbox.dispatch(
        socket.domain,
        ("GET", "POST") if _is_bodiless(raw_body) else ("POST", "GET"),
        route,
        token=session.token,
        host=socket.host,
        query={k.lower(): v for k, v in parse_qsl(raw_query.strip())},
        body=lambda: _body(raw_body),
        now=now,
    )
    sandbox.log("WS", socket.domain, path, reply.status, now)
    if sandbox.world.revision != revision:
        sandbox.save()
    if route == SYNC_REQUEST and reply.status == 200 and "users" in (reply.payload or {}):
        socket.subscribed = True
    answer: Entity = {"s": reply.status, "i": request_id}
    if reply.payload is not None:
        answer["d"] = reply.payload
    return answer


def _token(raw: str) -> str:
    """The token of an `authorize` body: raw (`<token>`) or JSON-quoted (`"<token>"`)."""
    text = raw.strip()
    if text.startswith('"'):
        try:
            quoted = json.loads(text)
        except ValueError:
            return text
        return quoted if isinstance(quoted, str) else text
    return text


def _is_bodiless(raw: str) -> bool:
    """An absent, empty or `undefined` body (what a JavaScript client sends for no body)."""
    return raw.strip() in ("", UNDEFINED)


def _parts(sandbox: Sandbox, reply: Entity | None, *, text: str) -> list[Entity]:
    """The frames of one reply: a `user/syncrequest` snapshot asked for with `splitResponses`
    goes in parts of `sync_part_users` users, each a reply with the request's id (assumed)."""
    if reply is None:
        return []
    endpoint, _, rest = text.partition("\n")
    data = reply.get("d")
    if endpoint.strip().strip("/").lower() != SYNC_REQUEST:
        return [reply]
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        return [reply]
    config = sandbox.config
    users: list[Entity] = data["users"]
    if config.sync_user_padding:
        filler = "x" * config.sync_user_padding
        users = [{**user, "padding": filler} for user in users]
    body = parse_json_object(rest.partition("\n")[2].partition("\n")[2]) or {}
    size = config.sync_part_users
    if body.get("splitResponses") is not True or size <= 0 or len(users) <= size:
        return [{**reply, "d": {**data, "users": users}}]
    chunks = [users[start : start + size] for start in range(0, len(users), size)]
    return [{**reply, "d": {**data, "users": chunk}} for chunk in chunks]


async def _body(raw: str) -> Entity | None:
    return {} if _is_bodiless(raw) else parse_json_object(raw)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


SYNC_REQUEST = "user/syncrequest"


def sync_request(call: Call) -> Reply:
    """`user/syncrequest`: a snapshot (`users`, empty `contractGroups`); over the WebSocket it
    also subscribes the connection to `props` events."""
    body = call.body
    wanted = body.get("users")
    if wanted is not None and not (
        isinstance(wanted, list) and all(int_or_none(i) is not None for i in wanted)
    ):
        return error("users should be a list of user ids")
    for flag in ("splitResponses", "fullOrgSnapshot"):
        if flag in body and not isinstance(body[flag], bool):
            return error(f"{flag} should be true or false")
    world = call.world
    is_admin = bool(world.private.get(call.caller or -1, {}).get("isAdmin"))
    organization = world.organization_of(call.caller)
    visible = (
        [u for u in world.users.values() if world.organization_of(u["id"]) == organization]
        if is_admin
        else [world.users[call.caller or -1]]
    )
    if wanted is not None:
        ids = {int_or_none(i) for i in wanted}
        visible = [user for user in visible if user["id"] in ids]
    return ok({"users": visible, "contractGroups": []})


ENDPOINTS = (Endpoint("POST", SYNC_REQUEST, sync_request),)
