"""Batch items: what the adapter gets for each change (the desired resource, the recorded
record, remote ids of what it depends on, and its secrets, generated ones made here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from reconciler.apply.handout import HandoutRow
from reconciler.apply.journal import Journal, utc_now
from reconciler.plan import (
    Action,
    Address,
    Change,
    DesiredResource,
    GeneratedSecret,
    KindRules,
    Recorded,
)
from reconciler.providers import BatchItem


class ItemBuilder:
    """Builds batch items from the journal's current records (this apply's writes included).

    A password generated for a create is appended to `rows`, which the caller writes to the
    hand-out file before the platform call that sets it.
    """

    def __init__(
        self,
        journal: Journal,
        *,
        desired: Mapping[Address, DesiredResource],
        rules: Mapping[str, KindRules],
        facts: Mapping[Address, Mapping[str, Any]],
        clock: Callable[[], float],
        make_password: Callable[[int], str],
    ) -> None:
        self._journal = journal
        self._desired = desired
        self._rules = rules
        self._facts = facts
        self._clock = clock
        self._make_password = make_password

    def item(self, change: Change, rows: list[HandoutRow]) -> BatchItem:
        desired = self._desired.get(change.address)
        record = self._journal.record(change.address)
        recorded = (
            None
            if record is None
            else Recorded(
                change.address,
                record.remote_id,
                record.attributes,
                record.facts,
                record.natural_key,
            )
        )
        if recorded is None and change.action in _UNRECORDED and change.remote_id:
            # an object an interrupted apply made for what is no longer declared, or one an
            # adoption replaces: what the refresh saw of it stands in for a record
            facts = self._facts.get(change.address, {})
            recorded = Recorded(change.address, change.remote_id, change.before or {}, facts)
        return BatchItem(
            change,
            desired,
            recorded,
            self._secrets(change, desired, rows),
            self._ids(change, desired),
        )

    def _ids(self, change: Change, desired: DesiredResource | None) -> dict[Address, str]:
        related = list(desired.depends_on) if desired else []
        parent = self._rules[change.address.kind].parent
        if parent is not None:
            related.append(Address(parent, change.address.trader))
        ids = {}
        for address in related:
            record = self._journal.record(address)
            if record is not None:
                ids[address] = record.remote_id
        return ids

    def _secrets(
        self, change: Change, desired: DesiredResource | None, rows: list[HandoutRow]
    ) -> dict[str, str]:
        if desired is None or change.action in (Action.CANCEL, Action.NOOP, Action.WAIT):
            return {}
        secrets: dict[str, str] = {}
        for key in desired.sensitive:
            value = desired.attributes.get(key)
            if isinstance(value, SecretStr):
                secrets[key] = value.get_secret_value()
            elif isinstance(value, GeneratedSecret) and (
                change.action in (Action.CREATE, Action.REPLACE) or key in change.changed
            ):
                secrets[key] = self._generate(change.address, desired, value, rows)
        return secrets

    def _generate(
        self,
        address: Address,
        desired: DesiredResource,
        secret: GeneratedSecret,
        rows: list[HandoutRow],
    ) -> str:
        password = self._make_password(secret.length)
        attributes = desired.attributes
        rows.append(
            (
                address.trader,
                address.provider,
                str(attributes.get("username", "")),
                str(attributes.get("email", "")),
                password,
                utc_now(self._clock),
            )
        )
        return password


_UNRECORDED = frozenset({Action.CANCEL, Action.REPLACE})
"""Actions on an existing object that may have no record yet (what the refresh saw is used)."""

__all__ = ["ItemBuilder"]
