"""Watch at scale, against the Tradovate sandbox: a burst of signatures queued while a run
cannot start is handled by one targeted run that reads only the signers, by id; the loop's
trader index follows manifest changes (an added trader, a renamed one)."""

from __future__ import annotations

from collections import Counter

from reconciler.workspace import open_workspace
from tests.project import ALICE, Project, calls
from tests.watch.test_loop import entitled, state, watching

SIGNERS = 12
"""More than one `user/items` call holds (10 ids, assumed): the reads come in two chunks."""


def signers(count: int) -> str:
    """`count` traders waiting for their signature, as one YAML list."""
    return "".join(
        f"- {{name: s{n:02d}, username: signer{n:02d}, email: signer{n:02d}@example.com, "
        f"first_name: Sig, last_name: Ner{n:02d}, password: {{generate: true}}, "
        f"tradovate: {{entitlements: [t-prop]}}}}\n"
        for n in range(count)
    )


def test_a_burst_is_one_targeted_run_reading_only_the_signers_by_id(project: Project) -> None:
    project.write("traders/signers.yaml", signers(SIGNERS))
    assert project.run("apply", "--auto-approve").exit_code == 0
    names = [f"signer{n:02d}" for n in range(SIGNERS)]
    with watching(project, lock_timeout=0.0) as (_, lines):
        lines.wait_for("planned", scope="full", reason="start")
        with (
            open_workspace(project.manifests, connect=False) as other,
            other.store.lock(command="apply", timeout=10.0),  # no run starts meanwhile
        ):
            project.clear_requests()
            for name in names:
                project.admin(f"users/{name}/sign-mda")
            for _ in names:
                lines.wait_for("precondition_met", source="live")
        lines.wait_for("applied", scope="targeted", timeout=20)
    planned = [d for name, d in lines.lines if name == "planned" and d["scope"] == "targeted"]
    assert [d["traders"] for d in planned] == [[f"s{n:02d}" for n in range(SIGNERS)]]
    assert len(entitled(project)) == SIGNERS
    made = Counter(c for c in calls(project) if "/auth/" not in c)
    assert made == {
        "GET live /v1/user/items": 2,  # 12 ids, 10 a call
        "GET live /v1/tradovatesubscriptionplan/list": 1,
        "GET live /v1/tradovatesubscription/ldeps": 1,
        "GET live /v1/userplugin/ldeps": 1,
        "POST live /v1/userplugin/addentitlementsubscription": SIGNERS,
        "POST live /v1/adminalertsignal/completealertsignal": SIGNERS,
    }


def test_a_trader_added_while_watching_is_found_when_they_sign(project: Project) -> None:
    with watching(project) as (_, lines):
        lines.wait_for("applied", scope="full")
        project.write("traders/signers.yaml", signers(1))
        lines.wait_for("manifests_loaded", trigger="files")
        lines.wait_for("applied", scope="full", timeout=20)
        project.admin("users/signer00/sign-mda")
        assert lines.wait_for("precondition_met")["address"] == "tradovate_user.s00"
        assert lines.wait_for("planned", scope="targeted")["traders"] == ["s00"]
        lines.wait_for("applied", scope="targeted")
    assert "tradovate_entitlement.s00/t-prop" in state(project)


def test_a_trader_renamed_while_watching_is_found_under_the_new_name(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    with watching(project) as (_, lines):
        lines.wait_for("planned", scope="full", reason="start")
        firm = project.manifests / "firm.yaml"
        firm.write_text(firm.read_text() + "moved:\n  - {from: alice, to: alicia}\n")
        project.write("traders/alice.yaml", ALICE.replace("name: alice\n", "name: alicia\n"))
        lines.wait_for("manifests_loaded", trigger="files")
        lines.wait_for("applied", scope="full", timeout=20)
        project.admin("users/alice.smith/sign-mda")
        assert lines.wait_for("precondition_met")["address"] == "tradovate_user.alicia"
        assert lines.wait_for("planned", scope="targeted")["traders"] == ["alicia"]
        lines.wait_for("applied", scope="targeted")
    recorded = state(project)
    assert "tradovate_entitlement.alicia/t-prop" in recorded
    assert "tradovate_user.alice" not in recorded


def test_a_signature_is_recorded_even_when_its_plan_fails(project: Project) -> None:
    assert project.run("apply", "--auto-approve").exit_code == 0
    firm = (project.manifests / "firm.yaml").read_text()
    wrong = firm.replace(
        "    entitlements:", "    live_data_account: NOSUCH_DATA\n    entitlements:"
    )
    project.write("firm.yaml", wrong)  # every entitlement request is refused at plan time
    with watching(project) as (_, lines):
        lines.wait_for("error", scope="full")
        project.admin("users/alice.smith/sign-mda")
        assert lines.wait_for("recorded")["addresses"] == ["tradovate_user.alice"]
        assert "NOSUCH_DATA" in lines.wait_for("error")["message"]  # the plan failed again
    assert state(project)["tradovate_user.alice"]["facts"]["mda_signed"] is True
