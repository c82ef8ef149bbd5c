"""A large list answer is read in one buffer and decoded a piece at a time into the items the
whole array gives."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from reconciler.providers import list_answers
from reconciler.providers.list_answers import read_whole, validate_list

ITEMS = TypeAdapter(list[dict[str, Any]])


def answer(value: object) -> bytes:
    """An answer's body carrying `value` as compact JSON, as the platforms send it."""
    return json.dumps(value, separators=(",", ":")).encode()


class Counted:
    """A list validator that remembers how many items each call was given."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def __call__(self, value: Any) -> list[dict[str, Any]]:
        items = ITEMS.validate_python(value)
        self.sizes.append(len(items))
        return items


def test_a_large_array_is_validated_in_pieces_of_whole_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(list_answers, "PIECE_BYTES", 100)
    items = [{"id": n, "name": f"ACME{n:05d}", "risk": {"loss": n / 2}} for n in range(50)]
    validate = Counted()

    assert validate_list(validate, answer(items)) == items
    assert len(validate.sizes) > 5
    assert sum(validate.sizes) == len(items)


def test_an_array_of_fewer_pieces_than_it_takes_is_parsed_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = [{"id": n} for n in range(50)]
    content = answer(items)
    piece = len(content) // list_answers.WHOLE_PIECES + 1  # a little short of that many
    monkeypatch.setattr(list_answers, "PIECE_BYTES", piece)
    validate = Counted()

    assert validate_list(validate, content) == items
    assert validate.sizes == [len(items)]


@pytest.mark.parametrize(
    "items",
    [
        [{"note": "a},{b"}, {"note": "},{"}, {"note": "x"}] * 10,  # a cut inside a text
        [{"xs": [{"a": 1}, {"b": 2}]}, {"xs": [{"c": 3}, {"d": 4}]}] * 10,  # inside a value
        [{"id": 1}],
        [],
    ],
    ids=["text", "nested", "one", "empty"],
)
def test_a_cut_that_is_no_item_boundary_falls_back_to_the_whole_array(
    items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_answers, "PIECE_BYTES", 1)

    assert validate_list(ITEMS.validate_python, answer(items)) == items


@pytest.mark.parametrize(
    "content",
    [b'[{"id":1},{"id":', b"not json", b'{"id":1}', b'[{"id":1},2]', b'[1,{"id":1}]'],
)
def test_what_is_not_an_array_of_that_shape_is_none(
    content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_answers, "PIECE_BYTES", 1)

    assert validate_list(ITEMS.validate_python, content) is None


_TEXTS = st.text(alphabet=st.sampled_from(list('ab{},[]:"\\é')), max_size=8)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXTS, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(st.dictionaries(_TEXTS, _VALUES, max_size=4), max_size=12),
    piece=st.integers(min_value=1, max_value=64),
)
def test_the_items_are_those_of_the_whole_array(items: list[dict[str, Any]], piece: int) -> None:
    original = list_answers.PIECE_BYTES
    list_answers.PIECE_BYTES = piece
    try:
        assert validate_list(ITEMS.validate_python, answer(items)) == items
        assert validate_list(ITEMS.validate_python, bytearray(answer(items))) == items
    finally:
        list_answers.PIECE_BYTES = original


CHUNK = 64 * 1024


class Chunks(httpx.SyncByteStream):
    """An answer's body arriving in chunks of CHUNK bytes, each made as it is sent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.size // CHUNK):
            yield b"x" * CHUNK

    def close(self) -> None:
        self.closed = True


def test_an_answer_is_read_in_one_buffer_never_held_twice() -> None:
    size = 256 * CHUNK  # 16 MiB
    stream = Chunks(size)
    client = httpx.Client(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, stream=stream))
    )
    tracemalloc.start()
    try:
        response, body = read_whole(client, "GET", "https://platform.test/list")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (response.status_code, len(body), bytes(body[:2])) == (200, size, b"xx")
    assert stream.closed
    assert response.stream is not stream  # unbound: no reference cycle keeps the answer
    assert peak < 1.5 * size  # httpx's own read holds every chunk, then their join: 2 times


def test_httpx_own_read_holds_an_answer_twice() -> None:
    """What `read_whole` avoids (so the test above can fail)."""
    size = 256 * CHUNK
    client = httpx.Client(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, stream=Chunks(size)))
    )
    tracemalloc.start()
    try:
        client.get("https://platform.test/list")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak > 1.9 * size
