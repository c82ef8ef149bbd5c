"""A create whose answer was lost may still be committed by the platform: while it is recent,
the refresh makes its address wait instead of letting the plan create a second object under
a key the manifests changed since."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import cast

import pytest

from reconciler.errors import PlanConflict
from reconciler.plan import Address, DesiredResource, ReadRequest, Recorded, Remote
from reconciler.providers import Adapter
from reconciler.state import PendingOperation, StateDocument
from reconciler.workspace.refresh import refresh

USER = Address.parse("pal_user.t9")
SENT = "t9.v0@example.com"
NOW = datetime(2026, 12, 6, 4, 30, tzinfo=UTC).timestamp()


class Platform:
    """Knows the objects it holds by natural key; records every lookup."""

    def __init__(self, held: Mapping[str, str]) -> None:
        self.held = held
        self.looked_up: list[str] = []

    def read(self, requests: Sequence[ReadRequest]) -> Mapping[Address, Remote]:
        found = {}
        for request in requests:
            self.looked_up.append(request.natural_key)
            if request.natural_key in self.held:
                found[request.address] = Remote(request.address, self.held[request.natural_key])
        return found


def _document(seconds_ago: float) -> StateDocument:
    editor = StateDocument.new().edit()
    started = datetime.fromtimestamp(NOW - seconds_ago, UTC).isoformat(timespec="milliseconds")
    editor.add_pending(
        PendingOperation(
            id="op-1", address=str(USER), action="create", natural_key=SENT, started_at=started
        )
    )
    return editor.snapshot()


def _refresh(platform: Platform, seconds_ago: float) -> dict[Address, Remote]:
    resources = {USER: DesiredResource(USER, {}, "t9.v1@example.com")}
    adapters = cast(Mapping[str, Adapter], {"pal": platform})
    return refresh(adapters, resources, _document(seconds_ago), {}, now=NOW, settle=1.0)


def test_a_recent_lost_create_under_the_old_key_makes_its_address_wait() -> None:
    platform = Platform({})
    remote = _refresh(platform, seconds_ago=0.6)
    assert platform.looked_up == ["t9.v1@example.com", SENT]
    assert remote[USER].remote_id is None
    blocked = remote[USER].blocked
    assert blocked is not None
    assert SENT in blocked


@pytest.mark.parametrize("seconds_ago", [1.0, 30.0], ids=["at-the-limit", "long-ago"])
def test_a_lost_create_older_than_the_settle_time_is_created_again(seconds_ago: float) -> None:
    remote = _refresh(Platform({}), seconds_ago=seconds_ago)
    assert USER not in remote or remote[USER].blocked is None


def test_a_late_commit_that_landed_is_adopted_not_waited_for() -> None:
    remote = _refresh(Platform({SENT: "usr_late"}), seconds_ago=0.6)
    assert remote[USER].remote_id == "usr_late"
    assert remote[USER].blocked is None


def test_records_of_a_provider_no_longer_configured_are_refused_by_name() -> None:
    recorded = {
        address: Recorded(address, "1", {})
        for address in (USER, Address.parse("vue_user.t9"), Address.parse("vue_user.t8"))
    }
    adapters = {"pal": cast(Adapter, Platform({}))}

    with pytest.raises(PlanConflict, match=r"state holds resources of vue, which the Firm"):
        refresh(adapters, {}, StateDocument.new(), recorded)
