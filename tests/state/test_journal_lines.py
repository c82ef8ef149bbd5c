"""A journal line is read an entry at a time: what decoding it whole gives, the same errors,
and a large apply's line (tens of MB) is never held decoded whole."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from reconciler.errors import StateError
from reconciler.state.delta import StateDelta
from reconciler.state.encoding import dump_compact

HEADER = {
    "format_version": 4,
    "key_check": None,
    "lineage": "3f6c1d9e-5d7a-4c33-9a59-111111111111",
    "serial": 8,
}
OP = {
    "action": "create",
    "address": "tradovate_user.zoë",
    "id": "op-1",
    "natural_key": "zoë",
    "started_at": "2024-05-01T10:00:01+00:00",
}


def record(name: str) -> str:
    return dump_compact(
        {
            "attributes": {"name": name, "city": "Zürich", "note": 'a "quoted" \\ line\n'},
            "remote_id": "7",
            "updated_at": "2024-05-01T10:00:00+00:00",
        }
    )


def whole(line: bytes) -> StateDelta:
    """The delta decoded as one JSON value (as every line was read before)."""
    data = json.loads(line)
    resources = {k: None if v is None else dump_compact(v) for k, v in data["resources"].items()}
    return StateDelta(data["header"], resources, data["pending"])


@pytest.mark.parametrize(
    ("resources", "pending"),
    [
        ({}, {}),
        ({"tradovate_user.alice": record("alice")}, {}),
        ({}, {"op-1": OP, "op-2": None}),
        (
            {
                "tradovate_user.alice": record("alice"),
                'tradovate_user.a"b': None,
                "tradovate_user.zoë": record("zoë"),
                "x.a\nb}": record("}{,:"),
            },
            {"op-1": OP, "op-\u2028": None},
        ),
    ],
)
def test_a_line_reads_as_its_whole_json(
    resources: dict[str, str | None], pending: dict[str, Any]
) -> None:
    line = StateDelta(HEADER, resources, pending).to_line()[:-1]

    read = StateDelta.from_line(line)

    assert read == whole(line)
    assert read.resources == resources
    assert read.pending == pending


@pytest.mark.parametrize(
    "line",
    [
        # another layout: read whole, alike
        json.dumps({"header": HEADER, "pending": {}, "resources": {"a.b": {"x": 1}}}).encode(),
        json.dumps({"resources": {"a.b": None}, "pending": {"op": OP}, "header": HEADER}).encode(),
    ],
)
def test_a_line_laid_out_otherwise_reads_whole_alike(line: bytes) -> None:
    assert StateDelta.from_line(line) == whole(line)


def spoiled() -> list[bytes]:
    line = StateDelta(HEADER, {"a.b": record("a"), "a.c": None}, {"op-1": OP}).to_line()[:-1]
    return [line[:cut] for cut in (5, 30, len(line) // 2, len(line) - 1)] + [
        line + b"x",
        line.replace(b'"remote_id"', b"remote_id"),
        line.replace(b'"serial":8', b'"serial":8,"extra":1'),
        b"[1]",
        b'{"header":' + json.dumps(HEADER).encode() + b',"pending":[],"resources":{}}',
    ]


@pytest.mark.parametrize("line", spoiled())
def test_a_spoiled_line_fails_as_it_did_whole(line: bytes) -> None:
    with pytest.raises(StateError) as error:
        StateDelta.from_line(line)

    assert str(error.value) in {
        "a state journal line is not a state change",
        "a state journal line has no valid header",
    }


RECORDS = 20_000


def test_a_large_line_is_never_decoded_whole() -> None:
    """Its records are decoded one at a time: above what it returns, reading holds little
    more than the line as text; decoded whole, every record's objects were held at once."""
    resources: dict[str, str | None] = {
        f"tradovate_user.t{i:06d}": record(f"t{i}") for i in range(RECORDS)
    }
    line = StateDelta(HEADER, resources, {}).to_line()[:-1]

    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        read = StateDelta.from_line(line)
        held, peak = (size - start for size in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()

    assert read.resources == resources
    # decoded whole, the records' objects took about four times the line above what is kept
    assert peak - held < 2 * len(line)
