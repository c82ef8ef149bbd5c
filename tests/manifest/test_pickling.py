"""Manifest models as the trader cache pickles them: read back equal, of the same class, with
the fields they were given (one set for the models that shared one), frozen, and serialised
as before; a model with extra values or private attributes as pydantic pickles it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from reconciler.manifest import pickling
from tests.manifest.test_parse_cache import load
from tests.manifest.test_trader_cache import write_firm


def test_validated_traders_read_back_as_they_were(tmp_path: Path) -> None:
    traders = load(write_firm(tmp_path), None).traders[:3]

    read = pickle.loads(pickling.dumps(traders))

    assert read == traders
    for before, after in zip(traders, read, strict=True):
        assert type(after) is type(before)
        assert after.model_fields_set == before.model_fields_set
        assert after.model_dump() == before.model_dump()
        assert after.contact is not None
        assert before.contact is not None
        assert type(after.contact) is type(before.contact)
        assert after.contact.model_fields_set == before.contact.model_fields_set
    with pytest.raises(ValidationError):
        read[0].name = "renamed"  # still frozen


def test_models_that_shared_their_set_of_fields_given_still_share_one(tmp_path: Path) -> None:
    first, second = load(write_firm(tmp_path), None).traders[:2]
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__

    read_first, read_second = pickle.loads(pickling.dumps([first, second]))

    assert read_first.__pydantic_fields_set__ is read_second.__pydantic_fields_set__


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    _seen: int = PrivateAttr(default=0)


def test_a_model_with_extra_values_or_private_attributes_keeps_them() -> None:
    model = _Open(name="a", more="b")  # an extra value
    model._seen = 3

    read = pickle.loads(pickling.dumps(model))

    assert read == model
    assert read.model_extra == {"more": "b"}
    assert read._seen == 3
