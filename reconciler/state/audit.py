"""The audit trail: an append-only record of every action applied to a platform or to state,
kept by the backend next to the state document and read back per trader for disputes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from reconciler.state.encoding import dump_compact

logger = logging.getLogger(__name__)

Outcome = Literal["ok", "failed", "unknown"]
"""`unknown`: the call was sent but its answer was lost; the next plan resolves it."""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who acted and from what: `actor` is user@host, `plan` the plan's id, `commit` the git
    commit of the manifests when it is known."""

    actor: str
    command: str
    plan: str | None = None
    commit: str | None = None


class AuditEntry(BaseModel):
    """One action on one address: when, by whom, from which plan and commit, the platform's id
    and the outcome. Never holds a secret: only ids, names and platform error texts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: str
    trader: str
    address: str
    action: str
    outcome: Outcome
    remote_id: str | None = None
    error: str | None = None
    actor: str
    command: str
    plan: str | None = None
    commit: str | None = None

    @classmethod
    def of(
        cls,
        provenance: Provenance,
        *,
        at: str,
        trader: str,
        address: str,
        action: str,
        outcome: Outcome,
        remote_id: str | None = None,
        error: str | None = None,
    ) -> AuditEntry:
        """An entry for `address` stamped with `provenance`."""
        return cls(
            at=at,
            trader=trader,
            address=address,
            action=action,
            outcome=outcome,
            remote_id=remote_id,
            error=error,
            actor=provenance.actor,
            command=provenance.command,
            plan=provenance.plan,
            commit=provenance.commit,
        )

    def to_bytes(self) -> bytes:
        """One compact JSON line (without the newline)."""
        return dump_compact(self.model_dump(mode="json")).encode("utf-8")


def parse_entries(lines: Iterable[bytes]) -> list[AuditEntry]:
    """Entries from stored lines; a line that does not parse (a torn last write) is skipped
    with a warning rather than hiding the rest of the trail."""
    return list(iter_entries(lines))


def iter_entries(lines: Iterable[bytes], *, holding: bytes = b"") -> Iterator[AuditEntry]:
    """`parse_entries` one entry at a time, of the lines `holding` those bytes only (a caller
    that reads a few kinds' entries of a large trail names a text every one of their lines
    holds: the others are not parsed; the caller still looks at each entry it gets)."""
    for line in lines:
        if holding not in line:
            continue
        try:
            entry = AuditEntry.model_validate_json(line)
        except ValidationError:
            logger.warning("skipped an unreadable audit trail entry")
            continue
        yield entry


__all__ = ["AuditEntry", "Outcome", "Provenance", "iter_entries", "parse_entries"]
