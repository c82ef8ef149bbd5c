"""Protection looked up at a few addresses (a targeted plan) answers as the firm-wide lookup
does there: flags the manifests declare, a cancelled trader's, and those only state keeps."""

from __future__ import annotations

from reconciler.plan import Address
from reconciler.workspace import open_workspace
from reconciler.workspace.protection import apply_facts, protection
from tests.cli.test_guardrails import PROTECTED, applied, edit
from tests.project import Project

B2, C4 = "{name: TESTB2, template: eval-50k}", "{name: TESTC4, template: eval-100k}"


def protect(account: str) -> str:
    return account.replace("}", ", lifecycle: {protect: true}}")


def test_protection_at_a_few_addresses_is_the_firm_wide_answer_there(project: Project) -> None:
    edit(project, "traders/alice.yaml", "username: alice.smith\n", PROTECTED)
    edit(project, "traders/team.yaml", B2, protect(B2))
    edit(project, "traders/team.yaml", C4, protect(C4))
    applied(project)
    edit(project, "traders/team.yaml", f"      - {protect(B2)}\n", "")  # only state keeps it
    edit(
        project,
        "traders/team.yaml",
        "  last_name: White\n",
        "  last_name: White\n  status: cancelled\n",
    )
    with open_workspace(project.manifests, connect=False) as workspace:
        document = workspace.store.read()
        everywhere = protection(workspace, document)
        assert {str(a) for a in everywhere} >= {
            "tradovate_user.alice",
            "tradovate_account.bob/TESTB2",
            "tradovate_account.carol/TESTC4",
        }
        addresses = set(workspace.resources) | {Address.parse(a) for a in document.resources}
        for trader in ("alice", "bob", "carol"):
            only = {a for a in addresses if a.trader == trader}
            expected = {a: why for a, why in everywhere.items() if a in only}
            assert protection(workspace, document, only=only) == expected, trader
            facts = apply_facts(workspace, {}, document)
            assert apply_facts(workspace, {}, document, only=only) == {
                a: f for a, f in facts.items() if a in only
            }
