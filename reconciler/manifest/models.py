"""Pydantic models of the manifest kinds (Firm, Trader) and the loaded `Desired` value.

Provider blocks (`providers.<name>` on the Firm, `<name>:` on a Trader) are validated by the
provider's own schema (`ProviderSchema`), handed to the loader by the caller, so this package
imports nothing from providers/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from reconciler.manifest.countries import is_country

TRADER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
COUNTRY = re.compile(r"^[A-Z]{2}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,30}$")


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
"""One set per distinct combination of fields given, shared by the models that gave it."""


class Frozen(BaseModel):
    """Base of every manifest model: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _share_fields_set(self) -> Self:
        """Share the set of fields given with every model that gave the same (a set per model
        was a third of a large firm's memory). Safe as a frozen model never adds to it, and a
        copy (`model_copy`) copies it first."""
        given = self.__pydantic_fields_set__
        shared = _FIELDS_SETS.setdefault(frozenset(given), given)
        if shared is not given:
            object.__setattr__(self, "__pydantic_fields_set__", shared)
        return self


class GeneratePassword(Frozen):
    """`password: {generate: true}`: apply makes a strong password at create time."""

    generate: Literal[True]
    length: int = Field(default=24, ge=12, le=64)


class Lifecycle(Frozen):
    """`lifecycle: {protect: true}` makes any cancel or replace of the object an error."""

    protect: bool = False


WORKSPACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
MOVE_END = re.compile(r"^(?:[a-z]+_[a-z]+\.)?[a-z0-9][a-z0-9._-]{0,62}(?:/[A-Za-z0-9._-]+)?$")


class StateSettings(Frozen):
    """Where state lives: `path` (a directory beside the manifests) is the local backend's;
    `dsn` and `schema` are the postgres backend's (the DSN falls back to RECONCILER_PG_DSN)."""

    backend: Literal["local", "postgres"] = "local"
    path: str = "state"
    workspace: str = Field(default="default", pattern=WORKSPACE_NAME.pattern)
    dsn: SecretStr | None = None
    schema_name: str = Field(
        default="reconciler", alias="schema", pattern=r"^[a-z_][a-z0-9_]{0,62}$"
    )


class Moved(Frozen):
    """`moved: [{from: alice, to: alice-smith}]`: a trader key (or one address) renamed in the
    manifests; state is re-addressed instead of offboarding and onboarding again."""

    source: str = Field(alias="from", pattern=MOVE_END.pattern)
    target: str = Field(alias="to", pattern=MOVE_END.pattern)


class RateLimitSetting(Frozen):
    """One rate-limit window the firm declares for a platform (a negotiated quota, or a sandbox
    configured otherwise); it replaces the platform's declared limits of that endpoint class."""

    endpoint: str = Field(default="all", min_length=1, max_length=128)
    limit: int = Field(ge=1)
    per_seconds: float = Field(gt=0)
    counts_success: bool = True


class HandoutSettings(Frozen):
    """`settings.handout`: generated passwords are sealed to `public_key` (base64 X25519, from
    `reconciler handout keygen`) and kept by the state backend until `handout pull`."""

    public_key: str = Field(pattern=r"^[A-Za-z0-9+/]{43}=$")


class Settings(Frozen):
    """`settings` on the Firm. `rate_limits` maps a provider name to its overriding windows;
    `secret_files` names directories outside the manifests that `${file:...}` may read
    (relative ones start at the manifests directory)."""

    state: StateSettings = StateSettings()
    rate_limits: dict[str, list[RateLimitSetting]] = Field(default_factory=dict)
    secret_files: tuple[str, ...] = ()
    handout: HandoutSettings | None = None


class Firm(Frozen):
    """`kind: Firm`: one per manifest directory. `providers` values are provider settings."""

    kind: Literal["Firm"] = "Firm"
    name: str = Field(min_length=1, max_length=64)
    settings: Settings = Settings()
    providers: dict[str, Any] = Field(default_factory=dict)
    defaults: dict[str, dict[str, Any]] = Field(default_factory=dict)
    moved: tuple[Moved, ...] = ()


class Contact(Frozen):
    """Postal contact details; `state` is required when `country` is US."""

    phone: str = Field(pattern=PHONE.pattern)
    street_address1: str = Field(min_length=1, max_length=64)
    street_address2: str | None = Field(default=None, max_length=64)
    city: str = Field(min_length=1, max_length=64)
    state: str | None = Field(default=None, min_length=2, max_length=64)
    post_code: str | None = Field(default=None, max_length=16)
    country: str

    @field_validator("country")
    @classmethod
    def _two_letter_country(cls, value: str) -> str:
        if not COUNTRY.match(value) or not is_country(value):
            raise ValueError("country must be an ISO 3166-1 alpha-2 country code such as US")
        return value

    @model_validator(mode="after")
    def _state_for_us(self) -> Contact:
        if self.country == "US" and not self.state:
            raise ValueError("state is required when country is US")
        return self


class Trader(Frozen):
    """`kind: Trader`: one person. `platforms` holds validated provider blocks by name."""

    kind: Literal["Trader"] = "Trader"
    name: str
    username: str = Field(min_length=3, max_length=64)
    email: str = Field(max_length=64)
    first_name: str = Field(min_length=1, max_length=64)
    last_name: str = Field(min_length=2, max_length=64)
    password: SecretStr | GeneratePassword | None = None
    contact: Contact | None = None
    status: Literal["active", "cancelled"] = "active"
    lifecycle: Lifecycle = Lifecycle()
    platforms: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _address_key(cls, value: str) -> str:
        if not TRADER_NAME.match(value):
            raise ValueError(
                "name must be lower-case letters, digits, '.', '_' or '-' (it is the address key)"
            )
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError(f"{value!r} is not a valid e-mail address")
        return value

    @field_validator("password")
    @classmethod
    def _password_length(
        cls, value: SecretStr | GeneratePassword | None
    ) -> SecretStr | GeneratePassword | None:
        if isinstance(value, SecretStr) and not 8 <= len(value.get_secret_value()) <= 64:
            raise ValueError("password must be 8 to 64 characters")
        return value

    @model_validator(mode="after")
    def _combined_name(self) -> Trader:
        if len(self.first_name) + len(self.last_name) > 60:
            raise ValueError("first_name and last_name together must be at most 60 characters")
        return self

    @model_validator(mode="after")
    def _protected_is_not_cancelled(self) -> Trader:
        if self.status == "cancelled" and self.lifecycle.protect:
            raise ValueError(
                "status: cancelled with lifecycle.protect: a protected trader cannot be "
                "offboarded; set `lifecycle: {protect: false}` to let it go"
            )
        return self


Path = tuple[str | int, ...]
"""A position inside one YAML document, as keys and list indices."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A cross-reference problem found by a provider schema, located by document path."""

    path: Path
    message: str


@dataclass(frozen=True, slots=True)
class ProviderSchema:
    """How the loader validates one provider's manifest blocks.

    `check` sees the validated firm settings and one trader's validated block and returns
    problems with paths relative to the trader document (e.g. ("tradovate", "accounts", 0)).
    `unique_keys` names values of a trader's block that must be unique across the firm
    (e.g. account names), each with its path relative to the trader document.
    `check_firm` sees every trader with this provider's block at once (cross-trader rules,
    e.g. a mentor must be another declared trader) and returns (trader name, problem) pairs.
    """

    settings: type[BaseModel]
    trader: type[BaseModel]
    check: Callable[[BaseModel, BaseModel, Trader], Sequence[Problem]] | None = None
    unique_keys: Callable[[BaseModel], Sequence[tuple[Path, str]]] | None = None
    check_firm: (
        Callable[[BaseModel, Sequence[tuple[Trader, BaseModel]]], Sequence[tuple[str, Problem]]]
        | None
    ) = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a trader was declared: file, line and the path of its mapping in the document."""

    path: str
    line: int
    doc_path: Path = ()


@dataclass(frozen=True, slots=True)
class Desired:
    """Everything the manifests declare: the firm, its traders, and a digest of the inputs.

    Invariant: trader names, usernames and e-mails are unique; `digest` changes whenever any
    manifest file's bytes change (it fingerprints saved plans).
    """

    firm: Firm
    traders: tuple[Trader, ...]
    digest: str
    sources: Mapping[str, Source] = field(default_factory=dict)
    sensitive_values: frozenset[str] = frozenset()
    """Every value a sensitive `${env:}` / `${file:}` reference supplied: shown nowhere."""
    moved_sources: tuple[Source, ...] = ()
    """Where each of the Firm's `moved` entries was written (same order as `firm.moved`)."""
