"""The Tradervue manifest models and checks, alone and through the manifest loader (every
problem at its file:line)."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from reconciler.errors import ManifestErrors
from reconciler.manifest import Trader, load_manifests
from reconciler.providers.tradervue import PROVIDER
from reconciler.providers.tradervue.config import (
    Endpoint,
    TradervueSettings,
    TradervueTrader,
    _in_cycles,
    check,
    check_firm,
)

SCHEMAS = {"tradervue": PROVIDER.schema}


def trader(name: str = "alice", **fields: Any) -> Trader:
    values: dict[str, Any] = {
        "name": name,
        "username": f"{name}.smith",
        "email": f"{name}@example.com",
        "first_name": name.title(),
        "last_name": "Smith",
        "password": SecretStr("long-enough-1"),
    }
    values.update(fields)
    return Trader.model_validate(values)


def block(plan: str = "Silver", **settings: Any) -> TradervueTrader:
    return TradervueTrader.model_validate({"plan": plan, "settings": settings})


# --- settings --------------------------------------------------------------------------


def test_the_sandbox_needs_nothing_else() -> None:
    settings = TradervueSettings()
    assert (settings.environment, settings.base_url) == ("sandbox", None)


def test_production_uses_the_organisation_host() -> None:
    settings = TradervueSettings.model_validate(
        {
            "environment": "production",
            "organization": "acme",
            "credentials": {"username": "boss", "password": "pw"},
        }
    )
    assert settings.base_url == "https://acme.tradervue.com/api/v1"


def test_an_explicit_base_url_is_used_as_given() -> None:
    settings = TradervueSettings.model_validate(
        {
            "environment": {"base_url": "http://127.0.0.1:9/api/v1/"},
            "credentials": {"username": "boss", "password": "pw"},
        }
    )
    assert isinstance(settings.environment, Endpoint)
    assert settings.base_url == "http://127.0.0.1:9/api/v1"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"environment": "production", "organization": "acme"}, "credentials are required"),
        (
            {"environment": "production", "credentials": {"username": "b", "password": "p"}},
            "organization",
        ),
        ({"organization": "Acme Prop"}, "should match pattern"),
        ({"environment": "staging"}, "Input should be"),
        ({"environment": {"base_url": "ftp://x"}}, "must be an https:// URL"),
        ({"environment": {"base_url": "http://acme.example/api/v1"}}, "must use https://"),
    ],
    ids=[
        "no-credentials",
        "no-organization",
        "bad-organization",
        "unknown-environment",
        "bad-url",
        "plain-http-off-this-machine",
    ],
)
def test_invalid_settings_are_refused(value: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        TradervueSettings.model_validate(value)


def test_the_manager_password_is_never_shown() -> None:
    settings = TradervueSettings.model_validate(
        {"credentials": {"username": "boss", "password": "hunter2-secret"}}
    )
    assert "hunter2-secret" not in repr(settings)


# --- trader block ----------------------------------------------------------------------


@pytest.mark.parametrize("plan", ["gold", "GOLD", " Gold "], ids=["lower", "upper", "padded"])
def test_plans_are_case_insensitive_and_kept_in_title_case(plan: str) -> None:
    assert TradervueTrader.model_validate({"plan": plan}).plan == "Gold"


def test_a_plan_is_required_and_must_be_known() -> None:
    with pytest.raises(ValidationError, match="plan"):
        TradervueTrader.model_validate({})
    with pytest.raises(ValidationError, match="'Free', 'Silver' or 'Gold'"):
        TradervueTrader.model_validate({"plan": "Platinum"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(date(2026, 3, 20), date(2026, 3, 20)), ("2026-03-20", date(2026, 3, 20))],
    ids=["yaml-date", "text"],
)
def test_trial_end_is_a_date(value: object, expected: date) -> None:
    assert (
        TradervueTrader.model_validate({"plan": "Gold", "trial_end": value}).trial_end == expected
    )


@pytest.mark.parametrize(
    "value",
    ["2026-02-30", "03/20/2026", "soon", 20260320, "2026-03-20T10:00:00"],
    ids=["impossible-day", "us-format", "text", "number", "datetime-text"],
)
def test_trial_end_must_be_a_real_date(value: object) -> None:
    with pytest.raises(ValidationError, match="trial_end"):
        TradervueTrader.model_validate({"plan": "Gold", "trial_end": value})


def test_settings_hold_commissions_as_decimals_and_up_to_four_charts() -> None:
    charts = [{"type": "ohlc", "timeframe": t} for t in ("r", "w", "d", "m1")]
    parsed = block(commission_stocks=1.01, commission_futures="2.05", charts=charts)
    assert parsed.settings.commission_stocks == Decimal("1.01")
    assert parsed.settings.commission_futures == Decimal("2.05")
    assert parsed.settings.charts is not None
    assert len(parsed.settings.charts) == 4


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"merge_mode": "merge"}, "merge_mode"),
        ({"commission_stocks": -1}, "greater than or equal to 0"),
        ({"commission_options": "lots"}, "commission_options"),
        ({"commission_futures": "inf"}, "commission_futures"),
        ({"charts": [{"type": "ohlc", "timeframe": "d"}] * 5}, "at most 4"),
        ({"charts": [{"type": "line", "timeframe": "d"}]}, "'candlestick' or 'ohlc'"),
        ({"charts": [{"type": "ohlc", "timeframe": "m45"}]}, "timeframe"),
        ({"colour": "blue"}, "Extra inputs"),
    ],
    ids=["merge-mode", "negative", "text", "infinite", "five-charts", "type", "timeframe", "extra"],
)
def test_invalid_trader_settings_are_refused(settings: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        block(**settings)


# --- check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "ok"),
    [("a" * 40, True), ("a" * 41, False), ("al ice", False), ("al\tice", False)],
    ids=["forty", "forty-one", "space", "tab"],
)
def test_usernames_follow_the_platform_rule(username: str, ok: bool) -> None:
    problems = check(TradervueSettings(), block(), trader(username=username))
    assert (problems == []) is ok
    assert all(p.path == ("username",) for p in problems)


def test_an_active_trader_needs_a_password() -> None:
    (problem,) = check(TradervueSettings(), block(), trader(password=None))
    assert problem.path == ("password",)
    assert check(TradervueSettings(), block(), trader(password=None, status="cancelled")) == []


# --- check_firm ---------------------------------------------------------------------------


def firm_problems(*members: tuple[Trader, TradervueTrader]) -> list[tuple[str, str]]:
    return [(name, p.message) for name, p in check_firm(TradervueSettings(), members)]


def test_a_mentor_on_silver_or_gold_is_fine() -> None:
    assert (
        firm_problems(
            (trader("alice"), block("Gold")),
            (trader("bob"), block("Free", mentor="alice")),
            (trader("carol"), block("Silver", mentor="alice")),
            (trader("dave"), block("Free", mentor="carol")),
        )
        == []
    )


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([("bob", "Free", "bob")], "a trader cannot be their own mentor"),
        ([("bob", "Free", "zed")], "mentor 'zed' is not a declared trader with a tradervue block"),
        (
            [("alice", "Free", None), ("bob", "Free", "alice")],
            "mentor 'alice' is on the Free plan; a mentor must be on Silver or Gold",
        ),
    ],
    ids=["self", "undeclared", "free-plan"],
)
def test_invalid_mentors_are_reported_on_the_mentee(
    members: list[tuple[str, str, str | None]], expected: str
) -> None:
    pairs = [(trader(n), block(p, **({"mentor": m} if m else {}))) for n, p, m in members]
    assert firm_problems(*pairs) == [("bob", expected)]


def test_a_cancelled_mentor_is_reported() -> None:
    problems = firm_problems(
        (trader("alice", status="cancelled"), block("Gold")),
        (trader("bob"), block("Free", mentor="alice")),
    )
    assert problems == [("bob", "mentor 'alice' is cancelled")]


def test_a_cancelled_mentee_is_not_checked() -> None:
    assert firm_problems((trader("bob", status="cancelled"), block("Free", mentor="zed"))) == []


def test_a_loop_through_a_cancelled_trader_is_only_a_cancelled_mentor() -> None:
    problems = firm_problems(
        (trader("alice"), block("Gold", mentor="bob")),
        (trader("bob", status="cancelled"), block("Gold", mentor="alice")),
    )
    assert problems == [("alice", "mentor 'bob' is cancelled")]


def test_mentor_cycles_are_reported_on_every_member() -> None:
    problems = firm_problems(
        (trader("alice"), block("Gold", mentor="bob")),
        (trader("bob"), block("Gold", mentor="carol")),
        (trader("carol"), block("Gold", mentor="alice")),
        (trader("dave"), block("Gold", mentor="alice")),
    )
    assert problems == [
        ("alice", "mentors form a cycle (alice -> bob -> carol -> alice)"),
        ("bob", "mentors form a cycle (bob -> carol -> alice -> bob)"),
        ("carol", "mentors form a cycle (carol -> alice -> bob -> carol)"),
    ]


def test_a_long_cycle_is_reported_on_every_member_by_its_first_names_and_length() -> None:
    names = [f"t{i:02d}" for i in range(20)]
    members = [(trader(n), block("Gold", mentor=names[(i + 1) % 20])) for i, n in enumerate(names)]

    problems = firm_problems(*members)

    assert [name for name, _ in problems] == names
    first = " -> ".join(names[:8])
    assert problems[0] == ("t00", f"mentors form a cycle ({first} -> ... (20 traders) -> t00)")
    assert problems[5][1].endswith("(20 traders) -> t05)")


def test_a_chain_of_mentors_as_long_as_the_firm_is_no_problem() -> None:
    names = [f"t{i:05d}" for i in range(5_000)]
    members = [
        (trader(n), block("Gold", **({"mentor": names[i + 1]} if i + 1 < len(names) else {})))
        for i, n in enumerate(names)
    ]
    assert firm_problems(*members) == []


def _in_cycles_one_walk_each(mentors: dict[str, str], active: set[str]) -> list[str]:
    """The cycle search as it was written first: a walk from every active trader."""
    looping = []
    for start in sorted(active):
        seen = {start}
        current = mentors.get(start)
        while current is not None and current in active and current != start:
            if current in seen:
                break
            seen.add(current)
            current = mentors.get(current)
        if current == start and mentors.get(start) != start:
            looping.append(start)
    return looping


@given(
    st.dictionaries(st.sampled_from("abcdefghij"), st.sampled_from("abcdefghijk"), max_size=10),
    st.sets(st.sampled_from("abcdefghijk")),
)
def test_the_cycle_search_finds_what_a_walk_from_every_trader_finds(
    mentors: dict[str, str], active: set[str]
) -> None:
    mentees = {name: m for name, m in mentors.items() if name in active}

    assert _in_cycles(mentees, active) == _in_cycles_one_walk_each(mentees, active)


# --- through the loader -----------------------------------------------------------------

FIRM = """\
kind: Firm
name: acme
providers:
  tradervue: {environment: sandbox}
defaults:
  tradervue: {plan: Silver, settings: {merge_mode: force_split}}
"""


def load(tmp_path: Path, traders: str) -> Any:
    (tmp_path / "firm.yaml").write_text(FIRM)
    (tmp_path / "traders.yaml").write_text(textwrap.dedent(traders))
    return load_manifests(tmp_path, schemas=SCHEMAS, environ={})


def test_firm_defaults_merge_under_the_trader_block(tmp_path: Path) -> None:
    desired = load(
        tmp_path,
        """\
        - {name: alice, username: alice.s, email: a@example.com, first_name: A, last_name: Sm,
           password: long-enough-1, tradervue: {settings: {commission_stocks: 1}}}
        - {name: bob, username: bob.s, email: b@example.com, first_name: B, last_name: Sm,
           password: long-enough-1, tradervue: {plan: gold}}
        - {name: carol, username: carol.s, email: c@example.com, first_name: C, last_name: Sm}
        """,
    )
    alice, bob, carol = desired.traders
    assert alice.platforms["tradervue"].plan == "Silver"
    assert alice.platforms["tradervue"].settings.merge_mode == "force_split"
    assert alice.platforms["tradervue"].settings.commission_stocks == Decimal(1)
    assert bob.platforms["tradervue"].plan == "Gold"
    assert "tradervue" not in carol.platforms


def test_problems_are_reported_at_their_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ManifestErrors) as caught:
        load(
            tmp_path,
            """\
            - name: alice
              username: alice.s
              email: a@example.com
              first_name: A
              last_name: Sm
              password: long-enough-1
              tradervue:
                plan: Free
            - name: bob
              username: bob s
              email: b@example.com
              first_name: B
              last_name: Sm
              password: long-enough-1
              tradervue:
                plan: bronze
                trial_end: 2026-02-30
                settings:
                  charts: [{type: line, timeframe: d}]
            - name: carol
              username: carol.s
              email: c@example.com
              first_name: C
              last_name: Sm
              password: long-enough-1
              tradervue:
                settings: {mentor: alice}
            """,
        )
    located = [e.located() for e in caught.value.errors]
    path = str(tmp_path / "traders.yaml")
    expected = {
        16: "tradervue.plan:",
        17: "invalid timestamp",  # the YAML reader refuses an impossible date itself
        19: "tradervue.settings.charts.0.type:",
        27: "tradervue.settings.mentor: mentor 'alice' is on the Free plan",
    }
    for line, fragment in expected.items():
        assert any(x.startswith(f"{path}:{line}: {fragment}") for x in located), (line, located)
