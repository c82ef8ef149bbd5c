"""The parse cache: large manifest files read once, references expanded on every load and
never stored, broken entries ignored, errors still at their line."""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from reconciler.errors import ManifestErrors
from reconciler.manifest import Desired, ParseCache, load_manifests
from reconciler.manifest.parse_cache import FORMAT, MIN_BYTES
from reconciler.providers import schemas

FIRM = """\
kind: Firm
name: acme
providers:
  tradovate:
    environment: {live_url: "http://127.0.0.1:9/live", demo_url: "http://127.0.0.1:9/demo"}
    credentials: {name: admin, password: "${env:TV_PASS}", sec: "${env:TV_SEC}"}
    subscription_plan: SANDBOX_MONTHLY
    entitlements: {t-prop: 12345}
    account_templates:
      eval-50k: {template_account_id: 111, initial_balance: 50000}
  traderpal:
    environment: {base_url: "http://127.0.0.1:9"}
    api_key: "${env:TP_KEY}"
"""

SECRET = "sup3r-Secret-valu3"
ENVIRON = {"TV_PASS": "tv-pass-1", "TV_SEC": "tv-sec-1", "TP_KEY": "tp-key-1", "PW": SECRET}


def trader(
    index: int, *, password: str = '"${env:PW}"', more: str = "", country: str | None = "US"
) -> str:
    """A trader in a list: `more` fields after the password; no TraderPal country with None
    (a Firm default gives it)."""
    return f"""\
- name: t{index:04d}
  username: trader{index:04d}
  email: trader{index:04d}@example.com
  first_name: First
  last_name: "Last {index}"
  password: {password}
{more}  tradovate:
    accounts:
      - name: ACC{index:04d}
        template: eval-50k
  traderpal:
    date_of_birth: 1990-01-{index % 28 + 1:02d}
    phone: "+15551234567"
""" + (f"    country: {country}\n" if country is not None else "")


def write_firm(root: Path, count: int = 60) -> Path:
    manifests = root / "manifests"
    (manifests / "traders").mkdir(parents=True)
    (manifests / "firm.yaml").write_text(FIRM)
    (manifests / "traders" / "many.yaml").write_text("".join(trader(i) for i in range(count)))
    assert (manifests / "traders" / "many.yaml").stat().st_size >= MIN_BYTES
    return manifests


def load(
    manifests: Path, cache: ParseCache | None, environ: dict[str, str] | None = None
) -> Desired:
    return load_manifests(manifests, schemas=schemas(), environ=environ or ENVIRON, cache=cache)


def entries(cache: ParseCache) -> list[Path]:
    return sorted(cache.directory.iterdir())


def test_a_cached_load_is_the_fresh_load(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    fresh = load(manifests, None)
    first = load(manifests, cache)
    assert len(entries(cache)) == 1  # the large file only
    second = load(manifests, cache)
    assert first == fresh
    assert second == fresh
    block = second.traders[3].platforms["traderpal"]
    assert block.date_of_birth == date(1990, 1, 4)


def test_the_cache_serves_the_entry_it_holds(tmp_path: Path) -> None:
    """A hit comes from the entry, not from parsing again (shown by an entry edited to differ)."""
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    (entry,) = entries(cache)
    version, items, fixes = marshal.loads(entry.read_bytes()[32:])
    items[0][1][0]["first_name"] = "FromTheCache"
    payload = marshal.dumps((version, items, fixes))
    entry.write_bytes(hashlib.sha256(payload).digest() + payload)
    assert load(manifests, cache).traders[0].first_name == "FromTheCache"


def test_references_are_stored_as_written_and_expanded_on_every_load(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    (entry,) = entries(cache)
    stored = entry.read_bytes()
    assert SECRET.encode() not in stored
    assert b"${env:PW}" in stored
    changed = load(manifests, cache, {**ENVIRON, "PW": "another-Secret-2"})
    password = changed.traders[0].password
    assert isinstance(password, SecretStr)
    assert password.get_secret_value() == "another-Secret-2"
    assert "another-Secret-2" in changed.sensitive_values


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"\0" * len(data),
        lambda data: data[:40] + b"x" + data[41:],
    ],
    ids=["truncated", "zeroed", "one-byte-changed"],
)
def test_a_damaged_entry_is_ignored_and_replaced(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    fresh = load(manifests, cache)
    (entry,) = entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert load(manifests, cache) == fresh
    # a damaged entry is not replaced by the hit path; a miss writes it again
    entry.unlink()
    load(manifests, cache)
    assert entry.read_bytes() == good


def test_an_entry_of_another_format_is_ignored(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    fresh = load(manifests, cache)
    (entry,) = entries(cache)
    _, items, fixes = marshal.loads(entry.read_bytes()[32:])
    items[0][1][0]["first_name"] = "Stale"
    payload = marshal.dumps((b"reconciler-parse-cache 0\n", items, fixes))
    assert FORMAT != b"reconciler-parse-cache 0\n"
    entry.write_bytes(hashlib.sha256(payload).digest() + payload)
    assert load(manifests, cache) == fresh


def test_a_reference_failing_on_a_cached_file_is_reported_at_its_line(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    cache = ParseCache(tmp_path / "cache")
    load(manifests, cache)
    without = {k: v for k, v in ENVIRON.items() if k != "PW"}
    with pytest.raises(ManifestErrors) as raised:
        load(manifests, cache, without)
    text = str(raised.value)
    assert "many.yaml:6:" in text
    assert "environment variable PW is not set" in text


def test_a_file_with_problems_is_not_cached(tmp_path: Path) -> None:
    manifests = write_firm(tmp_path)
    many = manifests / "traders" / "many.yaml"
    many.write_text(many.read_text() + "- name: dup\n  name: dup\n")
    cache = ParseCache(tmp_path / "cache")
    with pytest.raises(ManifestErrors) as raised:
        load(manifests, cache)
    assert any("duplicate key 'name'" in e.message for e in raised.value.errors)
    assert not cache.directory.exists() or entries(cache) == []


def test_the_cache_directory_is_chosen_from_the_environment(tmp_path: Path) -> None:
    chosen = ParseCache.default({"RECONCILER_CACHE_DIR": str(tmp_path)})
    assert chosen is not None
    assert chosen.directory == tmp_path
    assert ParseCache.default({"RECONCILER_CACHE_DIR": ""}) is None
    home = ParseCache.default({"HOME": str(tmp_path)})
    assert home is not None
    assert home.directory == tmp_path / ".cache" / "reconciler" / "manifests"
