"""The recorded resources of a document, kept compact: each record stays the JSON text it was
stored as (canonical: sorted keys, no spaces) and is decoded into a `ResourceState` only when
it is looked at, so reading a large state decodes nothing per record (and a write can tell the
records it changed by identity, then by text)."""

from __future__ import annotations

import json
from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, ValidationError
from pydantic_core import core_schema

from reconciler.errors import StateError
from reconciler.state.encoding import dump_compact


class ResourceState(BaseModel):
    """What was last applied to one address: the platform's id, the natural key it is found
    by, the applied attributes (secrets only as keyed digests) and facts learnt from the
    platform; `created_at` is when the address was first recorded (kept by every later write
    through `StateEditor.put`; empty until a document is edited or migrated); `fingerprint` a
    digest of what the record was made from (empty when none was taken; not stored then)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    remote_id: str
    natural_key: str = ""
    attributes: dict[str, Any]
    facts: dict[str, Any] = Field(default_factory=dict)
    updated_at: str
    created_at: str = ""
    fingerprint: str = ""


RawRecord = str
"""A record as stored: canonical compact JSON of the fields of `ResourceState` (`fingerprint`
left out when empty)."""


def raw_record(record: ResourceState | dict[str, Any]) -> RawRecord:
    """The stored form of `record` (a model, or its fields as JSON values)."""
    fields = record.model_dump(mode="json") if isinstance(record, ResourceState) else dict(record)
    if not fields.get("fingerprint", True):
        del fields["fingerprint"]
    return dump_compact(fields)


def fields_of(raw: RawRecord) -> dict[str, Any]:
    """The fields of a stored record; StateError when it is not a JSON object."""
    try:
        fields = json.loads(raw)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise StateError("invalid state document: a record is not a JSON object")
    return fields


_VALIDATE_JSON = ResourceState.__pydantic_validator__.validate_json


def record_of(raw: RawRecord) -> ResourceState:
    """The model of a stored record. Parsed and checked by pydantic-core in one step (faster
    than decoding the JSON and constructing the model unvalidated); a record that does not
    validate is built unvalidated as before: stored records were validated when written."""
    try:
        model: ResourceState = _VALIDATE_JSON(raw)  # model_validate_json without its checks
        return model
    except ValidationError:
        return ResourceState.model_construct(**fields_of(raw))


_REMOTE_ID = ',"remote_id":"'
_STRING = json.JSONDecoder()

_Built = dict[str, tuple[RawRecord, ResourceState]]
"""Models already built, by address, with the stored form each was built from."""


class Records(Mapping[str, ResourceState]):
    """Records by address; `raw` maps each address to its stored form (never changed in place:
    an edit puts a new object, so an unchanged record is the very object that was read).

    A model is built on first lookup and kept, shared with the documents edited from this one:
    an unchanged record looked up in either is the same object. Iterating `items()` or
    `values()` keeps none (a pass over a large state holds no model per record)."""

    __slots__ = ("_built", "_origin", "_raw")

    def __init__(
        self, raw: dict[str, RawRecord] | None = None, built: _Built | None = None
    ) -> None:
        self._raw: dict[str, RawRecord] = {} if raw is None else raw
        self._built: _Built = {} if built is None else built
        self._origin: tuple[dict[str, RawRecord], frozenset[str]] | None = None

    def derived(self, raw: dict[str, RawRecord], touched: frozenset[str]) -> Records:
        """Records of `raw`, an edit of this one's at the addresses `touched` (and no other),
        sharing the models built so far."""
        records = Records(raw, self._built)
        records._origin = (self._raw, touched)
        return records

    def touched_since(self, raw: Mapping[str, RawRecord]) -> frozenset[str] | None:
        """The addresses edited since the records `raw`, when these are an edit of them."""
        origin = self._origin
        return origin[1] if origin is not None and origin[0] is raw else None

    @classmethod
    def stored(cls, raw: object) -> Records:
        """Records of a stored document of the current format (texts, not checked further)."""
        if not isinstance(raw, dict):
            raise StateError("invalid state document: resources: expected an object")
        return cls(raw)

    @classmethod
    def validate(cls, value: object) -> Records:
        """Records from models or JSON objects (each validated), or `value` when it is Records."""
        if isinstance(value, Records):
            return value
        if not isinstance(value, Mapping):
            raise ValueError("expected an object of records by address")
        return cls(
            {
                str(address): raw_record(
                    record
                    if isinstance(record, ResourceState)
                    else ResourceState.model_validate(record)
                )
                for address, record in value.items()
            }
        )

    @classmethod
    def _validated(
        cls, value: object, handler: core_schema.ValidatorFunctionWrapHandler
    ) -> Records:
        if isinstance(value, Records):
            return value
        return cls({address: raw_record(record) for address, record in handler(value).items()})

    @property
    def raw(self) -> dict[str, RawRecord]:
        """The stored form of every record by address (read it, never change it)."""
        return self._raw

    def __getitem__(self, address: str) -> ResourceState:
        return self._model(address, self._raw[address])

    def get(self, address: str, default: Any = None) -> Any:
        raw = self._raw.get(address)
        return default if raw is None else self._model(address, raw)

    def items(self) -> ItemsView[str, ResourceState]:
        return _Items(self)

    def values(self) -> ValuesView[ResourceState]:
        return _Values(self)

    def remote_id(self, address: str) -> str:
        """The platform id recorded at `address` (KeyError when none is), read from the record's
        text without decoding the rest of it."""
        raw = self._raw[address]
        # canonical text sorts `remote_id` after attributes, facts and natural_key and before
        # `updated_at`: its last unescaped occurrence is the record's own
        at = raw.rfind(_REMOTE_ID)
        if at >= 0:
            try:
                value, _ = _STRING.raw_decode(raw, at + len(_REMOTE_ID) - 1)
            except ValueError:
                value = None
            if isinstance(value, str):
                return value
        return str(fields_of(raw)["remote_id"])

    def kept(self, address: str, raw: RawRecord) -> ResourceState | None:
        """The model kept for `address` when it was built from the very text `raw`."""
        built = self._built.get(address)
        return built[1] if built is not None and built[0] is raw else None

    def release(self) -> None:
        """Let every record go, for a run that has read all it needs of them (a plan that
        writes nothing): the records of this object, and of every document sharing it, are
        empty afterwards."""
        self._raw = {}
        self._built = {}
        self._origin = None

    def drain(self) -> Iterator[tuple[str, RawRecord, ResourceState | None]]:
        """`release`, a record at a time: (address, stored form, the model kept for it) of
        every record, each let go as the next is taken, for a run that reads each record once
        and writes nothing (a plan decodes a large state without holding all its texts and
        all they decode to at once). This object is empty from the first record on, and so is
        every document sharing its records (an unchanged edit's snapshot too)."""
        raw, built = self._raw, self._built
        self.release()
        for address in list(raw):
            text = raw.pop(address)
            kept = built.pop(address, None)
            yield address, text, kept[1] if kept is not None and kept[0] is text else None

    def mentioning(self, word: str) -> Iterator[tuple[str, ResourceState]]:
        """(address, model) of each record whose text may hold the JSON string `word`: holds it
        literally, or holds an escape (which could spell it); no other record is decoded."""
        literal = json.dumps(word)
        for address, raw in self._raw.items():
            if literal in raw or "\\" in raw:
                yield address, self.passing(address, raw)

    def passing(self, address: str, raw: RawRecord) -> ResourceState:
        """The model of one record for a pass over all: the kept one, else a new one not kept."""
        built = self._built.get(address)
        return built[1] if built is not None and built[0] is raw else record_of(raw)

    def _model(self, address: str, raw: RawRecord) -> ResourceState:
        built = self._built.get(address)
        if built is not None and built[0] is raw:
            return built[1]
        model = record_of(raw)
        self._built[address] = (raw, model)
        return model

    def __contains__(self, address: object) -> bool:
        return address in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Records):
            return self._raw == other._raw
        if isinstance(other, Mapping):
            return self == Records.validate(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Records({len(self._raw)} records)"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        models = core_schema.dict_schema(
            core_schema.str_schema(), handler.generate_schema(ResourceState)
        )
        return core_schema.no_info_wrap_validator_function(
            cls._validated,
            models,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda records: {address: fields_of(raw) for address, raw in records.raw.items()}
            ),
        )


class _Items(ItemsView[str, ResourceState]):
    _mapping: Records

    def __iter__(self) -> Iterator[tuple[str, ResourceState]]:
        built = self._mapping._built  # `passing`, inlined: a pass over a large state
        for address, raw in self._mapping.raw.items():
            kept = built.get(address)
            yield address, kept[1] if kept is not None and kept[0] is raw else record_of(raw)


class _Values(ValuesView[ResourceState]):
    _mapping: Records

    def __iter__(self) -> Iterator[ResourceState]:
        records = self._mapping
        for address, raw in records.raw.items():
            yield records.passing(address, raw)


__all__ = ["RawRecord", "Records", "ResourceState", "fields_of", "raw_record", "record_of"]
