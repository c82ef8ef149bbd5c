"""A local emulator of the TraderPal Connect users API (`/v1/users` at the root, its own admin API
at `/_sandbox`), served over real HTTP for the quick start, the tests and benchmarks.

Choices made where the platform's documents are silent (the Gaps P1-P20 of the provider facts):

| #   | topic              | choice                                                              |
|-----|--------------------|---------------------------------------------------------------------|
| P1  | auth               | `Authorization: Bearer <key>`, keys in `SandboxConfig.api_keys`;    |
|     |                    | none or unknown -> 401 `unauthorized`; a read-only key writing ->   |
|     |                    | 403 `forbidden`                                                     |
| -   | partners           | each key belongs to a partner (`partners`; the default one when not |
|     |                    | listed; `OTHER_PARTNER_API_KEY` is another's): a partner lists,     |
|     |                    | reads and changes only the users it created (others' ids -> 404);   |
|     |                    | e-mails stay unique over every partner (P7)                         |
| P2  | base URL           | `/v1/...` served at the root; the client takes the host from config |
| P3  | create answer      | 201 with the full user, no Location header                          |
| P4  | required on create | email, firstName, lastName; dateOfBirth, country, phoneNumber are   |
|     |                    | optional and answered as null when not given                        |
| P5  | 400 vs 422         | 400 `invalid_request`: bad JSON, non-object body, wrong type,       |
|     |                    | missing required or unknown field, bad limit/offset/status query;   |
|     |                    | 422 `invalid_user_data` (details.field, details.reason) otherwise   |
| P6  | formats            | e-mail RFC-like (<= 254); country `^[A-Z]{2}$` (whether the code is |
|     |                    | assigned is not checked); phone E.164; dateOfBirth YYYY-MM-DD, a    |
|     |                    | real date, not in the future, age >= `min_age` (18) on the sandbox  |
|     |                    | clock's UTC date; names 1-100 characters after trimming             |
| P7  | e-mail uniqueness  | case-insensitive over every user, closed ones included: 409         |
|     |                    | `email_exists` on create (and on the admin update)                  |
| P8  | PATCH fields       | firstName, lastName, phoneNumber, country, dateOfBirth (null clears |
|     |                    | the last three), status; email, userId, createdAt, updatedAt,       |
|     |                    | verificationStatus -> 422 `field_not_updatable`; others -> 400      |
| P9  | status changes     | no DELETE (405 `method_not_allowed`); PATCH status: active <->      |
|     |                    | suspended, pending_verification/active/suspended -> closed, the     |
|     |                    | same status is no change; anything else, and any PATCH of a closed  |
|     |                    | user -> 409 `invalid_state_transition` (412 is never used);         |
|     |                    | pending_verification -> active only by the admin `activate` action  |
|     |                    | or `auto_activate`                                                  |
| P10 | closed users       | still answered by GET and listed when no status filter is given    |
| P11 | status filter      | the four statuses, `pending` meaning pending_verification; else 400 |
| P12 | paging             | sorted by (createdAt, userId); limit 1-1000 (default 100), offset   |
|     |                    | >= 0, else 400; metadata.total counts the filtered set; no e-mail   |
|     |                    | filter                                                              |
| P13 | user ids           | `usr_` + 12 lower-case letters or digits; an unknown or malformed   |
|     |                    | id -> 404 `not_found`                                               |
| P14 | answers            | every endpoint (list items too) returns the full user: the input    |
|     |                    | fields, status, createdAt, updatedAt, verificationStatus; with      |
|     |                    | `documented_shapes` only the fields the document's example of that |
|     |                    | answer shows (the client must then keep the others from state)      |
| P15 | verificationStatus | email/identity/address all `pending` at create; `activate` makes    |
|     |                    | them `verified` (`auto_activate`: verified and active at create)    |
| P16 | idempotency        | POST /v1/users honours `Idempotency-Key` per API key: a 201 is      |
|     |                    | replayed for 24 h (header `Idempotent-Replayed: true`); the same    |
|     |                    | key with another body -> 422 `idempotency_key_reused`; errors are   |
|     |                    | not remembered; keys live in memory only                            |
| P17 | rate limits        | none; faults (config or `/_sandbox/faults`, see `faults`)   |
|     |                    | answer method/path patterns with 429 + Retry-After, a 5xx, a reset, |
|     |                    | a delay or a malformed body, before the request is processed or     |
|     |                    | after it (a lost response), N times, all, or with a probability     |
| P18 | request ids        | `req_` + 16 characters in an `X-Request-Id` header on every answer  |
|     |                    | and as `requestId` in every error body                              |
| P19 | empty PATCH        | 200 with the unchanged user, updatedAt kept (a closed user: 409);   |
|     |                    | a PATCH changing nothing keeps updatedAt too                        |
| P20 | webhooks           | not emulated                                                        |
| -   | timestamps         | ISO 8601 UTC to the second with `Z`, on the sandbox clock           |
| -   | persistence        | `data_path` loaded on start, saved atomically after each change;    |
|     |                    | once a save takes long (large worlds), at most every 10x its time,  |
|     |                    | and on stop (a kill may lose the changes since the last save)       |
| -   | request log        | method, domain (api or admin), path, query, status, time; never a  |
|     |                    | body or header; reading or clearing the log is not logged           |

Admin endpoints (loopback only): `POST /_sandbox/users/{email_or_id}/activate` (the trader
verified their identity), `.../update` (staff change any field, status included), `.../delete`,
`GET|POST /_sandbox/faults`, `POST /_sandbox/faults/clear`, `POST /_sandbox/settings
{"auto_activate": bool}`, `POST /_sandbox/clock/advance {"seconds": n}`, `GET /_sandbox/requests`,
`POST /_sandbox/requests/clear`, `GET /_sandbox/world`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp

from reconciler.providers.json_file import kept_requests
from reconciler.providers.sandbox.faults import Fault, FaultInjector, faults_file
from reconciler.providers.sandbox.server import RunningServer, catch_all_app, serve_app
from reconciler.providers.traderpal.sandbox.config import (
    DEFAULT_API_KEY,
    OTHER_PARTNER_API_KEY,
    READ_ONLY_API_KEY,
    Permission,
    SandboxConfig,
)
from reconciler.providers.traderpal.sandbox.gateway import Sandbox

__all__ = [
    "DEFAULT_API_KEY",
    "OTHER_PARTNER_API_KEY",
    "READ_ONLY_API_KEY",
    "Fault",
    "Permission",
    "SandboxConfig",
    "SandboxServer",
    "create_app",
    "serve_sandbox",
]


class SandboxServer(RunningServer):
    """A running TraderPal Connect sandbox; `base_url` is what the client is given."""

    @property
    def base_url(self) -> str:
        return self.url

    config: SandboxConfig = SandboxConfig()
    """The configuration it was served with (its keys are the logins)."""

    def environment(self) -> dict[str, str]:
        """The Firm manifest's `environment` pointing at this sandbox."""
        return {"base_url": self.base_url}

    def connection(self) -> list[tuple[str, str]]:
        """The API root and the accepted API keys (`Authorization: Bearer <key>`)."""
        config = self.config
        return [
            ("API", self.base_url),
            *(
                (
                    f"API key ({permission}, {config.partners.get(key, 'default partner')})",
                    f"Authorization: Bearer {key}",
                )
                for key, permission in config.api_keys.items()
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
