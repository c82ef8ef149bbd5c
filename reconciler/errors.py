"""The whole exception tree of reconciler; every message is one line and secret-free (text taken
from manifests or platforms shows its control characters escaped, so it cannot break the line or
drive the terminal).

ReconcilerError                 exit_code = 1
  ManifestError                 path, line, column
    ManifestErrors              several ManifestError, shown together
  StateError
    StateLocked                 holder, since, unlock hint
    StateConflict               serial or lineage mismatch
    LockLost                    the holder's lock ended under it (session dropped, unlocked)
  StalePlan                     saved plan no longer matches state or manifests
  PlanConflict                  the world does not allow a safe plan (unrecorded objects)
  ProviderError                 provider, operation
    ProviderUnavailable         network, timeout, 5xx: retryable
    RateLimited                 429 or an unresolved penalty ticket; retry_after
    ProviderRejected            4xx or a whole-call errorText: not retryable
  CancelLimitExceeded           the plan offboards more traders than --max-cancel allows
  ProtectedResource             the plan cancels or replaces a `lifecycle.protect` resource
"""

from __future__ import annotations

from collections.abc import Sequence


def printable(text: str) -> str:
    """`text` with every non-printable character (newlines, escapes, bidi controls) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class ReconcilerError(Exception):
    """Base of every error the CLI reports as `Error: <message>`."""

    exit_code: int = 1

    def __str__(self) -> str:
        return printable(super().__str__())


class ManifestError(ReconcilerError):
    """A problem in a manifest file, with its position when known."""

    def __init__(self, message: str, *, path: str = "", line: int = 0, column: int = 0) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        super().__init__(self.located())

    def located(self) -> str:
        """`file:line: message` (or less when the position is unknown), on one line."""
        if self.path and self.line:
            return printable(f"{self.path}:{self.line}: {self.message}")
        if self.path:
            return printable(f"{self.path}: {self.message}")
        return printable(self.message)


class ManifestErrors(ManifestError):
    """Several manifest problems reported at once, sorted by position."""

    def __init__(self, errors: Sequence[ManifestError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.path, e.line, e.column, e.message))
        first = self.errors[0] if self.errors else ManifestError("invalid manifests")
        count = len(self.errors)
        suffix = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(first.message + suffix, path=first.path, line=first.line)


class StateError(ReconcilerError):
    """The state could not be read or written."""


class StateLocked(StateError):
    """Another process holds the workspace lock."""

    def __init__(self, *, holder: str, since: str, lock_id: str) -> None:
        self.holder = holder
        self.since = since
        self.lock_id = lock_id
        super().__init__(
            f"state is locked by {holder} since {since} "
            f"(if that process is gone: reconciler state unlock {lock_id})"
        )


class LockLost(StateError):
    """The workspace lock this process held is gone: it must stop calling the platforms."""


class StateConflict(StateError):
    """The state changed under us (serial or lineage mismatch)."""


class StalePlan(ReconcilerError):
    """A saved plan no longer matches the state or the manifests."""


class ProviderError(ReconcilerError):
    """A whole call to a platform failed."""

    retryable: bool = False

    def __init__(self, message: str, *, provider: str, operation: str) -> None:
        self.provider = provider
        self.operation = operation
        super().__init__(f"{provider} {operation}: {message}")


class ProviderUnavailable(ProviderError):
    """Network error, timeout or 5xx: the platform may recover."""

    retryable = True


class RateLimited(ProviderError):
    """The platform refused us for pacing; retry_after is in seconds when known."""

    def __init__(
        self, message: str, *, provider: str, operation: str, retry_after: float | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, provider=provider, operation=operation)


class ProviderRejected(ProviderError):
    """The platform rejected the request as a whole (4xx or whole-call errorText)."""


class CancelLimitExceeded(ReconcilerError):
    """The plan offboards more traders than --max-cancel allows."""


class ProtectedResource(ReconcilerError):
    """The plan would cancel or replace a resource protected by `lifecycle: {protect: true}`."""


class PlanConflict(ReconcilerError):
    """The plan cannot be made safely (e.g. an unrecorded remote object has a managed key)."""
