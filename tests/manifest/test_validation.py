from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field, SecretStr, field_validator

from reconciler.manifest.models import Frozen, Problem
from reconciler.manifest.validation import located, validate


class Token(Frozen):
    value: SecretStr

    @field_validator("value")
    @classmethod
    def _echo(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value().startswith("x"):
            raise ValueError(f"{value.get_secret_value()} starts with x")
        if len(value.get_secret_value()) < 4:
            raise ValueError("value is too short")
        return value


class Endpoint(Frozen):
    url: str = Field(pattern=r"^https://")
    port: int = 443


class Service(Frozen):
    name: str = Field(min_length=2)
    mode: str | Endpoint = "auto"
    tokens: dict[str, Token] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


def problems(value: Any) -> list[str]:
    model, found = validate(Service, value, prefix=("service",))
    assert model is None
    return [located(problem) for problem in found]


def test_valid_value_gives_the_model_and_no_problems() -> None:
    assert validate(Service, {"name": "api"}) == (Service(name="api"), [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, ["service.name: Field required"]),
        ({"name": "a"}, ["service.name: String should have at least 2 characters"]),
        ({"name": "api", "tags": ["a", 3]}, ["service.tags.1: Input should be a valid string"]),
        ({"name": "api", "nme": 1},
         ["service.nme: unknown field (expected one of: mode, name, tags, tokens)"]),
        ({"name": "api", "mode": 5},
         ["service.mode: Input should be a valid string, or a valid dictionary or instance of "
          "Endpoint"]),
        ({"name": "api", "mode": {"url": "http://x"}},
         ["service.mode.url: String should match pattern '^https://'"]),
        ({"name": "api", "mode": {"port": 1, "prot": 2}},
         ["service.mode.url: Field required",
          "service.mode.prot: unknown field (expected one of: port, url)"]),
        ({"name": "api", "tokens": {"a": {"value": 12345}}},
         ["service.tokens.a.value: is invalid (value not shown: it is secret)"]),
        ({"name": "api", "tokens": {"a": {"value": "xsecret"}}},
         ["service.tokens.a.value: is invalid (value not shown: it is secret)"]),
        ({"name": "api", "tokens": {"a": {"value": "abc"}}},
         ["service.tokens.a.value: value is too short"]),
        ([], ["service: Input should be a valid dictionary or instance of Service"]),
    ],
    ids=[
        "missing", "too-short", "list-item", "unknown-field", "union-type-errors-merged",
        "union-member-error-kept", "union-member-errors", "secret-type", "secret-echoed",
        "secret-safe-reason", "document-itself",
    ],
)  # fmt: skip
def test_errors_become_concise_located_messages(value: Any, expected: list[str]) -> None:
    assert problems(value) == expected


def test_located_omits_the_path_of_the_document_itself() -> None:
    assert located(Problem((), "whole thing")) == "whole thing"
    assert located(Problem(("a", 0, "b"), "part")) == "a.0.b: part"
