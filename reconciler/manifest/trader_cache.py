"""A cache of the traders a manifest file validates to, kept beside the parse cache: a large
file whose bytes, Firm and code are those of an earlier run is neither parsed nor validated
again. The firm-wide checks (unique names, mentors) still run over every trader, cached or not.

An entry holds the file's traders as their validated models, keyed by a digest of the file's
bytes, of what traders are validated against (the Firm's providers, settings and defaults) and
of the code that validates them. That digest is keyed with a random key kept in the cache
directory (readable by its owner only): the Firm's settings hold credentials, and a plain
digest of them would let a weak one be guessed from an entry's name.

Only a file of traders alone (no Firm), without any reference (`${...}`) and without any
secret value, whose traders all validated without a problem, is cached; so an entry never
holds a secret nor a value a reference supplied, and a file with a problem is read and
reported as ever. Nor is anything cached when the Firm's defaults hold a value a sensitive
reference supplied (every trader would carry it). A missing, unreadable, corrupted or older
entry is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import pickle
import secrets
import sys
from collections.abc import Iterable, Set
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pydantic
from pydantic import SecretStr

from reconciler.files import write_atomically
from reconciler.manifest import pickling
from reconciler.manifest.kinds import FirmContext, Valid
from reconciler.manifest.parse_cache import MIN_BYTES, ParseCache
from reconciler.manifest.refs import literal_secrets
from reconciler.manifest.report import ManifestFile, Where

FORMAT = b"reconciler-trader-cache 2\n"
"""Bumped whenever an entry's layout changes."""

KEY_FILE = "key"
"""The cache directory's own key (32 random bytes), made on first use."""

_Stored = tuple[list[str], list[tuple[int, tuple[Any, ...], int, Any, Any]]]
"""The file's trader names as written, then (document, path, line, trader, platforms) each."""


class TraderCache:
    """Validated traders of manifest files, for one Firm (see the module's docstring)."""

    def __init__(self, cache: ParseCache, context: bytes) -> None:
        self._cache = cache
        self._context = context  # what traders are validated against, as text
        self._digest: bytes | None = None  # of that text and the code, under the key

    @classmethod
    def of(
        cls, cache: ParseCache | None, context: FirmContext, sensitive: Set[str]
    ) -> TraderCache | None:
        """The cache for traders validated against `context` (a valid Firm's); None without
        a parse cache, without a readable key, or when the Firm's defaults hold one of the
        `sensitive` values (what sensitive references supplied)."""
        if cache is None or context.firm is None or _holds(context.defaults, sensitive):
            return None
        try:
            text = json.dumps(
                [
                    sorted(context.configured or ()),
                    context.defaults,
                    {name: model.model_dump() for name, model in context.settings.items()},
                ],
                sort_keys=True,
                default=_plain,
            )
        except (TypeError, ValueError):  # keys not all text (the reader gives text): no cache
            return None
        return cls(cache, text.encode("utf-8"))

    def load(self, file: ManifestFile) -> tuple[list[str], list[Valid]] | None:
        """The names as written and the validated traders of `file`, from its entry."""
        entry = self._entry(file, is_stored=False) if _is_cacheable(file) else None
        payload = None if entry is None else self._cache.load_entry(entry)
        if payload is None:
            return None
        try:
            version, (names, items) = pickle.loads(payload)  # the user's own cache, owner-only
            if version != FORMAT:
                return None
            valid = [
                Valid(Where(file, doc, path), line, trader, platforms)
                for doc, path, line, trader, platforms in items
            ]
        except Exception:  # a corrupted or older entry: the file is read
            return None
        return names, valid

    def store(self, file: ManifestFile, names: list[str], valid: list[Valid]) -> None:
        """Keep `file`'s traders, unless the file or a trader may hold what must not be kept."""
        if not valid or not _is_cacheable(file) or _any_secret(v.trader for v in valid):
            return
        entry = self._entry(file, is_stored=True)
        if entry is None:
            return
        items = [(v.where.doc, v.where.path, v.line, v.trader, v.platforms) for v in valid]
        stored: _Stored = (names, items)
        payload = pickling.dumps((FORMAT, stored))
        self._cache.store_entry(entry, payload)

    def _entry(self, file: ManifestFile, *, is_stored: bool) -> str | None:
        """The entry of `file`'s traders; None without a key (made only to store an entry)."""
        if self._digest is None:
            key = _key(self._cache.directory, make=is_stored)
            if key is None:
                return None
            self._digest = hmac.new(key, code_digest() + self._context, hashlib.sha256).digest()
        return hashlib.sha256(FORMAT + self._digest + file.data).hexdigest()


def _is_cacheable(file: ManifestFile) -> bool:
    """Large enough to be worth an entry, and without references (their values never go in)."""
    return len(file.data) >= MIN_BYTES and b"${" not in file.data


def _any_secret(traders: Iterable[Any]) -> bool:
    """Whether any trader holds a secret (written out or from a reference)."""
    return any(next(literal_secrets(trader, "", set()), None) is not None for trader in traders)


def _holds(value: object, sensitive: Set[str]) -> bool:
    """Whether one of the `sensitive` texts is a value somewhere in `value`."""
    if isinstance(value, str):
        return value in sensitive
    if isinstance(value, dict):
        return any(_holds(item, sensitive) for item in value.values())
    if isinstance(value, list):
        return any(_holds(item, sensitive) for item in value)
    return False


def _plain(value: object) -> object:
    """A JSON value for what `model_dump` leaves as Python objects (a secret's own value:
    the digest is keyed, and it must change when the secret does)."""
    if isinstance(value, SecretStr):
        return ["secret", value.get_secret_value()]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return [type(value).__name__, repr(value)]


@functools.cache
def code_digest() -> bytes:
    """A digest of the installed code (what validates traders, what formats files): this
    package's modules (see `code_of`), pydantic's version and Python's."""
    return code_of(Path(__file__).resolve().parents[1])


def code_of(root: Path) -> bytes:
    """A digest of the modules below `root` (each one's path and bytes), pydantic's version and
    Python's: the same for the same code wherever and whenever it was installed (a CI runner
    installs the package anew for every job, with new modification times), another for any
    change (about 10 ms for the package's 1.3 MB)."""
    digest = hashlib.sha256(f"{pydantic.VERSION}\0{sys.version}\n".encode())
    modules = sorted(root.rglob("*.py"))
    if not modules:  # not installed as files (a zip): no digest tells one build from another
        return secrets.token_bytes(32)  # so no entry is ever found
    for path in modules:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        name = path.relative_to(root).as_posix()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.digest()


def _key(directory: Path, *, make: bool) -> bytes | None:
    """The cache directory's key; with `make`, made (owner-only) when there is none. None
    when there is none, or it can be neither read nor made."""
    path = directory / KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    if not make:
        return None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        write_atomically(path, key)  # owner-only, as every file it writes
    except OSError:
        return None
    return key


__all__ = ["FORMAT", "TraderCache", "code_of"]
