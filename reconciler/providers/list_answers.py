"""A large list answer validated a piece at a time as it arrives: a platform whose list calls
have no pages answers a large firm's in one JSON array of hundreds of MB, and the Python
objects of the whole array, held at once on their way to the models, were a large plan's
peak; so was the answer itself, held whole (twice, as httpx joins its chunks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from pydantic_core import from_json

from reconciler.providers.http import unbind, validate_content

T = TypeVar("T")

PIECE_BYTES = 8 * 1024 * 1024
"""Bytes of an array parsed at a time, at the least (assumed: a tuning of ours; the objects
of one piece are a few tens of MiB)."""

WHOLE_PIECES = 2
"""An array shorter than this many pieces is parsed whole (assumed: a tuning of ours; a copy
of each piece is made, which pays only when the objects of the whole would be larger)."""


@dataclass(frozen=True, slots=True)
class ListAnswer(Generic[T]):
    """An answer read by `read_list`: its `items` when the body is a JSON array of that shape;
    else (None) its `body`, or, when pieces of it were validated and let go, what followed
    them as an array (`[` and the rest). The pieces were whole items of that shape, so the
    rest is judged as the whole would be: JSON or not, and its problems are the whole's."""

    items: list[T] | None
    body: bytearray


class Pieces(Generic[T]):
    """A body fed a chunk at a time. Once it shows itself an array of objects (`[{`), a piece
    of at least PIECE_BYTES is cut where one item ends and the next begins (`},{`), validated
    and let go, whenever WHOLE_PIECES pieces' worth are held. A cut that is no item boundary
    (`},{` inside a text or a nested value) leaves a piece that does not parse; nothing more
    is cut then, and the rest is judged whole at the end."""

    def __init__(self, validate: Callable[[list[Any]], list[T]]) -> None:
        self._validate = validate
        self._items: list[T] = []
        self._held = bytearray()  # the body, or once pieces are cut, what follows them
        self._cutting: bool | None = None  # None: not yet known
        self._cut = False  # a piece was let go: `_held` starts after it
        self._search = PIECE_BYTES  # where the next boundary is looked for

    def feed(self, chunk: bytes | bytearray) -> None:
        held = self._held
        held += chunk
        if self._cutting is None and len(held) >= 2:
            self._cutting = held.startswith(b"[{")
        while self._cutting and len(held) >= WHOLE_PIECES * PIECE_BYTES:
            cut = held.find(b"},{", self._search)
            if cut < 0:  # one long item: look further on when more has come
                self._search = len(held) - 2
                return
            self._take(cut)

    def _take(self, cut: int) -> None:
        """Validate the held items up to `cut` (a `}`), and let them go if they are whole."""
        held = self._held
        piece = bytearray(b"[" if self._cut else b"")  # else `held` begins with the array
        with memoryview(held) as view:
            piece += view[: cut + 1]
        piece += b"]"
        try:
            self._items.extend(self._validate(from_json(piece)))
        except ValueError:  # bad JSON, a cut that was no item boundary, or a bad shape
            self._cutting = False
            return
        del held[: cut + 2]  # through the comma: an item begins the rest
        self._cut = True
        self._search = PIECE_BYTES

    def end(self) -> ListAnswer[T]:
        held = self._held
        if self._cut:
            held[:0] = b"["
        items = validate_content(self._validate, held)
        if items is None:
            return ListAnswer(None, held)
        if not self._cut:
            return ListAnswer(items, held)
        self._items.extend(items)
        return ListAnswer(self._items, held)


def read_list(
    client: httpx.Client,
    method: str,
    url: str,
    validate: Callable[[list[Any]], list[T]],
    **options: Any,
) -> tuple[httpx.Response, ListAnswer[T]]:
    """Send a request whose answer is a list and validate the items of a 200 answer with
    `validate` (a list validator) as its body arrives, a piece at a time (see `Pieces`); the
    items are those the whole array gives. Any other answer's body is read whole, in one
    buffer grown in place (httpx's own read keeps every chunk until it joins them). The
    answer is closed, and its stream unbound from it (`unbind`)."""
    response = client.send(client.build_request(method, url, **options), stream=True)
    try:
        if response.status_code == 200:
            pieces = Pieces(validate)
            for chunk in response.iter_bytes():
                pieces.feed(chunk)
            answer = pieces.end()
        else:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
            answer = ListAnswer(None, body)
    finally:
        response.close()
        unbind(response)
    return response, answer


__all__ = ["PIECE_BYTES", "WHOLE_PIECES", "ListAnswer", "Pieces", "read_list"]
