"""Tests for the state document: canonical bytes, migrations, errors, the editor, digests."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from reconciler.errors import StateError
from reconciler.state import (
    FORMAT_VERSION,
    MIGRATIONS,
    PendingOperation,
    ResourceState,
    StateDocument,
    keyed_digest,
)
from reconciler.state.document import _canonical_header, parse_header
from reconciler.state.encoding import ENTRIES_PER_CHUNK, decode_document, dump_compact

ALICE = ResourceState(
    remote_id="101",
    attributes={"name": "alice.smith", "email": "alice@example.com", "city": "Zürich"},
    facts={"created": "2024-05-01"},
    updated_at="2024-05-01T10:00:00+00:00",
)
BOB = ResourceState(
    remote_id="102", attributes={"name": "bob"}, updated_at="2024-05-01T10:00:00+00:00"
)
OP = PendingOperation(
    id="op-1",
    address="tradovate_user.carol",
    action="create",
    natural_key="carol.jones",
    started_at="2024-05-01T10:00:01+00:00",
)


def sample_document() -> StateDocument:
    return StateDocument(
        format_version=FORMAT_VERSION,
        lineage="3f6c1d9e-5d7a-4c33-9a59-111111111111",
        serial=7,
        resources={"tradovate_user.bob": BOB, "tradovate_user.alice": ALICE},
        pending={OP.id: OP},
    )


def test_document_round_trips_through_bytes() -> None:
    doc = sample_document()

    assert StateDocument.from_bytes(doc.to_bytes()) == doc


def test_bytes_are_canonical_regardless_of_insertion_order() -> None:
    doc = sample_document()
    reordered = doc.model_copy(
        update={"resources": {"tradovate_user.alice": ALICE, "tradovate_user.bob": BOB}}
    )

    data = doc.to_bytes()

    assert data == reordered.to_bytes()
    assert data.endswith(b"}\n")
    assert "Zürich".encode() in data
    parsed = json.loads(data)
    assert list(parsed) == sorted(parsed)
    assert list(parsed["resources"]) == ["tradovate_user.alice", "tradovate_user.bob"]


@pytest.mark.parametrize(
    "address",
    [
        "tradovate_user.zoë",
        'tradovate_user.a"b',
        "tradovate_user.a\\b",
        "x.a\nb",
        "x.\x7f",
        'tradovate_user.zoë"ü',  # escaped after a character of two bytes: read by offset
    ],
)
def test_an_address_is_written_as_json_writes_it(address: str) -> None:
    doc = sample_document().model_copy(update={"resources": {address: BOB}})

    data = doc.to_bytes()

    assert f"    {json.dumps(address, ensure_ascii=False)}: ".encode() in data
    assert StateDocument.from_bytes(data) == doc


@pytest.mark.parametrize(
    "address",
    [
        "tradovate_user.zoë",
        'tradovate_user.a"b',
        'tradovate_user.zoë"ü',  # escaped after a character of two bytes: read by offset
        "x.a\nb",
    ],
)
def test_a_canonical_document_is_read_line_by_line_as_json_reads_it(address: str) -> None:
    resources = {address: BOB, "tradovate_user.alice": ALICE, "tradovate_user.zz": BOB}
    data = sample_document().model_copy(update={"resources": resources}).to_bytes()

    raw = decode_document(data)

    parsed = json.loads(data)
    assert raw["resources"] == {k: dump_compact(v) for k, v in parsed["resources"].items()}
    assert {k: v for k, v in raw.items() if k != "resources"} == {
        k: v for k, v in parsed.items() if k != "resources"
    }


def test_a_large_document_is_written_in_bounded_pieces_of_the_same_bytes() -> None:
    records = {f"tradovate_user.trader{n:05d}": BOB for n in range(2 * ENTRIES_PER_CHUNK + 1)}
    doc = sample_document().model_copy(update={"resources": records})

    pieces = list(doc.to_chunks())

    assert b"".join(pieces) == doc.to_bytes()
    assert StateDocument.from_bytes(b"".join(pieces)) == doc
    assert max(len(piece) for piece in pieces) < len(doc.to_bytes()) / 2
    empty = StateDocument.new()
    assert b"".join(empty.to_chunks()) == empty.to_bytes()


def test_bytes_hold_one_record_per_line() -> None:
    lines = sample_document().to_bytes().decode().splitlines()

    assert sum('"tradovate_user.' in line for line in lines) == 3  # two resources, one pending


def test_empty_document_round_trips() -> None:
    doc = StateDocument.new()

    assert StateDocument.from_bytes(doc.to_bytes()) == doc


def test_new_document_has_a_uuid4_lineage_and_serial_zero() -> None:
    doc = StateDocument.new()

    assert uuid.UUID(doc.lineage).version == 4
    assert doc.serial == 0
    assert doc.format_version == FORMAT_VERSION
    assert doc.resources == {}
    assert doc.pending == {}
    assert StateDocument.new().lineage != doc.lineage


def test_new_document_keeps_a_given_lineage() -> None:
    assert StateDocument.new(lineage="fixed").lineage == "fixed"


def test_migrations_run_in_order_up_to_the_current_format() -> None:
    """A v0 document with `records` instead of `resources` is read through an injected step."""
    seen: list[int] = []

    def rename_records(raw: dict[str, Any]) -> dict[str, Any]:
        seen.append(raw["format_version"])
        migrated = {key: value for key, value in raw.items() if key != "records"}
        migrated["resources"] = raw["records"]
        return migrated

    v0 = {
        "format_version": 0,
        "lineage": "old",
        "serial": 3,
        "records": {"tradovate_user.bob": BOB.model_dump()},
    }

    doc = StateDocument.from_bytes(
        json.dumps(v0).encode(), migrations={**MIGRATIONS, 0: rename_records}
    )

    assert seen == [0]
    assert doc.format_version == FORMAT_VERSION
    assert doc.serial == 3
    assert doc.resources == {
        "tradovate_user.bob": BOB.model_copy(update={"created_at": BOB.updated_at})
    }


def test_version_1_moves_the_natural_key_out_of_the_facts() -> None:
    v1 = {
        "format_version": 1,
        "lineage": "old",
        "serial": 7,
        "resources": {
            "tradovate_user.bob": {
                "remote_id": "42",
                "attributes": {"name": "bob.jones"},
                "facts": {"natural_key": "bob.jones", "signed": True},
                "updated_at": "2026-01-01T00:00:00Z",
            }
        },
    }

    doc = StateDocument.from_bytes(json.dumps(v1).encode())

    record = doc.resources["tradovate_user.bob"]
    assert doc.format_version == FORMAT_VERSION == 4
    assert (doc.lineage, doc.serial) == ("old", 7)
    assert record.natural_key == "bob.jones"
    assert record.facts == {"signed": True}
    assert json.loads(doc.to_bytes())["format_version"] == 4


def test_version_2_records_start_their_waits_at_their_last_update() -> None:
    """A record without `created_at` gets its `updated_at`: the earliest time state knows."""
    v2 = {
        "format_version": 2,
        "lineage": "old",
        "resources": {
            "tradovate_user.bob": {
                "remote_id": "42",
                "attributes": {},
                "updated_at": "2026-01-01T00:00:00Z",
            },
            "traderpal_user.bob": {
                "remote_id": "u1",
                "attributes": {},
                "updated_at": "2026-01-02T00:00:00Z",
                "created_at": "2025-12-30T00:00:00Z",
            },
        },
    }

    doc = StateDocument.from_bytes(json.dumps(v2).encode())

    created = {a: r.created_at for a, r in doc.resources.items()}
    assert created == {
        "tradovate_user.bob": "2026-01-01T00:00:00Z",
        "traderpal_user.bob": "2025-12-30T00:00:00Z",
    }


def test_the_editor_keeps_the_first_creation_time_across_updates() -> None:
    editor = StateDocument.new().edit()
    first = ResourceState(remote_id="1", attributes={}, updated_at="2026-01-01T00:00:00Z")
    editor.put("tradovate_user.bob", first)
    later = first.model_copy(update={"attributes": {"x": 1}, "updated_at": "2026-02-01T00:00:00Z"})
    editor.put("tradovate_user.bob", later)
    record = editor.snapshot().resources["tradovate_user.bob"]
    assert (record.created_at, record.updated_at) == (
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
    )


def test_missing_migration_is_a_state_error() -> None:
    v0 = {"format_version": 0, "lineage": "old"}

    with pytest.raises(StateError, match="no migration from state format version 0"):
        StateDocument.from_bytes(json.dumps(v0).encode())


def test_newer_format_is_refused() -> None:
    newer = {"format_version": FORMAT_VERSION + 1, "lineage": "x", "serial": 1}

    with pytest.raises(StateError) as caught:
        StateDocument.from_bytes(json.dumps(newer).encode())

    assert str(caught.value) == (
        f"state format version {FORMAT_VERSION + 1} is newer than this reconciler supports"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b'{"format_version": 1, "lineage": ', "not valid JSON", id="truncated"),
        pytest.param(b"\xff\xfe garbage", "not valid UTF-8", id="binary"),
        pytest.param(b"[1, 2]", "expected a JSON object", id="not-an-object"),
        pytest.param(b'{"lineage": "x"}', "format_version", id="no-version"),
        pytest.param(b'{"format_version": "1", "lineage": "x"}', "format_version", id="text-ver"),
        pytest.param(
            b'{"format_version": 1, "lineage": "x", "serial": -1}', "serial", id="negative-serial"
        ),
        pytest.param(
            b'{"format_version": 1, "lineage": "x", "resources": {"a.b": {"attributes": {}}}}',
            "resources.a.b.remote_id",
            id="resource-missing-fields",
        ),
        pytest.param(
            b'{"format_version": 1, "lineage": "x", "surprise": true}', "surprise", id="extra"
        ),
    ],
)
def test_corrupt_state_is_a_one_line_state_error(data: bytes, expected: str) -> None:
    with pytest.raises(StateError) as caught:
        StateDocument.from_bytes(data)

    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_shape_errors_do_not_echo_stored_values() -> None:
    data = json.dumps(
        {
            "format_version": 1,
            "lineage": "x",
            "resources": {"a.b": {"remote_id": "1", "attributes": {}, "updated_at": ["hunter2"]}},
        }
    ).encode()

    with pytest.raises(StateError) as caught:
        StateDocument.from_bytes(data)

    assert "hunter2" not in str(caught.value)


def test_parse_header_reads_lineage_and_serial() -> None:
    header = parse_header(sample_document().to_bytes())

    assert (header.lineage, header.serial) == ("3f6c1d9e-5d7a-4c33-9a59-111111111111", 7)


def test_parse_header_rejects_a_document_without_lineage() -> None:
    with pytest.raises(StateError, match="lineage or serial"):
        parse_header(b'{"format_version": 1, "serial": 2}')


def test_editor_changes_do_not_touch_the_source_document() -> None:
    source = sample_document()
    before = source.to_bytes()
    editor = source.edit()

    editor.put("tradovate_user.carol", BOB)
    editor.remove("tradovate_user.alice")
    editor.add_pending(OP.model_copy(update={"id": "op-2"}))
    editor.clear_pending(["op-1"])
    edited = editor.snapshot()

    assert source.to_bytes() == before
    assert set(edited.resources) == {"tradovate_user.bob", "tradovate_user.carol"}
    assert set(edited.pending) == {"op-2"}
    assert (edited.lineage, edited.serial) == (source.lineage, source.serial)


def test_editor_changes_after_a_snapshot_do_not_touch_that_snapshot() -> None:
    editor = sample_document().edit()
    editor.put("tradovate_user.carol", BOB)
    first = editor.snapshot()

    editor.remove("tradovate_user.carol")
    editor.add_pending(OP.model_copy(update={"id": "op-2"}))
    second = editor.snapshot()

    assert "tradovate_user.carol" in first.resources
    assert set(first.pending) == {"op-1"}
    assert "tradovate_user.carol" not in second.resources
    assert set(second.pending) == {"op-1", "op-2"}


def test_editor_snapshot_shares_untouched_records() -> None:
    source = sample_document()
    editor = source.edit()
    editor.put("tradovate_user.carol", BOB)

    snapshot = editor.snapshot()

    assert snapshot.resources["tradovate_user.alice"] is source.resources["tradovate_user.alice"]


def test_editor_ignores_unknown_addresses_and_pending_ids() -> None:
    source = sample_document()
    editor = source.edit()

    editor.remove("tradovate_user.nobody")
    editor.clear_pending(["no-such-op"])

    assert editor.snapshot() == source


def test_keyed_digest_is_stable_and_depends_on_value_and_key() -> None:
    key = bytes(range(32))

    digest = keyed_digest("s3cret-Passw0rd", key=key)

    assert digest == keyed_digest("s3cret-Passw0rd", key=key)
    assert digest.startswith("hmac-sha256:")
    assert len(digest) == len("hmac-sha256:") + 64
    assert "s3cret" not in digest
    assert digest != keyed_digest("s3cret-Passw0rd", key=bytes(32))
    assert digest != keyed_digest("s3cret-Passw0rd!", key=key)


def test_keyed_digest_matches_a_known_vector() -> None:
    """RFC 4231 test case 2 pins the algorithm."""
    assert keyed_digest("what do ya want for nothing?", key=b"Jefe") == (
        "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_editor_reads_its_working_records_without_copying() -> None:
    """Reading between writes must not turn the next change into a full copy."""
    document = StateDocument.new().edit()
    document.put("tradovate_user.a", ResourceState(remote_id="1", attributes={}, updated_at="t"))
    first = document.snapshot()
    assert document.get("tradovate_user.a") is not None
    assert document.get("tradovate_user.b") is None
    document.put("tradovate_user.b", ResourceState(remote_id="2", attributes={}, updated_at="t"))
    assert "tradovate_user.b" not in first.resources


def test_the_header_of_a_canonical_document_is_read_from_its_first_and_last_lines() -> None:
    """Large states: lineage and serial come from two lines; other encodings parse whole."""
    editor = StateDocument.new(lineage="line-age").edit()
    editor.put(
        "tradovate_user.a",
        ResourceState(remote_id="1", attributes={"note": '\n  "serial": 99'}, updated_at="t"),
    )
    document = editor.snapshot().model_copy(update={"serial": 7})
    data = document.to_bytes()
    assert _canonical_header(data) == parse_header(data)
    assert (parse_header(data).lineage, parse_header(data).serial) == ("line-age", 7)
    compact = json.dumps(document.model_dump(mode="json")).encode()
    assert _canonical_header(compact) is None
    assert parse_header(compact) == parse_header(data)
