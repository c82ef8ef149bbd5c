"""Typed calls over a Tradovate `Session`: lists validated into wire models, POSTs decoded into
their answers, and the platform's refusals raised as ProviderRejected."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reconciler.errors import ProviderRejected, ProviderUnavailable
from reconciler.providers.tradovate.dispatch import (
    PROVIDER,
    Decoded,
    Domain,
    ItemT,
    ModelT,
    decode,
)
from reconciler.providers.tradovate.models import (
    BatchResponse,
    ErrorBody,
    ItemOutcome,
    SimpleResponse,
    WireRequest,
)
from reconciler.providers.tradovate.session import Session


@cache
def _list_adapter(model: Hashable) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def list_of(
    session: Session,
    domain: Domain,
    path: str,
    model: type[ItemT],
    *,
    params: Mapping[str, str] | None = None,
) -> list[ItemT]:
    """GET a list and validate it into `model` items (as it is parsed, when it can be)."""
    lists = _list_adapter(model)
    payload = session.call(domain, "GET", path, params=params, items=lists)
    if isinstance(payload, Decoded):  # validated as it was parsed: nothing left to check
        decoded: list[ItemT] = payload.items
        return decoded
    if not isinstance(payload, list):
        error = decode(ErrorBody, payload or {}, operation=path).error_text
        raise rejection(error or "the answer is not a list", path)
    try:
        items: list[ItemT] = lists.validate_python(payload)  # one call for the whole list
    except ValidationError as exc:
        raise ProviderUnavailable(
            f"unexpected answer ({exc.error_count()} validation errors in {model.__name__})",
            provider=PROVIDER,
            operation=path,
        ) from exc
    return items


def post(
    session: Session,
    domain: Domain,
    path: str,
    request: WireRequest,
    model: type[ModelT],
    *,
    idempotent: bool = False,
) -> ModelT:
    """POST `request` and decode the answer into `model`."""
    payload = session.call(domain, "POST", path, body=request.body(), idempotent=idempotent)
    return decode(model, payload, operation=path)


def simple(session: Session, domain: Domain, path: str, request: WireRequest) -> str | None:
    """An idempotent POST answered `{ok}`, `{status}` or `{errorText}`: the error text or
    None."""
    answer = post(session, domain, path, request, SimpleResponse, idempotent=True)
    if answer.error_text:
        return answer.error_text
    if answer.ok is False:
        return "the platform answered ok: false"
    return None


def batch_results(answer: BatchResponse, expected: int, *, operation: str) -> list[ItemOutcome]:
    """The per-item outcomes of a batch answer, one per item sent."""
    if answer.error_text:
        raise rejection(answer.error_text, operation)
    if len(answer.results) != expected:
        raise rejection(f"expected {expected} results, got {len(answer.results)}", operation)
    return answer.results


def rejection(message: str, operation: str) -> ProviderRejected:
    return ProviderRejected(message, provider=PROVIDER, operation=operation)
