"""Hand-out of generated passwords: appended once to an owner-only CSV, never stored in state."""

from __future__ import annotations

import csv
import io
import os
import secrets
import string
from pathlib import Path

_ALPHABET = string.ascii_letters + string.digits + "!#%+-.=?@_"


def generate_password(length: int) -> str:
    """A random password with at least one lower, upper, digit and symbol character."""
    while True:
        value = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in value)
            and any(c.isupper() for c in value)
            and any(c.isdigit() for c in value)
            and any(not c.isalnum() for c in value)
        ):
            return value


class PasswordHandout:
    """Appends `trader,platform,username,email,password,created_at` rows to a 0600 file.

    The row is written before the platform call that sets the password, so a password
    that reached the platform is never lost; the file is for the firm's onboarding mailer.
    """

    HEADER = ("trader", "platform", "username", "email", "password", "created_at")

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, row: tuple[str, str, str, str, str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        is_new = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.path.chmod(0o600)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if is_new:
            writer.writerow(self.HEADER)
        writer.writerow(row)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
