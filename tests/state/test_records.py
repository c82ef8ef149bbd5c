"""Records kept as their stored text: looked up as models, their remote ids read without
decoding, compared and copied without building models."""

from __future__ import annotations

import pytest

from reconciler.state import ResourceState, StateDocument, decoded_parts, since_of, stamps_of
from reconciler.state.record_parts import parts_of
from reconciler.state.records import Records, record_of


def document_of(**records: ResourceState) -> StateDocument:
    editor = StateDocument.new().edit()
    for name, record in records.items():
        editor.put(f"tradovate_user.{name}", record)
    return editor.snapshot()


@pytest.mark.parametrize(
    "remote_id", ["42", 'quote " and back\\slash', "ünï", ',"remote_id":"decoy"']
)
def test_the_remote_id_is_the_records_own_whatever_its_attributes_hold(remote_id: str) -> None:
    decoy = {"remote_id": "decoy", "nested": {"remote_id": "deeper"}}
    record = ResourceState(
        remote_id=remote_id,
        attributes=decoy,
        facts={"remote_id": "fact"},
        natural_key='nk ,"remote_id":"x"',
        updated_at='u ,"remote_id":"y"',
    )
    records = document_of(a=record).resources

    assert records.remote_id("tradovate_user.a") == remote_id
    assert records["tradovate_user.a"] == record.model_copy(
        update={"created_at": 'u ,"remote_id":"y"'}
    )


def test_a_pass_over_the_records_keeps_no_model_but_a_lookup_does() -> None:
    record = ResourceState(remote_id="1", attributes={}, updated_at="t")
    records = document_of(a=record, b=record).resources

    passed = [value for _, value in records.items()]
    again = [value for _, value in records.items()]

    assert passed == again
    assert all(first is not second for first, second in zip(passed, again, strict=True))
    assert records["tradovate_user.a"] is records["tradovate_user.a"]


def stored(document: StateDocument, old: str, new: str) -> Records:
    """The records of `document` as stored texts in which `old` was written as `new`."""
    return Records({a: raw.replace(old, new) for a, raw in document.resources.raw.items()})


def test_a_record_that_does_not_validate_is_still_read_as_stored() -> None:
    document = document_of(a=ResourceState(remote_id="7", attributes={"x": 1}, updated_at="t"))

    record = stored(document, '"remote_id":"7"', '"remote_id":7')["tradovate_user.a"]

    remote_id: object = record.remote_id  # stored as a number: not what the model declares
    assert (remote_id, record.attributes, record.updated_at) == (7, {"x": 1}, "t")


def test_the_records_mentioning_a_word_include_every_one_that_holds_it() -> None:
    flagged = ResourceState(remote_id="1", attributes={}, facts={"protected": True}, updated_at="t")
    named = ResourceState(remote_id="2", attributes={"protected": "no"}, updated_at="t")
    plain = ResourceState(remote_id="3", attributes={"city": "Chicago"}, updated_at="t")
    spelt = ResourceState(remote_id="4", attributes={}, facts={"qrotected": True}, updated_at="t")
    document = document_of(a=flagged, b=named, c=plain, d=spelt)
    records = stored(document, '"qrotected"', '"\\u0070rotected"')

    found = dict(records.mentioning("protected"))

    assert sorted(found) == ["tradovate_user.a", "tradovate_user.b", "tradovate_user.d"]
    assert found["tradovate_user.d"].facts == {"protected": True}


def parts_by_model(records: Records) -> dict[str, tuple[object, ...]]:
    return {
        address: (r.remote_id, r.natural_key, r.attributes, r.facts, since_of(r))
        for address, r in records.items()
    }


def test_the_parts_a_plan_reads_are_those_of_the_models() -> None:
    document = document_of(
        a=ResourceState(
            remote_id="1",
            natural_key="k",
            attributes={"n": 1.5, "flag": True, "nested": {"list": [1, "two", None]}},
            facts={"signed": "2026-01-01"},
            updated_at="t",
        ),
        b=ResourceState(remote_id='ü " \\', attributes={}, updated_at="t"),
    )
    records = document.resources

    assert dict(decoded_parts(records)) == parts_by_model(records)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"remote_id":"7"', '"remote_id":7'),  # not the declared type
        (',"natural_key":"k"', ',"natural_key":null'),
        ('"facts":{}', '"facts":[]'),
        ('"attributes":{"x":1}', '"attributes":"x"'),
        ('"created_at":"t",', '"created_at":1,'),
        (',"updated_at":"t"', ""),  # neither stamp: since when is not known
    ],
)
def test_a_record_of_another_shape_gives_the_parts_its_model_reads(old: str, new: str) -> None:
    document = document_of(
        a=ResourceState(remote_id="7", natural_key="k", attributes={"x": 1}, updated_at="t")
    )
    records = stored(document, old, new)
    assert old in document.resources.raw["tradovate_user.a"]

    assert dict(decoded_parts(records)) == parts_by_model(records)


def test_the_parts_of_a_looked_up_record_are_its_kept_models() -> None:
    document = document_of(a=ResourceState(remote_id="1", attributes={"x": {}}, updated_at="t"))
    records = document.resources
    model = records["tradovate_user.a"]

    (_, (_, _, attributes, _, _)), *_ = decoded_parts(records)

    assert attributes is model.attributes


@pytest.mark.parametrize(
    "text",
    [
        '{"remote_id":"1","attributes":{"a":1},"facts":{"mda_signed":true},'
        '"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"}',
        '{"remote_id":"1","attributes":{},"updated_at":"2026-01-02T00:00:00Z"}',  # older
        '{"remote_id":"1","attributes":{},"facts":null,"updated_at":"2026-01-02T00:00:00Z"}',
        '{"remote_id":"1","attributes":{},"facts":[1],"updated_at":"2026-01-02T00:00:00Z"}',
        '{"remote_id":"1","attributes":{},"created_at":5,"updated_at":"2026-01-02T00:00:00Z"}',
    ],
)
def test_the_stamps_of_a_record_are_its_models(text: str) -> None:
    """`stamps_of` reads a record's stamps as its model gives them, and its facts as a plan
    reads them (`parts_of`: none for a null); a record of an unexpected shape is read
    through the model, as it was."""
    model = record_of(text)
    stamps = stamps_of(text)
    assert (stamps.created_at, stamps.updated_at) == (model.created_at, model.updated_at)
    assert stamps.facts == parts_of(text)[3]
