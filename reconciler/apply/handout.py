"""Hand-out of generated passwords: appended once to an owner-only CSV, never stored in state."""

from __future__ import annotations

import csv
import io
import os
import secrets
import string
import threading
from collections.abc import Sequence
from pathlib import Path

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


class PasswordHandout:
    """Appends `trader,platform,username,email,password,created_at` rows to a 0600 file.

    Rows are written before the platform call that sets the password, so a password
    that reached the platform is never lost; the file is for the firm's onboarding mailer.
    """

    HEADER = ("trader", "platform", "username", "email", "password", "created_at")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # platforms hand out passwords from their own threads

    def write(self, row: HandoutRow) -> None:
        self.write_rows([row])

    def write_rows(self, rows: Sequence[HandoutRow]) -> None:
        """Append rows with one write and one fsync (a round of batches at a time)."""
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
