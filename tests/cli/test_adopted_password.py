"""An adopted Tradovate user whose password the manifests generate or set: the plan says on a
line of its own that the password is left as it is, and why; apply sends none (through the CLI
against the sandbox)."""

from __future__ import annotations

import pytest

from tests.project import Project, calls

DAVE = """\
kind: Trader
name: dave
username: dave.green
email: dave@example.com
first_name: Dave
last_name: Green
password: {password}
tradovate: {{accounts: []}}
"""


@pytest.mark.parametrize("password", ["{generate: true}", '"${env:ALICE_PASS}"'])
def test_an_adopted_users_password_is_left_as_is_and_the_plan_says_why(
    project: Project, password: str
) -> None:
    project.admin(
        "users/create",
        {
            "name": "dave.green",
            "email": "dave@example.com",
            "password": "dave-Own-Pass-99",
            "firstName": "Dave",
            "lastName": "Green",
        },
    )
    project.write("traders/dave.yaml", DAVE.format(password=password))
    target = ("--target", "tradovate_user.dave")
    planned = project.run("plan", "--adopt", *target).output
    assert "~ tradovate_user.dave (update)" in planned
    assert "# adopt existing remote object" in planned
    assert (
        "# password left as it is on the platform: it cannot be read back, and setting it "
        "would replace the one the trader uses now (not set by this apply)" in planned
    )
    assert "+ password" not in planned  # no line that reads as a set
    project.clear_requests()
    result = project.run("apply", "--auto-approve", "--adopt", *target)
    assert result.exit_code == 0, result.output
    assert calls(project)  # the refresh's reads are logged
    assert not [c for c in calls(project) if "password" in c.lower()]
    assert "tradovate_user.dave" in project.run("state", "list").output
