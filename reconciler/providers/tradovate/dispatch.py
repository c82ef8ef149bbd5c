"""One Tradovate request until its answer is final: pacing, penalty-ticket resends, retries of
transient errors, and the mapping of HTTP answers onto reconciler errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from reconciler.errors import ProviderRejected, ProviderUnavailable, RateLimited
from reconciler.providers.http import RetryPolicy, call_with_retries, translate_httpx_errors
from reconciler.providers.list_answers import read_list
from reconciler.providers.pacing import Pacer
from reconciler.providers.tradovate.models import ErrorBody, PenaltyTicket

logger = logging.getLogger(__name__)

PROVIDER = "tradovate"
LOCKOUT = "HTTP 429: the platform locks the caller out for up to an hour; do not retry sooner"

Domain = Literal["live", "demo"]
Method = Literal["GET", "POST"]
Body = Mapping[str, Any]
ModelT = TypeVar("ModelT", bound=BaseModel)
ItemT = TypeVar("ItemT", bound=Hashable)
"""An item of a list answer: a wire model, or a row (see `wire.ROW`)."""


@dataclass(frozen=True, slots=True)
class FinalReply:
    """A final HTTP answer (no 429, no 5xx, no penalty ticket) and its decoded JSON."""

    status: int
    payload: Any


@dataclass(frozen=True, slots=True)
class Decoded:
    """A list answer validated straight from the response bytes into wire models (see the
    `items` argument of `Session.call`)."""

    items: list[Any]


def _succeeded(reply: FinalReply) -> bool:
    """Whether the platform counts the call as a success (limits that count only failures
    count a 4xx, a penalty ticket, `errorText`, `ok: false` or any per-item `errorText`)."""
    payload = reply.payload
    if reply.status != 200:
        return False
    if not isinstance(payload, Mapping):
        return True
    if payload.get("errorText") or payload.get("ok") is False or "p-ticket" in payload:
        return False
    results = payload.get("results")
    return not (
        isinstance(results, list)
        and any(isinstance(item, Mapping) and item.get("errorText") for item in results)
    )


def decode(model: type[ModelT], payload: Any, *, operation: str) -> ModelT:
    """Validate a JSON payload into a wire model; an unexpected shape is ProviderUnavailable."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ProviderUnavailable(
            f"unexpected answer ({exc.error_count()} validation errors in {model.__name__})",
            provider=PROVIDER,
            operation=operation,
        ) from exc


class Dispatcher:
    """Requests to the LIVE and DEMO hosts, each sent until its answer is final.

    A request is sent again only to answer a penalty ticket, or after a transient failure when
    `retryable`; a 429 is never retried; every request, resends and retries included, first
    passes `pacer` (named by its lower-case path after `/v1/`).
    """

    def __init__(
        self,
        *,
        live: httpx.Client,
        demo: httpx.Client,
        sleep: Callable[[float], None],
        max_ticket_rounds: int,
        retry: RetryPolicy,
        jitter: Callable[[], float],
        pacer: Pacer,
    ) -> None:
        self._clients: dict[Domain, httpx.Client] = {"live": live, "demo": demo}
        self._pacer = pacer
        self._sleep = sleep
        self._max_ticket_rounds = max_ticket_rounds
        self._retry = retry
        self._jitter = jitter

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def send(
        self,
        domain: Domain,
        method: Method,
        path: str,
        *,
        bearer: SecretStr | None,
        retryable: bool,
        params: Mapping[str, str] | None = None,
        body: Body | None = None,
        resend_tickets: bool = True,
        items: TypeAdapter[list[Any]] | None = None,
    ) -> FinalReply:
        """Send until the answer is final: resend on penalty tickets (unless told not to, then
        the ticket is the answer); raise on 429."""
        for round_ in range(self._max_ticket_rounds + 1):
            reply = self._send(
                domain, method, path, params, body, bearer, retryable=retryable, items=items
            )
            if reply.status == 429:
                raise RateLimited(LOCKOUT, provider=PROVIDER, operation=path)
            ticket = PenaltyTicket.find(reply.payload) if reply.status == 200 else None
            if ticket is None or not resend_tickets:
                return reply
            if ticket.captcha:
                raise RateLimited(
                    "penalty ticket with captcha: the platform locks the caller out for about "
                    "an hour; stop and retry later",
                    provider=PROVIDER,
                    operation=path,
                )
            if round_ == self._max_ticket_rounds:
                raise RateLimited(
                    f"still throttled after {round_} penalty-ticket resends",
                    provider=PROVIDER,
                    operation=path,
                    retry_after=ticket.wait,
                )
            logger.debug("%s %s: penalty ticket, resending in %.1f s", method, path, ticket.wait)
            self._sleep(ticket.wait)
            if method == "GET":
                params = ticket.stamp(params or {})
            else:
                body = ticket.stamp(body or {})
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        domain: Domain,
        method: Method,
        path: str,
        params: Mapping[str, str] | None,
        body: Body | None,
        bearer: SecretStr | None,
        *,
        retryable: bool,
        items: TypeAdapter[list[Any]] | None = None,
    ) -> FinalReply:
        """One request; transport errors, 5xx and garbled answers are retried with backoff
        when `retryable`."""
        headers = {} if bearer is None else {"Authorization": f"Bearer {bearer.get_secret_value()}"}
        endpoint = path.strip("/").lower()

        def once() -> FinalReply:
            permit = self._pacer.acquire(endpoint)
            with translate_httpx_errors(provider=PROVIDER, operation=path):
                response, payload = _answer(
                    self._clients[domain],
                    method,
                    path,
                    items,
                    params=params,
                    json=body,
                    headers=headers,
                )
                if response.status_code >= 500:
                    response.raise_for_status()
            reply = FinalReply(response.status_code, payload)
            permit.settle(succeeded=_succeeded(reply))
            return reply

        return call_with_retries(
            once,
            is_safe=retryable,
            policy=self._retry,
            sleep=self._sleep,
            jitter=self._jitter,
            what=f"{method} {path}",
        )


def _answer(
    client: httpx.Client,
    method: Method,
    path: str,
    items: TypeAdapter[list[Any]] | None,
    **options: Any,
) -> tuple[httpx.Response, Any]:
    """An answer and its payload: the items of a list validated as they arrive (`Decoded`),
    else its JSON (see `_json`)."""
    if items is None:
        response = client.request(method, path, **options)
        return response, _json(response.status_code, response.content, operation=path)
    response, listed = read_list(client, method, path, items.validate_python, **options)
    if listed.items is not None:
        return response, Decoded(listed.items)
    return response, _json(response.status_code, listed.body, operation=path)


def _json(status: int, content: bytes | bytearray, *, operation: str) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError as exc:
        if status >= 400:
            return None
        raise ProviderUnavailable(
            f"answer is not JSON (HTTP {status})",
            provider=PROVIDER,
            operation=operation,
        ) from exc


def final_payload(reply: FinalReply, *, operation: str) -> Any:
    """The payload of a 2xx answer; any other final answer is ProviderRejected."""
    status = reply.status
    if 200 <= status < 300:
        return reply.payload
    detail = ""
    if isinstance(reply.payload, Mapping):
        detail = decode(ErrorBody, reply.payload, operation=operation).describe()
    if status == 401:
        message = "access denied (HTTP 401) even after signing in again"
    else:
        message = f"HTTP {status}"
    raise ProviderRejected(
        f"{message}: {detail}" if detail else message, provider=PROVIDER, operation=operation
    )
