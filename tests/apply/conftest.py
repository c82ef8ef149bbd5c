"""Fixtures of the apply tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apply.history import SECRETS, sandboxes
from tests.apply.world import World


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Three fresh sandboxes and an empty firm on them."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with sandboxes() as boxes:
        yield World(boxes, tmp_path)
