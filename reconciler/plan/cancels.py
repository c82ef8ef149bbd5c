"""Cancels: recorded (or orphaned) objects no longer declared are offboarded, directly or by
the cancel of their parent."""

from __future__ import annotations

from reconciler.plan.action import Action, Change
from reconciler.plan.address import Address
from reconciler.plan.adoption import orphans
from reconciler.plan.compare import display_recorded
from reconciler.plan.inputs import DiffInput


def cancels(data: DiffInput) -> list[Change]:
    """A cancel for every known address no longer desired."""
    found = orphans(data)  # neither desired nor recorded
    recorded, desired = data.recorded, data.desired
    gone = [a for a in recorded if a not in desired]  # no copy of a large firm's records
    gone += found
    gone.sort(key=Address.sort_key)
    gone_set = set(gone)
    changes = []
    for address in gone:
        parent_kind = data.rules[address.kind].parent
        via = Address(parent_kind, address.trader) if parent_kind else None
        if via not in gone_set:
            via = None
        note = data.rules[address.kind].cancel_note
        reason = f"performed by the cancel of {via}" if via else "no longer declared"
        if not via and address.trader in data.cancelled:
            reason = "status: cancelled"
        if address in found:
            reason = f"created by an interrupted apply; {reason}"
        if note and not via:
            reason = f"{reason}; {note}"
        record = found[address] if address in found else recorded[address]
        before = display_recorded(record)
        changes.append(
            Change(
                address,
                Action.CANCEL,
                before,
                None,
                reason=reason,
                via=via,
                remote_id=record.remote_id,
            )
        )
    return changes
