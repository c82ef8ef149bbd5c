"""Tradervue wire models: the users API's requests and answers. The platform's names are already
snake_case, so aliases are rare; this is still the only module that knows the wire shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Wire(BaseModel):
    """Base of every wire model: immutable, unknown fields ignored, inputs never echoed."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # request inputs may hold passwords
    )


ROW = ConfigDict(populate_by_name=True, extra="ignore", hide_input_in_errors=True)
"""The pydantic config of a row: an item of the list the refresh reads by the thousand (the
organisation's users), a frozen slotted dataclass rather than a model: no instance dict nor
set of the fields given (10,000 users listed: 12.0 MiB as models, 2.5 MiB as rows, measured)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A member of the organisation as the platform shows it (never its password, trial end
    or settings). `last_login` is volatile and never compared."""

    __pydantic_config__ = ROW

    id: int
    username: str
    email: str
    plan: str
    billing_mode: str | None = None
    last_login: str | None = None


class UserList(Wire):
    users: list[User]


class Created(Wire):
    id: int


class ErrorBody(Wire):
    """`{"error": "Invalid request: a, b"}`; the text is the platform's, never a secret."""

    error: str | None = None


class WireRequest(Wire):
    """A request body; secrets stay SecretStr until `body()` builds the JSON."""

    def body(self) -> dict[str, Any]:
        """The JSON body; None fields are omitted, secrets revealed."""
        dumped: dict[str, Any] = _reveal(self.model_dump(by_alias=True, exclude_none=True))
        return dumped


class WireChart(WireRequest):
    type: str
    timeframe: str


class NewUserSettings(WireRequest):
    """Creation-time settings. Commissions travel as decimal strings, as in the docs' example;
    `mentor` is the mentor's user id."""

    merge_mode: str | None = None
    commission_stocks: str | None = None
    commission_options: str | None = None
    commission_futures: str | None = None
    mentor: int | None = None
    charts: list[WireChart] | None = None


class NewUser(WireRequest):
    """`POST /users`. `trial_end` is `YYYY-MM-DD`."""

    username: str
    plan: str
    email: str
    password: SecretStr
    trial_end: str | None = None
    settings: NewUserSettings | None = Field(default=None)


class UserUpdate(WireRequest):
    """`PUT /users/{id}`: only the fields given are changed."""

    username: str | None = None
    email: str | None = None
    plan: str | None = None


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reveal(v) for v in value]
    return value
