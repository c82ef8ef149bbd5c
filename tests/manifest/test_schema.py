"""The JSON Schema of manifest documents, generated from the models, as editors use it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from reconciler.manifest import manifest_schema, schema_text
from reconciler.providers import schemas
from tests.project import ALICE, TEAM
from tests.spying import calls_of


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = manifest_schema(schemas())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def as_editor_reads(text: str) -> Any:
    """YAML as yaml-language-server sees it: dates are plain strings (YAML 1.2)."""
    return json.loads(
        json.dumps(
            yaml.safe_load(text), default=lambda v: v.isoformat() if isinstance(v, date) else str(v)
        )
    )


def errors(validator: Draft202012Validator, document: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_traders_and_lists_of_traders_validate(validator: Draft202012Validator) -> None:
    assert errors(validator, as_editor_reads(ALICE)) == []
    assert errors(validator, as_editor_reads(TEAM)) == []


@pytest.mark.parametrize(
    ("document", "why"),
    [
        ({"kind": "Trader", "name": "zed", "username": "zed"}, "required fields missing"),
        (
            {
                "name": "zed",
                "username": "zed.z",
                "email": "z@x.com",
                "first_name": "Z",
                "last_name": "Zz",
            },
            "a single trader needs kind",
        ),
        ({"kind": "Firm", "name": "acme", "providers": {"robinhood": {}}}, "an unknown provider"),
        ({"kind": "Firm", "name": "acme", "colour": "red"}, "an unknown Firm key"),
        (
            [
                {
                    "name": "zed",
                    "username": "zed.z",
                    "email": "z@x.com",
                    "first_name": "Z",
                    "last_name": "Zz",
                    "tradovate": {"acounts": []},
                }
            ],
            "a misspelt provider key",
        ),
        ({"kind": "Wizard", "name": "x"}, "an unknown kind"),
    ],
    ids=["missing", "no-kind", "provider", "firm-key", "misspelt", "kind"],
)
def test_what_the_loader_refuses_the_schema_refuses(
    validator: Draft202012Validator, document: Any, why: str
) -> None:
    assert errors(validator, document), why


def test_trader_blocks_may_leave_out_what_firm_defaults_supply(
    validator: Draft202012Validator,
) -> None:
    trader = {
        "kind": "Trader",
        "name": "zed",
        "username": "zed.z",
        "email": "z@x.com",
        "first_name": "Z",
        "last_name": "Zz",
        "tradervue": {},
    }
    assert errors(validator, trader) == []
    firm = {"kind": "Firm", "name": "acme", "defaults": {"tradervue": {"plan": "Silver"}}}
    assert errors(validator, firm) == []


def test_schema_text_is_stable_json_without_module_paths() -> None:
    text = schema_text(schemas())
    assert text == schema_text(schemas())
    assert text.endswith("}\n")
    assert "__" not in "".join(json.loads(text)["$defs"])
    assert '"lifecycle"' in text


def test_the_key_order_answers_each_question_once_and_alike_to_a_new_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`fmt` asks the same questions of the same few schemas for every trader of a file:
    each is answered once, and every answer is the one a walk that keeps nothing gives."""
    from reconciler.manifest.schema import KeyOrder

    schema = manifest_schema(schemas())
    fresh = KeyOrder(schema)
    trader = fresh._fit(schema, shape="object", kind="Trader")
    assert trader is not None
    keys = [*list(trader["properties"])[::-1], "unknown"]
    expected = (fresh._order(trader, keys), [fresh._property(trader, key) for key in keys])
    walk = KeyOrder(schema)
    answered = calls_of(monkeypatch, KeyOrder, "_property")

    for _ in range(3):
        assert walk.fit(schema, shape="object", kind="Trader") == trader
        assert (walk.order(trader, keys), [walk.property(trader, key) for key in keys]) == expected

    assert len(answered) == len(keys)  # each asked three times, answered once
    assert walk.fit(None, shape="array", kind=None) == fresh._fit(None, shape="array", kind=None)
