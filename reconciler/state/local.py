"""The local backend: one workspace's state as a JSON file with a journal of recent changes
beside it (see `local_files`), a backup, an O_EXCL lock file, the digest key file and an
append-only audit trail (JSON lines), all mode 0600.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from reconciler.errors import StateError, StateLocked
from reconciler.files import sync_folder, write_fd, write_temporary
from reconciler.state import audit_file, handout_file
from reconciler.state.backend import LockInfo
from reconciler.state.delta import StateDelta
from reconciler.state.encoding import RawDocument, StateHeader
from reconciler.state.liveness import Liveness, holder_liveness
from reconciler.state.local_files import JOURNAL_FROM_BYTES, StateFiles

logger = logging.getLogger(__name__)

UNREADABLE_LOCK_ID = "unreadable"
"""The id reported for a lock file that cannot be parsed, so it can still be force-released."""

_WORKSPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_FILE_MODE = 0o600
_KEY_BYTES = 32


class LocalBackend:
    """Files `<workspace>.state.json`, `.state.journal`, `.state.json.backup`, `.lock`,
    `.state.key` and `.audit.jsonl` in `directory` (created when first needed); a state file
    of `journal_from` bytes or more takes small changes in its journal.

    A crash at any moment leaves a complete state: a whole file is written to a temporary
    file in the same directory, synced, then renamed over the old one; a change appended to
    the journal counts once its line is complete. The backup is the file as it was before
    the last whole rewrite. Exclusive writers come from the lock; the compare-and-swap
    guards against any other.
    """

    def __init__(
        self,
        directory: Path,
        *,
        workspace: str = "default",
        journal_from: int = JOURNAL_FROM_BYTES,
    ) -> None:
        if not _WORKSPACE.match(workspace):
            raise StateError(f"invalid workspace name {workspace!r}")
        self.directory = directory
        self.workspace = workspace
        self._files = StateFiles(directory, workspace, journal_from=journal_from)
        self.state_path = self._files.state_path
        self.backup_path = self._files.backup_path
        self.journal_path = self._files.journal_path
        self.lock_path = directory / f"{workspace}.lock"
        self.key_path = directory / f"{workspace}.state.key"
        self.audit_path = directory / f"{workspace}.audit.jsonl"
        self.handout_path = directory / f"{workspace}.handout.jsonl"

    def __repr__(self) -> str:
        return f"LocalBackend({str(self.directory)!r}, workspace={self.workspace!r})"

    def read_bytes(self) -> bytes | None:
        """The state as canonical bytes (the file's own when there is no journal), or None."""
        return self._files.read_bytes()

    def read_document(self) -> RawDocument | None:
        """The state file decoded with its journal replayed, or None when there is none yet."""
        return self._files.read_document()

    def read_header(self) -> StateHeader | None:
        """Lineage and serial of the state (the journal's last change when it continues the
        file), from the file's first and last bytes and the journal's end."""
        return self._files.read_header()

    def write_bytes(self, data: bytes, *, expected_serial: int | None, lineage: str) -> None:
        """Check serial and lineage, keep the current file as the backup, replace it."""
        self._files.write_bytes(data, expected_serial=expected_serial, lineage=lineage)

    def write_delta(
        self,
        delta: StateDelta,
        *,
        expected_serial: int,
        lineage: str,
        document: Callable[[], Iterable[bytes]],
    ) -> None:
        """Check serial and lineage, append `delta` to the journal (or compact)."""
        self._files.write_delta(
            delta, expected_serial=expected_serial, lineage=lineage, document=document
        )

    def acquire(self, info: LockInfo) -> LockInfo | None:
        """Create the lock file exclusively with `info` inside, or raise StateLocked; a lock
        whose holder is provably gone (its process on this host is not alive, or its pid now
        names a process started at another time) is taken over and its holder returned."""
        self._ensure_directory()
        payload = info.model_dump_json().encode("utf-8") + b"\n"
        taken: LockInfo | None = None
        for _ in range(4):
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
            except FileExistsError:
                holder = self.holder()
                if holder is None:  # released between our attempt and our look: try again
                    continue
                if holder_liveness(holder)[0] == "gone" and self._remove_stale(holder, info):
                    taken = holder
                    continue
                raise _locked(holder) from None
            except OSError as exc:
                raise StateError(f"cannot create {self.lock_path}: {exc.strerror}") from None
            try:
                write_fd(fd, payload)
            except BaseException as exc:
                self.lock_path.unlink(missing_ok=True)
                if isinstance(exc, OSError):
                    raise StateError(f"cannot write {self.lock_path}: {exc.strerror}") from None
                raise
            return taken
        raise StateError(f"cannot take the lock {self.lock_path}: it keeps changing")

    def _remove_stale(self, holder: LockInfo, info: LockInfo) -> bool:
        """Move the stale lock file aside and delete it; should another process have taken
        the lock meanwhile (what was moved is not `holder`'s), put its file back. True when
        the lock file is gone for us to try again."""
        aside = self.lock_path.with_name(f".{self.lock_path.name}.{info.id}.stale")
        try:
            self.lock_path.rename(aside)
        except FileNotFoundError:
            return True
        except OSError as exc:
            raise StateError(f"cannot move {self.lock_path}: {exc.strerror}") from None
        try:
            moved = LockInfo.model_validate_json(aside.read_bytes())
        except (OSError, ValidationError):
            moved = None
        if moved is None or moved.id != holder.id:
            with contextlib.suppress(FileExistsError):
                os.link(aside, self.lock_path)
            aside.unlink(missing_ok=True)
            return False
        aside.unlink(missing_ok=True)
        return True

    def liveness(self, info: LockInfo) -> tuple[Liveness, str]:
        return holder_liveness(info)

    def release_effect(self) -> str:
        return (
            f"{self.lock_path} is removed; a holder still running stops before its next round "
            "of platform calls"
        )

    def release(self, lock_id: str) -> None:
        """Remove the lock file if it is still ours."""
        current = self.holder()
        if current is None or current.id != lock_id:
            logger.warning("state lock %s was already released or taken over", lock_id)
            return
        self.lock_path.unlink(missing_ok=True)

    def force_release(self, lock_id: str) -> None:
        """Remove the lock file when `lock_id` names it."""
        current = self.holder()
        if current is None:
            raise StateError("state is not locked")
        if current.id != lock_id:
            raise StateError(f"lock id {lock_id} does not match the current lock {current.id}")
        self.lock_path.unlink(missing_ok=True)

    def lost(self, lock_id: str) -> str | None:
        """Why our lock file is gone: removed (state unlock) or replaced by another holder's."""
        current = self.holder()
        if current is None:
            return f"{self.lock_path} was removed"
        if current.id != lock_id:
            return f"{self.lock_path} now names {current.describe()}"
        return None

    def holder(self) -> LockInfo | None:
        """The lock file's holder, None without a lock file; an unparsable file is reported
        with the id `unreadable` (it may be mid-write, or left by a crash)."""
        try:
            text = self.lock_path.read_bytes()
            modified = self.lock_path.stat().st_mtime
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read {self.lock_path}: {exc.strerror}") from None
        try:
            return LockInfo.model_validate_json(text)
        except ValidationError:
            return LockInfo(
                id=UNREADABLE_LOCK_ID,
                user="unknown",
                host="unknown",
                pid=0,
                command="unknown",
                created_at=datetime.fromtimestamp(modified, tz=UTC).isoformat(timespec="seconds"),
            )

    def secret_key(self, *, create: bool = True) -> bytes:
        """The 32-byte key in the key file, created (mode 0600) on first use if `create`."""
        if not self.key_path.exists():
            if not create:
                raise StateError(
                    f"the state key file {self.key_path} is missing, but the state was written "
                    "with a key; restore it (no new key was made: with another key every "
                    "password would look changed and be reset)"
                )
            self._create_key()
        try:
            text = self.key_path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise StateError(f"cannot read the state key file {self.key_path}") from None
        try:
            key = bytes.fromhex(text.strip())
        except ValueError:
            key = b""
        if len(key) != _KEY_BYTES:
            raise StateError(f"the state key file {self.key_path} is corrupt")
        return key

    def append_audit(self, records: Sequence[tuple[str, bytes]]) -> None:
        """Append one line per (trader, entry) in a single synced O_APPEND write."""
        if records:
            self._ensure_directory()
            audit_file.append_lines(self.audit_path, records)

    def read_audit(self, trader: str | None) -> list[bytes]:
        """The trail's lines in order, only `trader`'s when given."""
        return audit_file.read_lines(self.audit_path, trader)

    def append_handout(self, records: Sequence[tuple[str, bytes]]) -> None:
        """Keep sealed hand-out records (id, sealed bytes) until they are pulled."""
        handout_file.append_records(self.handout_path, records)

    def pending_handout(self) -> list[tuple[str, bytes]]:
        """The sealed hand-out records not yet delivered, oldest first."""
        return handout_file.pending_records(self.handout_path)

    def mark_handout_delivered(self, ids: Sequence[str], *, at: str) -> None:
        """Mark pulled records delivered (they are not handed out again)."""
        handout_file.mark_delivered(self.handout_path, ids, at=at)

    def close(self) -> None:
        """Nothing to close: every call opens and closes its files."""

    def _create_key(self) -> None:
        # Link a complete temporary file into place: racing processes end up sharing one key,
        # and a crash never leaves an empty key file.
        self._ensure_directory()
        text = os.urandom(_KEY_BYTES).hex() + "\n"
        temporary = _write_temporary(self.key_path, text.encode("ascii"))
        try:
            os.link(temporary, self.key_path)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StateError(f"cannot create {self.key_path}: {exc.strerror}") from None
        finally:
            temporary.unlink(missing_ok=True)
        sync_folder(self.directory)

    def _ensure_directory(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create {self.directory}: {exc.strerror}") from None


def _locked(holder: LockInfo) -> StateLocked:
    who = holder.describe()
    state, why = holder_liveness(holder)
    if state == "unknown":
        who += f" (whether it is alive is not known: {why})"
    return StateLocked(holder=who, since=holder.created_at, lock_id=holder.id)


def _write_temporary(path: Path, data: bytes) -> Path:
    try:
        return write_temporary(path, data)
    except OSError as exc:
        raise StateError(f"cannot write beside {path}: {exc.strerror}") from None
