"""What a plan says of the pending operations state records: those of an interrupted apply,
or of an apply still running (another process holds the lock)."""

from __future__ import annotations

import os
import socket

from reconciler.state import StateDocument, StateStore

_APPLYING = frozenset({"apply", "watch"})
"""Commands whose lock means changes are being sent."""


def pending_note(store: StateStore, document: StateDocument) -> str | None:
    """A note for the plan when state records pending operations; None when it records none.

    A lock held by another live process applying (apply, watch) means it is still sending
    them; a lock of this process (apply and watch plan under their own lock), of a process
    that is gone, or of another command means an apply was interrupted."""
    count = len(document.pending)
    if not count:
        return None
    holder = store.holder()
    if (
        holder is not None
        and holder.command in _APPLYING
        and (holder.host, holder.pid) != (socket.gethostname(), os.getpid())
        and store.liveness(holder)[0] != "gone"
    ):
        return (
            f"an apply is in progress ({holder.describe()}, since {holder.created_at}): "
            f"{count} operation(s) it sent are not recorded yet, so this plan may show changes "
            "it is making; plan again once it has finished"
        )
    return (
        f"{count} operation(s) of an interrupted apply were pending; "
        "objects they created are adopted by natural key, the rest are planned again"
    )


__all__ = ["pending_note"]
