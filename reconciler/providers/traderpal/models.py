"""TraderPal Connect wire models: the users API's requests, answers and error envelope.
Attributes are snake_case; the camelCase wire names appear only here, as pydantic aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
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


ROW = ConfigDict(
    populate_by_name=True, extra="ignore", alias_generator=to_camel, hide_input_in_errors=True
)
"""The pydantic config of a row: a user, which the refresh lists by the thousand, is a frozen
slotted dataclass rather than a model: no instance dict nor set of the fields given (a listed
user with its texts: 3.2 KB as a model, 2.3 KB as a row, measured)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationStatus:
    """Per-check verification state; observed values are `pending` and `verified`."""

    __pydantic_config__ = ROW

    email: str | None = None
    identity: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A user as any endpoint returns it; every field but the id and e-mail may be absent.

    `shown` tells which fields the answer carried (a field answered as null is shown as None;
    one left out is not shown at all, and reconciler compares it with state instead): the
    optional fields an answer carries are its `shown_fields`, found as it is validated.
    """

    __pydantic_config__ = ROW

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
    shown_fields: frozenset[str] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _carried(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {**data, "shownFields": carried(data)}
        return data

    def shown(self, field: str) -> bool:
        """Whether the answer carried `field` (a snake_case attribute name)."""
        return field in self.shown_fields

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


_OPTIONAL = tuple(
    (name, to_camel(name))
    for name in (
        "first_name",
        "last_name",
        "status",
        "date_of_birth",
        "country",
        "phone_number",
        "created_at",
        "updated_at",
        "verification_status",
    )
)
_CARRIED: dict[tuple[bool, ...], frozenset[str]] = {}
"""One set per combination of the optional fields carried (a firm's users share a handful)."""


def carried(data: dict[str, Any]) -> frozenset[str]:
    """The optional fields of a user's answer that it carries, by camelCase or snake_case."""
    key = tuple(alias in data or name in data for name, alias in _OPTIONAL)
    found = _CARRIED.get(key)
    if found is None:
        names = (name for (name, _), has in zip(_OPTIONAL, key, strict=True) if has)
        found = _CARRIED[key] = frozenset(names)
    return found


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
