"""Manifest models as the trader cache pickles them: read back equal, of the same class, with
the fields they were given (one set for the models that shared one), frozen, and serialised
as before; frozen models alike one another read back as one, and only those; a model with
extra values or private attributes as pydantic pickles it."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
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


def test_traders_that_declare_alike_blocks_read_back_sharing_them(tmp_path: Path) -> None:
    traders = load(write_firm(tmp_path), None).traders[:29]
    first, second, later = traders[0], traders[1], traders[28]  # born on the same day: 0, 28
    assert first.password is not second.password  # validated apart
    assert first.contact is not second.contact
    assert first.platforms["traderpal"] is not later.platforms["traderpal"]
    blocks = [dict(t.platforms) for t in traders]  # held apart too, as the cache holds them

    read, read_blocks = pickle.loads(pickling.dumps((traders, blocks)))

    assert read == traders
    assert read[0].password is read[1].password is read[28].password
    assert read[0].contact is read[1].contact
    assert read[0].platforms["traderpal"] is read[28].platforms["traderpal"]
    assert read[0].platforms["traderpal"] is not read[1].platforms["traderpal"]  # born apart
    for trader, platforms in zip(read, read_blocks, strict=True):
        assert trader.platforms["traderpal"] is platforms["traderpal"]  # still the same one
    assert read[0].contact is not None
    with pytest.raises(ValidationError):
        read[0].contact.city = "Elsewhere"  # frozen: sharing it changes nothing


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: object = None
    inner: _Frozen | None = None


class _Thawed(BaseModel):
    value: object = None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (_Frozen(value=1), _Frozen(value=1.0)),  # equal, of two types
        (_Frozen(value=True), _Frozen(value=1)),
        (_Frozen(value=0.0), _Frozen(value=-0.0)),
        (_Frozen(value=Decimal("1.0")), _Frozen(value=Decimal("1.00"))),
        (
            _Frozen(value=datetime(2026, 1, 1, 12, tzinfo=UTC)),
            _Frozen(value=datetime(2026, 1, 1, 13, tzinfo=timezone(timedelta(hours=1)))),
        ),
        (_Frozen(), _Frozen(value=None)),  # the same values, but one was given
        (_Frozen(inner=_Frozen(value=1)), _Frozen(inner=_Frozen(value=1.0))),
        (_Frozen(value=[1]), _Frozen(value=[1])),  # a list: not compared
        (_Thawed(value=1), _Thawed(value=1)),  # not frozen: one may change
    ],
)
def test_only_models_alike_in_every_value_and_type_read_back_as_one(
    first: BaseModel, second: BaseModel
) -> None:
    read_first, read_second = pickle.loads(pickling.dumps([first, second]))

    assert read_first is not read_second
    for before, after in ((first, read_first), (second, read_second)):
        assert after == before
        assert after.model_fields_set == before.model_fields_set
        assert repr(after) == repr(before)


def test_alike_models_within_alike_models_read_back_as_one() -> None:
    models = [_Frozen(value="a", inner=_Frozen(value=Decimal("2.50"))) for _ in range(3)]

    read = pickle.loads(pickling.dumps(models))

    assert read == models
    assert read[0] is read[1] is read[2]


def test_a_class_of_models_never_alike_is_no_longer_compared_and_reads_back_the_same() -> None:
    unique = [_Frozen(value=f"own {i}") for i in range(pickling._TRIES)]
    late = [_Frozen(value="late"), _Frozen(value="late")]  # alike, but after the cut-off
    other = [_Other(value=2), _Other(value=2)]
    models = [*unique, *late, *other]

    read = pickle.loads(pickling.dumps(models))

    assert read == models
    assert [type(m) for m in read] == [type(m) for m in models]
    assert read[-3] is not read[-4]
    assert read[-1] is read[-2]  # another class's models: still compared


class _Other(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: object = None


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
