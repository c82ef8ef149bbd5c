"""The trader cache: a large trader file validated once for its bytes, its Firm and the code,
never holding a secret or a value a reference supplied; anything that changes what the
traders validate to is seen, and the firm-wide checks still run over cached traders."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from reconciler.errors import ManifestErrors
from reconciler.manifest import ParseCache
from reconciler.manifest import trader_cache as module
from reconciler.manifest.parse_cache import MIN_BYTES
from reconciler.manifest.trader_cache import FORMAT, KEY_FILE
from tests.manifest.test_parse_cache import ENVIRON, load
from tests.manifest.test_parse_cache import trader as parse_cache_trader

FIRM = """\
kind: Firm
name: acme
providers:
  tradovate:
    environment: {{live_url: "http://127.0.0.1:9/live", demo_url: "http://127.0.0.1:9/demo"}}
    credentials: {{name: admin, password: "${{env:TV_PASS}}", sec: "${{env:TV_SEC}}"}}
    subscription_plan: SANDBOX_MONTHLY
    entitlements: {{t-prop: 12345}}
    account_templates:
{templates}
  traderpal:
    environment: {{base_url: "http://127.0.0.1:9"}}
    api_key: "${{env:TP_KEY}}"
defaults:
  traderpal:
    country: {country}
"""

TEMPLATES = "      eval-50k: {template_account_id: 111, initial_balance: 50000}"


def firm(*, country: str = "US", templates: str = TEMPLATES) -> str:
    return FIRM.format(country=country, templates=templates)


CONTACT = """\
  contact: {phone: "+15551234567", street_address1: "1 Main St", city: Springfield,
             state: IL, post_code: "12345", country: US}
"""


def trader(index: int, *, password: str = "{generate: true}") -> str:
    """A trader without references (the country from the Firm's default)."""
    return parse_cache_trader(index, password=password, more=CONTACT, country=None)


def write_firm(root: Path, count: int = 60, **traders: str) -> Path:
    manifests = root / "manifests"
    (manifests / "traders").mkdir(parents=True)
    (manifests / "firm.yaml").write_text(firm())
    many = manifests / "traders" / "many.yaml"
    many.write_text("".join(trader(i, **traders) for i in range(count)))
    assert many.stat().st_size >= MIN_BYTES
    return manifests


def trader_entries(cache: ParseCache) -> list[Path]:
    """The cache's entries of validated traders (the others are the parse cache's)."""
    found = []
    for path in sorted(cache.directory.iterdir()):
        try:
            version, _ = pickle.loads(path.read_bytes()[32:])
        except Exception:  # a parse-cache entry (marshal) or the key
            continue
        if version == FORMAT:
            found.append(path)
    return found


def served_entry(cache: ParseCache, first_name: str) -> None:
    """Edit the one trader entry so that its first trader's first name is `first_name`: a load
    that shows it came from the entry, not from validating the file."""
    (entry,) = trader_entries(cache)
    version, (names, items) = pickle.loads(entry.read_bytes()[32:])
    doc, path, line, model, platforms = items[0]
    items[0] = (doc, path, line, model.model_copy(update={"first_name": first_name}), platforms)
    cache.store_entry(entry.name, pickle.dumps((version, (names, items))))


def test_a_load_from_the_cache_is_the_fresh_load(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    fresh = load(manifests, None)
    first = load(manifests, cache)
    assert len(trader_entries(cache)) == 1
    second = load(manifests, cache)
    assert first == fresh
    assert second == fresh
    assert second.sources == fresh.sources  # every trader still at its file and line
    served_entry(cache, "FromTheCache")
    assert load(manifests, cache).traders[0].first_name == "FromTheCache"


def test_a_changed_firm_default_is_validated_again(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    served_entry(cache, "FromTheCache")
    (manifests / "firm.yaml").write_text(firm(country="CA"))
    changed = load(manifests, cache)
    assert changed.traders[0].first_name == "First"
    assert {t.platforms["traderpal"].country for t in changed.traders} == {"CA"}


def test_a_changed_value_a_firm_default_takes_from_the_environment_is_seen(
    tmp_path: Path,
) -> None:
    manifests = write_firm(tmp_path)
    (manifests / "firm.yaml").write_text(firm(country='"${env:COUNTRY, sensitive: false}"'))
    cache = ParseCache(tmp_path / "cache")
    first = load(manifests, cache, {**ENVIRON, "COUNTRY": "US"})
    assert len(trader_entries(cache)) == 1  # not a secret: its value is in the entry's key
    assert first.traders[0].platforms["traderpal"].country == "US"
    changed = load(manifests, cache, {**ENVIRON, "COUNTRY": "GB"})
    assert {t.platforms["traderpal"].country for t in changed.traders} == {"GB"}


def test_a_firm_setting_the_traders_are_checked_against_is_checked_again(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    other = "      eval-100k: {template_account_id: 112, initial_balance: 100000}"
    (manifests / "firm.yaml").write_text(firm(templates=other))
    with pytest.raises(ManifestErrors) as raised:
        load(manifests, cache)
    assert len(raised.value.errors) == 60
    first = str(raised.value.errors[0])
    assert "many.yaml:12:" in first
    assert "tradovate.accounts.0.template" in first


def test_another_code_validates_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    served_entry(cache, "FromTheCache")
    monkeypatch.setattr(module, "code_digest", lambda: b"another build")
    assert load(manifests, cache).traders[0].first_name == "First"


def test_the_code_is_told_apart_by_its_modules_bytes_not_by_when_they_were_installed(
    tmp_path: Path,
) -> None:
    """A CI runner installs the package anew for every job: the same code with other
    modification times must find the entries the last job made."""
    package = tmp_path / "package"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "sub" / "b.py").write_text("B = 2\n")
    first = module.code_of(package)

    for path in package.rglob("*.py"):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # installed again
    assert module.code_of(package) == first
    (package / "sub" / "b.py").write_text("B = 3\n")  # the same size, other bytes
    assert module.code_of(package) != first
    (package / "sub" / "b.py").write_text("B = 2\n")
    assert module.code_of(package) == first
    (package / "sub" / "b.py").rename(package / "b.py")  # the same bytes elsewhere
    assert module.code_of(package) != first


def test_cached_traders_take_part_in_the_firm_wide_checks(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    (manifests / "traders" / "zz-new.yaml").write_text(trader(3).replace("ACC0003", "ACC9003"))
    with pytest.raises(ManifestErrors) as raised:
        load(manifests, cache)
    shown = [str(error) for error in raised.value.errors]
    assert any(
        "zz-new.yaml:1:" in text
        and "duplicate trader name 't0003'" in text
        and "many.yaml:46)" in text  # where the cached trader was declared
        for text in shown
    ), shown


def test_a_file_with_a_reference_is_never_kept(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path, password='"${env:PW}"')
    cache = ParseCache(tmp_path / "cache")
    secret = "sup3r-Secret-valu3"
    first = load(manifests, cache, {**ENVIRON, "PW": secret})
    assert first.traders[0].password is not None
    assert trader_entries(cache) == []
    for path in cache.directory.iterdir():
        assert secret.encode() not in path.read_bytes()


def test_a_secret_written_out_is_never_kept_and_still_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manifests = write_firm(tmp_path, password='"literal-Passw0rd"')
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    assert trader_entries(cache) == []  # (the parse cache holds the file as written)
    caplog.clear()
    load(manifests, cache)
    assert "secret(s) are written into the manifests" in caplog.text


def test_nothing_is_kept_when_a_firm_default_holds_a_sensitive_value(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    (manifests / "firm.yaml").write_text(firm(country='"${env:COUNTRY}"'))
    cache = ParseCache(tmp_path / "cache")
    loaded = load(manifests, cache, {**ENVIRON, "COUNTRY": "NZ"})
    assert loaded.traders[0].platforms["traderpal"].country == "NZ"
    assert trader_entries(cache) == []


def test_a_file_with_a_problem_is_reported_on_every_load(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    many = manifests / "traders" / "many.yaml"
    many.write_text(many.read_text().replace("trader0005@example.com", "not-an-e-mail"))
    cache = ParseCache(tmp_path / "cache")
    for _ in range(2):
        with pytest.raises(ManifestErrors) as raised:
            load(manifests, cache)
        (error,) = raised.value.errors
        assert "many.yaml:78:" in str(error)
    assert trader_entries(cache) == []


def test_a_damaged_entry_is_ignored(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    fresh = load(manifests, cache)
    (entry,) = trader_entries(cache)
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])
    assert load(manifests, cache) == fresh
    payload = pickle.dumps((FORMAT, "not an entry"))
    cache.store_entry(entry.name, payload)
    assert load(manifests, cache) == fresh


def test_the_key_and_the_entries_are_the_owner_s_alone(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    assert (cache.directory / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert cache.directory.stat().st_mode & 0o777 == 0o700
    for entry in trader_entries(cache):
        assert entry.stat().st_mode & 0o777 == 0o600
    # another cache directory has another key: its entries are named otherwise
    other = ParseCache(tmp_path / "other")
    load(manifests, other)
    assert {p.name for p in trader_entries(other)}.isdisjoint(p.name for p in trader_entries(cache))
