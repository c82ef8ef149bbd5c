"""What the platform shows read as the recorded mapping when it shows every value of it as
recorded (`shown_as_recorded`): plan and drift read the same either way."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from reconciler.plan import (
    DesiredResource,
    Recorded,
    Remote,
    detect_drift,
    shown_as_recorded,
)
from tests.plan.test_diff import ACCOUNT, USER, digest, run

_VALUES = st.sampled_from([1, 1.0, True, "a", "b", None, {"loss": 100}, [1, 2]])
_KEYS = ("name", "template", "risk", "trading")
_ATTRIBUTES = st.dictionaries(st.sampled_from(_KEYS), _VALUES)


def _drift(recorded: Recorded, remote: Remote) -> object:
    address = recorded.address
    return detect_drift(
        {address: recorded},
        {address: remote},
        declared=[address],
        lineage="l",
        serial=1,
        created_at="now",
    ).items


@settings(max_examples=400, deadline=None)
@given(
    declared=_ATTRIBUTES,
    kept=_ATTRIBUTES,
    shown_keys=st.sets(st.sampled_from(_KEYS)),
    changed=st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=1),
    remote_id=st.sampled_from(["70", "71"]),
    create_only=st.sampled_from([frozenset(), frozenset({"template"})]),
)
def test_a_platform_showing_part_of_a_record_as_recorded_reads_as_the_record(
    declared: dict[str, object],
    kept: dict[str, object],
    shown_keys: set[str],
    changed: dict[str, object],
    remote_id: str,
    create_only: frozenset[str],
) -> None:
    """The platform shows some of the recorded values (as recorded, or one changed); with
    the record in its place whenever `shown_as_recorded` allows, the changes and the drift
    are the same as with what the platform shows."""
    shown = {**{k: v for k, v in kept.items() if k in shown_keys}, **changed}
    desired = DesiredResource(ACCOUNT, declared, "alice/ACC1", create_only=create_only)
    recorded = Recorded(ACCOUNT, "70", kept)
    as_shown = Remote(ACCOUNT, remote_id, shown)
    as_recorded = Remote(ACCOUNT, remote_id, shown_as_recorded(shown, kept))

    assert run([desired], {ACCOUNT: recorded}, {ACCOUNT: as_recorded}) == run(
        [desired], {ACCOUNT: recorded}, {ACCOUNT: as_shown}
    )
    assert _drift(recorded, as_recorded) == _drift(recorded, as_shown)


def test_only_a_record_holding_all_that_is_shown_alike_stands_for_it() -> None:
    kept = {"name": "A", "template": "t50", "risk": {"loss": 100}}

    assert shown_as_recorded({"name": "A", "risk": {"loss": 100}}, kept) is kept
    assert shown_as_recorded({}, kept) is kept
    for shown in (
        {"name": "B"},  # changed
        {"name": "A", "risk": {"loss": 100.0}},  # equal, not written alike
        {"name": "A", "status": "open"},  # more than state recorded
    ):
        assert shown_as_recorded(shown, kept) is shown
    assert shown_as_recorded({"name": "A"}, None) == {"name": "A"}


def test_a_user_whose_referenced_password_is_not_shown_plans_alike() -> None:
    """State keeps the digest of a password from a reference; the platform shows none."""
    desired = DesiredResource(
        USER,
        {"email": "a@example.com", "password": SecretStr("s3cret-pass")},
        "alice",
        sensitive=frozenset({"password"}),
    )
    kept = {"email": "a@example.com", "password": digest("s3cret-pass")}
    recorded = Recorded(USER, "7", kept)
    for email in ("a@example.com", "b@example.com"):
        shown = {"email": email}
        as_shown = Remote(USER, "7", shown)
        as_recorded = Remote(USER, "7", shown_as_recorded(shown, kept))
        assert run([desired], {USER: recorded}, {USER: as_recorded}) == run(
            [desired], {USER: recorded}, {USER: as_shown}
        )
        assert _drift(recorded, as_recorded) == _drift(recorded, as_shown)
