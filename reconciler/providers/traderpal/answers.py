"""Reading the TraderPal Connect API's answers: its error envelope into TraderPalRejected, a
success into its model, and the Retry-After of a 429."""

from __future__ import annotations

import email.utils
import math
from typing import TypeVar

import httpx
from pydantic import ValidationError

from reconciler.errors import ProviderRejected, ProviderUnavailable
from reconciler.providers.shapes import validator_of
from reconciler.providers.traderpal.models import ErrorEnvelope

PROVIDER = "traderpal"
ModelT = TypeVar("ModelT")
"""A wire shape an answer is validated into: a model, or a row (a pydantic dataclass)."""


class TraderPalRejected(ProviderRejected):
    """A 4xx answer; `code` and `field` come from the platform's error envelope, `detail` is
    the message without provider and operation (for per-item errors)."""

    def __init__(
        self, status: int, code: str, message: str, *, field: str | None, operation: str
    ) -> None:
        self.status = status
        self.code = code
        self.field = field
        text = f"{code}: {message}" if message else code
        if field and field not in text:
            text += f" ({field})"
        self.detail = text
        super().__init__(text, provider=PROVIDER, operation=operation)


def decode_answer(response: httpx.Response, model: type[ModelT], *, operation: str) -> ModelT:
    """`model` from a success answer; a 4xx is TraderPalRejected, a garbled success answer
    ProviderUnavailable."""
    if response.status_code >= 400:
        envelope = _envelope(response)
        info = envelope.error if envelope is not None else None
        raise TraderPalRejected(
            response.status_code,
            info.code if info is not None else f"http_{response.status_code}",
            info.message if info is not None else "",
            field=info.details.field if info is not None and info.details else None,
            operation=operation,
        )
    try:
        return validator_of(model)(response.json())
    except (ValueError, ValidationError) as exc:
        raise ProviderUnavailable(
            f"unexpected answer to HTTP {response.status_code} ({type(exc).__name__})",
            provider=PROVIDER,
            operation=operation,
        ) from exc


def retry_after(response: httpx.Response, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, math.ceil(moment.timestamp() - now))


def _envelope(response: httpx.Response) -> ErrorEnvelope | None:
    try:
        return ErrorEnvelope.model_validate(response.json())
    except (ValueError, ValidationError):
        return None


def describe_failure(response: httpx.Response) -> str:
    """The platform's error code after a space, or nothing when the body is no envelope."""
    envelope = _envelope(response)
    return f" {envelope.error.code}" if envelope is not None else ""
