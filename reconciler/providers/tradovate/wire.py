"""Base of the Tradovate wire models and the answers every call shares. Attributes are snake_case;
the camelCase (and hyphenated) wire names appear only as pydantic aliases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """Base of every wire model: immutable, camelCase aliases, unknown fields ignored."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        hide_input_in_errors=True,  # inputs may hold tokens or passwords
    )


ROW = ConfigDict(
    populate_by_name=True,
    extra="ignore",
    alias_generator=to_camel,
    hide_input_in_errors=True,
)
"""The pydantic config of a row: an item of a list the refresh reads by the thousand (users,
contacts, accounts, permissions, risk), a frozen slotted dataclass rather than a model: about
a tenth of the memory (no instance dict, no set of the fields given) and validated faster."""


class ErrorTextResponse(Wire):
    """A response that may carry `errorText`; an empty text means success and reads as None."""

    error_text: str | None = None

    @field_validator("error_text", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


def _reveal(value: object) -> Any:
    """Replace SecretStr values by their plaintext, recursively (only when building a body)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Mapping):
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(item) for item in value]
    return value


class WireRequest(Wire):
    """A request body; secrets stay SecretStr until `body()` builds the JSON."""

    def body(self) -> dict[str, Any]:
        """The JSON body with wire names; None fields are omitted, secrets revealed."""
        dumped: dict[str, Any] = _reveal(self.model_dump(by_alias=True, exclude_none=True))
        return dumped


class ItemOutcome(ErrorTextResponse):
    """One entry of a batch create: the new ids, or the item's errorText."""

    user_id: int | None = None
    account_id: int | None = None
    trading_permission_id: int | None = None


class BatchResponse(ErrorTextResponse):
    results: list[ItemOutcome] = Field(default_factory=list)


class SimpleResponse(ErrorTextResponse):
    ok: bool | None = None
    status: str | None = None


class Violation(Wire):
    constraint: str = ""
    value: Any = None
    description: str = ""


class ErrorBody(ErrorTextResponse):
    """The body of a 4xx answer: an errorText and/or validation violations."""

    violations: list[Violation] = Field(default_factory=list)

    def describe(self) -> str:
        """One line: the violations (`constraint=value: description`) or the errorText."""
        if self.violations:
            return "; ".join(
                f"{v.constraint}={v.value!r}: {v.description}" for v in self.violations
            )
        return self.error_text or ""
