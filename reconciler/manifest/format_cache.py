"""Notes, in the parse cache's folder, of manifest files `fmt` found already in their form: a
large file whose text and code are those of an earlier run is not formatted again (`fmt
--check` of a pull request that changes a few files of a large firm reads the others' notes).

A note is an empty entry named by a digest of its format, of the installed code (the formatter
and the schema it orders keys by: `code_digest`) and of the file's text as `fmt` reads it;
only a file found formatted is noted, and a damaged note is no note. A note holds nothing but
its name: a file's text is not kept, so no secret a file may hold is either."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from reconciler.manifest.parse_cache import MIN_BYTES, ParseCache
from reconciler.manifest.trader_cache import code_digest

FORMAT = b"reconciler-formatted 1\n"
"""Bumped whenever what a note means changes."""


class FormatCache:
    """Which large manifest texts `fmt` found in their form (see the module's docstring)."""

    def __init__(self, cache: ParseCache) -> None:
        self._cache = cache

    @classmethod
    def default(cls, environ: Mapping[str, str]) -> FormatCache | None:
        """In the parse cache's folder (`ParseCache.default`); None without one."""
        cache = ParseCache.default(environ)
        return None if cache is None else cls(cache)

    def is_formatted(self, text: str) -> bool:
        """Whether `text` was found in its form by this code before."""
        name = _name(text)
        return name is not None and self._cache.load_entry(name) is not None

    def remember(self, text: str) -> None:
        """Note that `text` is in its form (a small text is not worth a note)."""
        name = _name(text)
        if name is not None:
            self._cache.store_entry(name, b"")


def _name(text: str) -> str | None:
    data = text.encode("utf-8", "surrogatepass")
    if len(data) < MIN_BYTES:
        return None
    return hashlib.sha256(FORMAT + code_digest() + data).hexdigest()


__all__ = ["FormatCache"]
