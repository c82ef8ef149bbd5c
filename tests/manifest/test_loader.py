from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from reconciler.errors import ManifestErrors
from reconciler.manifest import (
    Desired,
    Firm,
    Frozen,
    GeneratePassword,
    Problem,
    ProviderSchema,
    Source,
    Trader,
    load_manifests,
)
from reconciler.providers.tradovate.config import (
    TradovateSettings,
    TradovateTrader,
    check,
    unique_keys,
)


class OtherSettings(Frozen):
    region: str = "eu"


class OtherOptions(Frozen):
    merge_mode: str = "keep"
    colour: str = "blue"


class OtherTrader(Frozen):
    plan: str
    options: OtherOptions = OtherOptions()


TRADOVATE = ProviderSchema(TradovateSettings, TradovateTrader, check, unique_keys)
SCHEMAS = {"tradovate": TRADOVATE}
WITH_OTHER = {"tradovate": TRADOVATE, "other": ProviderSchema(OtherSettings, OtherTrader)}

FIRM = """\
kind: Firm
name: acme
providers:
  tradovate:
    entitlements: {t-prop: 12345}
    account_templates:
      eval-50k: {template_account_id: 111, initial_balance: 50000}
"""

ALICE = """\
kind: Trader
name: alice
username: alice.smith
email: alice@example.com
first_name: Alice
last_name: Smith
password: correct-horse
contact: {phone: "+15551234567", street_address1: 1 Main St, city: Chicago, state: IL, country: US}
tradovate:
  accounts:
    - {name: ACME1001, template: eval-50k}
  entitlements: [t-prop]
"""

Write = Callable[[Mapping[str, str | bytes]], str]


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Write:
    """Writes files below ./manifests (the working directory is tmp_path) and returns that name."""
    monkeypatch.chdir(tmp_path)

    def write_files(files: Mapping[str, str | bytes]) -> str:
        for name, content in files.items():
            path = tmp_path / "manifests" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return "manifests"

    return write_files


def load(
    directory: str,
    *,
    schemas: Mapping[str, ProviderSchema] = SCHEMAS,
    environ: Mapping[str, str] | None = None,
) -> Desired:
    return load_manifests(directory, schemas=schemas, environ={} if environ is None else environ)


def problems(
    directory: str,
    *,
    schemas: Mapping[str, ProviderSchema] = SCHEMAS,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """The `file:line: message` lines that loading `directory` reports."""
    with pytest.raises(ManifestErrors) as caught:
        load(directory, schemas=schemas, environ=environ)
    return [str(error) for error in caught.value.errors]


def alice(old: str, new: str) -> str:
    assert old in ALICE, old
    return ALICE.replace(old, new)


def other(name: str, account: str) -> str:
    """ALICE renamed (name, username, e-mail) with another account name."""
    return ALICE.replace("alice", name).replace("ACME1001", account)


def firm(old: str, new: str) -> str:
    assert old in FIRM, old
    return FIRM.replace(old, new)


def test_valid_manifests_load_into_desired(write: Write) -> None:
    directory = write({"firm.yaml": FIRM, "traders/alice.yaml": ALICE})

    desired = load(directory)

    assert isinstance(desired.firm, Firm)
    assert desired.firm.name == "acme"
    settings = desired.firm.providers["tradovate"]
    assert isinstance(settings, TradovateSettings)
    assert settings.entitlements == {"t-prop": 12345}
    (trader,) = desired.traders
    assert trader.name == "alice"
    assert trader.password is not None
    assert not isinstance(trader.password, GeneratePassword)
    assert trader.password.get_secret_value() == "correct-horse"
    block = trader.platforms["tradovate"]
    assert isinstance(block, TradovateTrader)
    assert [account.name for account in block.accounts] == ["ACME1001"]
    assert desired.sources == {"alice": Source("manifests/traders/alice.yaml", 1, ())}
    assert len(desired.digest) == 64


INVALID_TRADERS = [
    ("bad-email", alice("email: alice@example.com", "email: bob@"),
     "alice.yaml:4: email: 'bob@' is not a valid e-mail address"),
    ("long-email", alice("email: alice@example.com", f"email: {'a' * 60}@example.com"),
     "alice.yaml:4: email: String should have at most 64 characters"),
    ("short-username", alice("username: alice.smith", "username: al"),
     "alice.yaml:3: username: String should have at least 3 characters"),
    ("long-username", alice("username: alice.smith", f"username: {'a' * 65}"),
     "alice.yaml:3: username: String should have at most 64 characters"),
    ("missing-username", alice("username: alice.smith\n", ""),
     "alice.yaml:1: username: Field required"),
    ("name-not-an-address-key", alice("name: alice", "name: Alice Smith"),
     "alice.yaml:2: name: name must be lower-case letters"),
    ("short-password", alice("password: correct-horse", "password: hunter2"),
     "alice.yaml:7: password: password must be 8 to 64 characters"),
    ("long-password", alice("password: correct-horse", f"password: {'p' * 65}"),
     "alice.yaml:7: password: password must be 8 to 64 characters"),
    ("password-generate-false", alice("password: correct-horse", "password: {generate: false}"),
     "alice.yaml:7: password.generate: Input should be True"),
    ("names-too-long-together",
     alice("first_name: Alice", f"first_name: {'A' * 40}").replace("Smith", "S" * 21),
     "alice.yaml:1: first_name and last_name together must be at most 60 characters"),
    ("us-contact-without-state", alice("state: IL, ", ""),
     "alice.yaml:8: contact: state is required when country is US"),
    ("three-letter-country", alice("country: US", "country: USA"),
     "alice.yaml:8: contact.country: country must be an ISO 3166-1 alpha-2 country code"),
    ("cme-restricted-country", alice("country: US", "country: IR"),
     "alice.yaml:8: contact.country: market data may not be provided in IR"),
    ("unknown-template", alice("template: eval-50k", "template: eval-99k"),
     "alice.yaml:11: tradovate.accounts.0.template: unknown account template 'eval-99k' "
     "(known: eval-50k)"),
    ("unknown-entitlement", alice("[t-prop]", "[t-pro]"),
     "alice.yaml:12: tradovate.entitlements.0: unknown entitlement 't-pro' (known: t-prop)"),
    ("account-name-pattern", alice("name: ACME1001", "name: acme-1001"),
     "alice.yaml:11: tradovate.accounts.0.name: String should match pattern '^[A-Z]+[0-9]+$'"),
    ("missing-password-for-tradovate", alice("password: correct-horse\n", ""),
     "alice.yaml:1: password: a password (or {generate: true}) is required"),
    ("unknown-field", ALICE + "nickname: al\n",
     "alice.yaml:13: nickname: unknown field (expected one of: contact, email,"),
    ("platforms-is-not-a-field", ALICE + "platforms: {}\n",
     "alice.yaml:13: platforms: unknown field"),
    ("unknown-tradovate-field", alice("  entitlements:", "  entitlement:"),
     "alice.yaml:12: tradovate.entitlement: unknown field (expected one of: accounts, "
     "entitlements)"),
    ("bad-status", ALICE + "status: gone\n",
     "alice.yaml:13: status: Input should be 'active' or 'cancelled'"),
    ("unknown-kind", alice("kind: Trader", "kind: Trades"),
     "alice.yaml:1: kind: unknown kind 'Trades' (expected one of: Firm, Trader)"),
    ("missing-kind", alice("kind: Trader\n", "# no kind\n"),
     "alice.yaml:2: kind is missing (expected one of: Firm, Trader)"),
    ("scalar-document", "just some text\n",
     "alice.yaml:1: a document is a mapping with kind: Firm or Trader, or a list of traders"),
    ("duplicate-key", ALICE + "email: other@example.com\n",
     "alice.yaml:13: duplicate key 'email' in this mapping"),
    ("yaml-syntax", alice("email: alice@example.com", "email: [alice"),
     "alice.yaml:5: invalid YAML: while parsing a flow sequence"),
    ("alias", alice("first_name: Alice", "first_name: &n Alice").replace("Smith", "*n"),
     "alice.yaml:6: YAML aliases (*name) are not supported"),
    ("python-tag", alice("first_name: Alice", "first_name: !!python/name:os.system Alice"),
     "alice.yaml:5: unsupported YAML tag 'tag:yaml.org,2002:python/name:os.system'"),
    ("bad-date", ALICE + "status: 2024-02-31\n",
     "alice.yaml:13: invalid timestamp (quote it if it is meant as text)"),
    ("missing-env", alice("password: correct-horse", "password: ${env:ALICE_PASSWORD}"),
     "alice.yaml:7: environment variable ALICE_PASSWORD is not set"),
    ("missing-file", alice("password: correct-horse", "password: ${file:alice.secret}"),
     "alice.yaml:7: cannot read file 'alice.secret' (referenced as ${file:alice.secret}): "
     "No such file or directory"),
    ("unknown-reference", alice("password: correct-horse", "password: ${vault:alice}"),
     "alice.yaml:7: unknown reference '${vault:alice}'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "expected"),
    [case[1:] for case in INVALID_TRADERS],
    ids=[case[0] for case in INVALID_TRADERS],
)
def test_invalid_trader_is_reported_at_its_line(write: Write, content: str, expected: str) -> None:
    directory = write({"firm.yaml": FIRM, "alice.yaml": content})

    reported = problems(directory)

    assert any(line.startswith(f"manifests/{expected}") for line in reported), reported


INVALID_FIRMS = [
    ("unknown-provider", FIRM + "  tradervue: {plan: Gold}\n",
     "firm.yaml:8: unknown provider 'tradervue' (known: tradovate)"),
    ("unknown-provider-in-defaults", FIRM + "defaults:\n  tradervue: {plan: Gold}\n",
     "firm.yaml:9: unknown provider 'tradervue' in defaults (known: tradovate)"),
    ("defaults-not-a-mapping", FIRM + "defaults:\n  tradovate: [t-prop]\n",
     "firm.yaml:9: defaults.tradovate: Input should be a valid dictionary"),
    ("missing-name", firm("name: acme\n", ""), "firm.yaml:1: name: Field required"),
    ("unknown-environment", firm("  tradovate:\n", "  tradovate:\n    environment: live\n"),
     "firm.yaml:5: providers.tradovate.environment: Input should be 'sandbox', 'staging' or "
     "'production', or a valid dictionary or instance of Endpoints"),
    ("endpoints-missing-demo-url",
     firm("  tradovate:\n", "  tradovate:\n    environment: {live_url: 'https://x'}\n"),
     "firm.yaml:5: providers.tradovate.environment.demo_url: Field required"),
    ("template-without-balance", firm(", initial_balance: 50000", ""),
     "firm.yaml:7: providers.tradovate.account_templates.eval-50k.initial_balance: "
     "Field required"),
    ("entitlement-id-not-a-number", firm("12345", "twelve"),
     "firm.yaml:5: providers.tradovate.entitlements.t-prop: Input should be a valid integer"),
    ("unknown-firm-field", FIRM + "account_templates: {}\n",
     "firm.yaml:8: account_templates: unknown field (expected one of: defaults, kind, moved, "
     "name, providers, settings)"),
    ("firm-in-a-list", "- " + FIRM.replace("\n", "\n  ").rstrip() + "\n",
     "firm.yaml:1: kind: a list holds only traders (kind: Trader), not 'Firm'"),
    ("rate-limit-of-unknown-provider",
     FIRM + "settings:\n  rate_limits:\n    nope: [{limit: 5, per_seconds: 60}]\n",
     "firm.yaml:10: unknown provider 'nope' in rate_limits (known: tradovate)"),
    ("rate-limit-without-limit",
     FIRM + "settings:\n  rate_limits:\n    tradovate: [{per_seconds: 60}]\n",
     "firm.yaml:10: settings.rate_limits.tradovate.0.limit: Field required"),
    ("rate-limit-of-zero",
     FIRM + "settings:\n  rate_limits:\n    tradovate: [{limit: 0, per_seconds: 60}]\n",
     "firm.yaml:10: settings.rate_limits.tradovate.0.limit: Input should be greater than or "
     "equal to 1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "expected"),
    [case[1:] for case in INVALID_FIRMS],
    ids=[case[0] for case in INVALID_FIRMS],
)
def test_invalid_firm_is_reported_at_its_line(write: Write, content: str, expected: str) -> None:
    directory = write({"firm.yaml": content, "alice.yaml": ALICE})

    reported = problems(directory)

    assert any(line.startswith(f"manifests/{expected}") for line in reported), reported


def test_rate_limit_overrides_are_read_per_provider(write: Write) -> None:
    settings = "settings:\n  rate_limits:\n    tradovate: [{limit: 60, per_seconds: 60}]\n"
    directory = write({"firm.yaml": FIRM + settings, "alice.yaml": ALICE})

    limits = load(directory).firm.settings.rate_limits["tradovate"]

    assert [(r.endpoint, r.limit, r.per_seconds, r.counts_success) for r in limits] == [
        ("all", 60, 60.0, True)
    ]


def test_problems_in_several_files_are_reported_together(write: Write) -> None:
    directory = write(
        {
            "firm.yaml": firm("name: acme\n", ""),
            "traders/alice.yaml": alice("email: alice@example.com", "email: bob@"),
            "traders/bob.yaml": other("bob", "ACME1002") + "hobby: chess\n",
            "traders/carol.yaml": "kind: Trader\nname: carol\n\xff".encode("latin-1"),
        }
    )

    assert problems(directory) == [
        "manifests/firm.yaml:1: name: Field required",
        "manifests/traders/alice.yaml:4: email: 'bob@' is not a valid e-mail address",
        "manifests/traders/bob.yaml:13: hobby: unknown field (expected one of: contact, email, "
        "first_name, kind, last_name, lifecycle, name, password, status, tradovate, username)",
        "manifests/traders/carol.yaml:3: file is not UTF-8 text (invalid byte 0xff)",
    ]


def test_many_traders_per_file_as_a_list_or_as_documents(write: Write) -> None:
    bob, carol, dave = (other(name, f"ACME{i}") for i, name in enumerate(["bob", "carol", "dave"]))
    listed = "".join(
        "- " + trader.replace("kind: Trader\n", "").replace("\n", "\n  ").rstrip() + "\n"
        for trader in (bob, carol)
    )
    directory = write(
        {
            "firm.yaml": FIRM,
            "team.yaml": listed,
            "more.yml": f"---\n{ALICE}---\n# nothing here\n---\n{dave}...\n",
        }
    )

    desired = load(directory)

    assert [trader.name for trader in desired.traders] == ["alice", "dave", "bob", "carol"]
    assert desired.sources["alice"] == Source("manifests/more.yml", 2, ())
    assert desired.sources["dave"] == Source("manifests/more.yml", 17, ())
    assert desired.sources["bob"] == Source("manifests/team.yaml", 1, (0,))
    assert desired.sources["carol"] == Source("manifests/team.yaml", 12, (1,))


def test_list_items_are_located_by_their_own_lines(write: Write) -> None:
    listed = "- " + ALICE.replace("\n", "\n  ").rstrip() + "\n"
    broken = listed.replace("alice", "bob").replace("email: bob@example.com", "email: bob@")
    broken = broken.replace("ACME1001", "ACME1002")
    directory = write({"firm.yaml": FIRM, "team.yaml": listed + broken + "- 42\n"})

    assert problems(directory) == [
        "manifests/team.yaml:16: email: 'bob@' is not a valid e-mail address",
        "manifests/team.yaml:25: a list holds traders (mappings), not a number",
    ]


def test_exactly_one_firm_is_required(write: Write) -> None:
    directory = write({"alice.yaml": ALICE})
    assert problems(directory) == [
        "manifests: no Firm declared: exactly one document needs kind: Firm"
    ]


def test_a_second_firm_is_reported_with_both_positions(write: Write) -> None:
    directory = write({"a.yaml": FIRM, "b.yaml": ALICE + "---\n" + FIRM})

    assert problems(directory) == [
        "manifests/b.yaml:14: only one Firm may be declared (first declared at manifests/a.yaml:1)"
    ]


def test_an_empty_or_missing_directory_is_an_error(write: Write) -> None:
    directory = write({"README.md": "not a manifest"})

    assert problems(directory) == ["manifests: no manifest files (*.yaml, *.yml) found"]
    assert problems("elsewhere") == ["elsewhere: does not exist"]


def test_files_are_read_recursively_in_relative_path_order(write: Write) -> None:
    directory = write(
        {
            "z-firm.yaml": FIRM,
            "b/alice.yml": ALICE,
            "a/deep/er/bob.yaml": other("bob", "ACME1002"),
            "a/notes.txt": "kind: Nonsense",
            "c.json": "{}",
        }
    )

    desired = load(directory)

    assert [trader.name for trader in desired.traders] == ["bob", "alice"]
    assert desired.sources["bob"].path == "manifests/a/deep/er/bob.yaml"


def test_a_file_that_cannot_be_read_is_reported(write: Write, tmp_path: Path) -> None:
    directory = write({"firm.yaml": FIRM})
    (tmp_path / "manifests" / "alice.yaml").symlink_to(tmp_path / "nowhere.yaml")

    assert problems(directory) == [
        "manifests/alice.yaml: cannot read file: No such file or directory"
    ]


def test_digest_fingerprints_relative_paths_and_bytes(write: Write, tmp_path: Path) -> None:
    directory = write({"firm.yaml": FIRM, "traders/alice.yaml": ALICE})
    first = load(directory).digest
    shutil.copytree(tmp_path / "manifests", tmp_path / "copy")

    assert load("copy").digest == first
    (tmp_path / "copy" / "traders" / "alice.yaml").write_text(ALICE + "# a comment\n")
    assert load("copy").digest != first
    (tmp_path / "copy" / "traders" / "alice.yaml").rename(tmp_path / "copy" / "alice.yaml")
    (tmp_path / "copy" / "alice.yaml").write_text(ALICE)
    assert load("copy").digest != first


def test_env_references_whole_and_embedded(write: Write) -> None:
    postgres = "settings:\n  state: {backend: postgres, dsn: 'postgres://u:${env:PG_PW}@h/db'}\n"
    directory = write(
        {
            "firm.yaml": FIRM + postgres,
            "alice.yaml": alice("password: correct-horse", "password: ${env:ALICE_PW}"),
        }
    )

    desired = load(directory, environ={"PG_PW": "s3cr3t", "ALICE_PW": "from-the-environment"})

    dsn = desired.firm.settings.state.dsn
    assert dsn is not None
    assert dsn.get_secret_value() == "postgres://u:s3cr3t@h/db"
    password = desired.traders[0].password
    assert isinstance(password, SecretStr)
    assert password.get_secret_value() == "from-the-environment"


def test_environ_defaults_to_the_process_environment(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write(
        {"firm.yaml": FIRM, "alice.yaml": alice("correct-horse", "${env:RECONCILER_TEST_PW}")}
    )
    monkeypatch.setenv("RECONCILER_TEST_PW", "from-os-environ")

    desired = load_manifests(directory, schemas=SCHEMAS)

    password = desired.traders[0].password
    assert isinstance(password, SecretStr)
    assert password.get_secret_value() == "from-os-environ"


def test_broken_reference_is_the_only_problem_reported_for_its_value(write: Write) -> None:
    directory = write(
        {"firm.yaml": FIRM, "alice.yaml": alice("alice@example.com", "${env:ALICE_EMAIL}")}
    )

    assert problems(directory) == [
        "manifests/alice.yaml:4: environment variable ALICE_EMAIL is not set "
        "(referenced as ${env:ALICE_EMAIL})"
    ]


def test_file_reference_is_read_relative_to_the_manifest(
    write: Write, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = write(
        {
            "firm.yaml": FIRM,
            "traders/alice.yaml": alice("correct-horse", "${file:secrets/alice.txt}"),
            "traders/secrets/alice.txt": "from-a-file\n",
        }
    )
    secret = tmp_path / "manifests" / "traders" / "secrets" / "alice.txt"
    secret.chmod(0o600)

    with caplog.at_level(logging.WARNING):
        password = load(directory).traders[0].password
        assert caplog.records == []
        secret.chmod(0o640)
        load(directory)

    assert isinstance(password, SecretStr)
    assert password.get_secret_value() == "from-a-file"
    assert [record.getMessage() for record in caplog.records] == [
        f"{directory}/traders/alice.yaml:7: warning: secrets/alice.txt is readable by group "
        "or others; as it may hold a secret, chmod 600 it"
    ]


def test_a_secret_written_into_a_manifest_is_warned_about_by_name_only(
    write: Write, caplog: pytest.LogCaptureFixture
) -> None:
    firm = FIRM.replace(
        "  tradovate:\n",
        "  tradovate:\n    environment: production\n"
        "    credentials: {name: api, password: literal-Secret-1, sec: '${env:TV_SEC}'}\n",
    )
    directory = write({"firm.yaml": firm, "alice.yaml": ALICE})
    with caplog.at_level(logging.WARNING):
        load(directory, environ={"TV_SEC": "from-the-environment"})
    (message,) = [record.getMessage() for record in caplog.records]
    assert message == (
        "2 secret(s) are written into the manifests (firm.providers.tradovate.credentials."
        "password, trader alice.password); keep secrets out of git: use ${env:NAME} or "
        "${file:path}"
    )
    assert "literal-Secret-1" not in message
    assert "correct-horse" not in message


def test_secrets_from_references_raise_no_warning(
    write: Write, caplog: pytest.LogCaptureFixture
) -> None:
    directory = write({"firm.yaml": FIRM, "alice.yaml": alice("correct-horse", "${env:PW}")})
    with caplog.at_level(logging.WARNING):
        load(directory, environ={"PW": "correct-horse"})
    assert caplog.records == []


def test_defaults_merge_under_a_trader_block_only_when_it_has_one(write: Write) -> None:
    defaults = "defaults:\n  other: {plan: Silver, options: {colour: green}}\n"
    directory = write(
        {
            "firm.yaml": FIRM + "  other: {}\n" + defaults,
            "alice.yaml": ALICE + "other: {options: {merge_mode: split}}\n",
            "bob.yaml": other("bob", "ACME1002") + "other: {plan: Gold}\n",
            "carol.yaml": other("carol", "ACME1003"),
        }
    )

    traders = {trader.name: trader for trader in load(directory, schemas=WITH_OTHER).traders}

    assert traders["alice"].platforms["other"] == OtherTrader(
        plan="Silver", options=OtherOptions(merge_mode="split", colour="green")
    )
    assert traders["bob"].platforms["other"] == OtherTrader(
        plan="Gold", options=OtherOptions(colour="green")
    )
    assert "other" not in traders["carol"].platforms


def test_an_empty_provider_block_takes_the_defaults(write: Write) -> None:
    directory = write(
        {
            "firm.yaml": FIRM + "defaults:\n  tradovate: {entitlements: [t-prop]}\n",
            "alice.yaml": ALICE.split("tradovate:")[0] + "tradovate: {}\n",
            "bob.yaml": other("bob", "ACME1002").split("tradovate:")[0] + "tradovate:\n",
        }
    )

    traders = {trader.name: trader for trader in load(directory).traders}

    assert traders["alice"].platforms["tradovate"] == TradovateTrader(entitlements=["t-prop"])
    assert traders["bob"].platforms["tradovate"] == TradovateTrader(entitlements=["t-prop"])


def test_traders_before_and_after_the_firm_are_validated_against_the_first_firm(
    write: Write,
) -> None:
    """Traders are validated file by file once a Firm is read; those read before it wait for
    it, and a second Firm changes nothing but its own error."""
    defaults = "defaults:\n  other: {plan: Silver}\n"
    directory = write(
        {
            "a.yaml": other("bob", "ACME1002") + "other: {}\n",
            "b.yaml": FIRM + "  other: {}\n" + defaults,
            "c.yaml": ALICE + "other: {}\n",
        }
    )

    traders = load(directory, schemas=WITH_OTHER).traders

    assert [trader.name for trader in traders] == ["bob", "alice"]
    assert all(trader.platforms["other"] == OtherTrader(plan="Silver") for trader in traders)

    bad_bob = other("bob", "ACME1002").replace("email: bob@example.com", "email: bob@")
    write({"a.yaml": bad_bob, "d.yaml": FIRM})
    assert problems(directory, schemas=WITH_OTHER) == [
        "manifests/a.yaml:4: email: 'bob@' is not a valid e-mail address",
        "manifests/d.yaml:1: only one Firm may be declared (first declared at manifests/b.yaml:1)",
    ]


def test_a_block_for_a_provider_the_firm_does_not_configure_is_an_error(write: Write) -> None:
    directory = write({"firm.yaml": FIRM, "alice.yaml": ALICE + "other: {plan: Gold}\n"})

    assert problems(directory, schemas=WITH_OTHER) == [
        "manifests/alice.yaml:13: other: provider is not configured on the Firm "
        "(configured: tradovate)"
    ]


def test_duplicates_are_reported_at_the_second_occurrence(write: Write) -> None:
    second = (
        alice("username: alice.smith", "username: Alice.Smith")
        .replace("alice@example.com", "ALICE@example.com")
        .replace("ACME1001", "ACME2")
    )
    third = """\
- name: carol
  username: carol
  email: carol@example.com
  first_name: Carol
  last_name: White
  password: {generate: true}
  contact: {phone: "+15551234567", street_address1: 1 Main St, city: Chicago, country: GB}
  tradovate:
    accounts:
      - {name: ACME1001, template: eval-50k}
      - {name: ACME2, template: eval-50k}
"""
    directory = write({"firm.yaml": FIRM, "a.yaml": ALICE, "b.yaml": second, "c.yaml": third})

    assert problems(directory) == [
        "manifests/b.yaml:2: name: duplicate trader name 'alice' "
        "(first declared at manifests/a.yaml:2)",
        "manifests/b.yaml:3: username: duplicate username 'Alice.Smith' "
        "(compared case-insensitively) (first declared at manifests/a.yaml:3)",
        "manifests/b.yaml:4: email: duplicate e-mail 'ALICE@example.com' "
        "(compared case-insensitively) (first declared at manifests/a.yaml:4)",
        "manifests/c.yaml:10: tradovate.accounts.0.name: duplicate account name ACME1001 "
        "(first declared at manifests/a.yaml:11)",
        "manifests/c.yaml:11: tradovate.accounts.1.name: duplicate account name ACME2 "
        "(first declared at manifests/b.yaml:11)",
    ]


def test_secret_values_never_appear_in_messages(write: Write) -> None:
    credentials = "    environment: production\n    credentials: {name: api, password: [1]}\n"
    directory = write(
        {
            "firm.yaml": firm("  tradovate:\n", "  tradovate:\n" + credentials),
            "alice.yaml": alice("correct-horse", "${env:PW}"),
            "bob.yaml": other("bob", "ACME1002").replace("correct-horse", "[hunter2-hunter2]"),
        }
    )

    reported = problems(directory, environ={"PW": "hunt3r"})

    assert reported == [
        "manifests/alice.yaml:7: password: password must be 8 to 64 characters",
        "manifests/bob.yaml:7: password: is invalid (value not shown: it is secret)",
        "manifests/firm.yaml:6: providers.tradovate.credentials.password: is invalid "
        "(value not shown: it is secret)",
    ]
    assert not any("hunt" in line for line in reported)


def test_yes_no_and_country_codes_stay_text(write: Write) -> None:
    directory = write(
        {
            "firm.yaml": FIRM,
            "alice.yaml": alice("country: US", "country: NO").replace("state: IL", "state: on"),
        }
    )

    contact = load(directory).traders[0].contact

    assert contact is not None
    assert (contact.country, contact.state) == ("NO", "on")


def test_alias_bomb_is_refused_without_expanding_it(write: Write) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    bomb += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]"
             for i in range(9)]  # fmt: skip
    directory = write({"firm.yaml": FIRM, "bomb.yaml": "\n".join(bomb) + "\n"})

    reported = problems(directory)

    assert reported[0] == "manifests/bomb.yaml:1: kind is missing (expected one of: Firm, Trader)"
    assert reported[1] == (
        "manifests/bomb.yaml:2: YAML aliases (*name) are not supported: write the value out "
        "(81 aliases in this file)"
    )
    assert len(reported) == 2  # one error for all of them


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        "- " * 100_000 + "x",
        "".join(f"{' ' * i}k:\n" for i in range(200)),
    ],
    ids=["flow", "block-sequence", "indented-mapping"],
)  # fmt: skip
def test_absurd_nesting_is_refused(write: Write, content: str) -> None:
    directory = write({"firm.yaml": FIRM, "deep.yaml": content})

    (reported,) = problems(directory)

    assert reported.startswith("manifests/deep.yaml:")
    assert reported.endswith(": nesting deeper than 64 levels")


def test_a_generated_file_of_5000_traders_loads(write: Write) -> None:
    entry = (
        "- {{name: t{i}, username: user{i}, email: user{i}@example.com, first_name: First,"
        " last_name: Last{i}, password: '${{env:PW}}', tradovate: {{accounts:"
        " [{{name: ACME{i}, template: eval-50k}}], entitlements: [t-prop]}}}}\n"
    )
    directory = write(
        {"firm.yaml": FIRM, "traders.yaml": "".join(entry.format(i=i) for i in range(5000))}
    )

    desired = load(directory, environ={"PW": "generated-password"})

    assert len(desired.traders) == 5000
    assert desired.traders[4999].name == "t4999"
    assert desired.sources["t4999"] == Source("manifests/traders.yaml", 5000, (4999,))


def test_paths_are_shown_as_the_directory_was_given(write: Write, tmp_path: Path) -> None:
    write({"firm.yaml": firm("name: acme\n", "")})

    assert problems(os.fspath(tmp_path / "manifests")) == [
        f"{tmp_path / 'manifests' / 'firm.yaml'}:1: name: Field required"
    ]


def test_provider_check_sees_validated_settings_block_and_trader(write: Write) -> None:
    seen: list[tuple[BaseModel, BaseModel, Trader]] = []

    def recording_check(settings: BaseModel, block: BaseModel, trader: Trader) -> list[Problem]:
        seen.append((settings, block, trader))
        return [Problem(("tradovate", "accounts", 0, "name"), "recorded")]

    schema = ProviderSchema(TradovateSettings, TradovateTrader, recording_check)
    directory = write({"firm.yaml": FIRM, "alice.yaml": ALICE})

    assert problems(directory, schemas={"tradovate": schema}) == [
        "manifests/alice.yaml:11: tradovate.accounts.0.name: recorded"
    ]
    ((settings, block, trader),) = seen
    assert isinstance(settings, TradovateSettings)
    assert isinstance(block, TradovateTrader)
    assert trader.platforms == {"tradovate": block}
