"""The diff: desired vs recorded vs remote, without I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from reconciler.errors import PlanConflict
from reconciler.plan import (
    SENSITIVE,
    Action,
    Address,
    Change,
    DesiredResource,
    DiffInput,
    GeneratedSecret,
    KindRules,
    Recorded,
    Remote,
    diff,
    recordable,
)

USER = Address("demo_user", "alice")
ACCOUNT = Address("demo_account", "alice", "ACC1")
ENT = Address("demo_entitlement", "alice", "t-prop")
ALL_USER = frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL})
RULES = {
    "demo_user": KindRules(frozenset({Action.CREATE, Action.UPDATE, Action.CANCEL})),
    "demo_account": KindRules(
        frozenset({Action.CREATE, Action.UPDATE, Action.REPLACE, Action.CANCEL}), "demo_user"
    ),
    "demo_entitlement": KindRules(frozenset({Action.ENTITLE, Action.CANCEL}), "demo_user"),
}


def digest(value: str) -> str:
    return f"hmac-sha256:{value[::-1]}"


def user(**attributes: object) -> DesiredResource:
    values = {"email": "a@example.com", "password": SecretStr("s3cret-pass"), **attributes}
    return DesiredResource(
        USER, values, "alice", sensitive=frozenset({"password"}), replace_on=frozenset({"username"})
    )


def account(**attributes: object) -> DesiredResource:
    values = {"name": "ACC1", "template": "t50", "risk": {"loss": 100}, **attributes}
    return DesiredResource(
        ACCOUNT, values, "alice/ACC1", depends_on=(USER,), replace_on=frozenset({"template"})
    )


def recorded_user(**attributes: object) -> Recorded:
    values = {"email": "a@example.com", "password": digest("s3cret-pass"), **attributes}
    return Recorded(USER, "7", values)


def only(changes: Sequence[Change], address: Address) -> Change:
    return next(c for c in changes if c.address == address)


def run(
    desired: Sequence[DesiredResource],
    recorded: Mapping[Address, Recorded] | None = None,
    remote: Mapping[Address, Remote] | None = None,
    *,
    pending: frozenset[Address] = frozenset(),
    adopt: bool = False,
) -> list[Change]:
    by_address = {r.address: r for r in desired}
    data = DiffInput(by_address, recorded or {}, remote or {}, RULES, pending, adopt)
    return diff(data, digest=digest).changes


def test_absent_everywhere_is_created_with_secrets_hidden() -> None:
    change = only(run([user()]), USER)
    assert change.action is Action.CREATE
    assert change.after == {"email": "a@example.com", "password": SENSITIVE}


def test_a_matching_object_found_under_another_id_is_recorded_again() -> None:
    """An interrupted replace left the new object behind: state must follow it (found by the
    history test), or a later cancel would act on the old one."""
    remote = {USER: Remote(USER, "9", {"email": "a@example.com"})}
    change = only(run([user()], {USER: recorded_user()}, remote), USER)
    assert change.action is Action.UPDATE
    assert (change.changed, change.remote_id) == ((), "9")
    assert "now holds it as 9 (recorded: 7)" in change.reason


def test_what_an_interrupted_create_made_for_an_undeclared_address_is_cancelled() -> None:
    remote = {USER: Remote(USER, "9", {"email": "a@example.com"})}
    (change,) = run([], {}, remote, pending=frozenset({USER}))
    assert (change.address, change.action, change.remote_id) == (USER, Action.CANCEL, "9")
    assert change.before == {"email": "a@example.com"}
    assert change.reason.startswith("created by an interrupted apply; no longer declared")


def test_an_interrupted_create_that_made_nothing_plans_nothing() -> None:
    assert run([], {}, {}, pending=frozenset({USER})) == []


def test_an_adoption_that_depends_on_another_keeps_its_remote_id() -> None:
    """Found by the history test: ordering dependencies dropped the remote id, so an adopted
    account whose user was adopted too had no id to act on."""
    remote = {
        USER: Remote(USER, "7", {"email": "a@example.com"}),
        ACCOUNT: Remote(ACCOUNT, "70", {"name": "ACC1", "template": "t50", "risk": {"loss": 100}}),
    }
    changes = run([user(), account()], {}, remote, pending=frozenset({USER, ACCOUNT}))
    adopted = only(changes, ACCOUNT)
    assert (adopted.action, adopted.depends_on, adopted.remote_id) == (
        Action.UPDATE,
        (USER,),
        "70",
    )


def test_state_behind_a_platform_that_already_matches_catches_up() -> None:
    """Found by the history test: a change landed but its answer was lost; the plan was
    empty and the pending operation and the stale record stayed forever."""
    remote = {USER: Remote(USER, "7", {"email": "new@example.com"})}
    recorded = {USER: recorded_user(email="old@example.com")}
    change = only(run([user(email="new@example.com")], recorded, remote), USER)
    assert (change.action, change.changed, change.remote_id) == (Action.UPDATE, (), "7")
    assert change.reason == "state records an older email than the platform, which matches"


ACCOUNT_VALUES = {"name": "ACC1", "template": "t50", "risk": {"loss": 100}}


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        pytest.param(
            Recorded(ACCOUNT, "70", {**ACCOUNT_VALUES, "risk": {"loss": 50}}),
            "state records an older risk than the platform, which matches",
            id="older-value",
        ),
        pytest.param(
            Recorded(ACCOUNT, "69", ACCOUNT_VALUES),
            "the platform now holds it as 70 (recorded: 69)",
            id="other-id",
        ),
    ],
)
def test_state_behind_catches_up_for_a_resource_without_secrets(
    recorded: Recorded, expected: str
) -> None:
    """Plain equality short-cuts the diff of a resource without secrets; it must not hide
    a record that lags behind a platform that already matches."""
    remote = {ACCOUNT: Remote(ACCOUNT, "70", dict(ACCOUNT_VALUES))}
    desired = DesiredResource(ACCOUNT, dict(ACCOUNT_VALUES), "alice/ACC1")
    change = only(run([desired], {ACCOUNT: recorded}, remote), ACCOUNT)
    assert (change.action, change.changed, change.remote_id) == (Action.UPDATE, (), "70")
    assert change.reason == expected


def test_a_resource_without_secrets_matching_remote_and_record_is_a_noop() -> None:
    remote = {ACCOUNT: Remote(ACCOUNT, "70", dict(ACCOUNT_VALUES))}
    desired = DesiredResource(ACCOUNT, dict(ACCOUNT_VALUES), "alice/ACC1")
    recorded = {ACCOUNT: Recorded(ACCOUNT, "70", dict(ACCOUNT_VALUES))}
    change = only(run([desired], recorded, remote), ACCOUNT)
    assert (change.action, change.before, change.after) == (
        Action.NOOP,
        ACCOUNT_VALUES,
        ACCOUNT_VALUES,
    )


_VALUES = st.sampled_from([1, 1.0, True, "a", "b", None, {"loss": 100}, [1, 2]])
_ATTRIBUTES = st.dictionaries(st.sampled_from(["name", "risk", "trading"]), _VALUES)


@settings(max_examples=300, deadline=None)
@given(
    declared=_ATTRIBUTES,
    others=st.lists(_ATTRIBUTES, min_size=2, max_size=2),
    alike=st.sampled_from([(True, True), (True, False), (False, True), (False, False)]),
    remote_id=st.sampled_from(["70", "71"]),
    replace_on=st.sampled_from([frozenset(), frozenset({"name"})]),
)
def test_what_the_platform_shows_beyond_the_declared_attributes_changes_nothing(
    declared: dict[str, object],
    others: list[dict[str, object]],
    alike: tuple[bool, bool],
    remote_id: str,
    replace_on: frozenset[str],
) -> None:
    """An attribute the platform shows, or state records, that the manifests do not declare
    is not compared: the plan is the same without it. With it, the short way for a resource
    that matches everywhere is never taken, so this also checks that way against the full
    comparison. (The record and what the platform shows are often the declared values.)"""
    kept, shown = (
        dict(declared) if same else other for same, other in zip(alike, others, strict=True)
    )
    desired = DesiredResource(ACCOUNT, declared, "alice/ACC1", replace_on=replace_on)
    remote = {ACCOUNT: Remote(ACCOUNT, remote_id, shown)}
    plain = run([desired], {ACCOUNT: Recorded(ACCOUNT, "70", kept)}, remote)
    more = {"undeclared": "not in the manifests"}
    recorded = {ACCOUNT: Recorded(ACCOUNT, "70", {**kept, **more})}
    assert run([desired], recorded, remote) == plain
    remote = {ACCOUNT: Remote(ACCOUNT, remote_id, {**shown, **more})}
    assert run([desired], {ACCOUNT: Recorded(ACCOUNT, "70", kept)}, remote) == plain


def test_matching_remote_and_record_is_a_noop() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    change = only(run([user()], {USER: recorded_user()}, remote), USER)
    assert change.action is Action.NOOP
    assert change.remote_id == "7"


def test_remote_drift_plans_an_update_of_that_attribute() -> None:
    remote = {USER: Remote(USER, "7", {"email": "changed@example.com"})}
    change = only(run([user()], {USER: recorded_user()}, remote), USER)
    assert change.action is Action.UPDATE
    assert change.changed == ("email",)
    assert change.before is not None
    assert change.before["email"] == "changed@example.com"


def test_changed_secret_is_detected_through_its_digest_and_never_shown() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    desired = user(password=SecretStr("another-pass"))
    change = only(run([desired], {USER: recorded_user()}, remote), USER)
    assert change.changed == ("password",)
    assert change.before is not None
    assert change.after is not None
    assert change.before["password"] == SENSITIVE
    assert change.after["password"] == SENSITIVE
    assert "another-pass" not in repr(change)


def test_generated_secret_is_never_compared() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    desired = user(password=GeneratedSecret())
    change = only(run([desired], {USER: recorded_user()}, remote), USER)
    assert change.action is Action.NOOP
    assert "password" not in recordable(desired, digest=digest)


def test_a_no_op_with_a_generated_secret_shows_the_record_without_a_copy() -> None:
    desired = user(password=GeneratedSecret())
    record = Recorded(USER, "7", {"email": "a@example.com"})  # never a generated password
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    change = only(run([desired], {USER: record}, remote), USER)
    assert change.action is Action.NOOP
    assert change.before is record.attributes
    assert change.after == {"email": "a@example.com", "password": SENSITIVE}
    # a secret the record holds (digested) is still hidden
    digested = Recorded(USER, "7", {"email": "a@example.com", "password": digest("old")})
    change = only(run([desired], {USER: digested}, remote), USER)
    assert change.action is Action.NOOP
    assert change.before == {"email": "a@example.com", "password": SENSITIVE}


def test_unreadable_attribute_is_compared_with_the_record() -> None:
    remote = {ACCOUNT: Remote(ACCOUNT, "9", {"name": "ACC1", "risk": {"loss": 100}})}
    record = Recorded(ACCOUNT, "9", {"name": "ACC1", "template": "t25", "risk": {"loss": 100}})
    change = only(run([account()], {ACCOUNT: record}, remote), ACCOUNT)
    assert change.action is Action.REPLACE
    assert change.changed == ("template",)


def test_nested_value_change_is_an_update() -> None:
    remote = {ACCOUNT: Remote(ACCOUNT, "9", {"name": "ACC1", "risk": {"loss": 90}})}
    record = Recorded(ACCOUNT, "9", {"name": "ACC1", "template": "t50", "risk": {"loss": 100}})
    change = only(run([account()], {ACCOUNT: record}, remote), ACCOUNT)
    assert change.action is Action.UPDATE
    assert change.changed == ("risk",)


def test_recorded_object_deleted_remotely_is_created_again_with_a_reason() -> None:
    change = only(run([user()], {USER: recorded_user()}, {}), USER)
    assert change.action is Action.CREATE
    assert "no longer exists" in change.reason


def test_blocked_precondition_is_a_wait_with_its_reason() -> None:
    desired = DesiredResource(
        ENT, {"entitlement": "t-prop"}, "alice/1", create_action=Action.ENTITLE
    )
    remote = {ENT: Remote(ENT, None, blocked="waiting for the signature")}
    change = only(run([desired], {}, remote), ENT)
    assert change.action is Action.WAIT
    assert change.reason == "waiting for the signature"


def test_unblocked_entitlement_is_planned_as_entitle() -> None:
    desired = DesiredResource(
        ENT, {"entitlement": "t-prop"}, "alice/1", create_action=Action.ENTITLE
    )
    assert only(run([desired]), ENT).action is Action.ENTITLE


def test_unrecorded_remote_object_is_a_conflict_unless_adopted() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    with pytest.raises(PlanConflict, match="--adopt"):
        run([user()], {}, remote)
    change = only(run([user()], {}, remote, adopt=True), USER)
    assert change.action is Action.UPDATE
    assert change.remote_id == "7"
    assert "adopt" in change.reason


def test_pending_create_of_an_interrupted_apply_is_adopted() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    change = only(run([user()], {}, remote, pending=frozenset({USER})), USER)
    assert change.action is Action.UPDATE
    assert "interrupted apply" in change.reason


def test_an_object_we_offboarded_is_taken_back_without_adopt() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    data = DiffInput({USER: user()}, {}, remote, RULES, offboarded=frozenset({USER}))
    change = only(diff(data, digest=digest).changes, USER)
    assert (change.action, change.remote_id) == (Action.UPDATE, "7")
    assert "offboarded by an earlier apply of this workspace, declared again" in change.reason


def test_removed_trader_cancels_the_user_and_its_children_ride_along() -> None:
    recorded = {USER: recorded_user(), ACCOUNT: Recorded(ACCOUNT, "9", {"name": "ACC1"})}
    changes = run([], recorded, {})
    assert only(changes, USER).action is Action.CANCEL
    child = only(changes, ACCOUNT)
    assert child.action is Action.CANCEL
    assert child.via == USER


def test_removed_account_alone_is_cancelled_on_its_own() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    recorded = {USER: recorded_user(), ACCOUNT: Recorded(ACCOUNT, "9", {"name": "ACC1"})}
    change = only(run([user()], recorded, remote), ACCOUNT)
    assert change.action is Action.CANCEL
    assert change.via is None
    assert change.remote_id == "9"


def test_change_to_an_attribute_the_kind_cannot_replace_is_refused() -> None:
    remote = {USER: Remote(USER, "7", {"email": "a@example.com", "username": "old"})}
    with pytest.raises(PlanConflict, match="username cannot change"):
        run([user(username="new")], {USER: recorded_user(username="old")}, remote)


def test_dependencies_are_kept_only_when_the_dependency_changes_too() -> None:
    changes = run([user(), account()])
    assert only(changes, ACCOUNT).depends_on == (USER,)
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    changes = run([user(), account()], {USER: recorded_user()}, remote)
    assert only(changes, ACCOUNT).depends_on == ()


def test_change_to_a_create_only_attribute_is_a_note_not_a_change() -> None:
    desired = DesiredResource(
        USER, {"email": "a@example.com", "plan": "Gold"}, "alice", create_only=frozenset({"plan"})
    )
    remote = {USER: Remote(USER, "7", {"email": "a@example.com"})}
    recorded = {USER: Recorded(USER, "7", {"email": "a@example.com", "plan": "Silver"})}
    result = diff(DiffInput({desired.address: desired}, recorded, remote, RULES), digest=digest)
    assert [c.action for c in result.changes] == [Action.NOOP]
    assert result.notes == [
        "demo_user.alice: plan can only be set when it is created on the platform; the change "
        "is not applied (recreate the trader to change it)"
    ]


def test_cancel_reason_says_what_the_platform_keeps() -> None:
    rules = {**RULES, "demo_user": KindRules(ALL_USER, cancel_note="the account stays as Free")}
    data = DiffInput({}, {USER: recorded_user()}, {}, rules)
    (change,) = diff(data, digest=digest).changes
    assert change.reason == "no longer declared; the account stays as Free"


def _resettable(token: str | None) -> DesiredResource:
    values = {"name": "ACC1", "template": "t50"} | ({} if token is None else {"reset": token})
    return DesiredResource(
        ACCOUNT, values, "alice/ACC1", depends_on=(USER,), reset_on=frozenset({"reset"})
    )


def _reset_diff(desired: str, recorded: str | None, **options: object):  # type: ignore[no-untyped-def]
    attributes = {"name": "ACC1", "template": "t50"}
    if recorded is not None:
        attributes["reset"] = recorded
    data = DiffInput(
        {ACCOUNT: _resettable(desired)},
        {ACCOUNT: Recorded(ACCOUNT, "9", attributes)},
        {ACCOUNT: Remote(ACCOUNT, "9", {"name": "ACC1", "template": "t50"})},
        RULES,
        **options,  # type: ignore[arg-type]
    )
    return only(diff(data, digest=digest).changes, ACCOUNT)


@pytest.mark.parametrize(
    ("desired", "recorded", "action", "reason"),
    [
        ("2", "1", Action.RESET, ""),
        ("1", "1", Action.NOOP, ""),
        ("1", None, Action.UPDATE, "first reset recorded: nothing is reset"),
    ],
    ids=["changed-token-resets", "same-token-nothing", "first-token-only-recorded"],
)
def test_a_reset_token_plans_a_reset_only_when_a_recorded_token_changes(
    desired: str, recorded: str | None, action: Action, reason: str
) -> None:
    change = _reset_diff(desired, recorded)
    assert (change.action, change.reason) == (action, reason)
    if action is Action.RESET:
        assert change.changed == ("reset",)


def test_a_reset_an_interrupted_apply_sent_is_recorded_not_planned_again() -> None:
    change = _reset_diff("2", "1", interrupted=frozenset({ACCOUNT}))
    assert change.action is Action.UPDATE
    assert change.changed == ("reset",)
    assert "recorded, not sent again" in change.reason
