"""The TraderPal Connect manifest models and checks, without files (file:line positions are
covered through the CLI in test_end_to_end.py)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from reconciler.manifest.models import Contact, Trader
from reconciler.providers.traderpal.config import (
    Endpoint,
    TraderPalSettings,
    TraderPalTrader,
    check,
    country_of,
    e164,
    phone_of,
)


def trader(*, phone: str | None = "+15551234567", country: str = "US") -> Trader:
    contact = None
    if phone is not None:
        contact = Contact(
            phone=phone, street_address1="1 Main St", city="Chicago", state="IL", country=country
        )
    return Trader(
        name="alice",
        username="alice.smith",
        email="Alice@Example.com",
        first_name="Alice",
        last_name="Smith",
        contact=contact,
    )


def errors(model: type[Any], value: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(value)
    return [".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in caught.value.errors()]


def test_sandbox_needs_no_api_key() -> None:
    assert TraderPalSettings.model_validate({}).environment == "sandbox"


def test_an_explicit_host_needs_an_api_key_kept_secret() -> None:
    assert errors(TraderPalSettings, {"environment": {"base_url": "https://tp.example"}}) == [
        ": Value error, api_key is required unless environment is sandbox"
    ]
    settings = TraderPalSettings.model_validate(
        {"environment": {"base_url": "https://tp.example"}, "api_key": "tp_live_secret"}
    )
    assert settings.environment == Endpoint(base_url="https://tp.example")
    assert isinstance(settings.api_key, SecretStr)
    assert "tp_live_secret" not in repr(settings)


@pytest.mark.parametrize(
    "environment",
    ["production", {"base_url": "ftp://tp.example"}, {"url": "https://tp.example"}],
    ids=["production-has-no-documented-host", "not-http", "unknown-key"],
)
def test_only_sandbox_or_an_http_base_url_is_accepted(environment: object) -> None:
    assert errors(TraderPalSettings, {"environment": environment, "api_key": "k"})


def test_a_minimal_trader_block_is_active_with_contact_defaults() -> None:
    block = TraderPalTrader.model_validate({"date_of_birth": "1990-01-01"})
    assert block.status == "active"
    assert (phone_of(block, trader()), country_of(block, trader())) == ("+15551234567", "US")


def test_the_block_overrides_the_contact() -> None:
    block = TraderPalTrader.model_validate(
        {"date_of_birth": "1990-01-01", "country": "GB", "phone": "+442071234567"}
    )
    assert (phone_of(block, trader()), country_of(block, trader())) == ("+442071234567", "GB")


def test_without_contact_and_block_values_country_and_phone_are_unknown() -> None:
    block = TraderPalTrader.model_validate({"date_of_birth": "1990-01-01"})
    assert (phone_of(block, trader(phone=None)), country_of(block, trader(phone=None))) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("block", "fragment"),
    [
        ({}, "date_of_birth: Field required"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth: Input should be a valid date"),
        ({"date_of_birth": "2999-01-01"}, "must not be in the future"),
        ({"date_of_birth": "1850-06-01"}, "must be 1900-01-01 or later"),
        ({"country": "us"}, "country: Value error, country must be an ISO 3166-1 alpha-2"),
        ({"country": "USA"}, "ISO 3166-1 alpha-2 country code"),
        ({"country": "ZZ"}, "ISO 3166-1 alpha-2 country code"),
        ({"phone": "5551234567"}, "phone: Value error, phone must be an E.164 number"),
        ({"phone": "+1 555 123 4567"}, "E.164"),
        ({"status": "closed"}, "status: Input should be 'active' or 'suspended'"),
        ({"email": "x@example.com"}, "email: Extra inputs are not permitted"),
    ],
    ids=[
        "birth-date-missing",
        "birth-date-impossible",
        "birth-date-future",
        "birth-date-too-old",
        "country-lower-case",
        "country-alpha-3",
        "country-unassigned",
        "phone-without-plus",
        "phone-with-spaces",
        "status-closed",
        "identity-is-not-asked-twice",
    ],
)
def test_invalid_blocks(block: dict[str, Any], fragment: str) -> None:
    value = {"date_of_birth": "1990-01-01", **block} if block else {}
    found = errors(TraderPalTrader, value)
    assert any(fragment in e for e in found), found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+15551234567", "+15551234567"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("+44 20.7123.4567", "+442071234567"),
        ("(555) 123-4567", None),
        ("+0123456", None),
    ],
    ids=["e164", "punctuated", "dotted", "no-country-code", "leading-zero"],
)
def test_e164_normalises_punctuation_only(text: str, expected: str | None) -> None:
    assert e164(text) == expected


def test_check_asks_for_an_e164_phone_when_the_contact_has_none() -> None:
    settings = TraderPalSettings()
    block = TraderPalTrader.model_validate({"date_of_birth": "1990-01-01"})
    problems = check(settings, block, trader(phone="555-123-4567"))
    assert [(p.path, "E.164" in p.message) for p in problems] == [(("contact", "phone"), True)]
    assert check(settings, block, trader(phone="+1 555 123 4567")) == []
    given = TraderPalTrader.model_validate({"date_of_birth": "1990-01-01", "phone": "+15550000000"})
    assert check(settings, given, trader(phone="555-123-4567")) == []
