"""TraderPal Connect wire models: the users API's requests, answers and error envelope.
Attributes are snake_case; the camelCase wire names appear only here, as pydantic aliases."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

UserStatus = Literal["pending_verification", "active", "suspended", "closed"]
STATUSES: tuple[UserStatus, ...] = ("pending_verification", "active", "suspended", "closed")


class Wire(BaseModel):
    """Base of every wire model: immutable, camelCase aliases, unknown fields ignored."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        hide_input_in_errors=True,  # answers hold personal data
    )


class VerificationStatus(Wire):
    """Per-check verification state; observed values are `pending` and `verified`."""

    email: str | None = None
    identity: str | None = None
    address: str | None = None


class User(Wire):
    """A user as any endpoint returns it; every field but the id and e-mail may be absent.

    `shown` tells which fields the answer carried (a field answered as null is shown as None;
    one left out is not shown at all, and reconciler compares it with state instead).
    """

    user_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    status: str | None = None
    date_of_birth: str | None = None
    country: str | None = None
    phone_number: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    verification_status: VerificationStatus | None = None

    def shown(self, field: str) -> bool:
        """Whether the answer carried `field` (a snake_case attribute name)."""
        return field in self.model_fields_set

    @property
    def is_verified(self) -> bool:
        """Active and suspended users have verified their identity; a pending one has not;
        for a closed user the identity check decides (verified when the platform omits it)."""
        if self.status in ("active", "suspended"):
            return True
        if self.status == "pending_verification":
            return False
        checks = self.verification_status
        return checks is None or checks.identity in (None, "verified")


class PageMetadata(Wire):
    total: int
    limit: int
    offset: int


class UserPage(Wire):
    """One page of `GET /v1/users`."""

    users: list[User]
    metadata: PageMetadata | None = None


class NewUser(Wire):
    """The body of `POST /v1/users`; optional fields left out when None."""

    email: str
    first_name: str
    last_name: str
    date_of_birth: str | None = None
    country: str | None = None
    phone_number: str | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class UserChanges(Wire):
    """The body of `PATCH /v1/users/{id}`: only the fields given when it was built are sent."""

    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: str | None = None
    country: str | None = None
    phone_number: str | None = None
    status: UserStatus | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True)


class ErrorDetails(Wire):
    field: str | None = None
    reason: str | None = None


class ErrorInfo(Wire):
    code: str = "unknown"
    message: str = ""
    details: ErrorDetails | None = None
    request_id: str | None = None


class ErrorEnvelope(Wire):
    """`{"error": {"code", "message", "details": {"field", "reason"}, "requestId"}}`."""

    error: ErrorInfo
