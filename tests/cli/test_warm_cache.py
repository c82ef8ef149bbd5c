"""With every manifest file in the parse cache, a change of a referenced value, of a firm
template or default, or made on the platform is still planned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.manifest.parse_cache import MIN_BYTES
from tests.project import Project

PADDING = "# " + "x" * 78 + "\n"


def pad(project: Project, relative: str) -> None:
    """Make the file large enough to be cached (comments only)."""
    path = project.manifests / relative
    text = path.read_text()
    path.write_text(text + PADDING * (MIN_BYTES // len(PADDING) + 1))


def replace(project: Project, relative: str, old: str, new: str) -> None:
    path = project.manifests / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture
def warm(project: Project) -> Project:
    """The project applied, every file cached, and a plan with no changes read from the cache."""
    for relative in ("firm.yaml", "traders/alice.yaml", "traders/team.yaml"):
        pad(project, relative)
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    cache = Path(os.environ["RECONCILER_CACHE_DIR"])
    before = {p.name for p in cache.iterdir()}
    result = project.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert {p.name for p in cache.iterdir()} == before  # every file was a hit
    return project


def test_a_changed_env_value_is_planned(warm: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALICE_PASS", "alice-Other-5678")
    result = warm.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "~ tradovate_user.alice" in result.output
    assert "alice-Other-5678" not in result.output
    assert "Plan: 0 to create, 1 to update" in result.output


def test_a_changed_template_is_planned(warm: Project) -> None:
    replace(warm, "firm.yaml", "daily_loss_auto_liq: 1100", "daily_loss_auto_liq: 1000")
    result = warm.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "~ tradovate_account.alice/TESTA1" in result.output
    assert "~ tradovate_account.bob/TESTB2" in result.output
    assert "daily_loss_auto_liq = 1100 -> 1000" in result.output


def test_a_changed_firm_default_is_planned(warm: Project) -> None:
    before = warm.run("plan", "--show-waits").output
    assert "tradovate_entitlement.bob/t-prop" not in before
    path = warm.manifests / "firm.yaml"
    text = path.read_text()
    head, _, padding = text.partition(PADDING)
    path.write_text(head + "defaults:\n  tradovate: {entitlements: [t-prop]}\n" + PADDING + padding)
    result = warm.run("plan", "--show-waits")
    assert result.exit_code == 0, result.output
    assert "tradovate_entitlement.bob/t-prop (wait)" in result.output  # no signature yet
    assert "tradovate_entitlement.carol/t-prop (wait)" in result.output
    assert "3 waiting" in result.output


def test_a_change_on_the_platform_is_planned(warm: Project) -> None:
    warm.admin("users/carol.white/update", {"email": "carol@elsewhere.com"})
    warm.admin("accounts/TESTA1/update", {"dailyLossAutoLiq": 900})
    result = warm.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert '~ email = "carol@elsewhere.com" -> "carol@example.com"' in result.output
    assert "daily_loss_auto_liq = 900 -> 1100" in result.output
