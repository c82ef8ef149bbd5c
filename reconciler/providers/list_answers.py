"""A large list answer read in one buffer and decoded a piece at a time: a platform whose list
calls have no pages answers a large firm's in one JSON array of hundreds of MB, and the Python
objects of the whole array, held at once on their way to the models, were a large plan's
peak; so were the answer's chunks, held until httpx joins them into a second copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
from pydantic_core import from_json

from reconciler.providers.http import validate_content

T = TypeVar("T")

PIECE_BYTES = 8 * 1024 * 1024
"""Bytes of an array parsed at a time, at the least (assumed: a tuning of ours; the objects
of one piece are a few tens of MiB)."""

WHOLE_PIECES = 2
"""An array shorter than this many pieces is parsed whole (assumed: a tuning of ours; a copy
of each piece is made, which pays only when the objects of the whole would be larger)."""


_SPENT = httpx.ByteStream(b"")


def read_whole(
    client: httpx.Client, method: str, url: str, **options: Any
) -> tuple[httpx.Response, bytearray]:
    """Send a request and read its answer's body into one buffer, grown in place as the
    chunks arrive (a large block is mapped on its own and grows without a copy; see
    `reconciler.allocator`). httpx's own read keeps every chunk of the answer until it joins
    them: an answer of the firm's size was briefly held twice. The answer is closed, and its
    stream unbound from it (httpx binds them to each other: a reference cycle)."""
    response = client.send(client.build_request(method, url, **options), stream=True)
    body = bytearray()
    try:
        for chunk in response.iter_bytes():
            body += chunk
    finally:
        response.close()
        response.stream = _SPENT
    return response, body


def validate_list(
    validate: Callable[[list[Any]], list[T]], content: bytes | bytearray
) -> list[T] | None:
    """The items of the answer's JSON array, each piece of it validated by `validate` (a list
    validator) as it is parsed; None when the bytes are not such an array of that shape (the
    caller then judges the answer as it would without this). The items are those the whole
    array gives: a piece is cut only where one item ends and the next begins, and a cut that
    is not (`},{` inside a text or a nested value) leaves a piece that does not parse, so the
    array is then parsed whole, as a shorter answer is (`validate_content`)."""
    if len(content) >= WHOLE_PIECES * PIECE_BYTES and (
        content.startswith(b"[{") and content.endswith(b"}]")
    ):
        items: list[T] = []
        try:
            for piece in _pieces(content):
                items.extend(validate(from_json(piece)))
            return items
        except ValueError:  # bad JSON, a cut that was no item boundary, or a bad shape
            items.clear()  # not held while the answer is parsed whole
    return validate_content(validate, content)


def _pieces(content: bytes | bytearray) -> Iterator[bytearray]:
    """`content` (`[{...},...,{...}]`, compact) as arrays of at least PIECE_BYTES each but the
    last, cut after a `}` that a `,{` follows; one piece is made at a time, in one copy."""
    view = memoryview(content)
    start = 1
    while True:
        cut = content.find(b"},{", start + PIECE_BYTES)
        piece = bytearray(b"[")
        if cut < 0:
            piece += view[start:]
            yield piece
            return
        piece += view[start : cut + 1]
        piece += b"]"
        yield piece
        start = cut + 2


__all__ = ["PIECE_BYTES", "WHOLE_PIECES", "read_whole", "validate_list"]
