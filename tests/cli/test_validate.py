"""`reconciler validate` and manifest errors as a user sees them."""

from __future__ import annotations

from tests.project import Project


def test_valid_manifests_exit_zero(project: Project) -> None:
    result = project.run("validate")
    assert result.exit_code == 0, result.output
    assert "3 trader(s)" in result.output


def test_every_problem_is_reported_with_file_and_line_and_exit_one(project: Project) -> None:
    project.write(
        "traders/bad.yaml",
        """\
        kind: Trader
        name: dave
        username: da
        email: not-an-email
        first_name: Dave
        last_name: Brown
        password: short
        contact: {phone: "+15551234567", street_address1: 1 St, city: X, country: US}
        tradovate:
          accounts: [{name: bad_name1, template: eval-50k}]
    """,
    )
    project.write(
        "traders/refs.yaml",
        """\
        - name: erin
          username: erin.grey
          email: erin@example.com
          first_name: Erin
          last_name: Grey
          password: {generate: true}
          tradovate:
            accounts: [{name: ERIN1, template: nope}]
            entitlements: [gold]
    """,
    )
    result = project.run("validate")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    path = str(project.manifests / "traders" / "bad.yaml")
    expected = {
        3: "username",
        4: "e-mail",
        7: "password must be 8 to 64 characters",
        8: "state is required when country is US",
        10: "name",
    }
    for line, fragment in expected.items():
        assert any(x.startswith(f"{path}:{line}:") and fragment in x for x in lines), (
            line,
            result.output,
        )
    refs = str(project.manifests / "traders" / "refs.yaml")
    assert any(x.startswith(f"{refs}:8:") and "unknown account template" in x for x in lines)
    assert any(x.startswith(f"{refs}:9:") and "unknown entitlement 'gold'" in x for x in lines)
    assert lines[-1] == "Error: 7 problem(s) in the manifests"
    assert "Traceback" not in result.output
    assert "short" not in result.output.replace("password must", "")


def test_duplicate_usernames_across_files_are_reported(project: Project) -> None:
    project.write(
        "traders/copy.yaml",
        (project.manifests / "traders/alice.yaml")
        .read_text()
        .replace("name: alice\n", "name: alice2\n"),
    )
    result = project.run("validate")
    assert result.exit_code == 1
    assert "copy.yaml:" in result.output
    assert "first declared at" in result.output


def test_plan_refuses_bad_manifests_without_touching_state(project: Project) -> None:
    project.write("traders/broken.yaml", "kind: Trader\nname: [unclosed\n")
    result = project.run("plan")
    assert result.exit_code == 1
    assert "broken.yaml:" in result.output
    assert not project.state_file.exists()


def test_usage_errors_exit_one_not_two(project: Project) -> None:
    """2 is reserved for `plan --detailed-exitcode` with changes present."""
    result = project.run("plan", "--no-such-option")
    assert result.exit_code == 1
    assert "No such option" in result.output


def test_detailed_exitcode_is_two_when_changes_are_present(project: Project) -> None:
    assert project.run("plan", "--detailed-exitcode").exit_code == 2


EVERYTHING_AT_ONCE = """\
kind: Firm
name: test-prop
providers:
  tradovate:
    environment: sandbox
    account_templates: {t1: {template_account_id: 1, initial_balance: 1000}}
  tradervue: {environment: sandbox}
---
- {name: ann, username: same.name, email: ann@example.com, first_name: Ann, last_name: A,
   password: {generate: true}, tradovate: {accounts: [{name: SAME1, template: t1}]}}
- {name: ben, username: same.name, email: ann@example.com, first_name: Ben, last_name: Be,
   password: {generate: true}, tradovate: {accounts: [{name: SAME1, template: t1}]}}
- {name: cat, username: cccccccccccccccccccccccccccccccccccccccccccccccccc,
   email: not-an-email, first_name: Cat, last_name: Ca, password: short, tradervue: {plan: Gold}}
"""


def test_uniqueness_and_platform_rules_are_reported_with_field_errors(project: Project) -> None:
    """One run names every problem: a duplicate of (or by) a trader with a field error, and
    a platform's rule on a trader with a field error; never a follow-on of a failed field."""
    for name in ("firm.yaml", "traders/alice.yaml", "traders/team.yaml"):
        project.remove(name)
    project.write("all.yaml", EVERYTHING_AT_ONCE)
    result = project.run("validate")
    assert result.exit_code == 1
    path = str(project.manifests / "all.yaml")
    assert result.output.splitlines() == [
        f"{path}:9: last_name: String should have at least 2 characters",
        f"{path}:11: email: duplicate e-mail 'ann@example.com' (compared case-insensitively) "
        f"(first declared at {path}:9)",
        f"{path}:11: username: duplicate username 'same.name' (compared case-insensitively) "
        f"(first declared at {path}:9)",
        f"{path}:12: tradovate.accounts.0.name: duplicate account name SAME1 "
        f"(first declared at {path}:10)",
        f"{path}:13: username: Tradervue usernames are 1 to 40 characters without whitespace",
        f"{path}:14: email: 'not-an-email' is not a valid e-mail address",
        f"{path}:14: password: password must be 8 to 64 characters",
        "Error: 7 problem(s) in the manifests",
    ]
