"""A user's record holds what the manifests declare but the generated password, which state
never records: in memory it is a view of the declared attributes without it, not a mapping of
its own (200,000 users' at 100,000 traders), and it reads, compares and plans as the record."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from reconciler.plan import (
    SENSITIVE,
    Action,
    Address,
    AsRecorded,
    DesiredResource,
    GeneratedSecret,
    PlanOptions,
    as_recorded,
    unrecorded,
)
from reconciler.workspace import open_workspace
from reconciler.workspace.records import recorded_of
from tests.project import TEAM, Project

BOB, ALICE = Address.parse("tradovate_user.bob"), Address.parse("tradovate_user.alice")
SECRET = frozenset({"password"})
diff_module = importlib.import_module("reconciler.plan.diff")  # `plan.diff` is the function


def test_a_user_recorded_as_declared_but_the_password_is_a_view_of_the_declared(
    project: Project,
) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0

    with open_workspace(project.manifests, connect=False) as workspace:
        document = workspace.store.read()
        stored = {a: dict(document.resources[a].attributes) for a in (str(BOB), str(ALICE))}
        recorded = recorded_of(document, known=workspace.resources)
        declared = workspace.resources[BOB].attributes

    bob = recorded[BOB].attributes
    assert isinstance(bob, AsRecorded)
    assert bob == stored[str(BOB)]
    assert stored[str(BOB)] == bob
    assert "password" in declared
    assert "password" not in bob
    assert dict(bob) == {k: v for k, v in declared.items() if k != "password"}
    # alice's password is a reference: state keeps its digest, so her record is her own
    assert not isinstance(recorded[ALICE].attributes, AsRecorded)
    assert recorded[ALICE].attributes == stored[str(ALICE)]
    result = project.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output


def test_a_user_whose_record_differs_keeps_a_mapping_of_its_own_and_plans_the_change(
    project: Project,
) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.write("traders/team.yaml", TEAM.replace("bob@example.com", "bob@elsewhere.com"))

    with open_workspace(project.manifests, connect=False) as workspace:
        recorded = recorded_of(workspace.store.read(), known=workspace.resources)

    assert not isinstance(recorded[BOB].attributes, AsRecorded)
    assert recorded[BOB].attributes["email"] == "bob@example.com"
    result = project.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "bob@elsewhere.com" in result.output


def test_the_view_reads_as_the_mapping_without_the_names_left_out() -> None:
    declared = {"username": "u", "password": GeneratedSecret(), "email": "e"}
    view = AsRecorded(declared, unrecorded(declared, SECRET))

    assert unrecorded(declared, SECRET) == frozenset({"password"})
    assert list(view) == ["username", "email"]
    assert len(view) == 2
    assert view == {"email": "e", "username": "u"}
    assert view != {"username": "u"}
    assert view != {"username": "u", "email": "e", "password": GeneratedSecret()}
    assert view != {"username": "u", "email": "other"}
    assert view.get("password") is None
    assert view.get("email") == "e"
    assert "password" not in view
    assert "email" in view
    with pytest.raises(KeyError):
        view["password"]
    assert repr(view) == repr({"username": "u", "email": "e"})
    assert view.__eq__(3) is NotImplemented


def test_a_record_is_a_view_only_when_it_holds_every_other_value_written_alike() -> None:
    declared = {"username": "u", "password": GeneratedSecret(), "tags": [1], "n": 1}

    assert as_recorded({"username": "u", "tags": [1], "n": 1}, declared, SECRET) is not None
    others: list[dict[str, object]] = [
        {"username": "u", "tags": [1], "n": 1.0},  # equal, not written alike
        {"username": "u", "tags": [1.0], "n": 1},  # nested, not written alike
        {"username": "u", "tags": [1], "n": 2},
        {"username": "u", "tags": [1], "other": 1},
        {"username": "u", "tags": [1]},
        {"username": "u", "tags": [1], "n": 1, "password": "x"},
    ]
    assert all(as_recorded(other, declared, SECRET) is None for other in others)
    assert as_recorded({"username": "u", "tags": [1], "n": 1}, declared, frozenset()) is None
    referenced = {**declared, "password": "hmac-sha256:ab"}  # a reference: state records it
    assert as_recorded({"username": "u", "tags": [1], "n": 1}, referenced, SECRET) is None


def test_a_user_the_platform_shows_as_its_view_record_is_a_no_op_without_a_comparison(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bob's record is the view and the platform shows it as recorded (the record itself):
    the diff plans his no-op from that alone, with no mapping of current values made, and the
    same before and after as the full comparison gives. Carol's e-mail changed on the
    platform: hers is still compared, and planned."""
    assert project.run("apply", "--auto-approve").exit_code == 0
    project.admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    carol = Address.parse("tradovate_user.carol")
    compared: list[Address] = []
    full = diff_module.current_values

    def counted(resource: DesiredResource, *args: Any) -> Any:
        compared.append(resource.address)
        return full(resource, *args)

    monkeypatch.setattr(diff_module, "current_values", counted)
    with open_workspace(project.manifests) as workspace:
        plan, remote = workspace.plan(workspace.store.read(), options=PlanOptions())
    changes = {change.address: change for change in plan.changes}

    assert isinstance(remote[BOB].attributes, AsRecorded)
    assert BOB not in compared
    assert changes[BOB].action is Action.NOOP
    assert changes[BOB].before is remote[BOB].attributes
    assert changes[BOB].after == {**remote[BOB].attributes, "password": SENSITIVE}
    assert carol in compared
    assert changes[carol].action is Action.UPDATE
    assert changes[carol].changed == ("email",)


def test_only_a_view_of_the_very_declared_mapping_less_every_secret_stands_for_it() -> None:
    declared = {"username": "u", "password": GeneratedSecret(), "email": "e"}
    view = AsRecorded(declared, unrecorded(declared, SECRET))

    assert view.leaves_out_every(declared, SECRET)
    assert not view.leaves_out_every(dict(declared), SECRET)  # equal, but another mapping
    assert not view.leaves_out_every(declared, SECRET | {"email"})  # a secret it holds
