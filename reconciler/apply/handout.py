"""Hand-out of generated passwords, never stored in state: appended once to an owner-only CSV
(a single operator's machine), or sealed to the firm's public key and kept by the state backend
until `reconciler handout pull` fetches them (CI runners that vanish after the apply)."""

from __future__ import annotations

import csv
import io
import os
import secrets
import string
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reconciler.apply.sealed import seal_rows

_ALPHABET = string.ascii_letters + string.digits + "!#%+-.=?@_"
_UNBIASED = 256 - 256 % len(_ALPHABET)
"""Random bytes below this map onto the alphabet without favouring any character."""

HandoutRow = tuple[str, str, str, str, str, str]
"""trader, platform, username, email, password, created_at."""


def generate_password(length: int) -> str:
    """A random password with at least one lower, upper, digit and symbol character."""
    while True:
        raw = secrets.token_bytes(length * 2)  # one system call; rejects ~16% of the bytes
        chosen = [_ALPHABET[b % len(_ALPHABET)] for b in raw if b < _UNBIASED][:length]
        if len(chosen) < length:
            continue
        value = "".join(chosen)
        if (
            any(c.islower() for c in value)
            and any(c.isupper() for c in value)
            and any(c.isdigit() for c in value)
            and any(not c.isalnum() for c in value)
        ):
            return value


class HandoutStore(Protocol):
    """Where sealed records are kept: the state backend (a table, or a file beside state)."""

    def append_handout(self, records: Sequence[tuple[str, bytes]]) -> None: ...


@dataclass(frozen=True, slots=True)
class Sealed:
    """Seal each row to `public_key` and keep it in `store` instead of writing the CSV."""

    public_key: bytes
    store: HandoutStore


class PasswordHandout:
    """Appends `trader,platform,username,email,password,created_at` rows to a 0600 file, or,
    with `sealed`, seals each row to the firm's public key and keeps it with the state.

    Rows are written before the platform call that sets the password, so a password
    that reached the platform is never lost; they are for the firm's onboarding mailer.
    """

    HEADER = ("trader", "platform", "username", "email", "password", "created_at")

    def __init__(self, path: Path, *, sealed: Sealed | None = None) -> None:
        self.path = path
        self.sealed = sealed
        self._lock = threading.Lock()  # platforms hand out passwords from their own threads

    def write(self, row: HandoutRow) -> None:
        self.write_rows([row])

    def write_rows(self, rows: Sequence[HandoutRow]) -> None:
        """Append rows with one write and one fsync (a round of batches at a time)."""
        if not rows:
            return
        if self.sealed is not None:
            records = seal_rows(rows, public_key=self.sealed.public_key)
            with self._lock:
                self.sealed.store.append_handout(records)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(rows)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.path.chmod(0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                if os.fstat(fd).st_size == 0:
                    header = io.StringIO()
                    csv.writer(header).writerow(self.HEADER)
                    handle.write(header.getvalue())
                handle.write(buffer.getvalue())
                handle.flush()
                os.fsync(handle.fileno())
