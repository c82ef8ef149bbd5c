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
