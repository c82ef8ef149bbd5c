"""A large list answer is read in one buffer and decoded a piece at a time into the items the
whole array gives."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from reconciler.providers import list_answers
from reconciler.providers.list_answers import ListAnswer, Pieces, read_list

ITEMS = TypeAdapter(list[dict[str, Any]])


def answer(value: object) -> bytes:
    """An answer's body carrying `value` as compact JSON, as the platforms send it."""
    return json.dumps(value, separators=(",", ":")).encode()


def validate_list(
    validate: Callable[[Any], list[dict[str, Any]]], content: bytes | bytearray, chunk: int = 65536
) -> list[dict[str, Any]] | None:
    """The items of a JSON array `content` as `read_list` validates them when it arrives in
    chunks of `chunk` bytes; None when it is not such an array of that shape."""
    pieces = Pieces(validate)
    for start in range(0, len(content), chunk):
        pieces.feed(content[start : start + chunk])
    return pieces.end().items


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


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.dictionaries(_TEXTS, _VALUES, max_size=4), max_size=12),
    piece=st.integers(min_value=1, max_value=64),
    chunk=st.integers(min_value=1, max_value=256),
)
def test_the_items_are_those_of_the_whole_array(
    items: list[dict[str, Any]], piece: int, chunk: int
) -> None:
    original = list_answers.PIECE_BYTES
    list_answers.PIECE_BYTES = piece
    try:
        assert validate_list(ITEMS.validate_python, answer(items), chunk) == items
        assert validate_list(ITEMS.validate_python, bytearray(answer(items)), chunk) == items
    finally:
        list_answers.PIECE_BYTES = original


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.dictionaries(_TEXTS, _VALUES, max_size=4), min_size=1, max_size=12),
    piece=st.integers(min_value=1, max_value=64),
    chunk=st.integers(min_value=1, max_value=256),
    spoil=st.integers(min_value=0),
    garbage=st.sampled_from([b"", b"x", b"}", b"]", b",", b'"', b"{", b"1"]),
)
def test_what_is_left_when_pieces_were_taken_is_judged_as_the_whole(
    items: list[dict[str, Any]], piece: int, chunk: int, spoil: int, garbage: bytes
) -> None:
    """A body spoiled anywhere (a byte cut out, or another put in): the answer `read_list`
    leaves for its caller (the items, or the body that is left) is JSON exactly when the
    whole is, and has as many problems of shape as the whole."""
    whole = bytearray(answer(items))
    at = spoil % len(whole)
    whole[at : at + (0 if garbage else 1)] = garbage
    original = list_answers.PIECE_BYTES
    list_answers.PIECE_BYTES = piece
    try:
        pieces = Pieces(STRICT.validate_python)
        for start in range(0, len(whole), chunk):
            pieces.feed(bytes(whole[start : start + chunk]))
        left = pieces.end()
    finally:
        list_answers.PIECE_BYTES = original
    if left.items is not None:
        assert left.items == STRICT.validate_python(json.loads(whole))
        return
    assert _verdict(left.body) == _verdict(whole)


STRICT = TypeAdapter(list[dict[str, list[Any] | dict[str, Any] | str | int | bool | None]])
"""Items of a narrower shape: a spoiled body may still be JSON but not of it."""


def _verdict(body: bytearray) -> str | int:
    """What a caller makes of a body that is no array of the shape: not JSON, or JSON with
    this many problems of shape."""
    try:
        value = json.loads(body)
    except ValueError:
        return "not JSON"
    try:
        STRICT.validate_python(value)
    except ValidationError as exc:
        return exc.error_count()
    return 0


CHUNK = 64 * 1024


class Chunks(httpx.SyncByteStream):
    """An answer's body arriving in chunks of CHUNK bytes, each made as it is sent: `items`
    objects of about 1 KB in a JSON array, or as many bytes of no JSON when `items` is 0."""

    def __init__(self, items: int = 0, size: int = 0) -> None:
        self.items = items
        self.size = size
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        if not self.items:
            yield from (b"x" * CHUNK for _ in range(self.size // CHUNK))
            return
        body = bytearray(b"[")
        for n in range(self.items):
            body += b'%s{"id":%d,"note":"%s"}' % (b"," if n else b"", n, b"n" * 1000)
            if len(body) >= CHUNK:
                yield bytes(body)
                body.clear()
        yield bytes(body + b"]")

    def close(self) -> None:
        self.closed = True


def _client(status: int, stream: Chunks) -> httpx.Client:
    return httpx.Client(
        transport=httpx.MockTransport(lambda _: httpx.Response(status, stream=stream))
    )


def _peak(read: Callable[[], object]) -> int:
    """The most memory traced while `read` runs."""
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_list_answer_is_validated_as_it_arrives_never_held_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(list_answers, "PIECE_BYTES", 1024 * 1024)
    stream = Chunks(items=16_000)  # about 16 MiB
    seen: list[int] = []

    def validate(value: Any) -> list[dict[str, Any]]:  # counts the items, keeps none
        seen.extend(item["id"] for item in ITEMS.validate_python(value))
        return []

    def read() -> None:
        response, answer = read_list(_client(200, stream), "GET", "https://p.test/l", validate)
        assert (response.status_code, answer.items) == (200, [])
        assert response.stream is not stream  # unbound: no reference cycle keeps the answer

    peak = _peak(read)

    assert seen == list(range(16_000))
    assert stream.closed
    assert peak < 8 * 1024 * 1024  # half the answer; read whole, it would be twice it


def test_any_other_answer_is_read_in_one_buffer_never_held_twice() -> None:
    size = 256 * CHUNK  # 16 MiB
    answers: list[ListAnswer[dict[str, Any]]] = []

    def read() -> None:
        client = _client(500, Chunks(size=size))
        answers.append(read_list(client, "GET", "https://p.test/l", ITEMS.validate_python)[1])

    peak = _peak(read)

    assert answers[0].items is None
    assert (len(answers[0].body), bytes(answers[0].body[:2])) == (size, b"xx")
    assert peak < 1.5 * size


def test_httpx_own_read_holds_an_answer_twice() -> None:
    """What `read_list` avoids (so the tests above can fail)."""
    size = 256 * CHUNK

    peak = _peak(lambda: _client(200, Chunks(size=size)).get("https://p.test/l"))

    assert peak > 1.9 * size
