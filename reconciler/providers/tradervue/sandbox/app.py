"""A local emulator of the Tradervue organisation users API (at `/api/v1`, its own admin API at
`/_sandbox`), served over real HTTP for the quick start, the tests and benchmarks.

Choices made where the platform's documents are silent (the provider facts' gaps T1-T20):

| #   | topic               | choice                                                              |
|-----|---------------------|---------------------------------------------------------------------|
| T1  | offboarding         | no DELETE: it (and any unrouted request) answers 404                |
|     |                     | `{"error": "Not found"}`; the provider downgrades to Free instead   |
| T2  | username uniqueness | site-wide (every organisation), case-insensitive; 400               |
|     |                     | "username has already been taken"                                   |
| T3  | e-mail uniqueness   | site-wide, case-insensitive; 400 "email has already been taken"     |
| T4  | formats             | username 1-40 characters (configurable), no whitespace; e-mail      |
|     |                     | `x@y.z`; otherwise 400                                              |
| T5  | plans               | Free, Silver, Gold (configurable list) matched case-insensitively,  |
|     |                     | stored and returned in title case                                   |
| T6  | billing_mode        | read-only; API-created users are `Managed`, others are ignored      |
| T7  | unknown fields      | ignored silently on POST and PUT                                    |
| T8  | trial_end           | strict `YYYY-MM-DD`, after today (UTC, sandbox clock), at most      |
|     |                     | today + `max_trial_days` (30); create only, ignored on PUT          |
| T9  | trial expiry        | the plan is kept; `/_sandbox/world` shows `trial_expired`;          |
|     |                     | `POST /_sandbox/trials/expire` downgrades ended trials to Free      |
| T10 | mentor              | an organisation member whose current plan is Silver or Gold;        |
|     |                     | otherwise 400 "mentor is not eligible"                              |
| T11 | settings            | enums, commissions numbers or numeric strings >= 0 (kept as decimal |
|     |                     | strings), 0-4 charts; all errors joined after "Invalid request: "; |
|     |                     | never returned by the API, shown by `GET /_sandbox/users/{name}`    |
| T12 | password            | required on create, at least 6 characters (configurable), kept as a |
|     |                     | salted digest, never returned, ignored on PUT                       |
| T13 | empty PUT           | 200 with an empty body                                              |
| T14 | credentials         | bad or missing: 401 + `WWW-Authenticate: Basic`; a valid login that |
|     |                     | is not the organisation manager: 403 `{"error": ...}`; the login    |
|     |                     | name matches case-insensitively                                     |
| -   | organisations       | several: `other-prop` (manager `other-manager`) is seeded too; each |
|     |                     | manager lists, reads and changes only its own members (another's    |
|     |                     | user ids answer 404); usernames and e-mails stay site-wide (T2, T3) |
| T15 | order of checks     | (injected faults,) User-Agent -> 400, auth -> 401/403, malformed    |
|     |                     | JSON -> 400 "Invalid request: malformed JSON", route -> 404,        |
|     |                     | validation -> 400                                                   |
| T16 | the manager         | seeded, listed by `GET /users`, and untouchable by admin actions    |
| T17 | ids and order       | sequential integers from `id_start` (10000), lists ascending by id  |
| T18 | last_login          | null until `POST /_sandbox/users/{name}/login`                      |
| T19 | after a PUT         | empty body; the client reads the user back with `GET /users/{id}`   |
| T20 | rate limits         | none by default; `rate_limit` config answers 429 + Retry-After;     |
|     |                     | `/_sandbox/faults` (see `faults`) injects 429/5xx, resets,  |
|     |                     | delays and malformed answers per method and path pattern            |
| -   | leaving the org     | `POST /_sandbox/users/{name}/remove`: the user leaves the           |
|     |                     | organisation (404 to the API) but keeps its login, so its username  |
|     |                     | and e-mail stay taken                                               |
| -   | request log         | method, domain (api/admin), path, status, sandbox-clock epoch       |
|     |                     | `time`; never bodies; reading or clearing the log is not logged     |
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp

from reconciler.providers.json_file import kept_requests
from reconciler.providers.sandbox.faults import Fault, FaultInjector, faults_file
from reconciler.providers.sandbox.server import RunningServer, catch_all_app, serve_app
from reconciler.providers.tradervue.sandbox.config import (
    DEFAULT_MANAGER,
    OTHER_MANAGER,
    Organization,
    Outsider,
    SandboxConfig,
    SandboxRateLimit,
    Seed,
)
from reconciler.providers.tradervue.sandbox.gateway import Sandbox

__all__ = [
    "DEFAULT_MANAGER",
    "OTHER_MANAGER",
    "Fault",
    "Organization",
    "Outsider",
    "SandboxConfig",
    "SandboxRateLimit",
    "SandboxServer",
    "Seed",
    "create_app",
    "serve_sandbox",
]


class SandboxServer(RunningServer):
    """A running Tradervue sandbox; `base_url` is the API root (`.../api/v1`)."""

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/v1"

    config: SandboxConfig = SandboxConfig()
    """The configuration it was served with (its seed names the logins)."""

    def environment(self) -> dict[str, str]:
        """The Firm manifest's `environment` pointing at this sandbox."""
        return {"base_url": self.base_url}

    def connection(self) -> list[tuple[str, str]]:
        """The API root and the seeded managers' logins (HTTP Basic)."""
        seed = self.config.seed
        managers = [(seed.organization, seed.manager_username, seed.manager_password)]
        managers += [
            (o.organization, o.manager_username, o.manager_password) for o in seed.organizations
        ]
        return [
            ("API", self.base_url),
            *(
                (f"login ({org} manager, HTTP Basic)", f"username={user} password={password}")
                for org, user, password in managers
            ),
        ]


def create_app(
    config: SandboxConfig | None = None, *, clock: Callable[[], float] | None = None
) -> ASGIApp:
    """The sandbox as an ASGI app behind its fault injector (loads `config.data_path` when
    that file exists)."""
    return _app(Sandbox(config or SandboxConfig(), clock=clock or time.time))


def _app(sandbox: Sandbox) -> ASGIApp:
    config = sandbox.config
    return FaultInjector(
        catch_all_app(sandbox, state=sandbox),
        render=sandbox.fault_answer,
        faults=config.faults,
        seed=config.fault_seed,
        path=faults_file(config.data_path),
        record=sandbox.log_injected,
    )


def serve_sandbox(
    config: SandboxConfig | None = None,
    *,
    clock: Callable[[], float] | None = None,
    port: int = 0,
) -> SandboxServer:
    """Serve a sandbox on 127.0.0.1 (`port` 0 picks a free one); use it as a context manager."""
    sandbox = Sandbox(config or SandboxConfig(), clock=clock or time.time)
    running = serve_app(_app(sandbox), port=port)
    on_stop = kept_requests(sandbox.requests, sandbox.config.data_path, then=sandbox.flush)
    server = SandboxServer(running.server, running.thread, on_stop=on_stop)
    server.config = sandbox.config
    return server
