"""Manifest-facing models of the TraderPal Connect provider: firm settings and the trader block."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, SecretStr, field_validator, model_validator

from reconciler.manifest import Frozen, Problem, Trader, is_country
from reconciler.providers.http import PlatformUrl

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
"""An E.164 phone number: `+`, a country code not starting with 0, at most 15 digits."""
ALPHA2 = re.compile(r"^[A-Z]{2}$")
OLDEST_BIRTH_DATE = date(1900, 1, 1)
"""Earlier dates of birth are typing mistakes, not traders."""
_PHONE_PUNCTUATION = re.compile(r"[ ()\-.]")


class Endpoint(Frozen):
    """An explicit API host (the platform documents none), e.g. a standing sandbox."""

    base_url: PlatformUrl


class TraderPalSettings(Frozen):
    """`providers.traderpal` on the Firm. `api_key` is required unless `environment: sandbox`."""

    environment: Literal["sandbox"] | Endpoint = "sandbox"
    api_key: SecretStr | None = None

    @model_validator(mode="after")
    def _api_key_off_sandbox(self) -> TraderPalSettings:
        if self.environment != "sandbox" and self.api_key is None:
            raise ValueError("api_key is required unless environment is sandbox")
        return self


class TraderPalTrader(Frozen):
    """A trader's `traderpal:` block. `country` and `phone` default to the trader's contact."""

    date_of_birth: date
    country: str | None = None
    phone: str | None = None
    status: Literal["active", "suspended"] = "active"

    @field_validator("country")
    @classmethod
    def _alpha2_country(cls, value: str | None) -> str | None:
        if value is not None and not (ALPHA2.match(value) and is_country(value)):
            raise ValueError("country must be an ISO 3166-1 alpha-2 country code such as US")
        return value

    @field_validator("phone")
    @classmethod
    def _e164_phone(cls, value: str | None) -> str | None:
        if value is not None and not E164.match(value):
            raise ValueError("phone must be an E.164 number such as +15551234567")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _possible_birth_date(cls, value: date) -> date:
        if value > datetime.now(UTC).date():
            raise ValueError("date_of_birth must not be in the future")
        if value < OLDEST_BIRTH_DATE:
            raise ValueError(f"date_of_birth must be {OLDEST_BIRTH_DATE.isoformat()} or later")
        return value


def e164(text: str) -> str | None:
    """`text` as an E.164 number once spaces, dots, dashes and parentheses are removed."""
    compact = _PHONE_PUNCTUATION.sub("", text)
    return compact if E164.match(compact) else None


def phone_of(block: TraderPalTrader, trader: Trader) -> str | None:
    """The phone number TraderPal Connect gets: the block's, else the contact's (normalised)."""
    if block.phone is not None:
        return block.phone
    return None if trader.contact is None else e164(trader.contact.phone)


def country_of(block: TraderPalTrader, trader: Trader) -> str | None:
    """The country TraderPal Connect gets: the block's, else the contact's."""
    if block.country is not None:
        return block.country
    return None if trader.contact is None else trader.contact.country


def check(settings: BaseModel, block: BaseModel, trader: Trader) -> Sequence[Problem]:
    """A contact phone used as the TraderPal phone must be an E.164 number."""
    assert isinstance(settings, TraderPalSettings)
    assert isinstance(block, TraderPalTrader)
    if block.phone is None and trader.contact is not None and e164(trader.contact.phone) is None:
        return [
            Problem(
                ("contact", "phone"),
                "TraderPal Connect needs an E.164 phone number such as +15551234567: "
                "write the contact phone that way or set traderpal.phone",
            )
        ]
    return []
