"""A local emulator of the Tradovate partner API (LIVE at `/live/v1`, DEMO at `/demo/v1`, its own
admin API at `/_sandbox`), served over real HTTP for the quick start, the tests and benchmarks.

Choices made where the platform's documents are silent (the wire contract's gap choices):

| topic              | choice                                                                   |
|--------------------|--------------------------------------------------------------------------|
| bad credentials    | HTTP 200 + "Incorrect username or password. ..." (never 401)             |
| tokens, sessions   | 5400 s, valid on both domains; a 3rd login closes the oldest session;    |
|                    | tokens live in memory only (not in `data_path`)                          |
| no / expired token | HTTP 401 `{"errorText": "Access is denied"}`; the same for non-admins on |
|                    | admin operations (create, cancel, revoke, entitle, auto-liq, contacts)   |
| closed session     | the token of a session a 3rd login closed: HTTP 408 `{"errorText":       |
|                    | "Session closed"}` (the docs: "408/429/500-class errors"; 429 would read |
|                    | as a lockout, 5xx as an outage; wording `assumed`); `authorize` too      |
| token answer       | accessToken, expirationTime, passwordExpirationTime (a year after the    |
|                    | token's expiry, `assumed`), userId, name, userStatus, hasLive, hasSimPlus|
| `/auth/me`         | every OAuthMeResponse field: emailVerified (status not UnconfirmedEmail),|
|                    | isTrial false, currentAccountPlan (plan of the first live subscription,  |
|                    | absent without one), currentMDSubs (CMEGROUP_TOP per unexpired market    |
|                    | data subscription), currentBalance 0, activePlugins (approved plugins)   |
| user-level limits  | per user (anonymous: per client IP), windows of 1 s, 1 min and 1 h;      |
|                    | over -> 429 empty body + lockout, restarted by requests during it        |
| endpoint limits    | per client IP and endpoint, 1 h window; p-time = back-off * 2^(k-1),     |
|                    | k = tickets in the last hour, cap 3600 s; contact changes 1000/h, 1 s    |
|                    | (assumed, as are ldeps' 1000 master ids: see limits.py)                  |
| p-ticket resend    | body `"p-ticket"` as the vendor's examples resend it, over HTTP and the  |
|                    | WebSocket (accesstokenrequest also `Authorization: Bearer`); a matured   |
|                    | unused ticket admits once; early, unknown or used -> new ticket          |
| p-captcha          | every accesstokenrequest ticket (the vendor's README: a login penalty    |
|                    | "will always have the p-captcha: true"; p-time still follows the docs'   |
|                    | 15 s back-off); such a ticket never admits a resend. Configurable        |
|                    | (`Limits.captcha_after_tickets`); injected `penalty` faults never carry  |
|                    | it                                                                       |
| failed request     | 4xx, whole-call errorText, `ok: false`, or any per-item errorText        |
| wrong domain       | HTTP 200 "This endpoint should be called on {live,demo}.tradovateapi.com"|
| domains            | users, contacts, entitlements, plugins, alerts, market data: LIVE;       |
|                    | accounts, permissions, auto-liq: DEMO; cancel, plans, subscriptions: both|
| per-item errors    | fixed texts checked in the contract's order; items independent; a name   |
|                    | or e-mail is taken once an earlier item of the batch created it          |
| names at creation  | kept privately (User has no names) for permissions and MDA signals until |
|                    | contact info exists; creating a user creates no ContactInfo              |
| contact validation | "<Label> should be specified" with labels First Name, Last Name, Street  |
|                    | Address 1, City, Country, Phone; then country, state, names, phone       |
| account names      | unique among accounts with closed=false; `find?name=` ignores case;      |
|                    | name violations (400) are checked before "Empty" and the 100 limit       |
| account owner      | the template's userId (the org admin); the trader holds the permission   |
| auto-liq update    | full replace of the post-trade fields; its id is the account id          |
| revoke             | permissions stay listed as Revoked; an account whose permissions are all |
|                    | revoked gets closed=true and frees its name                              |
| cancelEverything   | omitted flags false; LIVE: subscriptions, plugins, market data; DEMO:    |
|                    | permissions; answers only the ids this call cancelled                    |
| cancelled plugin   | approval false, autorenewal false, expirationDate = that day; a new      |
|                    | addentitlementsubscription is then allowed                               |
| Sim+ entitlement   | needs the MDA signed; also grants a CMEGROUP_TOP market data subscription|
| MDA signal         | alert 70; listed while in the current ISO week (UTC) and not archived;   |
|                    | subjectId = contact id (user id without one); completion is idempotent   |
| admin user delete  | also removes its contact, plugins, subscriptions and permissions; its    |
|                    | accounts left without an active permission are closed                    |
| request log        | full lower-case path, sandbox-clock epoch `time`; reading or clearing    |
|                    | the log is not logged; `GET /_sandbox/limits` counts 429s and tickets    |
| persistence        | `data_path` saved after each change; once a save takes long (large       |
|                    | worlds), at most every 10x its time, and on stop (a kill may lose the    |
|                    | changes since the last save)                                             |
| malformed body     | HTTP 400 `{"errorText": "Malformed JSON"}` (also for a non-object body)  |
| unknown route      | HTTP 404 `{"errorText": "Unknown operation"}` (the platform's error      |
|                    | shape; wording `assumed`), e.g. contract/find, product/find, which the   |
|                    | sandbox does not model; a missing entity stays 404 with an empty body    |
| accounts           | the spec's Account fields: restricted false, closed, evaluationSize (the |
|                    | initial balance; absent on templates), readonly; no `active` nor         |
|                    | `archived` (neither is in the spec's Account)                            |
| market data socket | out of scope: no `md` WebSocket, no quotes, DOM or charts               |
| WebSocket          | `/{live,demo}/v1/websocket`: `o` on open, `h` every 2.5 s; a connection  |
|                    | silent for 10 s (no `[]` heartbeat) gets `c[3001,"Heartbeat timeout"]`   |
| ws authorisation   | `authorize` with the token raw (`<token>`) or JSON-quoted (`"<token>"`,  |
|                    | as the vendor's socket class sends it) binds the connection to the       |
|                    | token's session; other requests before it get `{"s":401}`; the session's |
|                    | end (expiry, a 3rd login) sends `c[3002,"Session closed"]`; a token      |
|                    | renewal keeps the connection                                             |
| ws requests        | every API endpoint; an absent, empty or `undefined` body (what a        |
|                    | JavaScript client sends for none) means no parameters, GET tried first;  |
|                    | with a body POST is tried before GET; same limits as HTTP; logged with   |
|                    | method `WS` (the connection itself: status 101)                          |
| syncrequest        | `users` (an admin: the organisation's) and empty `contractGroups`, one   |
|                    | message even with splitResponses; on a socket it subscribes to `props`   |
| signature event    | `props` `OtherEnvAdminAlertSignal`/`Created`, `{adminAlertSignal}` in a  |
|                    | `d` list, to subscribed LIVE connections of the signer's firm's admins   |
|                    | (signals are LIVE entities; the guide subscribes on live.tradovateapi)   |
| ws drop            | `_sandbox/websockets/drop` closes every connection (1012, no `c` frame)  |
|                    | and refuses new ones (HTTP 403) for `refuse_seconds` of real time        |
| tenants (gap 13)   | other firms (`Seed.tenants`; `OTHER_ADMIN` of org 2 is seeded): users  |
|                    | and what they own are listed, read and changed only by callers of the  |
|                    | same organisation (others get 404, empty lists or "User not found");   |
|                    | plans, entitlements and alerts are shared catalogues; names and e-mails|
|                    | stay unique platform-wide                                              |
| account lifecycle  | resets, risk categories, admin actions: see `risk` (what it assumes)     |
| injected faults    | `/_sandbox/faults` (see `faults`): 429 has an empty body, 5xx an |
|                    | errorText; `penalty` issues a real ticket of `seconds` for the endpoint; |
|                    | `expire-token` ends the caller's session before the request is served   |
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket

from reconciler.providers.json_file import kept_requests
from reconciler.providers.sandbox.faults import Fault, FaultInjector, faults_file
from reconciler.providers.sandbox.server import RunningServer, catch_all_app, serve_app
from reconciler.providers.tradovate.sandbox import accounts as sandbox_accounts
from reconciler.providers.tradovate.sandbox import auth as sandbox_auth
from reconciler.providers.tradovate.sandbox import entitlements as sandbox_entitlements
from reconciler.providers.tradovate.sandbox import risk as sandbox_risk
from reconciler.providers.tradovate.sandbox import users as sandbox_users
from reconciler.providers.tradovate.sandbox import websocket as sandbox_websocket
from reconciler.providers.tradovate.sandbox.config import (
    DEFAULT_ADMIN,
    OTHER_ADMIN,
    EndpointLimit,
    Limits,
    SandboxConfig,
    Seed,
    TemplateAccount,
    Tenant,
    UserLimit,
)
from reconciler.providers.tradovate.sandbox.gateway import Sandbox
from reconciler.providers.tradovate.sandbox.reads import read_endpoints
from reconciler.providers.tradovate.sandbox.websocket import serve_websocket

__all__ = [
    "DEFAULT_ADMIN",
    "OTHER_ADMIN",
    "EndpointLimit",
    "Fault",
    "Limits",
    "SandboxConfig",
    "SandboxServer",
    "Seed",
    "TemplateAccount",
    "Tenant",
    "UserLimit",
    "create_app",
    "serve_sandbox",
]


class SandboxServer(RunningServer):
    """A running Tradovate sandbox; `live_url` and `demo_url` are the two API base URLs."""

    @property
    def live_url(self) -> str:
        """Base URL of the LIVE domain (`.../live/v1`)."""
        return f"{self.url}/live/v1"

    @property
    def demo_url(self) -> str:
        """Base URL of the DEMO domain (`.../demo/v1`)."""
        return f"{self.url}/demo/v1"

    config: SandboxConfig = SandboxConfig()
    """The configuration it was served with (its seed names the logins)."""

    @property
    def live_websocket_url(self) -> str:
        """The LIVE user-data WebSocket (`ws://.../live/v1/websocket`)."""
        return _websocket(self.live_url)

    @property
    def demo_websocket_url(self) -> str:
        """The DEMO user-data WebSocket (`ws://.../demo/v1/websocket`)."""
        return _websocket(self.demo_url)

    def environment(self) -> dict[str, str]:
        """The Firm manifest's `environment` pointing at this sandbox."""
        return {"live_url": self.live_url, "demo_url": self.demo_url}

    def connection(self) -> list[tuple[str, str]]:
        """The REST and WebSocket URLs and the seeded administrators' logins."""
        seed = self.config.seed
        admins = [
            (
                f"login ({seed.organization_name} admin)",
                _login(seed.admin_name, seed.admin_password, seed.admin_sec),
            ),
            *(
                (
                    f"login ({t.organization_name} admin)",
                    _login(t.admin_name, t.admin_password, t.admin_sec),
                )
                for t in seed.tenants
            ),
        ]
        return [
            ("LIVE REST", self.live_url),
            ("DEMO REST", self.demo_url),
            ("LIVE WebSocket", self.live_websocket_url),
            ("DEMO WebSocket", self.demo_websocket_url),
            ("market-data WebSocket", "not served (out of scope)"),
            *admins,
        ]


def _websocket(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/websocket"


def _login(name: str, password: str, sec: str) -> str:
    return f"name={name} password={password} sec={sec}"


def create_app(
    config: SandboxConfig | None = None, *, clock: Callable[[], float] | None = None
) -> ASGIApp:
    """The sandbox as an ASGI app behind its fault injector (loads `config.data_path` when
    that file exists)."""
    return _app(_sandbox(config, clock))


def _sandbox(config: SandboxConfig | None, clock: Callable[[], float] | None) -> Sandbox:
    endpoints = (
        *sandbox_auth.ENDPOINTS,
        *sandbox_users.ENDPOINTS,
        *sandbox_accounts.ENDPOINTS,
        *sandbox_entitlements.ENDPOINTS,
        *sandbox_risk.ENDPOINTS,
        *sandbox_websocket.ENDPOINTS,
        *read_endpoints(),
    )
    return Sandbox(config or SandboxConfig(), clock=clock or time.time, endpoints=endpoints)


def _app(sandbox: Sandbox) -> ASGIApp:
    config = sandbox.config

    async def websocket(socket: WebSocket) -> None:
        await serve_websocket(sandbox, socket)

    route = WebSocketRoute("/{domain}/v1/websocket", websocket)
    return FaultInjector(
        catch_all_app(sandbox, state=sandbox, websockets=[route]),
        render=sandbox.fault_answer,
        faults=config.faults,
        seed=config.fault_seed,
        path=faults_file(config.data_path),
        custom={"penalty": sandbox.penalty, "expire-token": sandbox.expire_token},
        record=sandbox.log_injected,
    )


def serve_sandbox(
    config: SandboxConfig | None = None,
    *,
    clock: Callable[[], float] | None = None,
    port: int = 0,
) -> SandboxServer:
    """Serve a sandbox on 127.0.0.1 (`port` 0 picks a free one); use it as a context manager."""
    sandbox = _sandbox(config, clock)
    running = serve_app(_app(sandbox), port=port)
    on_stop = kept_requests(sandbox.requests, sandbox.config.data_path, then=sandbox.flush)
    server = SandboxServer(running.server, running.thread, on_stop=on_stop)
    server.config = sandbox.config
    return server
