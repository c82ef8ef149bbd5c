"""The JSON Schema of manifest documents, generated from the pydantic models (Firm, Trader and
each provider's blocks), for editors (`yaml-language-server`) and `reconciler fmt`'s key order.

A document is a Firm, a Trader, or a list of traders (`kind` optional in the list). A trader's
provider blocks may leave out what the Firm's `defaults` supply, so their top-level keys are
not required; everything else is exactly what the loader validates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from reconciler.manifest.models import Firm, ProviderSchema, Trader

Schema = Mapping[str, Any]
"""A JSON Schema, or a part of one."""

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "manifest.schema.json"
"""Where a manifests directory keeps the schema its modelines point at."""


def manifest_schema(schemas: Mapping[str, ProviderSchema]) -> dict[str, Any]:
    """The schema of one manifest document, given every provider's manifest schema."""
    models: list[type[BaseModel]] = [Firm, Trader]
    for schema in schemas.values():
        models += [schema.settings, schema.trader]
    refs, top = models_json_schema([(model, "validation") for model in models])
    defs: dict[str, Any] = top["$defs"]

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return dict(refs[(model, "validation")])

    def block(model: type[BaseModel]) -> dict[str, Any]:
        return {"anyOf": [ref(model), {"type": "null"}]}

    for schema in schemas.values():
        _definition(defs, ref(schema.trader)).pop("required", None)  # defaults may fill them
    firm = _definition(defs, ref(Firm))
    firm["required"] = sorted({*firm.get("required", ()), "kind"})
    firm["properties"]["providers"] = _object(
        {name: ref(schema.settings) for name, schema in schemas.items()}
    )
    firm["properties"]["defaults"] = _object(
        {name: ref(schema.trader) for name, schema in schemas.items()}
    )
    trader = _definition(defs, ref(Trader))
    del trader["properties"]["platforms"]
    trader["properties"].update({name: block(schema.trader) for name, schema in schemas.items()})
    trader["additionalProperties"] = False
    document = {
        "$schema": SCHEMA_DIALECT,
        "title": "reconciler manifest",
        "description": "One YAML document: a Firm, a Trader, or a list of traders.",
        "oneOf": [
            ref(Firm),
            {"allOf": [ref(Trader), {"required": ["kind"]}]},
            {"type": "array", "items": ref(Trader)},
        ],
        "$defs": dict(sorted(defs.items())),
    }
    return _short_names(document)


def schema_text(schemas: Mapping[str, ProviderSchema]) -> str:
    """The schema as the file `reconciler schema` prints and manifests directories commit."""
    return json.dumps(manifest_schema(schemas), indent=2, ensure_ascii=False) + "\n"


class KeyOrder:
    """Walks the manifest schema alongside a document (for `fmt`): each mapping's key order and
    each value's schema, choosing the union branch that fits (by `kind`, object or array).

    Each answer is kept for the schema object and arguments it was given (a file of thousands
    of traders asks the same questions of the same few schemas thousands of times); the
    schema is kept with it, so the object an answer was kept for is the one asked about."""

    def __init__(self, schema: Schema) -> None:
        self.defs: Schema = schema.get("$defs", {})
        self._known: dict[tuple[Any, ...], tuple[Schema | None, Any]] = {}

    def _kept(
        self, schema: Schema | None, question: tuple[Any, ...], answer: Callable[[], Any]
    ) -> Any:
        """The answer kept for `question` about `schema`, else `answer()` (then kept)."""
        key = (id(schema), *question)
        found = self._known.get(key)
        if found is not None and found[0] is schema:
            return found[1]
        value = answer()
        self._known[key] = (schema, value)
        return value

    def order(self, schema: Schema | None, keys: Sequence[str]) -> list[int] | None:
        """Indices of `keys` in schema order, unknown keys after in their order; None when
        the keys are names the firm chose (a mapping without declared properties). The list
        is shared by the callers asking alike: read it, never change it."""
        found: list[int] | None = self._kept(
            schema, ("order", *keys), lambda: self._order(schema, keys)
        )
        return found

    def _order(self, schema: Schema | None, keys: Sequence[str]) -> list[int] | None:
        properties = list(self.resolve(schema).get("properties", {}))
        if not properties:
            return None
        rank = {name: index for index, name in enumerate(properties)}
        return sorted(range(len(keys)), key=lambda i: (rank.get(keys[i], len(rank)), i))

    def property(self, schema: Schema | None, key: str) -> Schema | None:
        found: Schema | None = self._kept(
            schema, ("property", key), lambda: self._property(schema, key)
        )
        return found

    def _property(self, schema: Schema | None, key: str) -> Schema | None:
        resolved = self.resolve(schema)
        found = resolved.get("properties", {}).get(key)
        if found is None and isinstance(resolved.get("additionalProperties"), Mapping):
            found = resolved["additionalProperties"]
        return found if isinstance(found, Mapping) else None

    def items(self, schema: Schema | None) -> Schema | None:
        items = self.resolve(schema).get("items")
        return items if isinstance(items, Mapping) else None

    def fit(self, schema: Schema | None, *, shape: str, kind: str | None) -> Schema | None:
        """The branch of a union that fits a value of `shape` ("object" or "array"): for a
        mapping, the object whose `kind` constant matches, else the first object."""
        found: Schema | None = self._kept(
            schema, ("fit", shape, kind), lambda: self._fit(schema, shape=shape, kind=kind)
        )
        return found

    def _fit(self, schema: Schema | None, *, shape: str, kind: str | None) -> Schema | None:
        resolved = self.resolve(schema)
        branches = resolved.get("anyOf") or resolved.get("oneOf") or resolved.get("allOf")
        if not branches:
            return resolved or None
        options = [self.fit(branch, shape=shape, kind=kind) for branch in branches]
        fitting = [o for o in options if o and _shape(o) == shape]
        for option in fitting:
            if option.get("properties", {}).get("kind", {}).get("const") == kind:
                return option
        return fitting[0] if fitting else None

    def resolve(self, schema: Schema | None) -> Schema:
        while schema and "$ref" in schema:
            schema = self.defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return schema or {}


def _shape(schema: Schema) -> str:
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    return str(schema.get("type", ""))


def _short_names(document: dict[str, Any]) -> dict[str, Any]:
    """Name definitions pydantic had to qualify by module (two providers' `Credentials`) after
    their provider (`TradervueCredentials`), so the schema does not depend on module paths."""
    renames: dict[str, str] = {}
    for name in document["$defs"]:
        if "__providers__" in name:
            provider = name.split("__providers__", 1)[1].split("__", 1)[0]
            renames[name] = provider.title() + name.rsplit("__", 1)[-1]
    if not renames:
        return document
    text = json.dumps(document)
    for old, new in renames.items():
        text = text.replace(f'"#/$defs/{old}"', f'"#/$defs/{new}"').replace(
            f'"{old}":', f'"{new}":'
        )
    renamed: dict[str, Any] = json.loads(text)
    renamed["$defs"] = dict(sorted(renamed["$defs"].items()))
    return renamed


def _definition(defs: Mapping[str, Any], ref: Mapping[str, Any]) -> dict[str, Any]:
    name = str(ref["$ref"]).rsplit("/", 1)[-1]
    found: dict[str, Any] = defs[name]
    return found


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "additionalProperties": False}
