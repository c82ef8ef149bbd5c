"""Notes of manifest texts `fmt` found in their form: found again for the same text and code
only, never for a small text, and a damaged note is no note."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.manifest import FormatCache, ParseCache
from reconciler.manifest import format_cache as module
from reconciler.manifest.parse_cache import MIN_BYTES

LARGE = "kind: Trader\nname: alice\n" + "# a comment line of padding\n" * (MIN_BYTES // 20)


def test_a_noted_text_is_found_again_by_the_same_code_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    noted = FormatCache(ParseCache(tmp_path))
    assert not noted.is_formatted(LARGE)

    noted.remember(LARGE)

    assert noted.is_formatted(LARGE)
    assert FormatCache(ParseCache(tmp_path)).is_formatted(LARGE)  # a later run's
    assert not noted.is_formatted(LARGE + "# one more line\n")
    assert not noted.is_formatted(LARGE.replace("alice", "alicf"))
    monkeypatch.setattr(module, "code_digest", lambda: b"another build")
    assert not noted.is_formatted(LARGE)


def test_a_small_text_is_never_noted(tmp_path: Path) -> None:
    noted = FormatCache(ParseCache(tmp_path))
    small = "kind: Trader\nname: alice\n"

    noted.remember(small)

    assert not noted.is_formatted(small)
    assert not any(tmp_path.iterdir())


def test_a_damaged_note_is_no_note(tmp_path: Path) -> None:
    noted = FormatCache(ParseCache(tmp_path))
    noted.remember(LARGE)
    (entry,) = [p for p in tmp_path.iterdir() if len(p.name) == 64]
    entry.write_bytes(b"\x00" * 32)

    assert not noted.is_formatted(LARGE)


def test_a_note_holds_nothing_of_the_text(tmp_path: Path) -> None:
    noted = FormatCache(ParseCache(tmp_path))
    noted.remember(LARGE)
    (entry,) = [p for p in tmp_path.iterdir() if len(p.name) == 64]
    assert len(entry.read_bytes()) == 32  # the digest of an empty payload, nothing else
    assert not FormatCache.default({"RECONCILER_CACHE_DIR": ""})
