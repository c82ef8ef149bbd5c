"""The benchmark's synthetic firm, and the claim it measures: an apply makes exactly the
fewest API calls the platforms allow for the work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from bench.generate import Counts, Platforms, accounts_of, trader, write_firm, write_traders
from bench.measure import minimum_calls, platforms
from reconciler.cli.main import main
from reconciler.manifest import load_manifests
from reconciler.providers import schemas
from reconciler.providers.traderpal import sandbox as traderpal
from reconciler.providers.tradervue import sandbox as tradervue
from reconciler.providers.tradovate import sandbox as tradovate


@pytest.fixture
def urls() -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        yield {
            "tradovate": stack.enter_context(tradovate.serve_sandbox()).url,
            "tradervue": stack.enter_context(tradervue.serve_sandbox()).url,
            "traderpal": stack.enter_context(traderpal.serve_sandbox()).url,
        }


def test_the_generated_firm_is_valid_and_declares_what_it_counts(tmp_path: Path) -> None:
    manifests = tmp_path / "manifests"
    write_firm(
        manifests,
        Platforms(
            "http://127.0.0.1:1/live/v1",
            "http://127.0.0.1:1/demo/v1",
            "http://127.0.0.1:2/api/v1",
            "http://127.0.0.1:3",
        ),
    )
    counts = write_traders(manifests, 25, per_file=10)
    assert sorted(p.name for p in (manifests / "traders").iterdir()) == [
        "traders-000.yaml",
        "traders-001.yaml",
        "traders-002.yaml",
    ]
    desired = load_manifests(manifests, schemas=schemas(), environ={})
    assert len(desired.traders) == counts.traders == 25
    assert counts == Counts(25, 13 * 2 + 12)  # every other trader has two accounts
    accounts = [len(t.platforms["tradovate"].accounts) for t in desired.traders]
    assert sum(accounts) == counts.accounts
    assert {frozenset(t.platforms) for t in desired.traders} == {
        frozenset({"tradovate", "tradervue", "traderpal"})
    }
    assert all(t.platforms["tradovate"].entitlements == ["t-prop"] for t in desired.traders)


def test_traders_are_deterministic_and_distinct() -> None:
    assert trader(7) == trader(7)
    names = {trader(i)["username"] for i in range(1000)}
    accounts = {a["name"] for i in range(1000) for a in trader(i)["tradovate"]["accounts"]}
    assert len(names) == 1000
    assert len(accounts) == sum(accounts_of(i) for i in range(1000))


def test_a_full_apply_makes_exactly_the_minimum_number_of_api_calls(
    tmp_path: Path, urls: dict[str, str]
) -> None:
    manifests = tmp_path / "manifests"
    write_firm(manifests, platforms(urls))
    counts = write_traders(manifests, 230)  # several batches of 100, and a partial one
    runner = CliRunner()
    result = runner.invoke(main, ["--manifests", str(manifests), "apply", "--auto-approve"])
    assert result.exit_code == 0, result.output
    served = {}
    for name, url in urls.items():
        log = httpx.get(f"{url}/_sandbox/requests").json()
        served[name] = len([e for e in log if e["domain"] != "admin"])
    assert served == minimum_calls(counts)
    plan = runner.invoke(main, ["--manifests", str(manifests), "plan", "--detailed-exitcode"])
    assert plan.exit_code == 0, plan.output
