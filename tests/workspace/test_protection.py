"""Protection looked up at a few addresses (a targeted plan) answers as the firm-wide lookup
does there: flags the manifests declare, a cancelled trader's, and those only state keeps."""

from __future__ import annotations

import pytest

from reconciler.plan import Address, Recorded, Remote
from reconciler.state import records
from reconciler.workspace import open_workspace
from reconciler.workspace.protection import apply_facts, protection
from tests.cli.test_guardrails import PROTECTED, applied, edit
from tests.project import Project
from tests.spying import calls_of

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


def test_an_apply_with_nothing_to_change_decodes_only_the_records_naming_protection(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facts apply remembers are found without a model of every record: only a record
    whose text names the protection fact is decoded to look at it (at 100,000 traders a kept
    model of each took a no-change apply's peak from 1.2 to 2.4 GiB), and none is kept."""
    edit(project, "traders/team.yaml", B2, protect(B2))
    applied(project)
    edit(project, "traders/team.yaml", protect(B2), B2)  # state keeps it: to be cleared
    built = calls_of(monkeypatch, records, "record_of")
    with open_workspace(project.manifests, connect=False) as workspace:
        document = workspace.store.read()
        facts = apply_facts(workspace, {}, document)
        assert facts[Address.parse("tradovate_account.bob/TESTB2")] == {"protected": False}
        assert built
        assert all('"protected"' in raw for (raw,) in built)
        assert not document.resources._built  # looked at, not kept


def test_the_facts_of_an_object_shown_as_recorded_are_not_remembered_again(
    project: Project,
) -> None:
    """An object the platform shows exactly as recorded (the refresh gives the record
    itself) holds its facts in state already; a fact shown anew is remembered."""
    applied(project)
    with open_workspace(project.manifests) as workspace:
        document = workspace.store.read()
        _, remote = workspace.plan(document)
        shown = {a for a, r in remote.items() if type(r) is Recorded and r.facts}
        assert shown  # e.g. an account's trading permission
        assert not shown & apply_facts(workspace, remote, document).keys()
        address = next(iter(shown))
        record = remote[address]
        anew = Remote(address, record.remote_id, record.attributes, facts={"seen": True})
        facts = apply_facts(workspace, {**remote, address: anew}, document)
        assert facts[address] == {"seen": True}
